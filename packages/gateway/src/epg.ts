import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { createGzip, createGunzip } from 'node:zlib';
import type { ChannelList } from './channels.js';
import { messageOf } from './http.js';
import type { Log } from './log.js';

/**
 * Where `ace-rx serve` keeps what it fetched (the guide) when no directory is given:
 * `$XDG_CACHE_HOME/ace-rx`, else `%LOCALAPPDATA%\ace-rx` on Windows,
 * `~/Library/Caches/ace-rx` on macOS, `~/.cache/ace-rx` elsewhere.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg !== '') return join(xdg, 'ace-rx');
  if (platform === 'win32' && env['LOCALAPPDATA']) return join(env['LOCALAPPDATA'], 'ace-rx');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'ace-rx');
  return join(homedir(), '.cache', 'ace-rx');
}

/**
 * The guide sources of a gateway, in the order they are tried: `epg` when given (a URL or
 * a file), else the channels header's `url-tvg` (else `x-tvg-url`), split at commas, its
 * `http(s)` URLs only (a channels file never makes the gateway read a local file).
 */
export function guideSources(list: ChannelList, epg: string | undefined): readonly string[] {
  if (epg !== undefined && epg.trim() !== '') return [epg.trim()];
  const header = list.header['url-tvg'] ?? list.header['x-tvg-url'] ?? '';
  const urls = header.split(',').map((u) => u.trim()).filter((u) => /^https?:\/\/[^\s]+$/i.test(u));
  return [...new Set(urls)];
}

/** How a gateway fetches and keeps its guide (XMLTV). */
export interface GuideSettings {
  /** `--epg`: a URL or a file; without it the channels header names the guide. */
  readonly epg: string | undefined;
  /** Directory of the cached guides (made when first needed). */
  readonly cacheDir: string;
  /** Time between fetches after a good one. */
  readonly refreshMs: number;
  /** Time before another try after a failed fetch (at most `refreshMs`). */
  readonly retryMs: number;
  /** A fetch (redirects and body included) taking longer fails. */
  readonly timeoutMs: number;
  /** A guide larger than this (unpacked) fails its fetch. */
  readonly maxBytes: number;
}

/** The guide in `/status`. */
export interface GuideStatus {
  /** The sources tried in order (the `--epg` value, or the channels header's URLs). */
  readonly sources: readonly string[];
  /** Where the guide comes from: `epg` (the option) or `channels` (the header of the channels file). */
  readonly from: 'epg' | 'channels';
  /** The source of the guide served now, if one is. */
  readonly source: string | undefined;
  /** Whether the last fetch succeeded (`false` before the first one ends). */
  readonly ok: boolean;
  /** Why the last fetch failed. */
  readonly error?: string;
  /** A fetch runs now. */
  readonly fetching: boolean;
  /** When the guide served now was fetched (ISO 8601); none before the first one. */
  readonly fetchedAt?: string;
  /** When the last fetch ended, good or not. */
  readonly checkedAt?: string;
  /** Bytes of the guide served now (`/epg.xml`), and of its gzip (`/epg.xml.gz`). */
  readonly bytes?: number;
  /** Bytes of `/epg.xml.gz`. */
  readonly gzipBytes?: number;
  /** When the next fetch starts. */
  readonly nextFetchAt?: string;
}

/** A cached guide: its files and where it came from. */
export interface CachedGuide {
  /** The source it was fetched from. */
  readonly source: string;
  /** The XMLTV file. */
  readonly xmlPath: string;
  /** The same, gzipped. */
  readonly gzPath: string;
  /** When it was fetched (ms since the epoch). */
  readonly fetchedAt: number;
  /** Its size, unpacked. */
  readonly bytes: number;
  /** Its gzip's size. */
  readonly gzipBytes: number;
}

/** What a cache's `.json` holds beside the guide. */
interface CacheMeta {
  readonly source: string;
  readonly fetchedAt: number;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The source's validators, sent back on the next fetch (304: nothing to read). */
  readonly etag?: string;
  readonly lastModified?: string;
}

const MAX_REDIRECTS = 5;
/** Bytes at the start of a guide in which its `<tv` element must show. */
const SNIFF_BYTES = 64 * 1024;

