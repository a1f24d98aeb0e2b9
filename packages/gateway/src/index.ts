/**
 * `@ace-rx/gateway`: `ace-rx serve` as a library. Many viewers share one engine session
 * per content; its bytes are read once and fanned out through one bounded ring per
 * stream, with a cursor per viewer that respects each socket's backpressure.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_HTTP_PORT,
  DEFAULT_TCP_PORT,
  playBackend,
  tcpBackend,
  type PlayBackendOptions,
  type HlsSource,
  type ContentKey, type EngineBackend, type EngineStats, type EngineStream, type TcpBackendOptions } from './backend.js';
export { AtCapacity, ContentNotFound, EngineUnavailable, GatewayError, InvalidGatewayOption, NoHls, NotLive, StartFailed, StartTimeout, StreamAborted } from './errors.js';
export { formatLogEvent, type GatewayLogEvent } from './log.js';
export { Draining } from './errors.js';
export { systemResolver, type EngineName, type EngineResolver } from './discovery.js';
export { DEFAULT_GATEWAY_PORT, type GatewayOptions, type Limits, type RetryPolicy } from './options.js';
export { type GatewayStatus, type StreamStatus } from './routes/operations.js';
export { defaultCacheDir, guideSources, type GuideStatus } from './epg.js';
export { deviceIdOf, isDeviceId, type TunerChannel, type TunerDevice } from './routes/tuner.js';
export type { SourceState } from './stream.js';
export { type ChannelSummary } from './routes/dashboard.js';
export { startGateway, type Gateway } from './server.js';
export { contentOfUrl, Lineup, MAX_SOURCES, NO_CHANNELS, parseChannels, type Channel, type ChannelEntry, type ChannelList, type M3uAttributes } from './channels.js';
export { buildPlaylist, channelUrl, PlaylistCache, playlistPieces, type PlaylistCacheOptions, type PlaylistOptions } from './playlist.js';
export { alignedOffset, Cursor, Ring, TS_PACKET, type CursorOptions, type Sink } from './ts/ring.js';
