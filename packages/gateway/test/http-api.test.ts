import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY, type Emulator } from '@ace-rx/emulator';
import { playBackend, startGateway, type Gateway } from '@ace-rx/gateway';
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
