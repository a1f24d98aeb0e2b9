/**
 * MPEG transport stream (ISO/IEC 13818-1) packets, read and rewritten in place: what
 * looping a clip into an endless stream needs. Pure: no I/O, no Node built-ins, only
 * `Uint8Array`s.
 */

// Bound once: inside a vm context (jest runs tests in one) every lookup of the global
// `Math` goes through the context's interceptors, as catalogue.ts measured.
const { floor } = Math;

/** Size in bytes of one transport stream packet. */
export const TS_PACKET_SIZE = 188;
/** The first byte of every packet. */
export const SYNC_BYTE = 0x47;
/** The PID of null (stuffing) packets, which carry nothing and whose counters mean nothing. */
export const NULL_PID = 0x1fff;
/** PTS, DTS and the PCR base count modulo 2^33 (90 kHz ticks). */
export const TIMESTAMP_MODULUS = 2 ** 33;

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

/** The header fields of one packet. */
export interface TsHeader {
  /** 13-bit packet identifier. */
  readonly pid: number;
  /** A PES packet or a PSI section starts in this packet. */
  readonly payloadUnitStart: boolean;
  /** The packet carries payload bytes (adaptation_field_control 01 or 11). */
  readonly hasPayload: boolean;
  /** The packet has an adaptation field (adaptation_field_control 10 or 11). */
  readonly hasAdaptation: boolean;
  /** 4-bit continuity counter. */
  readonly continuity: number;
  /** Offset of the payload from the start of the packet (188 when there is none). */
  readonly payloadOffset: number;
}

function check(bytes: Uint8Array, at: number): void {
  if (at + TS_PACKET_SIZE > bytes.length) throw new MediaFormatError(`packet at ${at} runs past the end (${bytes.length} bytes)`);
  if (bytes[at] !== SYNC_BYTE) throw new MediaFormatError(`no sync byte at ${at}: 0x${(bytes[at] ?? 0).toString(16)}`);
}

/** Reads the header of the packet at `at` (default 0). Throws {@link MediaFormatError}. */
export function readHeader(bytes: Uint8Array, at = 0): TsHeader {
  check(bytes, at);
  const b1 = bytes[at + 1]!;
  const b3 = bytes[at + 3]!;
  const control = (b3 >> 4) & 3;
  const hasAdaptation = (control & 2) !== 0;
  const hasPayload = (control & 1) !== 0;
  const adaptationLength = hasAdaptation ? bytes[at + 4]! + 1 : 0;
  const payloadOffset = hasPayload ? 4 + adaptationLength : TS_PACKET_SIZE;
  if (payloadOffset > TS_PACKET_SIZE) throw new MediaFormatError(`adaptation field of the packet at ${at} runs past it`);
  return {
    pid: ((b1 & 0x1f) << 8) | bytes[at + 2]!,
    payloadUnitStart: (b1 & 0x40) !== 0,
    hasPayload,
    hasAdaptation,
    continuity: b3 & 0x0f,
    payloadOffset,
  };
}

/** Sets the continuity counter of the packet at `at`. */
export function setContinuity(bytes: Uint8Array, at: number, counter: number): void {
  bytes[at + 3] = (bytes[at + 3]! & 0xf0) | (counter & 0x0f);
}

// --- PCR (adaptation field) -------------------------------------------------------

/** Offset of the PCR in the packet at `at`, if it carries one. */
function pcrOffset(bytes: Uint8Array, at: number, header: TsHeader): number | undefined {
  if (!header.hasAdaptation || bytes[at + 4]! < 7) return undefined;
  return (bytes[at + 5]! & 0x10) !== 0 ? at + 6 : undefined;
}

/** 6-byte program clock reference at `o`: base·300 + extension, in 27 MHz ticks. */
function readClock(bytes: Uint8Array, o: number): number {
  const base = bytes[o]! * 2 ** 25 + bytes[o + 1]! * 2 ** 17 + bytes[o + 2]! * 2 ** 9 + bytes[o + 3]! * 2 + (bytes[o + 4]! >> 7);
  const extension = ((bytes[o + 4]! & 1) << 8) | bytes[o + 5]!;
  return base * 300 + extension;
}

function writeClock(bytes: Uint8Array, o: number, clock: number): void {
  const base = floor(clock / 300) % TIMESTAMP_MODULUS;
  const extension = floor(clock % 300);
  bytes[o] = floor(base / 2 ** 25) & 0xff;
  bytes[o + 1] = floor(base / 2 ** 17) & 0xff;
  bytes[o + 2] = floor(base / 2 ** 9) & 0xff;
  bytes[o + 3] = floor(base / 2) & 0xff;
  bytes[o + 4] = ((base & 1) << 7) | 0x7e | ((extension >> 8) & 1);
  bytes[o + 5] = extension & 0xff;
}

/** Whether the packet at `at` has the random_access_indicator set (a key frame starts in it). */
export function isRandomAccess(bytes: Uint8Array, at = 0): boolean {
  const header = readHeader(bytes, at);
  return header.hasAdaptation && bytes[at + 4]! > 0 && (bytes[at + 5]! & 0x40) !== 0;
}

/** The PCR of the packet at `at` in 27 MHz ticks, or undefined when it has none. */
export function readPcr(bytes: Uint8Array, at = 0): number | undefined {
  const o = pcrOffset(bytes, at, readHeader(bytes, at));
  return o === undefined ? undefined : readClock(bytes, o);
}

