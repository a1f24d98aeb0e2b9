// Regressions from a reviewer's attack on the codec (its scripts: hostile.ts, fuzz.ts,
// inject2.ts): negative indexes on the HTTP start query, try* functions that threw on
// hostile objects, whitespace and line breaks a Python engine splits on, negative ids,
// lines over the engine's 1 MiB limit.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  decodeClientMessage,
  decodeEngineMessage,
  EngineDecoder,
  encodeFrame,
  tryEncodeClientMessage,
  tryEncodeEngineMessage,
  type ClientMessage,
  type EngineMessage,
} from '@ace-rx/codec';
import { arbClientMessage, arbEngineMessage } from '@ace-rx/codec/arbitraries';
import {
  decodeCommandResponse,
  decodeCommandResponseValue,
  decodeEventResponse,
  decodeEventResponseValue,
  decodeGetStatusResponse,
  decodeGetStatusResponseValue,
  decodeStartResponse,
  decodeStartResponseValue,
  decodeStatResponse,
  decodeStatResponseValue,
  decodeVersionResponse,
  decodeVersionResponseValue,
  parseStartQuery,
  startUrl,
  stripJsonp,
  tryStartUrl,
  type HttpStartRequest,
} from '@ace-rx/codec/http';
import { expectEither, expectEqual } from './expect-equal.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));
const IH = '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b';
const BASE = 'http://127.0.0.1:6878';

const refused = (r: E.Either<{ field: string; reason: string; kind: string }, string>) => {
  if (r._tag === 'Right') throw new Error(`expected a refusal, got the line ${JSON.stringify(r.right.slice(0, 80))}`);
  return { kind: r.left.kind, field: r.left.field, reason: r.left.reason };
};
const line = (r: E.Either<unknown, string>): string => {
  if (r._tag === 'Left') throw new Error(`expected a line, got ${String((r.left as Error).message)}`);
  return r.right;
};

// Values that throw when read, in every way the reviewer found.
const boom = (): never => {
  throw new Error('boom');
};
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const trapAll = () => new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
/** A getter that throws a revoked Proxy: even `instanceof` on what was thrown throws. */
const throwsRevoked = () => ({
  get output(): never {
    throw revokedProxy();
  },
  get content(): never {
    throw revokedProxy();
  },
  get kind(): never {
    throw revokedProxy();
  },
  get response(): never {
    throw revokedProxy();
  },
});
const hostileValues = (): [string, unknown][] => [
  ['getter that throws', { output: 'ts', get content() { return boom(); } }],
  ['content getter that throws', { output: 'ts', content: { get infohash() { return boom(); } } }],
  ['revoked proxy', revokedProxy()],
  ['proxy whose every trap throws', trapAll()],
  ['getter that throws a revoked proxy', throwsRevoked()],
  ['extra that is a revoked proxy', { output: 'ts', content: { infohash: IH }, extra: revokedProxy() }],
  ['extra whose keys throw', { output: 'ts', content: { infohash: IH }, extra: trapAll() }],
  ['fileIndex with a throwing valueOf', { output: 'ts', content: { infohash: IH }, fileIndex: { valueOf: boom } }],
  ['output a symbol', { output: Symbol('ts'), content: { infohash: IH } }],
  ['pid a String object', { output: 'ts', content: { infohash: IH }, pid: new String('p') }],
];

