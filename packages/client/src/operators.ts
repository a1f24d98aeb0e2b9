import type { ClientMessage, EngineKind, EngineMessage, KnownEvent, LivePos, StatusPart } from '@ace-rx/codec';
import {
  asyncScheduler,
  concatMap,
  defer,
  filter,
  map,
  merge,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
  take,
  takeWhile,
  throwError,
  throwIfEmpty,
  timeout,
  ignoreElements,
} from 'rxjs';
import { ContentError, EngineDisconnected, EngineTimeout } from './errors.js';

/**
 * Keeps the messages of the given kinds, narrowing their type.
 *
 * @example
 * ```ts
 * session.messages$.pipe(ofKind('PAUSE', 'RESUME')).subscribe((m) => player[m.kind === 'PAUSE' ? 'pause' : 'play']());
 * ```
 */
export function ofKind<K extends EngineKind>(...kinds: K[]): OperatorFunction<EngineMessage, Extract<EngineMessage, { kind: K }>> {
  const wanted = new Set<EngineKind>(kinds);
  return filter((message): message is Extract<EngineMessage, { kind: K }> => wanted.has(message.kind));
}

/**
 * The `main` (or `ad`) part of every STATUS.
 *
 * @example
 * ```ts
 * session.messages$.pipe(statusOf('main')).subscribe((part) => console.log(part.state));
 * ```
 */
export function statusOf(part: 'main' | 'ad' = 'main'): OperatorFunction<EngineMessage, StatusPart> {
  return (source) =>
    source.pipe(
      ofKind('STATUS'),
      map((status) => status[part]),
      filter((p): p is StatusPart => p !== undefined),
    );
}

/** The position of a live stream, from each `EVENT livepos`. */
export function livePosition(): OperatorFunction<EngineMessage, LivePos> {
  return (source) =>
    source.pipe(
      filter((m): m is Extract<KnownEvent, { name: 'livepos' }> => m.kind === 'EVENT' && m.name === 'livepos'),
      map((m) => m.params),
    );
}

/** Prebuffering (or buffering) progress as a person wants to see it. */
export interface PrebufferProgress {
  /** The engine's state word: `prebuf`, `buf`, `check`, `wait`, `dl`, ... */
  readonly phase: string;
  /** 0..100: the state's progress; 100 once downloading, 0 when the engine gives none. */
  readonly percent: number;
  readonly peers: number;
  /** KiB/s. */
  readonly speedDown: number;
  /** KiB/s. */
  readonly speedUp: number;
  /** Bytes. */
  readonly downloaded: number;
  /** Seconds the engine expects to need, when it says. */
  readonly timeLeft?: number;
}

/** A STATUS part as {@link PrebufferProgress}. */
export function toProgress(part: StatusPart): PrebufferProgress {
  const fields = part as { progress?: number; time?: number; peers?: number; speedDown?: number; speedUp?: number; downloaded?: number };
  const phase = part.state === 'unknown' ? part.name : part.state;
  const percent = fields.progress ?? (part.state === 'dl' ? 100 : 0);
  const progress: PrebufferProgress = {
    phase,
    percent,
    peers: fields.peers ?? 0,
    speedDown: fields.speedDown ?? 0,
    speedUp: fields.speedUp ?? 0,
    downloaded: fields.downloaded ?? 0,
  };
  return fields.time === undefined ? progress : { ...progress, timeLeft: fields.time };
}

const PLAYBACK_KINDS: ReadonlySet<EngineKind> = new Set(['PLAY', 'PLAYAD', 'PLAYADI', 'START']);

/**
 * STATUS lines as {@link PrebufferProgress} until playback starts (any playback URL:
 * `PLAY`, `PLAYAD`, `PLAYADI`, `START`), then completes. Errors with
 * {@link ContentError} on `STATUS main:err`.
 *
 * @example
 * ```ts
 * session.messages$.pipe(prebufferProgress()).subscribe((p) => bar.update(p.percent));
 * ```
 */
