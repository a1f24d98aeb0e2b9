import * as t from 'io-ts';
import { fail, ParseFailure } from './errors.js';
import { bytesAt, endsLine, fastPathEnd } from './fastpath.js';
import { MAX_INT_DIGITS, parseInteger, utf8Encode } from './text.js';
import type { Status } from './messages.js';
import { array, chars, checkSpec, isObject, join, opt, optInt, refuse, type Rule, type Spec } from './encode.js';

/**
 * The ten fields engines append to most states, in wire order (`total_progress;
 * immediate_progress; speed_down; http_speed_down; speed_up; peers; http_peers;
 * downloaded; http_downloaded; uploaded`). Speeds in KiB/s, amounts in bytes.
 */
export const COMMON_STATUS_FIELDS = [
  'totalProgress',
  'immediateProgress',
  'speedDown',
  'httpSpeedDown',
  'speedUp',
  'peers',
  'httpPeers',
  'downloaded',
  'httpDownloaded',
  'uploaded',
] as const;

/** The common STATUS fields as properties. Each is present only when the engine sent it. */
export interface CommonStatusFields {
  /** `total_progress`: how much of the file is downloaded, 0..100. */
  readonly totalProgress?: number;
  /** `immediate_progress`: how much uninterrupted data from the current position is downloaded, 0..100. */
  readonly immediateProgress?: number;
  /** `speed_down`: download speed from peers, KiB/s. */
  readonly speedDown?: number;
  /** `http_speed_down`: download speed from HTTP sources, KiB/s. */
  readonly httpSpeedDown?: number;
  /** `speed_up`: upload speed, KiB/s. */
  readonly speedUp?: number;
  /** `peers`: connected peers. */
  readonly peers?: number;
  /** `http_peers`: connected HTTP sources. */
  readonly httpPeers?: number;
  /** `downloaded`: bytes downloaded from peers. */
  readonly downloaded?: number;
  /** `http_downloaded`: bytes downloaded from HTTP sources. */
  readonly httpDownloaded?: number;
  /** `uploaded`: bytes uploaded. */
  readonly uploaded?: number;
}

// Every common field is in the wire-order list above, and nothing else is.
type Missing = Exclude<keyof CommonStatusFields, (typeof COMMON_STATUS_FIELDS)[number]>;
type Extra = Exclude<(typeof COMMON_STATUS_FIELDS)[number], keyof CommonStatusFields>;
const commonFieldsMatch: [Missing, Extra] extends [never, never] ? true : never = true;
void commonFieldsMatch;

/** Fields an engine appended beyond the known layout, kept as sent. */
export interface StatusExtra {
  readonly extra?: readonly string[];
}

/** `idle`: the engine does nothing. */
export interface IdleStatus extends StatusExtra {
  readonly state: 'idle';
}
/** `err;<error_id>;<error_message>`: the content failed. The message is the rest of the part. */
export interface ErrStatus {
  readonly state: 'err';
  readonly errorId?: number;
  readonly errorMessage?: string;
}
/** `check;<progress>`: checking already downloaded data. */
export interface CheckStatus extends StatusExtra {
  readonly state: 'check';
  readonly progress?: number;
}
/** `prebuf;<progress>;<time>` + common: prebuffering before playback starts. */
export interface PrebufStatus extends CommonStatusFields, StatusExtra {
  readonly state: 'prebuf';
  readonly progress?: number;
  readonly time?: number;
}
/** `buf;<progress>;<time>` + common: buffering during playback. */
export interface BufStatus extends CommonStatusFields, StatusExtra {
  readonly state: 'buf';
  readonly progress?: number;
  readonly time?: number;
}
/** `dl` + common: downloading while playing. */
export interface DlStatus extends CommonStatusFields, StatusExtra {
  readonly state: 'dl';
}
/** `wait;<time>` + common: waiting for sufficient download speed. */
export interface WaitStatus extends CommonStatusFields, StatusExtra {
  readonly state: 'wait';
  readonly time?: number;
}
/** `seekprebuf;<progress>` + common (newer engines): prebuffering after a seek. */
export interface SeekPrebufStatus extends CommonStatusFields, StatusExtra {
  readonly state: 'seekprebuf';
  readonly progress?: number;
}
/** `starting` (newer engines, before the first START). */
export interface StartingStatus extends StatusExtra {
  readonly state: 'starting';
}
/** `loading` (newer engines). */
export interface LoadingStatus extends StatusExtra {
  readonly state: 'loading';
}
/**
 * A state this codec does not know, kept whole: `name` is the word before the first
 * `;`, `fields` the raw text of each field after it.
 */