// --- PES timestamps ---------------------------------------------------------------

/** Stream ids whose PES packets have no optional header (hence no PTS/DTS). */
const NO_PES_HEADER = new Set([0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff]);

/** Offsets of the PTS and DTS fields of a PES header starting in the packet at `at`. */
function timestampOffsets(bytes: Uint8Array, at: number, header: TsHeader): { pts?: number; dts?: number } {
  if (!header.payloadUnitStart || !header.hasPayload) return {};
  const p = at + header.payloadOffset;
  if (p + 9 > at + TS_PACKET_SIZE || bytes[p] !== 0 || bytes[p + 1] !== 0 || bytes[p + 2] !== 1) return {};
  if (NO_PES_HEADER.has(bytes[p + 3]!) || (bytes[p + 6]! & 0xc0) !== 0x80) return {};
  const flags = bytes[p + 7]! >> 6;
  const out: { pts?: number; dts?: number } = {};
  if (flags & 2 && p + 14 <= at + TS_PACKET_SIZE) out.pts = p + 9;
  if (flags === 3 && p + 19 <= at + TS_PACKET_SIZE) out.dts = p + 14;
  return out;
}

/** 5-byte PES timestamp at `o` (33 bits with marker bits). */
function readTimestamp(bytes: Uint8Array, o: number): number {
  return (
    ((bytes[o]! >> 1) & 7) * 2 ** 30 +
    bytes[o + 1]! * 2 ** 22 +
    (bytes[o + 2]! >> 1) * 2 ** 15 +
    bytes[o + 3]! * 2 ** 7 +
    (bytes[o + 4]! >> 1)
  );
}

function writeTimestamp(bytes: Uint8Array, o: number, value: number): void {
  const v = ((value % TIMESTAMP_MODULUS) + TIMESTAMP_MODULUS) % TIMESTAMP_MODULUS;
  const prefix = bytes[o]! & 0xf0;
  bytes[o] = prefix | ((floor(v / 2 ** 30) & 7) << 1) | 1;
  bytes[o + 1] = floor(v / 2 ** 22) & 0xff;
  bytes[o + 2] = ((floor(v / 2 ** 15) & 0x7f) << 1) | 1;
  bytes[o + 3] = floor(v / 2 ** 7) & 0xff;
  bytes[o + 4] = ((v & 0x7f) << 1) | 1;
}

/** PTS and DTS (90 kHz) of a PES packet starting in the packet at `at`, when present. */
export function readTimestamps(bytes: Uint8Array, at = 0): { readonly pts?: number; readonly dts?: number } {
  const offsets = timestampOffsets(bytes, at, readHeader(bytes, at));
  const out: { pts?: number; dts?: number } = {};
  if (offsets.pts !== undefined) out.pts = readTimestamp(bytes, offsets.pts);
  if (offsets.dts !== undefined) out.dts = readTimestamp(bytes, offsets.dts);
  return out;
}

/** Sets the PCR (27 MHz ticks, wrapped as the field wraps) of the packet at `at`, if it carries one; says whether it did. */
export function writePcr(bytes: Uint8Array, at: number, clock: number): boolean {
  const o = pcrOffset(bytes, at, readHeader(bytes, at));
  if (o === undefined) return false;
  writeClock(bytes, o, clock);
  return true;
}

/** Adds `ticks90k` (90 kHz) to the PTS and DTS of a PES header starting in the packet at `at`, in place, modulo 2^33. */
export function shiftTimestamps(bytes: Uint8Array, at: number, ticks90k: number): void {
  const { pts, dts } = timestampOffsets(bytes, at, readHeader(bytes, at));
  if (pts !== undefined) writeTimestamp(bytes, pts, readTimestamp(bytes, pts) + ticks90k);
  if (dts !== undefined) writeTimestamp(bytes, dts, readTimestamp(bytes, dts) + ticks90k);
}

/**
 * Adds `ticks90k` (90 kHz) to every clock of the packet at `at`, in place: the PCR and
 * OPCR of its adaptation field and the PTS/DTS of a PES header starting in it, modulo
 * 2^33 as the fields wrap.
 */
export function shiftClocks(bytes: Uint8Array, at: number, ticks90k: number): void {
  const header = readHeader(bytes, at);
  const pcr = pcrOffset(bytes, at, header);
  if (pcr !== undefined) {
    writeClock(bytes, pcr, readClock(bytes, pcr) + ticks90k * 300);
    if ((bytes[at + 5]! & 0x08) !== 0 && bytes[at + 4]! >= 13) writeClock(bytes, pcr + 6, readClock(bytes, pcr + 6) + ticks90k * 300);
  }
  const { pts, dts } = timestampOffsets(bytes, at, header);
  if (pts !== undefined) writeTimestamp(bytes, pts, readTimestamp(bytes, pts) + ticks90k);
  if (dts !== undefined) writeTimestamp(bytes, dts, readTimestamp(bytes, dts) + ticks90k);
}

/** A null packet: PID 0x1FFF, payload only, filled with 0xFF. */
export function nullPacket(): Uint8Array {
  const packet = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  packet.set([SYNC_BYTE, 0x1f, 0xff, 0x10]);
  return packet;
}
