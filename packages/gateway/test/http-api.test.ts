import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY, type Emulator } from '@ace-rx/emulator';
import { playBackend, startGateway, tcpBackend, type Gateway } from '@ace-rx/gateway';
import { fastEmulator, fetchText, view, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

describe.each(['http', 'auto'] as const)('the play() backend, api %s', (api) => {
  const start = async () => {
    engine = await fastEmulator();
    gateway = await startGateway({
      engines: [playBackend({ api, port: engine.port, httpPort: engine.httpPort, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 5_000 })],
      port: 0,
      lingerMs: 50,
    });
    return `http://127.0.0.1:${gateway.port}`;
  };

  it('serves a live channel to two viewers from one engine session', async () => {
    const base = await start();
    const a = view(`${base}/ace/getstream?id=chan0`, { maxBytes: 256 * 1024 });
    const b = view(`${base}/ace/getstream?id=chan0`, { maxBytes: 256 * 1024 });
    const [ra, rb] = await Promise.all([a.response, b.response]);
    expect([ra.statusCode, rb.statusCode]).toEqual([200, 200]);
    const [ba, bb] = await Promise.all([a.done, b.done]);
    expect(ba[0]).toBe(0x47);
    expect(bb[0]).toBe(0x47);
    expect(gateway!.status().streams).toHaveLength(1);
    await waitFor(() => gateway!.status().streams.length === 0, 5_000, 'the linger to end the stream');
  });

  it('unknown content is 404, a broken one 502', async () => {
    const base = await start();
    const unknown = await fetchText(`${base}/ace/getstream?id=nothing-here`);
    expect(unknown.status).toBe(404);
    const broken = await fetchText(`${base}/ace/getstream?id=broken`);
    expect(broken.status).toBe(502);
    expect(JSON.parse(broken.body).message).toMatch(/no seeds/);
  });
});

describe("HLS proxied from the engine (hls: 'engine')", () => {
  it('/ace/manifest.m3u8 shares one engine HLS session, with segment URLs on the gateway; idle sessions stop', async () => {
    engine = await fastEmulator();
    const events: string[] = [];
    gateway = await startGateway({
      engines: [playBackend({ api: 'http', port: engine.port, httpPort: engine.httpPort, startTimeoutMs: 5_000 })],
      port: 0,
      hlsIdleMs: 300,
      hls: 'engine',
      logger: (e) => events.push(e.event),
    });
    const base = `http://127.0.0.1:${gateway.port}`;
    const first = await fetchText(`${base}/ace/manifest.m3u8?id=chan0`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    const uris = first.body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) expect(uri).toMatch(/^\/ace\/hls\/id%3Achan0\/\d+\.ts$/);
    expect(first.body).not.toContain(`:${engine.httpPort}`);
    const second = await fetchText(`${base}/ace/manifest.m3u8?id=chan0`);
    expect(second.status).toBe(200);
    const segment = view(`${base}${uris[0]!}`);
    const res = await segment.response;
    expect(res.statusCode).toBe(200);
    const bytes = await segment.done;
    expect(bytes.length % 188).toBe(0);
    expect(bytes[0]).toBe(0x47);
    expect(events.filter((e) => e === 'session-start')).toHaveLength(1);
    expect((await fetchText(`${base}/ace/hls/id%3Achan0/999999.ts`)).status).toBe(404);
    await waitFor(() => events.includes('session-stop'), 5_000, 'the idle HLS session to stop');
  });

  it('answers 501 when no engine speaks the HTTP API', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [tcpBackend({ port: engine.port, productKey: DEFAULT_PRODUCT_KEY })], port: 0, hls: 'engine' });
    const r = await fetchText(`http://127.0.0.1:${gateway.port}/ace/manifest.m3u8?id=chan0`);
    expect(r.status).toBe(501);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'HLS_UNAVAILABLE' });
  });
});
