import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { Emulator } from '@ace-rx/emulator';
import { startGateway, tcpBackend, type EngineBackend, type Gateway } from '@ace-rx/gateway';
import { deadPort, fastEmulator, fetchText, gatewayFor, starts, view, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;
let server: Server | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
  }
  gateway = engine = server = undefined;
});

describe('failures answer with a status, never hang', () => {
  it('unknown content: 404 with a JSON error within the load timeout', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const r = await fetchText(`${g.base}/ace/getstream?id=nothing-here`);
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'CONTENT_NOT_FOUND' });
    expect(r.ms).toBeLessThan(2_000);
    expect(gateway.status().streams).toHaveLength(0);
    await waitFor(() => engine!.sessions.every((s) => s.isClosed), 5_000, 'the engine connection to close');
  });

  it('a content that fails to start: 502 with the engine message', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const r = await fetchText(`${g.base}/ace/getstream?id=broken`);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'START_FAILED', message: expect.stringContaining('Cannot start: no seeds available') });
    expect(r.ms).toBeLessThan(5_000);
  });

  it('an engine that is down: 503 at once', async () => {
    gateway = await startGateway({ engines: [tcpBackend({ port: await deadPort() })], port: 0 });
    const r = await fetchText(`http://127.0.0.1:${gateway.port}/ace/getstream?infohash=${'ab'.repeat(20)}`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'ENGINE_UNAVAILABLE' });
    expect(r.ms).toBeLessThan(2_000);
    const health = await fetchText(`http://127.0.0.1:${gateway.port}/healthz`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ ok: false });
  });

  it('a stream that stops sending is ended for its viewers after silenceMs, and its engine session stopped', async () => {
    // An engine whose stream sends 10 KB, then nothing: a backend over a real HTTP server.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp2t' });
      res.write(Buffer.alloc(188 * 50, 0x47));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    let stopped = 0;
    const silent: EngineBackend = {
      name: 'silent',
      probe: async () => true,
      open: () =>
        new Promise((resolve) => {
          get({ host: '127.0.0.1', port, path: '/', agent: false }, (body: IncomingMessage) =>
            resolve({ body, url: `http://127.0.0.1:${port}/`, live: true, range: () => Promise.reject(new Error('a live stream has no ranges')), stats: () => undefined, lost: new Promise(() => undefined), stop: () => (stopped++, body.destroy()) }),
          );
        }),
    };
    gateway = await startGateway({ engines: [silent], port: 0, silenceMs: 300, lingerMs: 10_000 });
    const started = Date.now();
    const viewer = view(`http://127.0.0.1:${gateway.port}/ace/getstream?id=quiet`);
    expect((await viewer.response).statusCode).toBe(200);
    const body = await viewer.done;
    expect(body.length).toBe(188 * 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stopped).toBe(1);
    expect(gateway.status().streams).toHaveLength(0);
  });

  it('an engine lost mid-stream is retried while the viewer stays connected', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { retry: { attempts: 5, delayMs: 50, maxDelayMs: 200 } });
    gateway = g.gateway;
    const viewer = view(`${g.base}/ace/getstream?id=chan3`);
    await viewer.response;
    await waitFor(() => viewer.received() > 200_000, 10_000, 'first bytes');
    await engine.restart();
    await waitFor(() => starts(engine!) === 2, 10_000, 'a second START');
    const after = viewer.received();
    await waitFor(() => viewer.received() > after + 500_000, 10_000, 'bytes after the restart');
    expect(g.events.some((e) => e.event === 'session-retry')).toBe(true);
    viewer.close();
  });

  it('an engine that does not come back: the viewers are ended after the retries', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { retry: { attempts: 2, delayMs: 50, maxDelayMs: 100 } });
    gateway = g.gateway;
    const viewer = view(`${g.base}/ace/getstream?id=chan4`);
    await viewer.response;
    await waitFor(() => viewer.received() > 100_000, 10_000, 'first bytes');
    const lost = Date.now();
    await engine.close();
    engine = undefined;
    await viewer.done;
    expect(Date.now() - lost).toBeLessThan(5_000);
    expect(g.events.filter((e) => e.event === 'session-retry')).toHaveLength(2);
    expect(g.events.find((e) => e.event === 'session-stop')).toMatchObject({ reason: expect.stringContaining('gave up after 2 retries') });
    expect(gateway.status().streams).toHaveLength(0);
  });
});

describe('limits, HEAD, tokens, routes', () => {
  it('answers limits with 503 and the limit reached', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { limits: { maxStreams: 1, maxViewersPerStream: 1 } });
    gateway = g.gateway;
    const first = view(`${g.base}/ace/getstream?id=chan0`);
    expect((await first.response).statusCode).toBe(200);
    const secondViewer = await fetchText(`${g.base}/ace/getstream?id=chan0`);
    expect(secondViewer.status).toBe(503);
    expect(JSON.parse(secondViewer.body)).toMatchObject({ error: 'AT_CAPACITY', limit: 'maxViewersPerStream' });
    const secondStream = await fetchText(`${g.base}/ace/getstream?id=chan1`);
    expect(JSON.parse(secondStream.body)).toMatchObject({ error: 'AT_CAPACITY', limit: 'maxStreams' });
    first.close();
  });

  it('answers HEAD without starting the engine', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const r = await fetchText(`${g.base}/ace/getstream?id=chan0`, {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('video/mp2t');
    expect(engine.sessions).toHaveLength(0);
    expect(gateway.status().streams).toHaveLength(0);
  });

  it('guards every URL with the token when one is set', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { token: 's3cret' });
    gateway = g.gateway;
    expect((await fetchText(`${g.base}/status`)).status).toBe(401);
    expect((await fetchText(`${g.base}/ace/getstream?id=chan0`)).status).toBe(401);
    expect((await fetchText(`${g.base}/status?token=wrong`)).status).toBe(401);
    expect((await fetchText(`${g.base}/status?token=s3cret`)).status).toBe(200);
    expect((await fetchText(`${g.base}/metrics`, { Authorization: 'Bearer s3cret' })).status).toBe(200);
    expect(engine.sessions).toHaveLength(0);
  });

  it('rejects bad requests and unknown routes with JSON, and is no open proxy', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    expect((await fetchText(`${g.base}/ace/getstream`)).status).toBe(400);
    expect((await fetchText(`${g.base}/ace/getstream?id=a&infohash=${'a'.repeat(40)}`)).status).toBe(400);
    expect((await fetchText(`${g.base}/ace/getstream?infohash=xyz`)).status).toBe(400);
    expect((await fetchText(`${g.base}/ace/getstream?id=../../etc`)).status).toBe(400);
    expect((await fetchText(`${g.base}/http://example.com/`)).status).toBe(404);
    expect((await fetchText(`${g.base}/ace/getstream?id=chan0`, {}, 'POST')).status).toBe(405);
    expect(engine.sessions).toHaveLength(0);
  });
});
