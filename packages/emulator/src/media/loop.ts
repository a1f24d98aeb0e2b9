import { isRandomAccess, MediaFormatError, NULL_PID, nullPacket, readHeader, readPcr, readTimestamps, setContinuity, shiftTimestamps, TS_PACKET_SIZE, writePcr } from './ts.js';

// Bound once, as in ts.ts: global lookups are slow inside jest's vm context.
const { floor, max, min, round } = Math;

/** How a {@link LoopedClip} lays its clip out. */
export interface LoopOptions {
  /** Bits per second of the endless stream, null packets included (default 4,000,000). */
  readonly bitrate?: number;
  /**
   * Length of one loop in 90 kHz ticks, the offset added to every clock per loop. By
   * default it is measured on the PID that carries the PCR (the video, as ffmpeg muxes):
   * its PTS span plus its last frame's length.
   */
  readonly loopTicks?: number;
}

/** Default bitrate of the emulator's streams: about what a real engine sends (measured 3.8 Mbit/s). */
export const DEFAULT_BITRATE = 4_000_000;

/**
 * A transport stream clip repeated without end, packet-addressable: packet `k` of the
 * endless stream is computed, never stored, so live streams, HLS segments and VOD
 * ranges are all slices of one virtual stream.
 *
 * Each loop holds the clip's packets (its own null packets dropped) spread over
 * `packetsPerLoop` slots at the times its PCRs give them, the rest null packets, so the
 * stream runs at `bitrate`. Loop `n` adds `n` loop lengths to every PTS and DTS, every
 * PCR is rewritten to its packet's place in the stream (so PCRs rise with the bytes),
 * and every PID's continuity counter runs on from one loop into the next.
 */
export class LoopedClip {
  /** Bits per second of the stream. */
  readonly bitrate: number;
  /** Length of one loop in 90 kHz ticks. */
  readonly loopTicks: number;
  /** Packets per loop, null packets included. */
  readonly packetsPerLoop: number;
  private readonly clip: Uint8Array;
  /** Per slot: the clip packet's offset in `clip`, or -1 for a null packet. */
  private readonly slots: Int32Array;
  /** Per clip packet offset: how many packets with payload its PID had before it in the clip. */
  private readonly ordinal = new Map<number, number>();
  /** Per PID: packets with payload in one loop. */
  private readonly perLoop = new Map<number, number>();
  private readonly filler = nullPacket();
  /** Slots (within a loop) where a reader can start: a PAT followed by a key frame of the clock PID. */
  private readonly accessPoints: number[];
  /** PCR (27 MHz) of packet 0, and per packet. */
  private readonly pcrZero: number;
  private readonly pcrPerPacket: number;

  constructor(clip: Uint8Array, options: LoopOptions = {}) {
    if (clip.length === 0 || clip.length % TS_PACKET_SIZE !== 0) throw new MediaFormatError(`a clip must be whole packets, got ${clip.length} bytes`);
    this.bitrate = options.bitrate ?? DEFAULT_BITRATE;
    if (!(this.bitrate > 0)) throw new RangeError(`bitrate must be positive: ${this.bitrate}`);
    const kept: number[] = [];
    const spans = new Map<number, number[]>();
    let clockPid: number | undefined;
    for (let at = 0; at < clip.length; at += TS_PACKET_SIZE) {
      const header = readHeader(clip, at);
      if (header.pid === NULL_PID) continue;
      if (clockPid === undefined && readPcr(clip, at) !== undefined) clockPid = header.pid;
      kept.push(at);
      const count = this.perLoop.get(header.pid) ?? 0;
      this.ordinal.set(at, count);
      if (header.hasPayload) this.perLoop.set(header.pid, count + 1);
      const { pts } = readTimestamps(clip, at);
      if (pts !== undefined) spans.set(header.pid, [...(spans.get(header.pid) ?? []), pts]);
    }
    this.clip = clip;
    this.loopTicks = options.loopTicks ?? measuredLoop(spans, clockPid);
    if (!(this.loopTicks > 0)) throw new MediaFormatError('the clip has no timestamps to loop by');
    const seconds = this.loopTicks / 90_000;
    this.packetsPerLoop = max(kept.length, round((this.bitrate * seconds) / 8 / TS_PACKET_SIZE));

    // Clip packet i goes to slot i·N/total: exact for a constant-rate clip (ffmpeg's
    // -muxrate), a fair spread otherwise. PCRs are rewritten to the slot's own time, so
    // they always agree with byte positions and keep rising across loops.
    const total = clip.length / TS_PACKET_SIZE;
    this.slots = new Int32Array(this.packetsPerLoop).fill(-1);
    let previous = -1;
    let firstPcr: { slot: number; pcr: number } | undefined;
    let lastPat = -1;
    const access: number[] = [];
    kept.forEach((at, j) => {
      let slot = floor(((at / TS_PACKET_SIZE) * this.packetsPerLoop) / total);
      slot = min(max(slot, previous + 1), this.packetsPerLoop - (kept.length - j));
      this.slots[slot] = at;
      previous = slot;
      const pid = readHeader(clip, at).pid;
      if (pid === 0) lastPat = slot;
      if (pid === clockPid && isRandomAccess(clip, at) && lastPat >= 0 && access[access.length - 1] !== lastPat) access.push(lastPat);
      const pcr = readPcr(clip, at);
      if (firstPcr === undefined && pcr !== undefined) firstPcr = { slot, pcr };
    });
    this.accessPoints = access.length > 0 ? access : [0];
    this.pcrPerPacket = (this.loopTicks * 300) / this.packetsPerLoop;
    this.pcrZero = firstPcr === undefined ? 0 : firstPcr.pcr - firstPcr.slot * this.pcrPerPacket;
  }