export function prebufferProgress(): OperatorFunction<EngineMessage, PrebufferProgress> {
  return (source) =>
    source.pipe(
      filter((m) => m.kind === 'STATUS' || PLAYBACK_KINDS.has(m.kind)),
      takeWhile((m) => m.kind === 'STATUS'),
      concatMap((m) => {
        const main = (m as Extract<EngineMessage, { kind: 'STATUS' }>).main;
        if (main.state === 'err') return throwError(() => new ContentError(main.errorId, main.errorMessage ?? 'unknown error'));
        return [toProgress(main)];
      }),
    );
}

/**
 * What {@link awaitSync} needs of a session: its messages and a way to send. A session
 * also has `request`, its connection's one FIFO of `##` answers, which `exchange` and
 * `awaitSync` then go through, so their answers and the session's own flows' can never
 * be swapped.
 */
export interface SyncChannel {
  readonly messages$: Observable<EngineMessage>;
  send(message: ClientMessage): void;
  /** A synchronous request through the connection's `##` FIFO (an `EngineSession` has it). */
  request?(message: ClientMessage, options?: Pick<SyncOptions, 'timeoutMs'>): Observable<string>;
}

/** Options of synchronous requests. */
export interface SyncOptions {
  /** How long to wait for the `##` answer (default: the session's `syncMs`, else 10 000 ms). */
  readonly timeoutMs?: number;
  /** Scheduler of the timeout of a channel without `request` (a session's own is used otherwise). */
  readonly scheduler?: SchedulerLike;
}

/**
 * One synchronous exchange: sends `request` and emits the payload of its `##` answer.
 * Errors with {@link EngineTimeout} when no answer comes in time and
 * {@link EngineDisconnected} when the messages end first. On an `EngineSession` this
 * goes through the connection's FIFO (`session.request`); on a bare channel it listens
 * for the next `##` answer, then sends.
 */
export function exchange(channel: SyncChannel, request: ClientMessage, options: SyncOptions = {}): Observable<string> {
  if (channel.request !== undefined) {
    return channel.request(request, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  }
  const ms = options.timeoutMs ?? 10_000;
  return defer(() =>
    merge(
      channel.messages$.pipe(
        filter((m): m is Extract<EngineMessage, { kind: 'SYNC' }> => m.kind === 'SYNC'),
        take(1),
        map((m) => m.payload),
        throwIfEmpty(() => new EngineDisconnected(`the connection ended before the answer to ${request.kind}`)),
      ),
      // Subscribed after the listener above, so an answer cannot slip past it.
      defer(() => {
        channel.send(request);
        return [];
      }).pipe(ignoreElements()),
    ),
  ).pipe(
    timeout({ first: ms, scheduler: options.scheduler ?? asyncScheduler, with: () => throwError(() => new EngineTimeout(request.kind, ms)) }),
  );
}

/**
 * Turns synchronous requests (LOAD, GETPID, GETCID) into their `##` answers. The
 * answers carry no id, so the requests are serialised. On an `EngineSession` they join
 * the connection's one FIFO, shared with the session's own `getPid`, `getCid` and
 * `loadSync`, one request on the wire at a time: a request that timed out keeps its
 * place for `Timeouts.syncGraceMs` (default its timeout), so a late answer within it is
 * dropped rather than given to the next request; then its place is given up (reported on
 * `decodeErrors$`) and the queue moves on.
 *
 * @example
 * ```ts
 * of<ClientMessage>({ kind: 'GETPID', infohash, developerId: 0, affiliateId: 0, zoneId: 0 })
 *   .pipe(awaitSync(session))
 *   .subscribe((pid) => console.log(pid || 'no player id'));
 * ```
 */
export function awaitSync(channel: SyncChannel, options: SyncOptions = {}): OperatorFunction<ClientMessage, string> {
  return concatMap((request) => exchange(channel, request, options));
}
