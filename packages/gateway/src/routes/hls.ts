import type { IncomingMessage, ServerResponse } from 'node:http';
import { SELECTORS, type Selector } from '../identity.js';
import { GatewayError, NotLive, StartTimeout, StreamAborted } from '../errors.js';
import { sendError, sendJson } from '../http.js';
import type { HlsViewer, LiveStream } from '../stream.js';
import type { Segment } from '../ts/segmenter.js';
import { viewerIp, type Listening } from './base.js';
import type { GatewayContext } from './context.js';

/** How long a first playlist request waits for the stream's first whole segment. */
const FIRST_SEGMENT_MS = 30_000;

/** The query that names the content in every URL of a stream (the balancer hashes on it), and the token. */
function contentQuery(url: URL, content: Selector, token: string | undefined): string {
  const query = new URLSearchParams();
  // A channel's playlist (`/channel/<slug>.m3u8`) names it in its path: its segments name it in their query.
  if (content.kind === 'channel') query.append('channel', content.value);
  else for (const name of SELECTORS) for (const value of url.searchParams.getAll(name)) query.append(name, value);
  if (token !== undefined) query.set('token', token);
  return query.toString();
}

/** Who an HLS player is (its address and user agent): playlist and segment requests carry nothing else to tell players apart. */
function whoIs(req: IncomingMessage, listening: Listening): string {
  return `${viewerIp(req, listening)} ${(req.headers['user-agent'] ?? '').slice(0, 120)}`;
}

/**
 * Counts `req`'s player as a viewer of `stream` for `hlsIdleMs` after its last request: it
 * holds the stream (and so its engine session) like a TS viewer, and lets go when idle.
 */
function touchViewer(ctx: GatewayContext, stream: LiveStream, req: IncomingMessage): void {
  const who = whoIs(req, ctx.listening);
  const known = stream.hlsViewers.get(who);
  if (known !== undefined) return known.touch();
  const hold = stream.live$.subscribe({ error: () => undefined });
  let idle: ReturnType<typeof setTimeout> | undefined;
  const viewer: HlsViewer & { lastSeen: number } = {
    who,
    lastSeen: performance.now(),
    touch() {
      viewer.lastSeen = performance.now();
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => viewer.leave(), ctx.settings.hlsIdleMs);
    },
    leave() {
      if (idle !== undefined) clearTimeout(idle);
      idle = undefined;
      if (stream.hlsViewers.get(who) !== viewer) return;
      stream.hlsViewers.delete(who);
      ctx.log({ event: 'viewer-leave', stream: stream.key, viewer: who, reason: 'left' }, `HLS viewer ${who} left ${stream.key} (${stream.hlsViewers.size} polling)`);
      hold.unsubscribe();
    },
  };
  stream.hlsViewers.set(who, viewer);
  viewer.touch();
  ctx.log({ event: 'viewer-join', stream: stream.key, viewer: who }, `HLS viewer ${who} joined ${stream.key} (${stream.hlsViewers.size} polling)`);
}

/** Resolves once `stream` has a segment to list, or rejects when it ended first or `ms` passed. */
function firstSegment(stream: LiveStream, res: ServerResponse, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let cancel: (() => void) | undefined;
    let settled = false;
    const timer = setTimeout(() => done(new StartTimeout(ms)), ms);
    const done = (error?: GatewayError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel?.();
      res.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onClose = () => done(new StreamAborted());
    res.once('close', onClose);
    const check = () => {
      if (settled) return;
      if (stream.film !== undefined) return done(new NotLive());
      if (stream.segmenter.segments().length > 0) return done();
      if (stream.state === 'ended') return done(new StreamAborted());
      cancel = stream.ring.wait(check);
    };
    stream.firstBytes.then(check, (error: unknown) => done(error instanceof GatewayError ? error : new StreamAborted()));
  });
}

/**
 * `/ace/manifest.m3u8`: the live playlist of the content's stream, cut from the same ring
 * as its TS viewers (one engine session for both). The first request starts the stream
 * and waits for its first segment; every request keeps its player counted as a viewer.
 */
export async function serveRingManifest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, content: Selector, url: URL): Promise<void> {
  if (!ctx.settings.mpegts) return sendJson(res, 501, { error: 'HLS_UNAVAILABLE', message: 'HLS from the ring needs the gateway to read the MPEG-TS (mpegts: true), or hls: engine' });
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' }).end();
    return;
  }
  const found = await ctx.streams.find(content);
  if (res.destroyed) return;
  const polling = found !== undefined && found.state !== 'ended' && found.hlsViewers.has(whoIs(req, ctx.listening));
  const stream = polling ? found : ctx.streams.streamFor(content);
  if (stream instanceof GatewayError) return sendError(res, stream);
  touchViewer(ctx, stream, req);
  try {
    await firstSegment(stream, res, FIRST_SEGMENT_MS);
  } catch (error) {
    return sendError(res, error instanceof GatewayError ? error : new StreamAborted());
  }
  const query = contentQuery(url, content, ctx.settings.token);
  const body = stream.segmenter.playlist((s: Segment) => `/ace/hls/${s.sequence}.ts?${query}`);
  res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' });
  res.end(body);
}

/** `/ace/hls/<sequence>.ts?<selector>`: one segment of the content's stream, from its ring. */
export async function serveRingSegment(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, content: Selector, sequence: number): Promise<void> {
  const stream = await ctx.streams.find(content);
  const segment = stream?.segmenter.segment(sequence);
  const bytes = segment === undefined ? undefined : stream!.segmenter.bytes(segment);
  if (stream === undefined || bytes === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'no such HLS segment (the stream ended, or the segment is out of the window)' });
  // A segment request keeps a known player counted; it never makes a new one: only the
  // playlist request does, past the limits.
  stream.hlsViewers.get(whoIs(req, ctx.listening))?.touch();
  let length = 0;
  for (const piece of bytes) length += piece.length;
  stream.bytesOutGone += length;
  res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': String(length), 'Cache-Control': 'no-store' });
  if (req.method === 'HEAD') return void res.end();
  for (const piece of bytes) res.write(piece);
  res.end();
}
