// The gateway's benchmarks: N viewers (1, 10, 100, 500) of one stream on loopback.
// Throughput: aggregate bytes/s delivered through the gateway against a bare Node HTTP
// server writing the same source buffer to N sockets (same clients, same run). Memory:
// heap and buffers per viewer beyond the ring. Time to first byte of a viewer joining
// a running stream.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { get } from 'node:http';
import { TsScanner } from '@ace-rx/codec/mpegts';
import { testCard } from '@ace-rx/emulator';
import { startGateway, type EngineBackend, type Gateway } from '@ace-rx/gateway';

const SLICE = 64 * 1024;
/**
 * The source: the emulator's test card, real H.264/AAC MPEG-TS (a key frame a second),
 * sent in a loop, so the gateway's MPEG-TS reading does its real work.
 */
const SOURCE = Buffer.from(testCard());

/**
 * A switch for the unpaced sources. A saturated Node server hardly accepts new
 * connections (with 500 sockets blasting, 97 of 500 got a first byte in 10 s), so
 * every client connects while the sources are quiet, then they all start at once.
 */
class Throttle {
  running = false;
  private readonly waiting: (() => void)[] = [];
  wait(fn: () => void): void {
    this.waiting.push(fn);
  }
  start(): void {
    this.running = true;
    for (const fn of this.waiting.splice(0)) fn();
  }
  stop(): void {
    this.running = false;
  }
}

/** Writes SOURCE in 64 KiB slices for ever, waiting for 'drain': the fastest honest writer. */
function blast(res: ServerResponse, throttle: Throttle): void {
  let at = 0;
  const pump = () => {
    while (!res.destroyed) {
      if (!throttle.running) return throttle.wait(pump);
      const end = Math.min(at + SLICE, SOURCE.length);
      const ok = res.write(SOURCE.subarray(at, end));
      at = end === SOURCE.length ? 0 : end;
      if (!ok) return void res.once('drain', pump);
    }
  };
  // One packet at once, so a client has its first byte before the source starts.
  res.write(SOURCE.subarray(0, 188));
  at = 188;
  pump();
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

/** A raw HTTP client that counts body bytes and keeps none. */
interface Client {
  bytes: number;
  firstByteMs: number | undefined;
  socket: Socket;
}

function client(port: number, path: string): Client {
  const started = performance.now();
  const socket = netConnect({ host: '127.0.0.1', port });
  const c: Client = { bytes: 0, firstByteMs: undefined, socket };
  let headers = true;
  socket.on('data', (chunk: Buffer) => {
    if (headers) {
      const end = chunk.indexOf('\r\n\r\n');
      if (end < 0) return;
      headers = false;
      chunk = chunk.subarray(end + 4);
      if (chunk.length === 0) return;
    }
    if (c.firstByteMs === undefined) c.firstByteMs = performance.now() - started;
    c.bytes += chunk.length;
  });
  socket.on('error', () => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  return c;
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Aggregate bytes/s the N clients receive over `ms`, after they all got their first byte. */
async function measure(clients: Client[], ms: number): Promise<number> {
  await until(() => clients.every((c) => c.firstByteMs !== undefined), 30_000);
  await new Promise((r) => setTimeout(r, 200)); // past the first bursts
  const before = clients.reduce((n, c) => n + c.bytes, 0);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const bytes = clients.reduce((n, c) => n + c.bytes, 0) - before;
  return bytes / ((performance.now() - started) / 1000);
}

const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A live-like source: 188 · 133 bytes every 50 ms, about 4 Mbit/s (real engines' figure). */
function paced(res: ServerResponse): void {
  let at = 0;
  const piece = 188 * 133;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    if (at + piece > SOURCE.length) at = 0;
    res.write(SOURCE.subarray(at, at + piece));
    at += piece;
  }, 50);
  res.on('close', () => clearInterval(timer));
}

/** A gateway over an "engine" HTTP server whose stream `write` produces. */
async function gatewayOver(write: (res: ServerResponse) => void, ringBytes: number, mpegts = true) {
  const engine = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'video/mp2t' });
    write(res);
  });
  const enginePort = await listen(engine);
  const backend: EngineBackend = {
    name: 'bench',
    probe: async () => true,
    open: () =>
      new Promise((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port: enginePort, path: '/', agent: false }, (body) =>
          resolve({ body, url: '/', live: true, range: () => Promise.reject(new Error('live')), stats: () => undefined, lost: new Promise(() => undefined), stop: () => body.destroy() }),
        );
        req.on('error', reject);
      }),
  };
  const gateway: Gateway = await startGateway({ engines: [backend], port: 0, ringBytes, mpegts, limits: { maxViewersPerStream: 10_000, maxViewers: 10_000 }, stallMs: 30_000 });
  return {
    port: gateway.port,
    ringBytes: () => gateway.status().streams.reduce((n, st) => n + st.ringBytes, 0),
    close: async () => {
      await gateway.close();
      await closeServer(engine);
    },
  };
}

