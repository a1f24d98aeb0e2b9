import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CLIENT_COMMANDS,
  decodeClientMessage,
  decodeError,
  ENGINE_COMMANDS,
  ENGINE_STATES,
  encodeClientMessage,
  isEmptyParams,
  isKnownEventName,
  isKnownStatusState,
  makeParams,
  ParamsSchema,
  ParseFailure,
  type FieldSpec,
} from '@ace-rx/codec';
import { arbCodePoint, arbCommonStatusFields, arbLoadSource, arbStartSource, CLIENT_KINDS, ENGINE_KINDS } from '@ace-rx/codec/arbitraries';
import { readLines, withoutCr } from '../src/text.js';

describe('command tables', () => {
  it('know every command of the spec, in both directions', () => {
    expect([...CLIENT_COMMANDS].sort()).toEqual(
      ['DUR', 'EVENT', 'GETADURL', 'GETCID', 'GETPID', 'HELLOBG', 'LIVESEEK', 'LOAD', 'LOADASYNC', 'PLAYBACK', 'READY', 'SAVE', 'SETOPTIONS', 'SHUTDOWN', 'START', 'STATUS', 'STOP', 'STOPDL', 'USERDATA'].sort(),
    );
    expect([...ENGINE_COMMANDS].sort()).toEqual(
      ['AUTH', 'EVENT', 'HELLOTS', 'INFO', 'LOADRESP', 'NOTREADY', 'PAUSE', 'PLAY', 'PLAYAD', 'PLAYADI', 'RESUME', 'SHUTDOWN', 'START', 'STATE', 'STATUS', 'STOP'].sort(),
    );
    expect(new Set(ENGINE_KINDS)).toEqual(new Set([...ENGINE_COMMANDS, 'SYNC', 'UNKNOWN']));
    expect(new Set(CLIENT_KINDS)).toEqual(new Set([...CLIENT_COMMANDS, 'UNKNOWN']));
  });

  it('name the STATE ids as the spec does', () => {
    expect(ENGINE_STATES).toEqual({ 0: 'IDLE', 1: 'PREBUFFERING', 2: 'DOWNLOADING', 3: 'BUFFERING', 4: 'COMPLETED', 5: 'CHECKING', 6: 'ERROR' });
  });
});

describe('predicates', () => {
  it('tell known names from others, including Object.prototype names', () => {
    expect(isKnownEventName('livepos')).toBe(true);
    expect(isKnownEventName('toString')).toBe(false);
    expect(isKnownStatusState('seekprebuf')).toBe(true);
    expect(isKnownStatusState('err')).toBe(true);
    expect(isKnownStatusState('constructor')).toBe(false);
    expect(isEmptyParams(makeParams())).toBe(true);
    expect(isEmptyParams(makeParams([['__proto__', 'x']]))).toBe(false);
  });

  it('decodeError clamps the position and quotes an excerpt', () => {
    expect(decodeError('AUTH x', 99, 'an integer')).toMatchObject({ position: 6, message: 'expected an integer at position 6: ""' });
  });
});

describe('source and STATUS arbitraries', () => {
  it('make sources that START and LOAD carry intact', () => {
    fc.assert(
      fc.property(arbStartSource, arbLoadSource, (start, load) => {
        expect(decodeClientMessage(encodeClientMessage({ kind: 'START', source: start }))).toEqual({ _tag: 'Right', right: { kind: 'START', source: start } });
        expect(decodeClientMessage(encodeClientMessage({ kind: 'LOAD', source: load }))).toEqual({ _tag: 'Right', right: { kind: 'LOAD', source: load } });
      }),
      { numRuns: 300 },
    );
    fc.assert(fc.property(arbCommonStatusFields, (fields) => expect(Object.keys(fields)).toHaveLength(10)), { numRuns: 50 });
  });
});

