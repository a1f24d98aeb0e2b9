/**
 * fast-check arbitraries for every message kind of both directions, for property
 * tests of the codec and of users' own code (`@ace-rx/codec/arbitraries`). Every
 * generated message satisfies `decode(encode(m)) = m`.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { arbEngineMessage } from '@ace-rx/codec/arbitraries';
 * fc.assert(fc.property(arbEngineMessage, (m) => myHandler(m) !== undefined));
 * ```
 *
 * @packageDocumentation
 */
import fc from 'fast-check';
import { CLIENT_COMMANDS } from './client.js';
import { ENGINE_COMMANDS } from './engine.js';
import type { LoadFile, LoadResponse, LoadStatus } from './loadresp.js';
import type {
  ClientKind,
  ClientMessage,
  EngineKind,
  EngineMessage,
  KnownEventName,
  LoadSource,
  PartnerIds,
  PlaybackEvent,
  StartSource,
} from './messages.js';
import { isKnownEventName } from './messages.js';
import { makeParams, type Params } from './params.js';
import {
  eventSchemas,
  getCidSchema,
  helloBgSchema,
  helloTsSchema,
  readySchema,
  saveSchema,
  startKeyedSchema,
} from './schemas.js';
import { TEXT_REFUSED, TOKEN_REFUSED } from './encode.js';
import { webUrl } from './url-arbitrary.js';
import { COMMON_STATUS_FIELDS, isKnownStatusState, STATUS_LAYOUTS, type StatusPart } from './status.js';

type Arb<T> = fc.Arbitrary<T>;

// --- building blocks --------------------------------------------------------

const SURROGATES = 0xe000 - 0xd800;

/**
 * One Unicode code point (any scalar value: U+0000 to U+10FFFF, no lone surrogate) as a
 * string. The same values, bias (small code points more often) and shrinking as the unit
 * of fast-check's `fc.string({ unit: 'binary' })`, whose first use in a process builds a
 * table of all 1.1 million code points (about a second of CPU; a test runner pays it once
 * per test file). Use it as the unit: `fc.string({ unit: arbCodePoint })`.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { arbCodePoint } from '@ace-rx/codec/arbitraries';
 * fc.assert(fc.property(fc.string({ unit: arbCodePoint }), (s) => s.isWellFormed()));
 * ```
 */
export const arbCodePoint: Arb<string> = fc.nat(0x10ffff - SURROGATES).map(
  (n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES),
  (value) => {
    const cp = typeof value === 'string' ? value.codePointAt(0) : undefined;
    if (cp === undefined || String.fromCodePoint(cp) !== value || (cp >= 0xd800 && cp < 0xe000)) throw new Error('not one code point');
    return cp < 0xd800 ? cp : cp - SURROGATES;
  },
);

/** Any Unicode text (valid code points, line breaks included): for URL-encoded values. */
export const arbText: Arb<string> = fc.oneof(
  { arbitrary: fc.string({ unit: arbCodePoint, maxLength: 24 }), weight: 4 },
  { arbitrary: fc.array(fc.oneof(arbCodePoint, fc.constantFrom('\r', '\n', ' ', '\t', '\0', '\u0085', '\u2028', '\u2029')), { maxLength: 12 }).map((cs) => cs.join('')), weight: 1 },
);

// The odd characters the encoders refuse or keep, more often than {@link arbCodePoint} draws them.
const oddChar = fc.constantFrom(' ', '\t', '\v', '\f', '\0', '\x1c', '\x1f', '\x7f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff');
const lineChar = fc
  .oneof({ arbitrary: arbCodePoint, weight: 9 }, { arbitrary: oddChar, weight: 1 })
  .filter((c) => !TEXT_REFUSED.test(c));

/** Text that may stand raw in a line: spaces and TABs, no other control character, no line break (CR, LF, NEL, U+2028…). */
export const arbLineText: Arb<string> = fc.array(lineChar, { maxLength: 24 }).map((cs) => cs.join(''));

/** A positional token: non-empty, no whitespace (space, TAB, NBSP, U+3000…), no control character. */
export const arbToken: Arb<string> = fc
  .array(lineChar.filter((c) => !TOKEN_REFUSED.test(c)), { minLength: 1, maxLength: 16 })
  .map((cs) => cs.join(''));

/** A URL as engines and clients write them (no spaces). */
export const arbUrl: Arb<string> = webUrl(arbCodePoint, { schemes: ['http', 'https'], query: true, fragment: false });

/** A 40-hex-digit infohash. */
export const arbInfohash: Arb<string> = fc.stringMatching(/^[0-9a-f]{40}$/);

