import * as E from '../either.js';
import { percentEncode } from '../text.js';
import { describeThrown } from '../errors.js';
import { put } from './read.js';

/**
 * What to play: exactly one selector. `contentId` is the Ace Stream content id (`id` is
 * its deprecated alias on the wire); an infohash is a different thing (passing one as
 * `id` answers `failed to load content`).
 */
export type ContentSelector =
  | { readonly contentId: string; readonly infohash?: never; readonly url?: never; readonly magnet?: never }
  | { readonly infohash: string; readonly contentId?: never; readonly url?: never; readonly magnet?: never }
  | { readonly url: string; readonly contentId?: never; readonly infohash?: never; readonly magnet?: never }
  | { readonly magnet: string; readonly contentId?: never; readonly infohash?: never; readonly url?: never };

/** The selectors in the order the engine reads them (`content_id` wins), camelCase and wire names. */
export const CONTENT_SELECTORS = [
  ['contentId', 'content_id'],
  ['infohash', 'infohash'],
  ['url', 'url'],
  ['magnet', 'magnet'],
] as const;

/** Which start endpoint: `ts` is `/ace/getstream` (progressive MPEG-TS), `hls` is `/ace/manifest.m3u8`. */
export type HttpOutput = 'ts' | 'hls';

/** The path of each {@link HttpOutput}'s start endpoint. */
export const START_PATHS: { readonly [O in HttpOutput]: string } = { ts: '/ace/getstream', hls: '/ace/manifest.m3u8' };

/**
 * A start request (`/ace/getstream` or `/ace/manifest.m3u8`), typed. Every field but
 * `output` and `content` is optional and sent only when set.
 */
export interface HttpStartRequest {
  /** The endpoint. */
  readonly output: HttpOutput;
  /** What to play. */
  readonly content: ContentSelector;
  /** `format`: `json` (the start response) or `redirect` (the engine's default; not sent). {@link startUrl} defaults to `json`. */
  readonly format?: 'json' | 'redirect';
  /** `pid`: the player id, which separates players on one engine. */
  readonly pid?: string;
  /** Send the player id as `sid`, its name before engine 3.1.29 and what the Android client sends. */
  readonly legacySid?: boolean;
  /** `_idx`: file index inside the transport file. */
  readonly fileIndex?: number;
  /** `stream_id`: the stream to select. */
  readonly streamId?: number;
  /** `transcode_audio`: transcode all audio to AAC (HLS). */
  readonly transcodeAudio?: boolean;
  /** `transcode_mp3`: also transcode MP3 (with `transcode_audio`). */
  readonly transcodeMp3?: boolean;
  /** `transcode_ac3`: transcode only AC3 to AAC (without `transcode_audio`). */
  readonly transcodeAc3?: boolean;
  /** `hlc` (undocumented; official clients send `0`). */
  readonly hlc?: boolean;
  /** `use_api_events`: ask for `event_url` in the start response. */
  readonly useApiEvents?: boolean;
  /** `use_stop_notifications`: be told when the engine stops playback. */
  readonly useStopNotifications?: boolean;
  /** `client_session_id`: echoed in the start and stat responses. */
  readonly clientSessionId?: number;
  /** Other query params, sent as given after the known ones (e.g. `use_timeshift`, `product_key`). */
  readonly extra?: Readonly<Record<string, string>>;
}

type Flag = 'transcodeAudio' | 'transcodeMp3' | 'transcodeAc3' | 'hlc' | 'useApiEvents' | 'useStopNotifications';
type Int = 'fileIndex' | 'streamId' | 'clientSessionId';

/** The typed params of a start request and their wire names, in the order {@link startUrl} writes them. */
const INT_PARAMS: readonly (readonly [Int, string])[] = [
  ['fileIndex', '_idx'],
  ['streamId', 'stream_id'],
  ['clientSessionId', 'client_session_id'],
];
const FLAG_PARAMS: readonly (readonly [Flag, string])[] = [
  ['transcodeAudio', 'transcode_audio'],
  ['transcodeMp3', 'transcode_mp3'],
  ['transcodeAc3', 'transcode_ac3'],
  ['hlc', 'hlc'],
  ['useApiEvents', 'use_api_events'],
  ['useStopNotifications', 'use_stop_notifications'],
];

/** Every query name the start request types (the rest go to `extra`). */
export const START_PARAMS: readonly string[] = ['format', 'pid', 'sid', 'id', ...CONTENT_SELECTORS.map(([, wire]) => wire), ...INT_PARAMS.map(([, w]) => w), ...FLAG_PARAMS.map(([, w]) => w)];
const KNOWN = new Set(START_PARAMS);

