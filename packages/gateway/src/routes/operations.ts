import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineStats } from '../backend.js';
import type { GuideStatus } from '../epg.js';
import { sendBody, sendJson } from '../http.js';
import type { SourceState } from '../stream.js';
import { publicBase } from './base.js';
import type { GatewayContext } from './context.js';

/** One stream in `/status`. */
export interface StreamStatus {
  /** `id:<content id>` or `infohash:<infohash>`. */
  readonly key: string;
  /** Every name viewers reached it by (`id:…`, `infohash:…`), its key first. */
  readonly names: readonly string[];
  /** The content's infohash, once the engine said it. */
  readonly infohash: string | undefined;
  /** `live` (read into the ring) or `film` (a file, read by ranges). */
  readonly kind: 'live' | 'film';
  /** A film's size, type and viewers reading it now. */
  readonly film?: { readonly size: number; readonly contentType: string; readonly viewers: number };
  /** The engine backend serving it (none between retries). */
  readonly engine: string | undefined;
  /** `starting` (no byte yet), `playing`, or `retrying` after a loss. */
  readonly state: 'starting' | 'playing' | 'retrying';
  /** Viewers receiving bytes (of a film: reading it now). */
  readonly viewers: number;
  /** HLS players polling its playlist (they count as viewers for the limits and the linger). */
  readonly hlsViewers: number;
  /** Viewers waiting for the first bytes. */
  readonly waiting: number;
  /** Where its TS viewers (`address:port`) and HLS players (address) are; behind a balancer with `trustProxy`, the address it names. */
  readonly viewerAddresses: readonly string[];
  /** Where a viewer of a live stream joining now starts: `key-frame` (PAT, PMT, then a key frame), or `packet` when the ring holds no key frame; none for a film. */
  readonly joinsAt?: 'key-frame' | 'packet';
  /** How the viewers so far joined. */
  readonly joins: { readonly keyFrame: number; readonly packet: number };
  /** Key frames in the ring now. */
  readonly keyFrames: number;
  /** HLS segments its playlist lists now. */
  readonly hlsSegments: number;
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
  /** The channel (its slug) the stream plays, when it plays one. */
  readonly channel?: string;
  /** The stream whose engine session it shares (its key), when another stream played its source already. */
  readonly sharing?: string;
  /** The content played now (a channel's current source). */
  readonly source: { readonly index: number; readonly kind: 'id' | 'infohash'; readonly value: string };
  /** Every source in order, with where it stands: playing, failed (why, when) or untried. One for a stream of one content. */
  readonly sources: readonly SourceState[];
  /** The engine's latest STATUS figures (peers, speeds). */
  readonly engineStats: EngineStats | undefined;
}

/** What `GET /status` answers. */
export interface GatewayStatus {
  /** Every stream with an engine session. */
  readonly streams: readonly StreamStatus[];
  /** Viewers receiving bytes, in all (TS viewers and HLS players). */
  readonly viewers: number;
  /** Bytes read from engines since the start. */
  readonly bytesIn: number;
  /** Bytes written to viewers since the start. */
  readonly bytesOut: number;
  /** Whether the gateway is draining (`Gateway.drain`, `ace-rx serve` after SIGTERM): its viewers go on, new ones are turned away. */
  readonly draining: boolean;
  /** Each engine: its name, whether it is in service, how many streams it serves, and whether it is draining (gone from its name's addresses, see `engineNames`). */
  readonly engines: readonly { readonly name: string; readonly up: boolean; readonly streams: number; readonly draining: boolean }[];
  /** The guide, when one is configured: its source, when it was fetched, whether the last fetch failed and why, its size, the next fetch. */
  readonly epg?: GuideStatus;
}