describe('HTTP start query: file index and stream id are never negative (finding 1)', () => {
  it('parseStartQuery refuses a negative _idx or stream_id with BAD_PARAM naming the param', () => {
    for (const [query, param] of [
      [`infohash=${IH}&_idx=-1`, '_idx'],
      [`infohash=${IH}&_idx=-5&stream_id=0`, '_idx'],
      [`infohash=${IH}&stream_id=-1`, 'stream_id'],
      [`infohash=${IH}&_idx=-999999999999999`, '_idx'],
    ] as const) {
      expect(parseStartQuery(query, 'ts')).toEqual(E.left(expect.objectContaining({ _tag: 'HttpRequestError', kind: 'BAD_PARAM', param })));
      expect(parseStartQuery(new Map(query.split('&').map((p) => p.split('=') as [string, string])), 'hls')).toEqual(
        E.left(expect.objectContaining({ kind: 'BAD_PARAM', param })),
      );
    }
  });

  it('parseStartQuery still reads 0, -0 (as 0) and client_session_id=-1 (the engine\'s own "none")', () => {
    expect(parseStartQuery(`infohash=${IH}&_idx=0&stream_id=0&client_session_id=-1`, 'ts')).toEqual(
      E.right(expect.objectContaining({ fileIndex: 0, streamId: 0, clientSessionId: -1 })),
    );
    const zero = parseStartQuery(`infohash=${IH}&_idx=-0&stream_id=-0`, 'ts');
    expect(zero._tag === 'Right' && Object.is(zero.right.fileIndex, 0) && Object.is(zero.right.streamId, 0)).toBe(true);
    expect(parseStartQuery(`infohash=${IH}&client_session_id=-7`, 'ts')).toEqual(E.right(expect.objectContaining({ clientSessionId: -7 })));
  });

  it('parseStartQuery refuses an output that is neither ts nor hls', () => {
    expect(parseStartQuery(`infohash=${IH}`, 'mp4' as 'ts')).toEqual(E.left(expect.objectContaining({ kind: 'BAD_PARAM', param: 'output' })));
  });

  it('tryStartUrl refuses what parseStartQuery would refuse: a negative fileIndex or streamId', () => {
    const request = (more: Partial<HttpStartRequest>): HttpStartRequest => ({ output: 'ts', content: { infohash: IH }, ...more });
    expect(tryStartUrl(BASE, request({ fileIndex: -1 }))).toEqual(E.left(expect.objectContaining({ kind: 'BAD_PARAM', param: '_idx' })));
    expect(tryStartUrl(BASE, request({ streamId: -1 }))).toEqual(E.left(expect.objectContaining({ kind: 'BAD_PARAM', param: 'stream_id' })));
    const ok = startUrl(BASE, request({ fileIndex: -0, streamId: 0, clientSessionId: -1 }));
    expect(ok).toBe(`${BASE}/ace/getstream?format=json&infohash=${IH}&_idx=0&stream_id=0&client_session_id=-1`);
    expect(parseStartQuery(new URL(ok).searchParams, 'ts')).toEqual(E.right(expect.objectContaining({ fileIndex: 0, streamId: 0, clientSessionId: -1 })));
  });
});

describe('@ace-rx/codec/http try* and decode* functions are total (finding 2)', () => {
  const textDecoders = [decodeStartResponse, decodeStatResponse, decodeCommandResponse, decodeEventResponse, decodeVersionResponse, decodeGetStatusResponse];
  const valueDecoders = [decodeStartResponseValue, decodeStatResponseValue, decodeCommandResponseValue, decodeEventResponseValue, decodeVersionResponseValue, decodeGetStatusResponseValue];
  const total = (value: unknown) => {
    expectEither(tryStartUrl(BASE, value as HttpStartRequest));
    expectEither(tryStartUrl(value as string, { output: 'ts', content: { infohash: IH } }));
    expectEither(parseStartQuery(value as string, 'ts'));
    for (const d of textDecoders) expectEither(d(value as string));
    for (const d of valueDecoders) {
      expectEither(d(value));
      expectEither(d({ response: value, result: value, error: null }));
      expectEither(d({ response: null, error: value }));
    }
    stripJsonp(value as string); // a throw fails the property, with the value that made it
  };

  it('on any value fast-check makes', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withMap: true, withSet: true, withBigInt: true, withBoxedValues: true }), (value) => {
        total(value);
        total({ output: 'ts', content: value });
        total({ output: 'hls', content: { infohash: IH }, extra: value, pid: value });
      }),
      // Totality, not a law: every value goes through every decoder three ways; 500 values
      // are tens of thousands of calls (CI's 2000 cost 14 s for no more finds).
      { numRuns: Math.min(RUNS, 500) },
    );
  });

  it.each(hostileValues())('on a %s: tryStartUrl gives a Left, never a throw', (_name, value) => {
    expect(tryStartUrl(BASE, value as HttpStartRequest)).toEqual(E.left(expect.objectContaining({ _tag: 'HttpRequestError', kind: 'BAD_PARAM' })));
    expect(() => startUrl(BASE, value as HttpStartRequest)).toThrow(expect.objectContaining({ _tag: 'HttpRequestError' }) as never);
    total(value);
  });

  it('a base whose toString throws, and a query iterable that throws, are Lefts', () => {
    expect(tryStartUrl({ toString: boom } as unknown as string, { output: 'ts', content: { infohash: IH } })._tag).toBe('Left');
    const iterable = { [Symbol.iterator]: boom } as unknown as Iterable<[string, string]>;
    expect(parseStartQuery(iterable, 'ts')).toEqual(E.left(expect.objectContaining({ kind: 'BAD_PARAM' })));
    expect(parseStartQuery([revokedProxy()] as unknown as [string, string][], 'ts')._tag).toBe('Left');
  });

  it('a decoder handed a value whose getter throws a revoked Proxy gives an HttpDecodeError', () => {
    for (const d of valueDecoders) expect(d(throwsRevoked())).toEqual(E.left(expect.objectContaining({ _tag: 'HttpDecodeError' })));
  });
});

