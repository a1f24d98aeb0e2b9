import {
  decodeLoadResponse,
  type ClientMessage,
  type DecodeError,
  type EngineMessage,
  type GetCid,
  type LineTooLong,
  type LoadResponse,
  type LoadSource,
  type PartnerIds,
  type PlaybackEvent,
  type StartSource,
} from '@ace-rx/codec';
import {
  asyncScheduler,
  concatMap,
  defer,
  filter,
  ignoreElements,
  map,
  materialize,
  merge,
  Observable,
  type SchedulerLike,
  ReplaySubject,
  Subject,
  take,
  takeWhile,
  tap,
  endWith,
  throwError,
  throwIfEmpty,
  timeout,
  of,
  EMPTY,
} from 'rxjs';
import { ContentError, EngineDisconnected, EngineTimeout, LoadFailed } from './errors.js';
import { exchange, toProgress, type PrebufferProgress } from './operators.js';

/** What the engine said of itself during the handshake. */
export interface EngineInfo {
  /** Engine version from HELLOTS (`3.1.16`), when sent. */
  readonly version?: string;
  /** Engine version code from HELLOTS (3011600), when sent. */
  readonly versionCode?: number;
  /** Port of the engine's HTTP server (HELLOTS `http_port`, else 6878). */
  readonly httpPort: number;
  /** AUTH level: 0 basic, 1 advanced. */
  readonly authLevel: number;
  /** Host the client connected to. */
  readonly host: string;
}

/** Timeouts of the session's flows, in milliseconds. */
export interface Timeouts {
  /** HELLOBG to AUTH (default 10 000). */
  readonly handshakeMs: number;
  /** A `##` answer (default 10 000). */
  readonly syncMs: number;
  /** LOADASYNC to LOADRESP (default 30 000). */
  readonly loadMs: number;
  /** START to the main playback URL, and between two messages meanwhile (default 120 000). */
  readonly startMs: number;
}

/** Default {@link Timeouts}. */
export const DEFAULT_TIMEOUTS: Timeouts = { handshakeMs: 10_000, syncMs: 10_000, loadMs: 30_000, startMs: 120_000 };

/** What START leads to, in order: progress, then ads, then the main playback URL (last). */
export type StartEvent =
  | { readonly type: 'progress'; readonly progress: PrebufferProgress }
  | { readonly type: 'ad'; readonly url: string; readonly skippable: boolean }
  | { readonly type: 'playing'; readonly url: string; readonly live: boolean };

/** Content to START: a LOAD source, a direct URL or an efile URL. */
export type StartTarget = LoadSource | { readonly type: 'URL'; readonly url: string } | { readonly type: 'EFILE'; readonly url: string };

const NO_IDS: PartnerIds = { developerId: 0, affiliateId: 0, zoneId: 0 };

