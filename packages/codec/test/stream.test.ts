// EngineDecoder proven against its definition: LineDecoder, then decodeEngineMessage of
// each line, exactly (decodeEngineMessage drops one `\r` left at a line's end, so
// `x\r\r\n` reads as `x` whichever way it is decoded).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeEngineMessage, encodeEngineMessage, EngineDecoder, LineDecoder, type EngineFrame } from '@ace-rx/codec';
import { arbChunks, arbEngineMessage } from '@ace-rx/codec/arbitraries';
import { engineFixtures } from './fixtures.js';
import { expectEqual } from './expect-equal.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));
const utf8 = new TextEncoder();

function feed(decoder: EngineDecoder, chunks: readonly Uint8Array[]): EngineFrame[] {
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

/** The definition: frame the whole stream as one chunk, then decode each line. */
function oracle(bytes: Uint8Array, limit: number): EngineFrame[] {
  const lines = new LineDecoder({ maxLineBytes: limit });
  return [...lines.push(bytes), ...lines.end()].map((frame) =>
    typeof frame === 'string' ? decodeEngineMessage(frame) : { _tag: 'Left', left: frame },
  );
}

/**
 * What `toEqual` leaves out: the order of every object's keys (a fast path that built
 * its objects with keys in another order would still be equal). Compared as a list of
 * key lists, depth first.
 */
function keyOrder(value: unknown, out: string[][] = []): string[][] {
  if (typeof value === 'object' && value !== null) {
    out.push(Object.keys(value));
    for (const key of Object.keys(value)) keyOrder((value as Record<string, unknown>)[key], out);
  }
  return out;
}

/** EngineDecoder's frames are the oracle's: equal, with the keys of every object in the same order. */
function expectSameFrames(actual: EngineFrame[], expected: EngineFrame[]): void {
  expectEqual(actual, expected);
  expectEqual(keyOrder(actual), keyOrder(expected));
}

// STATUS lines near the fast path's edges: parts of every state with plain fields
// (1 to 17 digits; 15 is the most a field may have), as many as the layouts take
// (10 for dl, 12 for prebuf and buf) or any other count, with or without an ad part;
// then the same with a piece changed.
// (fast-check keeps generated strings short unless told their length)
const digits = fc.integer({ min: 1, max: 17 }).chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n }));
const fieldCount = fc.oneof(fc.constant(10), fc.constant(12), fc.integer({ min: 0, max: 13 }));
const states = ['dl', 'prebuf', 'buf', 'wait', 'check', 'seekprebuf', 'idle', 'starting', 'loading', 'err', 'prebu', 'x'];
const plainPart = fc
  .tuple(fc.constantFrom(...states), fieldCount)
  .chain(([state, count]) => fc.array(digits, { minLength: count, maxLength: count }).map((fields) => [state, ...fields].join(';')));
const plainStatus = fc
  .tuple(plainPart, fc.option(plainPart, { nil: undefined }))
  .map(([main, ad]) => `STATUS main:${main}${ad === undefined ? '' : `|ad:${ad}`}`);
