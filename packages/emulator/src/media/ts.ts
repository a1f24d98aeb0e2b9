/**
 * MPEG transport stream (ISO/IEC 13818-1) packets, read and rewritten in place: what
 * looping a clip into an endless stream needs. The reading and writing is the codec's
 * (`@ace-rx/codec/mpegts`, which answers `undefined` for a packet that is not there);
 * here a missing or malformed packet is a {@link MediaFormatError}, since a clip the
 * emulator loops must be a well-formed stream.
 */
import * as mpegts from '@ace-rx/codec/mpegts';

export { NULL_PID, nullPacket, SYNC_BYTE, TIMESTAMP_MODULUS, TS_PACKET_SIZE, type TsHeader } from '@ace-rx/codec/mpegts';

/** Bytes that are not a well-formed transport stream. */
export class MediaFormatError extends Error {
  /** Discriminant, as the codec's errors have. */
  readonly _tag = 'MediaFormatError' as const;
  /** Stable code for callers that switch on codes. */
  readonly code = 'MEDIA_FORMAT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'MediaFormatError';
  }
}

/** Reads the header of the packet at `at` (default 0). Throws {@link MediaFormatError}. */
export function readHeader(bytes: Uint8Array, at = 0): mpegts.TsHeader {
  if (at + mpegts.TS_PACKET_SIZE > bytes.length) throw new MediaFormatError(`packet at ${at} runs past the end (${bytes.length} bytes)`);
  if (bytes[at] !== mpegts.SYNC_BYTE) throw new MediaFormatError(`no sync byte at ${at}: 0x${(bytes[at] ?? 0).toString(16)}`);
  const header = mpegts.readHeader(bytes, at);
  if (header === undefined) throw new MediaFormatError(`adaptation field of the packet at ${at} runs past it`);
  return header;
}

/** Sets the continuity counter of the packet at `at`. */
export function setContinuity(bytes: Uint8Array, at: number, counter: number): void {
  mpegts.setContinuity(bytes, at, counter);
}

/** Whether the packet at `at` has the random_access_indicator set (a key frame starts in it). Throws {@link MediaFormatError}. */
export function isRandomAccess(bytes: Uint8Array, at = 0): boolean {
  readHeader(bytes, at);
  return mpegts.isRandomAccess(bytes, at);
}

/** The PCR of the packet at `at` in 27 MHz ticks, or undefined when it has none. Throws {@link MediaFormatError}. */
export function readPcr(bytes: Uint8Array, at = 0): number | undefined {
  readHeader(bytes, at);
  return mpegts.readPcr(bytes, at);
}

/** PTS and DTS (90 kHz) of a PES packet starting in the packet at `at`, when present. Throws {@link MediaFormatError}. */
export function readTimestamps(bytes: Uint8Array, at = 0): { readonly pts?: number; readonly dts?: number } {
  readHeader(bytes, at);
  return mpegts.readTimestamps(bytes, at);
}

/** Sets the PCR (27 MHz ticks, wrapped as the field wraps) of the packet at `at`, if it carries one; says whether it did. Throws {@link MediaFormatError}. */
export function writePcr(bytes: Uint8Array, at: number, clock: number): boolean {
  readHeader(bytes, at);
  return mpegts.writePcr(bytes, at, clock);
}

/** Adds `ticks90k` (90 kHz) to the PTS and DTS of a PES header starting in the packet at `at`, in place, modulo 2^33. Throws {@link MediaFormatError}. */
export function shiftTimestamps(bytes: Uint8Array, at: number, ticks90k: number): void {
  readHeader(bytes, at);
  mpegts.shiftTimestamps(bytes, at, ticks90k);
}

/**
 * Adds `ticks90k` (90 kHz) to every clock of the packet at `at`, in place: the PCR and
 * OPCR of its adaptation field and the PTS/DTS of a PES header starting in it, modulo
 * 2^33 as the fields wrap. Throws {@link MediaFormatError}.
 */
export function shiftClocks(bytes: Uint8Array, at: number, ticks90k: number): void {
  readHeader(bytes, at);
  mpegts.shiftClocks(bytes, at, ticks90k);
}
