/**
 * fast-check arbitraries for every typed value of `@ace-rx/codec/http`, for property
 * tests of the codec and of users' own code (`@ace-rx/codec/http/arbitraries`). Every
 * generated response satisfies `decode(encode(r)) = r`, through the io-ts codecs and
 * through JSON text alike; every generated start request satisfies
 * `parseStartQuery(query of startUrl(r)) = r`. fast-check is an optional peer dependency,
 * needed only for this entry point.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { encodeStatResponse } from '@ace-rx/codec/http';
 * import { arbStatResponse } from '@ace-rx/codec/http/arbitraries';
 * fc.assert(fc.property(arbStatResponse, (s) => myProgressView(JSON.stringify(encodeStatResponse(s))) !== undefined));
 * ```
 *
 * @packageDocumentation
 */
import * as E from '../either.js';
import fc from 'fast-check';
import { arbCodePoint, arbInfohash, arbKey, arbUnixSeconds } from '../arbitraries.js';
import { webUrl } from '../url-arbitrary.js';
import { engineHttpError, engineServiceError, ENGINE_HTTP_ERROR_MESSAGES, type EngineHttpError, type EngineServiceError } from './errors.js';
import type { AceReply, ServiceReply } from './envelope.js';
import { START_PARAMS, type ContentSelector, type HttpStartRequest } from './requests.js';
import type { CommandResponse, EventResponse } from './session.js';
import type { EngineStatus, EngineVersion } from './service.js';
import type { StartResponse } from './start.js';
import { STAT_STATUSES, type StatDiskCacheStats, type StatLivePos, type StatResponse } from './stat.js';

type Arb<T> = fc.Arbitrary<T>;

/** Any text JSON carries (lone surrogates included). */
export const arbJsonText: Arb<string> = fc.string({ unit: arbCodePoint, maxLength: 24 });

/** Numbers as JSON carries them exactly: finite, never `-0`. */
export const arbJsonNumber: Arb<number> = fc.oneof(
  fc.integer({ min: -1, max: 1000 }),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
);

/** A 40-hex id such as `playback_session_id`. */
export const arbHex40: Arb<string> = arbInfohash;

/** An `http://host:port/...` URL as the engine writes them. */
export const arbEngineUrl: Arb<string> = webUrl(arbCodePoint, { schemes: ['http'], query: false, fragment: false });

