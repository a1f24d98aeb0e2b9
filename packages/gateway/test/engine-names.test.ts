// Engines by name (engineNames): each address a name resolves to is an engine; the name is
// resolved again every engineRefreshMs, an address that appears is added and one that
// disappears is drained (its streams go on, it takes no new one, it is removed when they end).
// The resolver is injected: its "addresses" stand for emulators on 127.0.0.1.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY, type Emulator } from '@ace-rx/emulator';
import { startGateway, tcpBackend, type Gateway, type GatewayLogEvent } from '@ace-rx/gateway';
import { fastEmulator, fetchText, starts, view, waitFor } from './helpers.js';

let engines: Emulator[] = [];
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await Promise.all(engines.map((e) => e.close()));
  gateway = undefined;
  engines = [];
});

describe('engines by name', () => {
  it('adds the addresses a name gains, drains those it loses, and keeps them when the resolver fails', async () => {
    engines = [await fastEmulator(), await fastEmulator()];
    const [a, b] = engines as [Emulator, Emulator];
    const byAddress = new Map([['10.0.0.1', a], ['10.0.0.2', b]]);
    let answer: string[] | Error = ['10.0.0.1'];
    const asked: string[] = [];
    const events: GatewayLogEvent[] = [];
    gateway = await startGateway({
      engines: [],
      engineNames: [{ name: 'engines.test', backendFor: (address) => ({ ...tcpBackend({ port: byAddress.get(address)!.port, productKey: DEFAULT_PRODUCT_KEY }), name: `engine ${address}` }) }],
      resolveEngineName: async (name) => {
        asked.push(name);
        if (answer instanceof Error) throw answer;
        return answer;
      },
      engineRefreshMs: 100,
      port: 0,
      lingerMs: 100,
      logger: (e) => events.push(e),
    });
    const base = `http://127.0.0.1:${gateway.port}`;
    // Resolved before the gateway listens.
    expect(gateway.status().engines).toEqual([{ name: 'engine 10.0.0.1', up: true, streams: 0, draining: false }]);
    expect(asked[0]).toBe('engines.test');
    const health = JSON.parse((await fetchText(`${base}/healthz`)).body);
    expect(health).toMatchObject({ ok: true, engines: [{ name: 'engine 10.0.0.1', reachable: true }] });

    const first = view(`${base}/ace/getstream?id=chan0`);
    await waitFor(() => first.received() > 100_000, 10_000, 'bytes from the first engine');
    expect(starts(a)).toBe(1);

    // The name now resolves to the other address: the first engine drains, the second takes new streams.
    answer = ['10.0.0.2'];
    await waitFor(() => gateway!.status().engines.length === 2, 2_000, 'the new address added');
    expect(gateway.status().engines).toEqual([
      { name: 'engine 10.0.0.1', up: true, streams: 1, draining: true },
      { name: 'engine 10.0.0.2', up: true, streams: 0, draining: false },
    ]);
    const second = view(`${base}/ace/getstream?id=chan1`);
    await waitFor(() => second.received() > 100_000, 10_000, 'bytes from the second engine');
    expect(starts(b)).toBe(1);
    expect(starts(a)).toBe(1);
    // The first viewer goes on reading from the drained engine.
    const before = first.received();
    await waitFor(() => first.received() > before + 100_000, 5_000, 'more bytes from the draining engine');
    expect(JSON.parse((await fetchText(`${base}/status`)).body).engines).toHaveLength(2);

    // Its last viewer leaves: after the linger its session stops and it is removed.
    first.close();
    await waitFor(() => gateway!.status().engines.length === 1, 5_000, 'the drained engine removed');
    expect(gateway.status().engines[0]).toMatchObject({ name: 'engine 10.0.0.2', streams: 1 });

    // A resolver failure keeps what is known; an address that comes back is added anew.
    answer = new Error('SERVFAIL');
    const asks = asked.length;
    await waitFor(() => asked.length > asks + 1, 2_000, 'two more resolutions');
    expect(gateway.status().engines.map((e) => e.name)).toEqual(['engine 10.0.0.2']);
    answer = ['10.0.0.2', '10.0.0.1', '10.0.0.1'];
    await waitFor(() => gateway!.status().engines.length === 2, 2_000, 'the address back');
    expect(gateway.status().engines.every((e) => !e.draining)).toBe(true);
    second.close();

    const logged = events.filter((e) => e.event === 'engine-add' || e.event === 'engine-remove').map((e) => `${e.event} ${e.engine}`);
    expect(logged).toEqual(['engine-add engine 10.0.0.1', 'engine-add engine 10.0.0.2', 'engine-remove engine 10.0.0.1', 'engine-remove engine 10.0.0.1', 'engine-add engine 10.0.0.1']);
    expect(events.some((e) => e.message.includes('cannot resolve engines.test (SERVFAIL)'))).toBe(true);
  });

  it('an address that returns while its engine still drains is taken back, not added twice', async () => {
    engines = [await fastEmulator()];
    let answer = ['10.0.0.1'];
    gateway = await startGateway({
      engines: [],
      engineNames: [{ name: 'engines.test', backendFor: () => tcpBackend({ port: engines[0]!.port, productKey: DEFAULT_PRODUCT_KEY }) }],
      resolveEngineName: async () => answer,
      engineRefreshMs: 100,
      port: 0,
      lingerMs: 100,
    });
    const viewer = view(`http://127.0.0.1:${gateway.port}/ace/getstream?id=chan2`);
    await waitFor(() => viewer.received() > 50_000, 10_000, 'bytes');
    answer = [];
    await waitFor(() => gateway!.status().engines[0]?.draining === true, 2_000, 'the engine draining');
    answer = ['10.0.0.1'];
    await waitFor(() => gateway!.status().engines[0]?.draining === false, 2_000, 'the engine back');
    expect(gateway.status().engines).toHaveLength(1);
    viewer.close();
  });

  it('a resolver that never answers holds up neither the start nor later refreshes: it fails after the refresh interval (5 s at most)', async () => {
    engines = [await fastEmulator()];
    let hang = true;
    const events: GatewayLogEvent[] = [];
    const started = performance.now();
    gateway = await startGateway({
      engines: [],
      engineNames: [{ name: 'slow.test', backendFor: () => tcpBackend({ port: engines[0]!.port, productKey: DEFAULT_PRODUCT_KEY }) }],
      resolveEngineName: (name) => (hang ? new Promise<string[]>(() => undefined) : Promise.resolve(name === 'slow.test' ? ['10.0.0.9'] : [])),
      engineRefreshMs: 200,
      port: 0,
      logger: (e) => events.push(e),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(events.some((e) => /cannot resolve slow\.test \(no answer within 200 ms\)/.test(e.message))).toBe(true);
    // Refreshes go on: once it answers, the engine is there.
    hang = false;
    await waitFor(() => gateway!.status().engines.length === 1, 3_000, 'the engine once the name resolves');
  });

  it('needs engines or engineNames', async () => {
    await expect(startGateway({ engines: [], port: 0 })).rejects.toThrow(/engineNames/);
  });
});
