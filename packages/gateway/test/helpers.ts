import { get, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOGUE, DEFAULT_PRODUCT_KEY, startEmulator, type Content, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { playBackend, startGateway, tcpBackend, type EngineBackend, type Gateway, type GatewayLogEvent, type GatewayOptions } from '@ace-rx/gateway';

/** Milliseconds, not seconds: every engine flow of a test runs in a blink. */
export const FAST = { statusIntervalMs: 5, prebufferMs: 30, loadDelayMs: 5, bufferingAfterMs: 1e9, bufferingMs: 25, livePosIntervalMs: 20 };

const MiB = 1024 * 1024;

/** Live channels: the emulator streams its endless, paced test card for each. */
export const CHANNELS: readonly Content[] = Array.from({ length: 5 }, (_, i) => ({
  infohash: (i.toString(16) + 'c0ffee'.repeat(7)).slice(0, 40),
  playerId: `chan${i}`,
  files: [{ name: `Channel ${i}.ts`, size: 256 * MiB }],
  live: true,
}));

export function fastEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // Live streams paced at 40 Mbit/s (5 MB/s) after their burst: tests see megabytes in a blink.
  return startEmulator({ catalogue: [...DEFAULT_CATALOGUE, ...CHANNELS], media: { bitrate: 40_000_000 }, ...options, timing: { ...FAST, ...options.timing } });
}

/** Where the tests' gateways keep fetched guides: a directory of this process, never the user's cache. */
const EPG_CACHE = join(tmpdir(), `ace-rx-test-epg-${process.pid}`);

/** A gateway in front of `engines`, on a free port, logging into `events`. */
export async function gatewayFor(engines: readonly Emulator[], options: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; events: GatewayLogEvent[]; base: string }> {
  const events: GatewayLogEvent[] = [];
  const gateway = await startGateway({
    engines: engines.map((e) => tcpBackend({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, loadTimeoutMs: 2_000, startTimeoutMs: 5_000 })),
    port: 0,
    lingerMs: 200,
    stallMs: 500,
    logger: (e) => events.push(e),
    epgCacheDir: EPG_CACHE,
    ...options,
  });
  return { gateway, events, base: `http://127.0.0.1:${gateway.port}` };
}

/** Every START line the emulator received, in all sessions. */
export function starts(engine: Emulator): number {
  return engine.sessions.reduce((n, s) => n + s.transcript.filter((t) => t.direction === '>>' && t.line.startsWith('START')).length, 0);
}

/** Every STOP line the emulator received. */
export function stops(engine: Emulator): number {
  return engine.sessions.reduce((n, s) => n + s.transcript.filter((t) => t.direction === '>>' && t.line === 'STOP').length, 0);
}

/** Polls `condition` every 10 ms until it holds, or fails after `ms`. */
export async function waitFor(condition: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** One viewer: a raw GET that collects up to `maxBytes` of body, then hangs up. */
export interface Viewer {
  readonly response: Promise<IncomingMessage>;
  /** Settles when the body ended or `maxBytes` were read: all bytes received. */
  readonly done: Promise<Buffer>;
  readonly received: () => number;
  close(): void;
}

export function view(url: string, options: { maxBytes?: number; headers?: Record<string, string>; read?: boolean; method?: string } = {}): Viewer {
  const chunks: Buffer[] = [];
  let received = 0;
  let resolveDone: (b: Buffer) => void = () => undefined;
  const done = new Promise<Buffer>((r) => (resolveDone = r));
  const finish = () => resolveDone(Buffer.concat(chunks));
  const req = get(url, { agent: false, headers: options.headers ?? {}, method: options.method ?? 'GET' });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      resolve(res);
      if (options.read === false) {
        res.pause();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (options.maxBytes !== undefined && received >= options.maxBytes) return;
        const take = options.maxBytes === undefined ? chunk : chunk.subarray(0, options.maxBytes - received);
        chunks.push(take);
        received += take.length;
        if (options.maxBytes !== undefined && received >= options.maxBytes) {
          finish();
          req.destroy();
        }
      });
      res.on('end', finish);
      res.on('close', finish);
    });
    req.on('error', (error) => {
      reject(error);
      finish();
    });
  });
  response.catch(() => undefined);
  return { response, done, received: () => received, close: () => req.destroy() };
}

/** GET returning status, headers and the whole body as text. */
export async function fetchText(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingMessage['headers']; body: string; ms: number }> {
  const started = performance.now();
  const viewer = view(url, { headers, method });
  const res = await viewer.response;
  const body = await viewer.done;
  return { status: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8'), ms: performance.now() - started };
}

/** A backend on each engine API for an emulator: the TCP API (`tcpBackend`), or the HTTP API through the client's `play()`. */
export const backends = {
  tcp: (e: Emulator): EngineBackend => tcpBackend({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 10_000 }),
  http: (e: Emulator): EngineBackend => playBackend({ api: 'http', port: e.port, httpPort: e.httpPort, startTimeoutMs: 10_000 }),
};
