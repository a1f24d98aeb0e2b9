// Issue #23's check, end to end: two `ace-rx serve` processes and one emulator behind
// Debian's HAProxy, configured from deploy/haproxy.cfg (addresses and the check interval
// through its environment variables). Viewers of one content, TS and HLS, meet on one
// gateway: one engine session per content across the cluster. SIGTERM drains a gateway:
// /healthz 503 within a second, its viewers go on, new viewers of its channel reach the
// other gateway. Skipped, saying so, without haproxy (or ffmpeg); .ci/run installs them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOGUE, type Content, type Emulator } from '@ace-rx/emulator';
import { deadPort, fastEmulator, root, start, waitFor, type Running } from './helpers.js';
import { run } from '../../../scripts/test-tools.js';

const haproxy = spawnSync('haproxy', ['-v']).status === 0;
const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!haproxy) console.warn('cluster.test.ts skipped: no haproxy (apt-get install haproxy; .ci/run installs it)');
if (!ffmpeg) console.warn('cluster.test.ts: the HLS part is skipped: no ffmpeg');

const MiB = 1024 * 1024;
const CHANNELS: readonly Content[] = Array.from({ length: 4 }, (_, i) => ({
  infohash: (`${i}d`.repeat(20)).slice(0, 40),
  playerId: `cluster${i}`,
  files: [{ name: `Cluster ${i}.ts`, size: 256 * MiB }],
  live: true,
}));

/** A viewer reading a URL's body, counting its bytes. */
interface Viewer {
  readonly status: Promise<number>;
  received(): number;
  close(): void;
}

function watch(url: string, headers: Record<string, string> = {}): Viewer {
  let received = 0;
  let req: ClientRequest | undefined;
  const status = new Promise<number>((resolve, reject) => {
    req = get(url, { agent: false, headers }, (res) => {
      resolve(res.statusCode ?? 0);
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('error', () => undefined);
    });
    req.on('error', reject);
  });
  status.catch(() => undefined);
  return { status, received: () => received, close: () => req?.destroy() };
}

/** A GET's status and body. */
function fetchJson(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
    }).on('error', reject);
  });
}

/** Engine sessions started on the emulator: its START lines. */
const starts = (e: Emulator) => e.sessions.reduce((n, s) => n + s.transcript.filter((t) => t.direction === '>>' && t.line.startsWith('START')).length, 0);

