// The MPEG-TS scanner on real media: the emulator's test card (H.264 + AAC, made by
// packages/emulator/scripts/make-test-clip.sh) and clips ffmpeg makes here (H.265,
// MPEG-2, H.264 with B-frames), checked against ffprobe: the `pos` of each video packet
// flagged K is the offset of the first TS packet of its PES, which is what the scanner
// reports. Each clip is also scanned with its random_access_indicator bits cleared, so
// the key frames must be found in the payload alone.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsScanner, type KeyFrame } from '@ace-rx/codec/mpegts';

const TEST_CARD = join(import.meta.dirname, '..', '..', 'emulator', 'src', 'media', 'assets', 'test-card.mpegts');

// Made with (each line: packet,pts,pos,flags):
// ffprobe -v error -select_streams v -show_entries packet=pos,flags,pts -of csv \
//   packages/emulator/src/media/assets/test-card.mpegts | grep K
const TEST_CARD_KEYS = [
  { offset: 1692, pts: 128880 },
  { offset: 51700, pts: 218880 },
  { offset: 101708, pts: 308880 },
  { offset: 151716, pts: 398880 },
];

const ffprobe = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
const ffmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const encoders = ffmpeg ? spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout : '';
if (!ffprobe || !ffmpeg) console.warn('mpegts.test.ts: the ffprobe cross-checks are skipped, ffprobe/ffmpeg are not on PATH (apt-get install -y ffmpeg)');

interface Scan {
  keys: KeyFrame[];
  scanner: TsScanner;
}

function scan(bytes: Uint8Array, chunk = bytes.length): Scan {
  const keys: KeyFrame[] = [];
  const scanner = new TsScanner({ onKeyFrame: (k) => keys.push(k) });
  for (let at = 0; at < bytes.length; at += chunk) scanner.push(bytes.subarray(at, at + chunk));
  scanner.flush();
  return { keys, scanner };
}

/** A copy with every random_access_indicator cleared. */
function withoutRai(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let at = 0; at + 188 <= out.length; at += 188) {
    if ((out[at + 3]! & 0x20) !== 0 && out[at + 4]! > 0) out[at + 5]! &= ~0x40;
  }
  return out;
}

/** The key frames of the video stream, as ffprobe reads them: offset of the PES's first packet and PTS. */
function probeKeys(file: string): { offset: number; pts: number }[] {
  const run = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pos,flags,pts', '-of', 'json', file], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(0);
  const packets = (JSON.parse(run.stdout) as { packets: { pos: string; flags: string; pts: number }[] }).packets;
  return packets.filter((p) => p.flags.startsWith('K')).map((p) => ({ offset: Number(p.pos), pts: p.pts }));
}

const offsetsAndPts = (keys: readonly KeyFrame[]) => keys.map((k) => ({ offset: k.offset, pts: k.pts }));