describe('arbCodePoint', () => {
  // fast-check's `unit: 'binary'`, as it builds it: every code point but the surrogates, in order.
  const binary = fc.mapToConstant({ num: 0xd800, build: (i) => String.fromCodePoint(i) }, { num: 0x10ffff - 0xe000 + 1, build: (i) => String.fromCodePoint(0xe000 + i) });

  it("draws what fast-check's binary unit draws, seed for seed", () => {
    for (const seed of [1, 42, 4242]) expect(fc.sample(arbCodePoint, { seed, numRuns: 2000 })).toEqual(fc.sample(binary, { seed, numRuns: 2000 }));
  });

  it('draws one code point, never a lone surrogate, and reads back what it drew (so it shrinks without context)', () => {
    const drawn = fc.sample(arbCodePoint, { seed: 7, numRuns: 5000 });
    expect(drawn.filter((c) => [...c].length !== 1 || /\p{Cs}/u.test(c))).toEqual([]);
    expect(drawn.every((c) => arbCodePoint.canShrinkWithoutContext(c))).toBe(true);
    for (const c of ['\u{10ffff}', '\ud7ff', '\ue000', '\0']) expect(arbCodePoint.canShrinkWithoutContext(c)).toBe(true);
    for (const other of ['', 'ab', '\ud800', '\udfff', 7, undefined]) expect(arbCodePoint.canShrinkWithoutContext(other)).toBe(false);
  });
});