/** Integers as the protocol carries them (15 digits at most). */
export const arbInt: Arb<number> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer(),
  fc.integer({ min: -(10 ** 15 - 1), max: 10 ** 15 - 1 }),
);
const arbNat: Arb<number> = fc.oneof(fc.nat(1000), fc.nat(), fc.integer({ min: 0, max: 10 ** 15 - 1 }));

/**
 * A live position as engines send it: Unix seconds (a logged engine: `last=1539535944`),
 * from 2001 to 2100 mostly, now and then any integer, which the codec reads the same.
 */
export const arbUnixSeconds: Arb<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1_000_000_000, max: 4_102_444_800 }) },
  { weight: 1, arbitrary: arbInt },
);
const arbDecimal: Arb<number> = fc.oneof(
  arbNat,
  fc.tuple(fc.nat(10 ** 9), fc.nat(999)).map(([whole, part]) => Number(`${whole}.${part}`)),
);

/** A param key, including the ones that would pollute a careless parser. */
export const arbKey: Arb<string> = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
);

/** Non-empty params whose keys pass `keep`, or `undefined`. */
function arbExtra(keep: (key: string) => boolean = () => true): Arb<Params | undefined> {
  return fc.option(
    fc
      .uniqueArray(fc.tuple(arbKey.filter(keep), arbText), { selector: ([key]) => key, minLength: 1, maxLength: 4 })
      .map((entries) => makeParams(entries)),
    { nil: undefined },
  );
}

/** Params of any keys (possibly empty). */
export const arbParams: Arb<Params> = fc
  .uniqueArray(fc.tuple(arbKey, arbText), { selector: ([key]) => key, maxLength: 4 })
  .map((entries) => makeParams(entries));

const untyped = (schema: { isTyped(key: string): boolean }) => (key: string) => !schema.isTyped(key);

/** Adds `extra` to `value` when defined, as decoders do. */
function withExtra<T extends object>(value: T, extra: Params | undefined): T {
  return extra === undefined ? value : { ...value, extra };
}

// --- STATUS ------------------------------------------------------------------

const statusField = fc
  .array(lineChar.filter((c) => c !== ';' && c !== '|'), { maxLength: 8 })
  .map((cs) => cs.join(''));

function arbLayoutPart(state: keyof typeof STATUS_LAYOUTS): Arb<StatusPart> {
  const layout = STATUS_LAYOUTS[state];
  const fields = Object.fromEntries(layout.map((name) => [name, arbInt]));
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.array(statusField, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    )
    .map(([values, extra]) => ({ state, ...values, ...(extra ? { extra } : {}) }) as StatusPart);
}

/** A STATUS part of any state, known or not, abbreviated or with extra fields. */
export const arbStatusPart: Arb<StatusPart> = fc.oneof(
  ...(Object.keys(STATUS_LAYOUTS) as (keyof typeof STATUS_LAYOUTS)[]).map(arbLayoutPart),
  fc.record(
    {
      state: fc.constant('err' as const),
      errorId: arbInt,
      errorMessage: fc.array(lineChar.filter((c) => c !== '|'), { maxLength: 24 }).map((cs) => cs.join('')),
    },
    { requiredKeys: ['state'] },
  ),
  fc.record({
    state: fc.constant('unknown' as const),
    name: fc.stringMatching(/^[a-z]{0,10}$/).filter((name) => !isKnownStatusState(name)),
    fields: fc.array(statusField, { maxLength: 4 }),
  }),
);

/** Full common fields, as a real engine sends them in prebuf/buf/dl/wait. */
export const arbCommonStatusFields = fc.record(Object.fromEntries(COMMON_STATUS_FIELDS.map((name) => [name, arbNat])));

// --- LOADRESP ----------------------------------------------------------------

const LOADRESP_KEYS = new Set(['status', 'infohash', 'checksum', 'message', 'files']);

/** A LOADRESP JSON answer, with URL-decoded file names and unknown keys kept. */
export const arbLoadResponse: Arb<LoadResponse> = fc
  .tuple(
    fc.record(
      {
        status: fc.constantFrom<LoadStatus>(-1, 0, 1, 2, 100),
        infohash: arbInfohash,
        checksum: arbInfohash,
        message: arbText,
        files: fc.array(fc.record<LoadFile>({ name: arbText, index: arbNat }), { maxLength: 4 }),
      },
      { requiredKeys: ['status', 'files'] },
    ),
    fc.option(
      fc
        .uniqueArray(fc.tuple(arbKey.filter((key) => !LOADRESP_KEYS.has(key)), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown)), {
          selector: ([key]) => key,
          minLength: 1,
          maxLength: 3,
        })
        .map((entries) => makeParams(entries as unknown as [string, string][]) as Readonly<Record<string, unknown>>),
      { nil: undefined },
    ),
  )
  .map(([response, extra]) => (extra ? { ...response, extra } : response));

