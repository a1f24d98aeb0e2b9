// The MPEG-TS scanner on hand-built packets (mpegts-builders.ts): each way a key frame
// can be shown or hidden, PSI quirks, sync loss, and the packet-level readers.
import { describe, expect, it } from '@jest/globals';
import {
  crc32Mpeg2,
  isRandomAccess,
  nullPacket,
  parsePat,
  parsePmt,
  readHeader,
  readPcr,
  readTimestamps,
  sectionEnd,
  setContinuity,
  shiftClocks,
  shiftTimestamps,
  streamKindOf,
  TsScanner,
  videoCodecOf,
  writePcr,
  type KeyFrame,
  type PmtEvent,
  type TsScannerOptions,
} from '@ace-rx/codec/mpegts';
import {
  AUDIO_PID,
  audioPacket,
  concat,
  h264,
  h264AccessUnit,
  h265,
  nal,
  packet,
  patSection,
  pes,
  pesPackets,
  pmtSection,
  psi,
  psiPacket,
  PMT_PID,
  section,
  VIDEO_PID,
} from './mpegts-builders.js';

interface Run {
  keys: KeyFrame[];
  pmts: PmtEvent[];
  scanner: TsScanner;
}

/** Scans `bytes` pushed in one chunk (or in the given chunk size), then flushes. */
function scan(bytes: Uint8Array, chunk = bytes.length, options: TsScannerOptions = {}): Run {
  const keys: KeyFrame[] = [];
  const pmts: PmtEvent[] = [];
  const scanner = new TsScanner({ ...options, onKeyFrame: (k) => keys.push(k), onPmt: (p) => pmts.push(p) });
  for (let at = 0; at < bytes.length; at += Math.max(1, chunk)) scanner.push(bytes.subarray(at, at + Math.max(1, chunk)));
  scanner.flush();
  return { keys, pmts, scanner };
}

const brief = (keys: readonly KeyFrame[]) => keys.map((k) => ({ offset: k.offset, by: k.by, pts: k.pts }));