/**
 * Why a request could not be built, or a start query not read: no selector, several, a
 * value the API cannot carry, an unusable base URL.
 */
export interface HttpRequestError {
  readonly _tag: 'HttpRequestError';
  /** `NO_SELECTOR`, `SEVERAL_SELECTORS`, `BAD_PARAM` (a value of the wrong form) or `BAD_BASE` (the base URL). */
  readonly kind: 'NO_SELECTOR' | 'SEVERAL_SELECTORS' | 'BAD_PARAM' | 'BAD_BASE';
  /** The param at fault (wire name), when there is one. */
  readonly param?: string;
  /** One readable sentence. */
  readonly message: string;
}

function requestError(kind: HttpRequestError['kind'], message: string, param?: string): HttpRequestError {
  return param === undefined ? { _tag: 'HttpRequestError', kind, message } : { _tag: 'HttpRequestError', kind, param, message };
}

/** `http://host:port` without trailing slashes, or why it is not usable. */
function baseOf(base: string): E.Either<HttpRequestError, string> {
  if (typeof base !== 'string' || !/^https?:\/\/[^/?#\s]+\/*$/i.test(base)) {
    return E.left(requestError('BAD_BASE', `expected a base URL like http://127.0.0.1:6878, got ${JSON.stringify(String(base))}`));
  }
  return E.right(base.replace(/\/+$/, ''));
}

const pair = (key: string, value: string) => `${percentEncode(key)}=${percentEncode(value)}`;

/**
 * The start URL for a request, or why it cannot be built. Never throws.
 *
 * @example
 * ```ts
 * tryStartUrl('http://127.0.0.1:6878', { output: 'ts', content: { infohash: '0a48…' }, pid: 'p1', fileIndex: 0 })
 * // Right('http://127.0.0.1:6878/ace/getstream?format=json&infohash=0a48…&pid=p1&_idx=0')
 * ```
 */
export function tryStartUrl(base: string, request: HttpStartRequest): E.Either<HttpRequestError, string> {
  try {
    return buildStartUrl(base, request);
  } catch (error) {
    // A request that throws when read (a getter, a revoked Proxy): refused, never rethrown.
    return E.left(requestError('BAD_PARAM', `expected a readable start request (${describeThrown(error)})`));
  }
}

/** {@link tryStartUrl} without its catch. */
function buildStartUrl(base: string, request: HttpStartRequest): E.Either<HttpRequestError, string> {
  const root = baseOf(base);
  if (E.isLeft(root)) return root;
  if (typeof request !== 'object' || request === null) return E.left(requestError('BAD_PARAM', 'expected a start request object'));
  const path = START_PATHS[request.output];
  if (typeof path !== 'string' || !Object.hasOwn(START_PATHS, request.output)) return E.left(requestError('BAD_PARAM', `expected output 'ts' or 'hls'`, 'output'));
  const content = (typeof request.content === 'object' && request.content !== null ? request.content : {}) as Record<string, unknown>;
  const selected = CONTENT_SELECTORS.filter(([name]) => content[name] !== undefined);
  if (selected.length === 0) return E.left(requestError('NO_SELECTOR', 'expected one of contentId, infohash, url, magnet'));
  if (selected.length > 1) return E.left(requestError('SEVERAL_SELECTORS', `expected one selector, got ${selected.map(([n]) => n).join(', ')}`));
  const [name, wire] = selected[0]!;
  const value = content[name];
  if (typeof value !== 'string' || value === '') return E.left(requestError('BAD_PARAM', `expected ${name} to be a non-empty string`, wire));
  const parts: string[] = [];
  const format = request.format ?? 'json';
  if (format !== 'json' && format !== 'redirect') return E.left(requestError('BAD_PARAM', `expected format 'json' or 'redirect'`, 'format'));
  if (format === 'json') parts.push('format=json');
  parts.push(pair(wire, value));
  if (request.pid !== undefined) {
    if (typeof request.pid !== 'string') return E.left(requestError('BAD_PARAM', 'expected pid to be a string', 'pid'));
    parts.push(pair(request.legacySid === true ? 'sid' : 'pid', request.pid));
  }
  for (const [field, param] of INT_PARAMS) {
    const n = request[field];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) return E.left(requestError('BAD_PARAM', `expected ${field} to be an integer`, param));
    if (n < 0 && field !== 'clientSessionId') return E.left(requestError('BAD_PARAM', `expected ${field} to be a non-negative integer`, param));
    parts.push(`${param}=${n + 0}`);
  }
  for (const [field, param] of FLAG_PARAMS) {
    const f = request[field];
    if (f === undefined) continue;
    if (typeof f !== 'boolean') return E.left(requestError('BAD_PARAM', `expected ${field} to be a boolean`, param));
    parts.push(`${param}=${f ? 1 : 0}`);
  }
  if (request.extra !== undefined) {
    for (const key of Object.keys(request.extra)) {
      const v = request.extra[key];
      if (KNOWN.has(key)) return E.left(requestError('BAD_PARAM', `extra param ${key} is a typed field of the request`, key));
      if (key === '' || typeof v !== 'string') return E.left(requestError('BAD_PARAM', `expected extra param ${JSON.stringify(key)} to be a non-empty name with a string value`, key));
      parts.push(pair(key, v));
    }
  }
  return E.right(`${root.right}${path}?${parts.join('&')}`);
}

