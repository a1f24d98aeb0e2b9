import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalogue, CatalogueError, contentType, DEFAULT_CATALOGUE, generatedBytes, isVideo, loadResponse, mergeFaults, parseCatalogue, seedOf } from '@ace-rx/emulator';

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

describe('parseCatalogue (catalogue files)', () => {
  const file = (contents: unknown) => ({ contents });
  const good = { infohash: 'A'.repeat(40), playerId: 'mine', files: [{ name: 'a.mp4', size: 10 }] };
  const fieldOf = (json: unknown) => {
    try {
      parseCatalogue(json);
    } catch (error) {
      if (error instanceof CatalogueError) return `${error.field}: ${error.reason}`;
      throw error;
    }
    return 'valid';
  };

  it('reads the documented example file, and the bare array too', () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'examples', 'catalogue.json'), 'utf8'));
    const contents = parseCatalogue(example);
    expect(contents.map((c) => c.playerId)).toEqual(['my-film', 'my-channel', 'dead']);
    expect(contents[1]).toMatchObject({ live: true, ads: [{ skippable: true }] });
    expect(new Catalogue(contents).find({ type: 'PID', playerId: 'dead' })?.error).toEqual({ id: 2, message: 'No seeds available' });
    expect(parseCatalogue([good])).toEqual([{ ...good, infohash: 'a'.repeat(40) }]); // lower-cased
  });

  it.each([
    [[], 'contents: must be a non-empty array of contents'],
    [{ content: [] }, 'file.content: is not a known field (known: contents)'],
    [file([{ ...good, infohash: 'xyz' }]), 'contents[0].infohash: must be 40 hex digits, got "xyz"'],
    [file([{ playerId: 'x', files: [{ name: 'a' }] }]), 'contents[0].infohash: is missing'],
    [file([{ ...good, files: [] }]), 'contents[0].files: must be a non-empty array of files'],
    [file([good, { ...good, files: [{ name: 'b', size: -1 }] }]), 'contents[1].files[0].size: must be a non-negative integer (bytes), got -1'],
    [file([{ ...good, files: [{ size: 3 }] }]), 'contents[0].files[0].name: is missing'],
    [file([{ ...good, files: [{ name: 'a', path: '/nonexistent/ace-rx/clip.mp4' }] }]), 'contents[0].files[0].path: is not a readable file: /nonexistent/ace-rx/clip.mp4'],
    [file([{ ...good, live: 'yes' }]), 'contents[0].live: must be true or false, got "yes"'],
    [file([{ ...good, ads: [{ skipable: true }] }]), 'contents[0].ads[0].skipable: is not a known field (known: skippable, size)'],
    [file([{ ...good, error: { id: 1 } }]), 'contents[0].error.message: is missing'],
    [file([{ ...good, faults: { closeAfterLines: 'x' } }]), 'contents[0].faults.closeAfterLines: must be a non-negative integer, got "x"'],
    [file([{ ...good, playerID: 'typo' }]), expect.stringMatching(/^contents\[0\]\.playerID: is not a known field/)],
    [file([good, good]), `contents[1].infohash: repeats ${'a'.repeat(40)}`],
  ])('names the bad field of %j', (json, message) => {
    expect(fieldOf(json)).toEqual(message);
  });
});
