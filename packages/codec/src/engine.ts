// Engine → client lines: decoding (what a client reads) and encoding (what an engine,
// such as the emulator, writes).
import { type DecodeError, EncodeError, fail } from './errors.js';
import {
  chars,
  checkSpec,
  decimal,
  int,
  isObject,
  lineText,
  oneOf,
  opt,
  params,
  refuse,
  schemaSpec,
  token,
  unknownSpec,
  type Rule,
  type Spec,
} from './encode.js';
import { guardedEncode } from './encode.js';
import { LoadResponseCodec, loadResponseRule } from './loadresp.js';
import type { EngineKind, EngineMessage, Info, KnownEvent, KnownEventName, Start, Status } from './messages.js';
import { isKnownEventName } from './messages.js';
import { writeParams, validationMessage, type Params, type ParamsSchema } from './params.js';
import { commandOf, joinLine, nonEmpty, runParser, Words } from './reader.js';
import { eventSchemas, helloTsSchema, startKeyedSchema, startPositionalSchema } from './schemas.js';
import { formatStatusPart, parsePart, statusPartRule } from './status.js';
import { bytesAt, endsLine } from './fastpath.js';
import { parseInteger, utf8Encode } from './text.js';
import * as E from './either.js';

const AD_SEPARATOR = '|ad:';

function noArgs<K extends EngineKind>(kind: K, words: Words): { kind: K } {
  words.end();
  return { kind };
}

function parseStatus(line: string, from: number): Status {
  if (!line.startsWith('main:', from)) fail(from, 'main:<status>');
  const mainAt = from + 5;
  const adAt = line.indexOf(AD_SEPARATOR, mainAt);
  if (adAt === -1) return { kind: 'STATUS', main: parsePart(line, mainAt, line.length, 0) };
  return {
    kind: 'STATUS',
    main: parsePart(line, mainAt, adAt, 0),
    ad: parsePart(line, adAt + AD_SEPARATOR.length, line.length, 0),
  };
}

/** Parses the JSON of LOADRESP or of a `##` answer to LOAD; `at` is its offset in the line. */
export function parseLoadResponseJson(json: string, at: number) {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return fail(at, 'LOADRESP JSON');
  }
  const decoded = LoadResponseCodec.decode(value);
  if (E.isLeft(decoded)) return fail(at, `LOADRESP JSON: ${validationMessage(decoded.left)}`);
  return decoded.right;
}

/** Whether the word at `line[at]` begins as a `key=value` param does (`[A-Za-z_][A-Za-z0-9_]*=`). */
function keyedAt(line: string, at: number): boolean {
  for (let i = at; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3d) return i > at;
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (!(letter || c === 0x5f || (i > at && c >= 0x30 && c <= 0x39))) return false;
  }
  return false;
}

function parseStart(words: Words): Start {
  if (!words.more) return fail(words.position, 'a URL or url=');
  const into: Record<string, unknown> = { kind: 'START' };
  let extra: Params | undefined;
  if (keyedAt(words.line, words.position)) {
    into['form'] = 'keyed';
    extra = startKeyedSchema.readLine(words.line, words.position, into, words.line.length);
  } else {
    into['form'] = 'positional';
    into['url'] = words.word('a URL');
    extra = startPositionalSchema.readLine(words.line, words.position, into, words.line.length);
  }
  if (extra) into['extra'] = extra;
  return into as unknown as Start;
}

function parseInfo(line: string, from: number): Info {
  const semi = line.indexOf(';', from);
  const idText = semi === -1 ? line.slice(from) : line.slice(from, semi);
  return {
    kind: 'INFO',
    id: parseInteger(idText, from, 'message id'),
    text: semi === -1 ? '' : line.slice(semi + 1),
  };
}

// The named EVENTs and their tables, matched against a line in place: hashing a fresh
// name to look it up costs more than comparing it with five.
const knownEvents = Object.entries(eventSchemas) as [KnownEventName, ParamsSchema<object>][];

const EVENT_PREFIX = utf8Encode('EVENT ');
// The named EVENTs whose params are all numbers, with their names as bytes.
const numericEvents = knownEvents.filter(([, schema]) => schema.numeric).map(([name, schema]) => [name, utf8Encode(name), schema] as const);

