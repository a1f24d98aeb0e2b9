// What real engines and clients send (spec: "What real engines and open clients add"),
// decoders that never throw whatever they are handed, and the fuzz findings, each kept
// as a regression test.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decodeClientMessage,
  decodeEngineMessage,
  decodeLoadResponse,
  encodeClientMessage,
  encodeEngineMessage,
  EngineDecoder,
  isLoadFailure,
  LineDecoder,
  MAX_EXTRA_DEPTH,
  tryEncodeEngineMessage,
  type LoadResponse,
} from '@ace-rx/codec';
import { expectEither, expectEqual } from './expect-equal.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

describe('decoders never throw, for any JS value', () => {
  const decoders = { decodeEngineMessage, decodeClientMessage, decodeLoadResponse } as Record<string, (v: unknown) => unknown>;
  it.each(Object.keys(decoders))('%s gives a Left DecodeError for anything but a string', (name) => {
    const decode = decoders[name]!;
    for (const value of [undefined, null, 0, NaN, 1n, true, Symbol('s'), {}, [], () => 'AUTH 1', new Uint8Array([0x41])]) {
      expect(decode(value)).toMatchObject({ _tag: 'Left', left: { _tag: 'DecodeError', position: 0 } });
    }
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = decode(value) as { _tag: string; left?: { _tag: string } };
        if (typeof value === 'string') expectEither(result);
        else expect(result).toMatchObject({ _tag: 'Left', left: { _tag: 'DecodeError' } });
      }),
      { numRuns: RUNS },
    );
  });

  it('LineDecoder.push ignores a chunk that is not bytes and goes on', () => {
    const lines = new LineDecoder();
    for (const value of [undefined, null, 'AUTH 1\n', 7, {}, [0x41, 0x0a]]) expect(lines.push(value as unknown as Uint8Array)).toEqual([]);
    expect(lines.push(new TextEncoder().encode('AUTH 1\r\n'))).toEqual(['AUTH 1']);
  });

  it('EngineDecoder.push gives a Left DecodeError for a chunk that is not bytes', () => {
    expect(new EngineDecoder().push(null as unknown as Uint8Array)).toEqual([
      { _tag: 'Left', left: expect.objectContaining({ _tag: 'DecodeError', expected: 'a chunk of bytes (a Uint8Array)' }) },
    ]);
  });
});

describe('what real engines and clients send', () => {
  it('LOADRESP status 100 is a failed load with its message', () => {
    const line = 'LOADRESP 3 {"status": 100, "message": "Cannot load transport file"}';
    const decoded = decodeEngineMessage(line);
    expect(decoded).toEqual({
      _tag: 'Right',
      right: { kind: 'LOADRESP', requestId: 3, response: { status: 100, message: 'Cannot load transport file', files: [] } },
    });
    if (decoded._tag !== 'Right' || decoded.right.kind !== 'LOADRESP') throw new Error('expected LOADRESP');
    expect(isLoadFailure(decoded.right.response)).toBe(true);
    expectEqual(decodeEngineMessage(encodeEngineMessage(decoded.right)), decoded);
  });

  it('isLoadFailure is true for -1 and 100 only', () => {
    const response = (status: LoadResponse['status']): LoadResponse => ({ status, files: [] });
    expect([-1, 0, 1, 2, 100].map((s) => isLoadFailure(response(s as LoadResponse['status'])))).toEqual([true, false, false, false, true]);
  });

  it.each([
    ['[{"gender": "1"}, {"age": "3"}]', 1, 3],
    ['[{"gender": 0}, {"age": 0}]', 0, 0],
    ['[{"gender": "0"}, {"age": "0"}]', 0, 0],
    ['[{"gender": "2", "age": 8}]', 2, 8],
  ])('USERDATA %s decodes', (json, gender, age) => {
    expect(decodeClientMessage(`USERDATA ${json}`)).toEqual({ _tag: 'Right', right: { kind: 'USERDATA', gender, age } });
  });

  it.each(['"one"', '"1.5"', '" 1"', '""', '1.5', 'null', '"1234567890123456"'])('USERDATA gender %s is a DecodeError', (gender) => {
    expect(decodeClientMessage(`USERDATA [{"gender": ${gender}}, {"age": 3}]`)._tag).toBe('Left');
  });

  it('HELLOBG version=6 ace=3.0.3 decodes, the unknown param kept', () => {
    const decoded = decodeClientMessage('HELLOBG version=6 ace=3.0.3');
    expect(decoded).toEqual({ _tag: 'Right', right: { kind: 'HELLOBG', version: 6, extra: { ace: '3.0.3' } } });
    if (decoded._tag === 'Right') expect(encodeClientMessage(decoded.right)).toBe('HELLOBG version=6 ace=3.0.3');
  });
});