export interface UnknownStatus {
  readonly state: 'unknown';
  readonly name: string;
  readonly fields: readonly string[];
}

/**
 * One part (`main` or `ad`) of a STATUS line, a union on `state`. Numeric fields are
 * present only when sent: engines abbreviate parts (`ad:buf;69`), and an empty field
 * (`prebuf;;30`) reads as absent.
 */
export type StatusPart =
  | IdleStatus
  | ErrStatus
  | CheckStatus
  | PrebufStatus
  | BufStatus
  | DlStatus
  | WaitStatus
  | SeekPrebufStatus
  | StartingStatus
  | LoadingStatus
  | UnknownStatus;

/** The state words this codec knows (everything but `'unknown'`). */
export type KnownStatusState = Exclude<StatusPart['state'], 'unknown'>;

/**
 * The field layout of each known state after its state word, in wire order. `err` is
 * `errorId` then the rest of the part as `errorMessage`.
 */
export const STATUS_LAYOUTS: { readonly [S in Exclude<KnownStatusState, 'err'>]: readonly string[] } = {
  idle: [],
  check: ['progress'],
  prebuf: ['progress', 'time', ...COMMON_STATUS_FIELDS],
  buf: ['progress', 'time', ...COMMON_STATUS_FIELDS],
  dl: [...COMMON_STATUS_FIELDS],
  wait: ['time', ...COMMON_STATUS_FIELDS],
  seekprebuf: ['progress', ...COMMON_STATUS_FIELDS],
  starting: [],
  loading: [],
};

const layouts = new Map<string, readonly string[]>(Object.entries(STATUS_LAYOUTS));

/** Whether `state` is a state word this codec knows. */
export function isKnownStatusState(state: string): state is KnownStatusState {
  return state === 'err' || layouts.has(state);
}

/** The known state word at `line[from, to)`, matched in place (no substring), or undefined. */
function stateWord(line: string, from: number, to: number): KnownStatusState | undefined {
  const word = STATE_BY_LENGTH[to - from];
  if (word === undefined) return undefined;
  for (const candidate of word) if (line.startsWith(candidate, from)) return candidate;
  return undefined;
}

const STATE_BY_LENGTH: (readonly KnownStatusState[] | undefined)[] = [];
for (const state of [...Object.keys(STATUS_LAYOUTS), 'err'] as KnownStatusState[]) {
  (STATE_BY_LENGTH[state.length] ??= [] as KnownStatusState[]);
  (STATE_BY_LENGTH[state.length] as KnownStatusState[]).push(state);
}

// Where the last readField stopped (the `;` after the field, or the part's end), and
// where it failed (-1 when it did not): one shared cursor instead of an object per
// field (a const object, not module `let`s, which cost a hole check on every access).
const cursor = { end: 0, bad: -1 };

