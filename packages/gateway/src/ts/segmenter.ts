import type { KeyFrame } from '@ace-rx/codec/mpegts';
import { stringify, types } from 'hls-parser';

/** Bytes kept before the first segment opens: more than a key frame is found after its start (the scanner's look-ahead and a packet). */
const LOOKBEHIND_BYTES = 256 * 1024;

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
  /** Its bytes: slices of the stream's chunks, no copy. */
  readonly pieces: readonly Buffer[];
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
  /** An open segment past this many bytes (a stream with no key frame in sight) is dropped (default 64 MiB). */
  readonly maxSegmentBytes?: number;
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
 * Cuts a live stream into HLS segments at key frames: each segment starts with a key frame
 * preceded by its PAT and PMT and lasts at least `minSeconds`. A segment holds references
 * to the stream's chunks (no copy), so it outlives the ring: the playlist always lists
 * `window` segments, whatever the bitrate. Media sequence numbers only rise; a change of
 * source marks the next segment a discontinuity.
 */
export class Segmenter {
  private readonly closed: Segment[] = [];
  private open: Open | undefined;
  private nextSequence: number;
  private discontinuities: number;
  private pendingDiscontinuity: boolean;
  private readonly minSeconds: number;
  private readonly window: number;
  private readonly maxSegmentBytes: number;
  /** The chunks since the open segment's key frame, with the offset of each one's first byte. */
  private pending: { chunk: Buffer; at: number }[] = [];
  private pendingBytes = 0;

  constructor(options: SegmenterOptions = {}) {
    this.minSeconds = options.minSeconds ?? 2;
    this.window = options.window ?? 6;
    this.maxSegmentBytes = options.maxSegmentBytes ?? 64 * 1024 * 1024;
    this.nextSequence = options.numbering?.sequence ?? 0;
    this.discontinuities = options.numbering?.discontinuities ?? 0;
    this.pendingDiscontinuity = options.numbering !== undefined && options.numbering.sequence > 0;
  }

  /**
   * A chunk of the stream, at absolute offset `at` (every chunk, in order, before the key
   * frames found in it): the open segment keeps a reference to it.
   */
  append(chunk: Buffer, at: number): void {
    this.pending.push({ chunk, at });
    this.pendingBytes += chunk.length;
    if (this.open === undefined) {
      // Before a segment opens, a little is kept: the first key frame's packets may have come a chunk or two before it is found.
      while (this.pending.length > 1 && this.pendingBytes - this.pending[0]!.chunk.length >= LOOKBEHIND_BYTES) this.pendingBytes -= this.pending.shift()!.chunk.length;
      return;
    }
    if (this.pendingBytes > this.maxSegmentBytes) {
      // No key frame in sight: the open segment is given up, and the next one starts afresh.
      this.open = undefined;
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingDiscontinuity = true;
    }
  }

  /** A key frame entered the ring: cut here when the open segment is long enough. */
  keyFrame(key: KeyFrame, now = performance.now()): void {
    const open = this.open;
    if (open === undefined) {
      this.open = this.opening(key, now);
      this.keepFrom(key.offset);
      return;
    }
    const seconds = elapsed(open, key, now);
    if (seconds === undefined) {
      // The clock jumped without a change of source being said: cut, and say it.
      this.close(open, key.offset, (now - open.at) / 1000);
      this.pendingDiscontinuity = true;
      this.open = this.opening(key, now);
      this.keepFrom(key.offset);
      return;
    }
    if (seconds < this.minSeconds) return;
    this.close(open, key.offset, seconds);
    this.open = this.opening(key, now);
    this.keepFrom(key.offset);
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
    if (open !== undefined && offset > open.key.offset) {
      const seconds = lastPts !== undefined && open.key.pts !== undefined ? ptsSeconds(open.key.pts, lastPts) : undefined;
      this.close(open, offset, seconds !== undefined && seconds > 0 && seconds < 60 ? seconds : (now - open.at) / 1000);
    }
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The segments a playlist lists now: the newest `window` of them. */
  segments(): Segment[] {
    return this.closed.slice(-this.window);
  }

  /** Segment `sequence` while it is kept (the listed ones and two before them, for players a little behind). */
  segment(sequence: number): Segment | undefined {
    return this.closed.find((s) => s.sequence === sequence);
  }

  /** A segment's bytes: its PAT and PMT, then its run of the stream (slices, no copy). */
  bytes(segment: Segment): Buffer[] {
    return [segment.head, ...segment.pieces];
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

  /** Keeps the pending chunks from absolute offset `from` on (the new open segment's). */
  private keepFrom(from: number): void {
    let drop = 0;
    while (drop < this.pending.length && this.pending[drop]!.at + this.pending[drop]!.chunk.length <= from) drop++;
    if (drop > 0) {
      for (const { chunk } of this.pending.splice(0, drop)) this.pendingBytes -= chunk.length;
    }
  }

  /** The pending bytes from the open segment's start to `end` (exclusive), as slices. */
  private piecesTo(start: number, end: number): Buffer[] {
    const pieces: Buffer[] = [];
    for (const { chunk, at } of this.pending) {
      const from = Math.max(start, at);
      const to = Math.min(end, at + chunk.length);
      if (to > from) pieces.push(chunk.subarray(from - at, to - at));
    }
    return pieces;
  }

  private close(open: Open, end: number, seconds: number): void {
    this.closed.push({
      pieces: this.piecesTo(open.key.offset, end),
      sequence: this.nextSequence++,
      start: open.key.offset,
      end,
      duration: seconds,
      discontinuity: open.discontinuity,
      discontinuitySequence: open.discontinuitySequence,
      head: Buffer.concat([open.key.pat!, open.key.pmt!]),
    });
    // The window and two more, for players a little behind: the memory of HLS is about
    // (window + 2) segments per stream, whatever the ring.
    if (this.closed.length > this.window + 2) this.closed.splice(0, this.closed.length - this.window - 2);
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
