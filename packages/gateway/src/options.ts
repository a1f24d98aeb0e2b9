import { join } from 'node:path';
import type { EngineBackend } from './backend.js';
import { NO_CHANNELS, type ChannelList } from './channels.js';
import type { EngineName, EngineResolver } from './discovery.js';
import { defaultCacheDir, type GuideSettings } from './epg.js';
import { InvalidGatewayOption } from './errors.js';
import type { GatewayLogEvent } from './log.js';
import { defaultDeviceId, isDeviceId } from './routes/tuner.js';

/** Port `ace-rx serve` listens on by default (the engine's 6878 plus two). */
export const DEFAULT_GATEWAY_PORT = 6880;

/** How a stream lost mid-way is retried: `attempts` times, waiting `delayMs · 2^(n-1)`, at most `maxDelayMs`. */
export interface RetryPolicy {
  /** Attempts after a loss before the viewers are ended (default 3; 0 ends at once). */
  readonly attempts: number;
  /** First delay (default 500 ms). */
  readonly delayMs: number;
  /** Longest delay (default 4 000 ms). */
  readonly maxDelayMs: number;
}

/** Capacity limits; past one a viewer gets 503 with the limit's name. */
export interface Limits {
  /** Streams (contents) at once (default 16). */
  readonly maxStreams: number;
  /** Viewers of one stream (default 100). */
  readonly maxViewersPerStream: number;
  /** Viewers in all (default 500). */
  readonly maxViewers: number;
}

