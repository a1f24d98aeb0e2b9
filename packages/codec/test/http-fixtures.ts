// Every verbatim HTTP API body of ../shared/spec/http-api.md, with the value it must
// decode to, written by hand: the oracle is not the encoder under test.
import * as E from 'fp-ts/lib/Either.js';
import {
  decodeCommandResponse,
  decodeEventResponse,
  decodeGetStatusResponse,
  decodeStartResponse,
  decodeStatResponse,
  decodeVersionResponse,
  encodeAceError,
  encodeCommandResponse,
  encodeEventResponse,
  encodeGetStatusResponse,
  encodeServiceError,
  encodeStartResponse,
  encodeStatResponse,
  encodeVersionResponse,
  type AceFailure,
  type ServiceFailure,
} from '@ace-rx/codec/http';

/** Which body it is: picks the decoder and the encoder. */
export type BodyKind = 'start' | 'stat' | 'command' | 'event' | 'version' | 'get_status';

/** A body, what it decodes to (Right: the typed value; Left: the engine's error). */
export interface HttpFixture {
  readonly name: string;
  readonly kind: BodyKind;
  readonly body: string;
  readonly decoded: E.Either<unknown, unknown>;
  /** The JSON the encoder writes when it differs from the body parsed (e.g. without the JSONP wrapper). */
  readonly canonical?: unknown;
}

/** A body that must fail to decode, at `path`. */
export interface MalformedBody {
  readonly kind: BodyKind;
  readonly body: string;
  readonly path: string;
}

/** The decoder of each kind. */
export const decoders: { readonly [K in BodyKind]: (body: string) => E.Either<AceFailure | ServiceFailure, unknown> } = {
  start: decodeStartResponse,
  stat: decodeStatResponse,
  command: decodeCommandResponse,
  event: decodeEventResponse,
  version: decodeVersionResponse,
  get_status: decodeGetStatusResponse,
};

/** Encodes a decoded value back to its wire JSON. */
export function encodeBody(kind: BodyKind, decoded: E.Either<unknown, unknown>): unknown {
  if (E.isLeft(decoded)) {
    const error = decoded.left as { _tag: string };
    return error._tag === 'EngineHttpError' ? encodeAceError(error as never) : encodeServiceError(error as never);
  }
  const v = decoded.right as never;
  switch (kind) {
    case 'start':
      return encodeStartResponse(v);
    case 'stat':
      return encodeStatResponse(v);
    case 'command':
      return encodeCommandResponse(v);
    case 'event':
      return encodeEventResponse(v);
    case 'version':
      return encodeVersionResponse(v);
    case 'get_status':
      return encodeGetStatusResponse(v);
  }
}

const IH = '0a4848271c91ce2d8965ce416267c25047dc8141';
const TOK = 'f528764d624db129b32c21fbca0cb8d6';
const obj = (entries: Record<string, unknown>) => Object.assign(Object.create(null) as Record<string, unknown>, entries);

const start = {
  playbackUrl: `http://127.0.0.1:6878/ace/m/${IH}/${TOK}.m3u8`,
  statUrl: `http://127.0.0.1:6878/ace/stat/${IH}/${TOK}`,
  commandUrl: `http://127.0.0.1:6878/ace/cmd/${IH}/${TOK}`,
  infohash: IH,
  playbackSessionId: 'e0d10c40465de696c0222ffa815edace0635b86a',
  isLive: true,
  isEncrypted: false,
  clientSessionId: -1,
};

const engineError = (kind: string, message: string) => E.left({ _tag: 'EngineHttpError', kind, message });
const serviceError = (message: string, code?: number) => E.left(code === undefined ? { _tag: 'EngineServiceError', message } : { _tag: 'EngineServiceError', message, code });

