import { TsScanner, type KeyFrame } from '@ace-rx/codec/mpegts';
import type { Ring } from './ring.js';

/** Where a joining viewer starts: a chunk and offset in the ring, and the bytes to send first. */
export interface JoinPlan {
  /** The first ring byte the viewer gets. */
  readonly start: { readonly seq: number; readonly offset: number };
  /** The PAT and PMT packets that go before it (a key-frame join), or nothing. */
  readonly prefix: Buffer | undefined;
  /** `key-frame`: the viewer decodes from its first byte; `packet`: no key frame was in the ring, so it starts on a packet boundary. */
  readonly kind: 'key-frame' | 'packet';
  /** Absolute offset of the first ring byte. */
  readonly position: number;
}

/**
 * What the MPEG-TS of a live stream says, read as its bytes enter the ring: the key
 * frames still in the ring, each with the PAT and PMT that precede it. Joins start at the
 * latest one; the HLS segmenter cuts at them.
 */
export class KeyFrameIndex {
  private readonly frames: KeyFrame[] = [];
  private readonly scanner: TsScanner;

  /** @param enabled - false: nothing is read (joins on packet boundaries, no segments). */
  constructor(
    private readonly ring: Ring,
    private readonly enabled: boolean,
    onKeyFrame: (keyFrame: KeyFrame) => void = () => undefined,
  ) {
    this.scanner = new TsScanner({
      onKeyFrame: (k) => {
        if (k.pat === undefined || k.pmt === undefined) return;
        this.frames.push(k);
        onKeyFrame(k);
      },
    });
  }

  /** Reads the bytes just appended to the ring (every byte of the ring goes through here, in order). */
  push(chunk: Uint8Array): void {
    if (!this.enabled) return;
    this.scanner.push(chunk);
    const first = this.ring.firstOffset;
    let drop = 0;
    while (drop < this.frames.length && this.frames[drop]!.offset < first) drop++;
    if (drop > 0) this.frames.splice(0, drop);
  }

  /** Key frames in the ring now. */
  get size(): number {
    return this.frames.length;
  }

  /** The latest key frame still in the ring. */
  latest(): KeyFrame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /**
   * The key frame a viewer joining now starts at: the latest one at least `backlogBytes`
   * behind the live edge, so that the whole first frame and a little more reach the player
   * at once; the oldest in the ring when none is that far back (a young stream).
   */
  joinKey(backlogBytes: number): KeyFrame | undefined {
    const edge = this.ring.total - backlogBytes;
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i]!.offset <= edge) return this.frames[i];
    return this.frames[0];
  }

  /** The PTS (90 kHz) of the latest video PES, when the stream has one. */
  get lastPts(): number | undefined {
    return this.scanner.pts?.value;
  }

  /** What the scanner counted (sync losses, key frames, …). */
  get stats(): TsScanner['stats'] {
    return this.scanner.stats;
  }

  /**
   * Where a viewer joining now starts: a key frame ({@link KeyFrameIndex.joinKey}), after
   * its PAT and PMT; or, with no key frame in the ring, about `backlogBytes` behind the
   * live edge on a packet boundary.
   */
  joinPlan(backlogBytes: number): JoinPlan {
    const key = this.joinKey(backlogBytes);
    const at = key === undefined ? undefined : this.ring.locate(key.offset);
    if (key !== undefined && at !== undefined) {
      return { start: at, prefix: Buffer.concat([key.pat!, key.pmt!]), kind: 'key-frame', position: key.offset };
    }
    const start = this.ring.joinPoint(backlogBytes);
    return { start, prefix: undefined, kind: 'packet', position: this.ring.startOf(start.seq) + start.offset };
  }
}
