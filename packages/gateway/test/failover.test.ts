// A channel of the channels file with backup sources: a source that fails to start, or
// dies past the retry policy, hands over to the next one while the viewers stay connected,
// and the new source's bytes start as a join does (PAT, PMT, key frame), so players decode
// across the splice. On both engine APIs.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHls, types as hlsTypes } from 'hls-parser';
import type { Content, Emulator } from '@ace-rx/emulator';
import { parseChannels, startGateway, type Gateway, type GatewayLogEvent } from '@ace-rx/gateway';
import { backends, CHANNELS, fastEmulator, fetchText, view, waitFor } from './helpers.js';
import { readHeader } from '@ace-rx/codec/mpegts';
import { installed, run } from '../../../scripts/test-tools.js';

const ffmpeg = installed('ffmpeg');
let engine: Emulator | undefined;
let gateway: Gateway | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A live channel whose engine session dies soon after it starts, every time: on the TCP API its connection closes, on the HTTP API the engine restarts. */
const DYING: Content = {
  ...CHANNELS[0]!,
  infohash: 'de'.repeat(20),
  playerId: 'dying',
  faults: { closeAfterLines: 80, httpRestartAfterBytes: 1_500_000 },
};

const CHANNEL_FILE = [
  '#EXTM3U',
  '#EXTINF:-1 tvg-id="news.tv" group-title="News",News',
  'acestream://nothing-here',
  '#EXTINF:-1 tvg-id="news.tv",News (backup)',
  'acestream://chan1',
  '#EXTINF:-1 tvg-id="sport.tv",Sport',
  'acestream://dying',
  '#EXTINF:-1 tvg-id="sport.tv",Sport (backup)',
  'acestream://chan2',
].join('\n');

describe.each(['tcp', 'http'] as const)('a channel with backup sources, %s API', (api) => {
  it('a first source that fails to start: the channel plays from its second, on its own URL, and /status says which failed and why', async () => {
    engine = await fastEmulator();
    const events: GatewayLogEvent[] = [];
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, channels: parseChannels(CHANNEL_FILE), lingerMs: 200, logger: (e) => events.push(e) });
    const base = `http://127.0.0.1:${gateway.port}`;
    const viewer = view(`${base}/channel/news.tv.ts`, { maxBytes: 256 * 1024 });
    const body = await viewer.done;
    expect((await viewer.response).statusCode).toBe(200);
    expect(body.length).toBe(256 * 1024);
    expect(body[0]).toBe(0x47);
    const [stream] = gateway.status().streams;
    expect(stream).toMatchObject({ key: 'channel:news.tv', channel: 'news.tv', source: { index: 1, kind: 'id', value: 'chan1' } });
    expect(stream!.sources).toEqual([
      { kind: 'id', value: 'nothing-here', state: 'failed', reason: expect.stringMatching(/not found|no such|unknown/i), failedAt: expect.any(String) },
      { kind: 'id', value: 'chan1', state: 'playing', since: expect.any(String), position: 0 },
    ]);
    // Its content by id shares the channel's engine session.
    expect(stream!.names).toContain('id:chan1');
    expect(events.some((e) => e.event === 'source-failover' && e.stream === 'channel:news.tv')).toBe(true);
  });

  it('a source that dies mid-stream past the retry policy: the viewers move to the next source on the same connection, and HLS marks a discontinuity', async () => {
    engine = await fastEmulator({ catalogue: [...CHANNELS, DYING] });
    gateway = await startGateway({
      engines: [backends[api](engine)],
      port: 0,
      channels: parseChannels(CHANNEL_FILE),
      lingerMs: 200,
      silenceMs: 1_000,
      retry: { attempts: 1, delayMs: 50, maxDelayMs: 50 },
    });
    const base = `http://127.0.0.1:${gateway.port}`;
    const viewer = view(`${base}/channel/sport.tv.ts`);
    const playlist = await fetchText(`${base}/channel/sport.tv.m3u8`);
    expect(playlist.status).toBe(200);
    await waitFor(() => gateway!.status().streams[0]?.source.value === 'chan2', 15_000, 'the move to the backup source');
    const at = viewer.received();
    await waitFor(() => viewer.received() > at + 512 * 1024, 10_000, 'bytes of the backup source on the same connection');
    const [stream] = gateway.status().streams;
    expect(stream!.viewers).toBe(1);
    expect(stream!.sources[0]).toMatchObject({ value: 'dying', state: 'failed', reason: expect.stringContaining('gave up after 1 retries') });
    // The HLS player polling it sees the new source after a discontinuity.
    let discontinuity = false;
    for (let i = 0; i < 60 && !discontinuity; i++) {
      const p = parseHls((await fetchText(`${base}/channel/sport.tv.m3u8`)).body) as InstanceType<typeof hlsTypes.MediaPlaylist>;
      discontinuity = p.segments.some((s) => s.discontinuity);
      if (!discontinuity) await new Promise((r) => setTimeout(r, 250));
    }
    expect(discontinuity).toBe(true);
    viewer.close();
  }, 30_000);
});

