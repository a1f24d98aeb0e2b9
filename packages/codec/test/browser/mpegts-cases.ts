// The MPEG-TS scanner's cases of the browser suite (also run under Bun and Deno): a
// hand-built stream (mpegts-builders.ts) read whole, byte by byte and in random chunks,
// key frames by RAI and by IDR, sync after garbage, and random bytes never throwing.
import fc from 'fast-check';
import { arbChunks } from '@ace-rx/codec/arbitraries';
import { TsScanner, type KeyFrame } from '@ace-rx/codec/mpegts';
import { audioPacket, concat, h264, h264AccessUnit, h265, nal, pes, pesPackets, psi, VIDEO_PID } from '../mpegts-builders.js';

type Test = (name: string, body: () => void) => void;
type ExpectEqual = (actual: unknown, expected: unknown, what: string) => void;

function keysOf(chunks: readonly Uint8Array[]): { offset: number; by: string; pts: number | undefined }[] {
  const keys: KeyFrame[] = [];
  const scanner = new TsScanner({ onKeyFrame: (k) => keys.push(k) });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.flush();
  return keys.map((k) => ({ offset: k.offset, by: k.by, pts: k.pts }));
}

/** Registers the MPEG-TS cases with the suite's `test` and `expectEqual`. */
export function mpegtsCases(test: Test, expectEqual: ExpectEqual, runs: number): void {
  const stream = concat(
    psi(),
    ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1000), { rai: true }),
    audioPacket(),
    ...pesPackets(VIDEO_PID, pes(concat(nal(h264(9), 1), nal(h264(1), 300)), 4600), { cc: 2 }),
    ...pesPackets(VIDEO_PID, pes(concat(nal(h264(9), 1), nal(h264(7), 170), nal(h264(5), 300)), 8200), { cc: 4 }),
  );
  const expected = [
    { offset: 376, by: 'both', pts: 1000 },
    { offset: 376 + 5 * 188, by: 'idr', pts: 8200 },
  ];
  test('mpegts: key frames by RAI and IDR, in one chunk', () => expectEqual(keysOf([stream]), expected, 'keys'));
  test('mpegts: byte by byte', () => expectEqual(keysOf(Array.from(stream, (b) => new Uint8Array([b]))), expected, 'keys'));
  test('mpegts: any chunking', () => fc.assert(fc.property(arbChunks(stream), (chunks) => expectEqual(keysOf(chunks), expected, 'keys')), { numRuns: runs }));
  test('mpegts: sync after garbage, absolute offsets', () =>
    expectEqual(
      keysOf([new Uint8Array(100).fill(0x47), stream]),
      expected.map((k) => ({ ...k, offset: k.offset + 100 })),
      'keys',
    ));
  test('mpegts: H.265 IDR', () => {
    const h265Stream = concat(psi(0x24), ...pesPackets(VIDEO_PID, pes(concat(nal(h265(35), 2), nal(h265(32), 20), nal(h265(20), 200)), 7)));
    expectEqual(keysOf([h265Stream]), [{ offset: 376, by: 'idr', pts: 7 }], 'keys');
  });
  test('mpegts: random bytes never throw', () =>
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 1000 }), { maxLength: 10 }), (chunks) => {
        const scanner = new TsScanner();
        for (const chunk of chunks) scanner.push(chunk);
        scanner.flush();
      }),
      { numRuns: runs },
    ));
}
