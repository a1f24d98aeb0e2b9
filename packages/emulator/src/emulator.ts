import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { Catalogue, contentType, DEFAULT_CATALOGUE, fileBytes, fileSize, generatedBytes, isVideo, seedOf, type Content } from './catalogue.js';
import type { Faults } from './faults.js';
import { createEngineHttpServer, servedFromDisk, servedGenerated, type Served } from './http.js';
import { createHttpApi, type HttpApi, type HttpApiOptions } from './http-api/api.js';
import { Media, type MediaOptions } from './media/channel.js';
import { DEFAULT_TIMING, Session, type Generation, type SessionContext, type Timing, type TranscriptEntry } from './session.js';

/** Options of {@link startEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** Address to bind both servers to (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP API port; 0 (the default) picks a free one. The real engine's is 62062. */
  readonly port?: number;
  /** HTTP port; 0 (the default) picks a free one. The real engine's is 6878. */
  readonly httpPort?: number;
  /** Host written into playback URLs (default `127.0.0.1`, as real engines do). */
  readonly urlHost?: string;
  /** Product key READY keys are checked against (default {@link DEFAULT_PRODUCT_KEY}). */
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
  /** The media of live streams, HLS segments and HTTP API VOD video (bitrate, burst, clip). */
  readonly media?: MediaOptions;
  /** Options of the HTTP API (`/ace/…`, `/webui/…`, `/server/…`). */
  readonly httpApi?: HttpApiOptions;
}

/** The product key the emulator expects by default (the one open clients ship). */
export const DEFAULT_PRODUCT_KEY = 'n51LvQoTlJzNGaFxseRK-uvnvgalcmx5l';

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
  /** Every session so far, open or closed, in order. */
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
  let faults: Faults = options.faults ?? {};

  const pathOf = (content: Content, fileIndex: number) => `/content/${content.infohash}/${fileIndex}`;

  const servedFile = (content: Content, target: { file: number } | { ad: number }): { path: string; file: Served } => {
    if ('ad' in target) {
      const size = content.ads?.[target.ad]?.size ?? 256 * 1024;
      const seed = seedOf(`${content.infohash}/ad/${target.ad}`);
      const path = `/ad/${content.infohash}/${target.ad}`;
      return { path, file: servedGenerated(`ad ${target.ad}.mp4`, size, 'video/mp4', (s, e) => generatedBytes(seed, s, e)) };
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
  const httpApi = createHttpApi({
    catalogue,
    timing,
    media,
    engineVersion: options.engineVersion ?? '3.1.16',
    versionCode: options.versionCode ?? 3011600,
    options: options.httpApi ?? {},
    faults: () => faults,
    port: () => httpPort,
    restart: () => void emulator.restart(),
  });
  const tcp = createServer();
  const http = createEngineHttpServer((path) => byPath.get(path), httpApi.handle);
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
    onTranscript: options.onTranscript,
  });

  tcp.on('connection', (socket: Socket) => sessions.push(new Session(socket, context())));

  const dropAll = () => {
    httpApi.reset();
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
  };

  port = await listen(tcp, port, host);
  httpPort = await listen(http, httpPort, host);

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
