/**
 * `@ace-rx/codec/mpegts`: MPEG transport streams as they flow. {@link TsScanner} reads a
 * stream in chunks cut anywhere and finds packet sync, the latest PAT and PMT, the video
 * PID and codec, key frames (random_access_indicator, or an IDR / IRAP / sequence header
 * at the start of the PES payload) with their offsets and PTS, and the latest PCR; the
 * packet-level readers and writers work on one 188-byte packet. Pure and runtime-neutral
 * like `@ace-rx/codec`, and total: nothing here throws on any input.
 *
 * @example
 * ```ts
 * import { TsScanner } from '@ace-rx/codec/mpegts';
 * const scanner = new TsScanner({ onKeyFrame: (k) => console.log(`key frame at byte ${k.offset}, pts ${k.pts}`) });
 * for await (const chunk of (await fetch(playbackUrl)).body!) scanner.push(chunk);
 * // a join: scanner.pat, scanner.pmt, then the bytes from scanner.lastKeyFrame.offset on
 * ```
 *
 * @packageDocumentation
 */
export {
  crc32Mpeg2,
  hasNoPesHeader,
  isRandomAccess,
  nullPacket,
  readClock,
  readHeader,
  readPcr,
  readTimestamp,
  readTimestamps,
  setContinuity,
  shiftClocks,
  shiftTimestamps,
  writePcr,
  NULL_PID,
  PAT_PID,
  SYNC_BYTE,
  TIMESTAMP_MODULUS,
  TS_PACKET_SIZE,
  type TsHeader,
} from './packet.js';
export {
  parsePat,
  parsePmt,
  sectionEnd,
  streamKindOf,
  videoCodecOf,
  PAT_TABLE_ID,
  PMT_TABLE_ID,
  type PatInfo,
  type PatProgram,
  type PmtInfo,
  type PmtStream,
  type StreamKind,
  type VideoCodec,
} from './psi.js';
export {
  TsScanner,
  DEFAULT_NAL_LOOKAHEAD,
  type ClockReading,
  type KeyFrame,
  type KeyFrameBy,
  type PatEvent,
  type PmtEvent,
  type TsScannerOptions,
  type TsScannerStats,
} from './scanner.js';
