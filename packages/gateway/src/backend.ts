import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { EngineApi, EngineSession, StartTarget } from '@ace-rx/client';
import type { LoadSource } from '@ace-rx/codec';
import type { Subscription } from 'rxjs';
import { ContentNotFound, EngineUnavailable, GatewayError, StartFailed, StartTimeout, StreamAborted } from './errors.js';

/** What a viewer asked for: a content id (the `acestream://` id, TCP `PID`) or an infohash. */
export interface ContentKey {
  /** Which: a content id or an infohash. */
  readonly kind: 'id' | 'infohash';
  /** The id, or the infohash in lower case. */
  readonly value: string;
}

/** What the engine says of a running stream (from STATUS). */
export interface EngineStats {
  /** Engine state word (`prebuf`, `dl`, `buf`, ...). */
  readonly state: string;
  /** Peers connected. */
  readonly peers: number;
  /** Download speed, KiB/s. */
  readonly speedDown: number;
  /** Upload speed, KiB/s. */
  readonly speedUp: number;
}

/** A started engine stream: its bytes, its stats, and how to stop it. */
export interface EngineStream {
  /** The progressive MPEG-TS bytes, read once. */
  readonly body: IncomingMessage;
  /** The playback URL the bytes come from. */
  readonly url: string;
  /** The content's infohash, when the engine said it (LOADRESP over TCP, the start response over HTTP). */
  readonly infohash?: string;
  /** A live stream (`stream=1` on TCP, `is_live` over HTTP); otherwise a file, which {@link EngineStream.range} reads. */
  readonly live: boolean;
  /**
   * GETs bytes `start`–`end` (inclusive) of the playback URL, on the engine's own host:
   * how a file is read for viewers who seek. Rejects like `open`; `signal` aborts it, as
   * does the end of the session.
   */
  range(start: number, end: number, signal: AbortSignal): Promise<IncomingMessage>;
  /** Latest STATUS figures, when the backend has any. */
  stats(): EngineStats | undefined;
  /** Settles with the reason once the engine session is lost (not after `stop()`). */
  readonly lost: Promise<Error>;
  /** Stops the engine session (STOP, then closes); idempotent. */
  stop(): void;
}

/**
 * One engine, seen from the gateway: how to start a content on it and whether it
 * answers. The TCP backend ({@link tcpBackend}) is the one today; an HTTP-API backend
 * plugs in behind the same interface.
 */
export interface EngineBackend {
  /** Shown in logs and `/status` (`tcp 127.0.0.1:62062`). */
  readonly name: string;
  /**
   * Starts a content and resolves once its bytes flow. Rejects with a
   * {@link GatewayError}: {@link ContentNotFound}, {@link StartFailed},
   * {@link EngineUnavailable}, {@link StartTimeout}, or {@link StreamAborted} after `signal` aborts.
   * `onInfohash` learns the content's infohash as soon as the engine says it, when that is
   * before playback (TCP: LOADRESP comes before START).
   */
  open(content: ContentKey, signal: AbortSignal, onInfohash?: (infohash: string) => void): Promise<EngineStream>;
  /** Whether the engine answers now (within `timeoutMs`). */
  probe(timeoutMs: number): Promise<boolean>;
  /** Starts a content as HLS (backends on the HTTP API only); rejects like {@link EngineBackend.open}. */
  openHls?(content: ContentKey, signal: AbortSignal): Promise<HlsSource>;
  /** GETs a URL the engine announced, on the engine's own host only, following its redirects. */
  fetch?(url: string, signal: AbortSignal): Promise<IncomingMessage>;
  /**
   * The content id (what `id=` takes) of an infohash, asked of the engine (TCP `GETPID`), or
   * `undefined` when it does not know or cannot say within `timeoutMs`. Never rejects.
   */
  idOf?(infohash: string, timeoutMs: number): Promise<string | undefined>;
  /**
   * The infohash of a content id, asked of the engine without starting it (HTTP API:
   * `get_media_files`), or `undefined` when it does not know or cannot say within
   * `timeoutMs`. Never rejects.
   */
  infohashOf?(id: string, timeoutMs: number): Promise<string | undefined>;
}