describe('the TCP encoders are total on a getter that throws a revoked Proxy', () => {
  it('gives an EncodeError, never a throw', () => {
    for (const encode of [tryEncodeClientMessage, tryEncodeEngineMessage]) {
      expect(encode(throwsRevoked())).toEqual(E.left(expect.objectContaining({ _tag: 'EncodeError', field: 'message' })));
    }
    expect(tryEncodeEngineMessage({ kind: 'STATUS', get main() { throw revokedProxy(); } })).toEqual(E.left(expect.objectContaining({ _tag: 'EncodeError', field: 'message' })));
    expect(tryEncodeClientMessage({ kind: 'GETPID', infohash: IH, developerId: 0, affiliateId: 0, get zoneId(): never { throw revokedProxy(); } })).toEqual(
      E.left(expect.objectContaining({ kind: 'GETPID', field: 'message' })),
    );
  });
});

// Python's str.split() whitespace and str.splitlines() boundaries, NUL and other C0 controls.
const PY_WHITESPACE = ['\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\x85', '\xa0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
const PY_LINE_BREAKS = ['\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029'];
const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i));
const TOKEN_BAD = [...new Set([...PY_WHITESPACE, ...C0])];
const TEXT_BAD = [...new Set([...PY_LINE_BREAKS, ...C0.filter((c) => c !== '\t')])];
/** What Python's `split()` splits on, as a regex: the engine's reading of a client line. */
const PY_SPLIT = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_BREAK = /[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

describe('tokens refuse what a Python engine splits or breaks a line on (finding 3)', () => {
  const tokenCases = (c: string): [string, unknown, string, typeof tryEncodeClientMessage][] => [
    ['START PID player id', { kind: 'START', source: { type: 'PID', playerId: `series${c}1`, fileIndexes: [0] } }, 'source.playerId', tryEncodeClientMessage],
    ['GETPID infohash', { kind: 'GETPID', infohash: `${IH.slice(0, 20)}${c}x`, developerId: 0, affiliateId: 0, zoneId: 0 }, 'infohash', tryEncodeClientMessage],
    ['LOAD TORRENT url', { kind: 'LOAD', source: { type: 'TORRENT', url: `http://x/${c}y`, developerId: 0, affiliateId: 0, zoneId: 0 } }, 'source.url', tryEncodeClientMessage],
    ['START TORRENT stream id', { kind: 'START', source: { type: 'TORRENT', url: 'http://x', fileIndexes: [0], developerId: 0, affiliateId: 0, zoneId: 0, streamId: `a${c}` } }, 'source.streamId', tryEncodeClientMessage],
    ['DUR url', { kind: 'DUR', url: `${c}http://x`, durationMs: 1 }, 'url', tryEncodeClientMessage],
    ['EVENT name', { kind: 'EVENT', name: `play${c}`, params: {} }, 'name', tryEncodeClientMessage],
    ['SETOPTIONS key', { kind: 'SETOPTIONS', options: { [`a${c}b`]: '1' } }, `options key ${JSON.stringify(`a${c}b`)}`, tryEncodeClientMessage],
    ['GETADURL arg', { kind: 'GETADURL', args: ['a', `b${c}c`] }, 'args.1', tryEncodeClientMessage],
    ['engine PLAY url', { kind: 'PLAY', url: `http://x/${c}` }, 'url', tryEncodeEngineMessage],
    ['engine START positional url', { kind: 'START', form: 'positional', url: `http://x/${c}` }, 'url', tryEncodeEngineMessage],
    ['engine EVENT params key', { kind: 'EVENT', name: 'other', params: { [`k${c}`]: 'v' } }, `params key ${JSON.stringify(`k${c}`)}`, tryEncodeEngineMessage],
  ];
  it.each(TOKEN_BAD.map((c) => [hex(c), c]))('%s in every positional token and param key is an EncodeError', (_name, c) => {
    for (const [what, message, field, encode] of tokenCases(c)) {
      const r = encode(message);
      expect([what, refused(r).field]).toEqual([what, field]);
      expect(refused(r).reason).toMatch(/whitespace or a control character/);
    }
  });

  it.each(TEXT_BAD.map((c) => [hex(c), c]))('%s in raw text (INFO, ##, UNKNOWN, STATUS err) is an EncodeError', (_name, c) => {
    const cases: [unknown, string, typeof tryEncodeEngineMessage][] = [
      [{ kind: 'INFO', id: 1, text: `a${c}b` }, 'text', tryEncodeEngineMessage],
      [{ kind: 'SYNC', payload: `a${c}` }, 'payload', tryEncodeEngineMessage],
      [{ kind: 'UNKNOWN', raw: `FOO a${c}b` }, 'raw', tryEncodeEngineMessage],
      [{ kind: 'UNKNOWN', raw: `FOO a${c}b` }, 'raw', tryEncodeClientMessage],
      [{ kind: 'STATUS', main: { state: 'err', errorId: 1, errorMessage: `no${c}seeds` } }, 'main.errorMessage', tryEncodeEngineMessage],
      [{ kind: 'STATUS', main: { state: 'unknown', name: 'x', fields: [`a${c}`] } }, 'main.fields.0', tryEncodeEngineMessage],
    ];
    for (const [message, field, encode] of cases) expect(refused(encode(message)).field).toBe(field);
  });

  it('raw text keeps spaces and TABs, and Unicode spaces that break no line', () => {
    for (const text of ['a b', 'a\tb', 'a\u00a0b', 'a\u3000b']) {
      expect(decodeEngineMessage(line(tryEncodeEngineMessage({ kind: 'INFO', id: 1, text })))).toEqual(E.right({ kind: 'INFO', id: 1, text }));
    }
  });

  it('an UNKNOWN whose first word, as Python splits it, is a known command is refused', () => {
    for (const raw of ['STOP\tnow', ' STOP', '\tSTOP x', 'STOP\u3000x', '\u00a0SHUTDOWN']) {
      expect(refused(tryEncodeClientMessage({ kind: 'UNKNOWN', raw })).reason).toBe('must not be a line of a known command');
    }
    expect(line(tryEncodeClientMessage({ kind: 'UNKNOWN', raw: 'STOPX\ty' }))).toBe('STOPX\ty');
  });

  it.each([...new Set([...TOKEN_BAD, '\u2028', '\u0085'])].map((c) => [hex(c), c]))('%s in a percent-encoded value goes out encoded and reads back', (_name, c) => {
    const value = `a${c}b`;
    const messages: [ClientMessage | EngineMessage, typeof tryEncodeClientMessage, (line: string) => E.Either<unknown, unknown>][] = [
      [{ kind: 'SETOPTIONS', options: { k: value } } as ClientMessage, tryEncodeClientMessage, decodeClientMessage],
      [{ kind: 'EVENT', name: 'seek', params: { pos: value } } as ClientMessage, tryEncodeClientMessage, decodeClientMessage],
      [{ kind: 'HELLOBG', version: 4, extra: { ace: value } } as ClientMessage, tryEncodeClientMessage, decodeClientMessage],
      [{ kind: 'START', form: 'keyed', url: `http://x/${value}` } as EngineMessage, tryEncodeEngineMessage, decodeEngineMessage],
      [{ kind: 'EVENT', name: 'download_stopped', params: { reason: value } } as EngineMessage, tryEncodeEngineMessage, decodeEngineMessage],
    ];
    for (const [message, encode, decode] of messages) {
      const written = line(encode(message));
      expect(PY_SPLIT.test(written.replaceAll(' ', ''))).toBe(false);
      expect(decode(written)).toEqual(E.right(message));
    }
  });

  it('LOADRESP JSON writes NEL, U+2028 and U+2029 as \\u escapes, which read back the same', () => {
    const message = {
      kind: 'LOADRESP',
      requestId: 1,
      response: { status: -1, message: 'bad\u2028line\u2029end\u0085', files: [{ name: 'a\u2028b', index: 0 }], extra: { note: '\u2028' } },
    } as EngineMessage;
    const written = line(tryEncodeEngineMessage(message));
    expect(written).not.toMatch(PY_BREAK);
    expect(written).toContain('\\u2028');
    expect(decodeEngineMessage(written)).toEqual(E.right(message));
  });

  it('every client line the encoders write is split by Python as by the codec, and no line of either direction breaks for splitlines()', () => {
    fc.assert(
      fc.property(arbClientMessage, arbEngineMessage, (client, engine) => {
        const c = line(tryEncodeClientMessage(client));
        const e = line(tryEncodeEngineMessage(engine));
        expectEqual(PY_BREAK.test(c), false);
        expectEqual(PY_BREAK.test(e), false);
        // UNKNOWN raw text may hold a TAB or an NBSP: only its first word is Python's.
        if (client.kind !== 'UNKNOWN') expectEqual(c.split(' ').some((word) => PY_SPLIT.test(word)), false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('negative numbers where the grammar cannot mean them (finding 4)', () => {
  const ids = { developerId: 0, affiliateId: 0, zoneId: 0 };
  it('partner ids, LIVESEEK position, LOADASYNC request id, HELLOBG version, SAVE index, GETCID ids', () => {
    const cases: [ClientMessage, string][] = [
      [{ kind: 'GETPID', infohash: IH, ...ids, developerId: -1 }, 'developerId'],
      [{ kind: 'GETPID', infohash: IH, ...ids, affiliateId: -1 }, 'affiliateId'],
      [{ kind: 'START', source: { type: 'INFOHASH', infohash: IH, fileIndexes: [0], ...ids, zoneId: -1 } }, 'source.zoneId'],
      [{ kind: 'LOAD', source: { type: 'RAW', data: 'ZA==', ...ids, developerId: -3 } }, 'source.developerId'],
      [{ kind: 'LIVESEEK', position: -1 }, 'position'],
      [{ kind: 'LOADASYNC', requestId: -1, source: { type: 'PID', playerId: 'x' } }, 'requestId'],
      [{ kind: 'HELLOBG', version: -1 }, 'version'],
      [{ kind: 'SAVE', infohash: IH, index: -1, path: '/tmp/x' }, 'index'],
      [{ kind: 'GETCID', infohash: IH, zoneId: -1 }, 'zoneId'],
    ];
    for (const [message, field] of cases) expect(refused(tryEncodeClientMessage(message))).toEqual({ kind: message.kind, field, reason: 'must not be negative' });
  });

  it('USERDATA: gender 0..2 and age 0..8 (the spec\'s 1|2 and 1..8, and the 0 clients send)', () => {
    for (const [gender, age] of [[0, 0], [1, 4], [2, 8], [1, 1]] as const) {
      const written = line(tryEncodeClientMessage({ kind: 'USERDATA', gender, age }));
      expect(decodeClientMessage(written)).toEqual(E.right({ kind: 'USERDATA', gender, age }));
    }
    for (const [gender, age, field] of [[-1, 1, 'gender'], [3, 1, 'gender'], [1, -1, 'age'], [1, 9, 'age'], [1.5, 1, 'gender']] as const) {
      expect(refused(tryEncodeClientMessage({ kind: 'USERDATA', gender, age }))).toMatchObject({ field });
    }
  });

  it('0 is accepted, and decoding stays liberal: what clients and engines send still reads', () => {
    expect(line(tryEncodeClientMessage({ kind: 'LIVESEEK', position: 0 }))).toBe('LIVESEEK 0');
    expect(line(tryEncodeClientMessage({ kind: 'LOADASYNC', requestId: 0, source: { type: 'PID', playerId: 'x' } }))).toBe('LOADASYNC 0 PID x');
    expect(decodeClientMessage(`GETPID ${IH} -1 0 0`)).toEqual(E.right({ kind: 'GETPID', infohash: IH, developerId: -1, affiliateId: 0, zoneId: 0 }));
    expect(decodeClientMessage('LIVESEEK -1')).toEqual(E.right({ kind: 'LIVESEEK', position: -1 }));
    expect(decodeClientMessage('LOADASYNC -1 PID x')._tag).toBe('Right');
    expect(decodeClientMessage('HELLOBG version=-1')).toEqual(E.right({ kind: 'HELLOBG', version: -1 }));
    expect(decodeClientMessage('USERDATA [{"gender": -1}, {"age": 12}]')).toEqual(E.right({ kind: 'USERDATA', gender: -1, age: 12 }));
  });
});

describe('no line longer than the engine reads (finding 5)', () => {
  const tooLong = { field: 'line', reason: expect.stringContaining(`line limit (${DEFAULT_MAX_LINE_BYTES} bytes`) };
  it('a 2 MiB GETPID infohash, a 10 million index START, a lying or sparse array: refused as line, at once', () => {
    const started = Date.now();
    expect(refused(tryEncodeClientMessage({ kind: 'GETPID', infohash: 'a'.repeat(2 * 1024 * 1024), developerId: 0, affiliateId: 0, zoneId: 0 }))).toMatchObject(tooLong);
    expect(refused(tryEncodeClientMessage({ kind: 'START', source: { type: 'PID', playerId: 'x', fileIndexes: new Array(1e7).fill(0) } }))).toMatchObject(tooLong);
    expect(refused(tryEncodeClientMessage({ kind: 'START', source: { type: 'PID', playerId: 'x', fileIndexes: new Array(1e8) } }))).toMatchObject(tooLong);
    const lying = new Proxy([0], { get: (target, key) => (key === 'length' ? 1e9 : (target as unknown as Record<PropertyKey, unknown>)[key]) });
    expect(refused(tryEncodeClientMessage({ kind: 'START', source: { type: 'PID', playerId: 'x', fileIndexes: lying } }))).toMatchObject(tooLong);
    expect(refused(tryEncodeClientMessage({ kind: 'GETADURL', args: new Array(1e7).fill('a') }))).toMatchObject(tooLong);
    // Generous: the refusals above look at no item (the 1e9 proxy would take minutes).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a LOADRESP whose JSON passes the limit, and params that do', () => {
    const files = Array.from({ length: 200_000 }, (_, i) => ({ name: 'file', index: i }));
    expect(refused(tryEncodeEngineMessage({ kind: 'LOADRESP', requestId: 1, response: { status: 2, files } }))).toMatchObject({ kind: 'LOADRESP', ...tooLong });
    expect(refused(tryEncodeClientMessage({ kind: 'SETOPTIONS', options: { k: ' '.repeat(DEFAULT_MAX_LINE_BYTES / 3) } }))).toMatchObject(tooLong);
  });

  it('counts UTF-8 bytes with the CRLF: a line of exactly the limit goes out and EngineDecoder reads it', () => {
    const room = DEFAULT_MAX_LINE_BYTES - 2 - '##'.length;
    const fits = line(tryEncodeEngineMessage({ kind: 'SYNC', payload: 'x'.repeat(room) }));
    expect(encodeFrame(fits).length).toBe(DEFAULT_MAX_LINE_BYTES);
    expect(new EngineDecoder().push(encodeFrame(fits))).toEqual([E.right({ kind: 'SYNC', payload: 'x'.repeat(room) })]);
    expect(refused(tryEncodeEngineMessage({ kind: 'SYNC', payload: 'x'.repeat(room + 1) }))).toMatchObject({ kind: 'SYNC', ...tooLong });
    // Two bytes a character, four a surrogate pair: counted in bytes, not in UTF-16 units.
    expect(line(tryEncodeEngineMessage({ kind: 'SYNC', payload: 'é'.repeat(room / 2) }))).toHaveLength(2 + room / 2);
    expect(refused(tryEncodeEngineMessage({ kind: 'SYNC', payload: 'é'.repeat(room / 2) + 'x' }))).toMatchObject(tooLong);
    expect(line(tryEncodeEngineMessage({ kind: 'SYNC', payload: '😀'.repeat(room / 4) }))).toHaveLength(2 + room / 2);
    expect(refused(tryEncodeEngineMessage({ kind: 'SYNC', payload: '😀'.repeat(room / 4) + 'x' }))).toMatchObject(tooLong);
    expect(line(tryEncodeEngineMessage({ kind: 'SYNC', payload: '€'.repeat(Math.floor(room / 3)) }))).toBeDefined();
    expect(refused(tryEncodeEngineMessage({ kind: 'SYNC', payload: '€'.repeat(Math.floor(room / 3) + 1) }))).toMatchObject(tooLong);
  });
});
