/// <reference lib="esnext.disposable" preserve="true" />
import type { EngineMessage } from '@ace-rx/codec';
import {
  asyncScheduler,
  concatMap,
  defer,
  EMPTY,
  exhaustMap,
  map,
  merge,
  Observable,
  of,
  type SchedulerLike,
  Subject,
  type Subscription,
  takeWhile,
  throwError,
  timer,
} from 'rxjs';
import { ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, LoadFailed, SessionClosed } from '../errors.js';
import { startEvents } from '../start-events.js';
import { rewritePlaybackUrl, type EngineInfo, type StartEvent, type StartTarget } from '../session.js';
import { decodeVersionResponse, liveSeekUrl, statPollUrl, stopUrl, versionUrl, type HttpOutput, type StartResponse } from '@ace-rx/codec/http';
import { get, type FetchLike, type HttpAnswer, type RequestTarget } from './request.js';
import { isFailure, readCommand, readStart, readStat, selector, startRequestUrl } from './wire.js';

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
  /** `ts`: progressive MPEG-TS (`/ace/getstream`, the default, as TCP's START gives); `hls`: `/ace/manifest.m3u8`. */
  readonly output?: HttpOutput;
  /** The player id (`pid`) sent with every start (default: one random id per session). */
  readonly playerId?: string;
  /** Stat polling interval (default 1 000 ms). */
  readonly pollMs?: number;
  /** Request timeouts (ms). */
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Scheduler of polling and every timeout. */
  readonly scheduler?: SchedulerLike;
  /**
   * Rewrite the playback URL (and the playlist URL of HLS) onto `host` and `port`, as
   * {@link rewritePlaybackUrl} says (default `true`); `false` hands it out as the engine
   * wrote it. Stat and command URLs always go to `host` and `port`: the backend itself uses them.
   */
  readonly rewriteUrls?: boolean;
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
export interface HttpEngineSession extends AsyncDisposable {
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
  /** Resolves (never rejects) with why the session ended: `closed` here, or `lost` (the engine stopped answering). */
  readonly closed: Promise<SessionClosed>;
  /** Stops what plays and ends the session; resolves once the stop was answered or timed out. Idempotent. */
  close(): Promise<void>;
  /**
   * Starts the content (stopping what played before): the `progress` of each stat poll,
   * then `playing` with the URL, and completes; polling goes on until {@link stop}
   * (completing stops nothing; unsubscribing `connectHttp()` does, and the URL then answers 500).
   * `LoadFailed` when the engine cannot load it, `ContentError` on a stat `err`/`error`,
   * `EngineTimeout` when prebuffering does not end within `startMs`.
   */
  start(target: StartTarget, fileIndexes?: readonly number[]): Observable<StartEvent>;
  /** `command_url?method=stop` (within `stopMs`), and polling ends; nothing to stop completes at once. */
  stop(): Observable<void>;
  /** `command_url?method=liveseek&pos=<position>` (a position from `livepos`). */
  liveSeek(position: number): Observable<void>;
}