/** Options of {@link startGateway}. Everything but `engines` has a default. */
export interface GatewayOptions {
  /** The engines, in order of preference when equally loaded (at least one, unless `engineNames` gives some). */
  readonly engines: readonly EngineBackend[];
  /**
   * Engines found by name: each address a name resolves to is an engine, added to
   * `engines`. The names are resolved at start and every `engineRefreshMs`: an address
   * that appears is added, one that disappears is drained (no new session; removed when
   * its sessions end). What a Kubernetes headless Service or `docker compose --scale` gives.
   */
  readonly engineNames?: readonly EngineName[];
  /** How `engineNames` are resolved (default: the system's resolver, every address; inject one in tests). */
  readonly resolveEngineName?: EngineResolver;
  /** `engineNames` are resolved again this often (default 10 000 ms). */
  readonly engineRefreshMs?: number;
  /** Port to listen on (default {@link DEFAULT_GATEWAY_PORT}; 0 picks a free one). */
  readonly port?: number;
  /** Address to bind (default `127.0.0.1`: nobody else can reach it unless you say so). */
  readonly host?: string;
  /** When set, every URL needs `?token=` or `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Bytes kept per stream in its ring (default 8 MiB). */
  readonly ringBytes?: number;
  /**
   * How far behind the live edge a joining viewer starts (default 256 KiB, at most a
   * quarter of the ring): at the latest key frame at least this far back, so that its
   * whole first frame and a little more reach the player at once; on a packet boundary
   * this far back when the ring holds no key frame.
   */
  readonly backlogBytes?: number;
  /**
   * A viewer whose connection takes no byte this long is dropped (default 10 000 ms); a
   * slow one that takes bytes stays (and skips forward when it falls behind the ring). The
   * gateway sees what the kernel takes from the socket, in steps: Linux wakes a blocked
   * writer once a good part (about a third) of its send buffer is free, so keep `stallMs`
   * at a few seconds or more.
   */
  readonly stallMs?: number;
  /** The engine session outlives its last viewer this long (default 5 000 ms). */
  readonly lingerMs?: number;
  /** A stream that sends nothing this long is ended and its engine session stopped (default 30 000 ms). */
  readonly silenceMs?: number;
  /** Retry of a stream lost mid-way. */
  readonly retry?: Partial<RetryPolicy>;
  /** Capacity limits. */
  readonly limits?: Partial<Limits>;
  /** An engine taken out after a failure is tried again after this long (default 10 000 ms). */
  readonly engineRecheckMs?: number;
  /** An HLS player with no playlist or segment request this long has left (default 30 000 ms); with `hls: 'engine'`, its engine HLS session is stopped. */
  readonly hlsIdleMs?: number;
  /**
   * Where `/ace/manifest.m3u8` comes from: `ring` (default), segments cut at key frames
   * from the same ring TS viewers read, on either engine API and with no second engine
   * session; or `engine`, the engine's own HLS proxied (HTTP API engines only, one more
   * engine session per content).
   */
  readonly hls?: 'ring' | 'engine';
  /**
   * Read the MPEG-TS passing through each ring (default true): joins start on a key frame,
   * after the PAT and PMT, and HLS is cut from the ring. `false` reads nothing: joins start
   * on a packet boundary and `/ace/manifest.m3u8` answers 501 unless `hls: 'engine'`.
   */
  readonly mpegts?: boolean;
  /** HLS from the ring: a segment is cut at the first key frame at least this many seconds after its start (default 2). */
  readonly hlsSegmentSeconds?: number;
  /** HLS from the ring: segments a playlist lists at most (default 6; fewer when the ring holds fewer). */
  readonly hlsWindow?: number;
  /** Channels `/playlist.m3u` lists and `/channel/<slug>.ts` plays (see `parseChannels`); {@link Gateway.setChannels} replaces them. */
  readonly channels?: ChannelList;
  /** Called with every log event (default: nothing is logged; {@link formatLogEvent} makes a line of one). */
  readonly logger?: (event: GatewayLogEvent) => void;
  /** `/healthz` answers from its last probe of the engines for this long; concurrent requests share one probe (default 1 000 ms). */
  readonly healthCacheMs?: number;
  /**
   * Believe the balancer in front (default false: set it only when every request comes
   * through one): `X-Forwarded-For` (its right-most entry) or `Forwarded: for=` names the
   * viewer in logs and `/status`; `X-Forwarded-Proto` and `X-Forwarded-Host` (or
   * `Forwarded: proto=`, `host=`) shape the URLs written for players. Values that are not
   * plain (a scheme other than http/https, a host with spaces, a bad port) are ignored.
   */
  readonly trustProxy?: boolean;
  /**
   * The guide (XMLTV) served at `/epg.xml` and `/epg.xml.gz`: a URL or a file, gzip or
   * plain. Without it, the channels header's `url-tvg` (else `x-tvg-url`) names it; a
   * header listing several URLs (commas) is tried in order, the first good one served.
   */
  readonly epg?: string;
  /** Where fetched guides are kept, so that a restart serves the last one at once (default {@link defaultCacheDir}`/epg`). */
  readonly epgCacheDir?: string;
  /** Time between guide fetches (default 4 hours); a failed fetch is tried again after 10 minutes (at most this). */
  readonly epgRefreshMs?: number;
  /** A guide fetch taking longer fails, the last guide kept (default 120 000 ms). */
  readonly epgTimeoutMs?: number;
  /** A guide larger than this, unpacked, fails its fetch (default 512 MiB). */
  readonly epgMaxBytes?: number;
  /** The tuner's `DeviceID` for Plex, Jellyfin and Emby: 8 hex digits with a valid check digit (default: made from the host name and port, stable across restarts). */
  readonly deviceId?: string;
  /** The tuner's name in media servers (default `ace-rx`). */
  readonly tunerName?: string;
}

/** {@link GatewayOptions} checked, with every default filled in. */
export interface Settings {
  readonly engines: readonly EngineBackend[];
  readonly engineNames: readonly EngineName[];
  readonly resolveEngineName: EngineResolver | undefined;
  readonly engineRefreshMs: number;
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly ringBytes: number;
  readonly backlogBytes: number;
  readonly stallMs: number;
  readonly lingerMs: number;
  readonly silenceMs: number;
  readonly retry: RetryPolicy;
  readonly limits: Limits;
  readonly engineRecheckMs: number;
  readonly hlsIdleMs: number;
  readonly hls: 'ring' | 'engine';
  readonly mpegts: boolean;
  readonly hlsSegmentSeconds: number;
  readonly hlsWindow: number;
  readonly channels: ChannelList;
  readonly healthCacheMs: number;
  readonly trustProxy: boolean;
  readonly guide: GuideSettings;
  readonly deviceId: string;
  readonly tunerName: string;
}