// EVENTs near the edges of their fast path: livepos params (digits, flags and a few
// other values) in order or shuffled, some left out or repeated; numberless names.
const liveposKeys = ['last', 'live_first', 'pos', 'first_ts', 'last_ts', 'is_live', 'live_last', 'buffer_pieces'];
const odd = fc.constantFrom('2', '-3', '%31', '', '1x');
const paramValue = fc.oneof({ arbitrary: digits, weight: 12 }, { arbitrary: odd, weight: 1 });
const flagValue = fc.oneof({ arbitrary: fc.constantFrom('0', '1'), weight: 12 }, { arbitrary: odd, weight: 1 });
const sentKeys = fc.oneof(
  { arbitrary: fc.constant(liveposKeys), weight: 3 },
  { arbitrary: fc.shuffledSubarray(liveposKeys, { minLength: 6 }), weight: 1 },
);
const plainEvent = fc.oneof(
  fc
    .tuple(sentKeys, fc.array(paramValue, { minLength: 8, maxLength: 8 }), flagValue)
    .map(([keys, values, flag]) => `EVENT livepos ${keys.map((key, i) => `${key}=${key === 'is_live' ? flag : values[i]}`).join(' ')}`),
  fc.constantFrom('EVENT getuserdata', 'EVENT getuserdata x=1', 'EVENT livepos', 'EVENT liveposx last=1', 'EVENT cansave infohash=a index=0 format=plain'),
);
// Commands that are the whole line, as the engine sends them (pieces added below make
// near misses: `PAUSE `, `PAUS`, `RESUMEé`, `STOP 1`).
const bareCommand = fc.constantFrom('PAUSE', 'RESUME', 'STOP', 'SHUTDOWN', 'NOTREADY');
const piece = fc.constantFrom(
  'STATUS main:', 'STATUS ', 'main:', 'dl;', 'buf;', 'prebuf;', '0', '7', '12', ';', ';;', '-', '|ad:', ' ', 'é', '\r', '\n', '\r\n',
  'EVENT ', 'livepos ', 'pos=', 'last=', '=', 'is_live=1', 'PAUSE', 'E', '1',
);
const edgeLine = fc.oneof(plainStatus, plainEvent, bareCommand);
const line = fc.oneof(
  edgeLine,
  fc.tuple(edgeLine, fc.array(piece, { maxLength: 4 }), fc.nat()).map(([text, extra, at]) => {
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + extra.join('') + text.slice(cut);
  }),
  arbEngineMessage.map(encodeEngineMessage),
);
const ending = fc.constantFrom('\r\n', '\n', '\r\r\n', '\r\r\r\n');
const arbStream = fc
  .array(fc.tuple(line, ending), { maxLength: 8 })
  .map((lines) => utf8.encode(lines.map(([text, end]) => text + end).join('')));

