/**
 * An incremental MPEG-TS scanner: bytes in any chunking → packet sync, the latest PAT and
 * PMT, the video PID and codec, key frames with their offsets and timestamps, the latest
 * PCR and PTS. Pure and total: no I/O, no Node built-in, never throws on any input.
 */
import { hasNoPesHeader, NULL_PID, PAT_PID, readClock, readTimestamp, SYNC_BYTE, TS_PACKET_SIZE } from './packet.js';
import { parsePat, parsePmt, PAT_TABLE_ID, PMT_TABLE_ID, sectionEnd, type PatInfo, type PmtInfo, type VideoCodec } from './psi.js';

/** Bytes of PES payload (after the PES header) searched for the first slice of a video PES, by default. */
export const DEFAULT_NAL_LOOKAHEAD = 4096;
/** Bytes a candidate sync position needs: the sync byte at n, n + 188 and n + 376. */
const SYNC_WINDOW = 2 * TS_PACKET_SIZE + 1;
/** The longest PES header: 9 bytes and up to 255 of PES_header_data. */
const MAX_PES_HEADER = 9 + 255;

/** How a key frame was recognised. */
export type KeyFrameBy = 'rai' | 'idr' | 'both';

/** A key frame: a PES on the video PID that a decoder can start from. */
export interface KeyFrame {
  /** Absolute stream offset of the first TS packet of the key frame's PES (bytes from the first byte ever pushed). */
  readonly offset: number;
  /** The video PID. */
  readonly pid: number;
  /** The video codec, as the PMT said. */
  readonly codec: VideoCodec;
  /** PTS of the PES, 90 kHz, modulo 2^33. */
  readonly pts?: number;
  /** DTS of the PES, 90 kHz, modulo 2^33 (only when the PES carries one apart from the PTS). */
  readonly dts?: number;
  /**
   * `'rai'`: the adaptation field's random_access_indicator is set; `'idr'`: the payload
   * starts a key picture (H.264 IDR, H.265 IRAP 16–21, MPEG-2 sequence header) but the
   * flag is not set; `'both'`: both.
   */
  readonly by: KeyFrameBy;
  /** The latest PAT packet before this key frame (the same object {@link TsScanner.pat} gave then). */
  readonly pat?: Uint8Array;
  /** Absolute offset of that PAT packet. */
  readonly patOffset?: number;
  /** The latest PMT packet before this key frame. */
  readonly pmt?: Uint8Array;
  /** Absolute offset of that PMT packet. */
  readonly pmtOffset?: number;
}

/** A clock reading and where in the stream it was. */
export interface ClockReading {
  /** The value: 27 MHz ticks for a PCR (base·300 + extension), 90 kHz ticks for a PTS. */
  readonly value: number;
  /** Absolute offset of the packet that carried it. */
  readonly offset: number;
}

/** A PMT as the scanner accepted it, with where it was. */
export interface PmtEvent {
  /** The table. */
  readonly info: PmtInfo;
  /** Absolute offset of its packet. */
  readonly offset: number;
}

/** A PAT as the scanner accepted it, with where it was. */
export interface PatEvent {
  /** The table. */
  readonly info: PatInfo;
  /** Absolute offset of its packet. */
  readonly offset: number;
}

/** Counters of what a {@link TsScanner} saw. */
export interface TsScannerStats {
  /** Bytes pushed. */
  readonly bytes: number;
  /** Whole packets read while in sync. */
  readonly packets: number;
  /** Bytes dropped while looking for sync (garbage, or the packets cut by a loss of sync). */
  readonly skippedBytes: number;
  /** Times sync was lost (a packet did not start with 0x47 where one should). */
  readonly syncLosses: number;
  /** Times sync was found again after a loss (the first sync is not one). */
  readonly resyncs: number;
  /** Key frames reported. */
  readonly keyFrames: number;
  /** Valid PAT sections read. */
  readonly pats: number;
  /** Valid PMT sections (of the PAT's first program) read. */
  readonly pmts: number;
  /** PAT or PMT sections skipped because they span packets. */
  readonly longSections: number;
  /** PAT or PMT sections dropped: bad length, bad CRC, not current. */
  readonly badSections: number;
  /** Packets with the transport_error_indicator set (their contents are not read). */
  readonly transportErrors: number;
  /** Packets whose adaptation field runs past the packet (their contents are not read). */
  readonly badPackets: number;
  /** Continuity counter jumps on the video PID while its PES start was being read. */
  readonly continuityErrors: number;
}

