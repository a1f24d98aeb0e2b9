import { afterEach, describe, expect, it } from '@jest/globals';
import {
  decodeApiAccessTokenResponse,
  decodeContentIdResponse,
  decodeGetStatusResponse,
  decodeMediaFilesResponse,
  decodeSearchResponse,
  decodeStartResponse,
} from '@ace-rx/codec/http';
import type { Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake } from './helpers.js';

// The /server/api methods open HTTP-API clients call (get_media_files for file names,
// get_api_access_token for their token, get_content_id), and /search, every answer read
// through the codec's decoders. Unknown methods keep the engine's "unknown method".

/** Either values as the codec's decoders return them (fp-ts shapes). */
const right = (value: unknown) => ({ _tag: 'Right', right: value });
const left = (value: unknown) => ({ _tag: 'Left', left: value });

let engine: Emulator | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const SERIES = '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b';
const LIVE = '5d41402abc4b2a76b9719d911017c592aabbccdd';
const SERIES_FILES = ['Сериал S01E01 — пилот.mkv', 'Сериал S01E02.mkv', 'read me.txt'];

async function base(): Promise<string> {
  engine = await fastEmulator();
  return `http://127.0.0.1:${engine.httpPort}`;
}
const text = async (url: string) => (await fetch(url)).text();

describe('/server/api', () => {
  it('get_media_files by infohash, content_id, url or magnet: the index → file name map', async () => {
    const b = await base();
    const expected = right({ form: 'map', files: SERIES_FILES.map((filename, index) => ({ index, filename })) });
    for (const selector of [
      `infohash=${SERIES}`,
      'content_id=series',
      `url=${encodeURIComponent('http://example.invalid/series.torrent')}`,
      `magnet=${encodeURIComponent(`magnet:?xt=urn:btih:${SERIES}`)}`,
    ]) {
      expect([selector, decodeMediaFilesResponse(await text(`${b}/server/api?method=get_media_files&${selector}`))]).toEqual([selector, expected]);
    }
  });

  it('get_media_files with api_version=3: the docs object, live or vod; mode=full adds mime and size', async () => {
    const b = await base();
    expect(decodeMediaFilesResponse(await text(`${b}/server/api?api_version=3&method=get_media_files&infohash=${LIVE}`))).toEqual(
      right({ form: 'list', files: [{ index: 0, filename: 'Live channel.ts' }], name: 'Live channel', infohash: LIVE, transportType: 'bt', type: 'live', extra: { transport_file_cache_key: null } }),
    );
    const full = decodeMediaFilesResponse(await text(`${b}/server/api?api_version=3&method=get_media_files&content_id=series&mode=full`));
    expect(full).toMatchObject(right({ form: 'list', type: 'vod', infohash: SERIES, name: 'series' }));
    if (full._tag === 'Right') expect(full.right.files[0]).toEqual({ index: 0, filename: SERIES_FILES[0], mime: 'video/x-matroska', size: 6 * 1024 * 1024 });
  });

  it('get_media_files of an unknown content is an error envelope', async () => {
    const b = await base();
    expect(decodeMediaFilesResponse(await text(`${b}/server/api?method=get_media_files&infohash=${'0'.repeat(40)}`))).toEqual(
      left({ _tag: 'EngineServiceError', message: 'content not found', code: 0 }),
    );
  });

  it('get_api_access_token gives one 64-hex token', async () => {
    const b = await base();
    const first = decodeApiAccessTokenResponse(await text(`${b}/server/api?api_version=3&method=get_api_access_token`));
    expect(first).toEqual(right({ token: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    expect(decodeApiAccessTokenResponse(await text(`${b}/server/api?method=get_api_access_token`))).toEqual(first);
  });

  it('get_content_id turns an infohash (or a torrent URL) into the content id GETCID answers and content_id= starts', async () => {
    const b = await base();
    const reply = decodeContentIdResponse(await text(`${b}/server/api?api_version=3&method=get_content_id&infohash=${SERIES}`));
    if (reply._tag === 'Left') throw new Error('get_content_id failed');
    const { contentId } = reply.right;
    expect(decodeContentIdResponse(await text(`${b}/server/api?method=get_content_id&url=${encodeURIComponent('http://example.invalid/series.torrent')}`))).toEqual(reply);
    // The TCP API's GETCID answers the same.
    const { client } = await handshake(engine!);
    try {
      client.send(`GETCID infohash=${SERIES} checksum=${SERIES} developer=0 affiliate=0 zone=0`);
      const sync = await client.until((m) => m.kind === 'SYNC');
      expect(sync[sync.length - 1]).toEqual({ kind: 'SYNC', payload: contentId });
    } finally {
      client.close();
    }
    // And the HTTP API starts it by that id.
    const started = decodeStartResponse(await text(`${b}/ace/getstream?content_id=${contentId}&format=json`));
    expect(started).toMatchObject(right({ infohash: SERIES }));
    expect(decodeContentIdResponse(await text(`${b}/server/api?method=get_content_id&infohash=${'1'.repeat(40)}`))).toMatchObject(left({ message: 'content not found' }));
  });

  it('get_status still answers, and an unknown method keeps "unknown method"', async () => {
    const b = await base();
    expect(decodeGetStatusResponse(await text(`${b}/server/api?api_version=3&method=get_status`))).toMatchObject(right({ playlistLoaded: true }));
    for (const method of ['dance', 'get_version', '']) {
      expect(JSON.parse(await text(`${b}/server/api?api_version=3&method=${method}`))).toEqual({ error: { message: 'unknown method', code: 0 } });
    }
  });
});

describe('/search (Ace Search)', () => {
  it('returns catalogue matches with infohashes in {result: {total, results, time}}', async () => {
    const b = await base();
    const found = decodeSearchResponse(await text(`${b}/search?query=${encodeURIComponent('сериал')}`));
    if (found._tag === 'Left') throw new Error('search failed');
    expect(found.right.total).toBe(1);
    expect(found.right.results).toEqual([
      { name: 'series', items: [{ infohash: SERIES, name: 'series', status: 2, availability: 1, availabilityUpdatedAt: expect.any(Number), categories: ['movies'] }] },
    ]);
    expect(Math.abs(found.right.results[0]!.items[0]!.availabilityUpdatedAt! - Date.now() / 1000)).toBeLessThan(5);
    expect(found.right.time).toBeGreaterThanOrEqual(0);
  });

  it('filters by category, pages with page and page_size, and finds nothing for a query nothing matches', async () => {
    const b = await base();
    const live = decodeSearchResponse(await text(`${b}/search?query=live&category=tv`));
    expect(live).toMatchObject(right({ total: 1, results: [{ items: [{ infohash: LIVE, categories: ['tv'] }] }] }));
    const all = decodeSearchResponse(await text(`${b}/search?query=&page_size=2&page=1`));
    expect(all).toMatchObject(right({ total: 6 }));
    if (all._tag === 'Right') expect(all.right.results).toHaveLength(2);
    expect(decodeSearchResponse(await text(`${b}/search?query=zzzz-nothing`))).toMatchObject(right({ total: 0, results: [] }));
    // The failing content is "yellow": no guarantee it plays.
    expect(decodeSearchResponse(await text(`${b}/search?query=broken`))).toMatchObject(right({ results: [{ items: [{ status: 1 }] }] }));
  });
});
