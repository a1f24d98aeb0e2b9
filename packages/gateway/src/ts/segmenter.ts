import type { KeyFrame } from '@ace-rx/codec/mpegts';
import { stringify, types } from 'hls-parser';
import type { Ring } from './ring.js';

/** PTS wrap: 2^33 ticks of 90 kHz. */
const PTS_MODULUS = 2 ** 33;

/** One HLS segment: a run of the ring from a key frame to the next cut, with the PAT and PMT sent before it. */
export interface Segment {
  /** Its media sequence number. */
  readonly sequence: number;
  /** Absolute ring offset of its first byte (its key frame's first packet). */
  readonly start: number;
  /** Absolute ring offset just past its last byte. */
  readonly end: number;
  /** Seconds, from the PTS of its key frame to the next cut's. */
  readonly duration: number;
  /** It follows a change of source (a retry): `EXT-X-DISCONTINUITY` before it. */
  readonly discontinuity: boolean;
  /** Discontinuities up to and including it since the stream's first segment (its discontinuity sequence number). */
  readonly discontinuitySequence: number;
  /** The PAT and PMT packets that precede its key frame. */
  readonly head: Buffer;
}

/** Where a segmenter's numbering starts (a stream that replaces an ended one of the same content goes on from it). */
export interface SegmentNumbering {
  /** The first segment's media sequence number. */
  readonly sequence: number;
  /** Discontinuities before the first segment. */
  readonly discontinuities: number;
}

/** Options of a {@link Segmenter}. */
export interface SegmenterOptions {
  /** A segment is cut at the first key frame at least this many seconds after its start (default 2). */
  readonly minSeconds?: number;
  /** Segments listed in the playlist at most (default 6). */
  readonly window?: number;
  /** Where the numbering starts (default 0 and 0, and the first segment is no discontinuity). */
  readonly numbering?: SegmentNumbering;
}

interface Open {
  readonly key: KeyFrame;
  readonly at: number;
  readonly discontinuity: boolean;
  readonly discontinuitySequence: number;
}

/**
 * Cuts a live stream's ring into HLS segments at key frames: each segment starts with a key
 * frame preceded by its PAT and PMT, lasts at least `minSeconds`, and is served from the
 * ring itself (no copy): a segment whose bytes left the ring leaves the playlist. Media
 * sequence numbers only rise; a change of source marks the next segment a discontinuity.
 */
export class Segmenter {
  private readonly closed: Segment[] = [];
  private open: Open | undefined;
  private nextSequence: number;
  private discontinuities: number;
  private pendingDiscontinuity: boolean;
  private readonly minSeconds: number;
  private readonly window: number;

  constructor(
    private readonly ring: Ring,
    options: SegmenterOptions = {},
  ) {
    this.minSeconds = options.minSeconds ?? 2;
    this.window = options.window ?? 6;
    this.nextSequence = options.numbering?.sequence ?? 0;
    this.discontinuities = options.numbering?.discontinuities ?? 0;
    this.pendingDiscontinuity = options.numbering !== undefined && options.numbering.sequence > 0;
  }

  /** A key frame entered the ring: cut here when the open segment is long enough. */
  keyFrame(key: KeyFrame, now = performance.now()): void {
    const open = this.open;
    if (open === undefined) {
      this.open = this.opening(key, now);
      return;
    }
    const seconds = elapsed(open, key, now);
    if (seconds === undefined) {
      // The clock jumped without a change of source being said: cut, and say it.
      this.close(open, key.offset, (now - open.at) / 1000);
      this.pendingDiscontinuity = true;
      this.open = this.opening(key, now);
      return;
    }
    if (seconds < this.minSeconds) return;
    this.close(open, key.offset, seconds);
    this.open = this.opening(key, now);
  }

  /**
   * A new source starts at absolute offset `offset` (a retry, another engine): the open
   * segment ends there, lasting until `lastPts` when known, and the next segment is a
   * discontinuity.
   */
  discontinuity(offset: number, lastPts: number | undefined, now = performance.now()): void {
    const open = this.open;
    this.open = undefined;
    this.pendingDiscontinuity = true;
    if (open === undefined || offset <= open.key.offset) return;
    const seconds = lastPts !== undefined && open.key.pts !== undefined ? ptsSeconds(open.key.pts, lastPts) : undefined;
    this.close(open, offset, seconds !== undefined && seconds > 0 && seconds < 60 ? seconds : (now - open.at) / 1000);
  }

