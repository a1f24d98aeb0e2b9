// The HTTP API's JSON as the backend needs it, read by key (spec §4: key order differs
// between engine versions) and mapped to camelCase and to the TCP shapes (StatusPart,
// LivePos) so that one set of operators reads both backends.
import type { LivePos, StatusPart } from '@ace-rx/codec';
import type { StartTarget } from '../session.js';

/** Output of a started session: progressive MPEG-TS (`/ace/getstream`) or HLS (`/ace/manifest.m3u8`). */
export type HttpOutput = 'progressive' | 'hls';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A body that is not the JSON the call expects. */
export class Undecodable {
  constructor(readonly reason: string) {}
}

/** Parses a body, stripping an optional JSONP `name(...);` wrapper (spec §4.6). */
export function parseBody(body: string): unknown | Undecodable {
  let text = body.trim();
  const jsonp = /^[A-Za-z_$][\w$.]*\(([\s\S]*)\);?$/.exec(text);
  if (jsonp) text = jsonp[1]!;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new Undecodable(`not JSON: ${body.slice(0, 80)}`);
  }
}

/** `{response, error}` of `/ace/*`: the response, or the engine's error string. */
export type AceAnswer = { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly error: string };

/** Reads the `/ace/*` envelope. */
export function aceEnvelope(body: string): AceAnswer | Undecodable {
  const json = parseBody(body);
  if (json instanceof Undecodable) return json;
  if (!isObject(json)) return new Undecodable('not an object');
  const error = json['error'];
  if (typeof error === 'string' && error !== '') return { ok: false, error };
  if (isObject(error) && typeof error['message'] === 'string') return { ok: false, error: error['message'] };
  if (!('response' in json) || json['response'] === null) return new Undecodable('no response and no error');
  return { ok: true, response: json['response'] };
}

/** `get_version`'s result. */
export interface HttpVersion {
  readonly code: number;
  readonly version: string;
  readonly platform?: string;
}

/** Reads `/webui/api/service?method=get_version` (JSON or JSONP). */
export function decodeVersion(body: string): HttpVersion | Undecodable {
  const json = parseBody(body);
  if (json instanceof Undecodable) return json;
  const result = isObject(json) ? json['result'] : undefined;
  if (!isObject(result)) return new Undecodable('no result');
  const code = num(result['code']);
  const version = str(result['version']);
  if (code === undefined || version === undefined) return new Undecodable('no code or version');
  const platform = str(result['platform']);
  return platform === undefined ? { code, version } : { code, version, platform };
}

/** The start response (§4.1) in camelCase. */
export interface HttpStarted {
  readonly playbackUrl: string;
  readonly statUrl: string;
  readonly commandUrl: string;
  readonly infohash: string;
  readonly playbackSessionId: string;
  readonly isLive: boolean;
  readonly isEncrypted: boolean;
}

/** Reads the start response. */
export function decodeStarted(response: unknown): HttpStarted | Undecodable {
  if (!isObject(response)) return new Undecodable('start response not an object');
  const playbackUrl = str(response['playback_url']);
  const statUrl = str(response['stat_url']);
  const commandUrl = str(response['command_url']);
  if (playbackUrl === undefined || statUrl === undefined || commandUrl === undefined) {
    return new Undecodable('start response without playback_url, stat_url or command_url');
  }
  return {
    playbackUrl,
    statUrl,
    commandUrl,
    infohash: str(response['infohash']) ?? '',
    playbackSessionId: str(response['playback_session_id']) ?? '',
    isLive: num(response['is_live']) === 1,
    isEncrypted: num(response['is_encrypted']) === 1,
  };
}

/** A stat response (§4.2) as the TCP shapes. */
export interface HttpStat {
  /** The `status` as a TCP STATUS part (§6 mapping). */
  readonly part: StatusPart;
  /** `livepos`, when live. */
  readonly livePos?: LivePos;
}

const COMMON: ReadonlyArray<readonly [string, string]> = [
  ['total_progress', 'totalProgress'],
  ['speed_down', 'speedDown'],
  ['speedDown', 'speedDown'],
  ['speed_up', 'speedUp'],
  ['speedUp', 'speedUp'],
  ['peers', 'peers'],
  ['downloaded', 'downloaded'],
  ['uploaded', 'uploaded'],
];

function common(stat: Json): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, name] of COMMON) {
    const value = num(stat[key]);
    if (value !== undefined && out[name] === undefined) out[name] = value;
  }
  return out;
}

function statusPart(stat: Json): StatusPart {
  const status = str(stat['status']) ?? 'unknown';
  const progress = num(stat['progress']);
  const withProgress = progress === undefined ? {} : { progress };
  switch (status) {
    case 'prebuf':
      return { state: 'prebuf', ...withProgress, ...common(stat) };
    case 'buf':
      return { state: 'buf', ...withProgress, ...common(stat) };
    case 'dl':
      return { state: 'dl', ...common(stat) };
    case 'wait':
      return { state: 'wait', ...common(stat) };
    case 'check':
    case 'checking':
      return { state: 'check', ...withProgress };
    case 'err':
    case 'error': {
      const message = str(stat['error_message']);
      return message === undefined ? { state: 'err' } : { state: 'err', errorMessage: message };
    }
    case 'idle':
    case 'loading':
    case 'starting':
      return { state: status };
    default:
      return { state: 'unknown', name: status, fields: [] };
  }
}

function livePos(value: unknown): LivePos | undefined {
  if (!isObject(value)) return undefined;
  const n = (key: string) => num(value[key]) ?? 0;
  return {
    last: n('last'),
    liveFirst: n('live_first'),
    pos: n('pos'),
    firstTs: n('first_ts'),
    lastTs: n('last_ts'),
    isLive: n('is_live') === 1,
    liveLast: n('live_last'),
    bufferPieces: n('buffer_pieces'),
  };
}

/** Reads a stat response. */
export function decodeStat(response: unknown): HttpStat | Undecodable {
  if (!isObject(response)) return new Undecodable('stat response not an object');
  const position = livePos(response['livepos']);
  const part = statusPart(response);
  return position === undefined ? { part } : { part, livePos: position };
}

/** The engine's error string for a session it does not know (stopped, displaced, never started). */
export const UNKNOWN_SESSION = 'unknown playback session id';

/** The selector query of a target (spec §3): the TCP targets mapped to the HTTP parameters. */
export function selector(target: StartTarget): Record<string, string> | Undecodable {
  switch (target.type) {
    case 'PID':
      return { content_id: target.playerId };
    case 'INFOHASH':
      return { infohash: target.infohash };
    case 'TORRENT':
    case 'EFILE':
      return { url: target.url };
    case 'URL':
      return { direct_url: target.url };
    case 'RAW':
      return new Undecodable('the HTTP API cannot start a raw torrent (RAW): use the TCP API, or a TORRENT url');
  }
}

/** The start URL: `/ace/getstream` or `/ace/manifest.m3u8` with `format=json`, the player id and the file index. */
export function startUrl(base: string, output: HttpOutput, query: Record<string, string>): string {
  const url = new URL(output === 'hls' ? '/ace/manifest.m3u8' : '/ace/getstream', base);
  url.searchParams.set('format', 'json');
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/** The `get_version` URL. */
export function versionUrl(base: string): string {
  return new URL('/webui/api/service?method=get_version&format=json', base).toString();
}

/** Adds query parameters to an engine-written URL (stat, command). */
export function withQuery(url: string, query: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(query)) parsed.searchParams.set(key, value);
  return parsed.toString();
}
