// Where a new engine session's bytes join the ring, on hand-built MPEG-TS: held until the
// first key frame, let in after its PAT and PMT, packets continuing a PES begun before
// dropped, and a bound when no key frame comes.
import { describe, expect, it } from '@jest/globals';
import { readHeader } from '@ace-rx/codec/mpegts';
import { SpliceAligner } from '../src/ts/splice.js';
import { AUDIO_PID, concat, h264AccessUnit, packet, pes, pesPackets, psi, VIDEO_PID } from '../../codec/test/mpegts-builders.js';

/** The PID and start flag of every packet of `bytes`. */
const packets = (bytes: Uint8Array) => Array.from({ length: bytes.length / 188 }, (_, i) => readHeader(bytes, i * 188)!).map((h) => `${h.pid}${h.payloadUnitStart ? '+' : ''}`);

const audioTail = () => packet({ pid: AUDIO_PID, cc: 3 }, new Uint8Array(184).fill(0xaa)); // continues an audio PES begun before
const audioStart = () => packet({ pid: AUDIO_PID, start: true, cc: 4 }, pes(new Uint8Array(100).fill(0xbb), 9000));
const frame = (slice: number, rai = false) => concat(...pesPackets(VIDEO_PID, pes(h264AccessUnit(slice), 3000), { rai }));

describe('SpliceAligner', () => {
  it('holds the bytes until the first key frame, then lets them in from it after its PAT and PMT, without the packets continuing a PES begun before', () => {
    const aligner = new SpliceAligner(1 << 20);
    const before = concat(audioTail(), frame(1), psi());
    const from = concat(frame(5, true), audioTail(), audioStart(), frame(1));
    const whole = concat(before, from);
    const out: Uint8Array[] = [];
    // Cut anywhere: one byte, then 1000-byte chunks.
    out.push(...aligner.push(whole.subarray(0, 1)));
    for (let at = 1; at < whole.length; at += 1000) out.push(...aligner.push(whole.subarray(at, Math.min(at + 1000, whole.length))));
    expect(aligner.startedOn).toBe('key-frame');
    const bytes = concat(...out);
    const got = packets(bytes);
    expect(got.slice(0, 3)).toEqual(['0+', '4096+', `${VIDEO_PID}+`]);
    // The audio packet continuing a PES from before the key frame is gone; the audio PES that starts after it is there.
    expect(got.filter((p) => p.startsWith(String(AUDIO_PID)))).toEqual([`${AUDIO_PID}+`]);
    expect(bytes.length).toBe(2 * 188 + from.length - 188);
  });

  it('lets nothing in while it waits, and a bound of bytes without a key frame lets them in from a packet boundary', () => {
    const aligner = new SpliceAligner(4 * 188);
    expect(aligner.push(concat(new Uint8Array(5).fill(0xff), frame(1).subarray(0, 188)))).toEqual([]);
    expect(aligner.startedOn).toBeUndefined();
    expect(aligner.bytes).toBe(193);
    const out = aligner.push(concat(frame(1).subarray(188), frame(1), frame(1)));
    expect(aligner.startedOn).toBe('packet');
    const bytes = concat(...out);
    // From the first sync byte on, with the video packets that continue no PES of their own dropped until one starts.
    expect(bytes[0]).toBe(0x47);
    expect(packets(bytes.subarray(0, bytes.length - (bytes.length % 188)))[0]).toBe(`${VIDEO_PID}+`);
  });

  it('is done once enough bytes flowed, and passes every byte on from then', () => {
    const aligner = new SpliceAligner(1 << 20);
    aligner.push(concat(psi(), frame(5, true)));
    expect(aligner.done).toBe(false);
    const filler = concat(...Array.from({ length: 1500 }, (_, i) => packet({ pid: VIDEO_PID, start: i % 10 === 0, cc: i & 15 }, new Uint8Array(184))));
    aligner.push(filler);
    expect(aligner.done).toBe(true);
    const odd = new Uint8Array(100).fill(7);
    expect(aligner.push(odd)).toEqual([odd]);
  });
});