/** A started HLS engine session: its playlist URL and how to stop it. */
export interface HlsSource {
  /** The engine's media playlist URL. */
  readonly playlistUrl: string;
  /** Stops the engine session; idempotent. */
  stop(): void;
}

/** Options of {@link tcpBackend}. */
export interface TcpBackendOptions {
  /** Engine host (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP API port (default 62062). */
  readonly port?: number;
  /** Product key for the handshake (default `DEFAULT_PRODUCT_KEY`, the one open clients ship). */
  readonly productKey?: string;
  /** LOADASYNC to LOADRESP; past it the content counts as not found (default 15 000 ms). */
  readonly loadTimeoutMs?: number;
  /** START to the playback URL (default 60 000 ms). */
  readonly startTimeoutMs?: number;
  /** HELLOBG to AUTH (default 5 000 ms). */
  readonly handshakeTimeoutMs?: number;
}

/** Default TCP API port of the engine. */
export const DEFAULT_TCP_PORT = 62062;

/**
 * The client, rxjs and the codec, loaded when an engine session first starts rather than
 * with the gateway: an idle gateway holds some 20 MiB less (rxjs and io-ts are big to load).
 * The client's `connect` wins over rxjs's operator of the same name.
 */
type Engines = Omit<typeof import('rxjs'), 'connect'> & typeof import('@ace-rx/client') & { readonly DEFAULT_PRODUCT_KEY: string };
let engines: Promise<Engines> | undefined;
const loadEngines = (): Promise<Engines> =>
  (engines ??= Promise.all([import('rxjs'), import('@ace-rx/client'), import('@ace-rx/codec')]).then(([rx, client, codec]) => ({ ...rx, ...client, DEFAULT_PRODUCT_KEY: codec.DEFAULT_PRODUCT_KEY })));

function toGatewayError(m: Engines, error: unknown, startMs: number): GatewayError {
  const { LoadFailed, ContentError, ConnectionFailed, HandshakeRefused, EngineTimeout } = m;
  if (error instanceof GatewayError) return error;
  if (error instanceof LoadFailed) return new ContentNotFound(error.reason);
  if (error instanceof ContentError) return new StartFailed(error.reason);
  if (error instanceof ConnectionFailed) return new EngineUnavailable(error.message);
  if (error instanceof HandshakeRefused) return new EngineUnavailable(error.message);
  if (error instanceof EngineTimeout) {
    if (error.what === 'LOADASYNC') return new ContentNotFound(`no answer to LOADASYNC within ${error.ms} ms`);
    if (error.what === 'START') return new StartTimeout(startMs);
    return new EngineUnavailable(error.message);
  }
  return new EngineUnavailable(error instanceof Error ? error.message : String(error));
}

function loadSource(content: ContentKey): LoadSource & StartTarget {
  return content.kind === 'infohash'
    ? { type: 'INFOHASH', infohash: content.value, developerId: 0, affiliateId: 0, zoneId: 0 }
    : { type: 'PID', playerId: content.value };
}

/** The engine's HTTP server answered a playback URL with another status than 200 or 206. */
export class EngineHttpError extends StartFailed {
  constructor(
    /** The status it answered. */
    readonly httpStatus: number,
    path: string,
  ) {
    super(`the engine's HTTP server answered ${httpStatus} for ${path}`);
  }
}

/**
 * GETs the engine's playback URL, always on the engine's own host and HTTP port
 * (whatever host the engine wrote into it: a container name, a bridge address),
 * following up to 5 redirects on that same host and port, whatever their `Location`
 * names: the gateway fetches nothing else. `httpPort` undefined takes the URL's port.
 */
function fetchPlayback(url: string, host: string, httpPort: number | undefined, signal: AbortSignal, headers: Record<string, string> = {}, redirects = 0): Promise<IncomingMessage> {
  let path: string;
  try {
    const parsed = new URL(url);
    path = parsed.pathname + parsed.search;
    httpPort ??= Number(parsed.port || 80);
  } catch {
    return Promise.reject(new StartFailed(`the engine gave an unusable playback URL: ${url}`));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port: httpPort, path, method: 'GET', agent: false, signal, headers }, (res) => {
      const location = res.headers.location;
      if (res.statusCode !== undefined && [301, 302, 303, 307, 308].includes(res.statusCode) && location !== undefined && redirects < 5) {
        // Engines redirect through /ace/r/…; followed here, and still only on the engine's host.
        res.resume();
        resolve(fetchPlayback(new URL(location, url).toString(), host, httpPort, signal, headers, redirects + 1));
        return;
      }
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        res.resume();
        reject(new EngineHttpError(res.statusCode ?? 0, path));
        return;
      }
      resolve(res);
    });
    req.on('error', (error) => reject(signal.aborted ? new StreamAborted() : new EngineUnavailable(`the engine's HTTP server: ${error.message}`)));
    req.end();
  });
}

