// The one FIFO of a connection's synchronous requests (LOAD, GETPID, GETCID, ...). Their
// `##` answers carry no id: only their order ties an answer to its request, so every
// request of a connection, from the session's flows or the public awaitSync, goes
// through one queue.
//
// Recovery (issue 14 kept, the reviewer's D3/D4 bounded):
// - One request on the wire at a time: the next is written only once the previous was
//   answered or its slot expired, so at most one answer is ever in doubt.
// - A request that timed out (or whose subscriber left) keeps its slot for a grace
//   period (`graceMs`, default its own timeout): a late answer within it is consumed and
//   dropped, never handed on. After the grace the slot is given up and the drop reported,
//   so an engine that lost one answer costs one timeout plus one grace, not the session.
// - A `##` that comes while no slot is open is reported, never kept for a later request.
// - A `##` that does not fit the kind of the request in the slot (JSON for GETPID/GETCID,
//   anything but a JSON object for LOAD) is a shifted or stray answer: reported, skipped,
//   and the request keeps waiting for its own.
import { decodeError, type DecodeError } from '@ace-rx/codec';
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { EngineTimeout } from './errors.js';

interface Entry {
  readonly kind: string;
  readonly line: string;
  readonly ms: number;
  /** waiting: not sent yet; sent: on the wire, within its timeout; late: timed out, within its grace; done: answered, failed or dropped. */
  state: 'waiting' | 'sent' | 'late' | 'done';
  /** Someone still waits for the answer (false once the subscriber left or was failed). */
  listening: boolean;
  timer?: Subscription;
  resolve(payload: string): void;
  reject(error: unknown): void;
}

/** What the answer to `kind` must look like, or `undefined` when any `##` may answer it. */
function expectedShape(kind: string): { readonly name: string; readonly fits: (payload: string) => boolean } | undefined {
  switch (kind) {
    case 'LOAD':
      return { name: 'a JSON object', fits: (payload) => /^\s*\{/.test(payload) };
    case 'GETPID':
      return { name: 'a player id or nothing', fits: (payload) => !/^\s*[[{]/.test(payload) };
    case 'GETCID':
      return { name: 'a content id or nothing', fits: (payload) => !/^\s*[[{]/.test(payload) };
    default:
      return undefined;
  }
}

/** A connection's queue of synchronous requests; made by `connect`, one per connection. */
export class SyncQueue {
  private readonly waiting: Entry[] = [];
  /** The one request on the wire (sent or late), whose slot the next `##` fills. */
  private head: Entry | undefined;
  private ended: (() => unknown) | undefined;

  constructor(
    /** Writes one encoded line (it may throw: the request then fails with that error). */
    private readonly write: (line: string) => void,
    private readonly scheduler: SchedulerLike,
    /** Where a `##` given to no request, and a slot given up, are reported. */
    private readonly report: (error: DecodeError) => void,
    /** How long a timed-out request keeps its slot for its late answer (default: its own timeout). */
    private readonly graceMs?: number,
  ) {}

  /**
   * Queues the encoded request `line`; emits its answer's payload and completes, or
   * errors with `EngineTimeout(kind, ms)` after `ms` without an answer. A request is
   * written once the one before it was answered or its grace ran out.
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
        listening: true,
        resolve: (payload) => {
          subscriber.next(payload);
          subscriber.complete();
        },
        reject: (error) => subscriber.error(error),
      };
      this.waiting.push(entry);
      this.pump();
      return () => {
        entry.listening = false;
        if (entry.state === 'waiting') {
          entry.state = 'done';
          this.waiting.splice(this.waiting.indexOf(entry), 1);
        }
        // Sent: its answer will still come and must be consumed, not given to the next;
        // the slot stays until the answer, or the timeout and the grace, ran out.
      };
    });
  }

  /** A `##` line arrived: it fills the slot of the request on the wire, if it fits it. */
  answer(payload: string): void {
    const head = this.head;
    if (head === undefined) {
      this.report(decodeError(`##${payload}`, 0, 'a pending synchronous request (this ## answer came when no request was waiting for one)'));
      return;
    }
    const shape = expectedShape(head.kind);
    if (shape !== undefined && !shape.fits(payload)) {
      this.report(
        decodeError(
          `##${payload}`,
          2,
          `${shape.name}, the answer to the ${head.kind} waiting for one (this ## does not fit it: taken for a stray or shifted answer and given to no request)`,
        ),
      );
      return;
    }
    this.head = undefined;
    head.timer?.unsubscribe();
    const answers = head.state === 'sent' && head.listening;
    head.state = 'done';
    if (answers) head.resolve(payload);
    this.pump();
  }

  /** The connection ended: every request, queued or sent, fails with `error()`, and so do later ones. */
  end(error: () => unknown): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    const pending = this.head === undefined ? [...this.waiting] : [this.head, ...this.waiting];
    this.waiting.length = 0;
    this.head = undefined;
    for (const entry of pending) {
      entry.timer?.unsubscribe();
      const waits = (entry.state === 'waiting' || entry.state === 'sent') && entry.listening;
      entry.state = 'done';
      if (waits) entry.reject(error());
    }
  }

  private pumping = false;

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.ended === undefined && this.head === undefined && this.waiting.length > 0) {
        const entry = this.waiting.shift()!;
        entry.state = 'sent';
        this.head = entry;
        try {
          this.write(entry.line);
        } catch (error) {
          this.head = undefined;
          entry.state = 'done';
          entry.reject(error);
          continue;
        }
        entry.timer = this.scheduler.schedule(() => this.expire(entry), entry.ms);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The request's timeout ran out: it fails, and its slot waits `graceMs` more for the late answer. */
  private expire(entry: Entry): void {
    if (entry.state !== 'sent' || this.head !== entry) return;
    entry.state = 'late';
    const grace = this.graceMs ?? entry.ms;
    entry.timer = this.scheduler.schedule(() => this.giveUp(entry, grace), grace);
    if (entry.listening) entry.reject(new EngineTimeout(entry.kind, entry.ms));
  }

  /** The grace ran out too: the slot is given up, so the queue moves on. */
  private giveUp(entry: Entry, grace: number): void {
    if (entry.state !== 'late' || this.head !== entry) return;
    this.head = undefined;
    entry.state = 'done';
    this.report(
      decodeError(
        '',
        0,
        `a ## answer to ${entry.kind} (none came within its ${entry.ms} ms and ${grace} ms of grace: its slot is given up, so a ## that comes later goes to the next request or is reported here)`,
      ),
    );
    this.pump();
  }
}
