import * as E from '../either.js';
import type * as t from 'io-ts';
import { aceEnvelopeType, decodeAceText, decodeAceValue, writeAce, type AceEnvelopeJson, type AceReply, type Part } from './envelope.js';
import type { AceFailure } from './errors.js';
import { bool, flag, isObject, join, num, numeric, object, own, put, putExtra, readerType, rebase, str, type JsonObject } from './read.js';

/** The stat `status` values official clients handle (spec §6), both spellings of each. */
export const STAT_STATUSES = ['idle', 'loading', 'starting', 'checking', 'check', 'prebuf', 'buf', 'dl', 'error', 'err'] as const;

/** A stat `status` value the codec knows: see {@link STAT_STATUSES}. */
export type KnownStatStatus = (typeof STAT_STATUSES)[number];

/**
 * A stat `status`: one of {@link KnownStatStatus}, or any other string, kept as sent.
 * Narrow with {@link isKnownStatStatus}.
 */
export type StatStatus = KnownStatStatus | (string & Record<never, never>);

const STATUS_SET = new Set<string>(STAT_STATUSES);

/** Whether `status` is one of {@link STAT_STATUSES}. */
export function isKnownStatStatus(status: string): status is KnownStatStatus {
  return STATUS_SET.has(status);
}

/**
 * `livepos` of a live stat response. The engine writes every value as a string
 * (`"1639986704"`); the codec reads them as numbers (`is_live` as a boolean) and writes
 * them back as strings. Each is present only when sent; other keys are kept in `extra`.
 */