describe('one engine session per content, also across failovers', () => {
  it('a channel that moves to a source another stream plays shares that stream\'s engine session (an engine lets a second start of one content displace the first)', async () => {
    engine = await fastEmulator();
    const file = ['#EXTINF:-1 tvg-id="a",A', 'acestream://nothing-here', '#EXTINF:-1 tvg-id="a",A backup', 'acestream://chan1', '#EXTINF:-1 tvg-id="b",B', 'acestream://no-such-thing', '#EXTINF:-1 tvg-id="b",B backup', 'acestream://chan1', '#EXTINF:-1 tvg-id="c",C', 'acestream://chan1'].join('\n');
    const events: GatewayLogEvent[] = [];
    gateway = await startGateway({ engines: [backends.tcp(engine)], port: 0, channels: parseChannels(file), lingerMs: 200, logger: (e) => events.push(e) });
    const base = `http://127.0.0.1:${gateway.port}`;
    const a = view(`${base}/channel/a.ts`);
    await waitFor(() => a.received() > 64 * 1024, 10_000, 'channel a playing chan1');
    // b's first source fails, its backup is chan1, which a plays: one engine session for both.
    const b = view(`${base}/channel/b.ts`);
    await waitFor(() => b.received() > 256 * 1024, 10_000, 'channel b playing chan1');
    const chan1Starts = () => engine!.sessions.flatMap((x) => x.transcript).filter((t) => t.direction === '>>' && t.line.startsWith('START')).length;
    expect(chan1Starts()).toBe(1);
    const byKey = Object.fromEntries(gateway.status().streams.map((st) => [st.key, st]));
    expect(byKey['channel:b']).toMatchObject({ sharing: 'channel:a', source: { value: 'chan1' }, engine: expect.any(String) });
    expect(events.some((e) => e.event === 'session-share' && e.stream === 'channel:b')).toBe(true);
    // c plays chan1 from the start: it shares it too, and its viewer starts on a key frame
    // (the shared bytes, joined mid-way, wait for one), not wherever the bytes were.
    const c = view(`${base}/channel/c.ts`, { maxBytes: 64 * 1024 });
    expect((await c.response).headers['x-stream-join']).toBe('key-frame');
    expect((await c.done).length).toBe(64 * 1024);
    expect(chan1Starts()).toBe(1);
    // A viewer of chan1 by id joins the stream that owns the session.
    const byId = view(`${base}/ace/getstream?id=chan1`, { maxBytes: 64 * 1024 });
    expect((await byId.done).length).toBe(64 * 1024);
    expect(chan1Starts()).toBe(1);
    // a's viewer leaves: b still holds a's stream (it shares it), so chan1 plays on, once.
    a.close();
    const at = b.received();
    await waitFor(() => b.received() > at + 256 * 1024, 10_000, 'b streaming on after a\'s viewer left');
    expect(chan1Starts()).toBe(1);
    b.close();
  }, 30_000);
});

(ffmpeg ? describe : describe.skip)('across a splice, players decode', () => {
  it("ffmpeg decodes the backup source's bytes in a viewer's stream from their first byte with no error line, and the stream across the splice", async () => {
    engine = await fastEmulator({ catalogue: [...CHANNELS, DYING] });
    gateway = await startGateway({ engines: [backends.tcp(engine)], port: 0, channels: parseChannels(CHANNEL_FILE), lingerMs: 200, silenceMs: 1_000, retry: { attempts: 0, delayMs: 50, maxDelayMs: 50 } });
    const base = `http://127.0.0.1:${gateway.port}`;
    const viewer = view(`${base}/channel/sport.tv.ts`);
    const response = await viewer.response;
    await waitFor(() => gateway!.status().streams[0]?.sources[1]?.position !== undefined, 15_000, 'the move to the backup source');
    const at = viewer.received();
    await waitFor(() => viewer.received() > at + 2 * 1024 * 1024, 10_000, 'bytes after the splice');
    viewer.close();
    const bytes = await viewer.done;
    // Where the backup's bytes begin in this viewer's: its first byte after the PAT and PMT
    // prefix is the ring's X-Stream-Position.
    const splice = Number(response.headers['x-stream-prefix']) + gateway.status().streams[0]!.sources[1]!.position! - Number(response.headers['x-stream-position']);
    expect(splice).toBeGreaterThan(0);
    expect(splice % 188).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-splice-'));
    dirs.push(dir);
    const file = join(dir, 'splice.ts');
    writeFileSync(file, bytes);
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], 30_000);
    // The backup's bytes alone decode with no error line at all: they start as a join does.
    // The hang-up cut the last frame: the file ends before its first packet.
    const videoPid = readHeader(bytes, splice + 376)!.pid;
    let end = splice + 376;
    for (let at = end; at + 188 <= bytes.length; at += 188) {
      const h = readHeader(bytes, at);
      if (h?.pid === videoPid && h.payloadUnitStart) end = at;
    }
    const after = join(dir, 'after.ts');
    writeFileSync(after, bytes.subarray(splice, end));
    expect((await run('ffmpeg', ['-v', 'error', '-i', after, '-f', 'null', '-'], 30_000)).err).toBe('');
    // Across the splice: the dying source's last video and audio frames were cut mid-way by
    // its death, as is the capture's last frame by the hang-up; each may fail to decode once
    // (a few lines). Nothing more.
    const lines = decoded.err.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeLessThanOrEqual(8);
  }, 30_000);
});
