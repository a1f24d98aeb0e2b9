// The one FIFO of a connection's synchronous requests (LOAD, GETPID, GETCID, ...). Their
// `##` answers carry no id: only their order ties an answer to its request, so every
// request of a connection, from the session's flows or the public awaitSync, goes
// through one queue, and a request keeps its place until its answer came, even after it
// timed out or its subscriber left, so that a late answer is consumed, not handed on.
import { decodeError, type DecodeError } from '@ace-rx/codec';
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { EngineTimeout } from './errors.js';

interface Entry {
  readonly kind: string;
  readonly line: string;
  readonly ms: number;
  /** waiting: not sent yet; live: sent, someone waits; late: sent, its answer will be dropped; done: answered or failed. */
  state: 'waiting' | 'live' | 'late' | 'done';
  timer?: Subscription;
  resolve(payload: string): void;
  reject(error: unknown): void;
}

/** A connection's queue of synchronous requests; made by `connect`, one per connection. */
export class SyncQueue {
  private readonly waiting: Entry[] = [];
  /** Sent, in order, each waiting for its `##` (the late ones too). */
  private readonly sent: Entry[] = [];
  private ended: (() => unknown) | undefined;

  constructor(
    /** Writes one encoded line (it may throw: the request then fails with that error). */
    private readonly write: (line: string) => void,
    private readonly scheduler: SchedulerLike,
    /** Where a `##` with no request waiting for it is reported. */
    private readonly stray: (error: DecodeError) => void,
  ) {}

  /**
   * Queues the encoded request `line`; emits its answer's payload and completes, or
   * errors with `EngineTimeout(kind, ms)` after `ms` without an answer. A request is
   * sent once no earlier one waits for its answer (a timed-out one no longer blocks).
   */
  request(kind: string, line: string, ms: number): Observable<string> {
    return new Observable<string>((subscriber) => {
      if (this.ended !== undefined) {
        subscriber.error(this.ended());
        return;
      }
      const entry: Entry = {
        kind,
        line,
        ms,
        state: 'waiting',
        resolve: (payload) => {
          subscriber.next(payload);
          subscriber.complete();
        },
        reject: (error) => subscriber.error(error),
      };
      this.waiting.push(entry);
      this.pump();
      return () => {
        if (entry.state === 'waiting') {
          entry.state = 'done';
          this.waiting.splice(this.waiting.indexOf(entry), 1);
        } else if (entry.state === 'live') {
          // Sent: its answer will still come, and must be consumed, not given to the next.
          entry.state = 'late';
          entry.timer?.unsubscribe();
          this.pump();
        }
      };
    });
  }

  /** A `##` line arrived: it answers the oldest request sent. */
  answer(payload: string): void {
    const head = this.sent.shift();
    if (head === undefined) {
      this.stray(decodeError(`##${payload}`, 0, 'a pending synchronous request (this ## answer came when no request was waiting for one)'));
      return;
    }
    if (head.state === 'live') {
      head.state = 'done';
      head.timer?.unsubscribe();
      head.resolve(payload);
    }
    this.pump();
  }

  /** The connection ended: every request, queued or sent, fails with `error()`, and so do later ones. */
  end(error: () => unknown): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    const pending = [...this.waiting, ...this.sent];
    this.waiting.length = 0;
    this.sent.length = 0;
    for (const entry of pending) {
      entry.timer?.unsubscribe();
      const wasWaiting = entry.state === 'waiting' || entry.state === 'live';
      entry.state = 'done';
      if (wasWaiting) entry.reject(error());
    }
  }

  private pumping = false;

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.ended === undefined && this.waiting.length > 0 && !this.sent.some((e) => e.state === 'live')) {
        const entry = this.waiting.shift()!;
        try {
          this.write(entry.line);
        } catch (error) {
          entry.state = 'done';
          entry.reject(error);
          continue;
        }
        entry.state = 'live';
        this.sent.push(entry);
        entry.timer = this.scheduler.schedule(() => {
          if (entry.state !== 'live') return;
          entry.state = 'late';
          entry.reject(new EngineTimeout(entry.kind, entry.ms));
          this.pump();
        }, entry.ms);
      }
    } finally {
      this.pumping = false;
    }
  }
}