/** Options of a {@link TsScanner}. */
export interface TsScannerOptions {
  /** Called once per key frame, when the scanner is sure of it (a packet or two after the PES start at most). */
  onKeyFrame?(keyFrame: KeyFrame): void;
  /** Called when a PAT's first program or version changes (the first PAT too). */
  onPat?(pat: PatEvent): void;
  /** Called when the PMT changes: first one, new version, new video PID or codec, new PCR PID. */
  onPmt?(pmt: PmtEvent): void;
  /** Bytes of PES payload searched for the first slice NAL unit of a video PES (default {@link DEFAULT_NAL_LOOKAHEAD}). */
  nalLookahead?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the scanner is doing with the current video PES: nothing (none seen, or decided), */
const Pes = {
  Idle: 0,
  /** collecting its header, */
  Header: 1,
  /** looking for its first slice NAL unit. */
  Nal: 2,
} as const;
type Pes = (typeof Pes)[keyof typeof Pes];

type Event = { kind: 'key'; value: KeyFrame } | { kind: 'pat'; value: PatEvent } | { kind: 'pmt'; value: PmtEvent };

function copyPacket(bytes: Uint8Array, at: number): Uint8Array {
  const packet = new Uint8Array(TS_PACKET_SIZE);
  packet.set(bytes.subarray(at, at + TS_PACKET_SIZE));
  return packet;
}

/** Whether the packet at `bytes[at]` is `packet` but for its continuity counter (a repeated PSI packet). */
function samePacket(packet: Uint8Array | undefined, bytes: Uint8Array, at: number): boolean {
  if (packet === undefined || packet[1] !== bytes[at + 1] || packet[2] !== bytes[at + 2] || (packet[3]! & 0xf0) !== (bytes[at + 3]! & 0xf0)) return false;
  for (let k = 4; k < TS_PACKET_SIZE; k++) if (packet[k] !== bytes[at + k]) return false;
  return true;
}

/**
 * Reads an MPEG transport stream as it flows, in chunks cut anywhere. Finds packet sync
 * (0x47 at n, n + 188 and n + 376) and finds it again after garbage; keeps the latest
 * PAT and PMT packets; follows the PMT's first video stream (H.264, H.265, MPEG-2) and
 * reports each key frame with the absolute offset of its PES's first packet. Offsets count
 * from the first byte ever pushed. Results do not depend on how the bytes are cut.
 *
 * Cheap: it reads the 4-byte header of every packet and looks further only into packets
 * of PID 0, the PMT PID, the PCR PID and the video PID's PES starts (and, when needed,
 * the next packets of that PES, up to `nalLookahead` bytes). Between pushes it holds at
 * most one partial packet (in sync) or the 377 bytes of a sync candidate (looking for
 * sync), and a PES header being read (up to 264 bytes): see {@link TsScanner.bufferedBytes}.
 *
 * Callbacks run at the end of the {@link TsScanner.push} that completed them, in stream
 * order. An exception from a callback leaves the scanner consistent, the other callbacks
 * still run, then the first exception is rethrown from `push`.
 *
 * @example
 * ```ts
 * const scanner = new TsScanner({ onKeyFrame: (k) => console.log(k.offset, k.pts, k.by) });
 * for await (const chunk of response.body) scanner.push(chunk);
 * ```
 */
export class TsScanner {
  private readonly onKeyFrame: ((keyFrame: KeyFrame) => void) | undefined;
  private readonly onPat: ((pat: PatEvent) => void) | undefined;
  private readonly onPmt: ((pmt: PmtEvent) => void) | undefined;
  private readonly nalLookahead: number;
  private readonly counts: Mutable<TsScannerStats> = {
    bytes: 0,
    packets: 0,
    skippedBytes: 0,
    syncLosses: 0,
    resyncs: 0,
    keyFrames: 0,
    pats: 0,
    pmts: 0,
    longSections: 0,
    badSections: 0,
    transportErrors: 0,
    badPackets: 0,
    continuityErrors: 0,
  };
  private events: Event[] = [];

  // --- sync --------------------------------------------------------------------------
  private synced = false;
  /** The partial packet at the end of the last chunk (starts with 0x47). */
  private readonly partial = new Uint8Array(TS_PACKET_SIZE);
  private partialLength = 0;
  private partialOffset = 0;
  /** While looking for sync: the bytes from a candidate 0x47 on, until the window is whole. */
  private readonly hold = new Uint8Array(SYNC_WINDOW);
  private holdLength = 0;
  private holdOffset = 0;

