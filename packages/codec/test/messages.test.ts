// Every example line of the spec both ways: decode, encode, mirror (after mqtt-packet's
// testParseGenerate), and the exact error of every malformed line in the tables.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decodeClientMessage,
  decodeEngineMessage,
  decodeLoadResponse,
  isEvent,
  type EngineMessage,
} from '@ace-rx/codec';
import { DIRECTIONS } from './directions.js';

describe.each(DIRECTIONS.map((d) => [d.name, d] as const))('%s', (_name, direction) => {
  describe.each(direction.fixtures.map((f) => [f.line, f] as const))('fixture %s', (_line, fixture) => {
    it('decodes to the expected message', () => {
      expect(direction.decode(fixture.line)).toEqual({ _tag: 'Right', right: fixture.message });
    });
    it('encodes to the canonical line', () => {
      expect(direction.encode(fixture.message)).toBe(fixture.canonical ?? fixture.line);
    });
    it('mirrors: decode(encode(m)) = m', () => {
      expect(direction.decode(direction.encode(fixture.message))).toEqual({ _tag: 'Right', right: fixture.message });
    });
  });

  it.each(direction.malformed.map((m) => [m.line, m] as const))('malformed %s is a typed error with line and position', (_line, bad) => {
    const result = direction.decode(bad.line);
    expect(result._tag).toBe('Left');
    if (result._tag !== 'Left') return;
    expect(result.left).toMatchObject({ _tag: 'DecodeError', line: bad.line, position: bad.position });
    expect(result.left.expected.startsWith(bad.expected)).toBe(true);
    expect(result.left.message).toContain(`at position ${bad.position}`);
  });
});

describe('decoding details', () => {
  it('drops one trailing \\r, for lines split on \\n alone', () => {
    expect(decodeEngineMessage('AUTH 1\r')).toEqual({ _tag: 'Right', right: { kind: 'AUTH', level: 1 } });
  });

  it('reads commands case-sensitively: lower-case words are unknown', () => {
    expect(decodeEngineMessage('auth 1')).toEqual({ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'auth 1' } });
  });

  it('decodes a command of the other direction as UNKNOWN', () => {
    expect(decodeEngineMessage('HELLOBG version=4')).toEqual({ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'HELLOBG version=4' } });
    expect(decodeClientMessage('HELLOTS')).toEqual({ _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'HELLOTS' } });
  });

  it('keeps __proto__ in EVENT params as an ordinary key and pollutes nothing', () => {
    const result = decodeEngineMessage('EVENT x __proto__=polluted constructor=c');
    if (result._tag !== 'Right' || result.right.kind !== 'EVENT') throw new Error('expected an EVENT');
    const params = result.right.params as Record<string, string>;
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
    expect(params['__proto__']).toBe('polluted');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(params['toString']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps __proto__ in LOADRESP JSON as data', () => {
    const result = decodeEngineMessage('LOADRESP 1 {"status": 0, "__proto__": {"polluted": 1}}');
    if (result._tag !== 'Right' || result.right.kind !== 'LOADRESP') throw new Error('expected LOADRESP');
    expect(Object.keys(result.right.response.extra ?? {})).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('narrows named EVENTs with isEvent', () => {
    const result = decodeEngineMessage('EVENT download_stopped reason=No%20seeds');
    if (result._tag !== 'Right') throw new Error('expected Right');
    const message: EngineMessage = result.right;
    expect(isEvent(message, 'download_stopped') && message.params.reason).toBe('No seeds');
    expect(isEvent(message, 'livepos')).toBe(false);
  });

  it('decodes the JSON of a synchronous LOAD answer', () => {
    expect(decodeLoadResponse('{"status": 1, "files": [["a%20b.mp4", 0]]}')).toEqual({
      _tag: 'Right',
      right: { status: 1, files: [{ name: 'a b.mp4', index: 0 }] },
    });
    expect(decodeLoadResponse('nope')._tag).toBe('Left');
  });

  it('reports an excerpt of the line in the error message', () => {
    const result = decodeEngineMessage('STATE many');
    expect(result._tag === 'Left' && result.left.message).toBe('expected an integer (state id) at position 6: "many"');
  });

  it('reads START as keyed exactly when its first word begins as key= does', () => {
    const keyed = /^[A-Za-z_][A-Za-z0-9_]*=/;
    const word = fc.string({ unit: fc.constantFrom(...'aAzZ_09=:/.%-é@[`{'), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(word, (first) => {
        const result = decodeEngineMessage(`START ${first}`);
        const positional = result._tag === 'Right' && result.right.kind === 'START' && result.right.form === 'positional';
        expect(positional).toBe(!keyed.test(first));
      }),
      { numRuns: 2000 },
    );
    expect(decodeEngineMessage('START http://h/?a=b')).toMatchObject({ right: { form: 'positional', url: 'http://h/?a=b' } });
  });
});
