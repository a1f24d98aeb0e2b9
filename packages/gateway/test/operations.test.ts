import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import type { Emulator } from '@ace-rx/emulator';
import { parseChannels, type Gateway } from '@ace-rx/gateway';
import { fastEmulator, fetchText, gatewayFor, starts, view, waitFor } from './helpers.js';

const channelsFile = new URL('./fixtures/channels.m3u', import.meta.url);
let engines: Emulator[] = [];
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await Promise.all(engines.map((e) => e.close()));
  gateway = undefined;
  engines = [];
});

/** Prometheus text → `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe('status, metrics, health', () => {
  it('/status and /metrics show streams, viewers and bytes; /healthz says the engine is reachable', async () => {
    engines = [await fastEmulator()];
    const g = await gatewayFor(engines);
    gateway = g.gateway;
    const viewers = [view(`${g.base}/ace/getstream?id=chan0`), view(`${g.base}/ace/getstream?id=chan0`)];
    await Promise.all(viewers.map((v) => v.response));
    await waitFor(() => viewers.every((v) => v.received() > 300_000), 10_000, 'bytes to both viewers');
    await waitFor(() => gateway!.status().streams[0]?.engineStats?.state === 'dl', 10_000, 'a STATUS dl');
    const status = JSON.parse((await fetchText(`${g.base}/status`)).body);
    expect(status).toMatchObject({ viewers: 2, engines: [{ up: true, streams: 1 }] });
    expect(status.streams).toHaveLength(1);
    expect(status.streams[0]).toMatchObject({ key: 'id:chan0', state: 'playing', viewers: 2, engineStats: { state: 'dl' } });
    expect(status.streams[0].engineStats.peers).toBeGreaterThanOrEqual(0);
    expect(status.streams[0].bytesIn).toBeGreaterThan(300_000);
    expect(status.bytesOut).toBeGreaterThan(600_000);

    await fetchText(`${g.base}/nowhere`);
    const metricsResponse = await fetchText(`${g.base}/metrics`);
    expect(metricsResponse.headers['content-type']).toMatch(/^text\/plain/);
    const metrics = parseMetrics(metricsResponse.body);
    expect(metrics.get('acerx_gateway_active_streams')).toBe(1);
    expect(metrics.get('acerx_gateway_active_viewers')).toBe(2);
    expect(metrics.get('acerx_gateway_bytes_in_total')).toBeGreaterThan(300_000);
    expect(metrics.get('acerx_gateway_bytes_out_total')).toBeGreaterThan(600_000);
    expect(metrics.get('acerx_gateway_http_requests_total{route="status",status="200"}')).toBe(1);
    expect(metrics.get('acerx_gateway_http_requests_total{route="other",status="404"}')).toBe(1);
    expect(metrics.get('acerx_gateway_ttfb_seconds_count')).toBe(2);
    expect(metrics.get('acerx_gateway_engine_sessions_total')).toBe(1);
    // Its own registry: nothing of prom-client's global one (no process_ metrics).
    expect([...metrics.keys()].some((k) => k.startsWith('process_'))).toBe(false);

    const health = await fetchText(`${g.base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, engines: [{ reachable: true }] });
    viewers.forEach((v) => v.close());
  });
});

describe('playlist', () => {
  it('/playlist.m3u lists each channel once at its own URL on the gateway, with the Host the player used, and that URL plays', async () => {
    engines = [await fastEmulator()];
    const channels = parseChannels(readFileSync(channelsFile, 'utf8'));
    const g = await gatewayFor(engines, { channels });
    gateway = g.gateway;
    const r = await fetchText(`${g.base}/playlist.m3u`, { Host: 'tv.lan:8080' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/mpegurl/);
    expect(r.body).toBe(
      [
        '#EXTM3U',
        '#EXTINF:-1 tvg-id="chan0.tv" tvg-logo="http://logos.example/0.png" group-title="Sport",Channel Zero HD',
        'http://tv.lan:8080/channel/chan0.tv.ts',
        '#EXTINF:-1 group-title="News",Новости 24',
        'http://tv.lan:8080/channel/24.ts',
        '#EXTINF:-1,By infohash',
        'http://tv.lan:8080/channel/by-infohash.ts',
        '#EXTINF:-1,chan2',
        'http://tv.lan:8080/channel/chan2.ts',
        '',
      ].join('\n'),
    );
    // A Host header that is not a host falls back to the gateway's own address.
    const odd = await fetchText(`${g.base}/playlist.m3u`, { Host: 'evil"host' });
    expect(odd.body).toContain(`http://127.0.0.1:${gateway.port}/channel/chan0.tv.ts`);
    expect(engines[0]!.sessions).toHaveLength(0);
    // The channel URL plays its content; a viewer of the same content by id shares its engine session.
    const byChannel = view(`${g.base}/channel/chan0.tv.ts`, { maxBytes: 64 * 1024 });
    const byId = view(`${g.base}/ace/getstream?id=chan0`, { maxBytes: 64 * 1024 });
    expect((await byChannel.done).length).toBe(64 * 1024);
    expect((await byId.done).length).toBe(64 * 1024);
    expect(engines[0]!.sessions).toHaveLength(1);
    expect((await fetchText(`${g.base}/channel/nope.ts`)).status).toBe(404);
  });

  it('builds /playlist.m3u once per base URL and token, and anew after setChannels', async () => {
    engines = [await fastEmulator()];
    const g = await gatewayFor(engines, { channels: parseChannels('#EXTINF:-1,A\nacestream://chan0\n') });
    gateway = g.gateway;
    const first = await fetchText(`${g.base}/playlist.m3u`);
    expect(first.body).toContain('/channel/a.ts');
    gateway.setChannels(parseChannels('#EXTINF:-1,B\nacestream://chan1\n'));
    const second = await fetchText(`${g.base}/playlist.m3u`);
    expect(second.body).toContain('/channel/b.ts');
    expect(second.body).not.toContain('/channel/a.ts');
    expect(gateway.channels.channels.map((c) => c.slug)).toEqual(['b']);
  });

  it('carries the token in playlist entries when one is set', async () => {
    engines = [await fastEmulator()];
    const g = await gatewayFor(engines, { channels: parseChannels('acestream://chan0\n'), token: 't0k' });
    gateway = g.gateway;
    const r = await fetchText(`${g.base}/playlist.m3u?token=t0k`);
    expect(r.body).toContain(`${g.base}/channel/chan0.ts?token=t0k`);
  });
});

describe('health with a token', () => {
  it('/healthz answers a probe without the token (balancers send none) with its status only; with the token, the engines too', async () => {
    engines = [await fastEmulator()];
    const g = await gatewayFor(engines, { token: 't0k' });
    gateway = g.gateway;
    const open = await fetchText(`${g.base}/healthz`);
    expect(open.status).toBe(200);
    expect(JSON.parse(open.body)).toEqual({ ok: true });
    const full = await fetchText(`${g.base}/healthz?token=t0k`);
    expect(JSON.parse(full.body)).toMatchObject({ ok: true, engines: [{ reachable: true }] });
    // Everything else still needs it.
    expect((await fetchText(`${g.base}/status`)).status).toBe(401);
    expect((await fetchText(`${g.base}/metrics`)).status).toBe(401);
  });
});

describe('several engines', () => {
  it('puts each new stream on the least-loaded engine, and moves a lost engine\'s streams to another', async () => {
    engines = [await fastEmulator(), await fastEmulator()];
    const [a, b] = engines as [Emulator, Emulator];
    const g = await gatewayFor(engines, { retry: { attempts: 3, delayMs: 50, maxDelayMs: 100 } });
    gateway = g.gateway;
    const one = view(`${g.base}/ace/getstream?id=chan0`);
    await one.response;
    const two = view(`${g.base}/ace/getstream?id=chan1`);
    await two.response;
    expect([starts(a), starts(b)]).toEqual([1, 1]);
    await waitFor(() => one.received() > 100_000 && two.received() > 100_000, 10_000, 'bytes on both');
    // Engine a goes away for good: its stream is retried on b while the viewer stays.
    await a.close();
    await waitFor(() => starts(b) === 2, 10_000, 'the stream moved to b');
    const after = one.received();
    await waitFor(() => one.received() > after + 300_000, 10_000, 'bytes from b');
    const status = gateway.status();
    expect(status.engines.map((e) => e.up)).toEqual([false, true]);
    expect(status.streams.every((s) => s.engine === status.engines[1]!.name)).toBe(true);
    // A new stream goes to the engine still up.
    const three = view(`${g.base}/ace/getstream?id=chan2`);
    expect((await three.response).statusCode).toBe(200);
    expect(starts(b)).toBe(3);
    [one, two, three].forEach((v) => v.close());
    engines = [b];
  });
});

const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

describe('a real player', () => {
  (ffmpeg ? it : it.skip)('ffmpeg decodes 3 s of the live channel through the gateway', async () => {
    engines = [await fastEmulator()];
    const g = await gatewayFor(engines);
    gateway = g.gateway;
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-i', `${g.base}/ace/getstream?id=live`, '-t', '3', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect({ code, tail: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, tail: '' });
    expect(stderr).toMatch(/Video:/);
  });
  if (!ffmpeg) it('ffmpeg is not on PATH: the real-player test is skipped', () => console.warn('ffmpeg not on PATH: skipping the ffmpeg test'));
});
