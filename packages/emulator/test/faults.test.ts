import { afterEach, describe, expect, it } from '@jest/globals';
import { decodeEngineMessage } from '@ace-rx/codec';
import { DEFAULT_CATALOGUE, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake, sendHello } from './helpers.js';
import { RawClient } from './raw-client.js';

let engine: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await engine?.close();
  engine = undefined;
});
async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(engine!.port);
  clients.push(client);
  return client;
}

describe('fault injection, seen from the socket', () => {
  it('closes the connection after N lines', async () => {
    engine = await fastEmulator({ faults: { closeAfterLines: 2 } });
    const client = await connect();
    await sendHello(client);
    await client.closed;
    expect(client.lines.map((l) => l.split(' ')[0])).toEqual(['HELLOTS', 'AUTH']);
  });

  it('stops answering and keeps the socket open', async () => {
    engine = await fastEmulator({ faults: { silentAfterLines: 1 } });
    const client = await connect();
    client.send('HELLOBG version=4');
    await client.message();
    client.send('READY');
    expect(await client.linesWithin(100)).toEqual([]);
    expect(client.isClosed).toBe(false);
  });

  it('can be silent from the first line', async () => {
    engine = await fastEmulator({ faults: { silentAfterLines: 0 } });
    const client = await connect();
    client.send('HELLOBG version=4');
    expect(await client.linesWithin(60)).toEqual([]);
  });

  it('sends garbage lines between real ones, and the session goes on', async () => {
    engine = await fastEmulator({ faults: { garbageEvery: 2 } });
    const client = await connect();
    await sendHello(client);
    client.send('START PID series 0');
    // Read raw lines until playback: garbage among them, the protocol intact around it.
    const seen: string[] = [];
    while (!seen.some((l) => l.startsWith('START url='))) seen.push(await client.next());
    const bad = seen.filter((l) => {
      const decoded = decodeEngineMessage(l);
      return decoded._tag === 'Left' || decoded.right.kind === 'UNKNOWN' || l.includes('\uFFFD');
    });
    expect(bad.length).toBeGreaterThan(0);
    expect(seen.filter((l) => l.startsWith('AUTH '))).toHaveLength(1);
  });

  it('splits writes into tiny chunks that still make whole lines', async () => {
    engine = await fastEmulator({ faults: { chunkBytes: 3 } });
    const { client } = await handshake(engine);
    clients.push(client);
    expect(client.lines.slice(0, 2).map((l) => l.split(' ')[0])).toEqual(['HELLOTS', 'AUTH']);
    // Each piece is its own write; TCP may still merge two when the reader lags, so
    // what the socket side sees is many chunks, nearly all of at most 3 bytes.
    const tiny = client.chunkSizes.filter((n) => n <= 3).length;
    expect(client.chunkSizes.length).toBeGreaterThan(20);
    expect(tiny / client.chunkSizes.length).toBeGreaterThanOrEqual(0.8);
  });

  it('delays ## answers', async () => {
    engine = await fastEmulator({ faults: { syncDelayMs: 80 } });
    const { client } = await handshake(engine);
    clients.push(client);
    const sent = performance.now();
    client.send('GETPID 4c78e1cf0df23b4f5a16a106829ebed710cb52e0 0 0 0');
    expect(await client.message()).toMatchObject({ kind: 'SYNC' });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(75);
  });

  it('restarts: every connection drops, the same port takes new ones', async () => {
    engine = await fastEmulator({ faults: { restartAfterLines: 2 } });
    const first = await connect();
    await sendHello(first);
    await first.closed;
    engine.faults = {};
    const port = engine.port;
    let again: RawClient | undefined;
    for (let attempt = 0; again === undefined && attempt < 50; attempt++) {
      again = await RawClient.connect(port).catch(async () => {
        await new Promise((r) => setTimeout(r, 10));
        return undefined;
      });
    }
    clients.push(again!);
    again!.send('HELLOBG version=4');
    expect(await again!.message()).toMatchObject({ kind: 'HELLOTS' });
  });

  it('applies a content\'s own faults while it plays', async () => {
    const flaky = { ...DEFAULT_CATALOGUE[0]!, infohash: 'f'.repeat(40), playerId: 'flaky', faults: { closeAfterLines: 7 } };
    engine = await fastEmulator({ catalogue: [flaky] });
    const { client } = await handshake(engine);
    clients.push(client);
    client.send('START PID flaky 0');
    await client.closed;
    // HELLOTS, AUTH, starting, loading, STATE 1, then two prebuf STATUS and no more.
    expect(client.lines).toHaveLength(7);
    expect(client.lines.slice(2, 5)).toEqual(['STATUS main:starting', 'STATUS main:loading', 'STATE 1']);
    expect(client.lines.slice(5).map((l) => l.slice(0, 19))).toEqual(['STATUS main:prebuf;', 'STATUS main:prebuf;']);
  });
});
