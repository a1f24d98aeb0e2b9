import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Emulator } from '@ace-rx/emulator';
import { guideSources, parseChannels, type Gateway, type GatewayStatus } from '@ace-rx/gateway';
import { deadPort, fastEmulator, fetchText, gatewayFor, view, waitFor } from './helpers.js';

/** An XMLTV guide of `n` programmes (some 100 bytes each). */
function guideXml(tag: string, n = 50): string {
  const programmes = Array.from({ length: n }, (_, i) => `  <programme start="2026120${i % 10}000000 +0000" stop="2026120${i % 10}010000 +0000" channel="sky.uk"><title>${tag} ${i}</title></programme>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<tv generator-info-name="${tag}">\n  <channel id="sky.uk"><display-name>Sky News</display-name></channel>\n${programmes.join('\n')}\n</tv>\n`;
}

/** What the guide server answers at a path: a body (gzipped or not), an error status, a redirect, or nothing (it hangs). */
type Answer = { body: string; gzip?: 'file' | 'encoding'; etag?: string } | { status: number; body?: string } | { redirect: string } | 'hang';

/** A guide server on 127.0.0.1 whose answers the test changes as it goes; it records every path asked. */
class GuideServer {
  readonly answers = new Map<string, Answer>();
  readonly asked: string[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.asked.push(req.url ?? '');
      const answer = this.answers.get(req.url ?? '') ?? { status: 404 };
      if (answer === 'hang') {
        this.hanging.add(res);
        res.once('close', () => this.hanging.delete(res));
        return;
      }
      if ('redirect' in answer) return void res.writeHead(302, { Location: answer.redirect }).end();
      if ('status' in answer) return void res.writeHead(answer.status).end(answer.body);
      if (answer.etag !== undefined && req.headers['if-none-match'] === answer.etag) return void res.writeHead(304).end();
      const body = answer.gzip === undefined ? Buffer.from(answer.body) : gzipSync(answer.body);
      res.writeHead(200, { 'Content-Type': answer.gzip === 'file' ? 'application/gzip' : 'application/xml', ...(answer.gzip === 'encoding' ? { 'Content-Encoding': 'gzip' } : {}), ...(answer.etag === undefined ? {} : { ETag: answer.etag }) });
      res.end(body);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests still held open by a `hang` answer. */
  get held(): number {
    return this.hanging.size;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }
}

async function bytesOf(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const viewer = view(url, { headers });
  const res = await viewer.response;
  return { status: res.statusCode ?? 0, headers: res.headers, body: await viewer.done };
}

async function statusOf(base: string): Promise<GatewayStatus> {
  return JSON.parse((await fetchText(`${base}/status`)).body) as GatewayStatus;
}

describe('the guide (EPG)', () => {
  let engine: Emulator;
  let guides: GuideServer;
  let cacheDir: string;
  const gateways: Gateway[] = [];

  beforeEach(async () => {
    engine = await fastEmulator();
    guides = await new GuideServer().start();
    cacheDir = mkdtempSync(join(tmpdir(), 'ace-rx-epg-'));
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await guides.close();
    await engine.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const start = async (options: Parameters<typeof gatewayFor>[1] = {}) => {
    const started = await gatewayFor([engine], { epgCacheDir: cacheDir, ...options });
    gateways.push(started.gateway);
    return started;
  };

  it('reads the sources: --epg first, else url-tvg (else x-tvg-url) split at commas, http(s) only', () => {
    const list = parseChannels('#EXTM3U url-tvg="http://a.example/1.xml.gz, https://b.example/2.xml,/etc/passwd,http://a.example/1.xml.gz" x-tvg-url="http://c.example/x.xml"\n');
    expect(guideSources(list, undefined)).toEqual(['http://a.example/1.xml.gz', 'https://b.example/2.xml']);
    expect(guideSources(list, ' /srv/guide.xml ')).toEqual(['/srv/guide.xml']);
    expect(guideSources(parseChannels('#EXTM3U x-tvg-url="http://c.example/x.xml"\n'), undefined)).toEqual(['http://c.example/x.xml']);
    expect(guideSources(parseChannels('#EXTM3U\n'), undefined)).toEqual([]);
  });

  it('fetches a plain guide, caches it on disk, serves it as /epg.xml and /epg.xml.gz with length and validators, and the playlist points at it', async () => {
    const xml = guideXml('plain');
    guides.answers.set('/guide.xml', { body: xml });
    const channels = parseChannels(`#EXTM3U url-tvg="${guides.url('/guide.xml')}" tvg-shift="1"\n#EXTINF:-1 tvg-id="sky.uk",Sky News\nacestream://chan0\n`);
    const { gateway, base } = await start({ channels });
    const status = await gateway.refreshGuide();
    expect(status).toMatchObject({ sources: [guides.url('/guide.xml')], from: 'channels', source: guides.url('/guide.xml'), ok: true, fetching: false, bytes: Buffer.byteLength(xml) });
    expect(Date.parse(status!.nextFetchAt!) - Date.now()).toBeGreaterThan(3.9 * 3600_000);

    const plain = await bytesOf(`${base}/epg.xml`);
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe(xml);
    expect(plain.headers['content-type']).toBe('application/xml');
    expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(xml)));
    expect(plain.headers['last-modified']).toMatch(/GMT$/);
    const etag = plain.headers.etag!;
    expect((await bytesOf(`${base}/epg.xml`, { 'If-None-Match': etag })).status).toBe(304);
    // A player that takes gzip gets it, and the same guide once unpacked.
    const encoded = await bytesOf(`${base}/epg.xml`, { 'Accept-Encoding': 'gzip, deflate' });
    expect(encoded.headers['content-encoding']).toBe('gzip');
    expect(encoded.headers.etag).not.toBe(etag);
    expect(gunzipSync(encoded.body).toString()).toBe(xml);
    const gz = await bytesOf(`${base}/epg.xml.gz`);
    expect(gz.headers['content-type']).toBe('application/gzip');
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect(Number(gz.headers['content-length'])).toBe(status!.gzipBytes);
    expect(gunzipSync(gz.body).toString()).toBe(xml);
    // On disk: the guide, its gzip and what is known of it; no temporary file left.
    expect(readdirSync(join(cacheDir)).sort()).toEqual([expect.stringMatching(/^epg-[0-9a-f]{16}\.json$/), expect.stringMatching(/^epg-[0-9a-f]{16}\.xml$/), expect.stringMatching(/^epg-[0-9a-f]{16}\.xml\.gz$/)]);
    // The playlist's header points at the gateway's guide; its other attributes stay.
    expect((await fetchText(`${base}/playlist.m3u`)).body.split('\n')[0]).toBe(`#EXTM3U tvg-shift="1" url-tvg="${base}/epg.xml" x-tvg-url="${base}/epg.xml"`);
    expect((await statusOf(base)).epg).toMatchObject({ ok: true, source: guides.url('/guide.xml') });
  });

  it('unpacks a gzip guide (a .gz file or Content-Encoding), follows a redirect on its server, and sends the source its ETag back (304 keeps the guide)', async () => {
    const xml = guideXml('gzipped', 400);
    guides.answers.set('/guide.xml.gz', { body: xml, gzip: 'file', etag: '"v1"' });
    guides.answers.set('/moved', { redirect: '/guide.xml.gz' });
    const { gateway, base } = await start({ epg: guides.url('/moved') });
    expect(await gateway.refreshGuide()).toMatchObject({ ok: true, from: 'epg', bytes: Buffer.byteLength(xml) });
    expect((await bytesOf(`${base}/epg.xml`)).body.toString()).toBe(xml);
    expect(guides.asked).toEqual(['/moved', '/guide.xml.gz']);
    // The source says nothing changed: the guide stays, its fetch time moves.
    const first = gateway.status().epg!.fetchedAt!;
    await new Promise((r) => setTimeout(r, 5));
    expect(await gateway.refreshGuide()).toMatchObject({ ok: true, bytes: Buffer.byteLength(xml) });
    expect(gateway.status().epg!.fetchedAt! > first).toBe(true);
    expect((await bytesOf(`${base}/epg.xml`)).body.toString()).toBe(xml);

    guides.answers.set('/encoded.xml', { body: xml, gzip: 'encoding' });
    const other = await start({ epg: guides.url('/encoded.xml') });
    expect(await other.gateway.refreshGuide()).toMatchObject({ ok: true, bytes: Buffer.byteLength(xml) });
    expect((await bytesOf(`${other.base}/epg.xml`)).body.toString()).toBe(xml);
  });

  it('keeps the last guide when a fetch fails (an error status, a page that is no guide, too large, too slow) and says why in /status', async () => {
    const xml = guideXml('good');
    guides.answers.set('/guide.xml', { body: xml });
    const { gateway, base } = await start({ epg: guides.url('/guide.xml'), epgTimeoutMs: 300, epgMaxBytes: 64 * 1024 });
    const good = await gateway.refreshGuide();
    expect(good!.ok).toBe(true);

    const failures: [Answer, RegExp][] = [
      [{ status: 500, body: 'oops' }, /^HTTP 500 Internal Server Error from http:\/\/127\.0\.0\.1:\d+\/guide\.xml$/],
      [{ body: '<!doctype html><html><body>Not here</body></html>' }, /not an XMLTV guide/],
      [{ body: guideXml('huge', 2_000) }, /larger than 65536 bytes/],
      ['hang', /no guide within 300 ms/],
      // The same guide server by another name is another server: a redirect there is not followed.
      [{ redirect: guides.url('/guide.xml').replace('127.0.0.1', 'localhost') }, /redirected to another server \(http:\/\/localhost:\d+\): a guide is fetched from its configured server only/],
    ];
    for (const [answer, why] of failures) {
      guides.answers.set('/guide.xml', answer);
      const status = await gateway.refreshGuide();
      expect(status).toMatchObject({ ok: false, source: guides.url('/guide.xml'), fetchedAt: good!.fetchedAt, bytes: good!.bytes });
      expect(status!.error).toMatch(why);
      // Tried again in 10 minutes, not in 4 hours.
      expect(Date.parse(status!.nextFetchAt!) - Date.now()).toBeLessThan(601_000);
      expect((await bytesOf(`${base}/epg.xml`)).body.toString()).toBe(xml);
      expect((await statusOf(base)).epg).toMatchObject({ ok: false, error: status!.error });
    }
    // The fetch that timed out hung up.
    await waitFor(() => guides.held === 0, 5_000, 'the timed-out request to end');
  });

  it('a new gateway serves the cached guide before its own fetch ends; with no cache, /epg.xml is 503 until then', async () => {
    const xml = guideXml('cached');
    guides.answers.set('/guide.xml', { body: xml });
    const first = await start({ epg: guides.url('/guide.xml') });
    await first.gateway.refreshGuide();
    await first.gateway.close();

    guides.answers.set('/guide.xml', 'hang');
    const second = await start({ epg: guides.url('/guide.xml') });
    const served = await bytesOf(`${second.base}/epg.xml`);
    expect(served.status).toBe(200);
    expect(served.body.toString()).toBe(xml);
    expect(second.gateway.status().epg).toMatchObject({ fetching: true, ok: false, source: guides.url('/guide.xml') });
    await waitFor(() => guides.held === 1, 5_000, 'the second gateway\'s fetch');
    // Closing ends the fetch that hangs: no socket or timer is left behind.
    const closing = performance.now();
    await second.gateway.close();
    expect(performance.now() - closing).toBeLessThan(1_000);
    await waitFor(() => guides.held === 0, 5_000, 'the aborted fetch to hang up');

    // Another source has no cache: 503 until its first fetch ends.
    guides.answers.set('/other.xml', 'hang');
    const third = await start({ epg: guides.url('/other.xml') });
    const waiting = await fetchText(`${third.base}/epg.xml`);
    expect(waiting.status).toBe(503);
    expect(JSON.parse(waiting.body)).toMatchObject({ error: 'NO_GUIDE' });
    expect(waiting.headers['retry-after']).toBe('30');
  });

  it('fetches only its configured source (no URL of a request reaches a fetch), tries the header\'s URLs in order, and follows a reload to a new url-tvg', async () => {
    const dead = await deadPort();
    guides.answers.set('/a.xml', { body: guideXml('a') });
    guides.answers.set('/b.xml', { body: guideXml('b') });
    const header = (urls: string) => parseChannels(`#EXTM3U url-tvg="${urls}"\n#EXTINF:-1,One\nacestream://chan0\n`);
    const { gateway, base } = await start({ channels: header(`http://127.0.0.1:${dead}/down.xml, ${guides.url('/a.xml')}`) });
    const status = await gateway.refreshGuide();
    expect(status).toMatchObject({ ok: true, source: guides.url('/a.xml') });
    expect(guides.asked).toEqual(['/a.xml']);
    // Requests naming other URLs change nothing: the gateway fetches what it was told only.
    for (const path of [`/epg.xml?url=${encodeURIComponent(guides.url('/b.xml'))}`, `/epg.xml.gz?src=${guides.url('/b.xml')}`, `/epg.xml/${guides.url('/b.xml')}`]) await fetchText(`${base}${path}`);
    expect(guides.asked).toEqual(['/a.xml']);
    expect((await fetchText(`${base}/epg.xml`)).body).toContain('generator-info-name="a"');

    // A reload whose header names another guide switches to it.
    gateway.setChannels(header(guides.url('/b.xml')));
    expect(await gateway.refreshGuide()).toMatchObject({ ok: true, source: guides.url('/b.xml'), sources: [guides.url('/b.xml')] });
    expect((await fetchText(`${base}/epg.xml`)).body).toContain('generator-info-name="b"');
    // A reload while a fetch hangs aborts it and fetches the new source.
    guides.answers.set('/slow.xml', 'hang');
    gateway.setChannels(header(guides.url('/slow.xml')));
    await waitFor(() => guides.held === 1, 5_000, 'the fetch of /slow.xml');
    expect(gateway.status().epg).toMatchObject({ fetching: true, sources: [guides.url('/slow.xml')], source: guides.url('/b.xml') });
    gateway.setChannels(header(guides.url('/a.xml')));
    expect(await gateway.refreshGuide()).toMatchObject({ ok: true, source: guides.url('/a.xml') });
    await waitFor(() => guides.held === 0, 5_000, 'the aborted fetch of /slow.xml to hang up');
    expect((await fetchText(`${base}/epg.xml`)).body).toContain('generator-info-name="a"');
    // A header with no guide: none is served, and the playlist keeps no url-tvg of ours.
    gateway.setChannels(header(''));
    expect((await fetchText(`${base}/epg.xml`)).status).toBe(404);
    expect(gateway.status().epg).toBeUndefined();
    expect((await fetchText(`${base}/playlist.m3u`)).body).not.toContain('/epg.xml');
  });

  it('reads a guide from a file (--epg FILE), gzip or plain; a missing file is an error in /status', async () => {
    const xml = guideXml('file');
    const file = join(cacheDir, 'given.xml.gz');
    writeFileSync(file, gzipSync(xml));
    const { gateway, base } = await start({ epg: file, epgCacheDir: join(cacheDir, 'cache') });
    expect(await gateway.refreshGuide()).toMatchObject({ ok: true, from: 'epg', source: file, bytes: Buffer.byteLength(xml) });
    expect((await fetchText(`${base}/epg.xml`)).body).toBe(xml);
    rmSync(file);
    expect((await gateway.refreshGuide())!.error).toBe(`no such file: ${file}`);
    expect((await fetchText(`${base}/epg.xml`)).body).toBe(xml);
  });
});