describe('EngineDecoder', () => {
  it('gives what LineDecoder then decodeEngineMessage give, however the stream is chunked', () => {
    fc.assert(
      fc.property(
        arbStream.chain((bytes) => fc.tuple(fc.constant(bytes), arbChunks(bytes))),
        ([bytes, chunks]) => {
          expectSameFrames(feed(new EngineDecoder(), chunks), oracle(bytes, 1024 * 1024));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives what the text path gives for every one-character change of the lines its fast paths take', () => {
    const lines = [
      'STATUS main:dl;0;0;110;0;0;7;0;131072;0;0',
      'STATUS main:prebuf;45;30;0;0;29;0;0;8;0;131072;0;0',
      'STATUS main:buf;85;315;0;0;130;0;0;8;0;131072;0;0',
      'STATUS main:prebuf;45;30|ad:buf;69',
      'EVENT livepos last=1500 live_first=1400 pos=1499 first_ts=1700000000 last_ts=1700000100 is_live=1 live_last=1500 buffer_pieces=15',
      'PAUSE', 'RESUME', 'STOP', 'SHUTDOWN', 'NOTREADY',
    ];
    const changed: string[] = [];
    for (const line of lines) {
      for (let i = 0; i <= line.length; i++) {
        for (const c of ['x', 'S', ' ', ';', '|', '=', '9', 'é', '\r']) {
          changed.push(line.slice(0, i) + c + line.slice(i + 1), line.slice(0, i) + c + line.slice(i));
        }
        changed.push(line.slice(0, i) + line.slice(i + 1));
      }
    }
    const bytes = utf8.encode(changed.map((line) => line + '\r\n').join(''));
    expectSameFrames(feed(new EngineDecoder(), [bytes]), oracle(bytes, 1024 * 1024));
  });

  it('reports too-long lines as LineDecoder does, STATUS lines included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        arbStream.chain((bytes) => fc.tuple(fc.constant(bytes), arbChunks(bytes))),
        (limit, [bytes, chunks]) => {
          expectSameFrames(feed(new EngineDecoder({ maxLineBytes: limit }), chunks), oracle(bytes, limit));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('decodes every engine fixture of the spec to its expected message', () => {
    const bytes = utf8.encode(engineFixtures.map((f) => f.line + '\r\n').join(''));
    expect(feed(new EngineDecoder(), [bytes])).toEqual(engineFixtures.map((f) => ({ _tag: 'Right', right: f.message })));
  });

  it('decodes a session as typed messages, a malformed line as a DecodeError', () => {
    const bytes = utf8.encode('STATUS main:dl;0;0;110;0;0;7;0;131072;0;0\r\nSTATUS main:buf;x\r\nPAUSE\r\n');
    expect(feed(new EngineDecoder(), [bytes])).toEqual([
      {
        _tag: 'Right',
        right: {
          kind: 'STATUS',
          main: {
            state: 'dl',
            totalProgress: 0,
            immediateProgress: 0,
            speedDown: 110,
            httpSpeedDown: 0,
            speedUp: 0,
            peers: 7,
            httpPeers: 0,
            downloaded: 131072,
            httpDownloaded: 0,
            uploaded: 0,
          },
        },
      },
      decodeEngineMessage('STATUS main:buf;x'),
      { _tag: 'Right', right: { kind: 'PAUSE' } },
    ]);
    expect(decodeEngineMessage('STATUS main:buf;x')._tag).toBe('Left');
  });

  it('reads x\\r\\r\\n as LineDecoder then decodeEngineMessage do: the line x, however chunked', () => {
    for (const chunks of [['x\r\r\n'], ['x\r', '\r\n'], ['x\r\r', '\n'], ['x', '\r', '\r', '\n']]) {
      expect(feed(new EngineDecoder(), chunks.map((c) => utf8.encode(c)))).toEqual([{ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'x' } }]);
      expect(feed(new EngineDecoder(), chunks.map((c) => utf8.encode(c)))).toEqual(oracle(utf8.encode('x\r\r\n'), 1024 * 1024));
    }
    // One more `\r` is content: decodeEngineMessage drops one only.
    expect(feed(new EngineDecoder(), [utf8.encode('x\r\r\r\n')])).toEqual([{ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'x\r' } }]);
    // The fast paths leave such a line to the text decoder, which reads it as decodeEngineMessage does.
    expect(feed(new EngineDecoder(), [utf8.encode('PAUSE\r\r\n')])).toEqual([{ _tag: 'Right', right: { kind: 'PAUSE' } }]);
    expect(feed(new EngineDecoder(), [utf8.encode('PAUSE\r\r\r\n')])).toEqual([{ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'PAUSE\r' } }]);
    const status = 'STATUS main:dl;0;0;110;0;0;7;0;131072;0;0';
    expect(feed(new EngineDecoder(), [utf8.encode(status + '\r\r\n')])).toEqual([decodeEngineMessage(status)]);
    expect(feed(new EngineDecoder(), [utf8.encode(status + '\r\r\r\n')])[0]!._tag).toBe('Left');
    expect(feed(new EngineDecoder(), [utf8.encode('PAUSE\r\n')])).toEqual([{ _tag: 'Right', right: { kind: 'PAUSE' } }]);
  });

  it('gives a Left DecodeError, never a throw, for a chunk that is not a Uint8Array', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const decoder = new EngineDecoder();
        const frames = decoder.push(value as Uint8Array);
        expect(frames).toHaveLength(1);
        expect(frames[0]).toMatchObject({ _tag: 'Left', left: { _tag: 'DecodeError' } });
        expect(feed(decoder, [utf8.encode('AUTH 1\r\n')])).toEqual([{ _tag: 'Right', right: { kind: 'AUTH', level: 1 } }]);
      }),
      { numRuns: RUNS },
    );
    expect(new LineDecoder().push(undefined as unknown as Uint8Array)).toEqual([]);
    expect(new LineDecoder().push('AUTH 1\n' as unknown as Uint8Array)).toEqual([]);
  });

  it('keeps a partial line across chunks and forgets it on reset()', () => {
    const decoder = new EngineDecoder();
    expect(decoder.push(utf8.encode('STATUS main:prebuf;4'))).toEqual([]);
    expect(decoder.buffered).toBe(20);
    decoder.reset();
    expect(decoder.buffered).toBe(0);
    expect(feed(decoder, [utf8.encode('AUTH 1\n')])).toEqual([{ _tag: 'Right', right: { kind: 'AUTH', level: 1 } }]);
  });
});