  /** Bytes in one loop. */
  get loopBytes(): number {
    return this.packetsPerLoop * TS_PACKET_SIZE;
  }

  /** Length of one loop in milliseconds. */
  get loopMs(): number {
    return this.loopTicks / 90;
  }

  /**
   * The last packet at or before `k` where a reader can start decoding: a PAT, then a
   * PMT and a key frame. Live readers start there, as a real engine's do near "now".
   */
  accessPointAtOrBefore(k: number): number {
    const loop = floor(k / this.packetsPerLoop);
    const slot = k - loop * this.packetsPerLoop;
    const points = this.accessPoints;
    for (let i = points.length - 1; i >= 0; i--) if (points[i]! <= slot) return loop * this.packetsPerLoop + points[i]!;
    return loop === 0 ? points[0]! : (loop - 1) * this.packetsPerLoop + points[points.length - 1]!;
  }

  /** Writes packet `k` of the endless stream into `out` at `offset`. */
  writePacket(k: number, out: Uint8Array, offset: number): void {
    const loop = floor(k / this.packetsPerLoop);
    const at = this.slots[k - loop * this.packetsPerLoop]!;
    if (at < 0) {
      out.set(this.filler, offset);
      return;
    }
    out.set(this.clip.subarray(at, at + TS_PACKET_SIZE), offset);
    const header = readHeader(out, offset);
    const before = loop * (this.perLoop.get(header.pid) ?? 0) + this.ordinal.get(at)!;
    // A packet without payload repeats the counter of the last one with payload.
    setContinuity(out, offset, header.hasPayload ? before : before - 1 + 16);
    if (loop > 0) shiftTimestamps(out, offset, loop * this.loopTicks);
    writePcr(out, offset, this.pcrZero + k * this.pcrPerPacket);
  }

  /** Packets `[from, from + count)` of the endless stream. */
  packets(from: number, count: number): Uint8Array {
    const out = new Uint8Array(count * TS_PACKET_SIZE);
    for (let i = 0; i < count; i++) this.writePacket(from + i, out, i * TS_PACKET_SIZE);
    return out;
  }

  /** Bytes `[start, end)` of the endless stream, for any range. */
  bytes(start: number, end: number): Uint8Array {
    if (end <= start) return new Uint8Array(0);
    const first = floor(start / TS_PACKET_SIZE);
    const last = Math.ceil(end / TS_PACKET_SIZE);
    const whole = this.packets(first, last - first);
    const skip = start - first * TS_PACKET_SIZE;
    return whole.subarray(skip, skip + (end - start));
  }
}

/** The PTS span of the clock PID (else the PID with most PTS), plus the length of its last frame. */
function measuredLoop(spans: ReadonlyMap<number, readonly number[]>, clockPid: number | undefined): number {
  const values = (clockPid === undefined ? undefined : spans.get(clockPid)) ?? [...spans.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length < 2) return 0;
  return sorted[sorted.length - 1]! - sorted[0]! + (sorted[sorted.length - 1]! - sorted[sorted.length - 2]!);
}
