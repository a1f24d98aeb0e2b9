import { asyncScheduler, catchError, defer, type Observable, type SchedulerLike, tap, throwError, timeout } from 'rxjs';
import { createConnect, type ConnectOptions } from './connect.js';
import { ConnectionFailed, EngineDisconnected, EngineTimeout } from './errors.js';
import { connectHttp, type HttpConnectOptions, type HttpTimeouts } from './http/session.js';
import { playOn, withSession, type PlaybackSession, type PlayEvent, type PlayOnOptions } from './play.js';
import type { StartTarget, Timeouts } from './session.js';
import type { TransportFactory } from './transport.js';

/** Which engine API to use: `tcp` (62062), `http` (6878), or `auto` (TCP when it answers in time, else HTTP). */
export type EngineApi = 'auto' | 'tcp' | 'http';

/** Options of {@link openSession} and {@link play}: both backends' options, plus the choice between them. */
export interface BackendOptions extends Omit<ConnectOptions, 'retry' | 'timeouts' | 'port'>, Omit<HttpConnectOptions, 'port' | 'timeouts' | 'host' | 'scheduler'> {
  /** Which API (default `auto`). */
  readonly api?: EngineApi;
  /** The engine's TCP API port (default 62062). */
  readonly port?: number;
  /** The engine's HTTP API port (default 6878). */
  readonly httpPort?: number;
  /** `auto` only: how long the TCP API has to complete its handshake before HTTP is tried (default 2 000 ms). */
  readonly probeMs?: number;
  /** Timeouts of either backend (ms). */
  readonly timeouts?: Partial<Timeouts & HttpTimeouts>;
  /** Scheduler of every timeout, poll and the probe. */
  readonly scheduler?: SchedulerLike;
}

/** Default of {@link BackendOptions.probeMs}. */
export const DEFAULT_PROBE_MS = 2_000;

const tcpOptions = (options: BackendOptions): ConnectOptions => {
  const { api: _api, httpPort: _httpPort, probeMs: _probeMs, fetch: _fetch, output: _output, playerId: _playerId, pollMs: _pollMs, ...rest } = options;
  return rest;
};

const httpOptions = (options: BackendOptions): HttpConnectOptions => ({
  ...(options.host === undefined ? {} : { host: options.host }),
  port: options.httpPort ?? 6878,
  ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  ...(options.output === undefined ? {} : { output: options.output }),
  ...(options.playerId === undefined ? {} : { playerId: options.playerId }),
  ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
  ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
  ...(options.rewriteUrls === undefined ? {} : { rewriteUrls: options.rewriteUrls }),
});

/** Whether a TCP failure before AUTH means "no TCP API here", so `auto` tries HTTP. */
const noTcpApi = (error: unknown) => error instanceof ConnectionFailed || error instanceof EngineTimeout || error instanceof EngineDisconnected;

/**
 * Makes an {@link openSession} bound to a default TCP transport (Node's entry point binds TCP).
 */
export function createOpenSession(defaultTransport?: TransportFactory): (options?: BackendOptions) => Observable<PlaybackSession> {
  const connect = createConnect(defaultTransport);
  return (options = {}) => {
    const api = options.api ?? 'auto';
    if (api === 'http') return connectHttp(httpOptions(options));
    if (api === 'tcp') return connect(tcpOptions(options));
    // Without a transport (a runtime with no TCP), only HTTP can answer.
    if (options.transport === undefined && defaultTransport === undefined) return connectHttp(httpOptions(options));
    return defer(() => {
      const ms = options.probeMs ?? DEFAULT_PROBE_MS;
      let opened = false;
      return connect(tcpOptions(options)).pipe(
        timeout({ first: ms, scheduler: options.scheduler ?? asyncScheduler, with: () => throwError(() => new EngineTimeout('the TCP API probe', ms)) }),
        tap(() => (opened = true)),
        catchError((error: unknown): Observable<PlaybackSession> => (!opened && noTcpApi(error) ? connectHttp(httpOptions(options)) : throwError(() => error))),
      );
    });
  };
}

/**
 * The backend picker: a cold Observable of an open {@link PlaybackSession} on the API
 * `options.api` names. `tcp` is `connect(options)`; `http` is `connectHttp` on
 * `httpPort`; `auto` (the default) tries the TCP API and takes the HTTP API when TCP does
 * not complete its handshake within `probeMs` (refused, silent, or not an engine).
 * Unsubscribing closes the session. This runtime-neutral one has no TCP transport unless
 * given one, so its `auto` goes straight to HTTP; Node's entry point binds TCP.
 *
 * @example
 * ```ts
 * openSession({ api: 'auto', host: '192.168.1.10', httpPort: 6878 }).subscribe((s) => console.log(s.engine.version));
 * ```
 */
export const openSession = createOpenSession();

/** Options of {@link play}. */
export interface PlayOptions extends BackendOptions, PlayOnOptions {}

/**
 * Makes a {@link play} bound to a default TCP transport (Node's entry point binds TCP).
 */
export function createPlay(defaultTransport?: TransportFactory): (target: StartTarget, options?: PlayOptions) => Observable<PlayEvent> {
  const open = createOpenSession(defaultTransport);
  return (target, options = {}) => withSession(open(options), (session) => playOn(session, target, options));
}

/**
 * Plays `target` on either backend: cold; subscribing opens a session (see
 * {@link openSession}) and starts the content; unsubscribing stops it (`STOP` on TCP,
 * `method=stop` over HTTP) and closes the session. Emits `progress`, `ad` (TCP), then
 * `playing { url, live }`, then `status`, `buffering`/`resumed` and `livepos` while it
 * plays. Fails with the shared typed errors: `ConnectionFailed`, `HandshakeRefused`,
 * `LoadFailed`, `ContentError`, `EngineTimeout`, `EngineDisconnected`.
 *
 * It plays only while subscribed: ending the stream (`lastValueFrom` with `takeWhile` up
 * to `playing`, `firstValueFrom`, `take`) unsubscribes, so the content is stopped and the
 * session closed before the `await` returns; the URL then no longer serves (500 over
 * HTTP). Keep the subscription while a player reads the URL.
 *
 * @example
 * ```ts
 * // A gateway: one engine session per content, kept 5 s after the last viewer.
 * const stream$ = play({ type: 'PID', playerId: id }, { api: 'auto' }).pipe(share({ resetOnRefCountZero: () => timer(5000) }));
 * ```
 */
export const play = createPlay();
