// Client → engine lines: encoding (what a client writes) and decoding (what an engine,
// such as the emulator, reads).
import * as E from './either.js';
import * as t from 'io-ts';
import type { DecodeError } from './errors.js';
import { EncodeError, fail } from './errors.js';
import { array, byType, isWireInt, chars, guardedEncode, intIn, nat, oneOf, opt, params, schemaSpec, token, unknownSpec, type Spec } from './encode.js';
import type {
  ClientKind,
  ClientMessage,
  FileIndexes,
  LoadSource,
  PartnerIds,
  PlaybackEvent,
  StartSource,
  UserData,
} from './messages.js';
import { validationMessage, writeParams, type Params } from './params.js';
import { commandOf, joinLine, runParser, Words } from './reader.js';
import { getCidSchema, helloBgSchema, readySchema, saveSchema } from './schemas.js';
import { parseInteger } from './text.js';

function partnerIds(words: Words): PartnerIds {
  return {
    developerId: words.int('developer id'),
    affiliateId: words.int('affiliate id'),
    zoneId: words.int('zone id'),
  };
}

const LOAD_TYPES = 'TORRENT, INFOHASH, PID or RAW';

function loadSource(words: Words): LoadSource {
  const at = words.position;
  const type = words.word(LOAD_TYPES);
  switch (type) {
    case 'TORRENT':
      return { type, url: words.word('a torrent URL'), ...partnerIds(words) };
    case 'INFOHASH':
      return { type, infohash: words.word('an infohash'), ...partnerIds(words) };
    case 'PID':
      return { type, playerId: words.word('a player id') };
    case 'RAW':
      return { type, data: words.word('base64 torrent data'), ...partnerIds(words) };
    default:
      return fail(at, LOAD_TYPES);
  }
}

function fileIndexes(words: Words): FileIndexes {
  const at = words.position;
  const text = words.word('file indexes (e.g. 0 or 0,1,2)');
  const out: number[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const n = parseInteger(part, at + start, 'file index');
    if (n < 0) fail(at + start, 'a non-negative file index');
    out.push(n);
    start += part.length + 1;
  }
  return out;
}

const START_TYPES = 'TORRENT, INFOHASH, PID, RAW, URL or EFILE';

function startSource(words: Words): StartSource {
  const at = words.position;
  const type = words.word(START_TYPES);
  switch (type) {
    case 'TORRENT': {
      const url = words.word('a torrent URL');
      const indexes = fileIndexes(words);
      const ids = partnerIds(words);
      const next = words.peek();
      if (next !== undefined && !next.includes('=')) return { type, url, fileIndexes: indexes, ...ids, streamId: words.word('') };
      return { type, url, fileIndexes: indexes, ...ids };
    }
    case 'INFOHASH': {
      const infohash = words.word('an infohash');
      return { type, infohash, fileIndexes: fileIndexes(words), ...partnerIds(words) };
    }
    case 'PID': {
      const playerId = words.word('a player id');
      return { type, playerId, fileIndexes: fileIndexes(words) };
    }
    case 'RAW': {
      const data = words.word('base64 torrent data');
      return { type, data, fileIndexes: fileIndexes(words), ...partnerIds(words) };
    }
    case 'URL': {
      const url = words.word('a direct URL');
      return { type, url, fileIndexes: fileIndexes(words), ...partnerIds(words) };
    }
    case 'EFILE':
      return { type, url: words.word('an efile URL') };
    default:
      return fail(at, START_TYPES);
  }
}

const PLAYBACK_EVENTS: ReadonlySet<number> = new Set<PlaybackEvent>([0, 25, 50, 75, 100]);

const UserDataJson = t.array(t.UnknownRecord);

/**
 * A USERDATA number: a JSON integer or, as open clients also send, a string of one
 * (`"1"`); at most 15 digits, `-0` read as `0`. Undefined for anything else.
 */
function userDataInt(v: unknown): number | undefined {
  if (typeof v === 'string') {
    try {
      return parseInteger(v, 0, '');
    } catch {
      return undefined;
    }
  }
  return isWireInt(v) ? v + 0 : undefined;
}

