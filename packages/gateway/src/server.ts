import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { Lineup, type ChannelList } from './channels.js';
import { EngineDiscovery, systemResolver } from './discovery.js';
import { EnginePool } from './engines.js';
import { Guide, type GuideStatus } from './epg.js';
import { Draining, EngineUnavailable } from './errors.js';
import { decodeOrUndefined, sendError, sendJson } from './http.js';
import { selectorOf } from './identity.js';
import { makeLog } from './log.js';
import { createMetrics } from './metrics.js';
import { resolveOptions, type GatewayOptions } from './options.js';
import { ListBodies, PlaylistCache } from './playlist.js';
import type { GatewayContext } from './routes/context.js';
import { serveAsset, serveChannels, servePage } from './routes/dashboard.js';
import { HlsProxy } from './routes/hls-proxy.js';
import { gatewayStatus, serveHealth, serveMetrics, servePlaylist, serveStatus, type GatewayStatus } from './routes/operations.js';
import { serveRingManifest, serveRingSegment } from './routes/hls.js';
import { serveGuide } from './routes/epg.js';
import { serveStream } from './routes/stream.js';
import { serveDeviceXml, serveDiscover, serveLineup, serveLineupPost, serveLineupStatus } from './routes/tuner.js';
import { StreamRegistry } from './streams.js';

/** A running gateway. */
export interface Gateway {
  /** The port it listens on. */
  readonly port: number;
  /** The address it is bound to. */
  readonly host: string;
  /** Its own Prometheus registry (never the global one). */
  readonly registry: Registry;
  /** What `/status` shows. */
  status(): GatewayStatus;
  /** The channels served now. */
  readonly channels: ChannelList;
  /** Serves `list` from now on (a reloaded channels file): `/playlist.m3u` is built anew; running streams and their viewers are not touched. */
  setChannels(list: ChannelList): void;
  /** Fetches the guide now (or joins the fetch running); resolves with the guide's status once it ends (none when no guide is configured). */
  refreshGuide(): Promise<GuideStatus | undefined>;
  /** Ends every viewer, stops every engine session and closes the server. */
  close(): Promise<void>;
  /**
   * Drains, then closes: from now on `/healthz` answers 503 (so balancers send new viewers
   * elsewhere) and new viewers get 503 `DRAINING` with `Retry-After`, while those watching
   * (TS viewers, HLS players already polling, film readers) go on. Resolves once
   * {@link Gateway.close} ran: when the last viewer left, or after `ms`, whichever comes
   * first. Calling it again returns the same promise; {@link Gateway.close} ends it at once.
   */
  drain(ms: number): Promise<void>;
}

/** The `Retry-After` (seconds) a new viewer of a draining gateway gets: about two health checks of a balancer. */
const DRAIN_RETRY_AFTER_S = 2;
/** How often a draining gateway looks whether its last viewer left. */
const DRAIN_POLL_MS = 100;

/** A drain under way: what {@link Gateway.drain} returns, and the timer looking for the last viewer. */
interface DrainState {
  promise: Promise<void>;
  timer: ReturnType<typeof setInterval> | undefined;
  /** Settles the promise (a `close()` during the drain ends it too). */
  resolve: () => void;
}

/** One request, once routed: what the route matched, and when the request came. */
interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly startedAt: number;
}

/** A route: its name (the `route` label of the request metric), which paths it takes, and its handler. */
interface Route {
  readonly name: string;
  readonly match: (path: string) => RegExpExecArray | boolean;
  readonly handle: (r: Request, match: RegExpExecArray | boolean) => void | Promise<void>;
}

