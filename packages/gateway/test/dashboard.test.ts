// The dashboard (`/`) and the player (`/watch`) in a real browser: Debian's chromium,
// headless, driven by playwright-core, against a gateway and an emulator in this process.
// One browser for every test of the file. Screenshots go to test-artifacts/ at the root of
// the clone (git-ignored). Skipped, saying so, where /usr/bin/chromium (or CHROMIUM_PATH)
// is missing: CI installs it before the tests.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@ace-rx/emulator';
import { parseChannels, tcpBackend, type Gateway } from '@ace-rx/gateway';
import type { BrowserContext, Page } from 'playwright-core';
import { deadPort, fastEmulator, fetchText, gatewayFor } from './helpers.js';

// The few DOM names the functions run in the page use (the test program has no DOM lib;
// declared here, in this module only).
interface PageElement {
  readonly hidden: boolean;
  readonly textContent: string | null;
  readonly tagName: string;
  readonly className: string;
  readonly naturalWidth: number;
  readonly currentTime: number;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): { readonly right: number; readonly width: number };
  getVideoPlaybackQuality(): { readonly totalVideoFrames: number };
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getElementById(id: string): PageElement | null;
  readonly documentElement: { readonly scrollWidth: number };
};

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard.test.ts skipped: no chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`);

// A logo as a data: URL (the machine has no internet), one that fails (initials instead),
// a channel whose first source fails (it plays from its backup), and a name that would be
// markup if written as HTML.
const LOGO = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><rect width="48" height="48" rx="8" fill="#2563eb"/><text x="24" y="31" font-size="18" text-anchor="middle" fill="#fff" font-family="sans-serif">N1</text></svg>')}`;
const CHANNELS_FILE = [
  '#EXTM3U url-tvg="http://127.0.0.1:9/epg.xml"',
  `#EXTINF:-1 tvg-id="news.one" tvg-logo="${LOGO}" group-title="News",News One`,
  'acestream://nothing-here',
  '#EXTINF:-1 tvg-id="news.one" group-title="News",News One (backup)',
  'acestream://chan1',
  '#EXTINF:-1 tvg-id="sport.two" tvg-logo="http://127.0.0.1:9/sport.png" group-title="Sport",Sport Two — the very long name of a channel in HD',
  'acestream://chan2',
  '#EXTINF:-1 group-title="Music",<b>Music</b> & more',
  'acestream://chan3',
  '',
].join('\n');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

/** What the page's video has played: seconds, and frames decoded. */
async function playback(page: Page): Promise<{ time: number; frames: number; error?: string }> {
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    const error = document.getElementById('player-error')!;
    return { time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames, ...(error.hidden ? {} : { error: error.textContent ?? '' }) };
  });
}

async function playsPast(page: Page, seconds: number, frames: number, ms: number): Promise<{ time: number; frames: number }> {
  const deadline = Date.now() + ms;
  let last = await playback(page);
  while (!(last.time > seconds && last.frames > frames)) {
    if (last.error !== undefined) throw new Error(`the page shows an error: ${last.error}`);
    if (Date.now() > deadline) throw new Error(`played ${last.time} s, ${last.frames} frames after ${ms} ms`);
    await page.waitForTimeout(100);
    last = await playback(page);
  }
  return last;
}

