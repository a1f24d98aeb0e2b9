import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_CATALOGUE, fileBytes, fileSize, FILM_PATHS, filmContainer, filmFile, isVideo, paddedMatroska, paddedMp4, type Content, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake, urlOf } from './helpers.js';
import { run } from '../../../scripts/test-tools.js';

// Every video file of the default catalogue is real media in the container its name
// says, on both APIs' URLs: ffprobe (a real demuxer, not our reading of the format) is
// the oracle. Byte-level facts (the moov's place, padding, ranges) are checked here too.

const available = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
if (!available) console.warn('films.test.ts: the ffprobe part is skipped, ffprobe is not on PATH (apt-get install -y ffmpeg; .ci/run installs it)');

let engine: Emulator | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});


interface Probe {
  readonly format: string;
  readonly codecs: string[];
  readonly duration: number;
}

async function probe(url: string): Promise<Probe> {
  const r = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_name', '-of', 'json', url]);
  if (r.code !== 0 || r.err !== '') throw new Error(`ffprobe ${url}: exit ${r.code}: ${r.err}`);
  const info = JSON.parse(r.out) as { format: { format_name: string; duration?: string }; streams: { codec_name: string }[] };
  return { format: info.format.format_name, codecs: info.streams.map((s) => s.codec_name).sort(), duration: Number(info.format.duration ?? NaN) };
}

/** ffprobe's format name for each container. */
const FORMAT = { mp4: 'mov,mp4,m4a,3gp,3g2,mj2', 'mp4-moov-at-end': 'mov,mp4,m4a,3gp,3g2,mj2', mkv: 'matroska,webm', ts: 'mpegts' } as const;

/** Every VOD video file of the default catalogue: content, index, container. */
const VIDEOS = DEFAULT_CATALOGUE.filter((c) => c.live !== true).flatMap((content) =>
  content.files.flatMap((file, index) => (isVideo(file.name) ? [{ content, index, name: file.name, container: filmContainer(file.name, file.moovAtEnd === true)! }] : [])),
);

/** Top-level MP4 boxes of a whole file: [type, offset, size]. */
function boxes(bytes: Uint8Array): [string, number, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [string, number, number][] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = view.getUint32(at);
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    out.push([String.fromCharCode(...bytes.subarray(at + 4, at + 8)), at, size]);
    at += size;
  }
  return out;
}

