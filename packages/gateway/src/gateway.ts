import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ContentKey, EngineBackend, EngineStats, EngineStream, HlsSource } from './backend.js';
import { AtCapacity, EngineUnavailable, GatewayError, InvalidGatewayOption, NoHls, StartFailed, StreamAborted } from './errors.js';
import { buildPlaylist, type Channel } from './playlist.js';
import { Cursor, Ring } from './ring.js';

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

/** One line the gateway logs: a viewer joining or leaving, an engine session starting or stopping, a retry. */
export interface GatewayLogEvent {
  /** What happened. */
  readonly event: 'viewer-join' | 'viewer-leave' | 'session-start' | 'session-stop' | 'session-retry' | 'engine-down';
  /** The content key (`id:<id>` or `infohash:<ih>`), when about a stream. */
  readonly stream?: string;
  /** The engine backend's name. */
  readonly engine?: string;
  /** Why (a leave's or a stop's reason, an error). */
  readonly reason?: string;
  /** The viewer's address. */
  readonly viewer?: string;
  /** The line, ready to print. */
  readonly message: string;
  /** When it happened (ISO 8601). */
  readonly at: string;
}

/** Options of {@link startGateway}. Everything but `engines` has a default. */
export interface GatewayOptions {
  /** The engines, in order of preference when equally loaded (at least one). */
  readonly engines: readonly EngineBackend[];
  /** Port to listen on (default {@link DEFAULT_GATEWAY_PORT}; 0 picks a free one). */
  readonly port?: number;
  /** Address to bind (default `127.0.0.1`: nobody else can reach it unless you say so). */
  readonly host?: string;
  /** When set, every URL needs `?token=` or `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Bytes kept per stream in its ring (default 8 MiB). */
  readonly ringBytes?: number;
  /** Bytes behind the live edge a joining viewer starts with (default 256 KiB, at most a quarter of the ring). */
  readonly backlogBytes?: number;
  /** A viewer whose socket takes no bytes this long is dropped (default 10 000 ms). */
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
  /** An HLS session with no playlist or segment request this long is stopped (default 30 000 ms). */
  readonly hlsIdleMs?: number;
  /** Channels `/playlist.m3u` lists (see `parseChannels`). */
  readonly channels?: readonly Channel[];
  /** Called with every log event (default: nothing is logged; {@link formatLogEvent} makes a line of one). */
  readonly logger?: (event: GatewayLogEvent) => void;
  /** `/healthz` answers from its last probe of the engines for this long; concurrent requests share one probe (default 1 000 ms). */
  readonly healthCacheMs?: number;
}

/** A log event as one line: its ISO 8601 time, then its message. */
export function formatLogEvent(event: GatewayLogEvent): string {
  return `${event.at} ${event.message}`;
}

/** One stream in `/status`. */
export interface StreamStatus {
  /** `id:<content id>` or `infohash:<infohash>`. */
  readonly key: string;
  /** The engine backend serving it (none between retries). */
  readonly engine: string | undefined;
  /** `starting` (no byte yet), `playing`, or `retrying` after a loss. */
  readonly state: 'starting' | 'playing' | 'retrying';
  /** Viewers receiving bytes. */
  readonly viewers: number;
  /** Viewers waiting for the first bytes. */
  readonly waiting: number;
  /** Bytes read from the engine. */
  readonly bytesIn: number;
  /** Bytes written to its viewers, those gone included. */
  readonly bytesOut: number;
  /** Bytes held in its ring now. */
  readonly ringBytes: number;
  /** Bytes queued in viewers' sockets (in user space), summed: bounded by a chunk plus the socket's high-water mark each. */
  readonly bufferedBytes: number;
  /** Times viewers were skipped forward for falling behind the ring. */
  readonly skips: number;
  /** When the stream started (ISO 8601). */
  readonly startedAt: string;
  /** The engine's latest STATUS figures (peers, speeds). */
  readonly engineStats: EngineStats | undefined;
}