(haveChromium ? describe : describe.skip)('the dashboard in headless Chromium', () => {
  let engine: Emulator;
  let gateway: Gateway;
  let base: string;
  let userData: string;
  let context: BrowserContext;
  /** Page errors and CSP refusals, for every page of the file. */
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    userData = mkdtempSync(join(tmpdir(), 'ace-rx-chromium-'));
    const { chromium } = await import('playwright-core');
    // A new, empty profile each run (launchPersistentContext), as the closed network needs.
    [context, engine] = await Promise.all([chromium.launchPersistentContext(userData, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 860 } }), fastEmulator({ media: { bitrate: 2_000_000 } })]);
    ({ gateway, base } = await gatewayFor([engine], { channels: parseChannels(CHANNELS_FILE), lingerMs: 5_000 }));
    context.on('page', (page) => {
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
      });
    });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await gateway?.close();
    await engine?.close();
    if (userData !== undefined) rmSync(userData, { recursive: true, force: true });
  });

  it('plays /watch?id=live through mpegts.js: past 2 s with more than 20 frames decoded; the dashboard then lists the channels and the running stream', async () => {
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${base}/watch?id=live`);
    const played = await playsPast(page, 2, 20, 20_000);
    console.log(`dashboard: /watch?id=live played ${played.time.toFixed(2)} s, ${played.frames} frames, ${Date.now() - started} ms after the page was asked for`);
    expect(await page.textContent('#player-mode')).toContain('mpegts.js');

    // The running stream, with its engine and viewer, in a card with a chart.
    const card = page.locator('.card[data-key="id:live"]');
    await card.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('.card .u-over').length > 0 && /Mbit\/s/.test(document.querySelector('.card dd:nth-of-type(1)')?.closest('dl')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const text = (await card.textContent()) ?? '';
    expect(text).toContain(engine.port.toString());
    expect(text).toMatch(/Viewers\s*1/);
    expect(text).toMatch(/\d(\.\d)? Mbit\/s/);
    expect(await page.textContent('#engines')).toContain('in service');
    // The footer links the tuner; the guide once /status has one (this file's url-tvg: unreachable, but configured).
    expect(await page.locator('#link-tuner').getAttribute('href')).toBe('/discover.json');
    await page.locator('#link-guide').waitFor({ state: 'visible', timeout: 5_000 });

    // The channels, by group, with the logo, the initials where a logo fails, and names as text.
    const tiles = page.locator('.tile');
    expect(await tiles.count()).toBe(3);
    const names = await page.locator('.tile-name').allTextContents();
    expect(names).toEqual(['News One', 'Sport Two — the very long name of a channel in HD', '<b>Music</b> & more']);
    expect(await page.locator('.group h3').allTextContents()).toEqual(['News', 'Sport', 'Music']);
    expect(await page.locator('.tile[data-slug="news.one"] .tile-meta').textContent()).toContain('2 sources');
    await page.waitForFunction(() => document.querySelector('.tile[data-slug="sport.two"] .initials') !== null, undefined, { timeout: 5_000 });
    const logo = await page.locator('.tile[data-slug="news.one"] img').evaluate((img: PageElement) => ({ w: img.naturalWidth, box: img.getBoundingClientRect().width }));
    expect(logo.box).toBe(48);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('at phone width (390 px): no sideways scrolling, and a click on a channel plays it at its stable URL', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await page.locator('.tile[data-slug="sport.two"]').click();
    expect(new URL(page.url()).search).toBe('?channel=sport.two');
    await playsPast(page, 1, 10, 20_000);
    expect(await page.textContent('#player-name')).toBe('Sport Two — the very long name of a channel in HD');
    // The stream's card names the channel once /status shows it (its `channel` field), else its key.
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 2, undefined, { timeout: 10_000 });
    expect(await page.textContent('.card[data-key="channel:sport.two"] .card-title')).toBe('Sport Two — the very long name of a channel in HD');
    expect(await page.locator('.tile.running').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    // Nothing wider than the screen (text cut with an ellipsis inside its box is fine).
    const wide = await page.evaluate(() => [...document.querySelectorAll('.tile, .card, .player, .engine, .top, .foot, video')].filter((e) => e.getBoundingClientRect().right > 390).map((e) => `${e.tagName}.${e.className}`));
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  }, 60_000);

  it("plays a channel whose first source fails through the gateway's HLS with hls.js (&hls=1), in dark mode; its card says which source failed", async () => {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}/watch?channel=news.one&hls=1`);
    const played = await playsPast(page, 1, 10, 20_000);
    console.log(`dashboard: /watch?channel=news.one&hls=1 played ${played.time.toFixed(2)} s, ${played.frames} frames`);
    expect(await page.textContent('#player-mode')).toContain('hls.js');
    await page.waitForFunction(() => /HLS/.test(document.querySelector('.card[data-key="channel:news.one"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const failed = page.locator('.card[data-key="channel:news.one"] .sources li.failed');
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toMatch(/nothing-here.*not found/is);
    expect(await page.textContent('.card[data-key="channel:news.one"]')).toContain('chan1');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark-hls.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('plays a film (an MP4, not MPEG-TS) with the browser itself once mpegts.js says it is no transport stream', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/watch?id=1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d`);
    await playsPast(page, 1, 10, 20_000);
    expect(await page.textContent('#player-mode')).toBe('file · the browser');
    // A file has no HLS: no link to switch to it.
    expect(await page.locator('#player-switch').isHidden()).toBe(true);
    await page.close();
  }, 60_000);

  it('shows why a stream cannot play: 404 for unknown content, 503 with no engine; a token guards the pages and goes with every request they make', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/watch?id=no-such-content`);
    await page.locator('#player-error').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.textContent('#player-error')).toMatch(/^Unknown content/);
    await page.close();

    const dead = await gatewayFor([], { engines: [tcpBackend({ port: await deadPort() })], token: 's3cret' });
    try {
      const plain = await fetchText(`${dead.base}/`);
      expect(plain.status).toBe(401);
      const locked = await context.newPage();
      const asked: string[] = [];
      locked.on('request', (r) => {
        if (r.url().startsWith(dead.base)) asked.push(r.url());
      });
      await locked.goto(`${dead.base}/watch?id=live&token=s3cret`);
      await locked.locator('#player-error').waitFor({ state: 'visible', timeout: 15_000 });
      expect(await locked.textContent('#player-error')).toMatch(/^The gateway cannot start this now/);
      await locked.waitForFunction(() => /stream/.test(document.getElementById('summary')?.textContent ?? ''), undefined, { timeout: 5_000 });
      expect(asked.length).toBeGreaterThan(5);
      expect(asked.filter((u) => new URL(u).searchParams.get('token') !== 's3cret')).toEqual([]);
      await locked.screenshot({ path: join(ARTIFACTS, 'watch-error.png') });
      await locked.close();
    } finally {
      await dead.gateway.close();
    }
  }, 60_000);

  it('serves only its own assets, with types, caching and a Content-Security-Policy; no page error or CSP refusal on any page', async () => {
    const page = await fetchText(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const app = await fetchText(`${base}/ui/app.js`);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.headers['cache-control']).toBe('no-cache');
    const again = await fetchText(`${base}/ui/app.js`, { 'If-None-Match': String(app.headers.etag) });
    expect(again.status).toBe(304);
    const lib = await fetchText(`${base}/ui/mpegts.js`, { 'Accept-Encoding': 'gzip' });
    expect(lib.headers['content-encoding']).toBe('gzip');
    expect(lib.headers['cache-control']).toContain('max-age=');
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/index.html', '/ui/', '/ui/constructor', '/ui/app.js/x']) expect((await fetchText(`${base}${path}`)).status).toBe(404);
    const channels = JSON.parse((await fetchText(`${base}/channels.json`)).body) as { channels: { slug: string; urls: { ts: string } }[] };
    expect(channels.channels.map((c) => c.slug).slice(0, 2)).toEqual(['news.one', 'sport.two']);
    expect(channels.channels).toHaveLength(3);
    expect(channels.channels[0]!.urls.ts).toBe(`${base}/channel/news.one.ts`);
    expect(problems).toEqual([]);
  });
});
