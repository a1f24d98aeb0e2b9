/**
 * MPEG transport stream (ISO/IEC 13818-1) packets, read and rewritten in place. Taken
 * from the emulator's `media/ts.ts`, with one change: nothing here throws. A read of a
 * packet that is not there (too few bytes, no sync byte, an adaptation field running
 * past the packet) answers `undefined` (or `false`, or `{}`), a write to one does
 * nothing and answers `false`. Pure: no I/O, no Node built-ins, only `Uint8Array`s.
 */

// Bound once: inside a vm context (jest runs tests in one) every lookup of the global
// `Math` goes through the context's interceptors.
const { floor } = Math;

/** Size in bytes of one transport stream packet. */
export const TS_PACKET_SIZE = 188;
/** The first byte of every packet. */
export const SYNC_BYTE = 0x47;
/** The PID of null (stuffing) packets, which carry nothing and whose counters mean nothing. */
export const NULL_PID = 0x1fff;
/** The PID of the program association table. */
export const PAT_PID = 0;
/** PTS, DTS and the PCR base count modulo 2^33 (90 kHz ticks). */
export const TIMESTAMP_MODULUS = 2 ** 33;

/** The header fields of one packet. */
export interface TsHeader {
  /** 13-bit packet identifier. */
  readonly pid: number;
  /** A PES packet or a PSI section starts in this packet. */
  readonly payloadUnitStart: boolean;
  /** The transport_error_indicator: a demodulator marked the packet as damaged. */
  readonly transportError: boolean;
  /** The packet carries payload bytes (adaptation_field_control 01 or 11). */
  readonly hasPayload: boolean;
  /** The packet has an adaptation field (adaptation_field_control 10 or 11). */
  readonly hasAdaptation: boolean;
  /** 4-bit continuity counter. */
  readonly continuity: number;
  /** Offset of the payload from the start of the packet (188 when there is none). */
  readonly payloadOffset: number;
}

/** Whether a whole packet starting with the sync byte lies at `at`. */
function present(bytes: Uint8Array, at: number): boolean {
  return Number.isInteger(at) && at >= 0 && at + TS_PACKET_SIZE <= bytes.length && bytes[at] === SYNC_BYTE;
}

/**
 * Reads the header of the packet at `at` (default 0); `undefined` when no whole packet
 * with a sync byte lies there, or its adaptation field runs past it.
 */
export function readHeader(bytes: Uint8Array, at = 0): TsHeader | undefined {
  if (!present(bytes, at)) return undefined;
  const b1 = bytes[at + 1]!;
  const b3 = bytes[at + 3]!;
  const control = (b3 >> 4) & 3;
  const hasAdaptation = (control & 2) !== 0;
  const hasPayload = (control & 1) !== 0;
  const adaptationLength = hasAdaptation ? bytes[at + 4]! + 1 : 0;
  const payloadOffset = hasPayload ? 4 + adaptationLength : TS_PACKET_SIZE;
  if (payloadOffset > TS_PACKET_SIZE || (hasAdaptation && 4 + adaptationLength > TS_PACKET_SIZE)) return undefined;
  return {
    pid: ((b1 & 0x1f) << 8) | bytes[at + 2]!,
    payloadUnitStart: (b1 & 0x40) !== 0,
    transportError: (b1 & 0x80) !== 0,
    hasPayload,
    hasAdaptation,
    continuity: b3 & 0x0f,
    payloadOffset,
  };
}

/** Sets the continuity counter of the packet at `at`; `false` (and nothing written) when {@link readHeader} finds no packet there. */
export function setContinuity(bytes: Uint8Array, at: number, counter: number): boolean {
  if (readHeader(bytes, at) === undefined) return false;
  bytes[at + 3] = (bytes[at + 3]! & 0xf0) | (counter & 0x0f);
  return true;
}

// --- PCR (adaptation field) -------------------------------------------------------

/** Offset of the PCR in the packet at `at`, if it carries one. */
function pcrOffset(bytes: Uint8Array, at: number, header: TsHeader): number | undefined {
  if (!header.hasAdaptation || bytes[at + 4]! < 7) return undefined;
  return (bytes[at + 5]! & 0x10) !== 0 ? at + 6 : undefined;
}

