import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { sendBody, sendJson } from '../http.js';
import { channelUrl, jsonArrayPieces } from '../playlist.js';
import { publicBase } from './base.js';
import type { GatewayContext } from './context.js';

// The dashboard (`/`) and the player (`/watch`) are plain HTML, CSS and ES modules in the
// package's `web/` folder, beside the three libraries' own dist files: no build step. Only
// the files named below are served, so no request path ever reaches the file system.

const require = createRequire(import.meta.url);
/** `web/` of the package: `src/routes/` and `dist/routes/` both sit two levels below it. */
const WEB = new URL('../../web/', import.meta.url);

/** An asset: where it is read from, its type, and whether it is a library's versioned file (cached for a day) or the page's own (revalidated each time). */
interface AssetSpec {
  readonly file: () => string | URL;
  readonly type: string;
  readonly library: boolean;
}

/** Every asset `/ui/<name>` may serve: nothing else is ever read. */
const ASSETS: Readonly<Record<string, AssetSpec>> = {
  'app.js': { file: () => new URL('app.js', WEB), type: 'text/javascript; charset=utf-8', library: false },
  'app.css': { file: () => new URL('app.css', WEB), type: 'text/css; charset=utf-8', library: false },
  'mpegts.js': { file: () => require.resolve('mpegts.js/dist/mpegts.js'), type: 'text/javascript; charset=utf-8', library: true },
  'hls.js': { file: () => require.resolve('hls.js/dist/hls.light.min.js'), type: 'text/javascript; charset=utf-8', library: true },
  'uplot.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8', library: true },
  'uplot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8', library: true },
};

/** The names under `/ui/` the gateway serves. */
export const DASHBOARD_ASSETS: readonly string[] = Object.keys(ASSETS);

/**
 * The pages' Content-Security-Policy: scripts, styles, data and media from the gateway
 * only (media also from the `blob:` URLs of Media Source); channel logos from anywhere,
 * as the channels file names them.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src * data:',
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A file read once: its bytes, gzipped bytes and ETag. */
interface Loaded {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

const loaded = new Map<string, Promise<Loaded>>();

function load(name: string, spec: AssetSpec): Promise<Loaded> {
  let file = loaded.get(name);
  if (file === undefined) {
    file = readFile(spec.file()).then((body) => ({ body, gzip: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }));
    // A failed read is tried again on the next request.
    file.catch(() => loaded.delete(name));
    loaded.set(name, file);
  }
  return file;
}

function send(req: IncomingMessage, res: ServerResponse, file: Loaded, headers: Record<string, string>): void {
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, { ETag: file.etag, 'Cache-Control': headers['Cache-Control'] ?? 'no-cache' }).end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzip : file.body;
  res.writeHead(200, { ...headers, ETag: file.etag, Vary: 'Accept-Encoding', 'Content-Length': String(body.length), 'X-Content-Type-Options': 'nosniff', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** `GET /ui/<name>`: one of {@link DASHBOARD_ASSETS}, else 404. */
export async function serveAsset(_ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const spec = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (spec === undefined) return sendJson(res, 404, { error: 'NOT_FOUND', message: `no asset ${name}` });
  const file = await load(name, spec);
  send(req, res, file, { 'Content-Type': spec.type, 'Cache-Control': spec.library ? 'public, max-age=86400' : 'no-cache' });
}

/**
 * `GET /` and `GET /watch`: the one page of the dashboard; its script shows the player
 * when the URL names content (`/watch?id=…`, `?channel=…`, `?infohash=…`). With an access
 * token, the asset URLs carry it (the page's script passes it on to every API and stream
 * URL it uses, and nowhere else).
 */
export async function servePage(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const page = await load('index.html', { file: () => new URL('index.html', WEB), type: 'text/html', library: false });
  const token = ctx.settings.token;
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  // The token is the requester's own (it passed the check): it goes back only into this page's asset URLs.
  const html = page.body.toString('utf8').replaceAll('{{query}}', query.replaceAll('&', '&amp;').replaceAll('"', '&quot;'));
  const body = Buffer.from(html);
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** One channel in `/channels.json`. */
export interface ChannelSummary {
  /** Its stable URL name. */
  readonly slug: string;
  /** Display name. */
  readonly name: string;
  /** Number in the lineup, from 1. */
  readonly number: number;
  /** Logo URL, when the file gives one. */
  readonly logo?: string;
  /** Group, when the file gives one. */
  readonly group?: string;
  /** Its `tvg-id`, when the file gives one. */
  readonly tvgId?: string;
  /** How many sources it has (the first plays; the others are backups). */
  readonly sources: number;
  /** Its MPEG-TS and HLS URLs on the gateway as the client reached it (with the token, when one is set). */
  readonly urls: { readonly ts: string; readonly m3u8: string };
}

/** `GET /channels.json`: the channels served now, for the dashboard; built once per base URL until the channels change (as `/playlist.m3u`). */
export async function serveChannels(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const base = publicBase(req, ctx.listening);
  const token = ctx.settings.token;
  const list = ctx.lineup.list;
  const head = req.method === 'HEAD';
  const body = ctx.lists.get(list, JSON.stringify(['channels', base, token ?? null]), () =>
    jsonArrayPieces(list.channels, (c): ChannelSummary => ({
      slug: c.slug,
      name: c.name,
      number: c.number,
      ...(c.logo === undefined ? {} : { logo: c.logo }),
      ...(c.group === undefined ? {} : { group: c.group }),
      ...(c.tvgId === undefined ? {} : { tvgId: c.tvgId }),
      sources: c.sources.length,
      urls: { ts: channelUrl(base, c, 'ts', token), m3u8: channelUrl(base, c, 'm3u8', token) },
    }), 'channels'),
    head,
  );
  await sendBody(res, head, 'application/json; charset=utf-8', body, ctx.settings.stallMs);
}