export const httpFixtures: readonly HttpFixture[] = [
  {
    name: 'start (docs:start-playback.md)',
    kind: 'start',
    body: `{
  "response": {
    "playback_url": "http://127.0.0.1:6878/ace/m/0a4848271c91ce2d8965ce416267c25047dc8141/f528764d624db129b32c21fbca0cb8d6.m3u8",
    "stat_url": "http://127.0.0.1:6878/ace/stat/0a4848271c91ce2d8965ce416267c25047dc8141/f528764d624db129b32c21fbca0cb8d6",
    "command_url": "http://127.0.0.1:6878/ace/cmd/0a4848271c91ce2d8965ce416267c25047dc8141/f528764d624db129b32c21fbca0cb8d6",
    "infohash": "0a4848271c91ce2d8965ce416267c25047dc8141",
    "playback_session_id": "e0d10c40465de696c0222ffa815edace0635b86a",
    "is_live": 1,
    "is_encrypted": 0,
    "client_session_id": -1
  },
  "error": null
}`,
    decoded: E.right(start),
  },
  {
    name: 'start, engine 3.2.3 key order (measured §1)',
    kind: 'start',
    body: `{"response": {"infohash": "${IH}", "playback_session_id": "e0d10c40465de696c0222ffa815edace0635b86a", "playback_url": "${start.playbackUrl}", "stat_url": "${start.statUrl}", "command_url": "${start.commandUrl}", "is_live": 1, "is_encrypted": 0, "client_session_id": -1}, "error": null}`,
    decoded: E.right(start),
  },
  {
    name: 'start with use_api_events=1 and the optional keys android reads',
    kind: 'start',
    body: `{"response": {"playback_url": "${start.playbackUrl}", "stat_url": "${start.statUrl}", "command_url": "${start.commandUrl}", "event_url": "http://127.0.0.1:6878/ace/event/${IH}/${TOK}", "infohash": "${IH}", "playback_session_id": "e0d10c40465de696c0222ffa815edace0635b86a", "is_live": 0, "is_encrypted": 1, "client_session_id": 7, "is_direct": 0, "vast_tags": []}, "error": null}`,
    decoded: E.right({ ...start, isLive: false, isEncrypted: true, clientSessionId: 7, eventUrl: `http://127.0.0.1:6878/ace/event/${IH}/${TOK}`, extra: obj({ is_direct: 0, vast_tags: [] }) }),
  },
  {
    name: 'stat (docs:start-playback.md)',
    kind: 'stat',
    body: `{
  "response": {
    "uploaded": 491520,
    "network_monitor_status": 0,
    "debug_level": 0,
    "disk_cache_stats": {"avail": 3199156224, "disk_cache_limit": 2266017044, "inactive_inuse": 0, "active_inuse": 38010982},
    "speed_down": 257,
    "speed_up": 29,
    "network_monitor_started": false,
    "selected_stream_index": 0,
    "total_progress": 0,
    "stream_status": -1,
    "client_session_id": -1,
    "status": "dl",
    "downloaded": 3276800,
    "manifest_access_mode": -1,
    "peers": 4,
    "playback_session_id": "15ad634c7ed4deb28045e641c825adcebe5b5f27",
    "is_encrypted": 0,
    "is_live": 1,
    "infohash": "0a4848271c91ce2d8965ce416267c25047dc8141",
    "selected_file_index": -1,
    "livepos": {"last": "1639986704", "live_first": "1639984904", "pos": "1639986704", "first_ts": "1639984904",
                "last_ts": "1639986704", "is_live": "1", "live_last": "1639986704", "buffer_pieces": "30"}
  },
  "error": null
}`,
    decoded: E.right({
      status: 'dl',
      peers: 4,
      speedDown: 257,
      speedUp: 29,
      downloaded: 3276800,
      uploaded: 491520,
      totalProgress: 0,
      selectedStreamIndex: 0,
      selectedFileIndex: -1,
      streamStatus: -1,
      clientSessionId: -1,
      manifestAccessMode: -1,
      networkMonitorStatus: 0,
      debugLevel: 0,
      networkMonitorStarted: false,
      isLive: true,
      isEncrypted: false,
      infohash: IH,
      playbackSessionId: '15ad634c7ed4deb28045e641c825adcebe5b5f27',
      diskCacheStats: { avail: 3199156224, diskCacheLimit: 2266017044, inactiveInuse: 0, activeInuse: 38010982 },
      livepos: { last: 1639986704, liveFirst: 1639984904, pos: 1639986704, firstTs: 1639984904, lastTs: 1639986704, isLive: true, liveLast: 1639986704, bufferPieces: 30 },
    }),
  },
  {
    name: 'stat, engine 3.2.3 (measured §1, no error key)',
    kind: 'stat',
    body: '{"response": {"status": "dl", "speed_down": 2147, "speed_up": 0, "peers": 2, "downloaded": 28311552}}',
    decoded: E.right({ status: 'dl', speedDown: 2147, speedUp: 0, peers: 2, downloaded: 28311552 }),
    canonical: { response: { status: 'dl', peers: 2, speed_down: 2147, speed_up: 0, downloaded: 28311552 }, error: null },
  },
  {
    name: 'stat with the camelCase speeds one peer sends (unverified), an error status and android keys',
    kind: 'stat',
    body: '{"response": {"status": "err", "speedDown": 3, "speedUp": 1, "progress": 0, "error_message": "No seeds", "hls_streams": [{"name": "a", "type": "video"}]}, "error": null}',
    decoded: E.right({ status: 'err', speedDown: 3, speedUp: 1, progress: 0, errorMessage: 'No seeds', extra: obj({ hls_streams: [{ name: 'a', type: 'video' }] }) }),
    canonical: { response: { status: 'err', speed_down: 3, speed_up: 1, progress: 0, error_message: 'No seeds', hls_streams: [{ name: 'a', type: 'video' }] }, error: null },
  },
  {
    name: 'stat with both spellings of a speed: snake_case wins, the other is kept',
    kind: 'stat',
    body: '{"response": {"status": "dl", "speedDown": 6, "speed_down": 5, "speedUp": 2}, "error": null}',
    decoded: E.right({ status: 'dl', speedDown: 5, speedUp: 2, extra: obj({ speedDown: 6 }) }),
    canonical: { response: { status: 'dl', speed_down: 5, speed_up: 2, speedDown: 6 }, error: null },
  },
  {
    name: 'stat with an unknown status, kept',
    kind: 'stat',
    body: '{"response": {"status": "seeding", "peers": 0}, "error": null}',
    decoded: E.right({ status: 'seeding', peers: 0 }),
  },
  { name: 'command stop (docs; measured §1)', kind: 'command', body: '{"response": "ok", "error": null}', decoded: E.right('ok') },
  {
    name: 'event live_changed (webjs)',
    kind: 'event',
    body: '{"response": {"name": "live_changed", "params": {"is_live": 1}}}',
    decoded: E.right({ name: 'live_changed', params: obj({ is_live: 1 }) }),
    canonical: { response: { name: 'live_changed', params: { is_live: 1 } }, error: null },
  },
  { name: 'error: failed to load content (acelink#1)', kind: 'start', body: '{"response": null, "error": "failed to load content"}', decoded: engineError('LOAD_FAILED', 'failed to load content') },
  { name: 'error: unknown playback session id on stat', kind: 'stat', body: '{"response": null, "error": "unknown playback session id"}', decoded: engineError('UNKNOWN_SESSION', 'unknown playback session id') },
  { name: 'error: unknown playback session id on a second stop', kind: 'command', body: '{"response": null, "error": "unknown playback session id"}', decoded: engineError('UNKNOWN_SESSION', 'unknown playback session id') },
  { name: 'error: unknown playback session id on event', kind: 'event', body: '{"response": null, "error": "unknown playback session id"}', decoded: engineError('UNKNOWN_SESSION', 'unknown playback session id') },
  { name: 'error: missing content id (unverified)', kind: 'start', body: '{"response": null, "error": "missing content id"}', decoded: engineError('OTHER', 'missing content id') },
  { name: 'error: invalid content id (unverified)', kind: 'start', body: '{"response": null, "error": "invalid content id"}', decoded: engineError('OTHER', 'invalid content id') },
  { name: 'error: unknown method (unverified)', kind: 'command', body: '{"response": null, "error": "unknown method"}', decoded: engineError('OTHER', 'unknown method') },
  {
    name: 'get_version 3.1.70 (docs:connect-to-engine.md)',
    kind: 'version',
    body: '{"result": {"code": 3017000, "platform": "linux", "version": "3.1.70"}, "error": null}',
    decoded: E.right({ code: 3017000, platform: 'linux', version: '3.1.70' }),
  },
  {
    name: 'get_version 3.1.49 (docker-acestream-server)',
    kind: 'version',
    body: '{"result": {"code": 3014900, "platform": "linux", "version": "3.1.49"}, "error": null}',
    decoded: E.right({ code: 3014900, platform: 'linux', version: '3.1.49' }),
  },
  {
    name: 'get_version 3.1.33 android (acestream-armv7#10)',
    kind: 'version',
    body: '{"result": {"code": 3013300, "platform": "android", "version": "3.1.33"}, "error": null}',
    decoded: E.right({ code: 3013300, platform: 'android', version: '3.1.33' }),
  },
  {
    name: 'get_version JSONP (wiki, format=jsonp&callback=mycallback)',
    kind: 'version',
    body: 'mycallback({"result": {"code": 3002300, "version": "3.1.0-rc2"}, "error": null});',
    decoded: E.right({ code: 3002300, version: '3.1.0-rc2' }),
    canonical: { result: { code: 3002300, version: '3.1.0-rc2' }, error: null },
  },
  {
    // The sample elides websocket_port's value; 6879 stands in for it.
    name: 'get_version 3.2.3 with websocket_port (measured §6)',
    kind: 'version',
    body: '{"result": {"platform": "linux", "version": "3.2.3", "code": 3020300, "websocket_port": 6879}, "error": null}',
    decoded: E.right({ code: 3020300, version: '3.2.3', platform: 'linux', websocketPort: 6879 }),
  },
  {
    name: 'get_status (docs:api-reference.md, no error key)',
    kind: 'get_status',
    body: '{"result": {"playlist_loaded": true, "version": {"code": 3017000, "platform": "linux", "version": "3.1.70"}}}',
    decoded: E.right({ playlistLoaded: true, version: { code: 3017000, platform: 'linux', version: '3.1.70' } }),
  },
  { name: '/server error object (docs:api-reference.md)', kind: 'get_status', body: '{"error": {"message": "auth_error", "code": 0}}', decoded: serviceError('auth_error', 0) },
  { name: '/server per-item error (analyze_content_multi)', kind: 'version', body: '{"error": {"message": "unknown protocol", "code": 0}}', decoded: serviceError('unknown protocol', 0) },
  { name: '/webui error as a bare string', kind: 'version', body: '{"result": null, "error": "not allowed"}', decoded: serviceError('not allowed'), canonical: { error: 'not allowed' } },
];