// --- client → engine -------------------------------------------------------------

const arbPartnerIds: Arb<PartnerIds> = fc.record({ developerId: arbNat, affiliateId: arbNat, zoneId: arbNat });
const arbFileIndexes = fc.array(fc.nat(500), { minLength: 1, maxLength: 4 });
const arbStreamId = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);

/** What LOAD and LOADASYNC load. */
export const arbLoadSource: Arb<LoadSource> = fc.oneof(
  fc.tuple(arbUrl, arbPartnerIds).map(([url, ids]) => ({ type: 'TORRENT' as const, url, ...ids })),
  fc.tuple(arbInfohash, arbPartnerIds).map(([infohash, ids]) => ({ type: 'INFOHASH' as const, infohash, ...ids })),
  arbToken.map((playerId) => ({ type: 'PID' as const, playerId })),
  fc.tuple(fc.base64String({ minLength: 4, maxLength: 64 }), arbPartnerIds).map(([data, ids]) => ({ type: 'RAW' as const, data, ...ids })),
);

/** What START starts. */
export const arbStartSource: Arb<StartSource> = fc.oneof(
  fc
    .tuple(arbUrl, arbFileIndexes, arbPartnerIds, fc.option(arbStreamId, { nil: undefined }))
    .map(([url, fileIndexes, ids, streamId]) => ({
      type: 'TORRENT' as const,
      url,
      fileIndexes,
      ...ids,
      ...(streamId === undefined ? {} : { streamId }),
    })),
  fc.tuple(arbInfohash, arbFileIndexes, arbPartnerIds).map(([infohash, fileIndexes, ids]) => ({ type: 'INFOHASH' as const, infohash, fileIndexes, ...ids })),
  fc.tuple(arbToken, arbFileIndexes).map(([playerId, fileIndexes]) => ({ type: 'PID' as const, playerId, fileIndexes })),
  fc
    .tuple(fc.base64String({ minLength: 4, maxLength: 64 }), arbFileIndexes, arbPartnerIds)
    .map(([data, fileIndexes, ids]) => ({ type: 'RAW' as const, data, fileIndexes, ...ids })),
  fc.tuple(arbUrl, arbFileIndexes, arbPartnerIds).map(([url, fileIndexes, ids]) => ({ type: 'URL' as const, url, fileIndexes, ...ids })),
  arbUrl.map((url) => ({ type: 'EFILE' as const, url })),
);

const arbUnknownLine = (known: readonly string[]): Arb<string> =>
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z][A-Za-z_]{0,10}$/).filter((command) => !known.includes(command)),
      fc.option(arbLineText, { nil: undefined }),
    )
    .map(([command, rest]) => (rest === undefined ? command : `${command} ${rest}`))
    .filter((line) => !line.endsWith('\r'));

type ByKind<M extends { kind: string }> = { readonly [K in M['kind']]: Arb<Extract<M, { kind: K }>> };

