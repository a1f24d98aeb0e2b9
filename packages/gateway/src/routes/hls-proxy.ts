import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentKey, HlsSource } from '../backend.js';
import type { EnginePool, EngineSlot } from '../engines.js';
import { AtCapacity, GatewayError, NoHls, StartFailed, type Draining } from '../errors.js';
import { messageOf, sendError, sendJson } from '../http.js';
import type { Log } from '../log.js';

interface HlsSession {
  readonly key: string;
  readonly slot: EngineSlot;
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

/** What the HLS proxy needs to know. */
export interface HlsProxySettings {
  readonly hlsIdleMs: number;
  readonly token: string | undefined;
  readonly maxStreams: number;
}

/**
 * The engine's own HLS, proxied: one engine HLS session per content (HTTP API engines
 * only), its playlist rewritten so that every segment URL points at the gateway
 * (`/ace/hls/<key>/<token>.ts`), stopped after `hlsIdleMs` without a request.
 */
export class HlsProxy {
  private readonly sessions = new Map<string, HlsSession>();

  constructor(
    private readonly settings: HlsProxySettings,
    private readonly pool: EnginePool,
    private readonly log: Log,
  ) {}

  /** Set while the gateway drains: a content with no session here gets it (503), one with a session goes on. */
  draining: Draining | undefined;

  /** HLS engine sessions now. */
  get size(): number {
    return this.sessions.size;
  }

  /** `/ace/manifest.m3u8`: the engine's playlist for `content`, its session started on the first request. */
  async serveManifest(req: IncomingMessage, res: ServerResponse, content: ContentKey, liveStreams: number): Promise<void> {
    const h = this.sessionFor(`${content.kind}:${content.value}`, content, liveStreams);
    if (h instanceof GatewayError) return sendError(res, h);
    const signal = this.request(h, res);
    try {
      const source = await h.ready;
      const upstream = await h.slot.backend.fetch!(source.playlistUrl, signal);
      const text = await readText(upstream);
      const body = this.rewrite(h, text, source.playlistUrl);
      res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      sendError(res, error instanceof GatewayError ? error : new StartFailed(messageOf(error)));
    }
  }

  /** `/ace/hls/<key>/<token>.ts`: one segment, piped from the engine. */
  async serveSegment(req: IncomingMessage, res: ServerResponse, key: string, token: string): Promise<void> {
    const h = this.sessions.get(key);
    const url = h?.segments.get(token);
    if (h === undefined || url === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'no such HLS segment (the session ended, or the segment is too old)' });
    const signal = this.request(h, res);
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
  }

  /** Stops every session. */
  stopAll(reason: string): void {
    for (const h of [...this.sessions.values()]) this.stop(h, reason);
  }

  private sessionFor(key: string, content: ContentKey, liveStreams: number): HlsSession | GatewayError {
    const existing = this.sessions.get(key);
    if (existing !== undefined) return existing;
    if (this.draining !== undefined) return this.draining;
    if (liveStreams + this.sessions.size >= this.settings.maxStreams) return new AtCapacity('maxStreams', this.settings.maxStreams);
    const slot = this.pool.candidates().find((s) => s.backend.openHls !== undefined && s.backend.fetch !== undefined);
    if (slot === undefined) return new NoHls();
    const abort = new AbortController();
    this.pool.claim(slot, 'HLS', key);
    const ready = slot.backend.openHls!(content, abort.signal);
    const h: HlsSession = { key, slot, abort, ready, segments: new Map(), tokens: new Map(), next: 0, busy: 0, idle: undefined, source: undefined };
    this.sessions.set(key, h);
    ready.then(
      (source) => {
        if (this.sessions.get(key) !== h) return source.stop();
        h.source = source;
      },
      (error: unknown) => this.stop(h, messageOf(error)),
    );
    this.touch(h);
    return h;
  }

  private stop(h: HlsSession, reason: string): void {
    if (this.sessions.get(h.key) !== h) return;
    this.sessions.delete(h.key);
    if (h.idle !== undefined) clearTimeout(h.idle);
    h.abort.abort();
    h.source?.stop();
    this.pool.release(h.slot);
    this.log({ event: 'session-stop', stream: h.key, engine: h.slot.backend.name, reason }, `HLS ${h.key} stopped: ${reason}`);
  }

  private touch(h: HlsSession): void {
    if (h.idle !== undefined) clearTimeout(h.idle);
    h.idle = undefined;
    if (this.sessions.get(h.key) !== h) return;
    const { hlsIdleMs } = this.settings;
    h.idle = setTimeout(() => (h.busy > 0 ? this.touch(h) : this.stop(h, `no request for ${hlsIdleMs} ms`)), hlsIdleMs);
  }

  /** One HLS request: the session stays while it is answered; the signal aborts when the viewer hangs up. */
  private request(h: HlsSession, res: ServerResponse): AbortSignal {
    this.touch(h);
    h.busy++;
    const abort = new AbortController();
    res.once('close', () => {
      abort.abort();
      h.busy--;
      this.touch(h);
    });
    return abort.signal;
  }

  /** The engine playlist with every URI pointing at the gateway (`/ace/hls/<key>/<token>.ts`), tokens remembered. */
  private rewrite(h: HlsSession, text: string, playlistUrl: string): string {
    const { token } = this.settings;
    return text
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
  }
}

async function readText(res: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw new StartFailed('the engine playlist is over 1 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
