// What players see of the gateway: joins of a running channel that decode from their first
// byte, and HLS cut from the same ring, on either engine API, through an engine restart.
// ffmpeg and ffprobe are the players (Debian's; .ci/run installs them).
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHls, types as hlsTypes } from 'hls-parser';
import { DEFAULT_PRODUCT_KEY, startEmulator, type Emulator } from '@ace-rx/emulator';
import { playBackend, startGateway, tcpBackend, type EngineBackend, type Gateway } from '@ace-rx/gateway';
import { CHANNELS, FAST, fastEmulator, fetchText, gatewayFor, starts, view, waitFor } from './helpers.js';

/** The fast emulator sends 40 Mbit/s: a 2 s segment is 10 MB, so the ring must hold several. */
const RING = 64 * 1024 * 1024;
const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
let engine: Emulator | undefined;
let gateway: Gateway | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command to its end (killed after `ms`): exit code and stderr. */
function run(command: string, args: string[], ms = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

const backends = {
  tcp: (e: Emulator): EngineBackend => tcpBackend({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 10_000 }),
  http: (e: Emulator): EngineBackend => playBackend({ api: 'http', port: e.port, httpPort: e.httpPort, startTimeoutMs: 10_000 }),
};

(ffmpeg ? describe : describe.skip)('joining a running live channel', () => {
  it('three ffmpeg joiners print no error, and a join decodes from its first bytes: PAT, PMT, then a key frame', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const url = `${g.base}/ace/getstream?id=live`;
    const first = view(url);
    await first.response;
    await waitFor(() => first.received() > 2_000_000, 15_000, 'the channel to run');
    for (let i = 0; i < 3; i++) {
      const r = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-t', '3', '-f', 'null', '-']);
      expect({ joiner: i, code: r.code, errors: r.stderr }).toEqual({ joiner: i, code: 0, errors: '' });
    }
    // The first bytes of a join, alone: the first video packet ffprobe reads is a key frame,
    // it sits right after the PAT and PMT, and ffmpeg decodes them with no error.
    const joiner = view(url, { maxBytes: 2_000_000 });
    const res = await joiner.response;
    expect(res.headers['x-stream-join']).toBe('key-frame');
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-join-'));
    dirs.push(dir);
    const file = join(dir, 'join.ts');
    writeFileSync(file, await joiner.done);
    const frames = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pos,flags', '-of', 'csv=p=0', file]);
    const [firstPacket] = frames.stdout.trim().split('\n');
    const [pos, flags] = firstPacket!.split(',');
    expect(Number(pos)).toBe(376);
    expect(flags).toMatch(/^K/);
    // The capture ends inside a frame (audio and video): decode its first 25 video frames,
    // all whole. The three joiners above decoded audio and video whole.
    const decode = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-frames:v', '25', '-f', 'null', '-']);
    expect({ code: decode.code, errors: decode.stderr }).toEqual({ code: 0, errors: '' });
    expect(gateway.status().streams[0]).toMatchObject({ joinsAt: 'key-frame', joins: { keyFrame: expect.any(Number) } });
    expect(gateway.status().streams[0]!.joins.keyFrame).toBeGreaterThanOrEqual(4);
    first.close();
  }, 60_000);
});

describe('one engine session for TS and HLS viewers', () => {
  it.each(['tcp', 'http'] as const)('%s: an id viewer, an infohash viewer and an HLS viewer start one engine session, and the first keeps flowing', async (api) => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, lingerMs: 200, ringBytes: RING });
    const base = `http://127.0.0.1:${gateway.port}`;
    const chan = CHANNELS[1]!;
    const first = view(`${base}/ace/getstream?id=${chan.playerId}`);
    expect((await first.response).statusCode).toBe(200);
    await waitFor(() => first.received() > 100_000, 10_000, 'the first viewer’s bytes');
    const second = view(`${base}/ace/getstream?infohash=${chan.infohash}`, { maxBytes: 100_000 });
    expect((await second.response).statusCode).toBe(200);
    await second.done;
    const playlist = await fetchText(`${base}/ace/manifest.m3u8?infohash=${chan.infohash}`);
    expect(playlist.status).toBe(200);
    const before = first.received();
    await waitFor(() => first.received() > before + 500_000, 10_000, 'the first viewer to keep receiving');
    if (api === 'tcp') expect(starts(engine)).toBe(1);
    else expect(engine.httpApi.sessions.all()).toHaveLength(1);
    expect(gateway.status().streams).toHaveLength(1);
    expect(gateway.status().streams[0]).toMatchObject({ viewers: 1, hlsViewers: 1 });
    first.close();
  });
});