/**
 * io-ts codec between the USERDATA JSON array (`[{"gender": 1}, {"age": 3}]`) and
 * `{ gender, age }`. Each value may sit in any object of the array.
 */
export const UserDataCodec = new t.Type<Omit<UserData, 'kind'>, ReadonlyArray<Readonly<Record<string, number>>>, unknown>(
  'UserData',
  (u): u is Omit<UserData, 'kind'> => typeof u === 'object' && u !== null && 'gender' in u && 'age' in u,
  (u, context) => {
    const array = UserDataJson.validate(u, context);
    if (E.isLeft(array)) return array;
    let gender: unknown;
    let age: unknown;
    for (const entry of array.right) {
      if (Object.hasOwn(entry, 'gender')) gender = entry['gender'];
      if (Object.hasOwn(entry, 'age')) age = entry['age'];
    }
    const g = userDataInt(gender);
    if (g === undefined) return t.failure(u, context, 'expected an integer gender');
    const a = userDataInt(age);
    if (a === undefined) return t.failure(u, context, 'expected an integer age');
    return t.success({ gender: g, age: a });
  },
  (a) => [{ gender: a.gender }, { age: a.age }],
);

function parseUserData(line: string, from: number): UserData {
  let json: unknown;
  try {
    json = JSON.parse(line.slice(from));
  } catch {
    return fail(from, 'a USERDATA JSON array');
  }
  const decoded = UserDataCodec.decode(json);
  if (E.isLeft(decoded)) return fail(from, `USERDATA JSON: ${validationMessage(decoded.left)}`);
  return { kind: 'USERDATA', ...decoded.right };
}

function withParams<M extends object>(message: M, into: Record<string, unknown>, extra: Params | undefined): M {
  Object.assign(message, into);
  return (extra ? { ...message, extra } : message) as M;
}

function parseClient(line: string): ClientMessage {
  const { command, after } = commandOf(line);
  const words = new Words(line, after);
  switch (command) {
    case 'HELLOBG':
    case 'READY':
    case 'GETCID':
    case 'SAVE': {
      const schema = { HELLOBG: helloBgSchema, READY: readySchema, GETCID: getCidSchema, SAVE: saveSchema }[command];
      const into: Record<string, unknown> = {};
      const extra = schema.readLine(line, words.position, into, line.length);
      return withParams({ kind: command }, into, extra) as ClientMessage;
    }
    case 'USERDATA':
      return parseUserData(line, after);
    case 'SETOPTIONS':
      return { kind: 'SETOPTIONS', options: words.params() };
    case 'LOAD': {
      const source = loadSource(words);
      words.end();
      return { kind: 'LOAD', source };
    }
    case 'LOADASYNC': {
      const requestId = words.int('request id');
      const source = loadSource(words);
      words.end();
      return { kind: 'LOADASYNC', requestId, source };
    }
    case 'START': {
      const source = startSource(words);
      const extra = words.params();
      for (const _ in extra) return { kind: 'START', source, extra };
      return { kind: 'START', source };
    }
    case 'GETPID': {
      const infohash = words.word('an infohash');
      const ids = partnerIds(words);
      words.end();
      return { kind: 'GETPID', infohash, ...ids };
    }
    case 'DUR': {
      const url = words.word('a video URL');
      const durationMs = words.count('duration in ms');
      words.end();
      return { kind: 'DUR', url, durationMs };
    }
    case 'PLAYBACK': {
      const url = words.word('a video URL');
      const at = words.position;
      const event = words.int('playback event');
      if (!PLAYBACK_EVENTS.has(event)) fail(at, 'a playback event: 0, 25, 50, 75 or 100');
      words.end();
      return { kind: 'PLAYBACK', url, event: event as PlaybackEvent };
    }
    case 'LIVESEEK': {
      const position = words.int('live position');
      words.end();
      return { kind: 'LIVESEEK', position };
    }
    case 'EVENT': {
      const name = words.word('an event name');
      return { kind: 'EVENT', name, params: words.params() };
    }
    case 'GETADURL':
      return { kind: 'GETADURL', args: words.rest() };
    case 'STOP':
    case 'SHUTDOWN':
    case 'STATUS':
    case 'STOPDL':
      words.end();
      return { kind: command };
    default:
      return { kind: 'UNKNOWN', raw: line };
  }
}

