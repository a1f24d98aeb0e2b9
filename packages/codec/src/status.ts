import * as t from 'io-ts';
import { ParseFailure } from './errors.js';
import { parseInteger } from './text.js';

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
export type CommonStatusFields = { readonly [K in (typeof COMMON_STATUS_FIELDS)[number]]?: number };

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

/**
 * Parses one part's text (`prebuf;45;30;...`); positions in failures are relative to
 * `offset`. Integer fields only: the spec says every STATUS number is an integer.
 */
export function parseStatusPart(text: string, offset: number): StatusPart {
  let semi = text.indexOf(';');
  const state = semi === -1 ? text : text.slice(0, semi);
  if (state === 'err') {
    if (semi === -1) return { state };
    const next = text.indexOf(';', semi + 1);
    const idText = next === -1 ? text.slice(semi + 1) : text.slice(semi + 1, next);
    const part: { state: 'err'; errorId?: number; errorMessage?: string } = { state };
    if (idText !== '') part.errorId = parseInteger(idText, offset + semi + 1, 'error id');
    if (next !== -1) part.errorMessage = text.slice(next + 1);
    return part;
  }
  const layout = layouts.get(state);
  if (layout === undefined) {
    return { state: 'unknown', name: state, fields: semi === -1 ? [] : text.slice(semi + 1).split(';') };
  }
  const part: Record<string, unknown> = { state };
  let index = 0;
  let extra: string[] | undefined;
  while (semi !== -1) {
    const start = semi + 1;
    semi = text.indexOf(';', start);
    const field = semi === -1 ? text.slice(start) : text.slice(start, semi);
    const name = layout[index++];
    if (name === undefined) (extra ??= []).push(field);
    else if (field !== '') part[name] = parseInteger(field, offset + start, name);
  }
  if (extra) part['extra'] = extra;
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