describe('TsScanner on the emulator test card', () => {
  const card = new Uint8Array(readFileSync(TEST_CARD));

  it('finds the PAT, the PMT, H.264 on PID 0x100 and the four key frames (RAI and IDR both)', () => {
    const { keys, scanner } = scan(card);
    expect(scanner.videoPid).toBe(0x100);
    expect(scanner.videoCodec).toBe('h264');
    expect(scanner.pmtInfo?.streams.map((s) => [s.streamType, s.kind])).toEqual([
      [0x1b, 'video'],
      [0x0f, 'audio'],
    ]);
    expect(offsetsAndPts(keys)).toEqual(TEST_CARD_KEYS);
    expect(keys.every((k) => k.by === 'both' && k.dts === undefined)).toBe(true);
    // Each key frame starts with 0x47 on the video PID, with payload_unit_start.
    for (const k of keys) expect([card[k.offset], card[k.offset + 1]! & 0x40, ((card[k.offset + 1]! & 0x1f) << 8) | card[k.offset + 2]!]).toEqual([0x47, 0x40, 0x100]);
    // The PAT and PMT a key frame carries are the latest before it.
    for (const k of keys) expect(k.patOffset! < k.offset && k.pmtOffset! < k.offset && k.offset - k.pmtOffset! < 2000).toBe(true);
    expect(scanner.stats).toMatchObject({ bytes: card.length, packets: card.length / 188, skippedBytes: 0, syncLosses: 0, badSections: 0, longSections: 0, continuityErrors: 0 });
    expect(scanner.pcr!.offset).toBeGreaterThan(card.length - 2000);
  });

  it('with the RAI bits cleared, finds the same key frames in the payload (by idr)', () => {
    const { keys } = scan(withoutRai(card));
    expect(offsetsAndPts(keys)).toEqual(TEST_CARD_KEYS);
    expect(keys.every((k) => k.by === 'idr')).toBe(true);
  });

  it('gives the same results fed 1, 7, 188 or 1000 bytes at a time', () => {
    const whole = scan(card);
    for (const chunk of [1, 7, 188, 1000]) {
      const cut = scan(card, chunk);
      expect(cut.keys).toEqual(whole.keys);
      expect(cut.scanner.pat).toEqual(whole.scanner.pat);
      expect(cut.scanner.pmt).toEqual(whole.scanner.pmt);
      expect(cut.scanner.stats).toEqual(whole.scanner.stats);
    }
  });

  it('looped with garbage and a mid-packet start, keeps absolute offsets', () => {
    const junk = new Uint8Array(1000).map((_, k) => (k * 37) & 0xff);
    const bytes = new Uint8Array(junk.length + 2 * card.length - 55);
    bytes.set(junk);
    bytes.set(card.subarray(55), junk.length);
    bytes.set(card, junk.length + card.length - 55);
    const { keys, scanner } = scan(bytes, 4096);
    const second = junk.length + card.length - 55;
    expect(offsetsAndPts(keys)).toEqual([...TEST_CARD_KEYS.map((k) => ({ ...k, offset: k.offset + junk.length - 55 })), ...TEST_CARD_KEYS.map((k) => ({ ...k, offset: k.offset + second }))]);
    expect(scanner.stats.syncLosses).toBe(0);
  });

  (ffprobe ? it : it.skip)('agrees with ffprobe on the key frames', () => {
    expect(offsetsAndPts(scan(card).keys)).toEqual(probeKeys(TEST_CARD));
  });
});

const clips: { name: string; args: string[]; codec: 'h264' | 'h265' | 'mpeg2'; needs?: string }[] = [
  { name: 'h265', codec: 'h265', needs: 'libx265', args: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=25:min-keyint=25:log-level=error', '-pix_fmt', 'yuv420p'] },
  { name: 'mpeg2', codec: 'mpeg2', needs: 'mpeg2video', args: ['-c:v', 'mpeg2video', '-g', '25', '-b:v', '400k'] },
  { name: 'h264-bframes', codec: 'h264', needs: 'libx264', args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '20', '-keyint_min', '20', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'] },
];

describe('TsScanner on clips ffmpeg makes', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ace-rx-mpegts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const clip of clips) {
    const available = ffmpeg && ffprobe && (clip.needs === undefined || new RegExp(`\\s${clip.needs}\\s`).test(encoders));
    (available ? it : it.skip)(`${clip.name}: the key frames ffprobe sees, with the RAI bits and without${available ? '' : ` (skipped: no ffmpeg/ffprobe or no ${clip.needs})`}`, () => {
      const file = join(dir, `${clip.name}.ts`);
      const made = spawnSync(
        'ffmpeg',
        ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=3', ...clip.args, '-f', 'mpegts', file],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(made.stderr).toBe('');
      expect(made.status).toBe(0);
      const bytes = new Uint8Array(readFileSync(file));
      const expected = probeKeys(file);
      expect(expected.length).toBeGreaterThanOrEqual(3);
      const withFlag = scan(bytes);
      expect(withFlag.scanner.videoCodec).toBe(clip.codec);
      expect(offsetsAndPts(withFlag.keys)).toEqual(expected);
      expect(withFlag.keys.every((k) => k.by === 'both')).toBe(true);
      const payloadOnly = scan(withoutRai(bytes), 1000);
      expect(offsetsAndPts(payloadOnly.keys)).toEqual(expected);
      expect(payloadOnly.keys.every((k) => k.by === 'idr')).toBe(true);
      if (clip.name === 'h264-bframes') expect(withFlag.keys.every((k) => k.dts !== undefined && k.dts < k.pts!)).toBe(true);
    });
  }
});
