import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http.js';
import type { GatewayContext } from './context.js';

/**
 * `GET /epg.xml` and `/epg.xml.gz`: the guide last fetched, from its cache file, with its
 * length, `Last-Modified` and `ETag` (its size and time: a 304 when the player has it).
 * `/epg.xml` is sent gzipped (`Content-Encoding: gzip`) to a player that accepts it.
 * 404 when no guide is configured, 503 until the first fetch ends.
 */
export async function serveGuide(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, gz: boolean): Promise<void> {
  const guide = ctx.guide;
  if (!guide.configured) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'no guide is configured: give --epg, or url-tvg in the channels file' });
  const served = guide.served;
  if (served === undefined) {
    const error = guide.status()?.error;
    return sendJson(res, 503, { error: 'NO_GUIDE', message: error === undefined ? 'the guide is being fetched' : `no guide yet: ${error}` }, { 'Retry-After': '30' });
  }
  const encoded = !gz && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
  const path = gz || encoded ? served.gzPath : served.xmlPath;
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return sendJson(res, 503, { error: 'NO_GUIDE', message: 'the cached guide cannot be read' }, { 'Retry-After': '30' });
  }
  // Length and validators from the file opened, so that they match the bytes sent even when a fetch replaces it meanwhile.
  const info = await file.stat();
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${encoded ? '-gz' : ''}"`;
  const headers: Record<string, string> = {
    'Content-Type': gz ? 'application/gzip' : 'application/xml',
    'Last-Modified': info.mtime.toUTCString(),
    ETag: etag,
    'Cache-Control': 'no-cache',
    ...(gz ? {} : { Vary: 'Accept-Encoding' }),
    ...(encoded ? { 'Content-Encoding': 'gzip' } : {}),
  };
  if (req.headers['if-none-match'] === etag) {
    await file.close();
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(info.size) });
  if (req.method === 'HEAD') {
    await file.close();
    res.end();
    return;
  }
  const stream = createReadStream('', { fd: file, autoClose: true });
  stream.once('error', () => res.destroy());
  res.once('close', () => stream.destroy());
  stream.pipe(res);
}
