import type { ContentKey } from './backend.js';
import type { EnginePool } from './engines.js';
import { AtCapacity } from './errors.js';
import type { Log } from './log.js';
import type { Limits } from './options.js';
import { LiveStream, type LiveStreamSettings } from './stream.js';

/**
 * The live streams, by content key: one engine session each, created for the first viewer
 * and forgotten when it ends. It holds the limits and the totals of streams gone.
 */
export class StreamRegistry {
  private readonly streams = new Map<string, LiveStream>();
  private bytesInGone = 0;
  private bytesOutGone = 0;

  constructor(
    private readonly settings: LiveStreamSettings & { readonly limits: Limits },
    private readonly pool: EnginePool,
    private readonly log: Log,
  ) {}

  /** Streams now. */
  get size(): number {
    return this.streams.size;
  }

  /** Every stream now. */
  list(): LiveStream[] {
    return [...this.streams.values()];
  }

  /**
   * The stream of `key`, made (not yet started: its first subscriber starts it) when there
   * is none; {@link AtCapacity} when a limit says no.
   */
  streamFor(key: string, content: ContentKey): LiveStream | AtCapacity {
    const { limits } = this.settings;
    if (this.viewerCount() + this.waitingCount() >= limits.maxViewers) return new AtCapacity('maxViewers', limits.maxViewers);
    let stream = this.streams.get(key);
    if (stream === undefined) {
      if (this.streams.size >= limits.maxStreams) return new AtCapacity('maxStreams', limits.maxStreams);
      stream = new LiveStream(key, content, this.settings, this.pool, this.log, (s) => this.forget(s));
      this.streams.set(key, stream);
    }
    if (stream.viewers.size + stream.pending >= limits.maxViewersPerStream) return new AtCapacity('maxViewersPerStream', limits.maxViewersPerStream);
    return stream;
  }

  /** Viewers receiving bytes, in all. */
  viewerCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.viewers.size;
    return n;
  }

  /** Viewers waiting for a stream's first bytes, in all. */
  waitingCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.pending;
    return n;
  }

  /** A viewer of a stream that already ended left: its bytes count in the totals. */
  viewerGone(stream: LiveStream, sentBytes: number): void {
    if (stream.state === 'ended' || this.streams.get(stream.key) !== stream) this.bytesOutGone += sentBytes;
  }

  /** Bytes read from engines and written to viewers since the start. */
  totals(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.bytesInGone;
    let bytesOut = this.bytesOutGone;
    for (const s of this.streams.values()) {
      bytesIn += s.bytesIn;
      bytesOut += s.bytesOut;
    }
    return { bytesIn, bytesOut };
  }

  /** Ends every stream. */
  stopAll(reason: string): void {
    for (const stream of this.list()) stream.stop(reason);
  }

  private forget(stream: LiveStream): void {
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
    this.bytesInGone += stream.bytesIn;
    // Viewers still attached add theirs when they close.
    this.bytesOutGone += stream.bytesOutGone;
  }
}
