// Hand-built MPEG-TS for the scanner's tests, written from ISO/IEC 13818-1 without the
// code under test (its CRC is bitwise, not the codec's table), so the builder is an
// oracle of its own. Runtime-neutral: the browser suite uses it too.

/** Bitwise CRC-32/MPEG-2. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

/** Concatenates byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface PacketSpec {
  pid: number;
  start?: boolean;
  cc?: number;
  /** random_access_indicator. */
  rai?: boolean;
  /** A PCR (27 MHz) in the adaptation field. */
  pcr?: number;
  /** Force an adaptation field even when the payload fills the packet. */
  adaptation?: boolean;
  /** Set the transport_error_indicator. */
  error?: boolean;
  /** No payload at all (adaptation_field_control 10). */
  noPayload?: boolean;
  /** Padding after a short payload: 'adaptation' (stuffing in the adaptation field, as PES does) or 'ff' (after the payload, as PSI does). */
  pad?: 'adaptation' | 'ff';
}

/** One 188-byte packet with `payload` (at most what fits), padded as `spec.pad` says (default: stuffing). */
export function packet(spec: PacketSpec, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(188);
  out[0] = 0x47;
  out[1] = (spec.error ? 0x80 : 0) | (spec.start ? 0x40 : 0) | ((spec.pid >> 8) & 0x1f);
  out[2] = spec.pid & 0xff;
  const af: number[] = [];
  let flags = 0;
  if (spec.rai) flags |= 0x40;
  if (spec.pcr !== undefined) flags |= 0x10;
  const needAf = spec.adaptation || spec.rai || spec.pcr !== undefined || spec.noPayload;
  if (needAf) {
    af.push(flags);
    if (spec.pcr !== undefined) {
      const base = Math.floor(spec.pcr / 300);
      const ext = spec.pcr % 300;
      af.push(Math.floor(base / 2 ** 25) & 0xff, Math.floor(base / 2 ** 17) & 0xff, Math.floor(base / 2 ** 9) & 0xff, Math.floor(base / 2) & 0xff, ((base & 1) << 7) | 0x7e | (ext >> 8), ext & 0xff);
    }
  }
  const pad = spec.pad ?? 'adaptation';
  if (spec.noPayload) {
    out[3] = 0x20 | ((spec.cc ?? 0) & 0x0f);
    out[4] = 183;
    out.set(af, 5);
    out.fill(0xff, 5 + af.length);
    return out;
  }
  // Header 4, adaptation field (length byte + body) if any.
  let afBody = af.length;
  let room = 184 - (needAf ? 1 + afBody : 0);
  if (payload.length > room) throw new Error(`payload of ${payload.length} bytes does not fit (${room})`);
  if (payload.length < room && pad === 'adaptation') {
    if (!needAf) {
      // An adaptation field of length 0 takes 1 byte; more takes a flags byte then stuffing.
      const gap = room - payload.length;
      out[3] = 0x30 | ((spec.cc ?? 0) & 0x0f);
      out[4] = gap - 1;
      if (gap > 1) {
        out[5] = 0;
        out.fill(0xff, 6, 5 + gap - 1);
      }
      out.set(payload, 4 + gap);
      return out;
    }
    afBody += room - payload.length;
    room = payload.length;
  }
  out[3] = (needAf ? 0x30 : 0x10) | ((spec.cc ?? 0) & 0x0f);
  let at = 4;
  if (needAf) {
    out[4] = afBody;
    out.set(af, 5);
    out.fill(0xff, 5 + af.length, 5 + afBody);
    at = 5 + afBody;
  }
  out.set(payload, at);
  out.fill(0xff, at + payload.length);
  return out;
}

/** A long-form PSI section with its CRC: table id, id field (tsid / program), version, body. */
export function section(tableId: number, idField: number, version: number, body: readonly number[], current = true): Uint8Array {
  const length = 5 + body.length + 4;
  const head = [tableId, 0xb0 | ((length >> 8) & 0x0f), length & 0xff, idField >> 8, idField & 0xff, 0xc0 | ((version & 0x1f) << 1) | (current ? 1 : 0), 0, 0];
  const bytes = new Uint8Array([...head, ...body, 0, 0, 0, 0]);
  const crc = crc32(bytes.subarray(0, bytes.length - 4));
  bytes.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], bytes.length - 4);
  return bytes;
}

/** A PAT section: programs as [program_number, pmt_pid]. */
export function patSection(programs: readonly [number, number][], version = 0, tsid = 1): Uint8Array {
  return section(0x00, tsid, version, programs.flatMap(([program, pid]) => [program >> 8, program & 0xff, 0xe0 | (pid >> 8), pid & 0xff]));
}

/** A PMT section: streams as [stream_type, pid, descriptor bytes?]. */
export function pmtSection(program: number, pcrPid: number, streams: readonly [number, number, number[]?][], version = 0, programInfo: number[] = []): Uint8Array {
  const body = [0xe0 | (pcrPid >> 8), pcrPid & 0xff, 0xf0 | (programInfo.length >> 8), programInfo.length & 0xff, ...programInfo];
  for (const [type, pid, descriptors = []] of streams) body.push(type, 0xe0 | (pid >> 8), pid & 0xff, 0xf0 | (descriptors.length >> 8), descriptors.length & 0xff, ...descriptors);
  return section(0x02, program, version, body);
}

