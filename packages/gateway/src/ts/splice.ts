import { NULL_PID, readHeader, SYNC_BYTE, TS_PACKET_SIZE, TsScanner, type KeyFrame } from '@ace-rx/codec/mpegts';

/** Bytes after the start during which packets continuing a PES or section begun before the splice are still dropped. */
const SETTLE_BYTES = 256 * 1024;

/**
 * Where the bytes of a new engine session (a retry, or the next source of a channel) join
 * those already in the ring. They are held until the new session's first key frame, then
 * let in from it, after its PAT and PMT, as a joining viewer gets them. From there on,
 * until every PID has begun a new PES or section, packets continuing one begun before are
 * dropped: a demuxer would glue them to the old session's last, cut-off PES on the same
 * PID. So players reading across the splice decode the new session from its first byte.
 * Bounded: past `limit` bytes with no key frame, the bytes are let in from a packet boundary.
 */
export class SpliceAligner {
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private key: KeyFrame | undefined;
  private readonly scanner = new TsScanner({
    onKeyFrame: (k) => {
      if (this.key === undefined && k.pat !== undefined && k.pmt !== undefined) this.key = k;
    },
  });
  /** Set once the bytes flow: the PIDs that began a PES or section since, the tail of a packet cut by a chunk, and the bytes let through. */
  private flowing: { started: Set<number>; tail: Uint8Array | undefined; bytes: number } | undefined;

  constructor(private readonly limit: number) {}

  /** Bytes held so far, waiting for a key frame. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Whether the splice is over: the bytes now flow as they come, and the aligner can go. */
  get done(): boolean {
    return this.flowing !== undefined && this.flowing.bytes >= SETTLE_BYTES && this.flowing.tail === undefined;
  }

  /** How the new session started: on a key frame, or (none within the bound) on a packet boundary; `undefined` while held. */
  get startedOn(): 'key-frame' | 'packet' | undefined {
    return this.flowing === undefined ? undefined : this.key === undefined ? 'packet' : 'key-frame';
  }

  /** Takes the next chunk of the new session; answers what may enter the ring now (nothing while held). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.flowing !== undefined) return [this.settle(chunk)];
    this.scanner.push(chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.key === undefined && this.heldBytes < this.limit) return [];
    const all = Buffer.concat(this.held);
    this.held.length = 0;
    this.flowing = { started: new Set(), tail: undefined, bytes: 0 };
    if (this.key !== undefined) return [this.key.pat!, this.key.pmt!, this.settle(all.subarray(this.key.offset))];
    return [this.settle(all.subarray(packetBoundary(all)))];
  }

  /** Drops the packets that continue a PES or section begun before the splice (whole packets only; a cut one waits for its tail). */
  private settle(chunk: Uint8Array): Uint8Array {
    const f = this.flowing!;
    if (f.bytes >= SETTLE_BYTES && f.tail === undefined) return chunk;
    const bytes = f.tail === undefined ? chunk : Buffer.concat([f.tail, chunk]);
    const whole = bytes.length - (bytes.length % TS_PACKET_SIZE);
    f.tail = whole === bytes.length ? undefined : bytes.subarray(whole);
    if (f.tail !== undefined && f.bytes + whole >= SETTLE_BYTES) {
      // The last pass: what is left of the cut packet goes through with the rest.
      f.tail = undefined;
      return this.filter(bytes, whole, bytes.length);
    }
    return this.filter(bytes, whole, whole);
  }

  private filter(bytes: Uint8Array, whole: number, end: number): Uint8Array {
    const f = this.flowing!;
    const kept: Uint8Array[] = [];
    let from = 0;
    for (let at = 0; at < whole; at += TS_PACKET_SIZE) {
      const header = readHeader(bytes, at);
      const keep = header === undefined || header.pid === NULL_PID || f.started.has(header.pid) || header.payloadUnitStart;
      if (header !== undefined && header.payloadUnitStart) f.started.add(header.pid);
      if (!keep) {
        if (at > from) kept.push(bytes.subarray(from, at));
        from = at + TS_PACKET_SIZE;
      }
    }
    if (end > from) kept.push(bytes.subarray(from, end));
    f.bytes += whole;
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }
}

/** The first offset where two packets in a row start with the sync byte (0 when none does). */
function packetBoundary(bytes: Uint8Array): number {
  for (let i = 0; i + TS_PACKET_SIZE < bytes.length; i++) {
    if (bytes[i] === SYNC_BYTE && bytes[i + TS_PACKET_SIZE] === SYNC_BYTE) return i;
  }
  return 0;
}