  /** The segments a playlist lists now: whole in the ring, the newest `window` of them. */
  segments(): Segment[] {
    const first = this.ring.firstOffset;
    let drop = 0;
    while (drop < this.closed.length && this.closed[drop]!.start < first) drop++;
    if (drop > 0) this.closed.splice(0, drop);
    return this.closed.slice(-this.window);
  }

  /** Segment `sequence` while the ring holds it. */
  segment(sequence: number): Segment | undefined {
    return this.segments().find((s) => s.sequence === sequence);
  }

  /** A segment's bytes: its PAT and PMT, then its run of the ring (slices, no copy); `undefined` once they left the ring. */
  bytes(segment: Segment): Buffer[] | undefined {
    const run = this.ring.slice(segment.start, segment.end);
    return run === undefined ? undefined : [segment.head, ...run];
  }

  /** Where the numbering of a stream that follows this one (same content) starts. */
  get numbering(): SegmentNumbering {
    return { sequence: this.nextSequence, discontinuities: this.discontinuities };
  }

  /** The live media playlist of the segments listed now, each URI made by `uriOf`. */
  playlist(uriOf: (segment: Segment) => string): string {
    const listed = this.segments();
    const first = listed[0];
    const playlist = new types.MediaPlaylist({
      version: 3,
      targetDuration: Math.max(1, Math.ceil(Math.max(this.minSeconds, ...listed.map((s) => s.duration)))),
      mediaSequenceBase: first?.sequence ?? this.nextSequence,
      discontinuitySequenceBase: first === undefined ? this.discontinuities : first.discontinuitySequence - (first.discontinuity ? 1 : 0),
      segments: listed.map(
        (s) =>
          new types.Segment({
            uri: uriOf(s),
            duration: Math.round(s.duration * 1000) / 1000,
            discontinuity: s.discontinuity,
            mediaSequenceNumber: s.sequence,
            discontinuitySequence: s.discontinuitySequence,
          }),
      ),
    });
    return stringify(playlist);
  }

  /** A segment opening at `key`, a discontinuity when one is pending. */
  private opening(key: KeyFrame, now: number): Open {
    const discontinuity = this.pendingDiscontinuity;
    this.pendingDiscontinuity = false;
    if (discontinuity) this.discontinuities++;
    return { key, at: now, discontinuity, discontinuitySequence: this.discontinuities };
  }

  private close(open: Open, end: number, seconds: number): void {
    this.closed.push({
      sequence: this.nextSequence++,
      start: open.key.offset,
      end,
      duration: seconds,
      discontinuity: open.discontinuity,
      discontinuitySequence: open.discontinuitySequence,
      head: Buffer.concat([open.key.pat!, open.key.pmt!]),
    });
    // Bounded whatever the ring: segments out of the window are never listed again.
    if (this.closed.length > this.window * 4) this.closed.splice(0, this.closed.length - this.window * 4);
  }
}

/** Seconds from the open segment's key frame to `key` by PTS (by arrival without PTS); `undefined` when the PTS jumped back or far ahead. */
function elapsed(open: Open, key: KeyFrame, now: number): number | undefined {
  if (open.key.pts === undefined || key.pts === undefined) return (now - open.at) / 1000;
  const seconds = ptsSeconds(open.key.pts, key.pts);
  return seconds >= 0 && seconds < 60 ? seconds : undefined;
}

/** Seconds from PTS `from` to PTS `to`, across a wrap of the 33-bit clock. */
function ptsSeconds(from: number, to: number): number {
  const ticks = (((to - from) % PTS_MODULUS) + PTS_MODULUS) % PTS_MODULUS;
  // A small step back reads as a huge step forward across the wrap: keep it negative.
  return (ticks > PTS_MODULUS / 2 ? ticks - PTS_MODULUS : ticks) / 90_000;
}
