import type { Readable } from 'node:stream';
import { testCard } from './clip.js';
import { liveStream, DEFAULT_PACING, type PacingOptions } from './live.js';
import { DEFAULT_BITRATE, LoopedClip } from './loop.js';
import { TS_PACKET_SIZE } from './ts.js';

/** The emulator's media: what its live streams, HLS segments and VOD video are made of. Every field has a default. */
export interface MediaOptions {
  /** Bits per second of every stream (default 4,000,000, about what real engines send). */
  readonly bitrate?: number;
  /** Seconds of stream a new live reader receives at once before pacing starts (default 3). */
  readonly burstSeconds?: number;
  /** Milliseconds between two paced writes (default 50). */
  readonly tickMs?: number;
  /** A transport stream clip to loop instead of the bundled test card (whole 188-byte packets, with PCRs and PTSs). */
  readonly clip?: Uint8Array;
  /** Seconds a live channel has "been on air" when the emulator starts: its HLS window starts full, and livepos's window (`live_first` to `last`) spans this long (default 120). */
  readonly historySeconds?: number;
}

/**
 * One emulator's media: an endless channel cut from a {@link LoopedClip}. Live readers
 * all see the same "now" (a wall clock since the emulator started); HLS segment `n` is
 * loop `n` of the clip; VOD video is the looped stream cut to the catalogue's size.
 */
export class Media {
  /** The looped clip every stream is cut from. */
  readonly clip: LoopedClip;
  /** Seconds of the initial burst. */
  readonly burstSeconds: number;
  /** Seconds the channel had been on air at start: the live window (`livepos`) spans this long. */
  readonly historySeconds: number;
  private readonly tickMs: number;
  private readonly epoch: number;
  private readonly segments = new Map<number, Uint8Array>();

  constructor(options: MediaOptions = {}) {
    this.clip = new LoopedClip(options.clip ?? testCard(), { bitrate: options.bitrate ?? DEFAULT_BITRATE });
    this.burstSeconds = options.burstSeconds ?? DEFAULT_PACING.burstSeconds;
    this.tickMs = options.tickMs ?? DEFAULT_PACING.tickMs;
    this.historySeconds = options.historySeconds ?? 120;
    this.epoch = performance.now() - this.historySeconds * 1000;
  }

  /** Packets per second of every stream. */
  get packetsPerSecond(): number {
    return this.clip.bitrate / 8 / TS_PACKET_SIZE;
  }

  /** Seconds the live channel has been on air. */
  liveSeconds(): number {
    return (performance.now() - this.epoch) / 1000;
  }

  /** Length of one HLS segment (one loop of the clip) in seconds. */
  get segmentSeconds(): number {
    return this.clip.loopMs / 1000;
  }

  /** The last complete live segment: HLS playlists end here. */
  lastLiveSegment(): number {
    return Math.floor(this.liveSeconds() / this.segmentSeconds) - 1;
  }

  /** Bytes of HLS segment `n` (loop `n` of the clip, starting with PAT, PMT and a key frame); the last few are cached. */
  segment(n: number): Uint8Array {
    const cached = this.segments.get(n);
    if (cached !== undefined) return cached;
    const bytes = this.clip.packets(n * this.clip.packetsPerLoop, this.clip.packetsPerLoop);
    this.segments.set(n, bytes);
    for (const old of this.segments.keys()) if (this.segments.size > 4) this.segments.delete(old);
    return bytes;
  }

  /** HLS segments of a VOD file of `size` bytes. */
  vodSegments(size: number): number {
    return Math.max(1, Math.ceil(size / this.clip.loopBytes));
  }

  /**
   * A new live reader's stream: from the access point one burst behind "now", so the
   * burst brings the reader up to live, then paced. Destroy it to stop.
   */
  live(options: Pick<PacingOptions, 'stallAfterBytes' | 'onBytes'> = {}): Readable {
    const now = Math.floor(this.liveSeconds() * this.packetsPerSecond);
    const start = this.clip.accessPointAtOrBefore(Math.max(0, now - Math.round(this.burstSeconds * this.packetsPerSecond)));
    return liveStream(this.clip, { ...options, burstSeconds: this.burstSeconds, tickMs: this.tickMs, startPacket: start });
  }

  /** Bytes `[start, end)` of a VOD video: the looped stream from its beginning. */
  vodBytes(start: number, end: number): Uint8Array {
    return this.clip.bytes(start, end);
  }
}
