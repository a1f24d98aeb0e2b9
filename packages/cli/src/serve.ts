// `ace-rx serve`: the gateway (@ace-rx/gateway) on the command line, with the embedded
// emulator as a fallback so a newcomer can point a player at it in one command.
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { connect, createServer, isIP } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec/handshake';
import type { Emulator } from '@ace-rx/emulator';
import { DEFAULT_GATEWAY_PORT, DEFAULT_HTTP_PORT, DEFAULT_TCP_PORT, defaultCacheDir, formatLogEvent, guideSources, NO_CHANNELS, parseChannels, playBackend, startGateway, tcpBackend, type ChannelList, type EngineBackend, type EngineName, type Gateway, type Limits } from '@ace-rx/gateway';
import { PortInUse, UsageError } from './exit-codes.js';
import { userDirectory } from './target.js';

/** Options of {@link serve}, as `ace-rx serve` parses them. */
export interface ServeOptions {
  /** Gateway port (default 6880; 0 picks a free one). */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /**
   * Engines as `HOST[:PORT]` (default `127.0.0.1` on the API's default port: 62062 for tcp
   * and auto, 6878 for http; auto's HTTP port is 6878). A host name (not an IP address, not
   * `localhost`) stands for every address it resolves to, resolved again every `engineRefreshSeconds`.
   */
  readonly engines?: readonly string[];
  /** Engine host names are resolved again this often, in seconds (default 10). */
  readonly engineRefreshSeconds?: number;
  /** `tcp` (LOADASYNC first, so unknown content is a clean 404), `http` (the HTTP API), or `auto` (default: TCP when it answers, else HTTP). */
  readonly api?: 'tcp' | 'http' | 'auto';
  /** With `auto`, the engines' HTTP API port (default 6878), as `--http-port` gives it to `play` and `info`. */
  readonly httpPort?: number;
  /** A channels file (M3U) for `/playlist.m3u`, relative to `cwd`. */
  readonly channels?: string;
  /** Where a relative `channels` path starts (default: the user's directory, `INIT_CWD` under pnpm). */
  readonly cwd?: string;
  /** The guide (XMLTV): an `http(s)` URL, or a file relative to `cwd`; default: the channels file's `url-tvg`. */
  readonly epg?: string;
  /** Where fetched guides are kept, relative to `cwd` (default: `epg` in {@link defaultCacheDir}). */
  readonly epgCache?: string;
  /** Access token guarding every URL. */
  readonly token?: string;
  /** Product key for the engines' handshake. */
  readonly productKey?: string;
  /** With no engine answering, serve from the embedded emulator. */
  readonly emulate?: boolean;
  /** Engine session linger after the last viewer, ms. */
  readonly lingerMs?: number;
  /** Drop a viewer stalled this long, ms. */
  readonly stallMs?: number;
  /** Ring bytes per stream. */
  readonly ringBytes?: number;
  /** Believe the balancer's `X-Forwarded-*` and `Forwarded` headers (the gateway's `trustProxy`). */
  readonly trustProxy?: boolean;
  /** Capacity limits (the gateway's `limits`). */
  readonly limits?: Partial<Limits>;
}

/** A running `ace-rx serve`. */
export interface Serving {
  /** The gateway. */
  readonly gateway: Gateway;
  /** The embedded emulator, when no engine answered and `emulate` was set. */
  readonly emulator?: Emulator;
  /** Reads the channels file again and serves it at once; resolves with the list now served. Viewers stay. */
  reload(): ChannelList;
  /**
   * What SIGHUP does: the channels file read again and the guide fetched again, once a
   * burst of calls is over (300 ms), however many came. A change of the file reloads the
   * same way, on the same timer.
   */
  hangup(): void;
  /** Closes the gateway, then the emulator. */
  close(): Promise<void>;
  /** Drains the gateway for up to `ms` (`Gateway.drain`), then closes it and the emulator. */
  drain(ms: number): Promise<void>;
}

