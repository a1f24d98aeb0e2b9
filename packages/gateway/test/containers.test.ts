// A gateway in front of an engine in a container: the engine writes a host the gateway
// cannot reach (its container name, a bridge address) into every URL it gives out. The
// emulator plays such an engine with `advertiseHost`; `engine.invalid` never resolves,
// so any request made to the written host fails, and these streams prove none is.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY, fileBytes, type Emulator } from '@ace-rx/emulator';
import { playBackend, startGateway, tcpBackend, type EngineBackend, type Gateway } from '@ace-rx/gateway';
import { fastEmulator, fetchText, view, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

const BACKENDS: readonly { readonly name: string; readonly backend: (e: Emulator) => EngineBackend }[] = [
  { name: 'tcpBackend', backend: (e) => tcpBackend({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 10_000 }) },
  { name: "playBackend on the TCP API (the client's play())", backend: (e) => playBackend({ api: 'tcp', port: e.port, httpPort: e.httpPort, startTimeoutMs: 10_000 }) },
  { name: 'playBackend on the HTTP API', backend: (e) => playBackend({ api: 'http', port: e.port, httpPort: e.httpPort, startTimeoutMs: 10_000 }) },
];

/** Bytes of the catalogue's `series` film, as the engine serves them. */
const seriesBytes = (e: Emulator) => Buffer.from(fileBytes(e.catalogue.all().find((c) => c.playerId === 'series')!, 0));

describe.each(['engine.invalid', '172.17.0.2:6878'])('a gateway in front of an engine that writes %s into its URLs', (advertiseHost) => {
  describe.each(BACKENDS)('$name', ({ backend }) => {
    it('streams a live channel as MPEG-TS, and stops the engine session after the viewer leaves', async () => {
      engine = await fastEmulator({ advertiseHost });
      const events: string[] = [];
      gateway = await startGateway({ engines: [backend(engine)], port: 0, lingerMs: 100, logger: (e) => events.push(e.event) });
      const viewer = view(`http://127.0.0.1:${gateway.port}/ace/getstream?id=chan0`, { maxBytes: 188 * 2_000 });
      const res = await viewer.response;
      expect(res.statusCode).toBe(200);
      const bytes = await viewer.done;
      expect(bytes.length).toBe(188 * 2_000);
      for (let at = 0; at < bytes.length; at += 188) expect(bytes[at]).toBe(0x47);
      await waitFor(() => events.includes('session-stop'), 5_000, 'the engine session to stop');
      await waitFor(() => gateway!.status().streams.length === 0, 5_000, 'no stream left');
    });

    it('serves a film by Range: 206 with exactly those bytes', async () => {
      engine = await fastEmulator({ advertiseHost });
      gateway = await startGateway({ engines: [backend(engine)], port: 0, lingerMs: 2_000 });
      const url = `http://127.0.0.1:${gateway.port}/ace/getstream?id=series`;
      const reference = seriesBytes(engine);
      const from = 1_000_000;
      const to = 1_250_000;
      const part = view(url, { headers: { Range: `bytes=${from}-${to}` } });
      const res = await part.response;
      expect(res.statusCode).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${from}-${to}/${reference.length}`);
      expect((await part.done).equals(reference.subarray(from, to + 1))).toBe(true);
    });
  });

  it("proxies the engine's own HLS (hls: 'engine'): its segment URLs, written on the other host, are fetched from the engine", async () => {
    engine = await fastEmulator({ advertiseHost });
    gateway = await startGateway({
      engines: [playBackend({ api: 'http', port: engine.port, httpPort: engine.httpPort, startTimeoutMs: 5_000 })],
      port: 0,
      hls: 'engine',
      hlsIdleMs: 300,
    });
    const base = `http://127.0.0.1:${gateway.port}`;
    const manifest = await fetchText(`${base}/ace/manifest.m3u8?id=chan0`);
    expect(manifest.status).toBe(200);
    const uris = manifest.body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) expect(uri).toMatch(/^\/ace\/hls\/id%3Achan0\/\d+\.ts$/);
    const segment = view(`${base}${uris[0]!}`);
    expect((await segment.response).statusCode).toBe(200);
    const bytes = await segment.done;
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.length % 188).toBe(0);
    expect(bytes[0]).toBe(0x47);
  });
});
