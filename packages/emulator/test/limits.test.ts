import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_LIMITS, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake, isPlayback } from './helpers.js';
import { RawClient } from './raw-client.js';

let engine: Emulator | undefined;
const clients: RawClient[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  await engine?.close();
  engine = undefined;
});

/** Polls `done` every 10 ms until it holds, or fails after `ms`. */
async function waitFor(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `promise`, or a failure after `ms`; the timer is cleared either way (no open handle). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The heap and the array buffers (where a decoder's partial line lives), after a full GC. */
function retainedBytes(): number {
  // jest does not run with --expose-gc: turn it on, then take `gc` from a fresh context.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Opens a raw connection and writes `bytes` of a line that never ends; resolves once written. */
async function partialLine(port: number, bytes: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await new Promise<void>((resolve) => socket.write(Buffer.alloc(bytes, 0x41), () => resolve()));
  return socket;
}

const MiB = 1024 * 1024;

describe('memory stays bounded', () => {
  it('frees the partial lines of closed connections, even of the sessions it keeps', async () => {
    const clientsCount = 100;
    const line = 512 * 1024; // under the decoder's 1 MiB limit: all of it is held
    engine = await fastEmulator({ closedSessionHistory: clientsCount }); // keep every session: only the buffers may go
    const before = retainedBytes();
    const open: Socket[] = [];
    for (let i = 0; i < clientsCount; i++) open.push(await partialLine(engine.port, line));
    await waitFor(() => engine!.sessions.length === clientsCount, 10000, 'every connection has a session');
    // While they are open the lines are held: the measurement sees them (~50 MiB).
    await waitFor(() => retainedBytes() - before > (clientsCount * line) / 2, 10000, 'the partial lines to arrive');
    for (const socket of open) socket.destroy();
    await waitFor(() => engine!.sessions.every((s) => s.isClosed), 10000, 'every session to close');
    const growth = retainedBytes() - before;
    // 100 leaked half-MiB lines would be 50 MiB; allow 8 MiB of noise.
    expect(growth).toBeLessThan(8 * MiB);
    expect(engine.sessions).toHaveLength(clientsCount);
  }, 60000);

  it('keeps only the most recent closed sessions', async () => {
    engine = await fastEmulator({ closedSessionHistory: 3 });
    const kept = await handshake(engine);
    clients.push(kept.client);
    for (let i = 0; i < 8; i++) {
      const { client } = await handshake(engine);
      client.close();
      await client.closed;
    }
    await waitFor(() => engine!.sessions.filter((s) => !s.isClosed).length === 1, 5000, 'the eight sessions to close');
    expect(engine.sessions).toHaveLength(4);
    expect(engine.sessions[0]!.isClosed).toBe(false); // an open session is never dropped, and keeps its place
    const ids = engine.sessions.map((s) => s.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(DEFAULT_LIMITS.closedSessionHistory).toBeGreaterThan(0);
  });

  it('keeps the newest transcript entries only, in order, and counts the others', async () => {
    engine = await fastEmulator({ transcriptLimit: 20, timing: { statusIntervalMs: 1 } });
    const { client } = await handshake(engine);
    clients.push(client);
    client.send('START PID series 0');
    await client.until(isPlayback);
    const session = engine.sessions[0]!;
    await waitFor(() => session.transcriptDropped > 100, 10000, 'a hundred entries to be dropped');
    const transcript = session.transcript;
    expect(transcript).toHaveLength(20);
    expect(transcript.some((e) => e.line.startsWith('HELLOBG'))).toBe(false); // the oldest went first
    const times = transcript.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const newest = transcript.at(-1)!;
    client.close();
    await client.closed;
    await waitFor(() => session.isClosed, 5000, 'the session to close');
    expect(session.transcript.at(-1)!.line).toBe('connection closed');
    expect(session.transcript.at(-1)!.at).toBeGreaterThanOrEqual(newest.at);
    expect(session.transcript).toHaveLength(20);
  });
});

describe('idle connections and the connection cap', () => {
  it('closes a connection silent both ways for idleTimeoutMs, not one that plays', async () => {
    engine = await fastEmulator({ idleTimeoutMs: 300 });
    const idle = await RawClient.connect(engine.port);
    clients.push(idle);
    idle.send('HELLOBG version=4'); // answered, then silence
    const { client: playing } = await handshake(engine);
    clients.push(playing);
    playing.send('START PID series 0');
    const startedAt = Date.now();
    await within(idle.closed, 5000, 'the idle connection to close');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(engine.sessions[0]!.transcript.some((e) => e.line === 'idle for 300 ms: closing')).toBe(true);
    // The playing one writes STATUS lines all along: still open well past the timeout.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(playing.isClosed).toBe(false);
    expect(engine.sessions[1]!.isClosed).toBe(false);
  }, 15000);

  it('closes a connection beyond maxConnections before any line, and takes one again once a place is free', async () => {
    engine = await fastEmulator({ maxConnections: 3 });
    const open = [];
    for (let i = 0; i < 3; i++) open.push((await handshake(engine)).client);
    clients.push(...open);
    const refused = await RawClient.connect(engine.port);
    clients.push(refused);
    refused.send('HELLOBG version=4');
    await within(refused.closed, 5000, 'the 4th connection to close');
    expect(refused.lines).toEqual([]);
    expect(engine.sessions).toHaveLength(3);
    // The three still work.
    for (const client of open) client.send('STATUS');
    for (const client of open) expect(await client.message()).toEqual({ kind: 'STATUS', main: { state: 'idle' } });
    open[0]!.close();
    await waitFor(() => engine!.sessions[0]!.isClosed, 5000, 'the first session to close');
    const again = await handshake(engine);
    clients.push(again.client);
    expect(again.hello).toMatchObject({ kind: 'HELLOTS' });
  });

  it('has documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({ transcriptLimit: 1000, transcriptEntryChars: 1024, closedSessionHistory: 50, idleTimeoutMs: 300000, maxConnections: 1024, maxUnsentBytes: 4 * MiB });
  });
});