/** One arbitrary per client message kind. */
export const clientMessageArbitraries: ByKind<ClientMessage> = {
  HELLOBG: fc
    .tuple(fc.record({ version: arbNat }, { requiredKeys: [] }), arbExtra(untyped(helloBgSchema)))
    .map(([m, extra]) => withExtra({ kind: 'HELLOBG' as const, ...m }, extra)),
  READY: fc
    .tuple(fc.record({ key: arbText }, { requiredKeys: [] }), arbExtra(untyped(readySchema)))
    .map(([m, extra]) => withExtra({ kind: 'READY' as const, ...m }, extra)),
  USERDATA: fc.record({ kind: fc.constant('USERDATA' as const), gender: fc.integer({ min: 0, max: 2 }), age: fc.integer({ min: 0, max: 8 }) }),
  SETOPTIONS: arbParams.map((options) => ({ kind: 'SETOPTIONS' as const, options })),
  LOAD: arbLoadSource.map((source) => ({ kind: 'LOAD' as const, source })),
  LOADASYNC: fc.tuple(arbNat, arbLoadSource).map(([requestId, source]) => ({ kind: 'LOADASYNC' as const, requestId, source })),
  START: fc.tuple(arbStartSource, arbExtra()).map(([source, extra]) => withExtra({ kind: 'START' as const, source }, extra)),
  GETPID: fc.tuple(arbInfohash, arbPartnerIds).map(([infohash, ids]) => ({ kind: 'GETPID' as const, infohash, ...ids })),
  GETCID: fc
    .tuple(
      fc.record(
        { checksum: arbText, infohash: arbText, developerId: arbNat, affiliateId: arbNat, zoneId: arbNat },
        { requiredKeys: [] },
      ),
      arbExtra(untyped(getCidSchema)),
    )
    .map(([m, extra]) => withExtra({ kind: 'GETCID' as const, ...m }, extra)),
  STOP: fc.constant({ kind: 'STOP' as const }),
  SHUTDOWN: fc.constant({ kind: 'SHUTDOWN' as const }),
  DUR: fc.record({ kind: fc.constant('DUR' as const), url: arbUrl, durationMs: arbNat }),
  PLAYBACK: fc.record({
    kind: fc.constant('PLAYBACK' as const),
    url: arbUrl,
    event: fc.constantFrom<PlaybackEvent>(0, 25, 50, 75, 100),
  }),
  LIVESEEK: fc.record({ kind: fc.constant('LIVESEEK' as const), position: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1_000_000_000, max: 4_102_444_800 }) }, { weight: 1, arbitrary: arbNat }) }),
  EVENT: fc.record({
    kind: fc.constant('EVENT' as const),
    name: fc.constantFrom('play', 'pause', 'stop', 'seek', 'other_event'),
    params: arbParams,
  }),
  STATUS: fc.constant({ kind: 'STATUS' as const }),
  STOPDL: fc.constant({ kind: 'STOPDL' as const }),
  GETADURL: fc.record({ kind: fc.constant('GETADURL' as const), args: fc.array(arbToken, { maxLength: 6 }) }),
  SAVE: fc
    .tuple(fc.record({ infohash: arbInfohash, index: arbNat, path: arbText }), arbExtra(untyped(saveSchema)))
    .map(([m, extra]) => withExtra({ kind: 'SAVE' as const, ...m }, extra)),
  UNKNOWN: arbUnknownLine(CLIENT_COMMANDS).map((raw) => ({ kind: 'UNKNOWN' as const, raw })),
};

// --- engine → client -------------------------------------------------------------

const startTyped = {
  infohash: arbInfohash,
  fileIndex: arbNat,
  ad: fc.boolean(),
  interruptable: fc.boolean(),
  stream: fc.boolean(),
  pos: arbDecimal,
  bitrate: arbDecimal,
  length: arbDecimal,
  statUrl: arbUrl,
  commandUrl: arbUrl,
  sid: arbText,
};

const knownEventArbitraries: { readonly [N in KnownEventName]: Arb<Extract<EngineMessage, { name: N }>> } = {
  livepos: fc
    .tuple(
      fc.record({
        last: arbUnixSeconds,
        liveFirst: arbUnixSeconds,
        pos: arbUnixSeconds,
        firstTs: arbUnixSeconds,
        lastTs: arbUnixSeconds,
        isLive: fc.boolean(),
        liveLast: arbUnixSeconds,
        bufferPieces: arbInt,
      }),
      arbExtra(untyped(eventSchemas.livepos)),
    )
    .map(([params, extra]) => withExtra({ kind: 'EVENT' as const, name: 'livepos' as const, params }, extra)),
  cansave: fc
    .tuple(fc.record({ infohash: arbInfohash, index: arbNat, format: arbText }), arbExtra(untyped(eventSchemas.cansave)))
    .map(([params, extra]) => withExtra({ kind: 'EVENT' as const, name: 'cansave' as const, params }, extra)),
  showurl: fc
    .tuple(
      fc.record({ type: arbText, url: arbText, width: arbInt, height: arbInt }, { requiredKeys: ['type', 'url'] }),
      arbExtra(untyped(eventSchemas.showurl)),
    )
    .map(([params, extra]) => withExtra({ kind: 'EVENT' as const, name: 'showurl' as const, params }, extra)),
  download_stopped: fc
    .tuple(
      fc.record({ reason: arbText, option: arbText }, { requiredKeys: ['reason'] }),
      arbExtra(untyped(eventSchemas.download_stopped)),
    )
    .map(([params, extra]) => withExtra({ kind: 'EVENT' as const, name: 'download_stopped' as const, params }, extra)),
  getuserdata: arbExtra().map((extra) => withExtra({ kind: 'EVENT' as const, name: 'getuserdata' as const, params: {} }, extra)),
};

