import { describe, expect, it } from '@jest/globals';
import { Catalogue, contentType, DEFAULT_CATALOGUE, generatedBytes, isVideo, loadResponse, mergeFaults, seedOf } from '@ace-rx/emulator';

describe('the catalogue', () => {
  it('generates the same bytes for any range, so ranges can be checked without the file', () => {
    const seed = seedOf('x');
    const whole = generatedBytes(seed, 0, 5000);
    expect(Buffer.compare(generatedBytes(seed, 1234, 4321), whole.subarray(1234, 4321))).toBe(0);
    expect(seedOf('x')).toBe(seed);
    expect(Buffer.compare(generatedBytes(seedOf('y'), 0, 64), whole.subarray(0, 64))).not.toBe(0);
  });

  it('finds contents every way clients name them, and refuses a bad infohash', () => {
    const catalogue = new Catalogue(DEFAULT_CATALOGUE);
    const seedContent = DEFAULT_CATALOGUE[0]!;
    expect(catalogue.find({ type: 'TORRENT', url: seedContent.torrentUrl!, developerId: 0, affiliateId: 0, zoneId: 0 })).toBe(seedContent);
    expect(catalogue.find({ type: 'PID', playerId: 'series' })?.playerId).toBe('series');
    expect(catalogue.byHash(seedContent.infohash.toUpperCase())).toBe(seedContent);
    expect(catalogue.find({ type: 'EFILE', url: 'x' })).toBeUndefined();
    expect(() => catalogue.add({ infohash: 'nope', files: [{ name: 'a' }] })).toThrow(TypeError);
    expect(() => catalogue.add({ infohash: 'f'.repeat(40), files: [] })).toThrow(TypeError);
  });

  it('types files by extension and counts videos for LOADRESP', () => {
    expect(contentType('a.mkv')).toBe('video/x-matroska');
    expect(contentType('a.constructor')).toBe('application/octet-stream');
    expect(isVideo('a.MP4')).toBe(true);
    expect(isVideo('a.txt')).toBe(false);
    expect(loadResponse({ infohash: 'a'.repeat(40), files: [{ name: 'a.mp4' }, { name: 'b.mkv' }] }).status).toBe(2);
  });

  it('merges faults, the later winning', () => {
    expect(mergeFaults({ chunkBytes: 2, syncDelayMs: 5 }, { syncDelayMs: 9 })).toEqual({ chunkBytes: 2, syncDelayMs: 9 });
    expect(mergeFaults(undefined, undefined)).toEqual({});
  });
});
