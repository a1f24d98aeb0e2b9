// Framing proven against an oracle: the whole stream decoded at once and split on \n.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeFrame, LineDecoder, type Frame } from '@ace-rx/codec';
import { arbChunks } from '@ace-rx/codec/arbitraries';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));
const utf8 = new TextEncoder();

function feed(decoder: LineDecoder, chunks: readonly Uint8Array[]): Frame[] {
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

/** What any chunking must give: one-shot decode, split on \n, one trailing \r dropped per line. */
function oracle(bytes: Uint8Array, limit: number): Frame[] {
  const out: Frame[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const terminated = end !== -1;
    if (!terminated) end = bytes.length;
    const contentEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    if (contentEnd - start > limit) out.push({ _tag: 'LineTooLong', limit, offset: start });
    else out.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(start, contentEnd)));
    start = end + 1;
  }
  return out;
}

const arbStreamText = fc
  .array(fc.constantFrom('a', 'b', '\r', '\n', '\r\n', 'é', '€', '😀', '\uFEFF'), { maxLength: 60 })
  .map((parts) => parts.join(''));
const arbStream = fc.oneof(
  arbStreamText.map((text) => utf8.encode(text)),
  // Raw bytes, invalid UTF-8 included.
  fc.uint8Array({ maxLength: 60 }).map((bytes) => bytes.map((b) => (b % 7 === 0 ? 0x0a : b % 11 === 0 ? 0x0d : b))),
);

describe('LineDecoder', () => {
  it('gives the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        arbStream.chain((bytes) => fc.tuple(fc.constant(bytes), arbChunks(bytes))),
        ([bytes, chunks]) => {
          expect(feed(new LineDecoder(), chunks)).toEqual(oracle(bytes, 1024 * 1024));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('reports too-long lines at the same place however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        arbStream.chain((bytes) => fc.tuple(fc.constant(bytes), arbChunks(bytes))),
        (limit, [bytes, chunks]) => {
          expect(feed(new LineDecoder({ maxLineBytes: limit }), chunks)).toEqual(oracle(bytes, limit));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('accepts \\r\\n cut between two chunks', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(utf8.encode('AUTH 1\r'))).toEqual([]);
    expect(decoder.push(utf8.encode('\nPAUSE\r\n'))).toEqual([
      'AUTH 1',
      'PAUSE',
    ]);
  });

  it('accepts a bare \\n and keeps a lone \\r inside a line', () => {
    expect(feed(new LineDecoder(), [utf8.encode('a\rb\nc\n')])).toEqual([
      'a\rb',
      'c',
    ]);
  });

  it('decodes a multi-byte character cut across chunks', () => {
    const bytes = utf8.encode('INFO 1;привет 😀\r\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the 4-byte emoji
    const decoder = new LineDecoder();
    expect(decoder.push(bytes.subarray(0, cut))).toEqual([]);
    expect(decoder.push(bytes.subarray(cut))).toEqual(['INFO 1;привет 😀']);
  });

  it('ignores empty chunks and yields an unterminated last line at end()', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    expect(decoder.push(utf8.encode('STOP'))).toEqual([]);
    expect(decoder.end()).toEqual(['STOP']);
    expect(decoder.end()).toEqual([]);
  });

  it('works byte by byte', () => {
    const bytes = utf8.encode('HELLOTS key=a\r\nAUTH 1\r\n');
    const decoder = new LineDecoder();
    const frames = [...bytes].flatMap((b) => decoder.push(Uint8Array.of(b)));
    expect(frames).toEqual([
      'HELLOTS key=a',
      'AUTH 1',
    ]);
  });

  it('holds no more than the limit while skipping a huge line, then resynchronises', () => {
    const limit = 1024;
    const decoder = new LineDecoder({ maxLineBytes: limit });
    const block = new Uint8Array(64 * 1024).fill(0x41);
    const frames: Frame[] = [];
    for (let i = 0; i < 160; i++) {
      frames.push(...decoder.push(block)); // 10 MiB without a newline
      expect(decoder.buffered).toBeLessThanOrEqual(limit + 1);
    }
    frames.push(...decoder.push(utf8.encode('tail of the huge line\nAUTH 1\n')));
    expect(frames).toEqual([
      { _tag: 'LineTooLong', limit, offset: 0 },
      'AUTH 1',
    ]);
  });

  it('accepts a line of exactly the limit, with or without \\r', () => {
    const decoder = new LineDecoder({ maxLineBytes: 4 });
    expect(feed(decoder, [utf8.encode('abcd\r'), utf8.encode('\nabcd\nabcde\n')])).toEqual([
      'abcd',
      'abcd',
      { _tag: 'LineTooLong', limit: 4, offset: 11 },
    ]);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new LineDecoder({ maxLineBytes: 0 })).toThrow(RangeError);
    expect(() => new LineDecoder({ maxLineBytes: 1.5 })).toThrow(RangeError);
  });

  it('forgets a partial line on reset()', () => {
    const decoder = new LineDecoder();
    decoder.push(utf8.encode('half a li'));
    decoder.reset();
    expect(feed(decoder, [utf8.encode('AUTH 0\n')])).toEqual(['AUTH 0']);
  });
});

describe('encodeFrame', () => {
  it('writes UTF-8 with \\r\\n', () => {
    expect([...encodeFrame('INFO 1;é')]).toEqual([...utf8.encode('INFO 1;é\r\n')]);
  });
});
