import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import type { Emulator } from '@ace-rx/emulator';
import { fastEmulator } from './helpers.js';
import { run } from '../../../scripts/test-tools.js';

// Real decoders as the oracle: ffprobe must see MPEG-TS with H.264 and AAC, and ffmpeg
// must decode more than a loop (the clip is 4 s, 100 frames) with no error at all.
const available = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!available) console.warn('ffmpeg.test.ts: skipped, ffprobe/ffmpeg are not on PATH (apt-get install -y ffmpeg; .ci/run installs it)');

let engine: Emulator | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});


/** Frames ffmpeg reported decoding in its last `-progress` block. */
const framesOf = (progress: string) => Math.max(0, ...[...progress.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1])));

(available ? describe : describe.skip)(`ffmpeg decodes the emulator's streams${available ? '' : ' (skipped: ffprobe not on PATH)'}`, () => {
  it('ffprobe reads the live progressive stream as MPEG-TS with H.264 video and AAC audio', async () => {
    engine = await fastEmulator();
    const url = `http://127.0.0.1:${engine.httpPort}/ace/getstream?content_id=live&pid=probe`;
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name,width,height', '-of', 'json', url]);
    expect(probe.err).toBe('');
    const info = JSON.parse(probe.out) as { format: { format_name: string }; streams: { codec_name: string; width?: number }[] };
    expect(info.format.format_name).toBe('mpegts');
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(info.streams.find((s) => s.codec_name === 'h264')?.width).toBe(320);
  });

  it('ffmpeg decodes 6 s of the live stream (more than one loop) without an error', async () => {
    engine = await fastEmulator();
    const url = `http://127.0.0.1:${engine.httpPort}/ace/getstream?content_id=live&pid=decode`;
    const decoded = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', url, '-t', '6', '-progress', 'pipe:1', '-f', 'null', '-']);
    expect(decoded.err).toBe('');
    expect(decoded.code).toBe(0);
    // -t counts from the earliest stream (audio leads video in the mux): over 5 s of 25 fps video
    // is more than one 100-frame loop, so a loop boundary was decoded.
    expect(framesOf(decoded.out)).toBeGreaterThan(125);
  });

  it('ffmpeg decodes 6 s of the live HLS playlist without an error', async () => {
    engine = await fastEmulator();
    const url = `http://127.0.0.1:${engine.httpPort}/ace/manifest.m3u8?content_id=live&pid=hls`;
    const decoded = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', url, '-t', '6', '-progress', 'pipe:1', '-f', 'null', '-']);
    expect(decoded.err).toBe('');
    expect(decoded.code).toBe(0);
    expect(framesOf(decoded.out)).toBeGreaterThan(125);
  });

  it('ffprobe reads a VOD .mkv file of the HTTP API as Matroska (films.test.ts probes every catalogue file)', async () => {
    engine = await fastEmulator();
    const url = `http://127.0.0.1:${engine.httpPort}/ace/getstream?content_id=series&pid=vod`;
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name', '-of', 'json', url]);
    expect(probe.err).toBe('');
    const info = JSON.parse(probe.out) as { format: { format_name: string }; streams: { codec_name: string }[] };
    expect(info.format.format_name).toBe('matroska,webm');
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  });
});