const PATH = '/ace/getstream?id=bench';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Memory once the source has paused and the sockets' queues have drained: what stays
 * per viewer (socket, response and, through the gateway, cursor state), not the bytes
 * in flight at the moment of the sample.
 */
async function settledMemory(throttle: Throttle): Promise<number> {
  throttle.stop();
  await new Promise((r) => setTimeout(r, 300));
  return memory();
}

/** Baseline: a bare server writing SOURCE to `n` sockets; its rate and memory per viewer. */
async function bareRun(n: number, ms: number): Promise<{ rate: number; perViewer: number }> {
  const throttle = new Throttle();
  const bare = createServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'video/mp2t' });
    blast(res, throttle);
  });
  const port = await listen(bare);
  const before = memory();
  const clients = Array.from({ length: n }, () => client(port, '/'));
  try {
    await until(() => clients.every((c) => c.firstByteMs !== undefined), 30_000);
    throttle.start();
    const rate = await measure(clients, ms);
    return { rate, perViewer: (await settledMemory(throttle)) / n - before / n };
  } finally {
    for (const c of clients) c.socket.destroy();
    await closeServer(bare);
  }
}

/** The gateway with `n` viewers of an unpaced source: aggregate bytes/s and memory per viewer. */
async function gatewayRun(n: number, ms: number, mpegts = true): Promise<{ rate: number; perViewer: number }> {
  const ringBytes = 8 * 1024 * 1024;
  const throttle = new Throttle();
  const g = await gatewayOver((res) => blast(res, throttle), ringBytes, mpegts);
  try {
    // One viewer first, so the ring is full before memory is measured; the others join
    // while the source is quiet.
    const warm = client(g.port, PATH);
    throttle.start();
    await until(() => warm.bytes > 2 * ringBytes, 30_000);
    throttle.stop();
    await new Promise((r) => setTimeout(r, 100));
    const before = memory() - g.ringBytes();
    const clients = [warm, ...Array.from({ length: n - 1 }, () => client(g.port, PATH))];
    await until(() => clients.every((c) => c.firstByteMs !== undefined), 30_000);
    throttle.start();
    const rate = await measure(clients, ms);
    // The ring's own bytes are taken out on both sides: what remains is per-viewer state.
    const perViewer = n > 1 ? ((await settledMemory(throttle)) - g.ringBytes() - before) / (n - 1) : Number.NaN;
    for (const c of clients) c.socket.destroy();
    return { rate, perViewer };
  } finally {
    await g.close();
  }
}

/** Time to first byte of 20 viewers joining a live-paced stream that `n` viewers watch. */
async function joinRun(n: number): Promise<number[]> {
  const g = await gatewayOver(paced, 8 * 1024 * 1024);
  try {
    const clients = Array.from({ length: n }, () => client(g.port, PATH));
    await until(() => clients.every((c) => c.firstByteMs !== undefined), 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const joins: number[] = [];
    for (let i = 0; i < 20; i++) {
      const c = client(g.port, PATH);
      await until(() => c.firstByteMs !== undefined, 10_000);
      joins.push(c.firstByteMs!);
      c.socket.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of clients) c.socket.destroy();
    return joins.sort((a, b) => a - b);
  } finally {
    await g.close();
  }
}

/** One size: medians of `rounds` alternating baseline and gateway runs, then the join TTFBs. */
export async function benchGateway(n: number, rounds = 3, ms = 1_500) {
  const baseline: number[] = [];
  const through: number[] = [];
  const memory: number[] = [];
  const bareMemory: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = await bareRun(n, ms);
    baseline.push(b.rate);
    bareMemory.push(b.perViewer);
    const r = await gatewayRun(n, ms);
    through.push(r.rate);
    memory.push(r.perViewer);
  }
  const joins = await joinRun(n);
  return {
    n,
    baseline: median(baseline),
    gateway: median(through),
    ratio: median(through) / median(baseline),
    bytesPerViewer: median(memory),
    bareBytesPerViewer: median(bareMemory),
    ttfbMedianMs: joins[10]!,
    ttfbP95Ms: joins[18]!,
  };
}

/**
 * A joiner's wait for a picture: 20 viewers join a live-paced stream one after another;
 * each reads its own bytes with a TsScanner, and the time from its first byte to its
 * first key frame preceded by a PAT and a PMT (the first frame a decoder can show) is
 * taken. With the MPEG-TS read, a join starts on one; without, on any packet.
 */
