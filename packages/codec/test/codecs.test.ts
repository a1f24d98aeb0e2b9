// The io-ts codecs are public values too: users hold STATUS parts, LOADRESP JSON and
// EVENT params from elsewhere (logs, the HTTP API) and validate them with these.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  EventParamsCodecs,
  formatStatusPart,
  LoadFileCodec,
  LoadResponseCodec,
  makeParams,
  parseStatusPart,
  percentDecode,
  percentEncode,
  STATUS_LAYOUTS,
  StatusPartCodec,
  UserDataCodec,
} from '@ace-rx/codec';
import { arbLoadResponse, arbStatusPart, arbText } from '@ace-rx/codec/arbitraries';
import { expectEqual } from './expect-equal.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

describe('StatusPartCodec', () => {
  it('decodes a part and encodes it back', () => {
    const part = StatusPartCodec.decode('buf;90;299;0;0;133;0;0;8;0;3866624;0;0');
    expect(part).toEqual({
      _tag: 'Right',
      right: {
        state: 'buf',
        progress: 90,
        time: 299,
        totalProgress: 0,
        immediateProgress: 0,
        speedDown: 133,
        httpSpeedDown: 0,
        speedUp: 0,
        peers: 8,
        httpPeers: 0,
        downloaded: 3866624,
        httpDownloaded: 0,
        uploaded: 0,
      },
    });
    if (part._tag === 'Right') expect(StatusPartCodec.encode(part.right)).toBe('buf;90;299;0;0;133;0;0;8;0;3866624;0;0');
  });

  it('reads an empty field as absent and writes it back empty', () => {
    expect(parseStatusPart('prebuf;;30', 0)).toEqual({ state: 'prebuf', time: 30 });
    expect(formatStatusPart({ state: 'prebuf', time: 30 })).toBe('prebuf;;30');
  });

  it('reads a part of plain numbers to its layout: the fields sent, keys in layout order', () => {
    // The definition, independent of the decoder's paths: state, then each field sent
    // under its layout name. Key order is checked too (toEqual ignores it).
    const plainText = fc.constantFrom('dl' as const, 'prebuf' as const, 'buf' as const).chain((state) =>
      fc
        .array(fc.nat({ max: 999_999_999_999_999 }), { minLength: 1, maxLength: STATUS_LAYOUTS[state].length })
        .map((fields) => ({ state, fields })),
    );
    fc.assert(
      fc.property(plainText, ({ state, fields }) => {
        const expected: Record<string, unknown> = { state };
        fields.forEach((value, i) => (expected[STATUS_LAYOUTS[state][i]!] = value));
        const part = parseStatusPart([state, ...fields].join(';'), 0);
        expect(part).toEqual(expected);
        expect(Object.keys(part)).toEqual(Object.keys(expected));
      }),
      { numRuns: RUNS },
    );
  });

  it('fails on bad input with a message', () => {
    expect(StatusPartCodec.decode(5)._tag).toBe('Left');
    const bad = StatusPartCodec.decode('dl;x');
    expect(bad._tag === 'Left' && bad.left[0]?.message).toBe('expected an integer (totalProgress) at 3');
  });

  it('round-trips every part', () => {
    fc.assert(
      fc.property(arbStatusPart, (part) => {
        expectEqual(StatusPartCodec.decode(StatusPartCodec.encode(part)), { _tag: 'Right', right: part });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('LoadResponseCodec', () => {
  it('round-trips through JSON text', () => {
    fc.assert(
      fc.property(arbLoadResponse, (response) => {
        const json = JSON.parse(JSON.stringify(LoadResponseCodec.encode(response))) as unknown;
        expectEqual(LoadResponseCodec.decode(json), { _tag: 'Right', right: response });
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a status outside -1..2 and an array', () => {
    expect(LoadResponseCodec.decode({ status: 3 })._tag).toBe('Left');
    expect(LoadResponseCodec.decode({ status: '1' })._tag).toBe('Left');
    expect(LoadResponseCodec.decode({})._tag).toBe('Left');
    expect(LoadResponseCodec.decode([])._tag).toBe('Left');
  });

  it('says which key is wrong, and where in files', () => {
    const why = (u: unknown) => {
      const decoded = LoadResponseCodec.decode(u);
      if (decoded._tag === 'Right') throw new Error(`accepted ${JSON.stringify(u)}`);
      return decoded.left.map((e) => [e.context.map((c) => c.key).join('.'), e.message]);
    };
    expect(why({ status: 7 })).toEqual([['.status', 'expected status -1, 0, 1, 2 or 100']]);
    expect(why({ status: 1, infohash: 5 })).toEqual([['.infohash', 'expected infohash to be a string']]);
    expect(why({ status: 1, message: null })).toEqual([['.message', 'expected message to be a string']]);
    expect(why({ status: 1, files: {} })).toEqual([['.files', 'expected files to be an array']]);
    expect(why({ status: 1, files: [['a', 0], ['b', 'x']] })).toEqual([['.files.1', 'expected a non-negative integer file index']]);
    expect(why({ status: 1, files: [['a', 0], 'b'] })).toEqual([['.files.1', 'expected a [name, index] pair']]);
    expect(why({ status: 1, files: [[7, 0]] })).toEqual([['.files.0', 'expected a file name string']]);
    expect(why({ status: 1, files: [['a%2', 0]] })).toEqual([['.files.0', 'bad URL-encoding in file name at 1']]);
    // The codec of one entry says the same, at its own root.
    const entry = LoadFileCodec.decode(['a%zz', 0]);
    expect(entry._tag === 'Left' && entry.left.map((e) => e.message)).toEqual(['bad URL-encoding in file name at 1']);
    expect(LoadFileCodec.decode(['a%20b', 2])).toEqual({ _tag: 'Right', right: { name: 'a b', index: 2 } });
  });
});

describe('EventParamsCodecs', () => {
  it('types livepos params and keeps unknown ones', () => {
    const params = makeParams([
      ['last', '10'],
      ['live_first', '1'],
      ['pos', '9'],
      ['first_ts', '100'],
      ['last_ts', '110'],
      ['is_live', '1'],
      ['live_last', '10'],
      ['buffer_pieces', '3'],
      ['new_field', 'x'],
    ]);
    expect(EventParamsCodecs.livepos.decode(params)).toEqual({
      _tag: 'Right',
      right: { last: 10, liveFirst: 1, pos: 9, firstTs: 100, lastTs: 110, isLive: true, liveLast: 10, bufferPieces: 3, extra: makeParams([['new_field', 'x']]) },
    });
  });

  it('fails on a missing required param or a bad number', () => {
    expect(EventParamsCodecs.cansave.decode(makeParams([['infohash', 'a']]))._tag).toBe('Left');
    expect(EventParamsCodecs.showurl.decode(makeParams([['type', 't'], ['url', 'u'], ['width', 'wide']]))._tag).toBe('Left');
  });

  it('encodes typed params back to wire keys', () => {
    expect(EventParamsCodecs.download_stopped.encode({ reason: 'No seeds', option: 'x' })).toEqual(
      makeParams([['reason', 'No seeds'], ['option', 'x']]),
    );
  });
});

describe('UserDataCodec', () => {
  it('reads gender and age from the JSON array', () => {
    expect(UserDataCodec.decode([{ gender: 2 }, { age: 5 }])).toEqual({ _tag: 'Right', right: { gender: 2, age: 5 } });
    expect(UserDataCodec.decode([{ gender: 2 }])._tag).toBe('Left');
  });
});

describe('percent-encoding', () => {
  it('round-trips any text and leaves no separator bare', () => {
    fc.assert(
      fc.property(arbText, (text) => {
        const encoded = percentEncode(text);
        expect(encoded).toMatch(/^[A-Za-z0-9\-._~%]*$/);
        expect(percentDecode(encoded)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with decodeURIComponent on what both accept, and keeps + as +', () => {
    expect(percentDecode('a%20b+c%D0%B0')).toBe(decodeURIComponent('a%20b+c%D0%B0'));
    expect(percentDecode('plain')).toBe('plain');
  });

  it('turns invalid UTF-8 into U+FFFD instead of throwing', () => {
    expect(percentDecode('%FF')).toBe('\uFFFD');
    expect(percentDecode('%E2a%82%41')).toBe('\uFFFDa\uFFFDA');
  });

  it('decodes any mix of escaped and bare bytes as UTF-8-decoding the bytes they stand for', () => {
    // Each piece is a byte written as an escape, or a bare ASCII character other than %.
    const piece = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((byte) => ({ byte, text: '%' + byte.toString(16).padStart(2, '0') })),
      fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x25).map((byte) => ({ byte, text: String.fromCharCode(byte) })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const bytes = Uint8Array.from(pieces.map((p) => p.byte));
        const reference = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
        expect(percentDecode(pieces.map((p) => p.text).join(''))).toBe(reference);
      }),
      { numRuns: RUNS },
    );
  });
});