/**
 * Decodes one line a client sent (without its line ending; one trailing `\r` is
 * dropped). Never throws, whatever it is handed: unknown commands are
 * `kind: 'UNKNOWN'`, malformed known ones (and non-strings) a `Left`.
 *
 * @example
 * ```ts
 * decodeClientMessage('LOADASYNC 7 PID 12345')
 * // Right({ kind: 'LOADASYNC', requestId: 7, source: { type: 'PID', playerId: '12345' } })
 * ```
 */
export function decodeClientMessage(line: string): E.Either<DecodeError, ClientMessage> {
  return runParser(line, parseClient);
}

const ids = (m: PartnerIds): string => `${m.developerId} ${m.affiliateId} ${m.zoneId}`;

function loadSourceText(source: LoadSource): string {
  switch (source.type) {
    case 'TORRENT':
      return `TORRENT ${source.url} ${ids(source)}`;
    case 'INFOHASH':
      return `INFOHASH ${source.infohash} ${ids(source)}`;
    case 'PID':
      return `PID ${source.playerId}`;
    case 'RAW':
      return `RAW ${source.data} ${ids(source)}`;
  }
}

function startSourceText(source: StartSource): string {
  switch (source.type) {
    case 'TORRENT':
      return joinLine(`TORRENT ${source.url} ${source.fileIndexes.join(',')} ${ids(source)}`, source.streamId ?? '');
    case 'INFOHASH':
      return `INFOHASH ${source.infohash} ${source.fileIndexes.join(',')} ${ids(source)}`;
    case 'PID':
      return `PID ${source.playerId} ${source.fileIndexes.join(',')}`;
    case 'RAW':
      return `RAW ${source.data} ${source.fileIndexes.join(',')} ${ids(source)}`;
    case 'URL':
      return `URL ${source.url} ${source.fileIndexes.join(',')} ${ids(source)}`;
    case 'EFILE':
      return `EFILE ${source.url}`;
  }
}

type Encoders<M extends { kind: string }> = { readonly [K in M['kind']]: (message: Extract<M, { kind: K }>) => string };

const paramsText = (params: Params | undefined): string => (params ? writeParams(Object.entries(params)) : '');

const clientEncoders = {
  HELLOBG: (m) => joinLine('HELLOBG', writeParams(helloBgSchema.entries(m, m.extra))),
  READY: (m) => joinLine('READY', writeParams(readySchema.entries(m, m.extra))),
  USERDATA: (m) => `USERDATA [{"gender": ${m.gender}}, {"age": ${m.age}}]`,
  SETOPTIONS: (m) => joinLine('SETOPTIONS', paramsText(m.options)),
  LOAD: (m) => `LOAD ${loadSourceText(m.source)}`,
  LOADASYNC: (m) => `LOADASYNC ${m.requestId} ${loadSourceText(m.source)}`,
  START: (m) => joinLine('START', startSourceText(m.source), paramsText(m.extra)),
  GETPID: (m) => `GETPID ${m.infohash} ${ids(m)}`,
  GETCID: (m) => joinLine('GETCID', writeParams(getCidSchema.entries(m, m.extra))),
  STOP: () => 'STOP',
  SHUTDOWN: () => 'SHUTDOWN',
  DUR: (m) => `DUR ${m.url} ${m.durationMs}`,
  PLAYBACK: (m) => `PLAYBACK ${m.url} ${m.event}`,
  LIVESEEK: (m) => `LIVESEEK ${m.position}`,
  EVENT: (m) => joinLine('EVENT', m.name, paramsText(m.params)),
  STATUS: () => 'STATUS',
  STOPDL: () => 'STOPDL',
  GETADURL: (m) => joinLine('GETADURL', ...m.args),
  SAVE: (m) => joinLine('SAVE', writeParams(saveSchema.entries(m, m.extra))),
  UNKNOWN: (m) => m.raw,
} satisfies Encoders<ClientMessage>;

