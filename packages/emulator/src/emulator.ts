import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec';
import { Catalogue, contentType, DEFAULT_CATALOGUE, fileBytes, fileSize, isVideo, type Content } from './catalogue.js';
import type { Faults } from './faults.js';
import { filmFile } from './media/vod.js';
import { createEngineHttpServer, servedFromDisk, servedGenerated, type Served } from './http.js';
import { createHttpApi, type HttpApi, type HttpApiOptions } from './http-api/api.js';
import { Media, type MediaOptions } from './media/channel.js';
import { DEFAULT_MAX_UNSENT_BYTES, DEFAULT_TIMING, DEFAULT_TRANSCRIPT_ENTRY_CHARS, DEFAULT_TRANSCRIPT_LIMIT, Session, type Generation, type SessionContext, type Timing, type TranscriptEntry } from './session.js';

/**
 * The limits that keep a long-running emulator's memory bounded, whatever its clients
 * do; each can be changed in {@link EmulatorOptions}.
 */
export const DEFAULT_LIMITS = {
  /** Transcript entries kept per session, the newest (a playing session logs ~2 lines a second). */
  transcriptLimit: DEFAULT_TRANSCRIPT_LIMIT,
  /** Characters each transcript entry keeps of its line (a longer one keeps its start and a note of its length). */
  transcriptEntryChars: DEFAULT_TRANSCRIPT_ENTRY_CHARS,
  /** Closed sessions kept in `emulator.sessions`, the most recent, for inspection. */
  closedSessionHistory: 50,
  /** A TCP API connection with no byte either way for this long (5 minutes) is closed. */
  idleTimeoutMs: 5 * 60 * 1000,
  /** Open TCP API connections at most; one more is closed at once, before any line. */
  maxConnections: 1024,
  /** Bytes written to a TCP API connection and not yet sent at most (4 MiB): a client that reads nothing is closed there. */
  maxUnsentBytes: DEFAULT_MAX_UNSENT_BYTES,
} as const;

/** Where an error a handler threw happened: a TCP API session, or an HTTP request. */
export type EmulatorErrorSource =
  | { readonly api: 'tcp'; readonly session: Session }
  | { readonly api: 'http'; readonly method: string; readonly url: string };

/** Options of {@link startEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** Address to bind both servers to (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP API port; 0 (the default) picks a free one. The real engine's is 62062. */
  readonly port?: number;
  /** HTTP port; 0 (the default) picks a free one. The real engine's is 6878. */
  readonly httpPort?: number;
  /** Host written into the TCP API's playback URLs (default `127.0.0.1`, as real engines do). */
  readonly urlHost?: string;
  /**
   * `host` or `host:port` written into every URL the engine gives out, on both APIs, as an
   * engine in a container writes its container name or bridge address: TCP `START`/`PLAY`
   * URLs, the HTTP API's `playback_url`, `stat_url`, `command_url`, `event_url`, and the
   * segment URLs of its HLS playlists. Redirects still name the host the request did.
   * Without a port, the HTTP port is written. `engine.invalid` (a name that never
   * resolves) shows a client that rewrites them; a bare IPv6 address is bracketed.
   * Default: none (TCP writes `urlHost`, HTTP the request's `Host`).
   */
  readonly advertiseHost?: string;
  /** Product key READY keys are checked against (default {@link DEFAULT_PRODUCT_KEY}, the public key open clients ship). */
  readonly productKey?: string;
  /** `keyed` (default): HELLOTS with version, key and http_port. `bare`: an old engine's bare HELLOTS. */
  readonly hello?: 'keyed' | 'bare';
  /** Engine version announced in HELLOTS (default `3.1.16`). */
  readonly engineVersion?: string;
  /** Engine version code announced in HELLOTS (default 3011600). */
  readonly versionCode?: number;
  /** Level sent in AUTH (default 1). */
  readonly authLevel?: number;
  /** Send `EVENT getuserdata` after AUTH (default false). */
  readonly askUserData?: boolean;
  /**
   * How playback URLs are announced: `auto` (default) follows the client's HELLOBG
   * version (none/<3 → `PLAY`, 3 → `START <url>`, ≥4 → `START url=...`), or force one.
   */
  readonly generation?: Generation | 'auto';
  /** The contents it knows (default {@link DEFAULT_CATALOGUE}). */
  readonly catalogue?: readonly Content[];
  /** Timing overrides, in milliseconds. */
  readonly timing?: Partial<Timing>;
  /** Faults of every new session. */
  readonly faults?: Faults;
  /** Called for every transcript line of every session, as it happens. */
  readonly onTranscript?: (session: Session, entry: TranscriptEntry) => void;
  /** Transcript entries kept per session, the newest (default {@link DEFAULT_LIMITS}: 1000; `Infinity` keeps all). */
  readonly transcriptLimit?: number;
  /** Characters each transcript entry keeps of its line (default {@link DEFAULT_LIMITS}: 1024), then `… (N characters, M not kept)`. */
  readonly transcriptEntryChars?: number;
  /** Close a TCP API connection once more than this many written bytes wait to be sent (default {@link DEFAULT_LIMITS}: 4 MiB; 0: no bound). */
  readonly maxUnsentBytes?: number;
  /**
   * Called with every error a request or line handler threw. The emulator answers the
   * HTTP request 500 (or cuts it once its headers went), notes a TCP session's in its
   * transcript (`!! internal error …`), and goes on: no handler's error ends the process.
   */
  readonly onError?: (error: unknown, source: EmulatorErrorSource) => void;
  /** Closed sessions kept in {@link Emulator.sessions}, the most recent (default {@link DEFAULT_LIMITS}: 50). */
  readonly closedSessionHistory?: number;
  /** Close a TCP API connection after this many milliseconds with no byte either way (default {@link DEFAULT_LIMITS}: 5 minutes; 0 never). */
  readonly idleTimeoutMs?: number;
  /** Open TCP API connections at most; one more is closed at once (default {@link DEFAULT_LIMITS}: 1024). */
  readonly maxConnections?: number;
  /** The media of live streams, HLS segments and HTTP API VOD video (bitrate, burst, clip). */
  readonly media?: MediaOptions;
  /** Options of the HTTP API (`/ace/…`, `/webui/…`, `/server/…`). */
  readonly httpApi?: HttpApiOptions;
}

