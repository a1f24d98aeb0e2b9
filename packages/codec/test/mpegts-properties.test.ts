// Properties of the MPEG-TS scanner: results do not depend on how the bytes are cut
// (real stream, stream with garbage spliced in, damaged stream, packet-shaped noise), and
// no input makes it throw or hold more than its fixed buffers.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { arbChunks } from '@ace-rx/codec/arbitraries';
import { TsScanner, type KeyFrame, type PatEvent, type PmtEvent } from '@ace-rx/codec/mpegts';
import { concat, h264, h264AccessUnit, nal, packet, pes, pesPackets, psi, VIDEO_PID, AUDIO_PID, PMT_PID } from './mpegts-builders.js';
import { expectEqual } from './expect-equal.js';

const card = new Uint8Array(readFileSync(join(import.meta.dirname, '..', '..', 'emulator', 'src', 'media', 'assets', 'test-card.mpegts')));

/** A partial packet (in sync) or the sync window (not): at most 377 bytes; and a PES header. */
const MAX_HELD = 377 + 264;

/** Everything a scanner tells, after the given chunks. */
function observe(chunks: readonly Uint8Array[]) {
  const events: (['key', KeyFrame] | ['pat', PatEvent] | ['pmt', PmtEvent])[] = [];
  const scanner = new TsScanner({ onKeyFrame: (k) => events.push(['key', k]), onPat: (p) => events.push(['pat', p]), onPmt: (p) => events.push(['pmt', p]) });
  for (const chunk of chunks) {
    scanner.push(chunk);
    if (scanner.bufferedBytes > MAX_HELD) throw new Error(`holds ${scanner.bufferedBytes} bytes`);
  }
  scanner.flush();
  return {
    events,
    pat: scanner.pat,
    patOffset: scanner.patOffset,
    pmt: scanner.pmt,
    pmtOffset: scanner.pmtOffset,
    videoPid: scanner.videoPid,
    videoCodec: scanner.videoCodec,
    aligned: scanner.aligned,
    pcr: scanner.pcr,
    pts: scanner.pts,
    stats: scanner.stats,
  };
}

/** Bytes cut into pieces at the given cut points. */
function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of sorted) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** `bytes` with each [position, insert] spliced in. */
function splice(bytes: Uint8Array, inserts: readonly [number, Uint8Array][]): Uint8Array {
  const sorted = [...inserts].map(([at, b]) => [at % (bytes.length + 1), b] as const).sort((a, b) => a[0] - b[0]);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const [at, insert] of sorted) {
    parts.push(bytes.subarray(from, at), insert);
    from = at;
  }
  parts.push(bytes.subarray(from));
  return concat(...parts);
}

const whole = observe([card]);

describe('TsScanner properties', () => {
  it('any chunking of the test card gives the same key frames, PAT, PMT, clocks and counters', () => {
    expect(whole.events.filter(([kind]) => kind === 'key')).toHaveLength(4);
    fc.assert(
      fc.property(arbChunks(card), (chunks) => {
        expectEqual(observe(chunks), whole);
      }),
      { numRuns: 200 },
    );
  });

  it('the test card fed one byte at a time gives what one chunk gives', () => {
    const bytes: Uint8Array[] = [];
    for (let at = 0; at < card.length; at++) bytes.push(card.subarray(at, at + 1));
    expect(observe(bytes)).toEqual(whole);
  });

  it('garbage spliced in anywhere: any chunking gives what one chunk gives, and never a throw', () => {
    const garbage = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.constantFrom(new Uint8Array([0x47]), new Uint8Array(188).fill(0x47), card.subarray(0, 188)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), garbage), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 40 }), (inserts, cuts) => {
        const bytes = splice(card, inserts);
        const one = observe([bytes]);
        expectEqual(observe(cutAt(bytes, cuts)), one);
        expectEqual(one.stats.bytes, bytes.length);
      }),
      { numRuns: 150 },
    );
  });

  it('a damaged test card (bytes overwritten anywhere): never a throw, and the chunking does not matter', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(card.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 200 }), fc.array(fc.nat(), { maxLength: 20 }), (damage, cuts) => {
        const bytes = card.slice();
        for (const [at, value] of damage) bytes[at] = value;
        expectEqual(observe(cutAt(bytes, cuts)), observe([bytes]));
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes in random chunks: never a throw, bounded buffers, every byte counted', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 20 }), (chunks) => {
        const seen = observe(chunks);
        expectEqual(seen.stats.bytes, chunks.reduce((n, c) => n + c.length, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('packet-shaped noise on the PSI and video PIDs after a real PAT/PMT: never a throw, and the chunking does not matter', () => {
    const pid = fc.constantFrom(0, PMT_PID, VIDEO_PID, AUDIO_PID, 0x1fff);
    const noisePacket = fc.tuple(pid, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 184, maxLength: 184 })).map(([p, b1, b3, body]) => {
      const out = new Uint8Array(188);
      out.set([0x47, (b1 & 0xe0) | (p >> 8), p & 0xff, b3]);
      out.set(body, 4);
      return out;
    });
    const real = fc.constantFrom(
      ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1), { rai: true }),
      ...pesPackets(VIDEO_PID, pes(concat(nal(h264(9), 1), nal(h264(5), 400)), 2)),
      packet({ pid: VIDEO_PID, noPayload: true, pcr: 5 }),
      psi().subarray(0, 188),
      psi().subarray(188),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(noisePacket, real), { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, cuts) => {
        const bytes = concat(psi(), ...packets);
        expectEqual(observe(cutAt(bytes, cuts)), observe([bytes]));
      }),
      { numRuns: 300 },
    );
  });
});