/** One arbitrary per engine message kind. */
export const engineMessageArbitraries: ByKind<EngineMessage> = {
  HELLOTS: fc
    .tuple(
      fc.record({ version: arbText, versionCode: arbNat, key: arbText, httpPort: arbNat, bmode: arbText }, { requiredKeys: [] }),
      arbExtra(untyped(helloTsSchema)),
    )
    .map(([m, extra]) => withExtra({ kind: 'HELLOTS' as const, ...m }, extra)),
  NOTREADY: fc.constant({ kind: 'NOTREADY' as const }),
  AUTH: fc.record({ kind: fc.constant('AUTH' as const), level: arbInt }),
  STATE: fc.record({ kind: fc.constant('STATE' as const), state: arbInt }),
  STATUS: fc.record({ kind: fc.constant('STATUS' as const), main: arbStatusPart, ad: arbStatusPart }, { requiredKeys: ['kind', 'main'] }),
  LOADRESP: fc.record({ kind: fc.constant('LOADRESP' as const), requestId: arbInt, response: arbLoadResponse }),
  PLAY: fc.tuple(arbUrl, arbExtra()).map(([url, extra]) => withExtra({ kind: 'PLAY' as const, url }, extra)),
  PLAYAD: fc.tuple(arbUrl, arbExtra()).map(([url, extra]) => withExtra({ kind: 'PLAYAD' as const, url }, extra)),
  PLAYADI: fc.tuple(arbUrl, arbExtra()).map(([url, extra]) => withExtra({ kind: 'PLAYADI' as const, url }, extra)),
  START: fc.oneof(
    fc
      .tuple(arbText, fc.record(startTyped, { requiredKeys: [] }), arbExtra(untyped(startKeyedSchema)))
      .map(([url, typed, extra]) => withExtra({ kind: 'START' as const, form: 'keyed' as const, url, ...typed }, extra)),
    fc
      .tuple(arbUrl, fc.record(startTyped, { requiredKeys: [] }), arbExtra(untyped(startKeyedSchema)))
      .map(([url, typed, extra]) => withExtra({ kind: 'START' as const, form: 'positional' as const, url, ...typed }, extra)),
  ),
  PAUSE: fc.constant({ kind: 'PAUSE' as const }),
  RESUME: fc.constant({ kind: 'RESUME' as const }),
  STOP: fc.constant({ kind: 'STOP' as const }),
  SHUTDOWN: fc.constant({ kind: 'SHUTDOWN' as const }),
  INFO: fc.record({ kind: fc.constant('INFO' as const), id: arbInt, text: arbLineText }),
  EVENT: fc.oneof(
    ...Object.values(knownEventArbitraries),
    fc
      .record({
        kind: fc.constant('EVENT' as const),
        name: fc.stringMatching(/^[a-z_]{1,16}$/).filter((name) => !isKnownEventName(name)),
        params: arbParams,
      }),
  ) as Arb<Extract<EngineMessage, { kind: 'EVENT' }>>,
  SYNC: fc.record({ kind: fc.constant('SYNC' as const), payload: arbLineText }),
  UNKNOWN: arbUnknownLine(ENGINE_COMMANDS)
    .filter((raw) => !raw.startsWith('##'))
    .map((raw) => ({ kind: 'UNKNOWN' as const, raw })),
};

/** Any client message. */
export const arbClientMessage: Arb<ClientMessage> = fc.oneof(
  ...(Object.values(clientMessageArbitraries) as Arb<ClientMessage>[]),
);

/** Any engine message. */
export const arbEngineMessage: Arb<EngineMessage> = fc.oneof(
  ...(Object.values(engineMessageArbitraries) as Arb<EngineMessage>[]),
);

/** The kinds of each direction, for iterating per-kind properties. */
export const CLIENT_KINDS = Object.keys(clientMessageArbitraries) as ClientKind[];
/** The kinds of each direction, for iterating per-kind properties. */
export const ENGINE_KINDS = Object.keys(engineMessageArbitraries) as EngineKind[];

/**
 * Every way of cutting `bytes` into chunks (empty chunks included): for testing that
 * a consumer of a byte stream gives the same result however TCP splits it.
 */
export function arbChunks(bytes: Uint8Array): Arb<Uint8Array[]> {
  return fc
    .uniqueArray(fc.nat(bytes.length), { maxLength: Math.min(bytes.length + 1, 32) })
    .chain((cuts) =>
      fc.boolean().map((withEmpty) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const cut of sorted) {
          chunks.push(bytes.subarray(from, cut));
          if (withEmpty) chunks.push(new Uint8Array(0));
          from = cut;
        }
        chunks.push(bytes.subarray(from));
        return chunks;
      }),
    );
}
