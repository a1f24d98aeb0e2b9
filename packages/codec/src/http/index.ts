/**
 * `@ace-rx/codec/http`: the engine's HTTP API (port 6878) as typed values. io-ts codecs
 * for every JSON body (start, stat, command, event, `get_version`, `get_status`, the
 * `/server/api` methods `get_media_files`, `get_api_access_token`, `get_content_id`,
 * `/search`, and every error form), encoders for the engine side, request URL builders and the engine
 * side's start-query parser. Pure and runtime-neutral, like `@ace-rx/codec`: snake_case
 * on the wire, camelCase here, the mapping in this one module.
 *
 * @example
 * ```ts
 * import { decodeStartResponse, startUrl, statPollUrl } from '@ace-rx/codec/http';
 * const url = startUrl('http://127.0.0.1:6878', { output: 'hls', content: { contentId: 'dd1e…' }, pid: 'p1' });
 * const started = decodeStartResponse(await (await fetch(url)).text());
 * if (started._tag === 'Right') await fetch(statPollUrl(started.right.statUrl));
 * ```
 *
 * @packageDocumentation
 */
export {
  engineHttpError,
  engineServiceError,
  httpDecodeError,
  ENGINE_HTTP_ERROR_MESSAGES,
  type AceFailure,
  type EngineHttpError,
  type EngineHttpErrorKind,
  type EngineServiceError,
  type HttpDecodeError,
  type ServiceFailure,
} from './errors.js';
export {
  aceEnvelopeType,
  encodeAceError,
  encodeServiceError,
  serviceEnvelopeType,
  type AceEnvelopeJson,
  type AceReply,
  type Part,
  type ServiceEnvelopeJson,
  type ServiceReply,
} from './envelope.js';
export { stripJsonp } from './read.js';
export {
  decodeStartResponse,
  decodeStartResponseValue,
  encodeStartResponse,
  StartEnvelopeCodec,
  StartResponseCodec,
  type StartResponse,
  type StartResponseJson,
} from './start.js';
export {
  decodeStatResponse,
  decodeStatResponseValue,
  encodeStatResponse,
  isKnownStatStatus,
  StatEnvelopeCodec,
  StatResponseCodec,
  STAT_STATUSES,
  type KnownStatStatus,
  type StatDiskCacheStats,
  type StatLivePos,
  type StatResponse,
  type StatResponseJson,
  type StatStatus,
} from './stat.js';
export {
  COMMAND_OK,
  CommandEnvelopeCodec,
  CommandResponseCodec,
  decodeCommandResponse,
  decodeCommandResponseValue,
  decodeEventResponse,
  decodeEventResponseValue,
  encodeCommandResponse,
  encodeEventResponse,
  EventEnvelopeCodec,
  EventResponseCodec,
  type CommandResponse,
  type EventResponse,
  type EventResponseJson,
} from './session.js';
export {
  decodeGetStatusResponse,
  decodeGetStatusResponseValue,
  decodeVersionResponse,
  decodeVersionResponseValue,
  encodeGetStatusResponse,
  encodeVersionResponse,
  EngineStatusCodec,
  EngineVersionCodec,
  GetStatusEnvelopeCodec,
  VersionEnvelopeCodec,
  type EngineStatus,
  type EngineStatusJson,
  type EngineVersion,
  type EngineVersionJson,
} from './service.js';
export {
  ApiAccessTokenCodec,
  ApiAccessTokenEnvelopeCodec,
  ContentIdEnvelopeCodec,
  ContentIdResultCodec,
  decodeApiAccessTokenResponse,
  decodeApiAccessTokenResponseValue,
  decodeContentIdResponse,
  decodeContentIdResponseValue,
  decodeMediaFilesResponse,
  decodeMediaFilesResponseValue,
  decodeSearchResponse,
  decodeSearchResponseValue,
  encodeApiAccessTokenResponse,
  encodeContentIdResponse,
  encodeMediaFilesResponse,
  encodeSearchResponse,
  MediaFilesCodec,
  MediaFilesEnvelopeCodec,
  SearchEnvelopeCodec,
  SearchResultCodec,
  type ApiAccessToken,
  type ApiAccessTokenJson,
  type ContentIdResult,
  type ContentIdResultJson,
  type MediaFile,
  type MediaFiles,
  type MediaFilesJson,
  type SearchGroup,
  type SearchItem,
  type SearchResult,
  type SearchResultJson,
} from './server-api.js';
export { statToStatusPart, tcpStateOfStatStatus, STAT_STATUS_TO_TCP, type EngineStateId, type TcpStateOfStat } from './status-map.js';
export {
  commandRequestUrl,
  getStatusUrl,
  liveSeekUrl,
  parseStartQuery,
  startUrl,
  statPollUrl,
  stopUrl,
  tryStartUrl,
  versionUrl,
  CONTENT_SELECTORS,
  START_PARAMS,
  START_PATHS,
  type ContentSelector,
  type HttpOutput,
  type HttpRequestError,
  type HttpStartRequest,
  type QueryInput,
} from './requests.js';