// What each client message must hold for its line to decode back to it, and for the
// engine to mean it: partner ids, request ids, versions, positions and indexes are never
// negative (the decoder still reads what clients send).
const partnerSpec: Spec = { developerId: nat, affiliateId: nat, zoneId: nat };
const indexes = array(nat, 1);
const loadSourceRule = byType({
  TORRENT: { url: token, ...partnerSpec },
  INFOHASH: { infohash: token, ...partnerSpec },
  PID: { playerId: token },
  RAW: { data: token, ...partnerSpec },
});
const startSourceRule = byType({
  // A stream id with `=` would read back as a param.
  TORRENT: { url: token, fileIndexes: indexes, ...partnerSpec, streamId: opt(chars(false, '=')) },
  INFOHASH: { infohash: token, fileIndexes: indexes, ...partnerSpec },
  PID: { playerId: token, fileIndexes: indexes },
  RAW: { data: token, fileIndexes: indexes, ...partnerSpec },
  URL: { url: token, fileIndexes: indexes, ...partnerSpec },
  EFILE: { url: token },
});

const clientRules: { readonly [K in keyof typeof clientEncoders]: Spec } = {
  HELLOBG: schemaSpec(helloBgSchema, { version: opt(nat) }),
  READY: schemaSpec(readySchema),
  // The spec's gender 1|2 and age 1..8, and the 0 some clients send for "unknown".
  USERDATA: { gender: intIn(0, 2), age: intIn(0, 8) },
  SETOPTIONS: { options: params() },
  LOAD: { source: loadSourceRule },
  LOADASYNC: { requestId: nat, source: loadSourceRule },
  START: { source: startSourceRule, extra: opt(params()) },
  GETPID: { infohash: token, ...partnerSpec },
  GETCID: schemaSpec(getCidSchema, { developerId: opt(nat), affiliateId: opt(nat), zoneId: opt(nat) }),
  STOP: {},
  SHUTDOWN: {},
  DUR: { url: token, durationMs: nat },
  PLAYBACK: { url: token, event: oneOf([...PLAYBACK_EVENTS]) },
  LIVESEEK: { position: nat },
  EVENT: { name: token, params: params() },
  STATUS: {},
  STOPDL: {},
  GETADURL: { args: array(token) },
  SAVE: schemaSpec(saveSchema, { index: nat }),
  UNKNOWN: unknownSpec(Object.keys(clientEncoders).filter((k) => k !== 'UNKNOWN')),
};

/**
 * Encodes a client message as one line, without `\r\n` (see {@link encodeFrame}).
 *
 * @throws {@link EncodeError} when a field cannot be carried by the line (see
 * {@link tryEncodeClientMessage} for the form that returns it instead).
 *
 * @example
 * ```ts
 * encodeClientMessage({ kind: 'HELLOBG', version: 4 }) // 'HELLOBG version=4'
 * ```
 */
export function encodeClientMessage(message: ClientMessage): string {
  const line = tryEncodeClientMessage(message);
  if (line._tag === 'Left') throw line.left;
  return line.right;
}

/**
 * Encodes a client message as one line, or says why it cannot: never throws, for any
 * value. Use it where the message comes from outside your code (user input, JSON).
 *
 * @example
 * ```ts
 * tryEncodeClientMessage({ kind: 'LIVESEEK', position: 12 }) // Right('LIVESEEK 12')
 * tryEncodeClientMessage({ kind: 'NOPE' }) // Left(EncodeError: kind is not a known kind)
 * ```
 */
export function tryEncodeClientMessage(message: unknown): E.Either<EncodeError, string> {
  return guardedEncode(clientEncoders, clientRules, message);
}

/** The `kind`s of client messages this codec knows (all but `UNKNOWN`). */
export const CLIENT_COMMANDS = Object.keys(clientEncoders).filter((k) => k !== 'UNKNOWN') as Exclude<ClientKind, 'UNKNOWN'>[];