/** `value` when it is a positive number, `fallback` when undefined; throws otherwise. */
function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new InvalidGatewayOption(name, `must be a positive number, not ${JSON.stringify(value)}`);
  return value;
}

function deviceIdOption(id: string | undefined, port: number): string {
  if (id === undefined) return defaultDeviceId(port);
  if (!isDeviceId(id)) throw new InvalidGatewayOption('deviceId', `must be 8 hex digits with a valid HDHomeRun check digit, not ${JSON.stringify(id)}`);
  return id.toUpperCase();
}

/** Checks `options` and fills in the defaults; throws {@link InvalidGatewayOption} before anything listens. */
export function resolveOptions(options: GatewayOptions): Settings {
  if (options.engines.length === 0 && (options.engineNames ?? []).length === 0) throw new InvalidGatewayOption('engines', 'needs at least one engine (or engineNames)');
  const engineRefreshMs = options.engineRefreshMs ?? 10_000;
  if (!(Number.isFinite(engineRefreshMs) && engineRefreshMs >= 100)) throw new InvalidGatewayOption('engineRefreshMs', `must be at least 100 ms, not ${JSON.stringify(engineRefreshMs)}`);
  const port: unknown = options.port ?? DEFAULT_GATEWAY_PORT;
  // Never hand listen() a string: it would make a Unix socket of it.
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidGatewayOption('port', `must be an integer 0-65535 (0: a free port), not ${JSON.stringify(port)}`);
  }
  const host: unknown = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !/^[^\s/\\]+$/.test(host)) throw new InvalidGatewayOption('host', `must be an address or host name, not ${JSON.stringify(host)}`);
  const ringBytes = options.ringBytes ?? 8 * 1024 * 1024;
  if (options.hls !== undefined && options.hls !== 'ring' && options.hls !== 'engine') throw new InvalidGatewayOption('hls', `must be 'ring' or 'engine', not ${JSON.stringify(options.hls)}`);
  return {
    engines: options.engines,
    engineNames: options.engineNames ?? [],
    resolveEngineName: options.resolveEngineName,
    engineRefreshMs,
    port,
    host,
    token: options.token,
    ringBytes,
    backlogBytes: Math.min(options.backlogBytes ?? 256 * 1024, Math.floor(ringBytes / 4)),
    stallMs: options.stallMs ?? 10_000,
    lingerMs: options.lingerMs ?? 5_000,
    silenceMs: options.silenceMs ?? 30_000,
    retry: { attempts: 3, delayMs: 500, maxDelayMs: 4_000, ...options.retry },
    limits: { maxStreams: 16, maxViewersPerStream: 100, maxViewers: 500, ...options.limits },
    engineRecheckMs: options.engineRecheckMs ?? 10_000,
    hlsIdleMs: options.hlsIdleMs ?? 30_000,
    hls: options.hls ?? 'ring',
    mpegts: options.mpegts ?? true,
    hlsSegmentSeconds: options.hlsSegmentSeconds ?? 2,
    hlsWindow: options.hlsWindow ?? 6,
    channels: options.channels ?? NO_CHANNELS,
    healthCacheMs: options.healthCacheMs ?? 1_000,
    trustProxy: options.trustProxy === true,
    guide: {
      epg: options.epg === undefined || options.epg.trim() === '' ? undefined : options.epg.trim(),
      cacheDir: options.epgCacheDir ?? join(defaultCacheDir(), 'epg'),
      refreshMs: positive('epgRefreshMs', options.epgRefreshMs, 4 * 3600_000),
      retryMs: 600_000,
      timeoutMs: positive('epgTimeoutMs', options.epgTimeoutMs, 120_000),
      maxBytes: positive('epgMaxBytes', options.epgMaxBytes, 512 * 1024 * 1024),
    },
    deviceId: deviceIdOption(options.deviceId, port),
    tunerName: options.tunerName ?? 'ace-rx',
  };
}