describe('ParamsSchema', () => {
  const schema = new ParamsSchema('T', [
    { name: 'a', key: 'a_key', type: 'int', required: true },
    { name: 'b', key: 'b_key', type: 'string', aliases: ['b_old'] },
    { name: 'c', key: 'c_key', type: 'flag', required: true },
  ]);
  const raw = (...pairs: [string, string][]) => pairs.map(([key, value]) => ({ key, value, valueAt: 0 }));

  it('reads params in any order, aliases too; a later duplicate wins; the rest is extra', () => {
    const into: Record<string, unknown> = {};
    const extra = schema.read(raw(['c_key', '1'], ['x', 'y'], ['b_old', 'old'], ['a_key', '5'], ['a_key', '6']), into, 0);
    expect(into).toEqual({ a: 6, b: 'old', c: true });
    expect(extra).toEqual(makeParams([['x', 'y']]));
    expect(schema.isTyped('b_old') && schema.isTyped('c_key') && !schema.isTyped('b')).toBe(true);
  });

  it('names the first missing required param', () => {
    expect(() => schema.read(raw(['b_key', 'x']), {}, 3)).toThrow(expect.objectContaining({ position: 3, expected: 'param a_key= (T)' }));
    expect(() => schema.read(raw(['a_key', '1']), {}, 3)).toThrow(expect.objectContaining({ expected: 'param c_key= (T)' }));
  });

  it('reads a line in place as read() reads its tokens, errors at their offset, leftmost first', () => {
    const line = 'CMD c_key=1  x=%41 b_old=a%20b a_key=-7';
    const into: Record<string, unknown> = {};
    expect(schema.readLine(line, 4, into, line.length)).toEqual(makeParams([['x', 'A']]));
    expect(into).toEqual({ c: true, b: 'a b', a: -7 });
    const failure = (text: string) => {
      try {
        schema.readLine(text, 4, {}, text.length);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(failure('CMD a_key=1x c_key=1')).toBeInstanceOf(ParseFailure);
    expect(failure('CMD a_key=1x c_key=1')).toEqual(expect.objectContaining({ position: 11, expected: 'an integer (a_key)' }));
    expect(failure('CMD a_key=%3x c_key=1')).toEqual(expect.objectContaining({ position: 10, expected: 'two hex digits after %' }));
    expect(failure('CMD c_key=2 novalue a_key=1')).toEqual(expect.objectContaining({ position: 10, expected: '0 or 1 (c_key)' }));
    expect(failure('CMD a_key=1 novalue')).toEqual(expect.objectContaining({ position: 12, expected: 'key=value' }));
    expect(failure('CMD =1')).toEqual(expect.objectContaining({ position: 4, expected: 'key=value' }));
    expect(failure('CMD a_key=1')).toEqual(expect.objectContaining({ position: 11, expected: 'param c_key= (T)' }));
  });

  it('reads a numeric table from bytes as readLine does, and declines any other shape', () => {
    const numeric = new ParamsSchema('N', [
      { name: 'n', key: 'n', type: 'int', required: true },
      { name: 'f', key: 'f', type: 'flag' },
    ]);
    expect(schema.numeric).toBe(false);
    expect(numeric.numeric).toBe(true);
    const bytes = (text: string) => new TextEncoder().encode(text);
    const read = (table: ParamsSchema<object>, text: string) => {
      const into: Record<string, unknown> = {};
      const end = table.readBytes(bytes(text), 0, text.length, into);
      return end === -1 ? undefined : { end, into };
    };
    expect(read(numeric, ' n=42 f=0\r\n')).toEqual({ end: 9, into: { n: 42, f: false } });
    expect(read(numeric, ' f=1 n=007 n=3')).toEqual({ end: 14, into: { f: true, n: 3 } });
    expect(read(numeric, ' n=123456789012345')).toEqual({ end: 18, into: { n: 123456789012345 } });
    // Left to the text path: too many digits, a sign, an escape, a bad flag, an
    // unknown key, two spaces, a missing required key, a table with a string field.
    for (const text of [' n=1234567890123456', ' n=-1', ' n=%31', ' n=1 f=2', ' n=1 x=1', '  n=1', ' f=1', '']) {
      expect(read(numeric, text)).toBeUndefined();
    }
    expect(read(schema, ' a_key=1 c_key=1')).toBeUndefined();
  });

  it('reads a shaped table in table order through its shape, and says where it stopped', () => {
    const fields: FieldSpec[] = [
      { name: 'n', key: 'n', type: 'int', required: true },
      { name: 'f', key: 'f', type: 'flag' },
    ];
    const shaped = new ParamsSchema<{ n: number; f: boolean }>('S', fields, ([n, f]) => ({ n: n!, f: f === 1 }));
    const bytes = (text: string) => new TextEncoder().encode(text);
    const inOrder = <A extends object>(table: ParamsSchema<A>, text: string) => {
      const read = table.readBytesInOrder(bytes(text), 0, text.length);
      return read === undefined ? undefined : { read, end: table.inOrderEnd };
    };
    expect(inOrder(shaped, ' n=42 f=1\r\n')).toEqual({ read: { n: 42, f: true }, end: 9 });
    expect(inOrder(shaped, ' n=7 f=0 x=1')).toEqual({ read: { n: 7, f: false }, end: 8 });
    // Declined: another order, a missing field, a bad flag, a sign, no shape at all.
    for (const text of [' f=1 n=42', ' n=42', ' n=1 f=2', ' n=-1 f=0', ' n= f=0']) expect(inOrder(shaped, text)).toBeUndefined();
    expect(inOrder(new ParamsSchema('N', fields), ' n=42 f=1')).toBeUndefined();
    // A declined line leaves the last end as it was.
    expect(shaped.inOrderEnd).toBe(8);
  });

  it('takes at most 31 typed fields', () => {
    const fields = Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, key: `k${i}`, type: 'int' as const }));
    expect(() => new ParamsSchema('big', fields)).toThrow(RangeError);
    expect(() => new ParamsSchema('fits', fields.slice(0, 31))).not.toThrow();
  });
});

describe('readLines', () => {
  it('gives the pieces split("\\n") gives, each without one trailing \\r', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '\r', '\n'), maxLength: 40 });
    fc.assert(
      fc.property(text, (t) => {
        const out: string[] = [];
        readLines(out, t, (line) => line);
        expect(out).toEqual(t.split('\n').map(withoutCr));
      }),
      { numRuns: 2000 },
    );
  });
});