describe('TsScanner: PAT and PMT', () => {
  it('reads the PAT and PMT, keeps copies of their packets and follows the first video stream', () => {
    const bytes = concat(psi(), audioPacket());
    const { scanner, pmts } = scan(bytes);
    expect(scanner.aligned).toBe(true);
    expect(scanner.pmtPid).toBe(PMT_PID);
    expect(scanner.videoPid).toBe(VIDEO_PID);
    expect(scanner.videoCodec).toBe('h264');
    expect(scanner.pat).toEqual(bytes.subarray(0, 188));
    expect(scanner.pmt).toEqual(bytes.subarray(188, 376));
    expect(scanner.pat!.buffer).not.toBe(bytes.buffer);
    expect(scanner.patOffset).toBe(0);
    expect(scanner.pmtOffset).toBe(188);
    expect(scanner.pmtInfo?.streams).toEqual([
      { pid: VIDEO_PID, streamType: 0x1b, kind: 'video' },
      { pid: AUDIO_PID, streamType: 0x0f, kind: 'audio' },
    ]);
    expect(pmts).toHaveLength(1);
    expect(scanner.stats).toMatchObject({ packets: 3, pats: 1, pmts: 1, keyFrames: 0 });
  });

  it('honours pointer_field: the tail of an earlier section before the PAT, and a PMT after another table in the same packet', () => {
    const other = section(0x42, 1, 0, [1, 2, 3]); // an SDT-like table on the PMT PID, before the PMT
    const bytes = concat(
      psiPacket(0, [patSection([[1, PMT_PID]])], 0, [0x11, 0x22, 0x00, 0x02, 0xb0]),
      psiPacket(PMT_PID, [other, pmtSection(1, VIDEO_PID, [[0x24, VIDEO_PID]])], 0, [0xab]),
      nullPacket(), // sync needs a third packet
    );
    const { scanner } = scan(bytes);
    expect(scanner.pmtPid).toBe(PMT_PID);
    expect(scanner.videoPid).toBe(VIDEO_PID);
    expect(scanner.videoCodec).toBe('h265');
  });

  it('takes the first program of the PAT, skipping the network PID entry (program 0)', () => {
    const bytes = concat(psiPacket(0, [patSection([[0, 0x10], [7, 0x1234], [8, 0x1300]])]), psiPacket(0x1234, [pmtSection(7, 0x200, [[0x02, 0x200]])]), nullPacket());
    const { scanner } = scan(bytes);
    expect(scanner.pmtPid).toBe(0x1234);
    expect(scanner.patInfo?.programs).toEqual([{ program: 7, pmtPid: 0x1234 }, { program: 8, pmtPid: 0x1300 }]);
    expect(scanner.videoCodec).toBe('mpeg2');
  });

  it('drops a section with a bad CRC or that is not current, and skips one that spans packets until a whole one comes', () => {
    const good = patSection([[1, PMT_PID]]);
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    const notCurrent = section(0x00, 1, 0, [0, 1, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff], false);
    // A PMT with 60 streams: 12 + 60·5 + 4 bytes, more than a packet.
    const streams = Array.from({ length: 60 }, (_, k) => [0x0f, 0x300 + k] as [number, number]);
    const long = pmtSection(1, VIDEO_PID, [[0x1b, VIDEO_PID], ...streams]);
    const bytes = concat(
      psiPacket(0, [bad]),
      psiPacket(0, [notCurrent], 1),
      psiPacket(0, [good], 2),
      packet({ pid: PMT_PID, start: true, pad: 'ff' }, concat(new Uint8Array([0]), long.subarray(0, 183))),
      packet({ pid: PMT_PID, cc: 1, pad: 'ff' }, long.subarray(183)),
    );
    const first = scan(bytes);
    expect(first.scanner.stats).toMatchObject({ badSections: 2, longSections: 1, pats: 1, pmts: 0 });
    expect(first.scanner.videoPid).toBeUndefined();
    const then = scan(concat(bytes, psi()));
    expect(then.scanner.videoPid).toBe(VIDEO_PID);
  });

  it('a new PMT version with another video PID: onPmt fires and key frames are read on the new PID', () => {
    const au = h264AccessUnit(5);
    const bytes = concat(
      psi(0x1b, 0, VIDEO_PID),
      ...pesPackets(VIDEO_PID, pes(au, 9000), { rai: true }),
      psi(0x1b, 0, VIDEO_PID, 1), // a repeat: no event
      psiPacket(PMT_PID, [pmtSection(1, 0x300, [[0x24, 0x300]], 1)], 2),
      ...pesPackets(VIDEO_PID, pes(au, 18000), { rai: true, cc: 5 }), // old PID: ignored now
      ...pesPackets(0x300, pes(concat(nal(h265(35), 3), nal(h265(19), 200)), 27000)),
    );
    const { keys, pmts, scanner } = scan(bytes);
    expect(pmts.map((p) => [p.info.version, p.info.videoPid, p.info.videoCodec])).toEqual([
      [0, VIDEO_PID, 'h264'],
      [1, 0x300, 'h265'],
    ]);
    expect(keys.map((k) => [k.pid, k.codec, k.pts, k.by])).toEqual([
      [VIDEO_PID, 'h264', 9000, 'both'],
      [0x300, 'h265', 27000, 'idr'],
    ]);
    expect(scanner.videoPid).toBe(0x300);
    expect(scanner.stats.pmts).toBe(3);
  });

  it('a PAT naming another PMT PID: the old PMT and video PID are dropped until the new PMT comes', () => {
    const pats: number[] = [];
    const bytes = concat(psi(), psiPacket(0, [patSection([[2, 0x1100]], 1)], 1), nullPacket());
    const scanner = new TsScanner({ onPat: (p) => pats.push(p.info.version) });
    scanner.push(bytes);
    expect(pats).toEqual([0, 1]);
    expect(scanner.pmtPid).toBe(0x1100);
    expect([scanner.pmt, scanner.pmtOffset, scanner.pmtInfo, scanner.videoPid, scanner.videoCodec]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    scanner.push(psiPacket(0x1100, [pmtSection(2, 0x400, [[0x1b, 0x400]])]));
    scanner.push(nullPacket());
    expect([scanner.videoPid, scanner.pmtOffset]).toEqual([0x400, bytes.length]);
  });

  it('a repeated PAT/PMT keeps the earlier copy and moves the offset; a key frame carries the PAT/PMT before its PES', () => {
    const first = psi();
    const bytes = concat(first, ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1)), psi(0x1b, 0, VIDEO_PID, 1));
    const { scanner, keys } = scan(bytes);
    expect(scanner.patOffset).toBe(bytes.length - 376);
    expect(scanner.pat).toEqual(first.subarray(0, 188));
    expect(keys[0]).toMatchObject({ patOffset: 0, pmtOffset: 188 });
    expect(keys[0]!.pat).toBe(scanner.pat);
  });
});

