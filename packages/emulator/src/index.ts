/**
 * `@ace-rx/emulator`: a faithful, scriptable Ace Stream TS Engine on real sockets, the
 * TCP API and the embedded HTTP server with Range support. For tests (yours and ours)
 * and demos: the real engine is closed and cannot run everywhere.
 *
 * @packageDocumentation
 */
export { DEFAULT_PRODUCT_KEY, startEmulator, type Emulator, type EmulatorOptions } from './emulator.js';
export {
  Catalogue,
  contentType,
  DEFAULT_CATALOGUE,
  fileBytes,
  fileSize,
  generatedBytes,
  isVideo,
  loadResponse,
  seedOf,
  type AdSpec,
  type Content,
  type ContentFile,
} from './catalogue.js';
export { GARBAGE_LINES, mergeFaults, type Faults } from './faults.js';
export { createEngineHttpServer, resolveRange, servedFromDisk, servedGenerated, type RangeResult, type Served } from './http.js';
export { DEFAULT_TIMING, formatTranscript, Session, type Generation, type SessionContext, type Timing, type TranscriptEntry } from './session.js';
export { createHttpApi, type HttpApi, type HttpApiContext, type HttpApiOptions } from './http-api/api.js';
export { mediaPlaylist, type PlaylistSpec } from './http-api/playlist.js';
export { ApiSessions, type ApiOutput, type ApiSession, type ApiSessionState } from './http-api/sessions.js';
export { Media, type MediaOptions } from './media/channel.js';
export { TEST_CARD_PATH, testCard } from './media/clip.js';
export { DEFAULT_PACING, liveStream, type PacingOptions } from './media/live.js';
export { DEFAULT_BITRATE, LoopedClip, type LoopOptions } from './media/loop.js';
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
