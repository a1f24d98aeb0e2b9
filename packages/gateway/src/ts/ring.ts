/** Size of an MPEG-TS packet: joins and skips land on a multiple of it. */
export const TS_PACKET = 188;

/**
 * The bytes of one stream, read once from the engine and kept in a bounded ring of
 * chunks. Chunks are numbered (`seq`) and carry their absolute byte offset, so a
 * {@link Cursor} is two numbers and the ring never copies a byte.
 */
export class Ring {
  private readonly chunks: Buffer[] = [];
  private readonly starts: number[] = [];
  private readonly waiters = new Set<() => void>();
  private firstSeq = 0;
  private held = 0;
  private appended = 0;
  private endedWith: { error?: Error } | undefined;

  /** @param capacityBytes - bytes kept at most (the newest chunk is kept whatever its size). */
  constructor(readonly capacityBytes: number) {}

  /** Sequence number of the oldest chunk kept. */
  get first(): number {
    return this.firstSeq;
  }

  /** Sequence number the next appended chunk will get. */
  get next(): number {
    return this.firstSeq + this.chunks.length;
  }

  /** Bytes appended since the stream began. */
  get total(): number {
    return this.appended;
  }

  /** Bytes held now (at most `capacityBytes` plus one chunk). */
  get bytes(): number {
    return this.held;
  }

  /** Whether the stream has ended (no chunk will come). */
  get ended(): boolean {
    return this.endedWith !== undefined;
  }

  /** Chunk `seq`, when still kept. */
  chunk(seq: number): Buffer | undefined {
    return this.chunks[seq - this.firstSeq];
  }

  /** Absolute offset of chunk `seq`'s first byte. */
  startOf(seq: number): number {
    return this.starts[seq - this.firstSeq] ?? this.appended;
  }

  /** Absolute offset of the oldest byte kept. */
  get firstOffset(): number {
    return this.startOf(this.firstSeq);
  }

  /** Where absolute offset `offset` is kept (chunk and offset into it), or `undefined` once dropped or not yet appended. */
  locate(offset: number): { seq: number; offset: number } | undefined {
    if (offset < this.firstOffset || offset >= this.appended) return undefined;
    // Binary search of the last chunk starting at or before `offset`.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { seq: this.firstSeq + lo, offset: offset - this.starts[lo]! };
  }

  /** Appends a chunk, drops the oldest ones past capacity, and wakes waiting cursors. */
  append(chunk: Buffer): void {
    if (this.endedWith !== undefined || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.starts.push(this.appended);
    this.appended += chunk.length;
    this.held += chunk.length;
    while (this.held > this.capacityBytes && this.chunks.length > 1) {
      this.held -= this.chunks.shift()!.length;
      this.starts.shift();
      this.firstSeq++;
    }
    this.wake();
  }

  /** Ends the stream: cursors write what is left, then end. */
  end(error?: Error): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = error === undefined ? {} : { error };
    this.wake();
  }

  /** Calls `fn` once on the next append or end; returns a function that cancels it. */
  wait(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /**
   * Where a joining viewer starts: about `backlogBytes` behind the live edge, on a
   * chunk boundary, moved forward to the next TS packet boundary of the stream.
   */
  joinPoint(backlogBytes: number): { seq: number; offset: number } {
    let seq = this.next;
    while (seq > this.firstSeq && this.appended - this.startOf(seq - 1) <= backlogBytes) seq--;
    if (seq === this.next) return { seq, offset: 0 };
    return { seq, offset: alignedOffset(this.startOf(seq)) };
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const fn of waiting) fn();
  }
}

/** Offset into a chunk starting at `start` of the first byte on a TS packet boundary. */
export function alignedOffset(start: number): number {
  return (TS_PACKET - (start % TS_PACKET)) % TS_PACKET;
}

/** What a cursor writes to: a `ServerResponse` in the gateway, any Writable in tests. */
export interface Sink {
  /** Queues bytes; false once the queue is past its high-water mark. */
  write(chunk: Buffer): boolean;
  /** Ends the response (the stream is over). */
  end(): void;
  /** Drops the connection (a stalled viewer). */
  destroy(error?: Error): void;
  /** Waits for the queue to empty. */
  once(event: 'drain', listener: () => void): unknown;
  /** Stops waiting. */
  off(event: 'drain', listener: () => void): unknown;
  /** Whether the connection is gone. */
  readonly destroyed: boolean;
}

/** Options of a {@link Cursor}. */
export interface CursorOptions {
  /**
   * Drop the viewer once its connection has taken no byte for this long: it waits for
   * `'drain'` and {@link CursorOptions.queued} did not move (without `queued`: once a write
   * has waited this long for `'drain'`).
   */
  readonly stallMs: number;
  /**
   * Bytes handed to the sink that its connection has not taken yet (the response's
   * `writableLength` and the socket's send queue): while it moves, the viewer is slow but
   * takes bytes, and is not stalled.
   */
  readonly queued?: () => number;
  /** Called once when the cursor stops: `'ended'` (stream over), `'stalled'` (dropped) or `'closed'`. */
  readonly onStop?: (reason: 'ended' | 'stalled' | 'closed') => void;
  /** Called after each pass that wrote bytes (the gateway resumes its upstream from here). */
  readonly onProgress?: (cursor: Cursor) => void;
}