describe('TsScanner: key frames', () => {
  const start = psi();

  it('IDR with the random_access_indicator: by both, offset of the PES start, PTS and DTS', () => {
    const video = pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 900_000, 896_400), { rai: true, pcr: 27_000_000 });
    const bytes = concat(start, audioPacket(), ...video);
    const { keys, scanner } = scan(bytes);
    expect(keys).toEqual([expect.objectContaining({ offset: 3 * 188, pid: VIDEO_PID, codec: 'h264', pts: 900_000, dts: 896_400, by: 'both' })]);
    expect(scanner.pcr).toEqual({ value: 27_000_000, offset: 3 * 188 });
    expect(scanner.pts).toEqual({ value: 900_000, offset: 3 * 188 });
    expect(scanner.lastKeyFrame).toBe(keys[0]);
  });

  it('IDR without the flag: by idr; a non-IDR slice: none; a non-IDR slice with the flag: by rai', () => {
    const bytes = concat(
      start,
      ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1000), { cc: 0 }),
      ...pesPackets(VIDEO_PID, pes(concat(nal(h264(9), 1), nal(h264(1), 300)), 4600), { cc: 2 }),
      ...pesPackets(VIDEO_PID, pes(concat(nal(h264(9), 1), nal(h264(1), 300)), 8200), { cc: 4, rai: true }),
    );
    expect(brief(scan(bytes).keys)).toEqual([
      { offset: 376, by: 'idr', pts: 1000 },
      { offset: 376 + 4 * 188, by: 'rai', pts: 8200 },
    ]);
  });

  it('an IDR NAL in an audio PES is not a key frame', () => {
    expect(scan(concat(start, audioPacket(0), audioPacket(1))).keys).toEqual([]);
  });

  it('SPS/PPS fill the first packet, the IDR comes in the second: found, at the first packet, once the second is read', () => {
    const au = concat(nal(h264(9), 1), nal(h264(7), 120), nal(h264(8), 40), nal(h264(5), 300));
    const video = pesPackets(VIDEO_PID, pes(au, 5000));
    expect(pes(au, 5000).indexOf(0x65)).toBeGreaterThan(184);
    const keys: KeyFrame[] = [];
    const scanner = new TsScanner({ onKeyFrame: (k) => keys.push(k) });
    scanner.push(concat(start, video[0]!));
    expect(keys).toEqual([]);
    scanner.push(video[1]!);
    expect(brief(keys)).toEqual([{ offset: 376, by: 'idr', pts: 5000 }]);
  });

  it.each([
    ['00 | 00 00 01 65', 1],
    ['00 00 | 00 01 65', 2],
    ['00 00 00 | 01 65', 3],
    ['00 00 00 01 | 65', 4],
  ])('a start code split across two packets (%s)', (_name, cut) => {
    // The first packet ends `cut` bytes into the IDR's 4-byte start code.
    const head = concat(nal(h264(9), 1), nal(h264(7), 20));
    const header = pes(new Uint8Array(0), 3000);
    const fill = 184 - header.length - head.length - cut;
    const sei = nal(h264(6), fill - 5); // 4-byte start code + header + filler = fill
    const au = concat(head, sei, nal(h264(5), 300));
    const video = pesPackets(VIDEO_PID, concat(header, au));
    const first = video[0]!;
    expect([...first.subarray(188 - cut)]).toEqual([0, 0, 0, 1, 0x65].slice(0, cut));
    expect(brief(scan(concat(start, ...video)).keys)).toEqual([{ offset: 376, by: 'idr', pts: 3000 }]);
  });

  it('a short (3-byte) start code counts too', () => {
    const au = concat(nal(h264(9), 1, true), nal(h264(5), 100, true));
    expect(brief(scan(concat(start, ...pesPackets(VIDEO_PID, pes(au, 1)))).keys)).toEqual([{ offset: 376, by: 'idr', pts: 1 }]);
  });

  it('adaptation-only packets (no payload, a PCR) between the packets of a PES do not break the look-ahead', () => {
    const au = concat(nal(h264(9), 1), nal(h264(7), 200), nal(h264(5), 300));
    const [a, b, ...rest] = pesPackets(VIDEO_PID, pes(au, 7000));
    const onlyAf = packet({ pid: VIDEO_PID, noPayload: true, cc: 0, pcr: 600 });
    const { keys, scanner } = scan(concat(start, a!, onlyAf, b!, ...rest));
    expect(brief(keys)).toEqual([{ offset: 376, by: 'idr', pts: 7000 }]);
    expect(scanner.stats.continuityErrors).toBe(0);
    expect(scanner.pcr).toEqual({ value: 600, offset: 564 });
  });

  it('a PES header cut by a large adaptation field in the first packet', () => {
    const video = pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 123_456, 120_000, 20), { firstBytes: 12 });
    expect(brief(scan(concat(start, ...video)).keys)).toEqual([{ offset: 376, by: 'idr', pts: 123_456 }]);
  });

  it('the look-ahead is bounded: an IDR after 5000 bytes of SEI is not looked for; the flag alone decides', () => {
    const au = concat(nal(h264(9), 1), nal(h264(6), 5000), nal(h264(5), 300));
    const withFlag = scan(concat(start, ...pesPackets(VIDEO_PID, pes(au, 1), { rai: true })));
    expect(brief(withFlag.keys)).toEqual([{ offset: 376, by: 'rai', pts: 1 }]);
    expect(scan(concat(start, ...pesPackets(VIDEO_PID, pes(au, 1)))).keys).toEqual([]);
    // A larger look-ahead finds it.
    expect(brief(scan(concat(start, ...pesPackets(VIDEO_PID, pes(au, 1))), undefined, { nalLookahead: 8192 }).keys)).toEqual([{ offset: 376, by: 'idr', pts: 1 }]);
  });

  it('a lost packet (continuity jump) in the look-ahead: decided on the flag alone', () => {
    const au = concat(nal(h264(9), 1), nal(h264(7), 200), nal(h264(5), 300));
    const [a, , c] = pesPackets(VIDEO_PID, pes(au, 1), { rai: false });
    const { keys, scanner } = scan(concat(start, a!, c!));
    expect(keys).toEqual([]);
    expect(scanner.stats.continuityErrors).toBe(1);
    // A duplicate packet (same counter) is skipped, not a jump.
    const [e, f, g] = pesPackets(VIDEO_PID, pes(au, 1));
    const repeated = scan(concat(start, e!, f!, f!, g!));
    expect(brief(repeated.keys)).toEqual([{ offset: 376, by: 'idr', pts: 1 }]);
    expect(repeated.scanner.stats.continuityErrors).toBe(0);
  });

  it('flush decides a PES whose slice has not come: a flagged one is a key frame', () => {
    const au = concat(nal(h264(9), 1), nal(h264(7), 200), nal(h264(5), 300));
    const [a] = pesPackets(VIDEO_PID, pes(au, 42), { rai: true });
    const keys: KeyFrame[] = [];
    const scanner = new TsScanner({ onKeyFrame: (k) => keys.push(k) });
    scanner.push(concat(start, a!));
    expect(keys).toEqual([]);
    scanner.flush();
    expect(brief(keys)).toEqual([{ offset: 376, by: 'rai', pts: 42 }]);
  });

  it('H.265: IDR_W_RADL, IDR_N_LP, CRA are key pictures after VPS/SPS/PPS; TRAIL_R is not', () => {
    const vps = concat(nal(h265(35), 2), nal(h265(32), 20), nal(h265(33), 40), nal(h265(34), 8));
    const frames = [19, 20, 21, 1].map((type, k) => pesPackets(VIDEO_PID, pes(concat(vps, nal(h265(type), 300)), k * 3600), { cc: k * 3 }));
    const { keys } = scan(concat(psi(0x24), ...frames.flat()));
    expect(keys.map((k) => [k.codec, k.pts, k.by])).toEqual([
      ['h265', 0, 'idr'],
      ['h265', 3600, 'idr'],
      ['h265', 7200, 'idr'],
    ]);
  });

  it('MPEG-2 video: a sequence header before the picture is a key frame, a bare picture is not', () => {
    const sequence = new Uint8Array([0, 0, 1, 0xb3, 0x14, 0x00, 0xf0, 0x13, 0, 0, 1, 0xb8, 0, 8, 0, 0, 0, 0, 1, 0x00, 0x00, 0x0f]);
    const picture = new Uint8Array([0, 0, 1, 0x00, 0x00, 0x17, 0xff, 0xf8]);
    const bytes = concat(psi(0x02), ...pesPackets(VIDEO_PID, pes(sequence, 100)), ...pesPackets(VIDEO_PID, pes(picture, 200), { cc: 1 }));
    expect(scan(bytes).keys.map((k) => [k.codec, k.pts, k.by])).toEqual([['mpeg2', 100, 'idr']]);
  });

  it('a damaged packet (transport_error_indicator) is not read', () => {
    const video = pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1));
    const damaged = video[0]!.slice();
    damaged[1]! |= 0x80;
    const { keys, scanner } = scan(concat(start, damaged, ...video.slice(1)));
    expect(keys).toEqual([]);
    expect(scanner.stats.transportErrors).toBe(1);
  });
});