const engineAddress = (text: string, defaultPort: number): { host: string; port: number } => {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match === null || !(port > 0 && port < 65536)) throw new UsageError(`--engine takes HOST or HOST:PORT (port 1-65535), not ${JSON.stringify(text)}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
};

/** The gateway's `--port`: an integer 0–65535 (0 picks a free port), as a number or as the text given. */
export function servePort(value: number | string): number {
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`serve --port must be a port number (0-65535, 0 for a free one), got ${JSON.stringify(String(value))}`);
  return n;
}

/** The gateway's `--host`: an IP address or a host name (the gateway binds it; it makes no Unix socket). */
export function serveHost(value: string): string {
  const host = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host)) {
    throw new UsageError(`serve --host must be an IP address or a host name (127.0.0.1, 0.0.0.0, ::), got ${JSON.stringify(value)}`);
  }
  return host;
}

/** The channels file, read before anything listens: a missing or unreadable one is a usage error. */
function readChannels(full: string): ChannelList {
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code === 'EACCES' ? 'permission denied' : 'cannot read it';
    throw new UsageError(`--channels: ${why}: ${full}`);
  }
  return parseChannels(text);
}

/** Starts the gateway `ace-rx serve` describes; falls back to the embedded emulator with `emulate`. */
export async function serve(options: ServeOptions, log: (line: string) => void): Promise<Serving> {
  const api = options.api ?? 'auto';
  const productKey = options.productKey ?? DEFAULT_PRODUCT_KEY;
  const defaultPort = api === 'http' ? DEFAULT_HTTP_PORT : DEFAULT_TCP_PORT;
  // Everything the user gave is checked before anything starts or listens.
  const port = servePort(options.port ?? DEFAULT_GATEWAY_PORT);
  const host = options.host === undefined ? undefined : serveHost(options.host);
  const channelsPath = options.channels === undefined ? undefined : resolve(options.cwd ?? userDirectory(), options.channels);
  let channels = channelsPath === undefined ? NO_CHANNELS : readChannels(channelsPath);
  const epg = options.epg === undefined ? undefined : epgSource(options.epg, options.cwd ?? userDirectory());
  const epgCacheDir = options.epgCache === undefined ? join(defaultCacheDir(), 'epg') : resolve(options.cwd ?? userDirectory(), options.epgCache);
  const addresses = (options.engines ?? []).length === 0 ? [{ host: '127.0.0.1', port: defaultPort }] : options.engines!.map((e) => engineAddress(e, defaultPort));
  const backendOf = (a: { host: string; port: number }, httpPort = options.httpPort ?? DEFAULT_HTTP_PORT): EngineBackend => {
    if (api === 'tcp') return tcpBackend({ ...a, productKey });
    if (api === 'http') return playBackend({ api, host: a.host, httpPort: a.port, productKey });
    return playBackend({ api, host: a.host, port: a.port, httpPort, productKey });
  };
  // A host name is a fleet: every address it resolves to is an engine (the gateway resolves it again and again).
  const byName = (a: { host: string }) => isIP(a.host) === 0 && a.host.toLowerCase() !== 'localhost';
  let backends = addresses.filter((a) => !byName(a)).map((a) => backendOf(a));
  let engineNames: EngineName[] = addresses.filter(byName).map((a) => ({ name: a.host, backendFor: (address: string) => backendOf({ host: address, port: a.port }) }));
  const refreshSeconds = options.engineRefreshSeconds ?? 10;
  if (!(Number.isFinite(refreshSeconds) && refreshSeconds >= 1)) throw new UsageError(`--engine-refresh must be at least 1 second, not ${JSON.stringify(refreshSeconds)}`);
  // A taken port is one line and exit 1 before anything starts, the emulator included.
  const bindHost = host ?? '127.0.0.1';
  if (port !== 0) await ensurePortFree(bindHost, port);
  let emulator: Emulator | undefined;
  if (options.emulate !== true) {
    // Said at start, not when the first player gets a 503.
    const tried = addresses.flatMap((a) => (api === 'auto' ? [{ ...a, api: 'TCP' }, { host: a.host, port: options.httpPort ?? DEFAULT_HTTP_PORT, api: 'HTTP' }] : [{ ...a, api: api.toUpperCase() }]));
    const answered = await Promise.all(tried.map((t) => answers(t.host, t.port, 1_000)));
    if (!answered.some(Boolean)) {
      log(`ace-rx serve: no engine answers at ${tried.map((t) => `${t.host}:${t.port} (${t.api} API)`).join(', ')}: players get 503 until one does; add --emulate to serve from the embedded emulator meanwhile`);
    }
  } else {
    const answers = await Promise.all([...backends, ...addresses.filter(byName).map((a) => backendOf(a))].map((b) => b.probe(1_000)));
    if (!answers.some(Boolean)) {
      const { startEmulator } = await import('@ace-rx/emulator'); // only when it serves
      emulator = await startEmulator({ productKey });
      backends = [backendOf({ host: '127.0.0.1', port: api === 'http' ? emulator.httpPort : emulator.port }, emulator.httpPort)];
      engineNames = [];
      log(`no engine at ${addresses.map((a) => `${a.host}:${a.port}`).join(', ')}: serving from the embedded emulator (TCP ${emulator.port}, HTTP ${emulator.httpPort})`);
      // Without a channels file, /playlist.m3u lists the emulator's own contents.
      if (options.channels === undefined) channels = emulatorChannels(emulator);
    }
  }
  try {
    const gateway = await startGateway({
      engines: backends,
      ...(engineNames.length === 0 ? {} : { engineNames, engineRefreshMs: refreshSeconds * 1_000 }),
      port,
      ...(host === undefined ? {} : { host }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(epg === undefined ? {} : { epg }),
      epgCacheDir,
      ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
      ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
      ...(options.ringBytes === undefined ? {} : { ringBytes: options.ringBytes }),
      ...(options.trustProxy === true ? { trustProxy: true } : {}),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      channels,
      logger: (event) => log(formatLogEvent(event)),
    });
    const base = `http://${gateway.host.includes(':') ? `[${gateway.host}]` : gateway.host}:${gateway.port}`;
    const token = options.token === undefined ? '' : `&token=${encodeURIComponent(options.token)}`;
    const named = engineNames.map((n) => `${n.name} (every address, resolved every ${refreshSeconds} s)`);
    log(`ace-rx serve: listening on ${base} (api ${api}; engines: ${[...backends.map((b) => b.name), ...named].join(', ')})`);
    log(`  play:     ${base}/ace/getstream?id=${emulator === undefined ? '<content id>' : 'live'}${token}`);
    if (channels.channels.length > 0) log(`  playlist: ${base}/playlist.m3u${token === '' ? '' : `?token=${encodeURIComponent(options.token!)}`} (${channelsSummary(channels)})`);
    else if (channelsPath !== undefined) log(`  playlist: ${channelsPath} gave no channel (${channelsSummary(channels)}): /playlist.m3u is empty`);
    const sources = guideSources(channels, epg);
    const query = token === '' ? '' : `?token=${encodeURIComponent(options.token!)}`;
    if (sources.length > 0) log(`  guide:    ${base}/epg.xml${query} (from ${sources.join(', ')}; cached in ${epgCacheDir})`);
    log(`  tuner:    ${base}${options.token === undefined ? '' : `/token/${encodeURIComponent(options.token)}`} (an HDHomeRun for Plex, Jellyfin and Emby: /discover.json, /lineup.json; ${channels.channels.length} channel${channels.channels.length === 1 ? '' : 's'})`);
    log(`  status:   ${base}/status${query}   metrics: ${base}/metrics${query}   health: ${base}/healthz`);
    log(`  dashboard: ${base}/${token === '' ? '' : `?token=${encodeURIComponent(options.token!)}`}   watch: ${base}/watch?id=${emulator === undefined ? '<content id>' : 'live'}${token}`);
    if (channelsPath !== undefined) log(`  reload:   save ${channelsPath}, or kill -HUP ${process.pid}`);
    const reload = (): ChannelList => {
      if (channelsPath === undefined) return gateway.channels;
      try {
        const list = readChannels(channelsPath);
        // A file that gives no channel while some are served is most likely half written
        // (an editor saving): the channels served stay until it reads again.
        if (list.channels.length === 0 && gateway.channels.channels.length > 0) {
          log(`ace-rx serve: kept the ${gateway.channels.channels.length} channels served: ${channelsPath} gave none (${channelsSummary(list)})`);
        } else {
          gateway.setChannels(list);
          log(`ace-rx serve: reloaded ${channelsPath}: ${channelsSummary(list)}`);
        }
      } catch (error) {
        log(`ace-rx serve: kept the channels served: ${error instanceof Error ? error.message : String(error)}`);
      }
      return gateway.channels;
    };
    // One timer for the file's changes and SIGHUP: a burst of either reloads once.
    let later: ReturnType<typeof setTimeout> | undefined;
    let guideToo = false;
    const reloadSoon = (guide: boolean) => {
      guideToo ||= guide;
      clearTimeout(later);
      later = setTimeout(() => {
        reload();
        if (guideToo) void gateway.refreshGuide();
        guideToo = false;
      }, 300);
    };
    const watcher = channelsPath === undefined ? undefined : watchFile(channelsPath, () => reloadSoon(false));
    const stopReloading = () => {
      clearTimeout(later);
      watcher?.close();
    };
    // Once, whether a drain or a close (or a close during a drain) ends the gateway.
    let emulatorClosed: Promise<void> | undefined;
    const closeEmulator = () => (emulatorClosed ??= emulator?.close() ?? Promise.resolve());
    return {
      gateway,
      ...(emulator === undefined ? {} : { emulator }),
      reload,
      hangup: () => reloadSoon(true),
      async close() {
        stopReloading();
        await gateway.close();
        await closeEmulator();
      },
      async drain(ms) {
        stopReloading();
        await gateway.drain(ms);
        await closeEmulator();
      },
    };
  } catch (error) {
    await emulator?.close();
    // Taken between the check and the gateway's listen(): the same one line.
    if ((error as { code?: unknown }).code === 'EADDRINUSE') throw new PortInUse(bindHost, port);
    throw error;
  }
}