/**
 * The TCP API backend: one connection per stream (`connect`), LOADASYNC (unknown content
 * → {@link ContentNotFound}), START (ads reported watched), then one GET of the playback
 * URL from the engine's HTTP server. `stop()` sends STOP and SHUTDOWN.
 */
export function tcpBackend(options: TcpBackendOptions = {}): EngineBackend {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_TCP_PORT;
  const startMs = options.startTimeoutMs ?? 60_000;
  return {
    name: `tcp ${host}:${port}`,
    open: (content, signal, onInfohash) =>
      loadEngines().then((m) => new Promise<EngineStream>((resolve, reject) => {
        const { connect, concatMap, tap, filter, map, DEFAULT_PRODUCT_KEY } = m;
        if (signal.aborted) return reject(new StreamAborted());
        let session: EngineSession | undefined;
        let stats: EngineStats | undefined;
        let subscription: Subscription | undefined;
        const o = opening(signal, resolve, reject, (error) => toGatewayError(m, error, startMs), () => {
          // A session already lost answers STOP with SessionClosed: nothing to stop then.
          if (session !== undefined) session.stop().subscribe({ error: () => undefined });
          subscription?.unsubscribe();
        });
        const source = loadSource(content);
        subscription = connect({
          host,
          port,
          productKey: options.productKey ?? DEFAULT_PRODUCT_KEY,
          timeouts: { handshakeMs: options.handshakeTimeoutMs ?? 5_000, loadMs: options.loadTimeoutMs ?? 15_000, startMs },
        })
          .pipe(
            tap((s) => {
              session = s;
              s.messages$.subscribe((m) => {
                if (m.kind !== 'STATUS') return;
                const main = m.main as { state: string; peers?: number; speedDown?: number; speedUp?: number };
                stats = { state: main.state, peers: main.peers ?? stats?.peers ?? 0, speedDown: main.speedDown ?? stats?.speedDown ?? 0, speedUp: main.speedUp ?? stats?.speedUp ?? 0 };
              });
            }),
            concatMap((s) =>
              s.load(source).pipe(
                concatMap((loaded) => {
                  if (loaded.infohash) onInfohash?.(loaded.infohash.toLowerCase());
                  return s.start(source, [0]).pipe(
                    tap((event) => {
                      if (event.type === 'ad') s.playback(event.url, 100).subscribe({ error: () => undefined });
                    }),
                    filter((event) => event.type === 'playing'),
                    map((event) => ({ s, url: event.url, live: event.live, infohash: event.infohash ?? (loaded.infohash || undefined) })),
                  );
                }),
              ),
            ),
          )
          .subscribe({
            next: ({ s, url, live, infohash }) => o.playing({ url, live, infohash }, (sig, headers) => fetchPlayback(url, s.engine.host, s.engine.httpPort, sig, headers), () => stats),
            ...o.ends('the engine connection ended'),
          });
      })),
    probe: (timeoutMs) => tcpProbe(host, port, timeoutMs),
    idOf: (infohash, timeoutMs) => getPid({ host, port, productKey: options.productKey }, infohash, timeoutMs),
  };
}

/** `GETPID` on a connection of its own: the content id the engine gives an infohash, or `undefined`. */
async function getPid(engine: { host: string; port: number; productKey: string | undefined }, infohash: string, timeoutMs: number): Promise<string | undefined> {
  const { connect, concatMap, take, timeout, firstValueFrom, DEFAULT_PRODUCT_KEY } = await loadEngines();
  const found = connect({ ...engine, productKey: engine.productKey ?? DEFAULT_PRODUCT_KEY, timeouts: { handshakeMs: timeoutMs, syncMs: timeoutMs } }).pipe(
    concatMap((s) => s.getPid(infohash)),
    take(1),
    timeout({ first: timeoutMs }),
  );
  return firstValueFrom(found, { defaultValue: undefined }).catch(() => undefined);
}