describe('TsScanner: sync', () => {
  const stream = concat(psi(), ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 1), { rai: true }), audioPacket(), ...pesPackets(VIDEO_PID, pes(h264AccessUnit(5), 2), { cc: 3 }));
  const expected = brief(scan(stream).keys);

  it('finds sync after garbage (a stray 0x47 in it too) and counts the skipped bytes', () => {
    const garbage = new Uint8Array(300).fill(0x11);
    garbage[17] = 0x47;
    garbage[17 + 188] = 0x47;
    for (const chunk of [1, 7, 188, 1000, 100_000]) {
      const { keys, scanner } = scan(concat(garbage, stream), chunk);
      expect(brief(keys)).toEqual(expected.map((k) => ({ ...k, offset: k.offset + 300 })));
      expect(scanner.stats).toMatchObject({ skippedBytes: 300, syncLosses: 0, resyncs: 0, packets: stream.length / 188 });
      expect(scanner.aligned).toBe(true);
    }
  });

  it('starts mid-packet: the cut packet is skipped', () => {
    const cut = stream.subarray(100);
    const { keys, scanner } = scan(cut);
    expect(scanner.stats.skippedBytes).toBe(88);
    // The PAT was cut: no program known, no key frames until the next PAT/PMT.
    expect(keys).toEqual([]);
    const again = scan(concat(cut, stream));
    expect(brief(again.keys)).toEqual(expected.map((k) => ({ ...k, offset: k.offset + cut.length })));
  });

  it('loses sync mid-stream, counts it, finds it again and keeps absolute offsets', () => {
    const junk = new Uint8Array([1, 2, 3, 4, 5]);
    for (const chunk of [1, 50, 188, 4096]) {
      const { keys, scanner } = scan(concat(stream, junk, stream), chunk);
      expect(brief(keys)).toEqual([...expected, ...expected.map((k) => ({ ...k, offset: k.offset + stream.length + junk.length }))]);
      expect(scanner.stats).toMatchObject({ syncLosses: 1, resyncs: 1, skippedBytes: 5, packets: (2 * stream.length) / 188 });
    }
  });

  it('a sync loss inside the look-ahead of a PES: decided on what is known', () => {
    const au = concat(nal(h264(9), 1), nal(h264(7), 200), nal(h264(5), 300));
    const [a, ...rest] = pesPackets(VIDEO_PID, pes(au, 1), { rai: true });
    const { keys, scanner } = scan(concat(psi(), a!, new Uint8Array(3), ...rest, audioPacket()));
    expect(brief(keys)).toEqual([{ offset: 376, by: 'rai', pts: 1 }]);
    expect(scanner.aligned).toBe(true);
  });

  it('holds at most a partial packet and the sync window between pushes', () => {
    const scanner = new TsScanner();
    scanner.push(stream.subarray(0, 1000));
    expect(scanner.bufferedBytes).toBe(1000 % 188);
    const fresh = new TsScanner();
    fresh.push(new Uint8Array([0x47, 1, 2]));
    expect(fresh.aligned).toBe(false);
    expect(fresh.bufferedBytes).toBe(3);
  });

  it('a throwing callback: the scanner stays consistent, later callbacks still run, the first error comes out of push', () => {
    let calls = 0;
    const scanner = new TsScanner({
      onKeyFrame: () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
    });
    expect(() => scanner.push(stream)).toThrow('boom 1');
    expect(calls).toBe(2);
    expect(scanner.stats.bytes).toBe(stream.length);
    expect(() => scanner.push(stream)).toThrow('boom 3');
    expect(scanner.stats).toMatchObject({ keyFrames: 4, packets: (2 * stream.length) / 188 });
  });

  it('ignores what is not bytes', () => {
    const scanner = new TsScanner({ nalLookahead: -5 });
    scanner.push(undefined as unknown as Uint8Array);
    scanner.push('x' as unknown as Uint8Array);
    expect(scanner.stats.bytes).toBe(0);
  });
});