/** {@link tryStartUrl}, throwing its {@link HttpRequestError} (for requests known to be well-formed). */
export function startUrl(base: string, request: HttpStartRequest): string {
  const url = tryStartUrl(base, request);
  if (E.isLeft(url)) throw url.left;
  return url.right;
}

/** `url` with `query` appended after `?` or `&`. */
function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const head = hash === -1 ? url : url.slice(0, hash);
  return head + (head.includes('?') ? (head.endsWith('?') || head.endsWith('&') ? '' : '&') : '?') + query;
}

/**
 * The URL to poll a session's statistics: its `stat_url` with `skip_player_activity=1`,
 * which monitors must send so a poll is not taken for a live player (spec §5.8). Pass
 * `{ skipPlayerActivity: false }` when the poller is the player.
 */
export function statPollUrl(statUrl: string, options: { readonly skipPlayerActivity?: boolean } = {}): string {
  return options.skipPlayerActivity === false ? statUrl : withQuery(statUrl, 'skip_player_activity=1');
}

/**
 * A command URL: the session's `command_url` with `method=<method>` and the params,
 * percent-encoded.
 *
 * @example
 * ```ts
 * commandRequestUrl('http://127.0.0.1:6878/ace/cmd/0a48…/f528…', 'set_stream', { stream_index: '1' })
 * // 'http://127.0.0.1:6878/ace/cmd/0a48…/f528…?method=set_stream&stream_index=1'
 * ```
 */
export function commandRequestUrl(commandUrl: string, method: string, params: Readonly<Record<string, string | number>> = {}): string {
  const parts = [pair('method', method)];
  for (const key of Object.keys(params)) parts.push(pair(key, String(params[key])));
  return withQuery(commandUrl, parts.join('&'));
}

/** `command_url?method=stop`: ends the session (answers `"ok"`; a second stop answers `unknown playback session id`). */
export function stopUrl(commandUrl: string): string {
  return commandRequestUrl(commandUrl, 'stop');
}

/** `command_url?method=liveseek&pos=<pos>`: seek a live stream to `pos` (a `livepos` position). */
export function liveSeekUrl(commandUrl: string, pos: number): string {
  return commandRequestUrl(commandUrl, 'liveseek', { pos });
}

/**
 * The `get_version` URL on a base (`http://host:port`). With `callback`, the JSONP form
 * (`format=jsonp&callback=<callback>`), which {@link decodeVersionResponse} also reads.
 * Throws an {@link HttpRequestError} on a base that is not `http(s)://host[:port]`.
 */
export function versionUrl(base: string, options: { readonly callback?: string } = {}): string {
  const root = baseOf(base);
  if (E.isLeft(root)) throw root.left;
  const query = options.callback === undefined ? 'method=get_version&format=json' : `method=get_version&format=jsonp&${pair('callback', options.callback)}`;
  return `${root.right}/webui/api/service?${query}`;
}

/** The `get_status` URL on a base (`http://host:port`). Throws an {@link HttpRequestError} on a bad base. */
export function getStatusUrl(base: string): string {
  const root = baseOf(base);
  if (E.isLeft(root)) throw root.left;
  return `${root.right}/server/api?api_version=3&method=get_status`;
}

/** What {@link parseStartQuery} reads: a `URLSearchParams`, any iterable of `[name, value]`, or a query string. */
export type QueryInput = Iterable<readonly [string, string]> | string;

/** One query component as forms encode it: `+` is a space, then percent-decoding (throws on a bad escape). */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