/** A PSI packet: pointer_field, then `before` (the tail of an earlier section), then the sections, 0xFF after. */
export function psiPacket(pid: number, sections: readonly Uint8Array[], cc = 0, before: readonly number[] = []): Uint8Array {
  return packet({ pid, start: true, cc, pad: 'ff' }, concat(new Uint8Array([before.length, ...before]), ...sections));
}

/** The 5 bytes of a PTS or DTS with prefix `prefix` (0x2 PTS only, 0x3 PTS with DTS, 0x1 DTS). */
function timestamp(prefix: number, t: number): number[] {
  return [(prefix << 4) | ((Math.floor(t / 2 ** 30) & 7) << 1) | 1, Math.floor(t / 2 ** 22) & 0xff, ((Math.floor(t / 2 ** 15) & 0x7f) << 1) | 1, Math.floor(t / 2 ** 7) & 0xff, ((t & 0x7f) << 1) | 1];
}

/** A PES packet of video stream 0xE0 around `payload`, with a PTS and maybe a DTS and extra header stuffing. */
export function pes(payload: Uint8Array, pts?: number, dts?: number, headerStuffing = 0): Uint8Array {
  const optional: number[] = [];
  let flags = 0;
  if (pts !== undefined) {
    flags = dts !== undefined ? 0xc0 : 0x80;
    optional.push(...timestamp(dts !== undefined ? 3 : 2, pts));
    if (dts !== undefined) optional.push(...timestamp(1, dts));
  }
  for (let k = 0; k < headerStuffing; k++) optional.push(0xff);
  return concat(new Uint8Array([0, 0, 1, 0xe0, 0, 0, 0x80, flags, optional.length, ...optional]), payload);
}

export interface PesPacketsOptions {
  cc?: number;
  rai?: boolean;
  pcr?: number;
  /** Bytes of PES in the first packet (the rest of it is adaptation stuffing); default as many as fit. */
  firstBytes?: number;
}

/** Cuts a PES into packets of `pid`: the first with payload_unit_start (and RAI / PCR), stuffing in the last. */
export function pesPackets(pid: number, bytes: Uint8Array, options: PesPacketsOptions = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cc = options.cc ?? 0;
  const hasAf = options.rai || options.pcr !== undefined;
  const firstRoom = 184 - (hasAf ? 2 + (options.pcr !== undefined ? 6 : 0) : 0);
  const first = Math.min(options.firstBytes ?? firstRoom, firstRoom, bytes.length);
  const spec: PacketSpec = { pid, start: true, cc: cc++ };
  if (options.rai) spec.rai = true;
  if (options.pcr !== undefined) spec.pcr = options.pcr;
  out.push(packet(spec, bytes.subarray(0, first)));
  for (let at = first; at < bytes.length; at += 184) out.push(packet({ pid, cc: cc++ }, bytes.subarray(at, Math.min(at + 184, bytes.length))));
  return out;
}

/** An Annex-B NAL unit: 4-byte start code, header byte(s), then `size` filler bytes with no start code in them. */
export function nal(header: readonly number[], size = 8, shortStartCode = false): Uint8Array {
  const filler = new Uint8Array(size).fill(0x5a);
  return concat(new Uint8Array(shortStartCode ? [0, 0, 1] : [0, 0, 0, 1]), new Uint8Array(header), filler);
}

/** H.264 NAL header byte of type `type`. */
export const h264 = (type: number): number[] => [0x60 | type];
/** H.265 NAL header (2 bytes) of type `type`. */
export const h265 = (type: number): number[] => [type << 1, 1];

export const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;

/** PAT then PMT (H.264 video on 0x100, AAC on 0x101) as two packets, or with another video stream_type. */
export function psi(videoType = 0x1b, version = 0, videoPid = VIDEO_PID, cc = 0): Uint8Array {
  return concat(
    psiPacket(0, [patSection([[1, PMT_PID]])], cc),
    psiPacket(PMT_PID, [pmtSection(1, videoPid, [[videoType, videoPid], [0x0f, AUDIO_PID]], version)], cc),
  );
}

/** An H.264 access unit's bytes: AUD, SPS, PPS, then a slice of type `slice` (5 IDR, 1 non-IDR). */
export function h264AccessUnit(slice: number, spsSize = 20, sliceSize = 300): Uint8Array {
  return concat(nal(h264(9), 1), nal(h264(7), spsSize), nal(h264(8), 4), nal(h264(slice), sliceSize));
}

/** Audio PES packets that carry bytes looking like an IDR (the scanner must not look there). */
export function audioPacket(cc = 0): Uint8Array {
  return packet({ pid: AUDIO_PID, start: true, cc }, pes(nal(h264(5), 100), 1000));
}