describe.each(['tcp', 'http'] as const)('HLS cut from the ring, %s API', (api) => {
  (ffmpeg ? it : it.skip)('ffmpeg decodes 10 s with no error line; the playlist parses with hls-parser', async () => {
    // Paced at the real 4 Mbit/s: a live playlist read by a real player at real speed.
    engine = await startEmulator({ port: 0, httpPort: 0, catalogue: [...CHANNELS], timing: FAST });
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0 });
    const url = `http://127.0.0.1:${gateway.port}/ace/manifest.m3u8?id=${CHANNELS[0]!.playerId}`;
    const text = await fetchText(url);
    expect(text.status).toBe(200);
    const playlist = parseHls(text.body);
    expect(playlist).toBeInstanceOf(hlsTypes.MediaPlaylist);
    const media = playlist as InstanceType<typeof hlsTypes.MediaPlaylist>;
    expect(media.segments.length).toBeGreaterThan(0);
    for (const s of media.segments) {
      expect(s.uri).toMatch(new RegExp(`^/ace/hls/\\d+\\.ts\\?id=${CHANNELS[0]!.playerId}$`));
      expect(s.duration).toBeLessThanOrEqual(media.targetDuration);
    }
    expect(media.targetDuration).toBeGreaterThanOrEqual(2);
    expect(media.targetDuration).toBeLessThanOrEqual(4);
    const r = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-t', '10', '-f', 'null', '-'], 60_000);
    expect({ code: r.code, errors: r.stderr }).toEqual({ code: 0, errors: '' });
    expect(gateway.status().streams).toHaveLength(1);
  }, 90_000);

  it('an HLS-only viewer shows in /status, counts against maxStreams, and media sequence numbers only rise', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, limits: { maxStreams: 1 }, ringBytes: RING });
    const base = `http://127.0.0.1:${gateway.port}`;
    const a = await fetchText(`${base}/ace/manifest.m3u8?id=chan0`);
    expect(a.status).toBe(200);
    const status = gateway.status();
    expect(status.streams).toHaveLength(1);
    expect(status.streams[0]).toMatchObject({ key: 'id:chan0', hlsViewers: 1, viewers: 0 });
    expect(status.viewers).toBe(1);
    const other = await fetchText(`${base}/ace/getstream?id=chan1`);
    expect(other.status).toBe(503);
    expect(JSON.parse(other.body)).toMatchObject({ limit: 'maxStreams' });
    const sequences: number[] = [];
    for (let i = 0; i < 5; i++) {
      const p = parseHls((await fetchText(`${base}/ace/manifest.m3u8?id=chan0`)).body) as InstanceType<typeof hlsTypes.MediaPlaylist>;
      sequences.push(p.mediaSequenceBase ?? 0);
      const segment = await fetchText(`${base}${p.segments[p.segments.length - 1]!.uri}`);
      expect(segment.status).toBe(200);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect([...sequences].sort((x, y) => x - y)).toEqual(sequences);
  });

  it('a player polling through an engine restart gets new segments within 15 s, after a discontinuity', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, retry: { attempts: 3, delayMs: 200, maxDelayMs: 1_000 }, engineRecheckMs: 200, ringBytes: RING });
    const url = `http://127.0.0.1:${gateway.port}/ace/manifest.m3u8?id=chan2`;
    const before = parseHls((await fetchText(url)).body) as InstanceType<typeof hlsTypes.MediaPlaylist>;
    const lastBefore = before.segments[before.segments.length - 1]!.mediaSequenceNumber;
    const { port, httpPort } = engine;
    await engine.close();
    await new Promise((r) => setTimeout(r, 1_500));
    engine = await fastEmulator({ port, httpPort });
    const started = Date.now();
    let after: InstanceType<typeof hlsTypes.MediaPlaylist> | undefined;
    while (Date.now() - started < 15_000) {
      const r = await fetchText(url);
      if (r.status === 200) {
        const p = parseHls(r.body) as InstanceType<typeof hlsTypes.MediaPlaylist>;
        if (p.segments.some((s) => s.mediaSequenceNumber > lastBefore && s.discontinuity)) {
          after = p;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(after).toBeDefined();
    const fresh = after!.segments.filter((s) => s.mediaSequenceNumber > lastBefore);
    const segment = await fetchText(`http://127.0.0.1:${gateway.port}${fresh[fresh.length - 1]!.uri}`);
    expect(segment.status).toBe(200);
  }, 40_000);
});