/**
 * The product key the emulator expects by default: the codec's, the public key every
 * open client ships (re-exported here for compatibility).
 */
export { DEFAULT_PRODUCT_KEY };

/** A running emulated engine. */
export interface Emulator {
  /** The TCP API port. */
  readonly port: number;
  /** The HTTP server's port. */
  readonly httpPort: number;
  /** The address both servers are bound to. */
  readonly host: string;
  /** The contents it knows; add more at any time. */
  readonly catalogue: Catalogue;
  /**
   * The open sessions and the most recent closed ones (at most `closedSessionHistory`),
   * in the order they opened. The same array throughout: older closed sessions leave it.
   */
  readonly sessions: readonly Session[];
  /** Faults of sessions opened from now on. */
  faults: Faults;
  /** The HTTP API and its sessions. */
  readonly httpApi: HttpApi;
  /** The media every live stream, HLS segment and HTTP API VOD video is cut from. */
  readonly media: Media;
  /** The HTTP URL path of a content's file (reachable once the engine announced it). */
  pathOf(content: Content, fileIndex: number): string;
  /** Drops every session and listens again on the same ports, as an engine restart does. */
  restart(): Promise<void>;
  /** Closes every session and both servers. */
  close(): Promise<void>;
}

/**
 * What `advertiseHost` names, as a URL's authority for a given HTTP port: `host:port`,
 * the port its own when it has one. Throws a `TypeError` on what no URL can hold.
 */
export function advertisedAuthority(value: string): (httpPort: number) => string {
  const bad = () => new TypeError(`advertiseHost: not a host or host:port: ${JSON.stringify(value)}`);
  // A bare IPv6 address (more than one colon) is bracketed; a colon after a name or a bracket is its port.
  const bracketed = !value.startsWith('[') && (value.match(/:/g) ?? []).length > 1 ? `[${value}]` : value;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/?#@\s]+)(?::(\d{1,5}))?$/.exec(bracketed);
  if (match === null) throw bad();
  const [, host = '', port] = match;
  try {
    if (new URL(`http://${host}/`).hostname === '') throw bad();
  } catch {
    throw bad();
  }
  if (port !== undefined && Number(port) > 65535) throw bad();
  return (httpPort) => `${host}:${port ?? httpPort}`;
}

async function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