/** Options of {@link playBackend}. */
export interface PlayBackendOptions {
  /** `http` (the engine's HTTP API), `tcp`, or `auto` (TCP when it answers its handshake in time, else HTTP). */
  readonly api: EngineApi;
  /** Engine host (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP API port (default 62062). */
  readonly port?: number;
  /** HTTP API port (default 6878). */
  readonly httpPort?: number;
  /** Product key for the TCP handshake (default `DEFAULT_PRODUCT_KEY`). */
  readonly productKey?: string;
  /** Start to the playback URL (default 60 000 ms). */
  readonly startTimeoutMs?: number;
}

/** Default HTTP API port of the engine. */
export const DEFAULT_HTTP_PORT = 6878;

/**
 * A backend on the client's `play(target, { api })`: the HTTP API, or either API with
 * `auto`. Unknown content is {@link ContentNotFound} (LoadFailed; over TCP, where `play`
 * does not LOAD first, a start error whose message says "not found"). The playback URL
 * is fetched from the engine's host only, on the port the URL names.
 */
export function playBackend(options: PlayBackendOptions): EngineBackend {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_TCP_PORT;
  const httpPort = options.httpPort ?? DEFAULT_HTTP_PORT;
  const startMs = options.startTimeoutMs ?? 60_000;
  const probePort = options.api === 'http' ? httpPort : port;
  return {
    name: `${options.api} ${host}:${options.api === 'http' ? httpPort : options.api === 'tcp' ? port : `${port}/${httpPort}`}`,
    open: (content, signal) =>
      loadEngines().then((m) => new Promise<EngineStream>((resolve, reject) => {
        const { play, DEFAULT_PRODUCT_KEY } = m;
        if (signal.aborted) return reject(new StreamAborted());
        let stats: EngineStats | undefined;
        let subscription: Subscription | undefined;
        const o = opening(signal, resolve, reject, (error) => playError(m, error, startMs), () => subscription?.unsubscribe());
        subscription = play(loadSource(content), {
          api: options.api,
          host,
          port,
          httpPort,
          productKey: options.productKey ?? DEFAULT_PRODUCT_KEY,
          timeouts: { startMs, handshakeMs: 5_000 },
        }).subscribe({
          next: (event) => {
            if (event.type === 'progress' || event.type === 'status') {
              const p = event.progress;
              stats = { state: event.type === 'status' ? 'dl' : p.phase, peers: p.peers, speedDown: p.speedDown, speedUp: p.speedUp };
            } else if (event.type === 'playing') {
              o.playing(event, (sig, headers) => fetchPlayback(event.url, host, undefined, sig, headers), () => stats);
            }
          },
          ...o.ends('the engine session ended'),
        });
      })),
    probe: (timeoutMs) => tcpProbe(host, probePort, timeoutMs),
    ...(options.api === 'http' ? {} : { idOf: (infohash: string, timeoutMs: number) => getPid({ host, port, productKey: options.productKey }, infohash, timeoutMs) }),
    // The HLS proxy's playlist and segments: HTTP API URLs, so on its port whatever the engine wrote.
    fetch: (url, signal) => fetchPlayback(url, host, httpPort, signal),
    ...(options.api === 'tcp' ? {} : { infohashOf: (id: string, timeoutMs: number) => mediaFilesInfohash(host, httpPort, id, timeoutMs) }),
    ...(options.api === 'tcp'
      ? {}
      : {
          openHls: (content: ContentKey, signal: AbortSignal): Promise<HlsSource> =>
            loadEngines().then((m) => new Promise<HlsSource>((resolve, reject) => {
              const { play } = m;
              if (signal.aborted) return reject(new StreamAborted());
              let subscription: Subscription | undefined;
              const control = abortable(signal, reject, () => subscription?.unsubscribe());
              // HLS is the HTTP API's: `auto` uses it too.
              subscription = play(loadSource(content), { api: 'http', host, httpPort, output: 'hls', timeouts: { startMs } }).subscribe({
                next: (event) => {
                  if (event.type === 'playing' && !control.stopped()) resolve({ playlistUrl: event.url, stop: control.stop });
                },
                error: (error: unknown) => {
                  if (control.stopped()) return;
                  control.stop();
                  reject(playError(m, error, startMs));
                },
              });
            })),
        }),
  };
}

