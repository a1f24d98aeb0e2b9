import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import type { Emulator } from '@ace-rx/emulator';
import { formatLogEvent, InvalidGatewayOption, startGateway, tcpBackend, type Gateway } from '@ace-rx/gateway';
import { fastEmulator, fetchText, gatewayFor, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;
let fake: Server | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  if (fake !== undefined) await new Promise<void>((r) => fake!.close(() => r()));
  gateway = engine = fake = undefined;
});

describe('what a request may carry', () => {
  it('refuses a port that is not an integer 0-65535, and an empty host, with a typed error before listening', async () => {
    const engines = [tcpBackend({ port: 1 })];
    for (const port of ['abc', '0', -1, 70_000, 1.5, Number.NaN] as unknown[]) {
      const started = startGateway({ engines, port: port as number });
      await expect(started).rejects.toBeInstanceOf(InvalidGatewayOption);
      await expect(started).rejects.toMatchObject({ option: 'port', code: 'INVALID_GATEWAY_OPTION' });
    }
    for (const host of ['', 'a b', './sock']) await expect(startGateway({ engines, port: 0, host })).rejects.toMatchObject({ option: 'host' });
    await expect(startGateway({ engines: [], port: 0 })).rejects.toMatchObject({ option: 'engines' });
  });

  it('answers a malformed escape in an HLS segment URL, and two ids, with 400', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const segment = await fetchText(`${g.base}/ace/hls/%ZZ/1.ts`);
    expect(segment.status).toBe(400);
    expect(JSON.parse(segment.body)).toMatchObject({ error: 'BAD_REQUEST' });
    // A well-formed escape of an unknown session is still a plain 404.
    expect((await fetchText(`${g.base}/ace/hls/id%3Achan0/1.ts`)).status).toBe(404);
    for (const query of ['id=chan0&id=chan1', 'id=chan0&id=chan0', `infohash=${'a'.repeat(40)}&infohash=${'b'.repeat(40)}`]) {
      expect((await fetchText(`${g.base}/ace/getstream?${query}`)).status).toBe(400);
      expect((await fetchText(`${g.base}/ace/manifest.m3u8?${query}`)).status).toBe(400);
    }
    expect(engine.sessions).toHaveLength(0);
  });

  it('takes the Bearer scheme in any case, and answers 401 before 405 when a token is set', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { token: 's3cret' });
    gateway = g.gateway;
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) expect((await fetchText(`${g.base}/status`, { Authorization: `${scheme} s3cret` })).status).toBe(200);
    expect((await fetchText(`${g.base}/status`, { Authorization: 'Basic s3cret' })).status).toBe(401);
    expect((await fetchText(`${g.base}/status`, { Authorization: 'bearer wrong' })).status).toBe(401);
    expect((await fetchText(`${g.base}/status`, {}, 'POST')).status).toBe(401);
    expect((await fetchText(`${g.base}/status`, { Authorization: 'bearer s3cret' }, 'POST')).status).toBe(405);
  });

  it('stamps every log event with its time, and formatLogEvent prints it first', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const before = Date.now();
    const viewer = await fetchText(`${g.base}/ace/getstream?id=does-not-exist`);
    expect(viewer.status).toBe(404);
    await waitFor(() => g.events.length > 0, 5_000, 'a log event');
    for (const event of g.events) {
      expect(Date.parse(event.at)).toBeGreaterThanOrEqual(before - 1);
      expect(event.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(formatLogEvent(event)).toBe(`${event.at} ${event.message}`);
    }
  });
});

describe('/healthz', () => {
  it('probes the engine once for many concurrent requests, and again only after healthCacheMs', async () => {
    let connections = 0;
    fake = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => fake!.listen(0, '127.0.0.1', r));
    const port = (fake.address() as { port: number }).port;
    // A cache longer than the test: 100 requests at once (the first ones arrive while the
    // probe is in flight, which they share) make one engine connection.
    gateway = await startGateway({ engines: [tcpBackend({ port })], port: 0, healthCacheMs: 60_000 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetchText(`http://127.0.0.1:${gateway!.port}/healthz`)));
    expect(answers.every((a) => a.status === 200 && JSON.parse(a.body).ok === true)).toBe(true);
    await waitFor(() => connections >= 1, 5_000, 'the probe');
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(1);
    await gateway.close();
    // A short cache: a new probe once it is over, and then /healthz sees the engine gone.
    gateway = await startGateway({ engines: [tcpBackend({ port })], port: 0, healthCacheMs: 200 });
    const base = `http://127.0.0.1:${gateway.port}`;
    expect((await fetchText(`${base}/healthz`)).status).toBe(200);
    await waitFor(() => connections === 2, 5_000, 'a second probe');
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetchText(`${base}/healthz`)).status).toBe(200);
    await waitFor(() => connections === 3, 5_000, 'a third probe');
    await new Promise<void>((r) => fake!.close(() => r()));
    fake = undefined;
    await new Promise((r) => setTimeout(r, 300));
    const down = await fetchText(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ ok: false, engines: [{ reachable: false }] });
  });
});