describe('fuzz findings', () => {
  it('a decimal that rounds to 10^15 is a DecodeError, not a number written back as 16 digits', () => {
    expect(decodeEngineMessage('START http://x pos=999999999999999.99')).toMatchObject({
      _tag: 'Left',
      left: { position: 19, expected: 'a number below 10^15 (pos)' },
    });
    expect(decodeEngineMessage('START http://x pos=999999999999999.9')).toEqual({
      _tag: 'Right',
      right: { kind: 'START', form: 'positional', url: 'http://x', pos: 999999999999999.9 },
    });
    expect(tryEncodeEngineMessage({ kind: 'START', form: 'positional', url: 'http://x', pos: 1e15 })._tag).toBe('Left');
  });

  it('every decimal the decoder reads is written back as a text it reads the same', () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: n });
    fc.assert(
      fc.property(fc.boolean(), digits(15), fc.option(digits(20), { nil: undefined }), (negative, whole, fraction) => {
        const text = `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : '.' + fraction}`;
        const decoded = decodeEngineMessage(`START http://x pos=${text}`);
        if (decoded._tag === 'Left') return;
        expectEqual(decodeEngineMessage(encodeEngineMessage(decoded.right)), decoded);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('-0 reads as 0 everywhere, JSON included, so it is written back as it reads', () => {
    const decoded = decodeEngineMessage('LOADRESP -0 {"status": -0, "files": [["a", -0]], "x": [-0, {"y": -0}]}');
    expect(decoded).toEqual({ _tag: 'Right', right: { kind: 'LOADRESP', requestId: 0, response: { status: 0, files: [{ name: 'a', index: 0 }], extra: { x: [0, { y: 0 }] } } } });
    if (decoded._tag !== 'Right' || decoded.right.kind !== 'LOADRESP') throw new Error('expected LOADRESP');
    expect(Object.is(decoded.right.requestId, 0)).toBe(true);
    expect(Object.is(decoded.right.response.status, 0)).toBe(true);
    expect(Object.is(decoded.right.response.files[0]!.index, 0)).toBe(true);
    expect(Object.is((decoded.right.response.extra!['x'] as unknown[])[0], 0)).toBe(true);
    const user = decodeClientMessage('USERDATA [{"gender": -0}, {"age": "-0"}]');
    expect(user._tag === 'Right' && Object.is((user.right as { gender: number }).gender, 0)).toBe(true);
    expect(decodeEngineMessage('START http://x pos=-0.0')).toMatchObject({ right: { pos: 0 } });
    expectEqual(decodeEngineMessage(encodeEngineMessage(decoded.right)), decoded);
  });

  it('x\\r\\r\\n reads the same from EngineDecoder as from LineDecoder then decodeEngineMessage (the fuzzer found them apart)', () => {
    const frames = new EngineDecoder().push(new TextEncoder().encode('x\r\r\nAUTH 1\r\n'));
    expect(frames).toEqual([
      { _tag: 'Right', right: { kind: 'UNKNOWN', raw: 'x' } },
      { _tag: 'Right', right: { kind: 'AUTH', level: 1 } },
    ]);
    const lines = new LineDecoder().push(new TextEncoder().encode('x\r\r\n'));
    expect(lines).toEqual(['x\r']);
    expect(frames[0]).toEqual(decodeEngineMessage(lines[0] as string));
    // Such a line cannot be written back: the encoders never put a CR in a line.
    expect(tryEncodeEngineMessage({ kind: 'UNKNOWN', raw: 'x\r' })._tag).toBe('Left');
  });

  it('deep JSON in LOADRESP extras is a DecodeError, never a RangeError', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    for (const depth of [MAX_EXTRA_DEPTH + 1, 10_000, 1_000_000]) {
      const line = `LOADRESP 1 {"status": 1, "files": [], "x": ${nested(depth)}}`;
      expect(() => decodeEngineMessage(line)).not.toThrow();
      expect(decodeEngineMessage(line)).toMatchObject({ _tag: 'Left', left: { _tag: 'DecodeError', expected: expect.stringContaining(`nest at most ${MAX_EXTRA_DEPTH} levels`) } });
      expect(decodeLoadResponse(`{"status": 1, "x": {"y": ${nested(depth)}}}`)._tag).toBe('Left');
    }
    const ok = decodeEngineMessage(`LOADRESP 1 {"status": 1, "files": [], "x": ${nested(MAX_EXTRA_DEPTH)}}`);
    expect(ok._tag).toBe('Right');
    if (ok._tag === 'Right') expect(decodeEngineMessage(encodeEngineMessage(ok.right))).toEqual(ok);
  });
});
