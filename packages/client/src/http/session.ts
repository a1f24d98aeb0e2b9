import type { EngineMessage } from '@ace-rx/codec';
import {
  asyncScheduler,
  concatMap,
  defer,
  EMPTY,
  endWith,
  exhaustMap,
  map,
  merge,
  Observable,
  of,
  type SchedulerLike,
  Subject,
  type Subscription,
  takeWhile,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, LoadFailed } from '../errors.js';
import { toProgress } from '../operators.js';
import { rewritePlaybackUrl, type EngineInfo, type StartEvent, type StartTarget } from '../session.js';
import { get, type FetchLike, type HttpAnswer, type RequestTarget } from './request.js';
import {
  aceEnvelope,
  decodeStarted,
  decodeStat,
  decodeVersion,
  selector,
  startUrl,
  Undecodable,
  UNKNOWN_SESSION,
  versionUrl,
  withQuery,
  type HttpOutput,
  type HttpStarted,
} from './wire.js';

/** Timeouts of the HTTP backend, in milliseconds. */
export interface HttpTimeouts {
  /** `get_version`, the liveness probe on connect (default 5 000). No answer is a ConnectionFailed. */
  readonly connectMs: number;
  /** One start, stat or command request (default 10 000). */
  readonly requestMs: number;
  /** Start request to `playing`: prebuffering that never ends is an EngineTimeout (default 120 000). */
  readonly startMs: number;
  /** `method=stop`, which can hang on real engines (default 3 000, spec §5.6). */
  readonly stopMs: number;
}

/** Default {@link HttpTimeouts}. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { connectMs: 5_000, requestMs: 10_000, startMs: 120_000, stopMs: 3_000 };

/** Options of {@link connectHttp}. */
export interface HttpConnectOptions {
  /** Engine host (default `127.0.0.1`). */
  readonly host?: string;
  /** The engine's HTTP API port (default 6878). */
  readonly port?: number;
  /** The `fetch` to call (default: the runtime's global `fetch`). */
  readonly fetch?: FetchLike;
  /** `progressive` MPEG-TS (`/ace/getstream`, the default, as TCP's START) or `hls` (`/ace/manifest.m3u8`). */
  readonly output?: HttpOutput;
  /** The player id (`pid`) sent with every start (default: one random id per session). */
  readonly playerId?: string;
  /** Stat polling interval (default 1 000 ms). */
  readonly pollMs?: number;
  /** Request timeouts (ms). */
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Scheduler of polling and every timeout. */
  readonly scheduler?: SchedulerLike;
}

/** The engine's own session of what is playing, from the start response (URLs pointed at the engine's real host). */
export interface HttpPlayback {
  /** What the player opens (rewritten as on TCP by {@link rewritePlaybackUrl}). */
  readonly playbackUrl: string;
  /** The session's stat URL, on the host the backend talks to. */
  readonly statUrl: string;
  /** The session's command URL, on the host the backend talks to. */
  readonly commandUrl: string;
  /** The content's infohash. */
  readonly infohash: string;
  /** The engine's `playback_session_id` (not the token in the URLs). */
  readonly playbackSessionId: string;
  /** `is_live == 1`. */
  readonly isLive: boolean;
  /** `is_encrypted == 1` (such content is started as HLS). */
  readonly isEncrypted: boolean;
}

/**
 * An engine reached over its HTTP API, with the shapes of the TCP `EngineSession`:
 * `start`, `stop`, `liveSeek`, `engine` and a `messages$` of TCP-shaped messages made
 * from the stat polls, so `prebufferProgress()`, `livePosition()`, `statusOf()` and
 * `ofKind('PAUSE', 'RESUME')` read it as they read TCP.
 */
