/**
 * Program-specific information: the PAT (PID 0: program number → PMT PID) and the PMT
 * (a program's elementary streams: PID and stream_type). Sections are read from bytes
 * already assembled; nothing here throws, a section that is not whole or not valid reads
 * as `undefined`.
 */
import { crc32Mpeg2 } from './packet.js';

/** table_id of a program association section. */
export const PAT_TABLE_ID = 0x00;
/** table_id of a TS program map section. */
export const PMT_TABLE_ID = 0x02;

/** Video codecs whose key frames the scanner recognises in the payload. */
export type VideoCodec = 'h264' | 'h265' | 'mpeg2';
/** What an elementary stream carries, as its stream_type says. */
export type StreamKind = 'video' | 'audio' | 'other';

/** One program of a PAT. */
export interface PatProgram {
  /** program_number (never 0: that entry names the network PID and is left out). */
  readonly program: number;
  /** PID of this program's PMT. */
  readonly pmtPid: number;
}

/** A program association table. */
export interface PatInfo {
  /** transport_stream_id. */
  readonly transportStreamId: number;
  /** version_number, 0–31. */
  readonly version: number;
  /** The programs, in the table's order. */
  readonly programs: readonly PatProgram[];
}

/** One elementary stream of a PMT. */
export interface PmtStream {
  /** Its PID. */
  readonly pid: number;
  /** stream_type, e.g. 0x1B H.264, 0x24 H.265, 0x02 MPEG-2 video, 0x0F AAC, 0x81 AC-3. */
  readonly streamType: number;
  /** Video, audio or other, from the stream_type. */
  readonly kind: StreamKind;
}

/** A program map table. */
export interface PmtInfo {
  /** program_number this map is for. */
  readonly program: number;
  /** version_number, 0–31. */
  readonly version: number;
  /** PID of the packets that carry this program's PCR (0x1FFF: none). */
  readonly pcrPid: number;
  /** The elementary streams, in the table's order. */
  readonly streams: readonly PmtStream[];
  /** PID of the first stream whose stream_type is a {@link VideoCodec}. */
  readonly videoPid?: number;
  /** Codec of that stream. */
  readonly videoCodec?: VideoCodec;
}

/** The {@link VideoCodec} of a stream_type: 0x1B H.264, 0x24 H.265, 0x01 and 0x02 MPEG-1/2 video; else `undefined`. */
export function videoCodecOf(streamType: number): VideoCodec | undefined {
  if (streamType === 0x1b) return 'h264';
  if (streamType === 0x24) return 'h265';
  if (streamType === 0x01 || streamType === 0x02) return 'mpeg2';
  return undefined;
}

/** The {@link StreamKind} of a stream_type. */
export function streamKindOf(streamType: number): StreamKind {
  switch (streamType) {
    case 0x01: // MPEG-1 video
    case 0x02: // MPEG-2 video
    case 0x10: // MPEG-4 part 2 video
    case 0x1b: // H.264
    case 0x24: // H.265
    case 0x33: // H.266
    case 0xea: // VC-1
      return 'video';
    case 0x03: // MPEG-1 audio
    case 0x04: // MPEG-2 audio
    case 0x0f: // AAC (ADTS)
    case 0x11: // AAC (LATM)
    case 0x81: // AC-3
    case 0x87: // E-AC-3
      return 'audio';
    default:
      return 'other';
  }
}

/**
 * The end (exclusive) of the section whose table_id is at `at`, when it is whole before
 * `end`; `-1` when it runs past `end` (it spans packets); `-2` when its length field
 * cannot be right (under the 9 bytes of a syntax section's header and CRC, or over 1021).
 */
export function sectionEnd(bytes: Uint8Array, at: number, end: number): number {
  if (at + 3 > end) return -1;
  const length = ((bytes[at + 1]! & 0x0f) << 8) | bytes[at + 2]!;
  if (length < 9 || length > 1021) return -2;
  return at + 3 + length <= end ? at + 3 + length : -1;
}

/**
 * Whether the section in `bytes[at, end)` (as {@link sectionEnd} found it) is a current
 * long-form section of table `tableId` whose CRC_32 checks.
 */
function validSection(bytes: Uint8Array, at: number, end: number, tableId: number): boolean {
  return bytes[at] === tableId && (bytes[at + 1]! & 0x80) !== 0 && (bytes[at + 5]! & 1) === 1 && crc32Mpeg2(bytes, at, end) === 0;
}

/** Reads the PAT section at `bytes[at, end)` (table_id first, CRC last); `undefined` unless it is a valid current PAT. */
export function parsePat(bytes: Uint8Array, at: number, end: number): PatInfo | undefined {
  if (!validSection(bytes, at, end, PAT_TABLE_ID)) return undefined;
  const programs: PatProgram[] = [];
  for (let o = at + 8; o + 4 <= end - 4; o += 4) {
    const program = (bytes[o]! << 8) | bytes[o + 1]!;
    if (program !== 0) programs.push({ program, pmtPid: ((bytes[o + 2]! & 0x1f) << 8) | bytes[o + 3]! });
  }
  return { transportStreamId: (bytes[at + 3]! << 8) | bytes[at + 4]!, version: (bytes[at + 5]! >> 1) & 0x1f, programs };
}

/** Reads the PMT section at `bytes[at, end)` (table_id first, CRC last); `undefined` unless it is a valid current PMT. */
export function parsePmt(bytes: Uint8Array, at: number, end: number): PmtInfo | undefined {
  if (!validSection(bytes, at, end, PMT_TABLE_ID) || at + 12 > end - 4) return undefined;
  const programInfoLength = ((bytes[at + 10]! & 0x0f) << 8) | bytes[at + 11]!;
  const streams: PmtStream[] = [];
  let videoPid: number | undefined;
  let videoCodec: VideoCodec | undefined;
  for (let o = at + 12 + programInfoLength; o + 5 <= end - 4; ) {
    const streamType = bytes[o]!;
    const pid = ((bytes[o + 1]! & 0x1f) << 8) | bytes[o + 2]!;
    streams.push({ pid, streamType, kind: streamKindOf(streamType) });
    const codec = videoCodecOf(streamType);
    if (videoCodec === undefined && codec !== undefined) {
      videoCodec = codec;
      videoPid = pid;
    }
    o += 5 + (((bytes[o + 3]! & 0x0f) << 8) | bytes[o + 4]!);
  }
  const info: { -readonly [K in keyof PmtInfo]: PmtInfo[K] } = {
    program: (bytes[at + 3]! << 8) | bytes[at + 4]!,
    version: (bytes[at + 5]! >> 1) & 0x1f,
    pcrPid: ((bytes[at + 8]! & 0x1f) << 8) | bytes[at + 9]!,
    streams,
  };
  if (videoPid !== undefined && videoCodec !== undefined) {
    info.videoPid = videoPid;
    info.videoCodec = videoCodec;
  }
  return info;
}