function close(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Starts an emulated TS Engine: the TCP API and the embedded HTTP server.
 *
 * @example
 * ```ts
 * const engine = await startEmulator({ timing: { statusIntervalMs: 5, prebufferMs: 50 } });
 * // connect to 127.0.0.1:engine.port, speak the protocol, fetch URLs on engine.httpPort
 * await engine.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const catalogue = new Catalogue(options.catalogue ?? DEFAULT_CATALOGUE);
  const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
  const served = new Map<string, { path: string; file: Served }>();
  const byPath = new Map<string, Served>();
  const sessions: Session[] = [];
  const sockets = new Set<Socket>();
  const history = Math.max(0, options.closedSessionHistory ?? DEFAULT_LIMITS.closedSessionHistory);
  const maxConnections = options.maxConnections ?? DEFAULT_LIMITS.maxConnections;
  let openSessions = 0;
  let closedSessions = 0;
  let faults: Faults = options.faults ?? {};

  const pathOf = (content: Content, fileIndex: number) => `/content/${content.infohash}/${fileIndex}`;

  const servedFile = (content: Content, target: { file: number } | { ad: number }): { path: string; file: Served } => {
    if ('ad' in target) {
      const size = content.ads?.[target.ad]?.size ?? 256 * 1024;
      const path = `/ad/${content.infohash}/${target.ad}`;
      // An ad is a real MP4 too (the bundled film, padded to the ad's size), so players play it.
      const film = filmFile('mp4', size);
      return { path, file: servedGenerated(`ad ${target.ad}.mp4`, size, 'video/mp4', (s, e) => film.bytes(s, e)) };
    }
    const file = content.files[target.file]!;
    const path = pathOf(content, target.file);
    const type = contentType(file.name);
    const size = fileSize(file);
    if (content.live === true && isVideo(file.name) && file.path === undefined) {
      const live = servedGenerated(file.name, size, 'video/mp2t', (s, e) => media.vodBytes(s, e));
      return { path, file: { ...live, stream: () => media.live() } };
    }
    return {
      path,
      file:
        file.path === undefined
          ? servedGenerated(file.name, size, type, (s, e) => fileBytes(content, target.file, s, e))
          : servedFromDisk(file.name, file.path, size, type),
    };
  };

  const media = new Media(options.media);
  const advertised = options.advertiseHost === undefined ? undefined : advertisedAuthority(options.advertiseHost);
  const httpApi = createHttpApi({
    catalogue,
    timing,
    media,
    engineVersion: options.engineVersion ?? '3.1.16',
    versionCode: options.versionCode ?? 3011600,
    options: options.httpApi ?? {},
    faults: () => faults,
    port: () => httpPort,
    ...(advertised === undefined ? {} : { advertised: () => advertised(httpPort) }),
    restart: () => void emulator.restart(),
    onError: (error, request) => httpError(error, request),
  });
  const httpError = (error: unknown, request: IncomingMessage) =>
    options.onError?.(error, { api: 'http', method: request.method ?? 'GET', url: request.url ?? '/' });
  const tcp = createServer();
  const http = createEngineHttpServer((path) => byPath.get(path), httpApi.handle, httpError);
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let port = options.port ?? 0;
  let httpPort = options.httpPort ?? 0;
  let restarting: Promise<void> | undefined;

  const context = (): SessionContext => ({
    catalogue,
    productKey: options.productKey ?? DEFAULT_PRODUCT_KEY,
    httpPort,
    urlHost: options.urlHost ?? '127.0.0.1',
    ...(advertised === undefined ? {} : { advertised: advertised(httpPort) }),
    timing,
    hello: options.hello ?? 'keyed',
    engineVersion: options.engineVersion ?? '3.1.16',
    versionCode: options.versionCode ?? 3011600,
    authLevel: options.authLevel ?? 1,
    askUserData: options.askUserData ?? false,
    generation: options.generation ?? 'auto',
    faults,
    serve(key, content, target) {
      const entry = servedFile(content, target);
      served.set(key, entry);
      byPath.set(entry.path, entry.file);
      return entry.path;
    },
    unserve(key) {
      const entry = served.get(key);
      served.delete(key);
      if (entry && ![...served.values()].some((other) => other.path === entry.path)) byPath.delete(entry.path);
    },
    restart: () => void emulator.restart(),
    liveWindowSeconds: media.historySeconds,
    onTranscript: options.onTranscript,
    transcriptLimit: options.transcriptLimit ?? DEFAULT_LIMITS.transcriptLimit,
    transcriptEntryChars: options.transcriptEntryChars ?? DEFAULT_LIMITS.transcriptEntryChars,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
    maxUnsentBytes: options.maxUnsentBytes ?? DEFAULT_LIMITS.maxUnsentBytes,
    onError: (error, session) => options.onError?.(error, { api: 'tcp', session }),
    onClose: sessionClosed,
  });

  /** Counts the closed session and drops the oldest closed ones beyond the history. */
  function sessionClosed(): void {
    openSessions--;
    closedSessions++;
    for (let i = 0; closedSessions > history && i < sessions.length; ) {
      if (sessions[i]!.isClosed) {
        sessions.splice(i, 1);
        closedSessions--;
      } else i++;
    }
  }

  tcp.on('connection', (socket: Socket) => {
    if (openSessions >= maxConnections) {
      // Beyond the cap: closed before any line, so a flood of clients cannot grow the heap.
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    openSessions++;
    sessions.push(new Session(socket, context()));
  });

  const dropAll = () => {
    httpApi.reset();
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
  };

  port = await listen(tcp, port, host);
  try {
    httpPort = await listen(http, httpPort, host);
  } catch (error) {
    // Leave nothing listening behind a failed start (e.g. the HTTP port is in use).
    await close(tcp);
    throw error;
  }

  const emulator: Emulator = {
    get port() {
      return port;
    },
    get httpPort() {
      return httpPort;
    },
    host,
    catalogue,
    sessions,
    get faults() {
      return faults;
    },
    set faults(value: Faults) {
      faults = value;
    },
    httpApi,
    media,
    pathOf,
    restart() {
      restarting ??= (async () => {
        dropAll();
        await Promise.all([close(tcp), close(http)]);
        served.clear();
        byPath.clear();
        await listen(tcp, port, host);
        await listen(http, httpPort, host);
      })().finally(() => {
        restarting = undefined;
      });
      return restarting;
    },
    async close() {
      await restarting;
      dropAll();
      await Promise.all([close(tcp), close(http)]);
    },
  };
  return emulator;
}