// As the TCP session: `await using session = ...` closes it at the end of the block.
const asyncDispose: typeof Symbol.asyncDispose = ((Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;

let sessions = 0;
const randomId = () => `ace-rx-${Date.now().toString(16)}${(++sessions).toString(16)}${Math.floor(Math.random() * 0xffffffff).toString(16)}`;

interface Resolved {
  readonly base: string;
  readonly output: HttpOutput;
  readonly playerId: string;
  readonly pollMs: number;
  readonly timeouts: HttpTimeouts;
  readonly rewriteUrls: boolean;
}

class HttpSession implements HttpEngineSession {
  private readonly messages = new Subject<EngineMessage>();
  readonly messages$ = this.messages.asObservable();
  private active: { readonly playback: HttpPlayback; poll?: Subscription } | undefined;
  private ended: SessionClosed | undefined;
  private reportClosed: (why: SessionClosed) => void = () => undefined;
  readonly closed = new Promise<SessionClosed>((resolve) => (this.reportClosed = resolve));

  constructor(
    readonly engine: EngineInfo,
    private readonly target: RequestTarget,
    private readonly config: Resolved,
    /** Tells connectHttp's subscriber how the session ended: an error when lost, completion when closed. */
    private readonly report: (error?: Error) => void,
  ) {}

  /** Runs `flow` unless the session has ended. */
  private guard<T>(flow: () => Observable<T>): Observable<T> {
    return defer(() => (this.ended === undefined ? flow() : throwError(() => this.ended)));
  }

  get current(): HttpPlayback | undefined {
    return this.active?.playback;
  }

  start(target: StartTarget, fileIndexes: readonly number[] = [0]): Observable<StartEvent> {
    const ms = this.config.timeouts.startMs;
    return this.guard(() => {
      const content = selector(target);
      if (typeof content === 'string') return throwError(() => new LoadFailed(content));
      this.release();
      const request = (output: HttpOutput) => startRequestUrl(this.config.base, output, content, this.config.playerId, fileIndexes);
      return merge(
        this.open(request, this.config.output),
        timer(ms, this.target.scheduler).pipe(concatMap(() => throwError(() => new EngineTimeout('START', ms)))),
      ).pipe(takeWhile((event) => event.type !== 'playing', true));
    });
  }

  /** One start request, then its stat polls until `playing`. */
  private open(request: (output: HttpOutput) => string | { readonly message: string }, output: HttpOutput): Observable<StartEvent> {
    const url = request(output);
    if (typeof url !== 'string') return throwError(() => new LoadFailed(url.message));
    return get(this.target, url, 'the start request', this.config.timeouts.requestMs).pipe(
      concatMap((answer) => {
        const started = readStarted(answer);
        if (started instanceof LoadFailed) return throwError(() => started);
        // Encrypted content plays as HLS only: restart it there, as the official client does (§5.9).
        if (started.isEncrypted && output === 'ts') {
          this.active = { playback: this.playbackOf(started) };
          this.release();
          return this.open(request, 'hls');
        }
        return this.follow(started);
      }),
    );
  }

  private follow(started: StartResponse): Observable<StartEvent> {
    return defer(() => {
      const events = this.messages$.pipe(
        startEvents(
          (url) => url,
          () => {
            const why = this.ended;
            return why?.reason === 'lost' ? new EngineDisconnected('the engine stopped answering before playback', why.cause) : (why ?? new SessionClosed('closed'));
          },
        ),
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

  private playbackOf(started: StartResponse): HttpPlayback {
    return {
      playbackUrl: this.config.rewriteUrls ? rewritePlaybackUrl(started.playbackUrl, this.engine) : started.playbackUrl,
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

  private poll(started: StartResponse): void {
    const playback = this.playbackOf(started);
    const current: { readonly playback: HttpPlayback; poll?: Subscription } = { playback };
    this.active = current;
    const url = statPollUrl(playback.statUrl);
    let announced = false;
    let buffering = false;
    const end = () => current.poll?.unsubscribe();
    current.poll = timer(0, this.config.pollMs, this.target.scheduler)
      .pipe(exhaustMap(() => get(this.target, url, 'stat', this.config.timeouts.requestMs)))
      .subscribe({
        next: (answer) => {
          if (this.active !== current) return end();
          const stat = readStat(answer.body);
          // A body that is not the API's (a proxy's error page, a restart) is skipped: the
          // next poll may read, and startMs bounds the wait.
          if (isFailure(stat) && stat._tag === 'HttpDecodeError') return;
          if (isFailure(stat)) {
            end();
            if (stat.kind === 'UNKNOWN_SESSION') {
              this.active = undefined;
              this.messages.next({ kind: 'STOP' });
            } else {
              this.messages.next({ kind: 'STATUS', main: { state: 'err', errorMessage: stat.message } });
            }
            return;
          }
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
        error: (error: Error) => void this.finish(new EngineDisconnected('the engine stopped answering stat', error)),
      });
  }

  stop(): Observable<void> {
    return this.guard(() => this.stopActive());
  }

  private stopActive(): Observable<void> {
    return defer(() => {
      const current = this.active;
      this.active = undefined;
      current?.poll?.unsubscribe();
      if (current === undefined) return of(undefined);
      return this.command(stopUrl(current.playback.commandUrl), 'stop', this.config.timeouts.stopMs, true);
    });
  }

  liveSeek(position: number): Observable<void> {
    return this.guard(() => {
      const current = this.active;
      if (current === undefined) return throwError(() => new ContentError(undefined, 'nothing plays to seek in'));
      return this.command(liveSeekUrl(current.playback.commandUrl, Math.round(position)), 'liveseek', this.config.timeouts.requestMs, false);
    });
  }

  private command(url: string, what: string, ms: number, stopping: boolean): Observable<void> {
    return get(this.target, url, what, ms).pipe(
      concatMap((answer) => {
        const failure = readCommand(answer.body);
        if (failure === undefined) return of(undefined);
        // A second stop, or a stop of a session the engine already dropped, finds nothing to stop.
        if (stopping && failure._tag === 'EngineHttpError' && failure.kind === 'UNKNOWN_SESSION') return of(undefined);
        return throwError(() => new ContentError(undefined, failure._tag === 'EngineHttpError' ? failure.message : `undecodable ${what} answer (HTTP ${answer.status}): ${failure.message}`));
      }),
    );
  }

  /** Stops what plays, without waiting: the request is bounded by `stopMs`. */
  private release(): void {
    if (this.active !== undefined) this.stopActive().subscribe({ error: () => undefined });
  }

  /** Ends the session once: stops what plays (within `stopMs`), completes `messages$`, and reports why. */
  private finish(lost?: Error): Promise<void> {
    if (this.ended !== undefined) return this.closed.then(() => undefined);
    const why = lost === undefined ? new SessionClosed('closed') : new SessionClosed('lost', lost);
    this.ended = why;
    const stopped = new Promise<void>((resolve) => {
      if (this.active === undefined) return resolve();
      this.stopActive().subscribe({ error: () => resolve(), complete: () => resolve() });
    });
    this.messages.complete();
    this.report(lost);
    return stopped.then(() => this.reportClosed(why));
  }

  /**
   * Stops what plays (`method=stop`, within `stopMs`) and ends the session; resolves once
   * the stop was answered or timed out. `connectHttp()` then completes. Idempotent.
   */
  close(): Promise<void> {
    return this.finish();
  }

  [asyncDispose](): Promise<void> {
    return this.finish();
  }
}

function readStarted(answer: HttpAnswer): StartResponse | LoadFailed {
  const started = readStart(answer.body);
  if (!isFailure(started)) return started;
  return new LoadFailed(started._tag === 'EngineHttpError' ? started.message : `undecodable start answer (HTTP ${answer.status}): ${started.message}`);
}

const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Reaches an engine over its HTTP API (port 6878): a cold Observable that, on subscribe,
 * asks `get_version` and emits an {@link HttpEngineSession} with the shapes of the TCP
 * session. `ConnectionFailed` when nothing answers (or not an engine) within `connectMs`.
 * Unsubscribing stops what plays (`method=stop`, bounded by `stopMs`) and aborts every
 * request in flight. Runtime-neutral: it needs only `fetch`.
 *
 * Ending the stream is unsubscribing: `firstValueFrom` (or `take`, `takeWhile` with
 * `lastValueFrom`) of a pipe up to `playing` stops the content before the `await`
 * returns, and the playback URL then answers 500. Keep the subscription while a player
 * reads the URL.
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
      base: `http://${urlHost(host)}:${port}`,
      output: options.output ?? 'ts',
      playerId: options.playerId ?? randomId(),
      pollMs: options.pollMs ?? 1_000,
      timeouts: { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts },
      rewriteUrls: options.rewriteUrls ?? true,
    };
    let session: HttpSession | undefined;
    const probe = get(target, versionUrl(config.base), 'get_version', config.timeouts.connectMs)
      .pipe(
        map((answer) => {
          const version = decodeVersionResponse(answer.body);
          if (version._tag === 'Left') throw new ConnectionFailed(host, port, new Error(`no engine's get_version answer: ${version.left.message}`));
          return version.right;
        }),
      )
      .subscribe({
        next: (version) => {
          session = new HttpSession(
            { version: version.version, versionCode: version.code, httpPort: port, authLevel: 0, host },
            target,
            config,
            (error) => (error === undefined ? subscriber.complete() : subscriber.error(error)),
          );
          subscriber.next(session);
        },
        error: (error: unknown) => subscriber.error(error instanceof EngineTimeout ? new ConnectionFailed(host, port, error) : error),
      });
    return () => {
      probe.unsubscribe();
      void session?.close();
    };
  });
}
