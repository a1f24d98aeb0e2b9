// The HLS segmenter on its own: cuts at key frames, numbering, discontinuities, the
// window, and the bytes of a segment, with key frames and chunks made by hand.
import { describe, expect, it } from '@jest/globals';
import type { KeyFrame } from '@ace-rx/codec/mpegts';
import { parse, types } from 'hls-parser';
import { Segmenter } from '../src/ts/segmenter.js';

const PAT = new Uint8Array(188).fill(1);
const PMT = new Uint8Array(188).fill(2);
const key = (offset: number, seconds: number): KeyFrame => ({ offset, pid: 256, codec: 'h264', pts: Math.round(seconds * 90_000), by: 'rai', pat: PAT, pmt: PMT });

/** A stream of `n` 1000-byte chunks, chunk i filled with i, a key frame at the start of every `every`-th, one second apart. */
function feed(segmenter: Segmenter, n: number, every: number, from = 0, seconds0 = 0): void {
  for (let i = from; i < from + n; i++) {
    segmenter.append(Buffer.alloc(1000, i & 0xff), i * 1000);
    if (i % every === 0) segmenter.keyFrame(key(i * 1000, seconds0 + (i - from) / every));
  }
}

describe('Segmenter', () => {
  it('cuts at the first key frame minSeconds in, each segment its PAT, PMT and exactly its bytes, numbers rising', () => {
    const s = new Segmenter({ minSeconds: 2, window: 3 });
    feed(s, 100, 10); // key frames every 10 chunks, a second apart: segments of 2 s = 20 chunks
    const listed = s.segments();
    expect(listed.map((x) => x.sequence)).toEqual([1, 2, 3]);
    for (const seg of listed) {
      expect(seg.duration).toBe(2);
      expect(seg.end - seg.start).toBe(20_000);
      const bytes = Buffer.concat(s.bytes(seg));
      expect(bytes.length).toBe(376 + 20_000);
      expect([...bytes.subarray(0, 376)]).toEqual([...PAT, ...PMT]);
      expect(bytes[376]).toBe((seg.start / 1000) & 0xff);
      expect(bytes[bytes.length - 1]).toBe((seg.end / 1000 - 1) & 0xff);
    }
    // Listed ones and two more are kept, older ones forgotten.
    expect(s.segment(0)).toBeDefined();
    const p = parse(s.playlist((x) => `/ace/hls/${x.sequence}.ts?id=a`)) as InstanceType<typeof types.MediaPlaylist>;
    expect(p.mediaSequenceBase).toBe(1);
    expect(p.targetDuration).toBe(2);
    expect(p.segments.map((x) => x.uri)).toEqual(['/ace/hls/1.ts?id=a', '/ace/hls/2.ts?id=a', '/ace/hls/3.ts?id=a']);
  });

  it('ends the open segment at a change of source and marks the next one a discontinuity, with its sequence', () => {
    const s = new Segmenter({ minSeconds: 2, window: 10 });
    feed(s, 45, 10); // segments [0,20) [20,40); open from 40
    s.discontinuity(45_000, Math.round(4.5 * 90_000));
    feed(s, 45, 10, 50, 100); // a new source whose clock starts at 100 s
    const listed = s.segments();
    const cut = listed.find((x) => x.start === 40_000)!;
    expect(cut.end).toBe(45_000);
    expect(cut.duration).toBeCloseTo(0.5);
    const after = listed.filter((x) => x.start >= 50_000);
    expect(after[0]!.discontinuity).toBe(true);
    expect(after.slice(1).every((x) => !x.discontinuity)).toBe(true);
    const p = parse(s.playlist((x) => `${x.sequence}.ts`)) as InstanceType<typeof types.MediaPlaylist>;
    expect(p.segments.filter((x) => x.discontinuity)).toHaveLength(1);
    expect(p.segments.map((x) => x.mediaSequenceNumber)).toEqual([0, 1, 2, 3, 4]);
  });

  it('goes on from a previous stream’s numbering, its first segment a discontinuity', () => {
    const s = new Segmenter({ numbering: { sequence: 41, discontinuities: 3 } });
    feed(s, 50, 10);
    const [first] = s.segments();
    expect(first).toMatchObject({ sequence: 41, discontinuity: true, discontinuitySequence: 4 });
    const p = parse(s.playlist((x) => `${x.sequence}.ts`)) as InstanceType<typeof types.MediaPlaylist>;
    expect(p.mediaSequenceBase).toBe(41);
    expect(p.discontinuitySequenceBase).toBe(3);
  });

  it('gives up an open segment past maxSegmentBytes (no key frame in sight), keeping memory bounded', () => {
    const s = new Segmenter({ minSeconds: 2, maxSegmentBytes: 50_000 });
    s.append(Buffer.alloc(1000), 0);
    s.keyFrame(key(0, 0));
    for (let i = 1; i < 200; i++) s.append(Buffer.alloc(1000), i * 1000);
    expect(s.segments()).toHaveLength(0);
    feed(s, 50, 10, 200, 50);
    expect(s.segments().length).toBeGreaterThan(0);
    expect(s.segments()[0]!.discontinuity).toBe(true);
  });
});