export interface HttpEngineSession {
  /**
   * Hot; what the stat polls of the current playback say, as the TCP API would say it:
   * `STATUS` (every poll), `EVENT livepos` (live), `START` (once prebuffering ended, with
   * the playback URL), `PAUSE`/`RESUME` (entering and leaving `buf`), `STOP` (the engine
   * forgot the session). Completes when the session ends.
   */
  readonly messages$: Observable<EngineMessage>;
  /** From `get_version`: version, version code, the HTTP port as `httpPort`, and `authLevel` 0 (the HTTP API has no AUTH). */
  readonly engine: EngineInfo;
  /** What plays now, once a start was answered. */
  readonly current: HttpPlayback | undefined;
  /**
   * Starts the content (stopping what played before): the `progress` of each stat poll,
   * then `playing` with the URL, and completes; polling goes on until {@link stop}.
   * `LoadFailed` when the engine cannot load it, `ContentError` on a stat `err`/`error`,
   * `EngineTimeout` when prebuffering does not end within `startMs`.
   */
  start(target: StartTarget, fileIndexes?: readonly number[]): Observable<StartEvent>;
  /** `command_url?method=stop` (within `stopMs`), and polling ends; nothing to stop completes at once. */
  stop(): Observable<void>;
  /** `command_url?method=liveseek&pos=<position>` (a position from `livepos`). */
  liveSeek(position: number): Observable<void>;
}

let sessions = 0;
const randomId = () => `ace-rx-${Date.now().toString(16)}${(++sessions).toString(16)}${Math.floor(Math.random() * 0xffffffff).toString(16)}`;

interface Resolved {
  readonly base: string;
  readonly output: HttpOutput;
  readonly playerId: string;
  readonly pollMs: number;
  readonly timeouts: HttpTimeouts;
}

class HttpSession implements HttpEngineSession {
  private readonly messages = new Subject<EngineMessage>();
  readonly messages$ = this.messages.asObservable();
  private active: { readonly playback: HttpPlayback; poll?: Subscription } | undefined;
  private closed = false;

  constructor(
    readonly engine: EngineInfo,
    private readonly target: RequestTarget,
    private readonly config: Resolved,
    private readonly lost: (error: Error) => void,
  ) {}

  get current(): HttpPlayback | undefined {
    return this.active?.playback;
  }

  start(target: StartTarget, fileIndexes: readonly number[] = [0]): Observable<StartEvent> {
    const ms = this.config.timeouts.startMs;
    return defer(() => {
      if (this.closed) return throwError(() => new EngineDisconnected('the HTTP session is closed'));
      const chosen = selector(target);
      if (chosen instanceof Undecodable) return throwError(() => new LoadFailed(chosen.reason));
      this.release();
      const query: Record<string, string> = { ...chosen, pid: this.config.playerId, _idx: String(fileIndexes[0] ?? 0) };
      if (fileIndexes.length > 1) query['next_file_indexes'] = fileIndexes.slice(1).join(',');
      return merge(
        this.open(query, this.config.output),
        timer(ms, this.target.scheduler).pipe(concatMap(() => throwError(() => new EngineTimeout('START', ms)))),
      ).pipe(takeWhile((event) => event.type !== 'playing', true));
    });
  }

  /** One start request, then its stat polls until `playing`. */
  private open(query: Record<string, string>, output: HttpOutput): Observable<StartEvent> {
    return get(this.target, startUrl(this.config.base, output, query), 'the start request', this.config.timeouts.requestMs).pipe(
      concatMap((answer) => {
        const started = readStarted(answer);
        if (started instanceof LoadFailed) return throwError(() => started);
        // Encrypted content plays as HLS only: restart it there, as the official client does (§5.9).
        if (started.isEncrypted && output === 'progressive') {
          this.active = { playback: this.playbackOf(started) };
          this.release();
          return this.open(query, 'hls');
        }
        return this.follow(started);
      }),
    );
  }