  // --- PSI ---------------------------------------------------------------------------
  private patTable: PatInfo | undefined;
  private patPacket: Uint8Array | undefined;
  private patAt = -1;
  private program = -1;
  private pmtPidValue = -1;
  private pmtTable: PmtInfo | undefined;
  private pmtPacket: Uint8Array | undefined;
  private pmtAt = -1;
  private videoPidValue = -1;
  private codec: VideoCodec | undefined;
  private pcrPid = -1;

  // --- clocks ------------------------------------------------------------------------
  private pcrValue = -1;
  private pcrAt = -1;
  private ptsValue = -1;
  private ptsAt = -1;
  private lastKey: KeyFrame | undefined;

  // --- the current video PES ---------------------------------------------------------
  private pes: Pes = Pes.Idle;
  private pesOffset = 0;
  private pesRai = false;
  private pesPat: Uint8Array | undefined;
  private pesPatAt = -1;
  private pesPmt: Uint8Array | undefined;
  private pesPmtAt = -1;
  private pesPts = -1;
  private pesDts = -1;
  private readonly header = new Uint8Array(MAX_PES_HEADER);
  private headerLength = 0;
  private headerNeed = 9;
  private zeros = 0;
  private afterStartCode = false;
  private scanned = 0;
  private videoCc = -1;

  /** A scanner with no byte read yet. */
  constructor(options: TsScannerOptions = {}) {
    this.onKeyFrame = typeof options.onKeyFrame === 'function' ? options.onKeyFrame.bind(options) : undefined;
    this.onPat = typeof options.onPat === 'function' ? options.onPat.bind(options) : undefined;
    this.onPmt = typeof options.onPmt === 'function' ? options.onPmt.bind(options) : undefined;
    const lookahead = options.nalLookahead;
    this.nalLookahead = typeof lookahead === 'number' && lookahead >= 0 && lookahead <= 1 << 20 ? Math.floor(lookahead) : DEFAULT_NAL_LOOKAHEAD;
  }

