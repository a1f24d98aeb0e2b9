// The emulator's catalogue films as players meet them: through the gateway (ffprobe) and
// with `ace-rx play series --player mpv`. Real tools, real sockets; each part skips with a
// message where its tool is missing (.ci/run installs ffmpeg and mpv).
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec';
import { DEFAULT_CATALOGUE } from '@ace-rx/emulator';
import { startGateway, tcpBackend } from '@ace-rx/gateway';
import { ace, fastEmulator } from './helpers.js';
import { run } from '../../../scripts/test-tools.js';

const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0 || spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;
const ffprobe = has('ffprobe');
const mpv = has('mpv');
if (!ffprobe) console.warn('cli films.test.ts: the gateway part is skipped, ffprobe is not on PATH (apt-get install -y ffmpeg)');
if (!mpv) console.warn('cli films.test.ts: the mpv part is skipped, mpv is not on PATH (apt-get install -y mpv; .ci/run installs it)');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});


const TRAILER = DEFAULT_CATALOGUE[0]!;
const DIRECT = DEFAULT_CATALOGUE.find((c) => c.directUrl !== undefined)!;

(ffprobe ? describe : describe.skip)(`the catalogue's films through the gateway${ffprobe ? '' : ' (skipped: no ffprobe)'}`, () => {
  // The gateway answers films as the engine's HTTP server does, with Range: a faststart MP4,
  // a Matroska file and an MP4 whose moov is at the end (ffprobe seeks to it) all probe.
  it.each([
    { name: 'the seed trailer (faststart MP4)', query: `id=${TRAILER.playerId!}`, format: 'mov,mp4,m4a,3gp,3g2,mj2' },
    { name: 'series episode 1 (Matroska)', query: 'id=series', format: 'matroska,webm' },
    { name: 'the direct-URL video (faststart MP4)', query: `infohash=${DIRECT.infohash}`, format: 'mov,mp4,m4a,3gp,3g2,mj2' },
    { name: "with-ads' feature film (MP4, moov at the end)", query: 'id=with-ads', format: 'mov,mp4,m4a,3gp,3g2,mj2' },
  ])('ffprobe reads $name as H.264 + AAC in its container', async ({ query, format }) => {
    const engine = await fastEmulator(cleanups);
    const gateway = await startGateway({ engines: [tcpBackend({ port: engine.port, productKey: DEFAULT_PRODUCT_KEY })], port: 0, lingerMs: 100 });
    cleanups.push(() => gateway.close());
    const url = `http://127.0.0.1:${gateway.port}/ace/getstream?${query}`;
    const r = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name', '-of', 'json', url]);
    expect([r.code, r.err]).toEqual([0, '']);
    const info = JSON.parse(r.out) as { format: { format_name: string }; streams: { codec_name: string }[] };
    expect(info.format.format_name).toBe(format);
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  }, 30_000);
});

(mpv ? describe : describe.skip)(`ace-rx play series --player mpv${mpv ? '' : ' (skipped: no mpv)'}`, () => {
  it('mpv opens the printed URL and shows a 320×180 picture for 3 s (--vo=null), then ace-rx exits 0', async () => {
    const engine = await fastEmulator(cleanups);
    const r = await ace(['--port', String(engine.port), 'play', 'series', '--player', 'mpv --vo=null --ao=null --length=3 --no-config --msg-level=all=info'], { timeoutMs: 40_000 });
    expect(r.stderr).toMatch(/VO: \[null\] 320x180/);
    expect(r.stderr).toMatch(/AO: \[null\] 32000Hz/);
    expect(r.code).toBe(0);
  }, 45_000);
});