/** `--epg`: an `http(s)` URL as given, else a file (resolved from `cwd`) that must exist: a missing one is a usage error. */
function epgSource(value: string, cwd: string): string {
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new UsageError(`--epg: not a URL: ${JSON.stringify(value)}`);
    }
    return text;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new UsageError(`--epg takes an http(s) URL or a file, not ${JSON.stringify(value)}`);
  const full = resolve(cwd, text);
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    throw new UsageError(`--epg: no such file: ${full}`);
  }
  if (!isFile) throw new UsageError(`--epg: not a file: ${full}`);
  return full;
}

/** `12 channels from 15 entries; 2 lines skipped`. */
function channelsSummary(list: ChannelList): string {
  const n = list.channels.length;
  return `${n} channel${n === 1 ? '' : 's'} from ${list.entries} entr${list.entries === 1 ? 'y' : 'ies'}${list.skipped === 0 ? '' : `; ${list.skipped} line${list.skipped === 1 ? '' : 's'} skipped`}`;
}

/**
 * Calls `onChange` on every change of a file (the caller waits for a burst to settle). The
 * directory is watched, not the file: editors and `mv` replace the file, which ends a
 * watch on it.
 */
function watchFile(path: string, onChange: () => void): { close(): void } {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(path)) onChange();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No watch here (some network file systems): SIGHUP still reloads.
  }
  return { close: () => watcher?.close() };
}

/** Whether something accepts a TCP connection at `host:port` within `ms`. */
function answers(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Fails with {@link PortInUse} when `host:port` cannot be listened on because it is taken. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen(port, host, () => resolve(undefined));
  });
  if (error === undefined) {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return;
  }
  if (error.code === 'EADDRINUSE') throw new PortInUse(host, port);
  // Another failure (a host that is not this machine's, no permission) is the gateway's to report.
}

/** The embedded emulator's contents as channels: by player id where it has one, else by infohash. */
function emulatorChannels(emulator: Emulator): ChannelList {
  const lines = ['#EXTM3U'];
  for (const content of emulator.catalogue.all()) {
    const name = (content.playerId ?? content.files[0]?.name ?? content.infohash).replace(/[\r\n]/g, ' ');
    lines.push(`#EXTINF:-1 group-title="ace-rx emulator",${name}`);
    lines.push(content.playerId === undefined ? `magnet:?xt=urn:btih:${content.infohash}` : `acestream://${content.playerId}`);
  }
  return parseChannels(lines.join('\n'));
}
