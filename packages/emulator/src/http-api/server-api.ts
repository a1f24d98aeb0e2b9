import { randomBytes } from 'node:crypto';
import {
  encodeApiAccessTokenResponse,
  encodeContentIdResponse,
  encodeMediaFilesResponse,
  encodeSearchResponse,
  encodeServiceError,
  engineServiceError,
  type MediaFile,
  type SearchGroup,
  type ServiceEnvelopeJson,
} from '@ace-rx/codec/http';
import { contentType, fileSize, type Catalogue, type Content } from '../catalogue.js';

/**
 * The `/server/api` methods open clients call beside `get_status`, and `/search` (Ace
 * Search), answered from the catalogue. Bodies are written by `@ace-rx/codec/http`'s
 * encoders, in the shapes of the engine's docs (docs:api-reference.md, docs:search.md).
 */
export interface ServerApi {
  /** The answer to `/server/api?method=<method>&…`, or undefined for a method it does not know (the caller answers `unknown method`). */
  method(method: string, query: URLSearchParams): ServiceEnvelopeJson<unknown> | undefined;
  /** The answer to `/search?query=&page=&page_size=`. */
  search(query: URLSearchParams): ServiceEnvelopeJson<unknown>;
  /** The token `get_api_access_token` gives (the same for the emulator's life). */
  readonly token: string;
}

/** The emulator's own error text for a content it cannot find (a real engine's is not captured). */
export const SERVER_API_NOT_FOUND = 'content not found';

const HEX40 = /^[0-9a-fA-F]{40}$/;

/** How a content is named in answers that need one name: its only file's name without extension, else its player id, else its infohash. */
export function contentName(content: Content): string {
  if (content.files.length === 1) {
    const name = content.files[0]!.name;
    const dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(0, dot) : name;
  }
  return content.playerId ?? content.infohash;
}

/** The `/server/api` and `/search` handlers over a catalogue. */
export function createServerApi(catalogue: Catalogue): ServerApi {
  const token = randomBytes(32).toString('hex');
  const notFound = () => encodeServiceError(engineServiceError(SERVER_API_NOT_FOUND, 0));

  /** The content `content_id`, `infohash`, `url` or `magnet` names, in that order, as the start selectors are read. */
  const find = (query: URLSearchParams): Content | undefined => {
    const all = catalogue.all();
    const id = query.get('content_id');
    if (id !== null) return all.find((c) => c.playerId === id || catalogue.contentId(c) === id);
    const infohash = query.get('infohash');
    if (infohash !== null) return HEX40.test(infohash) ? catalogue.byHash(infohash) : undefined;
    const url = query.get('url');
    if (url !== null) return all.find((c) => c.torrentUrl === url || c.directUrl === url);
    const hash = /xt=urn:btih:([0-9a-fA-F]{40})/.exec(query.get('magnet') ?? '')?.[1];
    return hash === undefined ? undefined : catalogue.byHash(hash);
  };

  const mediaFiles = (query: URLSearchParams) => {
    const content = find(query);
    if (content === undefined) return notFound();
    const full = query.get('mode') === 'full';
    const files: MediaFile[] = content.files.map((file, index) => ({
      index,
      filename: file.name,
      ...(full ? { mime: contentType(file.name), size: content.live === true ? 0 : fileSize(file) } : {}),
    }));
    // api_version=3 gets the docs' object; without it the index → name map older clients read.
    if (query.get('api_version') !== '3') return encodeMediaFilesResponse({ form: 'map', files });
    return encodeMediaFilesResponse({
      form: 'list',
      files,
      name: contentName(content),
      infohash: content.infohash,
      transportType: 'bt',
      type: content.live === true ? 'live' : 'vod',
      extra: { transport_file_cache_key: null },
    });
  };

  const contentId = (query: URLSearchParams) => {
    const infohash = query.get('infohash');
    const url = query.get('url');
    const content =
      infohash !== null
        ? HEX40.test(infohash)
          ? catalogue.byHash(infohash)
          : undefined
        : url !== null
          ? catalogue.all().find((c) => c.torrentUrl === url || c.directUrl === url)
          : undefined;
    return content === undefined ? notFound() : encodeContentIdResponse({ contentId: catalogue.contentId(content) });
  };

  return {
    token,
    method(method, query) {
      switch (method) {
        case 'get_api_access_token':
          return encodeApiAccessTokenResponse({ token });
        case 'get_media_files':
          return mediaFiles(query);
        case 'get_content_id':
          return contentId(query);
        default:
          return undefined;
      }
    },
    search(query) {
      const started = performance.now();
      const words = (query.get('query') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const category = query.get('category');
      const matches = catalogue.all().filter((content) => {
        const text = [content.playerId ?? '', contentName(content), ...content.files.map((f) => f.name)].join(' ').toLowerCase();
        const categories = content.live === true ? ['tv'] : ['movies'];
        return words.every((word) => text.includes(word)) && (category === null || categories.includes(category));
      });
      const page = Math.max(0, Math.floor(Number(query.get('page') ?? 0)) || 0);
      const size = Math.min(200, Math.max(1, Math.floor(Number(query.get('page_size') ?? 10)) || 10));
      const now = Math.floor(Date.now() / 1000);
      const results = matches.slice(page * size, (page + 1) * size).map(
        (content): SearchGroup => ({
          name: contentName(content),
          items: [
            {
              infohash: content.infohash,
              name: contentName(content),
              // A content that fails is "yellow": no guarantee it works.
              status: content.error === undefined ? 2 : 1,
              availability: content.error === undefined ? 1 : 0.1,
              availabilityUpdatedAt: now,
              categories: content.live === true ? ['tv'] : ['movies'],
            },
          ],
        }),
      );
      return encodeSearchResponse({ total: matches.length, results, time: Math.round(performance.now() - started) / 1000 });
    },
  };
}