// Parsed by hand: the codec's lib has no URLSearchParams (it declares no DOM or Node types).
function entriesOf(query: QueryInput): [string, string][] {
  const out: [string, string][] = [];
  if (typeof query === 'string') {
    const text = query.startsWith('?') ? query.slice(1) : query;
    for (const part of text.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      out.push(eq === -1 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
    }
    return out;
  }
  for (const entry of query) out.push([String(entry[0]), String(entry[1])]);
  return out;
}

function readFlag(value: string): boolean | undefined {
  return value === '1' || value === 'true' ? true : value === '0' || value === 'false' ? false : undefined;
}

/**
 * Reads a start request's query on the engine side (what the emulator serves). `sid` is
 * read as `pid` (`legacySid: true` when only `sid` came), `id` as `content_id`; a `pid`
 * wins over a `sid`. Exactly one selector must be given; otherwise a `NO_SELECTOR` or
 * `SEVERAL_SELECTORS` error (`id` and `content_id` together count as several). Flags
 * read `1`/`0`/`true`/`false`; unknown params go to `extra` (the first of repeats).
 * Never throws.
 *
 * @example
 * ```ts
 * parseStartQuery(new URL('http://h/ace/getstream?format=json&sid=p1&id=dd1e').searchParams, 'ts')
 * // Right({ output: 'ts', content: { contentId: 'dd1e' }, format: 'json', pid: 'p1', legacySid: true })
 * ```
 */
export function parseStartQuery(query: QueryInput, output: HttpOutput): E.Either<HttpRequestError, HttpStartRequest> {
  if (output !== 'ts' && output !== 'hls') return E.left(requestError('BAD_PARAM', `expected output 'ts' or 'hls'`, 'output'));
  let entries: [string, string][];
  try {
    entries = entriesOf(query);
  } catch {
    return E.left(requestError('BAD_PARAM', 'expected a query string (with well-formed %-escapes) or [name, value] pairs'));
  }
  const first = new Map<string, string>();
  const selectors: [string, string][] = [];
  let extra: Record<string, string> | undefined;
  for (const [key, value] of entries) {
    if (key === 'content_id' || key === 'id' || key === 'infohash' || key === 'url' || key === 'magnet') selectors.push([key, value]);
    else if (KNOWN.has(key)) {
      if (!first.has(key)) first.set(key, value);
    } else if (extra === undefined || !Object.hasOwn(extra, key)) {
      extra ??= Object.create(null) as Record<string, string>;
      put(extra, key, value);
    }
  }
  if (selectors.length === 0) return E.left(requestError('NO_SELECTOR', 'expected one of content_id (or id), infohash, url, magnet'));
  if (selectors.length > 1) return E.left(requestError('SEVERAL_SELECTORS', `expected one selector, got ${selectors.map(([k]) => k).join(', ')}`));
  const [selector, selected] = selectors[0]!;
  if (selected === '') return E.left(requestError('BAD_PARAM', `expected ${selector} to be non-empty`, selector));
  const content: ContentSelector =
    selector === 'infohash' ? { infohash: selected } : selector === 'url' ? { url: selected } : selector === 'magnet' ? { magnet: selected } : { contentId: selected };
  const out: { -readonly [K in keyof HttpStartRequest]: HttpStartRequest[K] } = { output, content };
  const format = first.get('format');
  if (format === undefined || format === 'redirect') out.format = 'redirect';
  else if (format === 'json') out.format = 'json';
  else return E.left(requestError('BAD_PARAM', `expected format json or redirect, got ${JSON.stringify(format)}`, 'format'));
  const pid = first.get('pid');
  const sid = first.get('sid');
  if (pid !== undefined) out.pid = pid;
  else if (sid !== undefined) {
    out.pid = sid;
    out.legacySid = true;
  }
  for (const [field, param] of INT_PARAMS) {
    const text = first.get(param);
    if (text === undefined) continue;
    const n = /^-?\d{1,15}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n)) return E.left(requestError('BAD_PARAM', `expected ${param} to be an integer, got ${JSON.stringify(text)}`, param));
    // A file index or stream id is never negative (a negative _idx crashed the emulator);
    // client_session_id may be: the engine's own "none" is -1.
    if (n < 0 && field !== 'clientSessionId') return E.left(requestError('BAD_PARAM', `expected ${param} to be a non-negative integer, got ${JSON.stringify(text)}`, param));
    out[field] = n + 0;
  }
  for (const [field, param] of FLAG_PARAMS) {
    const text = first.get(param);
    if (text === undefined) continue;
    const f = readFlag(text);
    if (f === undefined) return E.left(requestError('BAD_PARAM', `expected ${param} to be 0 or 1, got ${JSON.stringify(text)}`, param));
    out[field] = f;
  }
  if (extra) out.extra = extra;
  return E.right(out);
}
