import { describe, expect, it } from '@jest/globals';
import {
  LoopedClip,
  liveStream,
  MediaFormatError,
  NULL_PID,
  nullPacket,
  readHeader,
  readPcr,
  readTimestamps,
  shiftTimestamps,
  testCard,
  TIMESTAMP_MODULUS,
  TS_PACKET_SIZE,
  writePcr,
} from '@ace-rx/emulator';
import { inspect } from './ts-inspect.js';

describe('transport stream packets', () => {
  it('rejects bytes without a sync byte, with a typed error', () => {
    const bad = new Uint8Array(TS_PACKET_SIZE);
    expect(() => readHeader(bad)).toThrow(MediaFormatError);
    expect(() => new LoopedClip(new Uint8Array(100))).toThrow(MediaFormatError);
  });

  it('reads a null packet', () => {
    expect(readHeader(nullPacket())).toMatchObject({ pid: NULL_PID, hasPayload: true, hasAdaptation: false, continuity: 0 });
  });

  it('shifts PTS and DTS modulo 2^33 and writes PCRs that read back', () => {
    const card = testCard();
    let at = 0;
    while (readTimestamps(card, at).pts === undefined) at += TS_PACKET_SIZE;
    const packet = card.slice(at, at + TS_PACKET_SIZE);
    const before = readTimestamps(packet).pts!;
    shiftTimestamps(packet, 0, TIMESTAMP_MODULUS - 10);
    expect(readTimestamps(packet).pts).toBe((before - 10 + TIMESTAMP_MODULUS) % TIMESTAMP_MODULUS);
    let p = 0;
    while (readPcr(card, p) === undefined) p += TS_PACKET_SIZE;
    const withPcr = card.slice(p, p + TS_PACKET_SIZE);
    expect(writePcr(withPcr, 0, 123_456_789 * 300 + 299)).toBe(true);
    expect(readPcr(withPcr)).toBe(123_456_789 * 300 + 299);
    expect(writePcr(nullPacket(), 0, 1)).toBe(false);
  });
});

describe('the looped clip', () => {
  const clip = new LoopedClip(testCard(), { bitrate: 4_000_000 });

  it('lasts exactly 4 s per loop and fills the bitrate with null packets', () => {
    expect(clip.loopTicks).toBe(360_000);
    expect(clip.packetsPerLoop).toBe(Math.round((4_000_000 * 4) / 8 / 188));
  });

  it('keeps sync bytes, continuity counters and rising clocks across two loop boundaries', () => {
    const seen = inspect(clip.packets(0, clip.packetsPerLoop * 3));
    expect(seen.ccErrors).toEqual([]);
    for (let i = 1; i < seen.pcrs.length; i++) expect(seen.pcrs[i]!).toBeGreaterThan(seen.pcrs[i - 1]!);
    for (const stamps of seen.pts.values()) {
      const third = stamps.length / 3;
      expect(Number.isInteger(third)).toBe(true);
      for (let i = 0; i < third; i++) {
        expect(stamps[i + third]! - stamps[i]!).toBe(360_000);
        expect(stamps[i + 2 * third]! - stamps[i]!).toBe(720_000);
      }
    }
  });

  it('gives any byte range as a slice of the same endless stream', () => {
    const whole = clip.packets(clip.packetsPerLoop - 10, 20);
    const start = (clip.packetsPerLoop - 10) * TS_PACKET_SIZE;
    expect(Buffer.from(clip.bytes(start + 5, start + 3000)).equals(whole.subarray(5, 3000))).toBe(true);
  });

  it('finds access points that start with a PAT', () => {
    const k = clip.packetsPerLoop * 2 + 1234;
    const point = clip.accessPointAtOrBefore(k);
    expect(point).toBeLessThanOrEqual(k);
    expect(readHeader(clip.packets(point, 1)).pid).toBe(0);
  });
});

describe('the paced live stream', () => {
  it('sends a burst, then the bitrate, never ending by itself', async () => {
    const clip = new LoopedClip(testCard(), { bitrate: 800_000 });
    const started = performance.now();
    const stream = liveStream(clip, { burstSeconds: 0.5, tickMs: 20 });
    const perSecond = 800_000 / 8;
    let bytes = 0;
    const samples: { at: number; bytes: number }[] = [];
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      samples.push({ at: (performance.now() - started) / 1000, bytes });
    });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    stream.destroy();
    const elapsed = (performance.now() - started) / 1000;
    expect(stream.readableEnded).toBe(false);
    expect(samples[0]!.bytes).toBeGreaterThanOrEqual(0.5 * perSecond - 188 * 2);
    // Never ahead of the schedule (whole packets: the burst rounds to one), and no more than a second behind it.
    for (const s of samples) expect(s.bytes).toBeLessThanOrEqual(0.5 * perSecond + s.at * perSecond + 2 * 188);
    expect(bytes).toBeGreaterThanOrEqual(0.5 * perSecond + (elapsed - 1) * perSecond);
  });

  it('stalls after the configured bytes and stays open', async () => {
    const clip = new LoopedClip(testCard(), { bitrate: 800_000 });
    const stream = liveStream(clip, { burstSeconds: 0.1, tickMs: 10, stallAfterBytes: 188 * 100 });
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(bytes).toBe(188 * 100);
    expect(stream.destroyed).toBe(false);
    stream.destroy();
  });
});