/** A fetch's failure, with the message `/status` shows. */
class FetchFailed extends Error {}

/**
 * The guide of a gateway: fetched from its configured source only (no URL from a request
 * ever reaches a fetch), at start and every `refreshMs`, kept on disk so that a restart
 * serves the last one at once, and kept when a fetch fails.
 *
 * Only the configured URL's server is ever asked: a fetch follows up to five redirects on
 * that same server (scheme, host and port), and fails on one to another (say a CDN, or an
 * address inside the network: give the URL it points to instead). No URL from a request
 * ever reaches a fetch. It reads a
 * gzip or a plain body (by its first bytes), gives up past `timeoutMs` or `maxBytes`
 * unpacked, and refuses a body that is no XMLTV (no `<tv` in its first 64 KiB: an error
 * page does not replace a good guide). It sends the source's `ETag` and `Last-Modified`
 * back: a 304 keeps the guide as it is.
 */
export class Guide {
  private sources: readonly string[] = [];
  private current: CachedGuide | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  /** The sources the fetch running was started for. */
  private runningFor: readonly string[] | undefined;
  private abort: AbortController | undefined;
  private closed = false;
  private ok = false;
  private error: string | undefined;
  private checkedAt: number | undefined;
  private nextAt: number | undefined;

  constructor(
    private readonly settings: GuideSettings,
    private readonly log: Log,
  ) {}

  /** Whether a guide is configured (an `--epg`, or a channels header with a guide URL). */
  get configured(): boolean {
    return this.sources.length > 0;
  }

  /** The guide served now, if any. */
  get served(): CachedGuide | undefined {
    return this.current;
  }

  /**
   * Takes the guide sources of `list` (or `epg`): when they changed, the cached guide of
   * the new sources (if any) is served and a fetch starts; when none is cached, the last
   * guide stays served until the new one comes. No sources: nothing is served.
   */
  configure(list: ChannelList): void {
    if (this.closed) return;
    const sources = guideSources(list, this.settings.epg);
    if (sources.length === this.sources.length && sources.every((s, i) => s === this.sources[i])) return;
    this.sources = sources;
    this.ok = false;
    this.error = undefined;
    this.abort?.abort(new FetchFailed('the guide source changed'));
    clearTimeout(this.timer);
    this.nextAt = undefined;
    if (sources.length === 0) {
      this.current = undefined;
      return;
    }
    const cached = sources.map((s) => this.readCache(s)).find((c) => c !== undefined);
    if (cached !== undefined) this.current = cached;
    void this.refresh();
  }

  /** Fetches the guide now (or joins the fetch running), then schedules the next one. */
  refresh(): Promise<void> {
    if (this.closed || this.sources.length === 0) return Promise.resolve();
    if (this.running !== undefined) {
      // A fetch of sources since replaced is being aborted: the new ones are fetched after it.
      return this.runningFor === this.sources ? this.running : this.running.then(() => this.refresh());
    }
    clearTimeout(this.timer);
    const sources = this.sources;
    this.runningFor = sources;
    const run = this.fetchAll(sources).finally(() => {
      this.running = undefined;
      this.runningFor = undefined;
      if (this.closed) return;
      // The sources changed while it ran: fetch the new ones now.
      if (sources !== this.sources) return void this.refresh();
      const delay = this.ok ? this.settings.refreshMs : Math.min(this.settings.retryMs, this.settings.refreshMs);
      this.nextAt = Date.now() + delay;
      this.timer = setTimeout(() => void this.refresh(), delay);
      this.timer.unref();
    });
    this.running = run;
    return run;
  }

  /** What `/status` shows; none when no guide is configured. */
  status(): GuideStatus | undefined {
    if (this.sources.length === 0) return undefined;
    const c = this.current;
    return {
      sources: this.sources,
      from: this.settings.epg === undefined ? 'channels' : 'epg',
      source: c?.source,
      ok: this.ok,
      ...(this.error === undefined ? {} : { error: this.error }),
      fetching: this.running !== undefined,
      ...(c === undefined ? {} : { fetchedAt: new Date(c.fetchedAt).toISOString(), bytes: c.bytes, gzipBytes: c.gzipBytes }),
      ...(this.checkedAt === undefined ? {} : { checkedAt: new Date(this.checkedAt).toISOString() }),
      ...(this.nextAt === undefined ? {} : { nextFetchAt: new Date(this.nextAt).toISOString() }),
    };
  }

