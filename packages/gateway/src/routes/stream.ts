import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Selector } from '../identity.js';
import { EngineUnavailable, GatewayError, StreamAborted } from '../errors.js';
import { queuedBytes, sendError } from '../http.js';
import { Cursor } from '../ts/ring.js';
import type { ViewerEntry } from '../stream.js';
import { viewerAddress } from './base.js';
import type { GatewayContext } from './context.js';

/**
 * A TS viewer (`/ace/getstream`, `/pid/…`): joins the content's live stream (starting it
 * when it is the first), waits for its first bytes, then reads the ring through a cursor
 * from the latest key frame, after its PAT and PMT, so that a player decodes from its
 * first byte; with no key frame in the ring yet, from a packet boundary a little behind
 * the live edge. HEAD answers without starting anything.
 */
export async function serveStream(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, content: Selector, startedAt: number): Promise<void> {
  if (req.method === 'HEAD') {
    // A film already running answers as its file; anything else at once, without starting the engine (TV probes).
    const running = ctx.streams.running(content);
    if (running?.film !== undefined) return running.film.serve(req, res, ctx.settings.stallMs);
    res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'no-store' }).end();
    return;
  }
  await ctx.streams.find(content);
  if (res.destroyed) return;
  const stream = ctx.streams.streamFor(content);
  if (stream instanceof GatewayError) return sendError(res, stream);
  // The subscription is this viewer's hold on the engine session, from now until it leaves.
  const hold = stream.live$.subscribe({ error: () => undefined });
  stream.pending++;
  let gone = false;
  const onGone = () => (gone = true);
  res.once('close', onGone);
  const closed = once(res, 'close').then(() => undefined, () => undefined);
  try {
    await Promise.race([stream.firstBytes, closed]);
  } catch (error) {
    stream.pending--;
    res.off('close', onGone);
    sendError(res, error instanceof GatewayError ? error : new EngineUnavailable(String(error)));
    hold.unsubscribe();
    return;
  }
  stream.pending--;
  res.off('close', onGone);
  if (gone || stream.state === 'ended') {
    if (!gone) sendError(res, new StreamAborted());
    hold.unsubscribe();
    return;
  }
  if (stream.film !== undefined) {
    const film = stream.film;
    const address = viewerAddress(req, ctx.listening);
    const range = req.headers.range === undefined ? '' : ` (${req.headers.range})`;
    ctx.log({ event: 'viewer-join', stream: stream.key, viewer: address }, `viewer ${address} reads ${stream.key}${range} (${film.viewers + 1} reading)`);
    res.once('close', () => {
      hold.unsubscribe();
      ctx.log({ event: 'viewer-leave', stream: stream.key, viewer: address, reason: 'left' }, `viewer ${address} left ${stream.key} (${film.viewers} reading)`);
    });
    return film.serve(req, res, ctx.settings.stallMs);
  }
  const { settings, metrics, log } = ctx;
  const join = stream.keyFrames.joinPlan(settings.backlogBytes);
  stream.joins[join.kind === 'key-frame' ? 'keyFrame' : 'packet']++;
  res.writeHead(200, {
    'Content-Type': 'video/mp2t',
    'Cache-Control': 'no-store',
    // Where in the gateway's copy of the stream the viewer's ring bytes start, after the
    // PAT and PMT of a key-frame join (tests and debugging).
    'X-Stream-Position': String(join.position),
    'X-Stream-Join': join.kind,
    'X-Stream-Prefix': String(join.prefix?.length ?? 0),
  });
  if (join.prefix !== undefined) res.write(join.prefix);
  const address = viewerAddress(req, ctx.listening);
  let first = true;
  const cursor = new Cursor(stream.ring, res, join.start, {
    stallMs: settings.stallMs,
    queued: () => queuedBytes(res),
    onProgress: (c) => {
      if (first) {
        first = false;
        metrics.ttfb.observe((performance.now() - startedAt) / 1000);
      }
      if (stream.paused && stream.ring.total - c.position < settings.ringBytes / 2) stream.resume();
    },
    onStop: (reason) => {
      if (reason !== 'stalled') return;
      metrics.dropped.inc();
      log({ event: 'viewer-leave', stream: stream.key, viewer: address, reason: 'stalled' }, `viewer ${address} dropped from ${stream.key}: stalled for ${settings.stallMs} ms`);
    },
  });
  const entry: ViewerEntry = { cursor, res, address };
  stream.viewers.add(entry);
  log({ event: 'viewer-join', stream: stream.key, viewer: address }, `viewer ${address} joined ${stream.key} (${stream.viewers.size} watching)`);
  res.once('close', () => {
    cursor.close();
    if (!stream.viewers.delete(entry)) return;
    stream.bytesOutGone += cursor.sentBytes;
    ctx.streams.viewerGone(stream, cursor.sentBytes);
    log({ event: 'viewer-leave', stream: stream.key, viewer: address, reason: 'left' }, `viewer ${address} left ${stream.key} after ${cursor.sentBytes} bytes (${stream.viewers.size} watching)`);
    stream.resume();
    hold.unsubscribe();
  });
  cursor.pump();
}