/**
 * One viewer's read position in a {@link Ring}. It writes while `write()` returns true,
 * then waits for `'drain'`; it never queues more than one chunk in the sink. Behind the
 * ring's tail it skips to the oldest chunk kept (counted in `skippedBytes`); when its
 * connection takes no byte for `stallMs`, it destroys the sink.
 */
export class Cursor {
  private seq: number;
  private offset: number;
  private stopped = false;
  private cancelWait: (() => void) | undefined;
  // One lazy timer per stall period, not one per blocked write: a viewer blocks on
  // nearly every 64 KiB chunk at full speed, and timer churn was the fan-out's main cost.
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private blockedAt: number | undefined;
  /** {@link CursorOptions.queued} at the last look while blocked. */
  private queuedMark = 0;
  private readonly onDrain = () => {
    this.blockedAt = undefined;
    this.pump();
  };
  private readonly onStallCheck = () => {
    this.stallTimer = undefined;
    if (this.stopped || this.blockedAt === undefined) return;
    const queued = this.options.queued?.();
    if (queued !== undefined && queued !== this.queuedMark) {
      // Bytes moved since the last look (the kernel took some, or the socket moved its
      // queue along): slow, not stalled. Nothing is written while blocked, so a stalled
      // viewer's figure stands still.
      this.queuedMark = queued;
      this.blockedAt = Date.now();
    }
    const { stallMs } = this.options;
    const waited = Date.now() - this.blockedAt;
    if (waited >= stallMs) {
      this.sink.destroy();
      this.stop('stalled');
      return;
    }
    // With `queued`, look again a quarter of the way on: a stall is seen within 1.25 × stallMs of the last byte taken.
    this.stallTimer = setTimeout(this.onStallCheck, Math.min(stallMs - waited, this.options.queued === undefined ? Infinity : Math.max(1, stallMs / 4)));
  };
  /** Bytes written to the sink. */
  sentBytes = 0;
  /** Bytes jumped over because the viewer fell behind the ring's tail. */
  skippedBytes = 0;
  /** Times the viewer was skipped forward. */
  skips = 0;

  constructor(
    private readonly ring: Ring,
    private readonly sink: Sink,
    start: { seq: number; offset: number },
    private readonly options: CursorOptions,
  ) {
    this.seq = start.seq;
    this.offset = start.offset;
  }

  /** Absolute offset of the next byte this viewer gets. */
  get position(): number {
    return this.seq < this.ring.first ? this.ring.startOf(this.ring.first) : this.ring.startOf(this.seq) + this.offset;
  }

  /** Whether it waits for `'drain'` now. */
  get blocked(): boolean {
    return this.blockedAt !== undefined;
  }

  /** Writes what the ring holds past this cursor, then waits for more, or for `'drain'`. */
  pump(): void {
    if (this.stopped) return;
    this.cancelWait = undefined;
    if (this.sink.destroyed) return this.stop('closed');
    let wrote = false;
    for (;;) {
      if (this.seq < this.ring.first) {
        const from = this.position;
        const first = this.ring.first;
        this.skippedBytes += this.ring.startOf(first) - Math.min(from, this.ring.startOf(first));
        this.skips++;
        this.seq = first;
        this.offset = alignedOffset(this.ring.startOf(first));
      }
      if (this.seq >= this.ring.next) break;
      const chunk = this.ring.chunk(this.seq)!;
      const piece = this.offset === 0 ? chunk : chunk.subarray(Math.min(this.offset, chunk.length));
      this.seq++;
      this.offset = 0;
      if (piece.length === 0) continue;
      this.sentBytes += piece.length;
      wrote = true;
      if (!this.sink.write(piece)) {
        this.sink.once('drain', this.onDrain);
        this.blockedAt = Date.now();
        this.queuedMark = this.options.queued?.() ?? 0;
        this.stallTimer ??= setTimeout(this.onStallCheck, this.options.queued === undefined ? this.options.stallMs : Math.max(1, this.options.stallMs / 4));
        if (wrote) this.options.onProgress?.(this);
        return;
      }
    }
    if (wrote) this.options.onProgress?.(this);
    if (this.ring.ended) {
      this.sink.end();
      return this.stop('ended');
    }
    this.cancelWait = this.ring.wait(() => this.pump());
  }

  /** Stops writing (the viewer left); the sink is left as it is. */
  close(): void {
    this.stop('closed');
  }

  private clearStall(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.blockedAt = undefined;
  }

  private stop(reason: 'ended' | 'stalled' | 'closed'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearStall();
    this.sink.off('drain', this.onDrain);
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.options.onStop?.(reason);
  }
}