  private follow(started: HttpStarted): Observable<StartEvent> {
    return defer(() => {
      let playing = false;
      const events = this.messages$.pipe(
        concatMap((m): Observable<StartEvent> => {
          switch (m.kind) {
            case 'STATUS':
              if (m.main.state === 'err') return throwError(() => new ContentError(m.main.state === 'err' ? m.main.errorId : undefined, (m.main as { errorMessage?: string }).errorMessage ?? 'unknown error'));
              return of({ type: 'progress', progress: toProgress(m.main) });
            case 'START':
              return of({ type: 'playing', url: m.url, live: m.stream === true });
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
          return playing ? EMPTY : throwError(() => new EngineDisconnected('the HTTP session ended before playback'));
        }),
        tap((event) => {
          if (event.type === 'playing') playing = true;
        }),
      );
      // Listening first: the polls start after the subscription above.
      return merge(
        events,
        defer(() => {
          this.poll(started);
          return EMPTY;
        }),
      );
    });
  }

  private playbackOf(started: HttpStarted): HttpPlayback {
    return {
      playbackUrl: rewritePlaybackUrl(started.playbackUrl, this.engine),
      statUrl: this.own(started.statUrl),
      commandUrl: this.own(started.commandUrl),
      infohash: started.infohash,
      playbackSessionId: started.playbackSessionId,
      isLive: started.isLive,
      isEncrypted: started.isEncrypted,
    };
  }

  /** The engine writes the host it believes in (§5.2); stat and commands go where it answered. */
  private own(url: string): string {
    try {
      const parsed = new URL(url);
      const base = new URL(this.config.base);
      parsed.protocol = base.protocol;
      parsed.host = base.host;
      return parsed.toString();
    } catch {
      return url;
    }
  }

  private poll(started: HttpStarted): void {
    const playback = this.playbackOf(started);
    const current: { readonly playback: HttpPlayback; poll?: Subscription } = { playback };
    this.active = current;
    const url = withQuery(playback.statUrl, { skip_player_activity: '1' });
    let announced = false;
    let buffering = false;
    const end = () => current.poll?.unsubscribe();
    current.poll = timer(0, this.config.pollMs, this.target.scheduler)
      .pipe(exhaustMap(() => get(this.target, url, 'stat', this.config.timeouts.requestMs)))
      .subscribe({
        next: (answer) => {
          if (this.active !== current) return end();
          const envelope = aceEnvelope(answer.body);
          // A body that is no envelope (a proxy's error page, a restart) is skipped: the
          // next poll may read, and startMs bounds the wait.
          if (envelope instanceof Undecodable) return;
          if (!envelope.ok) {
            end();
            if (envelope.error === UNKNOWN_SESSION) {
              this.active = undefined;
              this.messages.next({ kind: 'STOP' });
            } else {
              this.messages.next({ kind: 'STATUS', main: { state: 'err', errorMessage: envelope.error } });
            }
            return;
          }
          const stat = decodeStat(envelope.response);
          if (stat instanceof Undecodable) return;
          const part = stat.part;
          this.messages.next({ kind: 'STATUS', main: part });
          if (part.state === 'err') return end();
          if (stat.livePos !== undefined) this.messages.next({ kind: 'EVENT', name: 'livepos', params: stat.livePos });
          const prebuffered = part.state === 'dl' || (part.state === 'prebuf' && part.progress !== undefined && part.progress >= 100);
          if (!announced && prebuffered) {
            announced = true;
            this.messages.next({
              kind: 'START',
              form: 'keyed',
              url: playback.playbackUrl,
              ...(playback.infohash === '' ? {} : { infohash: playback.infohash }),
              stream: playback.isLive,
              statUrl: playback.statUrl,
              commandUrl: playback.commandUrl,
            });
          } else if (announced && part.state === 'buf' && !buffering) {
            buffering = true;
            this.messages.next({ kind: 'PAUSE' });
          } else if (announced && part.state === 'dl' && buffering) {
            buffering = false;
            this.messages.next({ kind: 'RESUME' });
          }
        },
        // A stat that does not come back means the engine went away: the session ends,
        // as a TCP session ends when its connection drops.
        error: (error: Error) => this.lost(new EngineDisconnected('the engine stopped answering stat', error)),
      });
  }

  stop(): Observable<void> {
    return defer(() => {
      const current = this.active;
      this.active = undefined;
      current?.poll?.unsubscribe();
      if (current === undefined) return of(undefined);
      return this.command(current.playback, { method: 'stop' }, 'stop', this.config.timeouts.stopMs, true);
    });
  }

  liveSeek(position: number): Observable<void> {
    return defer(() => {
      const current = this.active;
      if (current === undefined) return throwError(() => new ContentError(undefined, 'nothing plays to seek in'));
      return this.command(current.playback, { method: 'liveseek', pos: String(Math.round(position)) }, 'liveseek', this.config.timeouts.requestMs, false);
    });
  }

  private command(playback: HttpPlayback, query: Record<string, string>, what: string, ms: number, stopping: boolean): Observable<void> {
    return get(this.target, withQuery(playback.commandUrl, query), what, ms).pipe(
      concatMap((answer) => {
        const envelope = aceEnvelope(answer.body);
        if (envelope instanceof Undecodable) return throwError(() => new ContentError(undefined, `undecodable ${what} answer (HTTP ${answer.status}): ${envelope.reason}`));
        // A second stop, or a stop of a session the engine already dropped, finds nothing to stop.
        if (!envelope.ok && !(stopping && envelope.error === UNKNOWN_SESSION)) return throwError(() => new ContentError(undefined, envelope.error));
        return of(undefined);
      }),
    );
  }

  /** Stops what plays, without waiting: the request is bounded by `stopMs`. */
  private release(): void {
    if (this.active !== undefined) this.stop().subscribe({ error: () => undefined });
  }

  /** Ends the session: stops what plays and completes `messages$`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.messages.complete();
  }
}

function readStarted(answer: HttpAnswer): HttpStarted | LoadFailed {
  const envelope = aceEnvelope(answer.body);
  if (envelope instanceof Undecodable) return new LoadFailed(`undecodable start answer (HTTP ${answer.status}): ${envelope.reason}`);
  if (!envelope.ok) return new LoadFailed(envelope.error);
  const started = decodeStarted(envelope.response);
  return started instanceof Undecodable ? new LoadFailed(started.reason) : started;
}

const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Reaches an engine over its HTTP API (port 6878): a cold Observable that, on subscribe,
 * asks `get_version` and emits an {@link HttpEngineSession} with the shapes of the TCP
 * session. `ConnectionFailed` when nothing answers (or not an engine) within `connectMs`.
 * Unsubscribing stops what plays (`method=stop`, bounded by `stopMs`) and aborts every
 * request in flight. Runtime-neutral: it needs only `fetch`.
 *
 * @example
 * ```ts
 * connectHttp({ host: '127.0.0.1', port: 6878 }).pipe(
 *   switchMap((session) => session.start({ type: 'PID', playerId: 'series' })),
 * ).subscribe((event) => console.log(event));
 * ```
 */
export function connectHttp(options: HttpConnectOptions = {}): Observable<HttpEngineSession> {
  return new Observable<HttpEngineSession>((subscriber) => {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 6878;
    const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch?.bind(globalThis);
    if (fetchFn === undefined) {
      subscriber.error(new TypeError('no fetch in this runtime: pass options.fetch'));
      return undefined;
    }
    const target: RequestTarget = { fetch: fetchFn, host, port, scheduler: options.scheduler ?? asyncScheduler };
    const config: Resolved = {
      base: `http://${urlHost(host)}:${port}/`,
      output: options.output ?? 'progressive',
      playerId: options.playerId ?? randomId(),
      pollMs: options.pollMs ?? 1_000,
      timeouts: { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts },
    };
    let session: HttpSession | undefined;
    const probe = get(target, versionUrl(config.base), 'get_version', config.timeouts.connectMs)
      .pipe(
        map((answer) => {
          const version = decodeVersion(answer.body);
          if (version instanceof Undecodable) throw new ConnectionFailed(host, port, new Error(`no engine's get_version answer: ${version.reason}`));
          return version;
        }),
      )
      .subscribe({
        next: (version) => {
          session = new HttpSession(
            { version: version.version, versionCode: version.code, httpPort: port, authLevel: 0, host },
            target,
            config,
            (error) => {
              session?.close();
              subscriber.error(error);
            },
          );
          subscriber.next(session);
        },
        error: (error: unknown) => subscriber.error(error instanceof EngineTimeout ? new ConnectionFailed(host, port, error) : error),
      });
    return () => {
      probe.unsubscribe();
      session?.close();
    };
  });
}