/**
 * The byte-level fast path for EVENTs whose params are all numbers (`livepos`): the
 * line at `bytes[from]`, up to its `\n` within `bytes[from, to)`, when it is such an
 * EVENT in its commonest shape (see `ParamsSchema.readBytes`). Sets `fastPathEnd`.
 * Undefined for any other line, which the caller decodes as text: the result is
 * always what decoding the text would give.
 */
export function plainEventLine(bytes: Uint8Array, from: number, to: number): KnownEvent | undefined {
  if (!bytesAt(bytes, from, to, EVENT_PREFIX)) return undefined;
  const at = from + EVENT_PREFIX.length;
  for (const [name, nameBytes, schema] of numericEvents) {
    if (!bytesAt(bytes, at, to, nameBytes)) continue;
    const shaped = schema.readBytesInOrder(bytes, at + nameBytes.length, to);
    if (shaped !== undefined) return endsLine(bytes, schema.inOrderEnd, to) ? ({ kind: 'EVENT', name, params: shaped } as KnownEvent) : undefined;
    const params: Record<string, unknown> = {};
    const end = schema.readBytes(bytes, at + nameBytes.length, to, params);
    if (end === -1 || !endsLine(bytes, end, to)) return undefined;
    return { kind: 'EVENT', name, params } as unknown as KnownEvent;
  }
  return undefined;
}

// The commands that are a whole line on their own, with their words as bytes.
const bareCommands = (['PAUSE', 'RESUME', 'STOP', 'SHUTDOWN', 'NOTREADY'] as const).map((kind) => [kind, utf8Encode(kind)] as const);

/**
 * The byte-level fast path for a command that is the whole line (`PAUSE`, `RESUME`,
 * `STOP`, `SHUTDOWN`, `NOTREADY`), up to its `\n` within `bytes[from, to)`. Sets
 * `fastPathEnd`. Undefined for any other line, which the caller decodes as text.
 */
export function bareCommandLine(bytes: Uint8Array, from: number, to: number): EngineMessage | undefined {
  for (const [kind, word] of bareCommands) {
    if (bytesAt(bytes, from, to, word) && endsLine(bytes, from + word.length, to)) return { kind };
  }
  return undefined;
}

function parseEvent(words: Words): EngineMessage {
  const at = words.position;
  const name = words.word('an event name');
  const line = words.line;
  const known = knownEvents.find(([known]) => known.length === name.length && line.startsWith(known, at));
  if (known === undefined) return { kind: 'EVENT', name, params: words.params() };
  const params: Record<string, unknown> = {};
  const extra = known[1].readLine(line, words.position, params, line.length);
  const event = { kind: 'EVENT', name: known[0], params } as Record<string, unknown>;
  if (extra) event['extra'] = extra;
  return event as unknown as KnownEvent;
}

function parseEngine(line: string): EngineMessage {
  // STATUS is most of the traffic: straight to it.
  if (line.startsWith('STATUS ')) return parseStatus(line, 7);
  if (line.startsWith('##')) return { kind: 'SYNC', payload: line.slice(2) };
  const { command, after } = commandOf(line);
  switch (command) {
    case 'STATUS':
      return parseStatus(line, after);
    case 'HELLOTS': {
      const into: Record<string, unknown> = { kind: 'HELLOTS' };
      const extra = helloTsSchema.readLine(line, after, into, line.length);
      if (extra) into['extra'] = extra;
      return into as unknown as EngineMessage;
    }
    case 'AUTH': {
      const words = new Words(line, after);
      const level = words.int('auth level');
      words.end();
      return { kind: 'AUTH', level };
    }
    case 'STATE': {
      const words = new Words(line, after);
      const state = words.int('state id');
      words.end();
      return { kind: 'STATE', state };
    }
    case 'LOADRESP': {
      const words = new Words(line, after);
      const requestId = words.int('request id');
      const jsonAt = words.position;
      return { kind: 'LOADRESP', requestId, response: parseLoadResponseJson(line.slice(jsonAt), jsonAt) };
    }
    case 'PLAY':
    case 'PLAYAD':
    case 'PLAYADI': {
      const words = new Words(line, after);
      const url = words.word('a URL');
      const extra = nonEmpty(words.rawParams());
      return extra ? { kind: command, url, extra } : { kind: command, url };
    }
    case 'START':
      return parseStart(new Words(line, after));
    case 'EVENT':
      return parseEvent(new Words(line, after));
    case 'INFO':
      return parseInfo(line, after);
    case 'NOTREADY':
    case 'PAUSE':
    case 'RESUME':
    case 'STOP':
    case 'SHUTDOWN':
      return noArgs(command, new Words(line, after));
    default:
      return { kind: 'UNKNOWN', raw: line };
  }
}