describe('packet-level readers and writers', () => {
  const base = packet({ pid: VIDEO_PID, start: true, rai: true, pcr: 27_000_000 * 10 + 7 }, pes(nal(h264(5), 10), 90_000 * 5, 90_000 * 4));

  it('read the header, RAI, PCR and timestamps', () => {
    expect(readHeader(base)).toMatchObject({ pid: VIDEO_PID, payloadUnitStart: true, transportError: false, hasPayload: true, hasAdaptation: true, continuity: 0 });
    expect(isRandomAccess(base)).toBe(true);
    expect(readPcr(base)).toBe(27_000_000 * 10 + 7);
    expect(readTimestamps(base)).toEqual({ pts: 450_000, dts: 360_000 });
  });

  it('answer undefined, false or {} where there is no packet, and never throw', () => {
    for (const [bytes, at] of [
      [new Uint8Array(10), 0],
      [base, 1],
      [base, -1],
      [base, 0.5],
      [base, 188],
      [concat(base.subarray(0, 4), new Uint8Array([200]), new Uint8Array(183)), 0],
    ] as const) {
      expect(readHeader(bytes, at)).toBeUndefined();
      expect(isRandomAccess(bytes, at)).toBe(false);
      expect(readPcr(bytes, at)).toBeUndefined();
      expect(readTimestamps(bytes, at)).toEqual({});
      const copy = bytes.slice();
      expect(writePcr(copy, at, 1)).toBe(false);
      expect(shiftClocks(copy, at, 1)).toBe(false);
      expect(shiftTimestamps(copy, at, 1)).toBe(false);
      expect(setContinuity(copy, at, 1)).toBe(false);
      expect(copy).toEqual(bytes);
    }
  });

  it('write the PCR, shift every clock modulo 2^33, set the counter', () => {
    const p = base.slice();
    expect(shiftClocks(p, 0, 2 ** 33 - 90_000)).toBe(true);
    expect(readTimestamps(p)).toEqual({ pts: 360_000, dts: 270_000 });
    expect(readPcr(p)).toBe(27_000_000 * 10 + 7 - 90_000 * 300);
    expect(writePcr(p, 0, 300 * 1234 + 5)).toBe(true);
    expect(readPcr(p)).toBe(300 * 1234 + 5);
    expect(setContinuity(p, 0, 9)).toBe(true);
    expect(readHeader(p)?.continuity).toBe(9);
    expect(readHeader(nullPacket())).toMatchObject({ pid: 0x1fff, hasPayload: true });
  });

  it('CRC-32/MPEG-2 check value and PSI parsing', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
    const pat = patSection([[1, 0x1000]], 3, 9);
    expect(crc32Mpeg2(pat)).toBe(0);
    expect(sectionEnd(pat, 0, pat.length)).toBe(pat.length);
    expect(sectionEnd(pat, 0, pat.length - 1)).toBe(-1);
    expect(parsePat(pat, 0, pat.length)).toEqual({ transportStreamId: 9, version: 3, programs: [{ program: 1, pmtPid: 0x1000 }] });
    expect(parsePmt(pat, 0, pat.length)).toBeUndefined();
    const pmt = pmtSection(1, 0x100, [[0x1b, 0x100, [0x0a, 4, 0x65, 0x6e, 0x67, 0]], [0x81, 0x102]], 5, [0x05, 0]);
    expect(parsePmt(pmt, 0, pmt.length)).toEqual({
      program: 1,
      version: 5,
      pcrPid: 0x100,
      streams: [
        { pid: 0x100, streamType: 0x1b, kind: 'video' },
        { pid: 0x102, streamType: 0x81, kind: 'audio' },
      ],
      videoPid: 0x100,
      videoCodec: 'h264',
    });
    expect([0x1b, 0x24, 0x02, 0x01, 0x0f].map(videoCodecOf)).toEqual(['h264', 'h265', 'mpeg2', 'mpeg2', undefined]);
    expect([0x0f, 0x03, 0x04, 0x81, 0x06].map(streamKindOf)).toEqual(['audio', 'audio', 'audio', 'audio', 'other']);
  });
});