(haproxy ? describe : describe.skip)('two gateways behind HAProxy (deploy/haproxy.cfg)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  let engine: Emulator;
  const gateways: { run: Running; base: string }[] = [];
  let balancer: ChildProcess;
  let front = '';

  beforeAll(async () => {
    engine = await fastEmulator(cleanups, { catalogue: [...DEFAULT_CATALOGUE, ...CHANNELS] });
    // A channels file with one channel (the emulator's live test card) for the channel URLs.
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-cluster-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'tv.m3u'), '#EXTM3U\n#EXTINF:-1 tvg-id="cluster.live",Cluster live\nacestream://live\n');
    for (let i = 0; i < 2; i++) {
      const r = start(['serve', '--port', '0', '--api', 'tcp', '--engine', `127.0.0.1:${engine.port}`, '--linger', '300', '--drain', '4000', '--trust-proxy', '--channels', join(dir, 'tv.m3u')], { timeoutMs: 25_000 });
      cleanups.push(() => void r.child.kill('SIGKILL'));
      gateways.push({ run: r, base: '' });
    }
    for (const g of gateways) {
      await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(g.run.output().stderr), 'a gateway listening', 15_000);
      g.base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(g.run.output().stderr)![1]!;
    }
    const port = await deadPort();
    front = `http://127.0.0.1:${port}`;
    balancer = spawn('haproxy', ['-db', '-f', join(root, 'deploy/haproxy.cfg')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ACE_RX_BIND: `127.0.0.1:${port}`, ACE_RX_GATEWAY1: gateways[0]!.base.slice(7), ACE_RX_GATEWAY2: gateways[1]!.base.slice(7), ACE_RX_CHECK_INTER: '200ms', ACE_RX_MAXCONN: '1000' },
    });
    let haproxyErr = '';
    balancer.stderr!.on('data', (d: Buffer) => (haproxyErr += d.toString()));
    cleanups.push(() => void balancer.kill('SIGKILL'));
    const deadline = performance.now() + 5_000;
    for (;;) {
      const ok = await fetchJson(`${front}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (performance.now() > deadline || balancer.exitCode !== null) throw new Error(`HAProxy did not come up:\n${haproxyErr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('12 viewers of 4 contents: one engine session per content across the cluster; HLS through the balancer adds none; the viewers of a channel meet on one gateway; SIGTERM drains one gateway while the other takes its new viewers', async () => {
    // Some claim another address: HAProxy removes their Forwarded and appends to their X-Forwarded-For.
    const forged = { Forwarded: 'for=203.0.113.66', 'X-Forwarded-For': '203.0.113.77' };
    const viewers = CHANNELS.flatMap((c) => [0, 1, 2].map((i) => ({ id: c.playerId!, viewer: watch(`${front}/ace/getstream?id=${c.playerId}`, i === 0 ? forged : {}) })));
    cleanups.push(() => viewers.forEach((v) => v.viewer.close()));
    expect(await Promise.all(viewers.map((v) => v.viewer.status))).toEqual(Array(12).fill(200));
    await waitFor(() => viewers.every((v) => v.viewer.received() > 100_000), 'bytes to all 12 viewers', 10_000);
    expect(starts(engine)).toBe(4);
    const statuses = await Promise.all(gateways.map(async (g) => (await fetchJson(`${g.base}/status`)).body));
    const keysOn = statuses.map((s: { streams: { key: string; viewers: number; viewerAddresses: string[] }[] }) => s.streams.map((st) => st.key));
    // Each content on exactly one gateway, with its three viewers; HAProxy's X-Forwarded-For names them.
    expect([...keysOn[0]!, ...keysOn[1]!].sort()).toEqual(CHANNELS.map((c) => `id:${c.playerId}`).sort());
    for (const s of statuses) for (const st of s.streams) expect(st).toMatchObject({ viewers: 3, viewerAddresses: ['127.0.0.1', '127.0.0.1', '127.0.0.1'] });

    if (ffmpeg) {
      const hls = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', `${front}/ace/manifest.m3u8?id=${CHANNELS[1]!.playerId}`, '-t', '2', '-f', 'null', '-'], 15_000);
      expect({ code: hls.code, errors: hls.err }).toEqual({ code: 0, errors: '' });
      expect(starts(engine)).toBe(4);
    }

    // Viewers by infohash are hashed on it (deploy/haproxy.cfg's second backend): all on one
    // gateway, whichever it is (the one its id viewers are on, or one more session).
    const ih = CHANNELS[3]!.infohash;
    const byHash = [0, 1, 2].map(() => watch(`${front}/ace/getstream?infohash=${ih}`));
    cleanups.push(() => byHash.forEach((v) => v.close()));
    expect(await Promise.all(byHash.map((v) => v.status))).toEqual([200, 200, 200]);
    await waitFor(() => byHash.every((v) => v.received() > 50_000), 'bytes to the infohash viewers', 10_000);
    const named = await Promise.all(gateways.map(async (g) => ((await fetchJson(`${g.base}/status`)).body as { streams: { names: string[]; viewers: number }[] }).streams.filter((st) => st.names.includes(`infohash:${ih}`))));
    // Its three id viewers and these three: 6 on one gateway, or 3 and 3 (never split otherwise).
    expect(named.flat().reduce((n, st) => n + st.viewers, 0)).toBe(6);
    for (const st of named.flat()) expect([3, 6]).toContain(st.viewers);
    for (const v of byHash) v.close();

    // A channel's viewers, TS and HLS (/channel/<slug>.ts, .m3u8, segments ?channel=), are
    // hashed on its slug (deploy/haproxy.cfg's third backend): one gateway, one session more.
    const sessions = starts(engine);
    const byChannel = [0, 1, 2].map(() => watch(`${front}/channel/cluster.live.ts`));
    cleanups.push(() => byChannel.forEach((v) => v.close()));
    expect(await Promise.all(byChannel.map((v) => v.status))).toEqual([200, 200, 200]);
    await waitFor(() => byChannel.every((v) => v.received() > 50_000), 'bytes to the channel viewers', 10_000);
    if (ffmpeg) {
      const hls = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', `${front}/channel/cluster.live.m3u8`, '-t', '2', '-f', 'null', '-'], 15_000);
      expect({ code: hls.code, errors: hls.err }).toEqual({ code: 0, errors: '' });
    }
    expect(starts(engine)).toBe(sessions + 1);
    const channelOn = await Promise.all(gateways.map(async (g) => ((await fetchJson(`${g.base}/status`)).body as { streams: { key: string; viewers: number }[] }).streams.filter((st) => st.key === 'channel:cluster.live')));
    expect(channelOn.flat()).toHaveLength(1);
    expect(channelOn.flat()[0]).toMatchObject({ viewers: 3 });
    for (const v of byChannel) v.close();

    // SIGTERM to the gateway holding the first content.
    const id = CHANNELS[0]!.playerId!;
    const holder = keysOn[0]!.includes(`id:${id}`) ? 0 : 1;
    const draining = gateways[holder]!;
    const other = gateways[1 - holder]!;
    const mine = viewers.filter((v) => keysOn[holder]!.includes(`id:${v.id}`)).map((v) => v.viewer);
    draining.run.signal('SIGTERM');
    const signalled = performance.now();
    let health = await fetchJson(`${draining.base}/healthz`);
    while (health.status !== 503 && performance.now() - signalled < 1_000) health = await fetchJson(`${draining.base}/healthz`);
    expect(health.status).toBe(503);
    expect(performance.now() - signalled).toBeLessThan(1_000);
    // Its viewers keep streaming.
    const marks = mine.map((v) => v.received());
    await waitFor(() => mine.every((v, i) => v.received() > marks[i]! + 100_000), 'its viewers streaming on during the drain', 5_000);
    // A new viewer of its channel is served, by the other gateway, within 15 s.
    let late: Viewer | undefined;
    while (performance.now() - signalled < 15_000) {
      const attempt = watch(`${front}/ace/getstream?id=${id}`);
      if ((await attempt.status.catch(() => 0)) === 200) {
        late = attempt;
        break;
      }
      attempt.close();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(late).toBeDefined();
    cleanups.push(() => late!.close());
    await waitFor(() => late!.received() > 50_000, 'bytes to the late viewer', 5_000);
    const otherStatus = (await fetchJson(`${other.base}/status`)).body as { streams: { key: string; viewers: number }[] };
    expect(otherStatus.streams.find((s) => s.key === `id:${id}`)).toMatchObject({ viewers: 1 });
    expect(performance.now() - signalled).toBeLessThan(15_000);

    // Its TS viewers leave; an HLS player (ffmpeg's, gone) counts during a drain until it has
    // been silent for three segments (6 s here), so it may hold it to the end of its 4 s
    // drain: then exit 0.
    for (const v of mine) v.close();
    const result = await draining.run.done;
    expect(result.code).toBe(0);
    expect(result.exitMs!).toBeLessThan(4_000 + 2_000);
    expect(result.stderr).toMatch(/drained: the last viewer left|drain time is up/);
  }, 30_000);
});
