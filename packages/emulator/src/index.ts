/**
 * `@ace-rx/emulator`: a faithful, scriptable Ace Stream TS Engine on real sockets, the
 * TCP API and the embedded HTTP server with Range support. For tests (yours and ours)
 * and demos: the real engine is closed and cannot run everywhere.
 *
 * @packageDocumentation
 */
export { DEFAULT_LIMITS, DEFAULT_PRODUCT_KEY, startEmulator, type Emulator, type EmulatorErrorSource, type EmulatorOptions } from './emulator.js';
export {
  Catalogue,
  CatalogueError,
  contentType,
  DEFAULT_CATALOGUE,
  fileBytes,
  fileSize,
  generatedBytes,
  isVideo,
  loadResponse,
  parseCatalogue,
  seedOf,
  type AdSpec,
  type Content,
  type ContentFile,
} from './catalogue.js';
export { GARBAGE_LINES, mergeFaults, type Faults } from './faults.js';
export { acceptsSeek, DEFAULT_LIVE_WINDOW_SECONDS, liveWindow, livePosFields, playingPosition, type LiveSeekMark, type LiveWindow } from './live-position.js';
export {
  answerInternalError,
  createEngineHttpServer,
  resolveRange,
  servedFromDisk,
  servedGenerated,
  writeRangeHead,
  type HttpErrorListener,
  type RangeResult,
  type Served,
} from './http.js';
export {
  DEFAULT_TIMING,
  DEFAULT_TRANSCRIPT_ENTRY_CHARS,
  DEFAULT_TRANSCRIPT_LIMIT,
  DEFAULT_MAX_UNSENT_BYTES,
  formatTranscript,
  Session,
  type EmulatedState,
  type Generation,
  type SessionContext,
  type Timing,
  type TranscriptEntry,
} from './session.js';
export { createHttpApi, type HttpApi, type HttpApiContext, type HttpApiOptions } from './http-api/api.js';
export { mediaPlaylist, type PlaylistSpec } from './http-api/playlist.js';
export { contentName, createServerApi, SERVER_API_NOT_FOUND, type ServerApi } from './http-api/server-api.js';
export {
  ApiSessions,
  DEFAULT_API_SESSION_LIMITS,
  type ApiEndReason,
  type ApiOutput,
  type ApiSession,
  type ApiSessionLimits,
  type ApiSessionState,
} from './http-api/sessions.js';
export { Media, type MediaOptions } from './media/channel.js';
export { TEST_CARD_PATH, testCard } from './media/clip.js';
export { DEFAULT_PACING, liveStream, type PacingOptions } from './media/live.js';
export { DEFAULT_BITRATE, LoopedClip, type LoopOptions } from './media/loop.js';
export { FILM_PATHS, filmContainer, filmFile, paddedMatroska, paddedMp4, type FilmContainer, type VirtualFile } from './media/vod.js';
export {
  isRandomAccess,
  MediaFormatError,
  NULL_PID,
  nullPacket,
  readHeader,
  readPcr,
  readTimestamps,
  setContinuity,
  shiftClocks,
  shiftTimestamps,
  SYNC_BYTE,
  TIMESTAMP_MODULUS,
  TS_PACKET_SIZE,
  writePcr,
  type TsHeader,
} from './media/ts.js';