/**
 * Starts a gateway: many viewers share one engine session per content. Each stream is
 * read once from its engine into a bounded {@link Ring}; every viewer is a cursor in it.
 *
 * @example
 * ```ts
 * const gateway = await startGateway({ engines: [tcpBackend({ port: 62062 })], port: 6880 });
 * // a player opens http://127.0.0.1:6880/ace/getstream?id=<content id>
 * await gateway.close();
 * ```
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const settings = resolveOptions(options);
  const log = makeLog(options.logger);
  // The metrics read the rooms when scraped, after they exist.
  const metrics = createMetrics(() => ctx);
  const pool = new EnginePool(settings.engines, { recheckMs: settings.engineRecheckMs, healthCacheMs: settings.healthCacheMs, log, onSessionStart: () => metrics.sessionsStarted.inc() });
  const discovery = settings.engineNames.length === 0 ? undefined : new EngineDiscovery(pool, { names: settings.engineNames, resolve: settings.resolveEngineName ?? systemResolver, refreshMs: settings.engineRefreshMs, log });
  const lineup = new Lineup(settings.channels);
  const streams = new StreamRegistry(settings, pool, log, lineup);
  const hls = new HlsProxy({ hlsIdleMs: settings.hlsIdleMs, token: settings.token, maxStreams: settings.limits.maxStreams }, pool, log);
  const listening = { host: settings.host, port: settings.port, trustProxy: settings.trustProxy };
  const guide = new Guide(settings.guide, log);
  const ctx: GatewayContext = { settings, pool, streams, hls, metrics, log, listening, lineup, playlists: new PlaylistCache(), lists: new ListBodies(), guide };
  const sockets = new Set<Socket>();
  let closing = false;
  let draining: DrainState | undefined;

  const serveContent = ({ req, res, url, startedAt }: Request) => {
    const content = selectorOf(url);
    if (content === 'bad') return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'give exactly one of id=<content id>, content_id=<content id>, infohash=<40 hex digits> or magnet=<magnet link>' });
    if (content === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${url.pathname}` });
    if (url.pathname === '/ace/manifest.m3u8' || (content.kind === 'channel' && url.pathname.endsWith('.m3u8'))) {
      if (settings.hls === 'ring') return serveRingManifest(ctx, req, res, content, url);
      // The engine's own HLS plays a channel's first source (no failover).
      const source = content.kind === 'channel' ? lineup.channel(content.value)?.sources[0] : content;
      if (source === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: `no channel ${content.value} in the channels file` });
      return hls.serveManifest(req, res, source, streams.size);
    }
    return serveStream(ctx, req, res, content, startedAt);
  };

  const routes: readonly Route[] = [
    { name: 'status', match: (p) => p === '/status', handle: ({ req, res }) => serveStatus(ctx, req, res) },
    { name: 'metrics', match: (p) => p === '/metrics', handle: ({ req, res }) => serveMetrics(ctx, req, res) },
    { name: 'healthz', match: (p) => p === '/healthz', handle: ({ req, res }) => serveHealth(ctx, req, res, true) },
    { name: 'playlist.m3u', match: (p) => p === '/playlist.m3u', handle: ({ req, res }) => servePlaylist(ctx, req, res) },
    { name: 'epg.xml', match: (p) => p === '/epg.xml' || p === '/epg.xml.gz', handle: ({ req, res, url }) => serveGuide(ctx, req, res, url.pathname.endsWith('.gz')) },
    { name: 'tuner', match: (p) => p === '/discover.json', handle: ({ req, res }) => serveDiscover(ctx, req, res) },
    { name: 'tuner', match: (p) => p === '/lineup.json', handle: ({ req, res }) => serveLineup(ctx, req, res) },
    { name: 'tuner', match: (p) => p === '/lineup_status.json', handle: ({ req, res }) => serveLineupStatus(ctx, req, res) },
    { name: 'tuner', match: (p) => p === '/lineup.post', handle: ({ req, res }) => serveLineupPost(ctx, req, res) },
    { name: 'tuner', match: (p) => p === '/device.xml', handle: ({ req, res }) => serveDeviceXml(ctx, req, res) },
    // The dashboard: one page at `/` and `/watch`, its fixed list of assets, and the channels as JSON.
    { name: 'dashboard', match: (p) => p === '/' || p === '/watch', handle: ({ req, res }) => servePage(ctx, req, res) },
    { name: 'ui', match: (p) => p.startsWith('/ui/'), handle: ({ req, res, url }) => serveAsset(ctx, req, res, url.pathname.slice('/ui/'.length)) },
    { name: 'channels.json', match: (p) => p === '/channels.json', handle: ({ req, res }) => serveChannels(ctx, req, res) },
    { name: 'ace/manifest.m3u8', match: (p) => p === '/ace/manifest.m3u8', handle: serveContent },
    { name: 'getstream', match: (p) => p === '/ace/getstream' || p.startsWith('/pid/'), handle: serveContent },
    { name: 'channel', match: (p) => p.startsWith('/channel/'), handle: serveContent },
    {
      name: 'hls-segment',
      match: (p) => /^\/ace\/hls\/(\d{1,12})\.ts$/.exec(p) ?? false,
      handle: (r, m) => {
        const content = selectorOf(r.url);
        if (content === 'bad' || content === undefined) return sendJson(r.res, 400, { error: 'BAD_REQUEST', message: 'a segment URL names its content: exactly one of id=, content_id=, infohash= or magnet=' });
        return serveRingSegment(ctx, r.req, r.res, content, Number((m as RegExpExecArray)[1]));
      },
    },
    {
      name: 'hls-segment',
      match: (p) => p.startsWith('/ace/hls/') && (/^\/ace\/hls\/([^/]+)\/(\d{1,12})\.ts$/.exec(p) ?? true),
      handle: ({ req, res, url }, m) => {
        if (m === true) return sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${url.pathname}` });
        const key = decodeOrUndefined((m as RegExpExecArray)[1]!);
        if (key === undefined) return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'a malformed percent-escape in the segment URL' });
        return hls.serveSegment(req, res, key, (m as RegExpExecArray)[2]!);
      },
    },
  ];
  const other: Route = { name: 'other', match: () => true, handle: ({ res, url }) => sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${url.pathname}` }) };

  const authorised = (req: IncomingMessage, url: URL, pathToken?: string): boolean => {
    if (settings.token === undefined) return true;
    const header = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` is `Bearer`.
    const given = pathToken ?? url.searchParams.get('token') ?? /^bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    if (given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(settings.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'unparsable URL' });
    }
    // `/token/<token>/<path>` is `<path>` with the token: media servers take a tuner's base
    // URL and append `/discover.json` to it, so the token can only ride in its path.
    const tokenPath = /^\/token\/([^/]+)(\/.*)$/.exec(url.pathname);
    const pathToken = tokenPath === null ? undefined : decodeOrUndefined(tokenPath[1]!);
    if (tokenPath !== null) url.pathname = tokenPath[2]!;
    let match: RegExpExecArray | boolean = false;
    const route = routes.find((r) => (match = r.match(url.pathname)) !== false) ?? other;
    res.once('close', () => metrics.requests.inc({ route: route.name, status: String(res.statusCode) }));
    // Who may ask comes before what they ask: without the token, any method is 401.
    // /healthz answers balancers' and orchestrators' probes, which carry no token: its status
    // code for anyone, the engines' names only with the token.
    const allowed = authorised(req, url, pathToken);
    if (route.name === 'healthz' && !allowed) return serveHealth(ctx, req, res, false);
    if (!allowed) return sendJson(res, 401, { error: 'UNAUTHORIZED', message: 'a valid token is needed (?token=, Authorization: Bearer, or /token/<token>/ before the path)' }, { 'WWW-Authenticate': 'Bearer' });
    if (req.method !== 'GET' && req.method !== 'HEAD' && !(req.method === 'POST' && url.pathname === '/lineup.post')) return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'GET or HEAD only' }, { Allow: 'GET, HEAD' });
    if (closing) return sendError(res, new EngineUnavailable('the gateway is closing'));
    return route.handle({ req, res, url, startedAt }, match);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // The engines found by name are in the pool before the first viewer comes.
  await discovery?.start();
  server.listen(settings.port, settings.host);
  await once(server, 'listening').catch((error: unknown) => {
    discovery?.stop();
    throw error;
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gateway has no TCP address');
  listening.port = address.port;
  // The cached guide (if any) is served at once; the first fetch starts now.
  guide.configure(lineup.list);

  const gateway: Gateway = {
    port: address.port,
    host: settings.host,
    registry: metrics.registry,
    status: () => gatewayStatus(ctx),
    get channels() {
      return lineup.list;
    },
    setChannels: (list: ChannelList) => {
      lineup.set(list);
      // A new `url-tvg` in the file is the guide's new source (unless `epg` is given).
      guide.configure(list);
    },
    refreshGuide: async () => {
      await guide.refresh();
      return guide.status();
    },
    drain(ms) {
      if (draining !== undefined) return draining.promise;
      if (closing) return Promise.resolve();
      const refusal = new Draining(DRAIN_RETRY_AFTER_S);
      streams.draining = refusal;
      hls.draining = refusal;
      // An HLS player asks about once a segment: one silent for three segments (4 s at least) has left.
      const quietMs = Math.min(settings.hlsIdleMs, Math.max(4_000, 3_000 * settings.hlsSegmentSeconds));
      const watching = () => streams.watchingCount(quietMs) + hls.size;
      log({ event: 'drain', reason: `up to ${ms} ms` }, `draining: ${watching()} viewers may go on for up to ${ms} ms; new viewers get 503`);
      const deadline = performance.now() + ms;
      const state: DrainState = { promise: Promise.resolve(), timer: undefined, resolve: () => undefined };
      state.promise = new Promise<void>((resolve) => {
        state.resolve = resolve;
        const check = () => {
          const left = watching();
          if (left > 0 && performance.now() < deadline) return;
          clearInterval(state.timer);
          log({ event: 'drain', reason: left === 0 ? 'drained' : 'time is up' }, left === 0 ? 'drained: the last viewer left' : `drain time is up: ending ${left} viewers`);
          resolve(gateway.close());
        };
        state.timer = setInterval(check, DRAIN_POLL_MS);
        check();
      });
      draining = state;
      return state.promise;
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(draining?.timer);
      discovery?.stop();
      streams.stopAll('the gateway closes');
      hls.stopAll('the gateway closes');
      await guide.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      draining?.resolve();
    },
  };
  return gateway;
}
