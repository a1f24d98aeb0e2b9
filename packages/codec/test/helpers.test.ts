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
} from '@ace-rx/codec';
import { arbCommonStatusFields, arbLoadSource, arbStartSource, CLIENT_KINDS, ENGINE_KINDS } from '@ace-rx/codec/arbitraries';

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

  it('takes at most 31 typed fields', () => {
    const fields = Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, key: `k${i}`, type: 'int' as const }));
    expect(() => new ParamsSchema('big', fields)).toThrow(RangeError);
    expect(() => new ParamsSchema('fits', fields.slice(0, 31))).not.toThrow();
  });
});