/** Reads the integer field starting at `start`; `undefined` for an empty field. */
function readField(line: string, start: number, to: number): number | undefined {
  let j = start;
  const negative = j < to && line.charCodeAt(j) === 0x2d;
  if (negative) j++;
  const digitsFrom = j;
  let n = 0;
  for (; j < to; j++) {
    const d = line.charCodeAt(j) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  cursor.end = j;
  const digits = j - digitsFrom;
  if (j < to && line.charCodeAt(j) !== 0x3b) cursor.bad = j;
  else if (digits === 0 ? negative : digits > MAX_INT_DIGITS) cursor.bad = start;
  if (digits === 0) return undefined;
  return negative && n !== 0 ? -n : n;
}

// The fast path: `dl`, `prebuf` and `buf` parts whose fields are plain digits, all
// of them or the first few (engines abbreviate parts: `ad:buf;69`), with nothing
// after, by far the most common parts. Their fields are read into `plain` (from a
// string or straight from bytes), then built by plainPart: a whole part as one literal
// of a fixed shape per state, so V8 keeps the objects monomorphic. Anything else goes
// to the general path, which handles (and reports) it.
type PlainState = 'dl' | 'prebuf' | 'buf';
const plain: number[] = new Array<number>(12).fill(0);
// How many fields the last readPlain or readPlainBytes read.
const plainRead = { count: 0 };
// How many fields each plain state has (its layout's length), without a keyed lookup.
const DL_FIELDS = STATUS_LAYOUTS.dl.length;
const BUF_FIELDS = STATUS_LAYOUTS.buf.length;
const PREBUF_FIELDS = STATUS_LAYOUTS.prebuf.length;
const plainCount = (state: PlainState) => (state === 'dl' ? DL_FIELDS : state === 'buf' ? BUF_FIELDS : PREBUF_FIELDS);
const SEMI = 0x3b;
const PIPE = 0x7c;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads 1 to `count` plain fields (1 to 15 digits, `;` between them) of `line` from
 * `at` into `plain`, as many as there are; true when they end exactly at `to`.
 */
function readPlain(line: string, at: number, to: number, count: number): boolean {
  let k = 0;
  for (;;) {
    const start = at;
    let n = 0;
    for (; at < to; at++) {
      const d = line.charCodeAt(at) - 0x30;
      if (d >>> 0 > 9) break;
      n = n * 10 + d;
    }
    if (at === start || at - start > MAX_INT_DIGITS) return false;
    plain[k++] = n;
    if (k === count || at >= to || line.charCodeAt(at) !== SEMI) break;
    at++;
  }
  plainRead.count = k;
  return at === to;
}

/**
 * {@link readPlain} over UTF-8 bytes: reads 1 to `count` plain fields of `bytes` from
 * `at`, never past `to`; returns the offset where they end, or -1.
 */
function readPlainBytes(bytes: Uint8Array, at: number, to: number, count: number): number {
  let k = 0;
  for (;;) {
    const start = at;
    // Up to 9 digits in int32 arithmetic (no overflow check, no float), then the rest
    // of a longer field in doubles.
    const short = Math.min(at + 9, to);
    let n = 0;
    for (; at < short; at++) {
      const d = bytes[at]! - 0x30;
      if (d >>> 0 > 9) break;
      n = (n * 10 + d) | 0;
    }
    let value = n;
    if (at === short) {
      for (; at < to; at++) {
        const d = bytes[at]! - 0x30;
        if (d >>> 0 > 9) break;
        value = value * 10 + d;
      }
    }
    if (at === start || at - start > MAX_INT_DIGITS) return -1;
    plain[k++] = value;
    if (k === count || at >= to || bytes[at] !== SEMI) break;
    at++;
  }
  plainRead.count = k;
  return at;
}

/**
 * The part whose fields {@link readPlain} or {@link readPlainBytes} just read: what
 * the general path of {@link parsePart} gives for the same text.
 */
function plainPart(state: PlainState): StatusPart {
  if (plainRead.count !== plainCount(state)) return abbreviatedPart(state);
  return state === 'dl' ? dlPart(plain) : timedPart(state, plain);
}

/** A whole `dl` part from its fields: one literal of one shape. */
function dlPart(p: readonly number[]): StatusPart {
  return {
    state: 'dl',
    totalProgress: p[0]!,
    immediateProgress: p[1]!,
    speedDown: p[2]!,
    httpSpeedDown: p[3]!,
    speedUp: p[4]!,
    peers: p[5]!,
    httpPeers: p[6]!,
    downloaded: p[7]!,
    httpDownloaded: p[8]!,
    uploaded: p[9]!,
  };
}

/** A whole `prebuf` or `buf` part from its fields: one literal of one shape. */
function timedPart(state: 'prebuf' | 'buf', p: readonly number[]): StatusPart {
  return {
    state,
    progress: p[0]!,
    time: p[1]!,
    totalProgress: p[2]!,
    immediateProgress: p[3]!,
    speedDown: p[4]!,
    httpSpeedDown: p[5]!,
    speedUp: p[6]!,
    peers: p[7]!,
    httpPeers: p[8]!,
    downloaded: p[9]!,
    httpDownloaded: p[10]!,
    uploaded: p[11]!,
  };
}

/** {@link plainPart} for a part with fewer fields than its layout: only those sent. */
function abbreviatedPart(state: PlainState): StatusPart {
  // The abbreviations engines send (`ad:buf;69`, `prebuf;45;30`) as literals: a keyed
  // store per field, below, is several times slower.
  if (state !== 'dl') {
    if (plainRead.count === 1) return { state, progress: plain[0]! } as StatusPart;
    if (plainRead.count === 2) return { state, progress: plain[0]!, time: plain[1]! } as StatusPart;
  }
  const layout = STATUS_LAYOUTS[state];
  const part: Record<string, unknown> = { state };
  for (let k = 0; k < plainRead.count; k++) part[layout[k]!] = plain[k];
  return part as unknown as StatusPart;
}

const AD = utf8Encode('|ad:');

/** The plain state word (with its `;`) at `bytes[at]`, or undefined. */
function plainStateAt(bytes: Uint8Array, at: number): PlainState | undefined {
  const c = bytes[at];
  if (c === 0x64) return bytes[at + 1] === 0x6c && bytes[at + 2] === SEMI ? 'dl' : undefined;
  if (c === 0x62) return bytes[at + 1] === 0x75 && bytes[at + 2] === 0x66 && bytes[at + 3] === SEMI ? 'buf' : undefined;
  if (c !== 0x70) return undefined;
  return bytes[at + 1] === 0x72 && bytes[at + 2] === 0x65 && bytes[at + 3] === 0x62 && bytes[at + 4] === 0x75 && bytes[at + 5] === 0x66 && bytes[at + 6] === SEMI
    ? 'prebuf'
    : undefined;
}

// Where the part read by the last plainPartBytes ended.
const partEnd = { at: 0 };

/** The plain part at `bytes[at]` (state word, `;`, plain fields), read before `to`; sets partEnd. */
function plainPartBytes(bytes: Uint8Array, at: number, to: number): StatusPart | undefined {
  const state = plainStateAt(bytes, at);
  if (state === undefined) return undefined;
  const end = readPlainBytes(bytes, at + state.length + 1, to, plainCount(state));
  if (end === -1) return undefined;
  partEnd.at = end;
  return plainPart(state);
}

/**
 * The fast path straight from bytes: the line at `bytes[from]`, when it is `STATUS
 * main:` with a plain part and at most a plain `|ad:` part after it, up to its `\n`
 * (at most one `\r` before it, the line ending's; any other is content),
 * within `bytes[from, to)`. Sets `fastPathEnd`. Undefined for any other line, which
 * the caller decodes as text: the result is always what decoding the text would give.
 */
export function plainStatusLine(bytes: Uint8Array, from: number, to: number): Status | undefined {
  // The commonest line of all. The state and fields are read by the helpers the ad
  // part uses too; the prefix and the line end are checked in place, since calls to
  // bytesAt and endsLine here measured slower (alternating processes).
  const at = from + 12;
  if (
    at + 3 > to ||
    bytes[from] !== 0x53 || // STATUS main:
    bytes[from + 1] !== 0x54 ||
    bytes[from + 2] !== 0x41 ||
    bytes[from + 3] !== 0x54 ||
    bytes[from + 4] !== 0x55 ||
    bytes[from + 5] !== 0x53 ||
    bytes[from + 6] !== 0x20 ||
    bytes[from + 7] !== 0x6d ||
    bytes[from + 8] !== 0x61 ||
    bytes[from + 9] !== 0x69 ||
    bytes[from + 10] !== 0x6e ||
    bytes[from + 11] !== 0x3a
  ) {
    return undefined;
  }
  const state = plainStateAt(bytes, at);
  if (state === undefined) return undefined;
  const count = plainCount(state);
  let end = readPlainBytes(bytes, at + state.length + 1, to, count);
  if (end === -1) return undefined;
  if (plainRead.count === count) {
    // endsLine, written out (the call measured 1 to 2 points slower in the bench).
    const fieldsEnd = end;
    if (end < to && bytes[end] === CR) end++;
    if (end < to && bytes[end] === LF) {
      fastPathEnd.next = end + 1;
      return { kind: 'STATUS', main: state === 'dl' ? dlPart(plain) : timedPart(state, plain) };
    }
    end = fieldsEnd;
  }
  return shortStatusLine(bytes, state, end, to);
}

/** The rest of {@link plainStatusLine}: a main part with fewer fields, or an ad part after it. */
function shortStatusLine(bytes: Uint8Array, state: PlainState, end: number, to: number): Status | undefined {
  const main = plainPart(state);
  if (bytes[end] !== PIPE) return endsLine(bytes, end, to) ? { kind: 'STATUS', main } : undefined;
  if (!bytesAt(bytes, end, to, AD)) return undefined;
  const ad = plainPartBytes(bytes, end + AD.length, to);
  if (ad === undefined || !endsLine(bytes, partEnd.at, to)) return undefined;
  return { kind: 'STATUS', main, ad };
}

/**
 * Parses one part's text (`prebuf;45;30;...`); positions in failures are relative to
 * `offset`. Integer fields only: the spec says every STATUS number is an integer.
 */
export function parseStatusPart(text: string, offset: number): StatusPart {
  return parsePart(text, 0, text.length, offset);
}

/**
 * Parses `line[from, to)` as one part; failures are at `offset + index`. Fields are
 * read in place (no substring per field): STATUS is most of what an engine sends.
 */
export function parsePart(line: string, from: number, to: number, offset: number): StatusPart {
  let semi = line.indexOf(';', from);
  if (semi >= to) semi = -1;
  const stateEnd = semi === -1 ? to : semi;
  const word = stateWord(line, from, stateEnd);
  if (word === undefined) {
    const name = line.slice(from, stateEnd);
    return { state: 'unknown', name, fields: semi === -1 ? [] : line.slice(semi + 1, to).split(';') };
  }
  if (word === 'err') {
    if (semi === -1) return { state: word };
    let next = line.indexOf(';', semi + 1);
    if (next >= to) next = -1;
    const idEnd = next === -1 ? to : next;
    const part: { state: 'err'; errorId?: number; errorMessage?: string } = { state: word };
    if (idEnd > semi + 1) part.errorId = parseInteger(line.slice(semi + 1, idEnd), offset + semi + 1, 'error id');
    if (next !== -1) part.errorMessage = line.slice(next + 1, to);
    return part;
  }
  if (semi !== -1 && (word === 'dl' || word === 'prebuf' || word === 'buf') && readPlain(line, semi + 1, to, plainCount(word))) {
    return plainPart(word);
  }
  const layout = STATUS_LAYOUTS[word];
  const part: Record<string, unknown> = { state: word };
  let count = 0;
  let at = semi;
  while (at !== -1 && count < layout.length) {
    cursor.bad = -1;
    const value = readField(line, at + 1, to);
    if (cursor.bad !== -1) fail(offset + cursor.bad, `an integer (${layout[count]!})`);
    if (value !== undefined) part[layout[count]!] = value;
    count++;
    at = cursor.end < to ? cursor.end : -1;
  }
  if (at !== -1) part['extra'] = line.slice(at + 1, to).split(';');
  return part as unknown as StatusPart;
}

/** Writes one part's text; absent fields inside the layout become empty fields. */
export function formatStatusPart(part: StatusPart): string {
  if (part.state === 'unknown') {
    let out = part.name;
    for (const field of part.fields) out += ';' + field;
    return out;
  }
  if (part.state === 'err') {
    let out = 'err';
    if (part.errorId !== undefined || part.errorMessage !== undefined) out += ';' + (part.errorId ?? '');
    if (part.errorMessage !== undefined) out += ';' + part.errorMessage;
    return out;
  }
  const record = part as unknown as Record<string, unknown>;
  const layout = layouts.get(part.state) ?? [];
  const extra = part.extra ?? [];
  // Without extras, trailing absent fields are simply left off.
  let used = layout.length;
  if (extra.length === 0) while (used > 0 && record[layout[used - 1]!] === undefined) used--;
  let out: string = part.state;
  for (let i = 0; i < used; i++) {
    const value = record[layout[i]!];
    out += ';' + (value === undefined ? '' : String(value));
  }
  for (const field of extra) out += ';' + field;
  return out;
}

// What a part must hold to be written and read back the same: `;` separates fields and
// `|` the ad part, so neither may stand in a field.
const statusText = chars(true, ';|', true);
const statusExtra: Rule = opt(array(statusText, 1));
const partSpecs: Readonly<Record<string, Spec>> = {
  err: { errorId: optInt, errorMessage: opt(chars(true, '|', true)) },
  unknown: {
    name: (v, field) => {
      statusText(v, field);
      if (isKnownStatusState(v as string)) refuse(field, 'must not be a known state');
    },
    fields: array(statusText),
  },
};

/** The encoder's rule for a STATUS part: a known state (or `unknown`) and fields its text can carry. */
export const statusPartRule: Rule = (v, field) => {
  const state = isObject(v) ? v['state'] : undefined;
  const layout = typeof state === 'string' ? layouts.get(state) : undefined;
  if (layout !== undefined) {
    // The common case, checked in a loop of its own: every field an optional integer.
    const part = v as Record<string, unknown>;
    for (let i = 0; i < layout.length; i++) optInt(part[layout[i]!], join(field, layout[i]!));
    statusExtra(part['extra'], join(field, 'extra'));
    return;
  }
  if (typeof state !== 'string' || !Object.hasOwn(partSpecs, state)) refuse(`${field}.state`, 'must be a known state or unknown');
  checkSpec(partSpecs[state]!, v, field);
};

/**
 * io-ts codec between a STATUS part's wire text (`prebuf;45;30;0;0;29;0;0;8;0;131072;0;0`)
 * and its typed {@link StatusPart}.
 */
export const StatusPartCodec = new t.Type<StatusPart, string, unknown>(
  'StatusPart',
  (u): u is StatusPart => typeof u === 'object' && u !== null && typeof (u as { state?: unknown }).state === 'string',
  (u, context) => {
    if (typeof u !== 'string') return t.failure(u, context, 'expected a STATUS part string');
    try {
      return t.success(parseStatusPart(u, 0));
    } catch (e) {
      if (e instanceof ParseFailure) return t.failure(u, context, `expected ${e.expected} at ${e.position}`);
      throw e;
    }
  },
  formatStatusPart,
);

