// HLS cut from the gateway's ring, as players meet it: on either engine API, read by ffmpeg,
// parsed by hls-parser, counted as a viewer, and back after an engine restart.
// ffmpeg and ffprobe are the players (Debian's; .ci/run installs them).
import { afterEach, describe, expect, it } from '@jest/globals';
import { parse as parseHls, types as hlsTypes } from 'hls-parser';
import { startEmulator, type Emulator } from '@ace-rx/emulator';
import { startGateway, type Gateway } from '@ace-rx/gateway';
import { backends, CHANNELS, FAST, fastEmulator, fetchText } from './helpers.js';
import { installed, run } from '../../../scripts/test-tools.js';

const ffmpeg = installed('ffmpeg') && installed('ffprobe');
let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});


describe.each(['tcp', 'http'] as const)('HLS cut from the ring, %s API', (api) => {
  it('an HLS-only viewer shows in /status, counts against maxStreams, and media sequence numbers only rise', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, limits: { maxStreams: 1 } });
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
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, retry: { attempts: 3, delayMs: 200, maxDelayMs: 1_000 }, engineRecheckMs: 200 });
    const url = `http://127.0.0.1:${gateway.port}/ace/manifest.m3u8?id=chan2`;
    const before = parseHls((await fetchText(url)).body) as InstanceType<typeof hlsTypes.MediaPlaylist>;
    const lastBefore = before.segments[before.segments.length - 1]!.mediaSequenceNumber;
    const { port, httpPort } = engine;
    // Killed: the gateway's retries start failing while nothing listens.
    await engine.close();
    await new Promise((r) => setTimeout(r, 500));
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

(ffmpeg ? describe : describe.skip)('HLS cut from the ring, read by a real player', () => {
  const others: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of others.splice(0)) await o.close();
  });

  it('ffmpeg decodes 10 s with no error line on either engine API (both at once: a live playlist plays in real time), and the playlist parses with hls-parser', async () => {
    const one = async (api: keyof typeof backends) => {
      const e = await startEmulator({ port: 0, httpPort: 0, catalogue: [...CHANNELS], timing: FAST });
      const g = await startGateway({ engines: [backends[api](e)], port: 0 });
      others.push(g, e);
      const url = `http://127.0.0.1:${g.port}/ace/manifest.m3u8?id=${CHANNELS[0]!.playerId}`;
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
      expect({ api, code: r.code, errors: r.err }).toEqual({ api, code: 0, errors: '' });
      expect(g.status().streams).toHaveLength(1);
    };
    await Promise.all([one('tcp'), one('http')]);
  }, 90_000);
});