describe('the default catalogue as media files', () => {
  it('names a container for every VOD video file, and one MP4 has its moov at the end', () => {
    expect(VIDEOS.map((v) => [v.name, v.container])).toEqual([
      ['Prey 2_ E3 2011 Official Trailer_2.mp4', 'mp4'],
      ['Сериал S01E01 — пилот.mkv', 'mkv'],
      ['Сериал S01E02.mkv', 'mkv'],
      ['Feature film.mp4', 'mp4-moov-at-end'],
      ['Broken.mp4', 'mp4'],
      ['direct video.mp4', 'mp4'],
    ]);
  });

  it('keeps the catalogue sizes; an MP4 is padded inside its mdat, so the boxes keep their order', () => {
    const trailer = VIDEOS[0]!;
    const whole = fileBytes(trailer.content, trailer.index);
    expect(whole.length).toBe(8 * 1024 * 1024);
    expect(boxes(whole).map(([type]) => type)).toEqual(['ftyp', 'moov', 'free', 'mdat']);
    expect(boxes(whole).reduce((sum, [, , size]) => sum + size, 0)).toBe(whole.length);
    const film = VIDEOS.find((v) => v.container === 'mp4-moov-at-end')!;
    const atEnd = boxes(fileBytes(film.content, film.index));
    expect(atEnd.map(([type]) => type)).toEqual(['ftyp', 'free', 'mdat', 'moov']);
    const [, moovAt, moovSize] = atEnd[3]!;
    expect(moovAt + moovSize).toBe(8 * 1024 * 1024); // the index is the file's last bytes
  });

  it('a Matroska file is the EBML header and one Segment running to the end', () => {
    const episode = VIDEOS[1]!;
    const whole = fileBytes(episode.content, episode.index);
    expect([...whole.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    const segment = 5 + whole[4]! - 0x80; // one-byte size of the EBML header, as ffmpeg writes it
    expect([...whole.subarray(segment, segment + 5)]).toEqual([0x18, 0x53, 0x80, 0x67, 0x01]);
    const size = whole.subarray(segment + 5, segment + 12).reduce((n, b) => n * 256 + b, 0);
    expect(segment + 12 + size).toBe(whole.length);
  });

  it('range reads at any offset equal the same bytes of a whole read, for every file', () => {
    for (const content of DEFAULT_CATALOGUE) {
      content.files.forEach((file, index) => {
        const whole = fileBytes(content, index);
        expect(whole.length).toBe(fileSize(file));
        // Offsets around every part boundary (headers, the end of the film, the padding) and some others.
        const cuts = [0, 1, 7, 8, 9, 40, 1000, 5989, 6000, 164_000, 170_000, 170_695, 170_696, 170_700, whole.length - 6000, whole.length - 1];
        for (const start of cuts)
          for (const length of [1, 13, 4096, 200_000]) {
            if (start < 0 || start >= whole.length) continue;
            const end = Math.min(whole.length, start + length);
            expect(Buffer.compare(fileBytes(content, index, start, end), whole.subarray(start, end))).toBe(0);
          }
      });
    }
  });

  it('pads any size players accept: one byte over, ten over, and past 4 GiB for MP4 (a 64-bit mdat)', () => {
    const mkv = new Uint8Array(readFileSync(FILM_PATHS.mkv));
    for (const extra of [0, 1, 2, 9, 10, 11, 1000]) expect(paddedMatroska(mkv, mkv.length + extra).size).toBe(mkv.length + extra);
    const mp4 = new Uint8Array(readFileSync(FILM_PATHS['mp4-moov-at-end']));
    const huge = paddedMp4(mp4, 5 * 2 ** 30);
    expect(huge.size).toBe(5 * 2 ** 30);
    const head = huge.bytes(0, 64);
    // ftyp (32), then the mdat with size 1 and a 64-bit size where the free box was.
    const view = new DataView(head.buffer, head.byteOffset);
    expect([view.getUint32(32), String.fromCharCode(...head.subarray(36, 40))]).toEqual([1, 'mdat']);
    const mdatSize = Number(view.getBigUint64(40));
    const moov = huge.bytes(32 + mdatSize, 32 + mdatSize + 8);
    expect(String.fromCharCode(...moov.subarray(4, 8))).toBe('moov');
    expect(32 + mdatSize + new DataView(moov.buffer, moov.byteOffset).getUint32(0)).toBe(huge.size);
    // A file smaller than the film is its start.
    expect(Buffer.compare(filmFile('mp4', 100).bytes(0, 100), new Uint8Array(readFileSync(FILM_PATHS.mp4)).subarray(0, 100))).toBe(0);
  });
});

/** Starts `content`'s file over the TCP API and returns its playback URL (after any ads, each probed too). */
async function tcpUrl(e: Emulator, content: Content, index: number, ads: string[]): Promise<string> {
  const { client } = await handshake(e);
  client.send(`START INFOHASH ${content.infohash} ${index} 0 0 0`);
  try {
    for (;;) {
      const seen = await client.until((m) => urlOf(m) !== undefined, 5000);
      const message = seen[seen.length - 1]!;
      const url = urlOf(message)!;
      if (message.kind === 'START' && message.ad !== true) return url;
      ads.push(url);
      client.send(`PLAYBACK ${url} 100`);
    }
  } finally {
    // The file URLs answer until STOP: keep the connection open while ffprobe reads.
    closers.push(() => client.close());
  }
}
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

(available ? describe : describe.skip)(`ffprobe reads every catalogue video in its container${available ? '' : ' (skipped: ffprobe not on PATH)'}`, () => {
  const playable = VIDEOS.filter((v) => v.content.error === undefined);

  it.each(playable.map((video) => ({ name: video.name, video })))('over the TCP API playback URL: $name', async ({ video }) => {
    engine = await fastEmulator();
    const ads: string[] = [];
    const url = await tcpUrl(engine, video.content, video.index, ads);
    const info = await probe(url);
    expect(info).toEqual({ format: FORMAT[video.container], codecs: ['aac', 'h264'], duration: expect.any(Number) });
    expect(info.duration).toBeGreaterThan(7.5);
    for (const ad of ads) expect(await probe(ad)).toEqual({ format: FORMAT.mp4, codecs: ['aac', 'h264'], duration: expect.any(Number) });
    expect(ads.length).toBe(video.content.ads?.length ?? 0);
  }, 30_000);

  it.each(playable.map((video) => ({ name: video.name, video })))('over the HTTP API (/ace/getstream, redirect followed): $name', async ({ video }) => {
    engine = await fastEmulator();
    const url = `http://127.0.0.1:${engine.httpPort}/ace/getstream?infohash=${video.content.infohash}&_idx=${video.index}&pid=probe`;
    const info = await probe(url);
    expect(info).toEqual({ format: FORMAT[video.container], codecs: ['aac', 'h264'], duration: expect.any(Number) });
    expect(info.duration).toBeGreaterThan(7.5);
  }, 30_000);

  it("the demo's first MiB of series (`play series --probe 1MiB`) is the start of a real Matroska file: ffprobe reads it alone", async () => {
    const episode = VIDEOS.find((v) => v.container === 'mkv')!;
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-films-'));
    try {
      const path = join(dir, 'first-mib.mkv');
      writeFileSync(path, fileBytes(episode.content, episode.index, 0, 1024 * 1024));
      expect(await probe(path)).toMatchObject({ format: FORMAT.mkv, codecs: ['aac', 'h264'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the failing content\'s file is real media too, should a client read it some other way', async () => {
    const broken = VIDEOS.find((v) => v.content.error !== undefined)!;
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-films-'));
    try {
      const path = join(dir, 'broken.mp4');
      writeFileSync(path, fileBytes(broken.content, broken.index));
      expect(await probe(path)).toEqual({ format: FORMAT.mp4, codecs: ['aac', 'h264'], duration: 8 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(playable.map((video) => ({ name: video.name, video })))('ffmpeg plays all 8 s of $name over the TCP API URL without an error (Feature film.mp4 reaches its moov by Range)', async ({ video }) => {
    engine = await fastEmulator();
    const url = await tcpUrl(engine, video.content, video.index, []);
    const decoded = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', url, '-progress', 'pipe:1', '-f', 'null', '-']);
    expect([decoded.code, decoded.err]).toEqual([0, '']);
    expect(Math.max(...[...decoded.out.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1])))).toBe(200); // 8 s at 25 fps
  }, 30_000);
});
