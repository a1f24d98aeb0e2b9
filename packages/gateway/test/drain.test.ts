// Draining (Gateway.drain): /healthz turns 503 at once, new viewers get 503 DRAINING with
// Retry-After, those watching go on (TS viewers, HLS players already polling) until they
// leave or the time is up, then the gateway closes and stops its engine sessions.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Emulator } from '@ace-rx/emulator';
import type { Gateway } from '@ace-rx/gateway';
import { fastEmulator, fetchText, gatewayFor, stops, view, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

describe('drain', () => {
  it('turns /healthz and new viewers away at once, lets a TS viewer and a known HLS player go on, and closes when they leave', async () => {
    engine = await fastEmulator();
    // hlsIdleMs as by default: a player that stopped asking still counts for the limits that
    // long, but a drain lets it go after three segments' silence (4 s at least).
    const g = await gatewayFor([engine], { hlsSegmentSeconds: 0.5, hlsIdleMs: 30_000 });
    gateway = g.gateway;
    const watcher = view(`${g.base}/ace/getstream?id=chan0`);
    await waitFor(() => watcher.received() > 200_000, 10_000, 'bytes to the TS viewer');
    // The HLS player joins the same stream once it has a segment: its first playlist comes at once.
    await waitFor(() => (gateway!.status().streams[0]?.hlsSegments ?? 0) > 0, 10_000, 'a first HLS segment');
    const player = { 'User-Agent': 'drain-test-player' };
    expect((await fetchText(`${g.base}/ace/manifest.m3u8?id=chan0`, player)).status).toBe(200);

    const drained = gateway.drain(10_000);
    const started = performance.now();
    const health = await fetchText(`${g.base}/healthz`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ ok: false, draining: true });
    expect(performance.now() - started).toBeLessThan(1_000);
    const status = JSON.parse((await fetchText(`${g.base}/status`)).body);
    expect(status).toMatchObject({ draining: true, viewers: 2, streams: [{ key: 'id:chan0', viewers: 1, hlsViewers: 1 }] });
    expect((await fetchText(`${g.base}/metrics`)).body).toMatch(/^acerx_gateway_draining 1$/m);

    // New viewers: a TS viewer of a running stream, of another content, HLS players not known yet.
    for (const url of [`${g.base}/ace/getstream?id=chan0`, `${g.base}/ace/getstream?id=chan2`, `${g.base}/ace/manifest.m3u8?id=chan0`, `${g.base}/ace/manifest.m3u8?id=chan1`]) {
      const refused = await fetchText(url);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'DRAINING' });
    }
    // The known player polls on, and its segments come.
    const again = await fetchText(`${g.base}/ace/manifest.m3u8?id=chan0`, player);
    expect(again.status).toBe(200);
    const segment = again.body.split('\n').find((l) => l.startsWith('/ace/hls/'))!;
    expect((await fetchText(`${g.base}${segment}`, player)).status).toBe(200);
    // The TS viewer goes on receiving.
    const before = watcher.received();
    await waitFor(() => watcher.received() > before + 200_000, 10_000, 'more bytes to the TS viewer while draining');

    // The TS viewer leaves, the HLS player stops polling: the drain ends before its 10 s.
    watcher.close();
    await drained;
    expect(performance.now() - started).toBeLessThan(9_000);
    await waitFor(() => stops(engine!) >= 1, 5_000, 'the engine session stopped');
    await expect(fetchText(`${g.base}/healthz`)).rejects.toThrow();
  });

  it('when the time is up, ends the viewers still watching and stops their engine session', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const watcher = view(`${g.base}/ace/getstream?id=chan3`);
    await waitFor(() => watcher.received() > 100_000, 10_000, 'bytes to the viewer');
    const started = performance.now();
    await gateway.drain(300);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    await watcher.done;
    await waitFor(() => stops(engine!) >= 1, 5_000, 'the engine session stopped');
    // Asked again, or closed after: nothing more happens.
    await gateway.drain(300);
    await gateway.close();
  });

  it('close() during a drain ends it at once, and the drain resolves', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const watcher = view(`${g.base}/ace/getstream?id=chan4`);
    await waitFor(() => watcher.received() > 50_000, 10_000, 'bytes to the viewer');
    const drained = gateway.drain(60_000);
    const started = performance.now();
    await gateway.close();
    await drained;
    await watcher.done;
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