/** What `GET /status` answers. */
export interface GatewayStatus {
  /** Every stream with an engine session. */
  readonly streams: readonly StreamStatus[];
  /** Viewers receiving bytes, in all. */
  readonly viewers: number;
  /** Bytes read from engines since the start. */
  readonly bytesIn: number;
  /** Bytes written to viewers since the start. */
  readonly bytesOut: number;
  /** Each engine: its name, whether it is in service, and how many streams it serves. */
  readonly engines: readonly { readonly name: string; readonly up: boolean; readonly streams: number }[];
}

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
  /** Ends every viewer, stops every engine session and closes the server. */
  close(): Promise<void>;
}

interface Slot {
  readonly backend: EngineBackend;
  up: boolean;
  downAt: number;
  streams: number;
}

interface ViewerEntry {
  readonly cursor: Cursor;
  readonly res: ServerResponse;
  readonly address: string;
}

interface Stream {
  readonly key: string;
  readonly content: ContentKey;
  readonly ring: Ring;
  readonly viewers: Set<ViewerEntry>;
  readonly startedAt: Date;
  pending: number;
  state: 'starting' | 'playing' | 'retrying' | 'ended';
  slot: Slot | undefined;
  source: EngineStream | undefined;
  abort: AbortController;
  attempt: number;
  failures: number;
  bytesIn: number;
  bytesOutGone: number;
  paused: boolean;
  hadBytes: boolean;
  firstBytes: Promise<void>;
  settleFirst: (error?: GatewayError) => void;
  linger: ReturnType<typeof setTimeout> | undefined;
  silence: ReturnType<typeof setTimeout> | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

interface HlsStream {
  readonly key: string;
  readonly slot: Slot;
  readonly abort: AbortController;
  readonly ready: Promise<HlsSource>;
  /** Segment token → the engine's URL, and back; the oldest forgotten past 256. */
  readonly segments: Map<string, string>;
  readonly tokens: Map<string, string>;
  next: number;
  /** Requests being answered: the idle timer waits for them. */
  busy: number;
  idle: ReturnType<typeof setTimeout> | undefined;
  source: HlsSource | undefined;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const INFOHASH = /^[0-9a-fA-F]{40}$/;
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function contentOf(url: URL): ContentKey | 'bad' | undefined {
  if (url.pathname === '/ace/getstream' || url.pathname === '/ace/manifest.m3u8') {
    const ids = url.searchParams.getAll('id');
    const infohashes = url.searchParams.getAll('infohash');
    // Exactly one of them, once: `?id=a&id=b` is as ambiguous as `?id=a&infohash=…`.
    if (ids.length + infohashes.length !== 1) return 'bad';
    const [id] = ids;
    if (id !== undefined) return ID.test(id) ? { kind: 'id', value: id } : 'bad';
    return INFOHASH.test(infohashes[0]!) ? { kind: 'infohash', value: infohashes[0]!.toLowerCase() } : 'bad';
  }
  const pid = /^\/pid\/([^/]+)\/[^/]+\.ts$/.exec(url.pathname);
  if (pid !== null) return ID.test(pid[1]!) ? { kind: 'id', value: pid[1]! } : 'bad';
  return undefined;
}

/** `decodeURIComponent`, with a malformed escape (`%ZZ`) as `undefined` rather than a throw. */
function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body) + '\n');
}