/** `get_media_files` (API version 3) of a content id: the infohash the engine gives it, or `undefined`. */
function mediaFilesInfohash(host: string, httpPort: number, id: string, timeoutMs: number): Promise<string | undefined> {
  const path = `/server/api?api_version=3&method=get_media_files&content_id=${encodeURIComponent(id)}`;
  return new Promise<string | undefined>((resolve) => {
    const req = httpRequest({ host, port: httpPort, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        n += chunk.length;
        if (n > 1024 * 1024) return void req.destroy();
        chunks.push(chunk);
      });
      res.on('end', () => {
        void import('@ace-rx/codec/http').then(({ decodeMediaFilesResponse }) => {
          const decoded = decodeMediaFilesResponse(Buffer.concat(chunks).toString('utf8'));
          const infohash = decoded._tag === 'Right' ? decoded.right.infohash : undefined;
          resolve(infohash !== undefined && /^[0-9a-fA-F]{40}$/.test(infohash) ? infohash.toLowerCase() : undefined);
        }, () => resolve(undefined));
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
    req.end();
  });
}

/** An error of `play()` as the gateway answers it: a start error saying "not found" is {@link ContentNotFound}. */
function playError(m: Engines, error: unknown, startMs: number): GatewayError {
  return error instanceof m.ContentError && /not found/i.test(error.reason) ? new ContentNotFound(error.reason) : toGatewayError(m, error, startMs);
}

/** An idempotent `stop` (which runs `cleanup`), called by `signal` aborting too, which then rejects with {@link StreamAborted}. */
function abortable(signal: AbortSignal, reject: (error: GatewayError) => void, cleanup: () => void): { stop: () => void; stopped: () => boolean } {
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    signal.removeEventListener('abort', onAbort);
    cleanup();
  };
  const onAbort = () => {
    stop();
    reject(new StreamAborted());
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return { stop, stopped: () => stopped };
}

/**
 * What both backends' `open` share, from start to loss: `playing` fetches the playback
 * URL (once) and resolves with the stream (a body fetched after `stop` is destroyed);
 * `ends` is the session's `error`/`complete` observer: before the first bytes an error
 * rejects (through `toError`), after them it, or the session's end, settles `lost`.
 */
function opening(signal: AbortSignal, resolve: (stream: EngineStream) => void, reject: (error: GatewayError) => void, toError: (error: unknown) => GatewayError, cleanup: () => void) {
  let opened: EngineStream | undefined;
  let lostWith: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((r) => (lostWith = r));
  const control = abortable(signal, reject, () => {
    cleanup();
    opened?.body.destroy();
  });
  const fail = (error: unknown) => {
    control.stop();
    reject(toError(error));
  };
  let fetching = false;
  return {
    playing(
      playback: { readonly url: string; readonly live: boolean; readonly infohash?: string | undefined },
      fetch: (signal: AbortSignal, headers?: Record<string, string>) => Promise<IncomingMessage>,
      stats: () => EngineStats | undefined,
    ): void {
      // One fetch of the playback URL per session: a later `playing` is not a new stream.
      if (fetching) return;
      fetching = true;
      const { url, live, infohash } = playback;
      fetch(signal).then((b) => {
        if (control.stopped()) return void b.destroy();
        const range = (start: number, end: number, viewer: AbortSignal) => fetch(AbortSignal.any([signal, viewer]), { Range: `bytes=${start}-${end}` });
        opened = { body: b, url, live, ...(infohash === undefined ? {} : { infohash: infohash.toLowerCase() }), range, stats, lost, stop: control.stop };
        resolve(opened);
      }, fail);
    },
    ends: (what: string) => ({
      error: (error: unknown) => {
        if (control.stopped()) return;
        if (opened !== undefined) return lostWith(error instanceof Error ? error : new Error(String(error)));
        fail(error);
      },
      complete: () => {
        if (!control.stopped() && opened !== undefined) lostWith(new Error(what));
      },
    }),
  };
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