export const malformedBodies: readonly MalformedBody[] = [
  { kind: 'start', body: '', path: '' },
  { kind: 'start', body: '<html>500</html>', path: '' },
  { kind: 'start', body: 'Internal Server Error, couldn\'t find resource', path: '' },
  { kind: 'stat', body: '[]', path: '' },
  { kind: 'stat', body: 'null', path: '' },
  { kind: 'stat', body: '{"response": null, "error": null}', path: 'response' },
  { kind: 'stat', body: '{}', path: 'response' },
  { kind: 'stat', body: '{"response": {"status": 3}, "error": null}', path: 'response.status' },
  { kind: 'stat', body: '{"response": {"peers": 1}, "error": null}', path: 'response.status' },
  { kind: 'stat', body: '{"response": {"status": "dl", "peers": "4"}, "error": null}', path: 'response.peers' },
  { kind: 'stat', body: '{"response": {"status": "dl", "livepos": {"pos": "soon"}}, "error": null}', path: 'response.livepos.pos' },
  { kind: 'stat', body: '{"response": {"status": "dl", "livepos": {"is_live": "yes"}}, "error": null}', path: 'response.livepos.is_live' },
  { kind: 'stat', body: '{"response": {"status": "dl", "disk_cache_stats": []}, "error": null}', path: 'response.disk_cache_stats' },
  { kind: 'stat', body: '{"response": "ok", "error": 5}', path: 'error' },
  { kind: 'start', body: '{"response": {"playback_url": "u", "command_url": "c", "infohash": "i", "playback_session_id": "p", "is_live": 1, "is_encrypted": 0}, "error": null}', path: 'response.stat_url' },
  { kind: 'start', body: `{"response": {"playback_url": "u", "stat_url": "s", "command_url": "c", "infohash": "i", "playback_session_id": "p", "is_live": 2, "is_encrypted": 0}, "error": null}`, path: 'response.is_live' },
  { kind: 'command', body: '{"response": {"ok": true}, "error": null}', path: 'response' },
  { kind: 'event', body: '{"response": {"name": "x", "params": 3}, "error": null}', path: 'response.params' },
  { kind: 'version', body: '{"result": {"version": "3.1.70"}, "error": null}', path: 'result.code' },
  { kind: 'version', body: 'mycallback({"result": {"code": "x", "version": "3"}});', path: 'result.code' },
  { kind: 'version', body: 'mycallback({"result": ', path: '' },
  { kind: 'get_status', body: '{"error": {"message": 3, "code": 0}}', path: 'error.message' },
  { kind: 'get_status', body: '{"error": {"message": "m", "code": "0"}}', path: 'error.code' },
  { kind: 'get_status', body: '{"result": {"playlist_loaded": 1}}', path: 'result.playlist_loaded' },
  { kind: 'get_status', body: '{"result": {"version": {"code": 1}}}', path: 'result.version.version' },
];