/** A START source from a target and file indexes (partner ids default to 0). */
export function startSource(target: StartTarget, fileIndexes: readonly number[] = [0]): StartSource {
  const ids = (t: object): PartnerIds => ({
    developerId: (t as Partial<PartnerIds>).developerId ?? 0,
    affiliateId: (t as Partial<PartnerIds>).affiliateId ?? 0,
    zoneId: (t as Partial<PartnerIds>).zoneId ?? 0,
  });
  switch (target.type) {
    case 'PID':
      return { type: 'PID', playerId: target.playerId, fileIndexes };
    case 'EFILE':
      return { type: 'EFILE', url: target.url };
    case 'TORRENT':
      return { type: 'TORRENT', url: target.url, fileIndexes, ...ids(target) };
    case 'INFOHASH':
      return { type: 'INFOHASH', infohash: target.infohash, fileIndexes, ...ids(target) };
    case 'RAW':
      return { type: 'RAW', data: target.data, fileIndexes, ...ids(target) };
    case 'URL':
      return { type: 'URL', url: target.url, fileIndexes, ...ids(target) };
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The URL a player should open: engines write `127.0.0.1` into playback URLs, which
 * points at the wrong machine when the engine runs on another host. Then the host is
 * replaced by the engine's host and the port by its HTTP port.
 */
export function rewritePlaybackUrl(url: string, engine: Pick<EngineInfo, 'host' | 'httpPort'>): string {
  if (LOOPBACK.has(engine.host)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!LOOPBACK.has(parsed.hostname)) return url;
  parsed.hostname = engine.host.includes(':') && !engine.host.startsWith('[') ? `[${engine.host}]` : engine.host;
  parsed.port = String(engine.httpPort);
  return parsed.toString();
}

/**
 * A connected, authenticated engine session. Flows are cold: nothing is sent until
 * they are subscribed.
 */
export interface EngineSession {
  /**
   * Every message the engine sends after AUTH; completes when the connection ends, for
   * whatever reason (the reason is `connect()`'s error). Hot: subscribe in the same tick
   * the session is emitted (inside `switchMap`, not after an `await`) to miss nothing,
   * since the engine's first messages may arrive with AUTH.
   */
  readonly messages$: Observable<EngineMessage>;
  /** Lines that could not be decoded or framed (hot); the session lives on. */
  readonly decodeErrors$: Observable<DecodeError | LineTooLong>;
  /** What the engine said of itself. */
  readonly engine: EngineInfo;
  /** Sends one message now. */
  send(message: ClientMessage): void;
  /** LOADASYNC with a fresh request id; emits the matching LOADRESP's answer. Status -1 is a {@link LoadFailed}. */
  load(source: LoadSource): Observable<LoadResponse>;
  /** LOAD, answered by a `##` line. */
  loadSync(source: LoadSource): Observable<LoadResponse>;
  /** GETPID: the player id, or `undefined` when the engine has none. */
  getPid(infohash: string, ids?: PartnerIds): Observable<string | undefined>;
  /** GETCID: the content id, or `undefined` when the engine has none. */
  getCid(request: Omit<GetCid, 'kind'>): Observable<string | undefined>;
  /** START: progress, then ads (play each, then {@link playback} `100`), then the main URL, and completes. */
  start(target: StartTarget, fileIndexes?: readonly number[]): Observable<StartEvent>;
  /** STOP. */
  stop(): Observable<void>;
  /** DUR: the duration of what the player plays. */
  duration(url: string, ms: number): Observable<void>;
  /** PLAYBACK: how far the player got (`100` on an ad lets the main video start). */
  playback(url: string, event: PlaybackEvent): Observable<void>;
  /** LIVESEEK to a position from `EVENT livepos`. */
  liveSeek(position: number): Observable<void>;
}

let nextRequestId = Math.floor(Math.random() * 1_000_000);

/** The session behind {@link EngineSession}; made by `connect`. */
export class Session implements EngineSession {
  private readonly syncJobs = new Subject<{ request: ClientMessage; done: ReplaySubject<string> }>();

  constructor(
    readonly messages$: Observable<EngineMessage>,
    readonly decodeErrors$: Observable<DecodeError | LineTooLong>,
    readonly engine: EngineInfo,
    private readonly write: (message: ClientMessage) => void,
    private readonly timeouts: Timeouts,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    // One queue per session: `##` answers match requests only by order.
    this.syncJobs
      .pipe(
        concatMap(({ request, done }) =>
          exchange(this, request, { timeoutMs: timeouts.syncMs, scheduler }).pipe(
            materialize(),
            map((note) => {
              if (note.kind === 'N') done.next(note.value);
              else if (note.kind === 'E') done.error(note.error);
              else done.complete();
            }),
          ),
        ),
      )
      .subscribe();
  }

  send(message: ClientMessage): void {
    this.write(message);
  }

  private effect(message: ClientMessage): Observable<void> {
    return defer(() => {
      this.write(message);
      return of(undefined);
    });
  }

  /** Queues a synchronous request; unsubscribing early does not cancel its place (its answer must be consumed). */
  private sync(request: ClientMessage): Observable<string> {
    return defer(() => {
      // Replays, so an answer or an error that lands before the subscription is kept.
      const done = new ReplaySubject<string>(1);
      const answer = done.pipe(take(1));
      this.syncJobs.next({ request, done });
      return answer;
    });
  }

  load(source: LoadSource): Observable<LoadResponse> {
    return defer(() => {
      const requestId = ++nextRequestId;
      return merge(
        this.messages$.pipe(
          filter((m): m is Extract<EngineMessage, { kind: 'LOADRESP' }> => m.kind === 'LOADRESP' && m.requestId === requestId),
          take(1),
          throwIfEmpty(() => new EngineDisconnected('the connection ended before LOADRESP')),
        ),
        this.effect({ kind: 'LOADASYNC', requestId, source }).pipe(ignoreElements()),
      ).pipe(
        timeout({ first: this.timeouts.loadMs, scheduler: this.scheduler, with: () => throwError(() => new EngineTimeout('LOADASYNC', this.timeouts.loadMs)) }),
        concatMap((m) => (m.response.status === -1 ? throwError(() => new LoadFailed(m.response.message ?? 'status -1')) : of(m.response))),
      );
    });
  }

  loadSync(source: LoadSource): Observable<LoadResponse> {
    return this.sync({ kind: 'LOAD', source }).pipe(
      concatMap((payload) => {
        const decoded = decodeLoadResponse(payload);
        if (decoded._tag === 'Left') return throwError(() => new LoadFailed(`undecodable answer: ${decoded.left.message}`));
        const response = decoded.right;
        return response.status === -1 ? throwError(() => new LoadFailed(response.message ?? 'status -1')) : of(response);
      }),
    );
  }

  getPid(infohash: string, ids: PartnerIds = NO_IDS): Observable<string | undefined> {
    return this.sync({ kind: 'GETPID', infohash, ...ids }).pipe(map((payload) => payload || undefined));
  }

  getCid(request: Omit<GetCid, 'kind'>): Observable<string | undefined> {
    return this.sync({ kind: 'GETCID', ...request }).pipe(map((payload) => payload || undefined));
  }

  start(target: StartTarget, fileIndexes: readonly number[] = [0]): Observable<StartEvent> {
    const ms = this.timeouts.startMs;
    return defer(() => {
      let playing = false;
      return merge(
        this.messages$.pipe(
          concatMap((m): Observable<StartEvent> => {
            switch (m.kind) {
              case 'STATUS':
                if (m.main.state === 'err') return throwError(() => new ContentError(m.main.state === 'err' ? m.main.errorId : undefined, (m.main as { errorMessage?: string }).errorMessage ?? 'unknown error'));
                return of({ type: 'progress', progress: toProgress(m.main) });
              case 'PLAYAD':
              case 'PLAYADI':
                return of({ type: 'ad', url: this.url(m.url), skippable: m.kind === 'PLAYADI' });
              case 'PLAY':
                return of({ type: 'playing', url: this.url(m.url), live: false });
              case 'START':
                return of(
                  m.ad
                    ? { type: 'ad', url: this.url(m.url), skippable: m.interruptable === true }
                    : { type: 'playing', url: this.url(m.url), live: m.stream === true },
                );
              case 'STOP':
                return throwError(() => new ContentError(undefined, 'the engine stopped the content before playback'));
              default:
                return EMPTY;
            }
          }),
          takeWhile((event) => event.type !== 'playing', true),
          endWith(null),
          concatMap((event) => {
            if (event !== null) return of(event);
            // The messages ended: fine after the main URL, a lost connection before it.
            return playing ? EMPTY : throwError(() => new EngineDisconnected('the connection ended before playback'));
          }),
          tap((event) => {
            if (event.type === 'playing') playing = true;
          }),
        ),
        this.effect({ kind: 'START', source: startSource(target, fileIndexes) }).pipe(ignoreElements()),
      ).pipe(timeout({ each: ms, scheduler: this.scheduler, with: () => throwError(() => new EngineTimeout('START', ms)) }));
    });
  }

  /** Rewritten playback URLs back to the engine's own, which DUR and PLAYBACK must carry. */
  private readonly engineUrls = new Map<string, string>();

  private url(url: string): string {
    const rewritten = rewritePlaybackUrl(url, this.engine);
    if (rewritten !== url) this.engineUrls.set(rewritten, url);
    return rewritten;
  }

  private engineUrl(url: string): string {
    return this.engineUrls.get(url) ?? url;
  }

  stop(): Observable<void> {
    return this.effect({ kind: 'STOP' });
  }

  duration(url: string, ms: number): Observable<void> {
    return this.effect({ kind: 'DUR', url: this.engineUrl(url), durationMs: Math.max(0, Math.round(ms)) });
  }

  playback(url: string, event: PlaybackEvent): Observable<void> {
    return this.effect({ kind: 'PLAYBACK', url: this.engineUrl(url), event });
  }

  liveSeek(position: number): Observable<void> {
    return this.effect({ kind: 'LIVESEEK', position });
  }

  /** Ends the sync queue (pending requests see the messages end). */
  dispose(): void {
    this.syncJobs.complete();
  }
}