/**
 * Decodes one line an engine sent (without its line ending; one trailing `\r` is
 * dropped, for lines split on `\n` alone). Never throws, whatever it is handed: a line
 * whose command is unknown is `kind: 'UNKNOWN'`; a malformed known one, or a value
 * that is not a string, is a `Left` saying what was expected and where.
 *
 * @example
 * ```ts
 * decodeEngineMessage('STATUS main:prebuf;45;30')
 * // Right({ kind: 'STATUS', main: { state: 'prebuf', progress: 45, time: 30 } })
 * ```
 */
export function decodeEngineMessage(line: string): E.Either<DecodeError, EngineMessage> {
  return runParser(line, parseEngine);
}

type Encoders<M extends { kind: string }> = { readonly [K in M['kind']]: (message: Extract<M, { kind: K }>) => string };

const JSON_BREAK = /[\u0085\u2028\u2029]/;
const JSON_BREAKS = new RegExp(JSON_BREAK.source, 'g');

/**
 * `JSON.stringify`, with the line breaks it leaves bare (NEL, U+2028, U+2029: a
 * Python reader's `splitlines()` ends a line at them) written as `\u` escapes. Outside
 * strings JSON holds none, so only string contents change, and they read back the same.
 */
function jsonLine(value: unknown): string {
  const json = JSON.stringify(value);
  return JSON_BREAK.test(json) ? json.replace(JSON_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

const paramsText = (extra: Params | undefined): string => (extra ? writeParams(Object.entries(extra)) : '');

const engineEncoders = {
  HELLOTS: (m) => joinLine('HELLOTS', writeParams(helloTsSchema.entries(m, m.extra))),
  NOTREADY: () => 'NOTREADY',
  AUTH: (m) => `AUTH ${m.level}`,
  STATE: (m) => `STATE ${m.state}`,
  STATUS: (m) => `STATUS main:${formatStatusPart(m.main)}${m.ad ? AD_SEPARATOR + formatStatusPart(m.ad) : ''}`,
  LOADRESP: (m) => `LOADRESP ${m.requestId} ${jsonLine(LoadResponseCodec.encode(m.response))}`,
  PLAY: (m) => joinLine('PLAY', m.url, paramsText(m.extra)),
  PLAYAD: (m) => joinLine('PLAYAD', m.url, paramsText(m.extra)),
  PLAYADI: (m) => joinLine('PLAYADI', m.url, paramsText(m.extra)),
  START: (m) =>
    m.form === 'keyed'
      ? joinLine('START', writeParams(startKeyedSchema.entries(m, m.extra)))
      : joinLine('START', m.url, writeParams(startPositionalSchema.entries(m, m.extra))),
  PAUSE: () => 'PAUSE',
  RESUME: () => 'RESUME',
  STOP: () => 'STOP',
  SHUTDOWN: () => 'SHUTDOWN',
  INFO: (m) => `INFO ${m.id};${m.text}`,
  EVENT: (m) => {
    if (isKnownEventName(m.name)) {
      const known = m as KnownEvent;
      return joinLine('EVENT', known.name, writeParams((eventSchemas[known.name] as ParamsSchema<object>).entries(known.params, known.extra)));
    }
    return joinLine('EVENT', m.name, paramsText(m.params as Params));
  },
  SYNC: (m) => `##${m.payload}`,
  UNKNOWN: (m) => m.raw,
} satisfies Encoders<EngineMessage>;

// What each engine message must hold for its line to decode back to it.
const freeParams = params();
const urlSpec: Spec = { url: token, extra: opt(freeParams) };
const keyedSpec = schemaSpec(startKeyedSchema, { form: oneOf(['positional', 'keyed']) });
// A positional URL that began as `key=` does would read back as the keyed form.
const positionalSpec = schemaSpec(startPositionalSchema, {
  form: oneOf(['positional', 'keyed']),
  url: (v, field) => {
    token(v, field);
    if (keyedAt(v as string, 0)) refuse(field, 'must not begin as a key= param');
  },
});
const eventSpecs = Object.fromEntries(knownEvents.map(([name, schema]) => [name, schemaSpec(schema)])) as Record<KnownEventName, Spec>;
const eventRule: Rule = (m) => {
  const event = m as { name: unknown; params: unknown; extra?: unknown };
  token(event.name, 'name');
  if (isKnownEventName(event.name as string)) {
    const spec = eventSpecs[event.name as KnownEventName];
    checkSpec(spec, event.params, 'params');
    spec['extra']!(event.extra, 'extra');
  } else {
    freeParams(event.params, 'params');
    // Other EVENTs keep every param in `params`: an `extra` would be dropped.
    if (event.extra !== undefined) refuse('extra', 'is not a field of this EVENT (its params go in params)');
  }
};

const engineRules: { readonly [K in keyof typeof engineEncoders]: Spec | Rule } = {
  HELLOTS: schemaSpec(helloTsSchema),
  NOTREADY: {},
  AUTH: { level: int },
  STATE: { state: int },
  STATUS: { main: statusPartRule, ad: opt(statusPartRule) },
  LOADRESP: { requestId: int, response: loadResponseRule },
  PLAY: urlSpec,
  PLAYAD: urlSpec,
  PLAYADI: urlSpec,
  START: (m) => checkSpec(isObject(m) && m['form'] === 'keyed' ? keyedSpec : positionalSpec, m, ''),
  PAUSE: {},
  RESUME: {},
  STOP: {},
  SHUTDOWN: {},
  INFO: { id: int, text: lineText },
  EVENT: eventRule,
  SYNC: { payload: lineText },
  UNKNOWN: unknownSpec(Object.keys(engineEncoders).filter((k) => k !== 'UNKNOWN' && k !== 'SYNC'), '##'),
};

/**
 * Encodes an engine message as one line, without `\r\n` (see {@link encodeFrame}).
 *
 * @throws {@link EncodeError} when a field cannot be carried by the line (see
 * {@link tryEncodeEngineMessage} for the form that returns it instead).
 *
 * @example
 * ```ts
 * encodeEngineMessage({ kind: 'AUTH', level: 1 }) // 'AUTH 1'
 * ```
 */
export function encodeEngineMessage(message: EngineMessage): string {
  const line = tryEncodeEngineMessage(message);
  if (line._tag === 'Left') throw line.left;
  return line.right;
}

/**
 * Encodes an engine message as one line, or says why it cannot: never throws, for any
 * value.
 *
 * @example
 * ```ts
 * tryEncodeEngineMessage({ kind: 'AUTH', level: 1 }) // Right('AUTH 1')
 * ```
 */
export function tryEncodeEngineMessage(message: unknown): E.Either<EncodeError, string> {
  return guardedEncode(engineEncoders, engineRules, message);
}

/**
 * Decodes the JSON of a LOADRESP or of the `##` answer to a synchronous LOAD. Never
 * throws: malformed JSON, a value that is not a string, or extras nested deeper than
 * `MAX_EXTRA_DEPTH` are a `Left`. Test the result with `isLoadFailure`.
 *
 * @example
 * ```ts
 * decodeLoadResponse('{"status": 1, "files": [["a%20b.mp4", 0]]}')
 * // Right({ status: 1, files: [{ name: 'a b.mp4', index: 0 }] })
 * ```
 */
export function decodeLoadResponse(json: string) {
  return runParser(json, (text) => parseLoadResponseJson(text, 0));
}


/** The command words of engine messages this codec knows (all but `SYNC` and `UNKNOWN`). */
export const ENGINE_COMMANDS = Object.keys(engineEncoders).filter((k) => k !== 'UNKNOWN' && k !== 'SYNC') as Exclude<
  EngineMessage['kind'],
  'UNKNOWN' | 'SYNC'
>[];
