// What players see of the gateway: joins of a running channel that decode from their first
// byte, and one engine session for TS and HLS viewers of one content.
// ffmpeg and ffprobe are the players (Debian's; .ci/run installs them).
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '@ace-rx/emulator';
import { startGateway, type Gateway } from '@ace-rx/gateway';
import { backends, CHANNELS, fastEmulator, fetchText, gatewayFor, starts, view, waitFor } from './helpers.js';
import { installed, run } from '../../../scripts/test-tools.js';

const ffmpeg = installed('ffmpeg') && installed('ffprobe');
let engine: Emulator | undefined;
let gateway: Gateway | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});


(ffmpeg ? describe : describe.skip)('joining a running live channel', () => {
  it('three ffmpeg joiners print no error, and a join decodes from its first bytes: PAT, PMT, then a key frame', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const url = `${g.base}/ace/getstream?id=live`;
    const first = view(url);
    await first.response;
    await waitFor(() => first.received() > 2_000_000, 15_000, 'the channel to run');
    // Three joiners at once, each a second after the other: each lands on another key frame.
    const joiners = [0, 1, 2].map(async (i) => {
      await new Promise((r) => setTimeout(r, 1_000 * i));
      return run('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-t', '3', '-f', 'null', '-']);
    });
    for (const [i, r] of (await Promise.all(joiners)).entries()) expect({ joiner: i, code: r.code, errors: r.err }).toEqual({ joiner: i, code: 0, errors: '' });
    // The first bytes of a join, alone: the first video packet ffprobe reads is a key frame,
    // it sits right after the PAT and PMT, and ffmpeg decodes them with no error.
    // 8 MB hold over a second of the 40 Mbit/s channel: two key frames at least.
    const joiner = view(url, { maxBytes: 8_000_000 });
    const res = await joiner.response;
    expect(res.headers['x-stream-join']).toBe('key-frame');
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-join-'));
    dirs.push(dir);
    const file = join(dir, 'join.ts');
    const bytes = await joiner.done;
    writeFileSync(file, bytes);
    const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pos,flags', '-of', 'csv=p=0', file]);
    const keys = packets.out.trim().split('\n').map((line) => line.split(',')).filter(([, flags]) => flags?.startsWith('K') === true);
    const [firstPacket] = packets.out.trim().split('\n');
    expect(Number(firstPacket!.split(',')[0])).toBe(376);
    expect(keys[0]![0]).toBe('376');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    // Up to the second key frame every video frame is whole: they all decode, the first one included.
    writeFileSync(file, bytes.subarray(0, Number(keys[1]![0])));
    const decode = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'null', '-']);
    expect({ code: decode.code, errors: decode.err }).toEqual({ code: 0, errors: '' });
    expect(gateway.status().streams[0]).toMatchObject({ joinsAt: 'key-frame', joins: { keyFrame: expect.any(Number) } });
    expect(gateway.status().streams[0]!.joins.keyFrame).toBeGreaterThanOrEqual(4);
    first.close();
  }, 60_000);
});

describe('one engine session for TS and HLS viewers', () => {
  it.each(['tcp', 'http'] as const)('%s: an id viewer, an infohash viewer and an HLS viewer start one engine session, and the first keeps flowing', async (api) => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, lingerMs: 200 });
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