  /** Stops fetching: the timer is cleared and a fetch running is aborted (and awaited). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort?.abort(new FetchFailed('the gateway closes'));
    await this.running?.catch(() => undefined);
  }

  private async fetchAll(sources: readonly string[]): Promise<void> {
    const errors: string[] = [];
    for (const source of sources) {
      if (this.closed || sources !== this.sources) return;
      const abort = new AbortController();
      this.abort = abort;
      try {
        const fetched = await this.fetchOne(source, abort);
        if (sources !== this.sources) return;
        this.current = fetched;
        this.ok = true;
        this.error = undefined;
        this.checkedAt = Date.now();
        this.log({ event: 'epg-fetch' }, `guide from ${source}: ${fetched.bytes} bytes`);
        return;
      } catch (error) {
        const reason = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason.message : messageOf(error);
        errors.push(sources.length === 1 ? reason : `${source}: ${reason}`);
      } finally {
        if (this.abort === abort) this.abort = undefined;
      }
    }
    if (this.closed || sources !== this.sources) return;
    this.ok = false;
    this.error = errors.join('; ');
    this.checkedAt = Date.now();
    this.log({ event: 'epg-error', reason: this.error }, `guide fetch failed (${this.current === undefined ? 'no guide to serve yet' : 'the last guide stays served'}): ${this.error}`);
  }

  private paths(source: string) {
    const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const base = join(this.settings.cacheDir, `epg-${key}`);
    return { xml: `${base}.xml`, gz: `${base}.xml.gz`, meta: `${base}.json`, tmp: `${base}.${process.pid}.${Date.now()}.tmp` };
  }

  private readMeta(source: string): CacheMeta | undefined {
    try {
      const meta = JSON.parse(readFileSync(this.paths(source).meta, 'utf8')) as Partial<CacheMeta>;
      if (meta.source !== source || typeof meta.fetchedAt !== 'number' || typeof meta.bytes !== 'number' || typeof meta.gzipBytes !== 'number') return undefined;
      return meta as CacheMeta;
    } catch {
      return undefined;
    }
  }

  private readCache(source: string): CachedGuide | undefined {
    const meta = this.readMeta(source);
    if (meta === undefined) return undefined;
    const { xml, gz } = this.paths(source);
    return { source, xmlPath: xml, gzPath: gz, fetchedAt: meta.fetchedAt, bytes: meta.bytes, gzipBytes: meta.gzipBytes };
  }

  /** Fetches `source` into the cache; resolves with the guide now cached. */
  private async fetchOne(source: string, abort: AbortController): Promise<CachedGuide> {
    const signal = abort.signal;
    const timer = setTimeout(() => abort.abort(new FetchFailed(`no guide within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
    timer.unref();
    const p = this.paths(source);
    const previous = this.readMeta(source);
    try {
      await mkdir(this.settings.cacheDir, { recursive: true });
      const isUrl = /^https?:\/\//i.test(source);
      let body: Readable;
      let validators: { etag?: string; lastModified?: string } = {};
      if (isUrl) {
        const response = await download(source, signal, previous !== undefined && (previous.etag !== undefined || previous.lastModified !== undefined) ? previous : undefined);
        if (response === 'not-modified') {
          const kept = this.readCache(source);
          if (kept !== undefined && (await exists(kept.xmlPath)) && (await exists(kept.gzPath))) {
            const fetchedAt = Date.now();
            await writeFile(p.meta, JSON.stringify({ ...previous, fetchedAt }));
            return { ...kept, fetchedAt };
          }
          throw new FetchFailed('304 Not Modified, and the cached guide is gone');
        }
        body = response.body;
        validators = response.validators;
      } else {
        body = createReadStream(source, { signal });
      }
      const xmlTmp = `${p.tmp}.xml`;
      const gzTmp = `${p.tmp}.xml.gz`;
      try {
        const bytes = await writeGuide(body, xmlTmp, this.settings.maxBytes, signal);
        await pipeline(createReadStream(xmlTmp), createGzip(), createWriteStream(gzTmp), { signal });
        const gzipBytes = (await stat(gzTmp)).size;
        await rename(xmlTmp, p.xml);
        await rename(gzTmp, p.gz);
        const fetchedAt = Date.now();
        const meta: CacheMeta = { source, fetchedAt, bytes, gzipBytes, ...validators };
        await writeFile(p.meta, JSON.stringify(meta));
        return { source, xmlPath: p.xml, gzPath: p.gz, fetchedAt, bytes, gzipBytes };
      } finally {
        await rm(xmlTmp, { force: true });
        await rm(gzTmp, { force: true });
      }
    } catch (error) {
      if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
      if (error instanceof FetchFailed) throw error;
      const code = (error as { code?: unknown }).code;
      throw new FetchFailed(code === 'ENOENT' && !/^https?:/i.test(source) ? `no such file: ${source}` : messageOf(error));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Whether `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** GETs `url`, following up to {@link MAX_REDIRECTS} redirects on its own server (a redirect elsewhere fails); 304 when `previous`'s validators still hold. */
async function download(url: string, signal: AbortSignal, previous: { etag?: string; lastModified?: string } | undefined): Promise<'not-modified' | { body: IncomingMessage; validators: { etag?: string; lastModified?: string } }> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'User-Agent': 'ace-rx gateway (EPG)', 'Accept-Encoding': 'gzip', Accept: 'application/xml, text/xml, application/gzip, */*' };
    if (previous?.etag !== undefined) headers['If-None-Match'] = previous.etag;
    if (previous?.lastModified !== undefined) headers['If-Modified-Since'] = previous.lastModified;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const get = target.protocol === 'https:' ? httpsGet : httpGet;
      const req = get(target, { agent: false, headers, signal }, resolve);
      req.once('error', reject);
    });
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new FetchFailed(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(res.headers.location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FetchFailed(`a redirect to ${next.protocol} (http and https only)`);
      // The configured server only: a channels file's url-tvg must not reach other hosts
      // (one inside the network, say) through a redirect.
      if (next.origin !== new URL(url).origin) throw new FetchFailed(`redirected to another server (${next.origin}): a guide is fetched from its configured server only; give the URL ${next.href}`);
      target = next;
      continue;
    }
    if (status === 304) {
      res.resume();
      return 'not-modified';
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new FetchFailed(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${target.href}`);
    }
    const etag = res.headers.etag;
    const lastModified = res.headers['last-modified'];
    return { body: res, validators: { ...(etag === undefined ? {} : { etag }), ...(lastModified === undefined ? {} : { lastModified }) } };
  }
}

/** Unpacks up to two gzip layers (a `.gz` file sent with `Content-Encoding: gzip` has two), told apart by their first bytes. */
async function* unpacked(chunks: AsyncIterable<Buffer>, layers = 2): AsyncGenerator<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done === true) break;
    head = Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  if (layers > 0 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    // An error on either side destroys both: the iteration below throws it.
    pipelineCallback(Readable.from(rest()), gunzip, () => undefined);
    yield* unpacked(gunzip, layers - 1);
  } else {
    yield* rest();
  }
}

/** Writes the unpacked guide of `body` to `path`; fails past `maxBytes` or when it is no XMLTV. Resolves with its size. */
async function writeGuide(body: Readable, path: string, maxBytes: number, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  let sniffed = '';
  let checked = false;
  const check = () => {
    checked = true;
    const text = sniffed.replace(/^\uFEFF/, '').trimStart();
    if (!text.startsWith('<') || !/<tv[\s>/]/.test(text)) throw new FetchFailed('not an XMLTV guide (no <tv> element at its start)');
  };
  async function* guarded(): AsyncGenerator<Buffer> {
    for await (const chunk of unpacked(body)) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new FetchFailed(`the guide is larger than ${maxBytes} bytes`);
      if (!checked) {
        sniffed += chunk.toString('latin1');
        if (sniffed.length >= SNIFF_BYTES) check();
      }
      yield chunk;
    }
    if (!checked) check();
  }
  try {
    await pipeline(Readable.from(guarded()), createWriteStream(path), { signal });
  } finally {
    body.destroy();
  }
  return bytes;
}
