import * as E from '../either.js';
import type * as t from 'io-ts';
import { aceEnvelopeType, decodeAceText, decodeAceValue, writeAce, type AceEnvelopeJson, type AceReply, type Part } from './envelope.js';
import type { AceFailure } from './errors.js';
import { extraOf, flag, isObject, join, num, object, own, putExtra, readerType, str } from './read.js';

/**
 * The start response (`/ace/getstream` or `/ace/manifest.m3u8` with `format=json`),
 * typed. Keys the codec does not type (`is_direct`, `vast_tags`, `bitrate`, …) are kept
 * in `extra`, a prototype-free object, as sent.
 */
export interface StartResponse {
  /** `playback_url`: `/ace/r/<ih>/<tok>` (TS) or `/ace/m/<ih>/<tok>.m3u8` (HLS), absolute. */
  readonly playbackUrl: string;
  /** `stat_url`: `/ace/stat/<ih>/<tok>`, absolute. */
  readonly statUrl: string;
  /** `command_url`: `/ace/cmd/<ih>/<tok>`, absolute. */
  readonly commandUrl: string;
  /** `infohash`: 40 hex. */
  readonly infohash: string;
  /** `playback_session_id`: 40 hex, **not** the token in the URLs. */
  readonly playbackSessionId: string;
  /** `is_live` (`0`/`1` on the wire). */
  readonly isLive: boolean;
  /** `is_encrypted` (`0`/`1` on the wire): such content plays as HLS only. */
  readonly isEncrypted: boolean;
  /** `client_session_id`: echoed, `-1` unless the request sent one. Absent only if the engine left it out. */
  readonly clientSessionId?: number;
  /** `event_url`: the long-poll event channel, given with `use_api_events=1`. */
  readonly eventUrl?: string;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The start response's `response` object as it stands on the wire. */
export interface StartResponseJson {
  readonly playback_url: string;
  readonly stat_url: string;
  readonly command_url: string;
  readonly infohash: string;
  readonly playback_session_id: string;
  readonly is_live: 0 | 1;
  readonly is_encrypted: 0 | 1;
  readonly client_session_id?: number;
  readonly event_url?: string;
  readonly [key: string]: unknown;
}

const REQUIRED_STRINGS = [
  ['playback_url', 'playbackUrl'],
  ['stat_url', 'statUrl'],
  ['command_url', 'commandUrl'],
  ['infohash', 'infohash'],
  ['playback_session_id', 'playbackSessionId'],
] as const;
const KNOWN = new Set<string>([...REQUIRED_STRINGS.map(([wire]) => wire), 'is_live', 'is_encrypted', 'client_session_id', 'event_url']);

function readStart(u: unknown, path: string): StartResponse {
  const o = object(u, path);
  const at = (key: string) => join(path, key);
  const out: Record<string, unknown> = {};
  for (const [wire, name] of REQUIRED_STRINGS) out[name] = str(own(o, wire), at(wire));
  out['isLive'] = flag(own(o, 'is_live'), at('is_live'));
  out['isEncrypted'] = flag(own(o, 'is_encrypted'), at('is_encrypted'));
  const clientSessionId = own(o, 'client_session_id');
  if (clientSessionId !== undefined) out['clientSessionId'] = num(clientSessionId, at('client_session_id'));
  const eventUrl = own(o, 'event_url');
  if (eventUrl !== undefined) out['eventUrl'] = str(eventUrl, at('event_url'));
  const extra = extraOf(o, KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as StartResponse;
}

function writeStart(s: StartResponse): StartResponseJson {
  const json: Record<string, unknown> = {
    playback_url: s.playbackUrl,
    stat_url: s.statUrl,
    command_url: s.commandUrl,
    infohash: s.infohash,
    playback_session_id: s.playbackSessionId,
    is_live: s.isLive ? 1 : 0,
    is_encrypted: s.isEncrypted ? 1 : 0,
  };
  if (s.clientSessionId !== undefined) json['client_session_id'] = s.clientSessionId;
  if (s.eventUrl !== undefined) json['event_url'] = s.eventUrl;
  putExtra(json, s.extra);
  return json as StartResponseJson;
}

const startPart: Part<StartResponse, StartResponseJson> = {
  name: 'StartResponse',
  is: (u): u is StartResponse => isObject(u) && typeof u['playbackUrl'] === 'string' && typeof u['statUrl'] === 'string',
  read: readStart,
  write: writeStart,
};

/** io-ts codec between the start response's `response` object and {@link StartResponse}. */
export const StartResponseCodec: t.Type<StartResponse, StartResponseJson, unknown> = readerType(startPart.name, startPart.is, (u) => readStart(u, ''), writeStart);

/** io-ts codec of the whole start body `{"response", "error"}` ⇄ {@link AceReply} of {@link StartResponse}. */
export const StartEnvelopeCodec: t.Type<AceReply<StartResponse>, AceEnvelopeJson<StartResponseJson>, unknown> = aceEnvelopeType(startPart);

/**
 * Decodes a start body (JSON text). Never throws.
 *
 * @example
 * ```ts
 * decodeStartResponse('{"response": {"playback_url": "http://127.0.0.1:6878/ace/r/…", …, "is_live": 1}, "error": null}')
 * // Right({ playbackUrl: 'http://127.0.0.1:6878/ace/r/…', …, isLive: true })
 * decodeStartResponse('{"response": null, "error": "failed to load content"}')
 * // Left({ _tag: 'EngineHttpError', kind: 'LOAD_FAILED', message: 'failed to load content' })
 * ```
 */
export function decodeStartResponse(body: string): E.Either<AceFailure, StartResponse> {
  return decodeAceText(body, readStart);
}

/** {@link decodeStartResponse} for a body already parsed from JSON. Never throws. */
export function decodeStartResponseValue(value: unknown): E.Either<AceFailure, StartResponse> {
  return decodeAceValue(value, readStart);
}

/**
 * The start body the engine sends: `{"response": {...}, "error": null}`. For the error
 * body use {@link encodeAceError}; for either, {@link StartEnvelopeCodec}`.encode`.
 */
export function encodeStartResponse(start: StartResponse): AceEnvelopeJson<StartResponseJson> {
  return writeAce(E.right(start), writeStart);
}