/** 6-byte program clock reference at `o`: base·300 + extension, in 27 MHz ticks. */
export function readClock(bytes: Uint8Array, o: number): number {
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

/** Whether the packet at `at` has the random_access_indicator set (a key frame starts in it); `false` when no packet is there. */
export function isRandomAccess(bytes: Uint8Array, at = 0): boolean {
  const header = readHeader(bytes, at);
  return header !== undefined && header.hasAdaptation && bytes[at + 4]! > 0 && (bytes[at + 5]! & 0x40) !== 0;
}

/** The PCR of the packet at `at` in 27 MHz ticks, or `undefined` when it has none (or no packet is there). */
export function readPcr(bytes: Uint8Array, at = 0): number | undefined {
  const header = readHeader(bytes, at);
  const o = header === undefined ? undefined : pcrOffset(bytes, at, header);
  return o === undefined ? undefined : readClock(bytes, o);
}

// --- PES timestamps ---------------------------------------------------------------

/** Whether a PES packet of stream id `id` has no optional header (hence no PTS/DTS). */
export function hasNoPesHeader(id: number): boolean {
  return id === 0xbc || id === 0xbe || id === 0xbf || id === 0xf0 || id === 0xf1 || id === 0xf2 || id === 0xf8 || id === 0xff;
}

/** Offsets of the PTS and DTS fields of a PES header starting in the packet at `at`. */
function timestampOffsets(bytes: Uint8Array, at: number, header: TsHeader): { pts?: number; dts?: number } {
  if (!header.payloadUnitStart || !header.hasPayload) return {};
  const p = at + header.payloadOffset;
  if (p + 9 > at + TS_PACKET_SIZE || bytes[p] !== 0 || bytes[p + 1] !== 0 || bytes[p + 2] !== 1) return {};
  if (hasNoPesHeader(bytes[p + 3]!) || (bytes[p + 6]! & 0xc0) !== 0x80) return {};
  const flags = bytes[p + 7]! >> 6;
  const out: { pts?: number; dts?: number } = {};
  if (flags & 2 && p + 14 <= at + TS_PACKET_SIZE) out.pts = p + 9;
  if (flags === 3 && p + 19 <= at + TS_PACKET_SIZE) out.dts = p + 14;
  return out;
}

/** 5-byte PES timestamp at `o` (33 bits with marker bits), in 90 kHz ticks. */
export function readTimestamp(bytes: Uint8Array, o: number): number {
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

/** PTS and DTS (90 kHz) of a PES packet starting in the packet at `at`, when present; `{}` when no packet is there. */
export function readTimestamps(bytes: Uint8Array, at = 0): { readonly pts?: number; readonly dts?: number } {
  const header = readHeader(bytes, at);
  if (header === undefined) return {};
  const offsets = timestampOffsets(bytes, at, header);
  const out: { pts?: number; dts?: number } = {};
  if (offsets.pts !== undefined) out.pts = readTimestamp(bytes, offsets.pts);
  if (offsets.dts !== undefined) out.dts = readTimestamp(bytes, offsets.dts);
  return out;
}

/** Sets the PCR (27 MHz ticks, wrapped as the field wraps) of the packet at `at`, if it carries one; says whether it did. */
export function writePcr(bytes: Uint8Array, at: number, clock: number): boolean {
  const header = readHeader(bytes, at);
  const o = header === undefined ? undefined : pcrOffset(bytes, at, header);
  if (o === undefined) return false;
  writeClock(bytes, o, clock);
  return true;
}

/** Adds `ticks90k` (90 kHz) to the PTS and DTS of a PES header starting in the packet at `at`, in place, modulo 2^33; says whether a packet was there. */
export function shiftTimestamps(bytes: Uint8Array, at: number, ticks90k: number): boolean {
  const header = readHeader(bytes, at);
  if (header === undefined) return false;
  const { pts, dts } = timestampOffsets(bytes, at, header);
  if (pts !== undefined) writeTimestamp(bytes, pts, readTimestamp(bytes, pts) + ticks90k);
  if (dts !== undefined) writeTimestamp(bytes, dts, readTimestamp(bytes, dts) + ticks90k);
  return true;
}

/**
 * Adds `ticks90k` (90 kHz) to every clock of the packet at `at`, in place: the PCR and
 * OPCR of its adaptation field and the PTS/DTS of a PES header starting in it, modulo
 * 2^33 as the fields wrap. Says whether a packet was there.
 */
export function shiftClocks(bytes: Uint8Array, at: number, ticks90k: number): boolean {
  const header = readHeader(bytes, at);
  if (header === undefined) return false;
  const pcr = pcrOffset(bytes, at, header);
  if (pcr !== undefined) {
    writeClock(bytes, pcr, readClock(bytes, pcr) + ticks90k * 300);
    if ((bytes[at + 5]! & 0x08) !== 0 && bytes[at + 4]! >= 13) writeClock(bytes, pcr + 6, readClock(bytes, pcr + 6) + ticks90k * 300);
  }
  const { pts, dts } = timestampOffsets(bytes, at, header);
  if (pts !== undefined) writeTimestamp(bytes, pts, readTimestamp(bytes, pts) + ticks90k);
  if (dts !== undefined) writeTimestamp(bytes, dts, readTimestamp(bytes, dts) + ticks90k);
  return true;
}

/** A null packet: PID 0x1FFF, payload only, filled with 0xFF. */
export function nullPacket(): Uint8Array {
  const packet = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  packet.set([SYNC_BYTE, 0x1f, 0xff, 0x10]);
  return packet;
}

// --- CRC-32/MPEG-2 (PSI sections) ----------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial 0xFFFFFFFF, not reflected, no final xor)
 * of `bytes[start, end)`. Over a whole PSI section, its CRC_32 field included, it is 0.
 */
export function crc32Mpeg2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!;
  return crc >>> 0;
}