export interface StatLivePos {
  /** `last`: the last position, a Unix time. */
  readonly last?: number;
  /** `live_first`: the first position of the live window, a Unix time (the lowest `method=liveseek&pos=`). */
  readonly liveFirst?: number;
  /** `pos`: the position playing now, a Unix time. */
  readonly pos?: number;
  /** `first_ts`: the first timestamp of the window, a Unix time. */
  readonly firstTs?: number;
  /** `last_ts`: the last timestamp, a Unix time. */
  readonly lastTs?: number;
  /** `is_live` (`"1"`/`"0"`). */
  readonly isLive?: boolean;
  /** `live_last`: the last position of the live window, a Unix time (the highest `method=liveseek&pos=`). */
  readonly liveLast?: number;
  /** `buffer_pieces`: pieces buffered. */
  readonly bufferPieces?: number;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** `disk_cache_stats` of a stat response, in bytes; each present only when sent. */
export interface StatDiskCacheStats {
  /** `avail`: free space. */
  readonly avail?: number;
  /** `disk_cache_limit`. */
  readonly diskCacheLimit?: number;
  /** `inactive_inuse`. */
  readonly inactiveInuse?: number;
  /** `active_inuse`. */
  readonly activeInuse?: number;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * The stat response (`stat_url`), typed. Only `status` is always there; every other
 * field is present only when the engine sent it. Keys not typed (`hls_streams`,
 * `video_streams`, `internal_session`, …) are kept in `extra` as sent.
 */
export interface StatResponse {
  /** `status`: see {@link StatStatus} and {@link tcpStateOfStatStatus}. */
  readonly status: StatStatus;
  /** `peers`: connected peers. */
  readonly peers?: number;
  /** `speed_down` (or `speedDown`): KiB/s. */
  readonly speedDown?: number;
  /** `speed_up` (or `speedUp`): KiB/s. */
  readonly speedUp?: number;
  /** `downloaded`: bytes. */
  readonly downloaded?: number;
  /** `uploaded`: bytes. */
  readonly uploaded?: number;
  /** `total_progress`: 0..100. */
  readonly totalProgress?: number;
  /** `progress`: probably the prebuffer percentage (read by the Android client). */
  readonly progress?: number;
  /** `error_message`: the text of an error status. */
  readonly errorMessage?: string;
  /** `selected_stream_index` (may be `-1`). */
  readonly selectedStreamIndex?: number;
  /** `selected_file_index` (may be `-1`). */
  readonly selectedFileIndex?: number;
  /** `stream_status` (may be `-1`). */
  readonly streamStatus?: number;
  /** `client_session_id`: echoed from the start request, `-1` when none. */
  readonly clientSessionId?: number;
  /** `manifest_access_mode` (may be `-1`). */
  readonly manifestAccessMode?: number;
  /** `network_monitor_status`. */
  readonly networkMonitorStatus?: number;
  /** `debug_level`. */
  readonly debugLevel?: number;
  /** `network_monitor_started`. */
  readonly networkMonitorStarted?: boolean;
  /** `is_live` (`0`/`1`). */
  readonly isLive?: boolean;
  /** `is_encrypted` (`0`/`1`). */
  readonly isEncrypted?: boolean;
  /** `infohash`. */
  readonly infohash?: string;
  /** `playback_session_id`. */
  readonly playbackSessionId?: string;
  /** `disk_cache_stats`. */
  readonly diskCacheStats?: StatDiskCacheStats;
  /** `livepos` (live streams). */
  readonly livepos?: StatLivePos;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The stat response's `response` object as it stands on the wire (values may be anything the codec reads). */
export interface StatResponseJson {
  readonly status: string;
  readonly [key: string]: unknown;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Reader = (u: unknown, path: string) => unknown;
type Writer = (v: never) => unknown;
type Field = readonly [wire: string, name: string, read: Reader, write: Writer];

const same = (v: unknown) => v;
const asFlag = (v: boolean) => (v ? 1 : 0);
const asText = (v: number) => String(v);
const asTextFlag = (v: boolean) => (v ? '1' : '0');

const LIVEPOS_FIELDS: readonly Field[] = [
  ['last', 'last', numeric, asText],
  ['live_first', 'liveFirst', numeric, asText],
  ['pos', 'pos', numeric, asText],
  ['first_ts', 'firstTs', numeric, asText],
  ['last_ts', 'lastTs', numeric, asText],
  ['is_live', 'isLive', readTextFlag, asTextFlag],
  ['live_last', 'liveLast', numeric, asText],
  ['buffer_pieces', 'bufferPieces', numeric, asText],
];

const DISK_CACHE_FIELDS: readonly Field[] = [
  ['avail', 'avail', num, same],
  ['disk_cache_limit', 'diskCacheLimit', num, same],
  ['inactive_inuse', 'inactiveInuse', num, same],
  ['active_inuse', 'activeInuse', num, same],
];

/** `"1"`/`"0"` as livepos writes it; `1`/`0`/booleans too. */
function readTextFlag(u: unknown, path: string): boolean {
  if (u === '1') return true;
  if (u === '0') return false;
  return flag(u, path);
}

/**
 * An object of known fields plus kept extras, read by a field table in one pass over its
 * own keys (no lookup per absent field).
 */
function tableReader(fields: readonly Field[]): Reader {
  const byWire = new Map(fields.map((f) => [f[0], f] as const));
  return (u, path) => readTable(object(u, path), path, byWire, {});
}

function readTable(o: JsonObject, path: string, byWire: ReadonlyMap<string, Field>, out: Record<string, unknown>): Record<string, unknown> {
  let extra: Record<string, unknown> | undefined;
  try {
    for (const key of Object.keys(o)) {
      const field = byWire.get(key);
      const value = o[key];
      if (field !== undefined) {
        if (value !== undefined) out[field[1]] = field[2](value, key);
      } else {
        extra ??= Object.create(null) as Record<string, unknown>;
        put(extra, key, value);
      }
    }
  } catch (e) {
    throw rebase(e, path);
  }
  if (extra) out['extra'] = extra;
  return out;
}

function tableWriter(fields: readonly Field[]): (v: Record<string, unknown>) => Record<string, unknown> {
  return (v) => {
    const json: Record<string, unknown> = {};
    for (const [wire, name, , write] of fields) {
      const value = v[name];
      if (value !== undefined) json[wire] = (write as (v: unknown) => unknown)(value);
    }
    putExtra(json, v['extra'] as Record<string, unknown> | undefined);
    return json;
  };
}

// In the docs sample's spirit: the figures first. `status` is read on its own.
const STAT_FIELDS: readonly Field[] = [
  ['peers', 'peers', num, same],
  ['speed_down', 'speedDown', num, same],
  ['speed_up', 'speedUp', num, same],
  ['downloaded', 'downloaded', num, same],
  ['uploaded', 'uploaded', num, same],
  ['total_progress', 'totalProgress', num, same],
  ['progress', 'progress', num, same],
  ['error_message', 'errorMessage', str, same],
  ['selected_stream_index', 'selectedStreamIndex', num, same],
  ['selected_file_index', 'selectedFileIndex', num, same],
  ['stream_status', 'streamStatus', num, same],
  ['client_session_id', 'clientSessionId', num, same],
  ['manifest_access_mode', 'manifestAccessMode', num, same],
  ['network_monitor_status', 'networkMonitorStatus', num, same],
  ['debug_level', 'debugLevel', num, same],
  ['network_monitor_started', 'networkMonitorStarted', bool, same],
  ['is_live', 'isLive', flag, asFlag],
  ['is_encrypted', 'isEncrypted', flag, asFlag],
  ['infohash', 'infohash', str, same],
  ['playback_session_id', 'playbackSessionId', str, same],
  ['disk_cache_stats', 'diskCacheStats', tableReader(DISK_CACHE_FIELDS), tableWriter(DISK_CACHE_FIELDS)],
  ['livepos', 'livepos', tableReader(LIVEPOS_FIELDS), tableWriter(LIVEPOS_FIELDS)],
];
/** The camelCase spellings one peer sends, read when the snake_case key is absent (**unverified**). */
const ALIASES = [
  ['speedDown', 'speed_down'],
  ['speedUp', 'speed_up'],
] as const;

const STAT_BY_WIRE = new Map<string, Field>([['status', ['status', 'status', str, same]], ...STAT_FIELDS.map((f) => [f[0], f] as const)]);

function readStat(u: unknown, path: string): StatResponse {
  const o = object(u, path);
  const status = str(own(o, 'status'), join(path, 'status'));
  const out = readTable(o, path, STAT_BY_WIRE, { status });
  // An alias lands in extra; it is the value when its snake_case key is absent.
  const extra = out['extra'] as Record<string, unknown> | undefined;
  if (extra) {
    for (const [alias, wire] of ALIASES) {
      if (!Object.hasOwn(extra, alias) || out[alias] !== undefined || Object.hasOwn(o, wire)) continue;
      out[alias] = num(extra[alias], join(path, alias));
      delete extra[alias];
    }
    if (Object.keys(extra).length === 0) delete out['extra'];
  }
  return out as unknown as StatResponse;
}

const writeStatFields = tableWriter(STAT_FIELDS);

function writeStat(s: StatResponse): StatResponseJson {
  // Spread defines own keys (a `__proto__` extra included), unlike Object.assign.
  return { status: s.status, ...writeStatFields(s as unknown as Record<string, unknown>) };
}

const statPart: Part<StatResponse, StatResponseJson> = {
  name: 'StatResponse',
  is: (u): u is StatResponse => isObject(u) && typeof u['status'] === 'string',
  read: readStat,
  write: writeStat,
};

/** io-ts codec between the stat response's `response` object and {@link StatResponse}. */
export const StatResponseCodec: t.Type<StatResponse, StatResponseJson, unknown> = readerType(statPart.name, statPart.is, (u) => readStat(u, ''), writeStat);

/** io-ts codec of the whole stat body `{"response", "error"}` ⇄ {@link AceReply} of {@link StatResponse}. */
export const StatEnvelopeCodec: t.Type<AceReply<StatResponse>, AceEnvelopeJson<StatResponseJson>, unknown> = aceEnvelopeType(statPart);

/**
 * Decodes a stat body (JSON text). Never throws.
 *
 * @example
 * ```ts
 * decodeStatResponse('{"response": {"status": "dl", "speed_down": 2147, "speed_up": 0, "peers": 2, "downloaded": 28311552}, "error": null}')
 * // Right({ status: 'dl', peers: 2, speedDown: 2147, speedUp: 0, downloaded: 28311552 })
 * ```
 */
export function decodeStatResponse(body: string): E.Either<AceFailure, StatResponse> {
  return decodeAceText(body, readStat);
}

/** {@link decodeStatResponse} for a body already parsed from JSON. Never throws. */
export function decodeStatResponseValue(value: unknown): E.Either<AceFailure, StatResponse> {
  return decodeAceValue(value, readStat);
}

/** The stat body the engine sends: `{"response": {...}, "error": null}`. */
export function encodeStatResponse(stat: StatResponse): AceEnvelopeJson<StatResponseJson> {
  return writeAce(E.right(stat), writeStat);
}