function sendError(res: ServerResponse, error: GatewayError): void {
  sendJson(res, error.status, { error: error.code, message: error.message, ...(error instanceof AtCapacity ? { limit: error.limit } : {}) });
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
  if (options.engines.length === 0) throw new InvalidGatewayOption('engines', 'needs at least one engine');
  const listenPort: unknown = options.port ?? DEFAULT_GATEWAY_PORT;
  // Never hand listen() a string: it would make a Unix socket of it.
  if (typeof listenPort !== 'number' || !Number.isInteger(listenPort) || listenPort < 0 || listenPort > 65535) {
    throw new InvalidGatewayOption('port', `must be an integer 0-65535 (0: a free port), not ${JSON.stringify(listenPort)}`);
  }
  const host: unknown = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !/^[^\s/\\]+$/.test(host)) throw new InvalidGatewayOption('host', `must be an address or host name, not ${JSON.stringify(host)}`);
  const ringBytes = options.ringBytes ?? 8 * 1024 * 1024;
  const backlogBytes = Math.min(options.backlogBytes ?? 256 * 1024, Math.floor(ringBytes / 4));
  const stallMs = options.stallMs ?? 10_000;
  const lingerMs = options.lingerMs ?? 5_000;
  const silenceMs = options.silenceMs ?? 30_000;
  const recheckMs = options.engineRecheckMs ?? 10_000;
  const retry: RetryPolicy = { attempts: 3, delayMs: 500, maxDelayMs: 4_000, ...options.retry };
  const limits: Limits = { maxStreams: 16, maxViewersPerStream: 100, maxViewers: 500, ...options.limits };
  const log = (event: Omit<GatewayLogEvent, 'message' | 'at'>, message: string) => options.logger?.({ ...event, message, at: new Date().toISOString() });
  const slots: Slot[] = options.engines.map((backend) => ({ backend, up: true, downAt: 0, streams: 0 }));
  const streams = new Map<string, Stream>();
  const sockets = new Set<Socket>();
  let bytesInGone = 0;
  let bytesOutGone = 0;
  let closing = false;

  // --- metrics ---------------------------------------------------------------------
  const registry = new Registry();
  const requests = new Counter({ name: 'acerx_gateway_http_requests_total', help: 'HTTP requests answered, by route and status (counted when the response ends)', labelNames: ['route', 'status'] as const, registers: [registry] });
  const ttfb = new Histogram({ name: 'acerx_gateway_ttfb_seconds', help: 'From a viewer request to its first stream byte', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const sessionsStarted = new Counter({ name: 'acerx_gateway_engine_sessions_total', help: 'Engine sessions started (retries included)', registers: [registry] });
  const dropped = new Counter({ name: 'acerx_gateway_viewers_dropped_total', help: 'Viewers dropped for stalling', registers: [registry] });
  new Gauge({ name: 'acerx_gateway_active_streams', help: 'Streams with an engine session', registers: [registry], collect() { this.set(streams.size); } });
  new Gauge({ name: 'acerx_gateway_active_viewers', help: 'Viewers receiving a stream', registers: [registry], collect() { this.set(viewerCount()); } });
  new Counter({ name: 'acerx_gateway_bytes_in_total', help: 'Bytes read from engines', registers: [registry], collect() { this.reset(); this.inc(totals().bytesIn); } });
  new Counter({ name: 'acerx_gateway_bytes_out_total', help: 'Bytes written to viewers', registers: [registry], collect() { this.reset(); this.inc(totals().bytesOut); } });
  new Gauge({ name: 'acerx_gateway_engine_up', help: 'Whether an engine is in service (1) or taken out (0)', labelNames: ['engine'] as const, registers: [registry], collect() { for (const s of slots) this.set({ engine: s.backend.name }, s.up ? 1 : 0); } });

  const viewerCount = () => [...streams.values()].reduce((n, s) => n + s.viewers.size, 0);
  const waitingCount = () => [...streams.values()].reduce((n, s) => n + s.pending, 0);
  const streamBytesOut = (s: Stream) => s.bytesOutGone + [...s.viewers].reduce((n, v) => n + v.cursor.sentBytes, 0);
  const totals = () => {
    let bytesIn = bytesInGone;
    let bytesOut = bytesOutGone;
    for (const s of streams.values()) {
      bytesIn += s.bytesIn;
      bytesOut += streamBytesOut(s);
    }
    return { bytesIn, bytesOut };
  };

  // --- engines ---------------------------------------------------------------------
  /**
   * Engines to try: those in service (or taken out longer than the recheck time) least
   * loaded first, then those taken out, longest out first. With every engine out, they
   * are still tried: a single restarted engine must come back.
   */
  const candidates = (exclude: ReadonlySet<Slot>, now = Date.now()): Slot[] => {
    const eligible = (s: Slot) => s.up || now - s.downAt >= recheckMs;
    return slots
      .filter((s) => !exclude.has(s))
      .sort((a, b) => Number(eligible(b)) - Number(eligible(a)) || (eligible(a) ? a.streams - b.streams : a.downAt - b.downAt));
  };

  const takeOut = (slot: Slot, reason: string) => {
    if (!slot.up) return;
    slot.up = false;
    slot.downAt = Date.now();
    log({ event: 'engine-down', engine: slot.backend.name, reason }, `engine ${slot.backend.name} taken out: ${reason}`);
  };

  // --- streams ---------------------------------------------------------------------
  const newStream = (key: string, content: ContentKey): Stream => {
    let settle: (error?: GatewayError) => void = () => undefined;
    const firstBytes = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))));
    firstBytes.catch(() => undefined);
    const stream: Stream = {
      key,
      content,
      ring: new Ring(ringBytes),
      viewers: new Set(),
      startedAt: new Date(),
      pending: 0,
      state: 'starting',
      slot: undefined,
      source: undefined,
      abort: new AbortController(),
      attempt: 0,
      failures: 0,
      bytesIn: 0,
      bytesOutGone: 0,
      paused: false,
      hadBytes: false,
      firstBytes,
      settleFirst: (error) => {
        settle(error);
        settle = () => undefined;
      },
      linger: undefined,
      silence: undefined,
      retryTimer: undefined,
    };
    streams.set(key, stream);
    return stream;
  };

  const release = (stream: Stream) => {
    stream.abort.abort();
    stream.source?.stop();
    stream.source = undefined;
    if (stream.slot !== undefined) stream.slot.streams--;
    stream.slot = undefined;
    if (stream.silence !== undefined) clearTimeout(stream.silence);
    stream.silence = undefined;
    stream.paused = false;
  };

  const endStream = (stream: Stream, reason: string, error?: GatewayError) => {
    if (stream.state === 'ended') return;
    const engine = stream.slot?.backend.name;
    stream.state = 'ended';
    for (const timer of [stream.linger, stream.retryTimer]) if (timer !== undefined) clearTimeout(timer);
    stream.linger = stream.retryTimer = undefined;
    release(stream);
    stream.ring.end(error);
    stream.settleFirst(error ?? new StreamAborted());
    if (streams.get(stream.key) === stream) streams.delete(stream.key);
    bytesInGone += stream.bytesIn;
    // Viewers still attached add theirs when they close.
    bytesOutGone += stream.bytesOutGone;
    log({ event: 'session-stop', stream: stream.key, ...(engine === undefined ? {} : { engine }), reason }, `stream ${stream.key} stopped: ${reason}`);
  };

  const armSilence = (stream: Stream) => {
    if (stream.silence !== undefined) clearTimeout(stream.silence);
    stream.silence = setTimeout(() => {
      stream.silence = undefined;
      endStream(stream, `the engine sent nothing for ${silenceMs} ms`);
    }, silenceMs);
  };

  const startAttempt = (stream: Stream, tried: Set<Slot> = new Set()) => {
    const slot = candidates(tried)[0];
    if (slot === undefined) {
      const error = new EngineUnavailable('no engine answered');
      if (stream.hadBytes) return lost(stream, stream.attempt, error.message);
      return endStream(stream, error.message, error);
    }
    const attempt = ++stream.attempt;
    if (!stream.hadBytes) stream.state = 'starting';
    const abort = new AbortController();
    stream.abort = abort;
    stream.slot = slot;
    slot.streams++;
    sessionsStarted.inc();
    log({ event: 'session-start', stream: stream.key, engine: slot.backend.name }, `stream ${stream.key}: starting on ${slot.backend.name}`);
    slot.backend.open(stream.content, abort.signal).then(
      (source) => {
        if (stream.attempt !== attempt || stream.state === 'ended') return source.stop();
        slot.up = true;
        stream.source = source;
        const body = source.body;
        armSilence(stream);
        body.on('data', (chunk: Buffer) => {
          if (stream.attempt !== attempt) return;
          stream.bytesIn += chunk.length;
          if (!stream.hadBytes || stream.state !== 'playing') {
            stream.hadBytes = true;
            stream.state = 'playing';
            stream.failures = 0;
          }
          stream.ring.append(chunk);
          stream.settleFirst();
          armSilence(stream);
          maybePause(stream);
        });
        body.on('end', () => {
          if (stream.attempt !== attempt) return;
          if (body.complete) endStream(stream, 'the content ended');
          else lost(stream, attempt, 'the engine cut the stream');
        });
        body.on('error', (error) => lost(stream, attempt, `the stream failed: ${error.message}`));
        void source.lost.then((error) => lost(stream, attempt, `the engine session was lost: ${error.message}`));
      },
      (error: unknown) => {
        if (stream.attempt !== attempt || stream.state === 'ended') return;
        slot.streams--;
        stream.slot = undefined;
        const failure = error instanceof GatewayError ? error : new EngineUnavailable(String(error));
        if (failure instanceof EngineUnavailable) {
          takeOut(slot, failure.message);
          tried.add(slot);
          return startAttempt(stream, tried);
        }
        if (stream.hadBytes) return lost(stream, attempt, failure.message);
        endStream(stream, failure.message, failure);
      },
    );
  };

  /** The engine was lost mid-stream: retry per the policy while viewers stay connected. */
  const lost = (stream: Stream, attempt: number, reason: string) => {
    if (stream.attempt !== attempt || stream.state === 'ended' || stream.retryTimer !== undefined) return;
    const slot = stream.slot;
    release(stream);
    stream.state = 'retrying';
    stream.attempt++;
    if (stream.failures >= retry.attempts) return endStream(stream, `${reason}; gave up after ${retry.attempts} retries`);
    const delay = Math.min(retry.maxDelayMs, retry.delayMs * 2 ** stream.failures);
    stream.failures++;
    log({ event: 'session-retry', stream: stream.key, ...(slot === undefined ? {} : { engine: slot.backend.name }), reason }, `stream ${stream.key}: ${reason}; retry ${stream.failures}/${retry.attempts} in ${delay} ms`);
    stream.retryTimer = setTimeout(() => {
      stream.retryTimer = undefined;
      if (stream.state !== 'retrying') return;
      // A lost engine is tried again too: a restarted engine listens on the same port.
      startAttempt(stream);
    }, delay);
  };

  /** Reads from the engine no faster than the fastest viewer takes it: the ring never drops bytes nobody has sent. */
  const maybePause = (stream: Stream) => {
    if (stream.paused || stream.viewers.size === 0 || stream.source === undefined) return;
    let fastest = 0;
    for (const v of stream.viewers) fastest = Math.max(fastest, v.cursor.position);
    if (stream.ring.total - fastest >= ringBytes / 2) {
      stream.paused = true;
      stream.source.body.pause();
      if (stream.silence !== undefined) clearTimeout(stream.silence);
      stream.silence = undefined;
    }
  };

  const resume = (stream: Stream) => {
    if (!stream.paused) return;
    stream.paused = false;
    stream.source?.body.resume();
    if (stream.source !== undefined) armSilence(stream);
  };

  const idle = (stream: Stream) => {
    if (stream.state === 'ended' || stream.viewers.size + stream.pending > 0 || stream.linger !== undefined) return;
    resume(stream);
    stream.linger = setTimeout(() => {
      stream.linger = undefined;
      if (stream.viewers.size + stream.pending === 0) endStream(stream, `no viewer for ${lingerMs} ms`);
    }, lingerMs);
  };

  // --- HLS ------------------------------------------------------------------------
  const hlsIdleMs = options.hlsIdleMs ?? 30_000;
  const hlsStreams = new Map<string, HlsStream>();

  const stopHls = (h: HlsStream, reason: string) => {
    if (hlsStreams.get(h.key) !== h) return;
    hlsStreams.delete(h.key);
    if (h.idle !== undefined) clearTimeout(h.idle);
    h.abort.abort();
    h.source?.stop();
    h.slot.streams--;
    log({ event: 'session-stop', stream: h.key, engine: h.slot.backend.name, reason }, `HLS ${h.key} stopped: ${reason}`);
  };

  const touchHls = (h: HlsStream) => {
    if (h.idle !== undefined) clearTimeout(h.idle);
    h.idle = undefined;
    if (hlsStreams.get(h.key) !== h) return;
    h.idle = setTimeout(() => (h.busy > 0 ? touchHls(h) : stopHls(h, `no request for ${hlsIdleMs} ms`)), hlsIdleMs);
  };

  const hlsFor = (key: string, content: ContentKey): HlsStream | GatewayError => {
    const existing = hlsStreams.get(key);
    if (existing !== undefined) return existing;
    if (streams.size + hlsStreams.size >= limits.maxStreams) return new AtCapacity('maxStreams', limits.maxStreams);
    const slot = candidates(new Set()).find((s) => s.backend.openHls !== undefined && s.backend.fetch !== undefined);
    if (slot === undefined) return new NoHls();
    const abort = new AbortController();
    slot.streams++;
    sessionsStarted.inc();
    log({ event: 'session-start', stream: key, engine: slot.backend.name }, `HLS ${key}: starting on ${slot.backend.name}`);
    const ready = slot.backend.openHls!(content, abort.signal);
    const h: HlsStream = { key, slot, abort, ready, segments: new Map(), tokens: new Map(), next: 0, busy: 0, idle: undefined, source: undefined };
    hlsStreams.set(key, h);
    ready.then(
      (source) => {
        if (hlsStreams.get(key) !== h) return source.stop();
        h.source = source;
      },
      (error: unknown) => stopHls(h, error instanceof Error ? error.message : String(error)),
    );
    touchHls(h);
    return h;
  };

  const readText = async (res: IncomingMessage, limit = 1024 * 1024): Promise<string> => {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > limit) throw new StartFailed('the engine playlist is over 1 MiB');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  /** The engine playlist with every URI pointing at the gateway (`/ace/hls/<key>/<token>.ts`), tokens remembered. */
  const rewritePlaylist = (h: HlsStream, text: string, playlistUrl: string, token: string | undefined): string =>
    text
      .split(/\r?\n/)
      .map((line) => {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) return line;
        const absolute = new URL(trimmed, playlistUrl).toString();
        let t = h.tokens.get(absolute);
        if (t === undefined) {
          t = String(h.next++);
          h.tokens.set(absolute, t);
          h.segments.set(t, absolute);
          if (h.segments.size > 256) {
            const [oldest, url] = h.segments.entries().next().value as [string, string];
            h.segments.delete(oldest);
            h.tokens.delete(url);
          }
        }
        return `/ace/hls/${encodeURIComponent(h.key)}/${t}.ts${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
      })
      .join('\n');

  /** One HLS request: the session stays while it is answered; the signal aborts when the viewer hangs up. */
  const hlsRequest = (h: HlsStream, res: ServerResponse): AbortSignal => {
    touchHls(h);
    h.busy++;
    const abort = new AbortController();
    res.once('close', () => {
      abort.abort();
      h.busy--;
      touchHls(h);
    });
    return abort.signal;
  };

  const serveManifest = async (req: IncomingMessage, res: ServerResponse, content: ContentKey) => {
    const key = `${content.kind}:${content.value}`;
    const h = hlsFor(key, content);
    if (h instanceof GatewayError) return sendError(res, h);
    const signal = hlsRequest(h, res);
    try {
      const source = await h.ready;
      const upstream = await h.slot.backend.fetch!(source.playlistUrl, signal);
      const text = await readText(upstream);
      const body = rewritePlaylist(h, text, source.playlistUrl, options.token);
      res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      sendError(res, error instanceof GatewayError ? error : new StartFailed(error instanceof Error ? error.message : String(error)));
    }
  };

  const serveSegment = async (req: IncomingMessage, res: ServerResponse, key: string, token: string) => {
    const h = hlsStreams.get(key);
    const url = h?.segments.get(token);
    if (h === undefined || url === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'no such HLS segment (the session ended, or the segment is too old)' });
    const signal = hlsRequest(h, res);
    try {
      const upstream = await h.slot.backend.fetch!(url, signal);
      res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'no-store' });
      if (req.method === 'HEAD') return void (upstream.destroy(), res.end());
      upstream.on('error', () => res.destroy());
      res.once('close', () => upstream.destroy());
      upstream.pipe(res);
    } catch (error) {
      sendError(res, error instanceof GatewayError ? error : new StartFailed(String(error)));
    }
  };

  // --- viewers ---------------------------------------------------------------------
  const serveStream = async (req: IncomingMessage, res: ServerResponse, content: ContentKey, startedAt: number) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'no-store' }).end();
      return;
    }
    const key = `${content.kind}:${content.value}`;
    if (viewerCount() + waitingCount() >= limits.maxViewers) return sendError(res, new AtCapacity('maxViewers', limits.maxViewers));
    let stream = streams.get(key);
    if (stream === undefined) {
      if (streams.size >= limits.maxStreams) return sendError(res, new AtCapacity('maxStreams', limits.maxStreams));
      stream = newStream(key, content);
      startAttempt(stream);
    }
    if (stream.viewers.size + stream.pending >= limits.maxViewersPerStream) return sendError(res, new AtCapacity('maxViewersPerStream', limits.maxViewersPerStream));
    const s = stream;
    if (s.linger !== undefined) clearTimeout(s.linger);
    s.linger = undefined;
    s.pending++;
    let gone = false;
    const onGone = () => (gone = true);
    res.once('close', onGone);
    const closed = once(res, 'close').then(() => undefined, () => undefined);
    try {
      await Promise.race([s.firstBytes, closed]);
    } catch (error) {
      s.pending--;
      res.off('close', onGone);
      sendError(res, error instanceof GatewayError ? error : new EngineUnavailable(String(error)));
      return;
    }
    s.pending--;
    res.off('close', onGone);
    if (gone || s.state === 'ended') {
      if (!gone) sendError(res, new StreamAborted());
      idle(s);
      return;
    }
    const join = s.ring.joinPoint(backlogBytes);
    // Where in the gateway's copy of the stream this viewer starts (tests and debugging).
    const position = s.ring.startOf(join.seq) + join.offset;
    res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'no-store', 'X-Stream-Position': String(position) });
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    let first = true;
    const cursor = new Cursor(s.ring, res, join, {
      stallMs,
      onProgress: (c) => {
        if (first) {
          first = false;
          ttfb.observe((performance.now() - startedAt) / 1000);
        }
        if (s.paused && s.ring.total - c.position < ringBytes / 2) resume(s);
      },
      onStop: (reason) => {
        if (reason === 'stalled') {
          dropped.inc();
          log({ event: 'viewer-leave', stream: s.key, viewer: address, reason: 'stalled' }, `viewer ${address} dropped from ${s.key}: stalled for ${stallMs} ms`);
        }
      },
    });
    const entry: ViewerEntry = { cursor, res, address };
    s.viewers.add(entry);
    log({ event: 'viewer-join', stream: s.key, viewer: address }, `viewer ${address} joined ${s.key} (${s.viewers.size} watching)`);
    res.once('close', () => {
      cursor.close();
      if (!s.viewers.delete(entry)) return;
      s.bytesOutGone += cursor.sentBytes;
      if (s.state === 'ended' || streams.get(s.key) !== s) bytesOutGone += cursor.sentBytes;
      log({ event: 'viewer-leave', stream: s.key, viewer: address, reason: 'left' }, `viewer ${address} left ${s.key} after ${cursor.sentBytes} bytes (${s.viewers.size} watching)`);
      if (s.paused) resume(s);
      idle(s);
    });
    cursor.pump();
  };

  const status = (): GatewayStatus => {
    const list = [...streams.values()].map((s): StreamStatus => ({
      key: s.key,
      engine: s.slot?.backend.name,
      state: s.state === 'ended' ? 'retrying' : s.state,
      viewers: s.viewers.size,
      waiting: s.pending,
      bytesIn: s.bytesIn,
      bytesOut: streamBytesOut(s),
      ringBytes: s.ring.bytes,
      bufferedBytes: [...s.viewers].reduce((n, v) => n + v.res.writableLength, 0),
      skips: [...s.viewers].reduce((n, v) => n + v.cursor.skips, 0),
      startedAt: s.startedAt.toISOString(),
      engineStats: s.source?.stats(),
    }));
    const t = totals();
    return {
      streams: list,
      viewers: viewerCount(),
      bytesIn: t.bytesIn,
      bytesOut: t.bytesOut,
      engines: slots.map((s) => ({ name: s.backend.name, up: s.up, streams: s.streams })),
    };
  };

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    if (options.token === undefined) return true;
    const header = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` is `Bearer`.
    const given = url.searchParams.get('token') ?? /^bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    if (given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  // `/healthz` probes each engine once per `healthCacheMs` at most, whatever the number
  // of requests: concurrent ones share the probe in flight, later ones its result.
  const healthCacheMs = options.healthCacheMs ?? 1_000;
  let lastHealth: { at: number; results: Promise<{ slot: Slot; ok: boolean }[]> } | undefined;
  const health = () => {
    if (lastHealth !== undefined && performance.now() - lastHealth.at < healthCacheMs) return lastHealth.results;
    const results = Promise.all(slots.map(async (slot) => ({ slot, ok: await slot.backend.probe(2_000).catch(() => false) }))).then((list) => {
      for (const { slot, ok } of list) {
        if (ok) slot.up = true;
        else takeOut(slot, 'health probe failed');
      }
      // The result is as old as its probe's end, not its start.
      if (lastHealth?.results === results) lastHealth.at = performance.now();
      return list;
    });
    lastHealth = { at: Infinity, results };
    return results;
  };

  const routeOf = (path: string): string => {
    if (path === '/ace/getstream' || path.startsWith('/pid/')) return 'getstream';
    if (path.startsWith('/ace/hls/')) return 'hls-segment';
    if (['/ace/manifest.m3u8', '/playlist.m3u', '/status', '/metrics', '/healthz'].includes(path)) return path.slice(1);
    return 'other';
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'unparsable URL' });
    }
    const route = routeOf(url.pathname);
    res.once('close', () => requests.inc({ route, status: String(res.statusCode) }));
    // Who may ask comes before what they ask: without the token, any method is 401.
    if (!authorised(req, url)) return sendJson(res, 401, { error: 'UNAUTHORIZED', message: 'a valid token is needed (?token= or Authorization: Bearer)' }, { 'WWW-Authenticate': 'Bearer' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'GET or HEAD only' }, { Allow: 'GET, HEAD' });
    if (closing) return sendError(res, new EngineUnavailable('the gateway is closing'));
    switch (url.pathname) {
      case '/status':
        return sendJson(res, 200, status());
      case '/metrics': {
        const text = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
        return;
      }
      case '/healthz': {
        const results = await health();
        const any = results.some((r) => r.ok);
        return sendJson(res, any ? 200 : 503, { ok: any, engines: results.map(({ slot, ok }) => ({ name: slot.backend.name, reachable: ok })) });
      }
      case '/playlist.m3u': {
        const hostHeader = req.headers.host;
        const authority = hostHeader !== undefined && HOST_HEADER.test(hostHeader) ? hostHeader : `${host.includes(':') ? `[${host}]` : host}:${port}`;
        const body = buildPlaylist(options.channels ?? [], `http://${authority}`, options.token);
        res.writeHead(200, { 'Content-Type': 'audio/x-mpegurl; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
    }
    const segment = /^\/ace\/hls\/([^/]+)\/(\d{1,12})\.ts$/.exec(url.pathname);
    if (segment !== null) {
      const key = decodeOrUndefined(segment[1]!);
      if (key === undefined) return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'a malformed percent-escape in the segment URL' });
      return serveSegment(req, res, key, segment[2]!);
    }
    const content = contentOf(url);
    if (content === 'bad') return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'give exactly one of id=<content id> or infohash=<40 hex digits>' });
    if (content === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${url.pathname}` });
    if (url.pathname === '/ace/manifest.m3u8') return serveManifest(req, res, content);
    return serveStream(req, res, content, startedAt);
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
  server.listen(listenPort, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gateway has no TCP address');
  const port = address.port;

  return {
    port,
    host,
    registry,
    status,
    async close() {
      if (closing) return;
      closing = true;
      for (const stream of [...streams.values()]) endStream(stream, 'the gateway closes');
      for (const h of [...hlsStreams.values()]) stopHls(h, 'the gateway closes');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