  /** Feeds bytes in any chunking; offsets count from the first byte ever pushed (absolute stream offsets). */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) return;
    const end = chunk.length;
    const base = this.counts.bytes;
    let i = 0;
    while (i < end) i = this.synced ? this.feedSynced(chunk, i, end, base) : this.seekSync(chunk, i, end, base);
    this.counts.bytes = base + end;
    this.deliver();
  }

  /**
   * Says the stream ended (or paused for good): a video PES whose first slice has not
   * arrived yet is decided on its random_access_indicator alone. The partial packet is
   * kept; later pushes go on from it.
   */
  flush(): void {
    this.settle();
    this.deliver();
  }

  /**
   * The latest PAT packet, once one was read: a 188-byte copy, never changed afterwards.
   * A repeat that differs only in its continuity counter keeps the earlier copy (and
   * {@link TsScanner.patOffset} moves to the repeat).
   */
  get pat(): Uint8Array | undefined {
    return this.patPacket;
  }

  /** Absolute offset of the latest PAT packet. */
  get patOffset(): number | undefined {
    return this.patAt < 0 ? undefined : this.patAt;
  }

  /** The latest PAT, parsed. */
  get patInfo(): PatInfo | undefined {
    return this.patTable;
  }

  /** The latest PMT packet of the PAT's first program: a copy, as {@link TsScanner.pat} is. */
  get pmt(): Uint8Array | undefined {
    return this.pmtPacket;
  }

  /** Absolute offset of the latest PMT packet. */
  get pmtOffset(): number | undefined {
    return this.pmtAt < 0 ? undefined : this.pmtAt;
  }

  /** The latest PMT, parsed. */
  get pmtInfo(): PmtInfo | undefined {
    return this.pmtTable;
  }

  /** PID of the PMT of the PAT's first program. */
  get pmtPid(): number | undefined {
    return this.pmtPidValue < 0 ? undefined : this.pmtPidValue;
  }

  /** PID of the video stream followed (the PMT's first H.264, H.265 or MPEG-1/2 video stream). */
  get videoPid(): number | undefined {
    return this.videoPidValue < 0 ? undefined : this.videoPidValue;
  }

  /** Codec of that stream. */
  get videoCodec(): VideoCodec | undefined {
    return this.codec;
  }

  /** Whether the scanner is in packet sync. */
  get aligned(): boolean {
    return this.synced;
  }

  /** The latest PCR on the PMT's PCR PID (27 MHz) and the offset of its packet. */
  get pcr(): ClockReading | undefined {
    return this.pcrAt < 0 ? undefined : { value: this.pcrValue, offset: this.pcrAt };
  }

  /** The PTS (90 kHz) of the latest video PES start, and the offset of its first packet. */
  get pts(): ClockReading | undefined {
    return this.ptsAt < 0 ? undefined : { value: this.ptsValue, offset: this.ptsAt };
  }

  /** The latest key frame reported. */
  get lastKeyFrame(): KeyFrame | undefined {
    return this.lastKey;
  }

  /** Bytes held between pushes: the partial packet, the sync window, the PES header being read. */
  get bufferedBytes(): number {
    return this.partialLength + this.holdLength + (this.pes === Pes.Header ? this.headerLength : 0);
  }

  /** Counters of what was read so far (a snapshot). */
  get stats(): TsScannerStats {
    return { ...this.counts };
  }

  // --- sync ----------------------------------------------------------------------------

  /** Looks for sync from `chunk[i]`; returns where to go on (in sync from there, or `end`). */
  private seekSync(chunk: Uint8Array, i: number, end: number, base: number): number {
    const counts = this.counts;
    while (i < end) {
      if (this.holdLength === 0) {
        let j = chunk.indexOf(SYNC_BYTE, i);
        if (j < 0 || j >= end) j = end;
        counts.skippedBytes += j - i;
        i = j;
        if (i === end) return end;
        if (i + SYNC_WINDOW <= end) {
          if (chunk[i + TS_PACKET_SIZE] === SYNC_BYTE && chunk[i + 2 * TS_PACKET_SIZE] === SYNC_BYTE) {
            this.found();
            return i;
          }
          counts.skippedBytes++;
          i++;
          continue;
        }
        this.hold.set(chunk.subarray(i, end));
        this.holdLength = end - i;
        this.holdOffset = base + i;
        return end;
      }
      const take = Math.min(SYNC_WINDOW - this.holdLength, end - i);
      this.hold.set(chunk.subarray(i, i + take), this.holdLength);
      this.holdLength += take;
      i += take;
      if (this.holdLength < SYNC_WINDOW) return end;
      const hold = this.hold;
      if (hold[TS_PACKET_SIZE] === SYNC_BYTE && hold[2 * TS_PACKET_SIZE] === SYNC_BYTE) {
        this.found();
        this.holdLength = 0;
        this.feedSynced(hold, 0, SYNC_WINDOW, this.holdOffset);
        return i;
      }
      // Not here: drop the candidate and go on from the next 0x47 in the window.
      let k = hold.indexOf(SYNC_BYTE, 1);
      if (k < 0) k = SYNC_WINDOW;
      counts.skippedBytes += k;
      hold.copyWithin(0, k, SYNC_WINDOW);
      this.holdLength = SYNC_WINDOW - k;
      this.holdOffset += k;
    }
    return end;
  }

  private found(): void {
    this.synced = true;
    if (this.counts.syncLosses > 0) this.counts.resyncs++;
  }

  private lose(): void {
    this.synced = false;
    this.counts.syncLosses++;
    this.partialLength = 0;
    // What was being read may have lost bytes: decide it on what is known.
    this.settle();
    this.videoCc = -1;
  }

  /** Reads packets from `buf[i]` on while in sync; returns where sync was lost, or `end`. */
  private feedSynced(buf: Uint8Array, i: number, end: number, base: number): number {
    if (this.partialLength > 0) {
      const take = Math.min(TS_PACKET_SIZE - this.partialLength, end - i);
      this.partial.set(buf.subarray(i, i + take), this.partialLength);
      this.partialLength += take;
      i += take;
      if (this.partialLength < TS_PACKET_SIZE) return end;
      this.partialLength = 0;
      this.counts.packets++;
      const p = this.partial;
      const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
      if (pid === PAT_PID || pid === this.pmtPidValue || pid === this.videoPidValue || pid === this.pcrPid) {
        if (!this.passable(p, 0, pid)) this.packet(p, 0, this.partialOffset, pid);
      }
    }
    let packets = 0;
    let video = this.videoPidValue;
    let pmt = this.pmtPidValue;
    let pcr = this.pcrPid;
    for (; i + TS_PACKET_SIZE <= end; i += TS_PACKET_SIZE) {
      if (buf[i] !== SYNC_BYTE) {
        this.counts.packets += packets;
        this.lose();
        return i;
      }
      packets++;
      const pid = ((buf[i + 1]! & 0x1f) << 8) | buf[i + 2]!;
      if (pid === PAT_PID || pid === pmt || pid === video || pid === pcr) {
        if (pid === video && this.passable(buf, i, pid)) continue;
        this.packet(buf, i, base + i, pid);
        video = this.videoPidValue;
        pmt = this.pmtPidValue;
        pcr = this.pcrPid;
      }
    }
    this.counts.packets += packets;
    if (i < end) {
      if (buf[i] !== SYNC_BYTE) {
        this.lose();
        return i;
      }
      this.partial.set(buf.subarray(i, end));
      this.partialLength = end - i;
      this.partialOffset = base + i;
    }
    return end;
  }

  // --- one packet of interest ---------------------------------------------------------

  /**
   * Whether a packet of a PID of interest can be passed over unread: most packets are
   * the middle of a video PES that is decided, with nothing to read but a PCR, which only
   * a packet with an adaptation field can carry (nor a damaged one to count).
   */
  private passable(buf: Uint8Array, at: number, pid: number): boolean {
    return pid === this.videoPidValue && this.pes === Pes.Idle && (buf[at + 1]! & 0xc0) === 0 && (pid !== this.pcrPid || (buf[at + 3]! & 0x20) === 0);
  }

  private packet(buf: Uint8Array, at: number, offset: number, pid: number): void {
    const b1 = buf[at + 1]!;
    if ((b1 & 0x80) !== 0) {
      this.counts.transportErrors++;
      if (pid === this.videoPidValue) this.settle();
      return;
    }
    const b3 = buf[at + 3]!;
    const control = (b3 >> 4) & 3;
    let payload = at + 4;
    let flags = 0;
    const packetEnd = at + TS_PACKET_SIZE;
    if ((control & 2) !== 0) {
      const length = buf[at + 4]!;
      payload = at + 5 + length;
      if (payload > packetEnd) {
        this.counts.badPackets++;
        if (pid === this.videoPidValue) this.settle();
        return;
      }
      if (length > 0) flags = buf[at + 5]!;
      if (pid === this.pcrPid && (flags & 0x10) !== 0 && length >= 7) {
        this.pcrValue = readClock(buf, at + 6);
        this.pcrAt = offset;
      }
    }
    const hasPayload = (control & 1) !== 0 && payload < packetEnd;
    const start = (b1 & 0x40) !== 0;
    if (pid === PAT_PID) {
      if (start && hasPayload) this.psi(buf, at, payload, offset, PAT_TABLE_ID);
    } else if (pid === this.pmtPidValue) {
      if (start && hasPayload) this.psi(buf, at, payload, offset, PMT_TABLE_ID);
    } else if (pid === this.videoPidValue) {
      this.video(buf, payload, packetEnd, offset, start, hasPayload, (flags & 0x40) !== 0, b3 & 0x0f);
    }
  }

  // --- PSI -----------------------------------------------------------------------------

  private psi(buf: Uint8Array, at: number, payload: number, offset: number, tableId: number): void {
    // Muxers repeat the same PAT and PMT every 100 ms or so: a repeat is only counted.
    if (tableId === PAT_TABLE_ID ? samePacket(this.patPacket, buf, at) : samePacket(this.pmtPacket, buf, at)) {
      if (tableId === PAT_TABLE_ID) {
        this.counts.pats++;
        this.patAt = offset;
      } else {
        this.counts.pmts++;
        this.pmtAt = offset;
      }
      return;
    }
    const end = at + TS_PACKET_SIZE;
    let s = payload + 1 + buf[payload]!;
    while (s < end && buf[s] !== 0xff) {
      const e = sectionEnd(buf, s, end);
      if (e === -1) {
        this.counts.longSections++;
        return;
      }
      if (e === -2) {
        this.counts.badSections++;
        return;
      }
      if (buf[s] === tableId) {
        if (tableId === PAT_TABLE_ID ? this.acceptPat(buf, at, s, e, offset) : this.acceptPmt(buf, at, s, e, offset)) return;
      }
      s = e;
    }
  }

  private acceptPat(buf: Uint8Array, at: number, s: number, e: number, offset: number): boolean {
    const info = parsePat(buf, s, e);
    if (info === undefined) {
      this.counts.badSections++;
      return false;
    }
    const first = info.programs.find((p) => p.pmtPid !== PAT_PID && p.pmtPid !== NULL_PID);
    const pmtPid = first?.pmtPid ?? -1;
    const program = first?.program ?? -1;
    this.counts.pats++;
    this.patPacket = copyPacket(buf, at);
    this.patAt = offset;
    const changed = this.patTable === undefined || this.patTable.version !== info.version || pmtPid !== this.pmtPidValue || program !== this.program;
    this.patTable = info;
    if (pmtPid !== this.pmtPidValue || program !== this.program) {
      // Another program map: what the old one said no longer holds.
      this.settle();
      this.pmtPidValue = pmtPid;
      this.program = program;
      this.pmtTable = undefined;
      this.pmtPacket = undefined;
      this.pmtAt = -1;
      this.videoPidValue = -1;
      this.codec = undefined;
      this.pcrPid = -1;
      this.videoCc = -1;
    }
    if (changed) this.events.push({ kind: 'pat', value: { info, offset } });
    return true;
  }

  private acceptPmt(buf: Uint8Array, at: number, s: number, e: number, offset: number): boolean {
    const info = parsePmt(buf, s, e);
    if (info === undefined) {
      this.counts.badSections++;
      return false;
    }
    if (info.program !== this.program) return false;
    this.counts.pmts++;
    this.pmtPacket = copyPacket(buf, at);
    this.pmtAt = offset;
    const before = this.pmtTable;
    this.pmtTable = info;
    let videoPid = info.videoPid ?? -1;
    // A video PID that is a PSI PID cannot be read as video.
    if (videoPid === PAT_PID || videoPid === this.pmtPidValue || videoPid === NULL_PID) videoPid = -1;
    const codec = videoPid < 0 ? undefined : info.videoCodec;
    const pcrPid = info.pcrPid === NULL_PID || info.pcrPid === PAT_PID || info.pcrPid === this.pmtPidValue ? -1 : info.pcrPid;
    if (videoPid !== this.videoPidValue || codec !== this.codec) {
      this.settle();
      this.videoCc = -1;
    }
    const changed = before === undefined || before.version !== info.version || videoPid !== this.videoPidValue || codec !== this.codec || pcrPid !== this.pcrPid;
    this.videoPidValue = videoPid;
    this.codec = codec;
    this.pcrPid = pcrPid;
    if (changed) this.events.push({ kind: 'pmt', value: { info, offset } });
    return true;
  }

  // --- video -----------------------------------------------------------------------------

  private video(buf: Uint8Array, payload: number, end: number, offset: number, start: boolean, hasPayload: boolean, rai: boolean, cc: number): void {
    if (start) {
      this.settle();
      this.pes = Pes.Header;
      this.pesOffset = offset;
      this.pesRai = rai;
      this.pesPat = this.patPacket;
      this.pesPatAt = this.patAt;
      this.pesPmt = this.pmtPacket;
      this.pesPmtAt = this.pmtAt;
      this.pesPts = -1;
      this.pesDts = -1;
      this.headerLength = 0;
      this.headerNeed = 9;
      this.zeros = 0;
      this.afterStartCode = false;
      this.scanned = 0;
      this.videoCc = hasPayload ? cc : -1;
      if (!hasPayload) return this.settle();
      this.feedPes(buf, payload, end);
      return;
    }
    if (!hasPayload || this.pes === Pes.Idle) return;
    if (cc === this.videoCc) return; // a duplicate packet
    if (cc !== ((this.videoCc + 1) & 0x0f)) {
      this.counts.continuityErrors++;
      this.settle();
      return;
    }
    this.videoCc = cc;
    this.feedPes(buf, payload, end);
  }

  /** Reads PES bytes `buf[i, end)` of the current video PES: its header, then NAL units. */
  private feedPes(buf: Uint8Array, i: number, end: number): void {
    if (this.pes === Pes.Header) {
      const header = this.header;
      while (i < end && this.headerLength < this.headerNeed) {
        const take = Math.min(this.headerNeed - this.headerLength, end - i);
        // A few bytes: a loop is cheaper than a subarray.
        for (let k = 0; k < take; k++) header[this.headerLength + k] = buf[i + k]!;
        this.headerLength += take;
        i += take;
        if (this.headerLength === 9 && this.headerNeed === 9) {
          if (header[0] !== 0 || header[1] !== 0 || header[2] !== 1) return this.settle();
          if (hasNoPesHeader(header[3]!) || (header[6]! & 0xc0) !== 0x80) {
            // No optional header: the payload began at byte 6.
            this.pes = Pes.Nal;
            this.scan(header, 6, 9);
            if (this.pes !== Pes.Nal) return;
            break;
          }
          this.headerNeed = 9 + header[8]!;
        }
      }
      if (this.pes === Pes.Header) {
        if (this.headerLength < this.headerNeed) return;
        this.readPesTimestamps();
        this.pes = Pes.Nal;
      }
    }
    if (this.pes === Pes.Nal && i < end) this.scan(buf, i, end);
  }

  private readPesTimestamps(): void {
    const header = this.header;
    const flags = header[7]! >> 6;
    const length = header[8]!;
    if ((flags & 2) !== 0 && length >= 5) this.pesPts = readTimestamp(header, 9);
    if (flags === 3 && length >= 10) this.pesDts = readTimestamp(header, 14);
    if (this.pesPts >= 0) {
      this.ptsValue = this.pesPts;
      this.ptsAt = this.pesOffset;
    }
  }

  /** Looks through PES payload bytes `buf[i, end)` for Annex-B start codes and the NAL unit types after them. */
  private scan(buf: Uint8Array, i: number, end: number): void {
    const limit = this.nalLookahead - this.scanned;
    const stop = end - i > limit ? i + limit : end;
    this.scanned += stop - i;
    let zeros = this.zeros;
    let after = this.afterStartCode;
    for (; i < stop; i++) {
      const b = buf[i]!;
      if (after) {
        after = false;
        const verdict = this.nalType(b);
        if (verdict !== 0) return this.decide(verdict > 0);
        zeros = b === 0 ? 1 : 0;
      } else if (b === 0) {
        zeros++;
      } else {
        if (b === 1 && zeros >= 2) after = true;
        zeros = 0;
      }
    }
    this.zeros = zeros;
    this.afterStartCode = after;
    if (this.scanned >= this.nalLookahead) this.settle();
  }

  /** What the byte after a start code says: 1 a key picture, -1 another picture, 0 not a picture yet. */
  private nalType(b: number): number {
    switch (this.codec) {
      case 'h264': {
        const type = b & 0x1f;
        if (type === 5) return 1;
        return type >= 1 && type <= 4 ? -1 : 0;
      }
      case 'h265': {
        const type = (b >> 1) & 0x3f;
        if (type >= 16 && type <= 21) return 1;
        return type <= 31 ? -1 : 0;
      }
      case 'mpeg2':
        if (b === 0xb3) return 1; // sequence header
        return b === 0x00 ? -1 : 0; // picture start code
      default:
        return -1;
    }
  }

  /** The current PES is decided: a key picture or not. */
  private decide(keyPicture: boolean): void {
    this.pes = Pes.Idle;
    if (!keyPicture && !this.pesRai) return;
    this.emit(keyPicture ? (this.pesRai ? 'both' : 'idr') : 'rai');
  }

  /** Decides the current PES on what is known: its random_access_indicator. */
  private settle(): void {
    if (this.pes === Pes.Idle) return;
    this.decide(false);
  }

  private emit(by: KeyFrameBy): void {
    if (this.codec === undefined || this.videoPidValue < 0) return;
    const key: Mutable<KeyFrame> = { offset: this.pesOffset, pid: this.videoPidValue, codec: this.codec, by };
    if (this.pesPts >= 0) key.pts = this.pesPts;
    if (this.pesDts >= 0) key.dts = this.pesDts;
    if (this.pesPat !== undefined) {
      key.pat = this.pesPat;
      key.patOffset = this.pesPatAt;
    }
    if (this.pesPmt !== undefined) {
      key.pmt = this.pesPmt;
      key.pmtOffset = this.pesPmtAt;
    }
    this.lastKey = key;
    this.counts.keyFrames++;
    this.events.push({ kind: 'key', value: key });
  }

  private deliver(): void {
    if (this.events.length === 0) return;
    const events = this.events;
    this.events = [];
    let failed = false;
    let failure: unknown;
    for (const event of events) {
      try {
        if (event.kind === 'key') this.onKeyFrame?.(event.value);
        else if (event.kind === 'pat') this.onPat?.(event.value);
        else this.onPmt?.(event.value);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
    if (failed) throw failure;
  }
}