/** What `/status` shows, and {@link Gateway.status} returns. */
export function gatewayStatus(ctx: GatewayContext): GatewayStatus {
  const streams = ctx.streams.list().map((s): StreamStatus => {
    let bufferedBytes = 0;
    let skips = 0;
    for (const v of s.viewers) {
      bufferedBytes += v.res.writableLength;
      skips += v.cursor.skips;
    }
    return {
      key: s.key,
      names: ctx.streams.namesOf(s),
      kind: s.film === undefined ? 'live' : 'film',
      ...(s.film === undefined ? {} : { film: { size: s.film.size, contentType: s.film.contentType, viewers: s.film.viewers } }),
      infohash: s.infohash,
      engine: (s.slot ?? s.relaying?.slot)?.backend.name,
      ...(s.relaying === undefined ? {} : { sharing: s.relaying.key }),
      state: s.state === 'ended' ? 'retrying' : s.state,
      viewers: s.viewers.size + (s.film?.viewers ?? 0),
      hlsViewers: s.hlsViewers.size,
      waiting: s.pending,
      viewerAddresses: [...[...s.viewers].map((v) => v.address), ...[...s.hlsViewers.keys()].map((who) => who.split(' ')[0]!)],
      ...(s.film === undefined ? { joinsAt: s.keyFrames.latest() === undefined ? 'packet' : 'key-frame' } : {}),
      joins: { ...s.joins },
      keyFrames: s.keyFrames.size,
      hlsSegments: s.segmenter.segments().length,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      ringBytes: s.ring.bytes,
      bufferedBytes,
      skips,
      startedAt: s.startedAt.toISOString(),
      ...(s.channel === undefined ? {} : { channel: s.channel }),
      source: { index: s.sourceIndex, kind: s.content.kind, value: s.content.value },
      sources: s.sourceStates(),
      engineStats: (s.source ?? s.relaying?.source)?.stats(),
    };
  });
  const totals = ctx.streams.totals();
  const epg = ctx.guide.status();
  return { streams, viewers: ctx.streams.viewerCount(), bytesIn: totals.bytesIn, bytesOut: totals.bytesOut, draining: ctx.streams.draining !== undefined, engines: ctx.pool.status(), ...(epg === undefined ? {} : { epg }) };
}

/** `GET /status`. */
export function serveStatus(ctx: GatewayContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, gatewayStatus(ctx));
}

/** `GET /metrics`: Prometheus text. */
export async function serveMetrics(ctx: GatewayContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { registry } = ctx.metrics;
  const text = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
}

/**
 * `GET /healthz`: 200 when any engine answers its probe, else 503; probes are cached and
 * shared. A draining gateway answers 503 at once, `draining: true`, without a probe. It needs
 * no token (balancers' and orchestrators' probes carry none): without `details` (a request
 * without the token) the body says `ok` (and `draining`), not the engines.
 */
export async function serveHealth(ctx: GatewayContext, _req: IncomingMessage, res: ServerResponse, details: boolean): Promise<void> {
  if (ctx.streams.draining !== undefined) return sendJson(res, 503, { ok: false, draining: true, ...(details ? { engines: [] } : {}) });
  const results = await ctx.pool.health();
  const any = results.some((r) => r.ok);
  sendJson(res, any ? 200 : 503, { ok: any, ...(details ? { engines: results.map(({ slot, ok }) => ({ name: slot.backend.name, reachable: ok })) } : {}) });
}

/**
 * `GET /playlist.m3u`: the channels, each once at its own URL on the gateway as the player
 * reached it ({@link publicBase}); built once per base URL until the channels change. With
 * a guide configured, its header's `url-tvg` is the gateway's own `/epg.xml`.
 */
export async function servePlaylist(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = ctx.settings.token;
  const base = publicBase(req, ctx.listening);
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  const head = req.method === 'HEAD';
  const body = ctx.playlists.get(ctx.lineup.list, base, { ...(token === undefined ? {} : { token }), ...(ctx.guide.configured ? { epgUrl: `${base}/epg.xml${query}` } : {}) }, head);
  await sendBody(res, head, 'audio/x-mpegurl; charset=utf-8', body, ctx.settings.stallMs);
}