async function decodableRun(mpegts: boolean): Promise<{ waits: number[]; offsets: number[] }> {
  const g = await gatewayOver(paced, 8 * 1024 * 1024, mpegts);
  try {
    const first = client(g.port, PATH);
    await until(() => first.bytes > 1_000_000, 30_000);
    const waits: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < 20; i++) {
      let firstAt: number | undefined;
      let decodableAt: number | undefined;
      let offset = 0;
      const scanner = new TsScanner({
        onKeyFrame: (k) => {
          if (decodableAt !== undefined || k.pat === undefined || k.pmt === undefined) return;
          decodableAt = performance.now();
          offset = k.offset;
        },
      });
      // Node's client, not the raw one: the body comes chunked, and the scanner reads the body alone.
      const req = get({ host: '127.0.0.1', port: g.port, path: PATH, agent: false }, (res) =>
        res.on('data', (chunk: Buffer) => {
          firstAt ??= performance.now();
          scanner.push(chunk);
        }),
      );
      req.on('error', () => undefined);
      await until(() => decodableAt !== undefined, 10_000);
      waits.push(decodableAt! - firstAt!);
      offsets.push(offset);
      req.destroy();
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
    }
    first.socket.destroy();
    return { waits: waits.sort((a, b) => a - b), offsets: offsets.sort((a, b) => a - b) };
  } finally {
    await g.close();
  }
}

/** Fan-out at `n` viewers with the MPEG-TS read and without, against the bare server: medians of alternating rounds. */
export async function benchMpegtsCost(n = 100, rounds = 3, ms = 1_500) {
  const bare: number[] = [];
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push((await bareRun(n, ms)).rate);
    on.push((await gatewayRun(n, ms, true)).rate);
    off.push((await gatewayRun(n, ms, false)).rate);
  }
  return { n, bare: median(bare), on: median(on), off: median(off) };
}

/** Runs the gateway benchmarks and prints them. */
export async function reportGateway(): Promise<void> {
  console.log('\ngateway fan-out bench: N viewers of one stream on loopback, against a bare HTTP server writing the same buffer to N sockets');
  console.log('viewers  baseline MB/s  gateway MB/s  ratio   mem/viewer: gateway  bare   beyond bare  join TTFB (4 Mbit/s stream) median / p95');
  const kib = (x: number) => (Number.isNaN(x) ? '—' : `${(x / 1024).toFixed(1)} KiB`).padStart(11);
  for (const n of [1, 10, 100, 500]) {
    const r = await benchGateway(n);
    const mb = (x: number) => (x / 1e6).toFixed(0).padStart(12);
    console.log(
      `${String(n).padStart(7)}  ${mb(r.baseline)}  ${mb(r.gateway)}  ${(r.ratio * 100).toFixed(0).padStart(4)} %  ${kib(r.bytesPerViewer)} ${kib(r.bareBytesPerViewer)} ${kib(r.bytesPerViewer - r.bareBytesPerViewer)}  ${r.ttfbMedianMs.toFixed(1)} / ${r.ttfbP95Ms.toFixed(1)} ms`,
    );
  }
  console.log(
    'targets: ratio >= 80 % at 100 viewers; <= 64 KiB per viewer beyond its buffer (the "beyond bare" column); join TTFB <= 50 ms\n' +
      '(mem/viewer: heap + array buffers per viewer after GC, the source paused and the queues drained, the loopback clients in the same process;\n' +
      ' "beyond bare": the gateway\'s figure less a bare server\'s with the same clients, i.e. what the gateway adds per viewer besides its ring)',
  );
  const cost = await benchMpegtsCost();
  console.log(
    `\nMPEG-TS reading (key-frame joins, HLS cut) at ${cost.n} viewers: gateway with it ${(cost.on / 1e6).toFixed(0)} MB/s, without ${(cost.off / 1e6).toFixed(0)} MB/s, bare ${(cost.bare / 1e6).toFixed(0)} MB/s\n` +
      `  on / off = ${((cost.on / cost.off) * 100).toFixed(1)} % (target >= 90 %: it costs at most 10 %); on / bare = ${((cost.on / cost.bare) * 100).toFixed(0)} % (target >= 80 %)`,
  );
  const [withKeys, withoutKeys] = [await decodableRun(true), await decodableRun(false)];
  const line = ({ waits, offsets }: { waits: number[]; offsets: number[] }) =>
    `${waits[10]!.toFixed(1)} ms median, ${waits[18]!.toFixed(1)} ms p95; bytes a decoder must drop first: median ${offsets[10]}, max ${offsets[19]}`;
  console.log(
    `joiner's first byte to first decodable frame (a 4 Mbit/s stream, a key frame a second; the offset counts the joiner's own bytes, PAT and PMT are 376):\n` +
      `  key-frame joins: ${line(withKeys)}\n  packet joins (mpegts: false): ${line(withoutKeys)}`,
  );
}