/** Any JSON value that survives `JSON.stringify` then `JSON.parse` unchanged. */
export const arbJsonValue: Arb<unknown> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Extra keys (dangerous ones such as `__proto__` included) not in `known`, in a prototype-free object, or undefined. */
export function arbJsonExtra(known: readonly string[]): Arb<Record<string, unknown> | undefined> {
  const skip = new Set(known);
  return fc.option(
    fc.uniqueArray(fc.tuple(arbKey.filter((k) => !skip.has(k)), arbJsonValue), { minLength: 1, maxLength: 3, selector: ([k]) => k }).map((pairs) => {
      const o = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
    { nil: undefined },
  );
}

/** `{ ...value, extra }` when `extra` is defined, as the decoders give. */
function withExtra<T extends object>(value: T, extra: Record<string, unknown> | undefined): T {
  return extra === undefined ? value : { ...value, extra };
}

const START_WIRE = ['playback_url', 'stat_url', 'command_url', 'infohash', 'playback_session_id', 'is_live', 'is_encrypted', 'client_session_id', 'event_url'];

/** A start response, with or without `event_url` and extras. */
export const arbStartResponse: Arb<StartResponse> = fc
  .record(
    {
      playbackUrl: arbEngineUrl,
      statUrl: arbEngineUrl,
      commandUrl: arbEngineUrl,
      infohash: arbInfohash,
      playbackSessionId: arbHex40,
      isLive: fc.boolean(),
      isEncrypted: fc.boolean(),
      clientSessionId: fc.integer({ min: -1, max: 1 << 30 }),
      eventUrl: arbEngineUrl,
    },
    { requiredKeys: ['playbackUrl', 'statUrl', 'commandUrl', 'infohash', 'playbackSessionId', 'isLive', 'isEncrypted'] },
  )
  .chain((s) => arbJsonExtra(START_WIRE).map((extra) => withExtra(s as StartResponse, extra)));

/** A stat `status`: a known value or any other string. */
export const arbStatStatus: Arb<string> = fc.oneof(fc.constantFrom(...STAT_STATUSES), arbJsonText);

const LIVEPOS_WIRE = ['last', 'live_first', 'pos', 'first_ts', 'last_ts', 'is_live', 'live_last', 'buffer_pieces'];

/** A live position: Unix seconds (as `"1639986704"` on the wire) mostly, now and then any JSON number. */
const arbLiveSeconds: Arb<number> = fc.oneof({ weight: 4, arbitrary: arbUnixSeconds }, { weight: 1, arbitrary: arbJsonNumber });

/** A `livepos` object: any subset of its fields (positions in Unix seconds), plus extras. */
export const arbStatLivePos: Arb<StatLivePos> = fc
  .record(
    {
      last: arbLiveSeconds,
      liveFirst: arbLiveSeconds,
      pos: arbLiveSeconds,
      firstTs: arbLiveSeconds,
      lastTs: arbLiveSeconds,
      isLive: fc.boolean(),
      liveLast: arbLiveSeconds,
      bufferPieces: arbJsonNumber,
    },
    { requiredKeys: [] },
  )
  .chain((l) => arbJsonExtra(LIVEPOS_WIRE).map((extra) => withExtra(l as StatLivePos, extra)));

/** A `disk_cache_stats` object. */
export const arbStatDiskCacheStats: Arb<StatDiskCacheStats> = fc
  .record({ avail: arbJsonNumber, diskCacheLimit: arbJsonNumber, inactiveInuse: arbJsonNumber, activeInuse: arbJsonNumber }, { requiredKeys: [] })
  .chain((d) => arbJsonExtra(['avail', 'disk_cache_limit', 'inactive_inuse', 'active_inuse']).map((extra) => withExtra(d as StatDiskCacheStats, extra)));

const STAT_WIRE = [
  'status',
  'peers',
  'speed_down',
  'speed_up',
  'speedDown',
  'speedUp',
  'downloaded',
  'uploaded',
  'total_progress',
  'progress',
  'error_message',
  'selected_stream_index',
  'selected_file_index',
  'stream_status',
  'client_session_id',
  'manifest_access_mode',
  'network_monitor_status',
  'debug_level',
  'network_monitor_started',
  'is_live',
  'is_encrypted',
  'infohash',
  'playback_session_id',
  'disk_cache_stats',
  'livepos',
];

/** A stat response: any status, any subset of the typed fields, extras. */
export const arbStatResponse: Arb<StatResponse> = fc
  .record(
    {
      status: arbStatStatus,
      peers: arbJsonNumber,
      speedDown: arbJsonNumber,
      speedUp: arbJsonNumber,
      downloaded: arbJsonNumber,
      uploaded: arbJsonNumber,
      totalProgress: arbJsonNumber,
      progress: arbJsonNumber,
      errorMessage: arbJsonText,
      selectedStreamIndex: arbJsonNumber,
      selectedFileIndex: arbJsonNumber,
      streamStatus: arbJsonNumber,
      clientSessionId: arbJsonNumber,
      manifestAccessMode: arbJsonNumber,
      networkMonitorStatus: arbJsonNumber,
      debugLevel: arbJsonNumber,
      networkMonitorStarted: fc.boolean(),
      isLive: fc.boolean(),
      isEncrypted: fc.boolean(),
      infohash: arbInfohash,
      playbackSessionId: arbHex40,
      diskCacheStats: arbStatDiskCacheStats,
      livepos: arbStatLivePos,
    },
    { requiredKeys: ['status'] },
  )
  .chain((s) => arbJsonExtra(STAT_WIRE).map((extra) => withExtra(s as StatResponse, extra)));

/** A command response: mostly `"ok"`. */
export const arbCommandResponse: Arb<CommandResponse> = fc.oneof({ arbitrary: fc.constant('ok'), weight: 3 }, { arbitrary: arbJsonText, weight: 1 });

/** An event response: `live_changed` or any name, params as sent. */
export const arbEventResponse: Arb<EventResponse> = fc
  .tuple(fc.oneof(fc.constant('live_changed'), arbJsonText), arbJsonExtra([]), arbJsonExtra(['name', 'params']))
  .map(([name, params, extra]) => withExtra({ name, params: params ?? (Object.create(null) as Record<string, unknown>) }, extra));

/** A `get_version` result. */
export const arbEngineVersion: Arb<EngineVersion> = fc
  .record(
    {
      code: fc.oneof(fc.integer({ min: 3000000, max: 3999999 }), arbJsonNumber),
      version: fc.oneof(fc.constantFrom('3.1.70', '3.2.3', '3.1.0-rc2'), arbJsonText),
      platform: fc.oneof(fc.constantFrom('linux', 'android'), arbJsonText),
      websocketPort: fc.integer({ min: 1, max: 65535 }),
    },
    { requiredKeys: ['code', 'version'] },
  )
  .chain((v) => arbJsonExtra(['code', 'version', 'platform', 'websocket_port']).map((extra) => withExtra(v as EngineVersion, extra)));

/** A `get_status` result. */
export const arbEngineStatus: Arb<EngineStatus> = fc
  .record({ playlistLoaded: fc.boolean(), version: arbEngineVersion }, { requiredKeys: [] })
  .chain((s) => arbJsonExtra(['playlist_loaded', 'version']).map((extra) => withExtra(s as EngineStatus, extra)));

/** An `/ace/*` error: the two known strings or any other non-empty one. */
export const arbEngineHttpError: Arb<EngineHttpError> = fc
  .oneof(fc.constantFrom(ENGINE_HTTP_ERROR_MESSAGES.LOAD_FAILED, ENGINE_HTTP_ERROR_MESSAGES.UNKNOWN_SESSION, 'missing content id'), arbJsonText.filter((s) => s !== ''))
  .map(engineHttpError);

/** A `/webui` or `/server` error, with or without a code. */
export const arbEngineServiceError: Arb<EngineServiceError> = fc
  .tuple(fc.oneof(fc.constant('auth_error'), arbJsonText.filter((s) => s !== '')), fc.option(fc.integer(), { nil: undefined }))
  .map(([message, code]) => engineServiceError(message, code));

/** An `/ace/*` reply of `response`: the response or an engine error. */
export function arbAceReply<A>(response: Arb<A>): Arb<AceReply<A>> {
  return fc.oneof(response.map((a) => E.right(a) as AceReply<A>), arbEngineHttpError.map((e) => E.left(e) as AceReply<A>));
}

/** A `/webui` / `/server` reply of `result`: the result or an engine error. */
export function arbServiceReply<A>(result: Arb<A>): Arb<ServiceReply<A>> {
  return fc.oneof(result.map((a) => E.right(a) as ServiceReply<A>), arbEngineServiceError.map((e) => E.left(e) as ServiceReply<A>));
}

/** Text a URL query carries and gives back (well-formed Unicode). */
const arbQueryText: Arb<string> = fc.string({ unit: 'grapheme', maxLength: 16 });

/** One content selector of any kind, with a non-empty value (magnets and URLs full of `?`, `&`, `=`). */
export const arbContentSelector: Arb<ContentSelector> = fc.oneof(
  fc.oneof(arbInfohash, arbQueryText.filter((s) => s !== '')).map((contentId): ContentSelector => ({ contentId })),
  arbInfohash.map((infohash): ContentSelector => ({ infohash })),
  webUrl(arbCodePoint, { schemes: ['http', 'https'], query: true, fragment: true }).map((url): ContentSelector => ({ url })),
  fc.tuple(arbInfohash, arbQueryText).map(([ih, dn]): ContentSelector => ({ magnet: `magnet:?xt=urn:btih:${ih}&dn=${dn}` })),
);

const KNOWN_PARAMS = new Set(START_PARAMS);

/** A start request in the form `parseStartQuery` gives back: `format` always set, `legacySid` only with a `pid`. */
export const arbHttpStartRequest: Arb<HttpStartRequest> = fc
  .record(
    {
      output: fc.constantFrom('ts' as const, 'hls' as const),
      content: arbContentSelector,
      format: fc.constantFrom('json' as const, 'redirect' as const),
      pid: arbQueryText,
      legacySid: fc.constant(true as const),
      fileIndex: fc.nat(),
      streamId: fc.nat(100),
      transcodeAudio: fc.boolean(),
      transcodeMp3: fc.boolean(),
      transcodeAc3: fc.boolean(),
      hlc: fc.boolean(),
      useApiEvents: fc.boolean(),
      useStopNotifications: fc.boolean(),
      clientSessionId: fc.integer({ min: -1, max: 1 << 30 }),
      extra: fc.uniqueArray(fc.tuple(arbKey.filter((k) => !KNOWN_PARAMS.has(k)), arbQueryText), { minLength: 1, maxLength: 3, selector: ([k]) => k }).map((pairs) => {
        const o = Object.create(null) as Record<string, string>;
        for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        return o;
      }),
    },
    { requiredKeys: ['output', 'content', 'format'] },
  )
  .map((r) => {
    if (r.pid !== undefined || r.legacySid === undefined) return r as HttpStartRequest;
    const { legacySid, ...rest } = r;
    void legacySid;
    return rest as HttpStartRequest;
  });
