// The client's benchmarks. Throughput: typed messages per second through the whole
// client (TCP socket, framing, decoding, RxJS) against the codec alone on the same
// bytes, in the same run. Memory: heap per open session with 1,000 sessions.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { connect, type EngineSession } from '@ace-rx/client';
import { encodeEngineMessage, encodeFrame } from '@ace-rx/codec';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/emulator';
import { firstValueFrom, Subscription } from 'rxjs';
import { chunked, sessionMix, typedDecode } from './decode.bench.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** An engine that answers the handshake, then sends `payload` and waits. */
async function blastingEngine(payload: Uint8Array): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString();
      if (seen.includes('HELLOBG') && !seen.includes('READY')) socket.write(encodeFrame(encodeEngineMessage({ kind: 'HELLOTS' })));
      if (seen.includes('READY') && !seen.includes('#sent')) {
        seen += '#sent';
        socket.write(encodeFrame(encodeEngineMessage({ kind: 'AUTH', level: 1 })));
        socket.write(payload);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function throughClient(port: number, lines: number): Promise<number> {
  let subscription: Subscription | undefined;
  const ms = await new Promise<number>((resolve, reject) => {
    let started = 0;
    let count = 0;
    subscription = connect({ port }).subscribe({
      next: (session) => {
        started = performance.now();
        session.messages$.subscribe(() => {
          if (++count === lines) resolve(performance.now() - started);
        });
      },
      error: reject,
    });
  });
  subscription?.unsubscribe();
  return ms;
}

/** Throughput of the whole client against the codec alone, over the same bytes. */
export async function benchClientThroughput(lines = 200_000, rounds = 5) {
  const payload = new TextEncoder().encode(sessionMix(lines).join('\r\n') + '\r\n');
  const chunks = chunked(payload);
  const engine = await blastingEngine(payload);
  const client: number[] = [];
  const codec: number[] = [];
  try {
    await throughClient(engine.port, lines); // warm-up
    for (let i = 0; i < rounds; i++) {
      client.push(lines / ((await throughClient(engine.port, lines)) / 1000));
      const start = performance.now();
      if (typedDecode(chunks) !== lines) throw new Error('codec decoded a different count');
      codec.push(lines / ((performance.now() - start) / 1000));
    }
  } finally {
    await engine.close();
  }
  return { lines, client: median(client), codec: median(codec) };
}

/** Heap per open session, with `count` sessions to an emulator in another process. */
export async function benchSessionMemory(count = 1000) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ace-rx/source', 'packages/emulator/src/bin.ts', '--port', '0', '--http-port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let banner = '';
    child.stdout!.on('data', (d: Buffer) => (banner += d.toString()));
    while (!/API on [\d.]+:(\d+)/.test(banner)) await new Promise((r) => setTimeout(r, 20));
    const port = Number(/API on [\d.]+:(\d+)/.exec(banner)![1]);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const subscriptions: Subscription[] = [];
    const sessions: Promise<EngineSession>[] = [];
    for (let i = 0; i < count; i++) {
      sessions.push(
        new Promise((resolve, reject) => subscriptions.push(connect({ port, productKey: DEFAULT_PRODUCT_KEY }).subscribe({ next: resolve, error: reject }))),
      );
    }
    const open = await Promise.all(sessions);
    await firstValueFrom(open[0]!.getPid('0'.repeat(40)));
    gc?.();
    const after = process.memoryUsage().heapUsed;
    for (const s of subscriptions) s.unsubscribe();
    return { count: open.length, bytesPerSession: (after - before) / open.length, gcExposed: gc !== undefined };
  } finally {
    child.kill('SIGINT');
  }
}

/** Runs the client benchmarks and prints them. */
export async function reportClient(): Promise<void> {
  const t = await benchClientThroughput();
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M msg/s`;
  console.log(`\nclient throughput bench: ${t.lines} messages over loopback TCP (session mix, mostly STATUS)`);
  console.log(`  baseline  codec only (EngineDecoder)           ${fmt(t.codec)}`);
  console.log(`  client    connect() -> session.messages$       ${fmt(t.client)}`);
  console.log(`  ratio     client / codec = ${((t.client / t.codec) * 100).toFixed(1)} % (target >= 50 %)`);
  const m = await benchSessionMemory();
  console.log(`\nclient memory bench: ${m.count} open sessions in one process (engine in another)`);
  console.log(`  heap per open session: ${(m.bytesPerSession / 1024).toFixed(1)} KiB${m.gcExposed ? '' : ' (run with --expose-gc for a settled figure)'}`);
}
