import * as E from '../either.js';
import type * as t from 'io-ts';
import { decodeServiceText, decodeServiceValue, serviceEnvelopeType, writeService, type Part, type ServiceEnvelopeJson, type ServiceReply } from './envelope.js';
import type { ServiceFailure } from './errors.js';
import { extraOf, failAt, isObject, join, num, object, own, putExtra, readerType, str } from './read.js';

// The `/server/api` methods open clients call beside get_status, and the `/search`
// endpoint (Ace Search). Every shape is from the engine's own docs (docs.acestream.net,
// "API Reference" — docs:api-reference.md in the spec — and "Search", docs:search.md) or
// from an open client that reads it, as noted at each one. The bodies use the `/server`
// envelope: `{"result": …}` (the docs' samples carry no `error` key), or an error.

/** One body's reader, writer and io-ts codecs, and its text/value decoders and encoder. */
interface Reply<A, O> {
  readonly codec: t.Type<A, O, unknown>;
  readonly envelope: t.Type<ServiceReply<A>, ServiceEnvelopeJson<O>, unknown>;
  readonly decode: (body: string) => E.Either<ServiceFailure, A>;
  readonly decodeValue: (value: unknown) => E.Either<ServiceFailure, A>;
  readonly encode: (value: A) => ServiceEnvelopeJson<O>;
}

function reply<A, O>(part: Part<A, O>): Reply<A, O> {
  return {
    codec: readerType(part.name, part.is, (u) => part.read(u, ''), part.write),
    envelope: serviceEnvelopeType(part, false),
    decode: (body) => decodeServiceText(body, part.read),
    decodeValue: (value) => decodeServiceValue(value, part.read),
    encode: (value) => writeService(E.right(value), part.write, false),
  };
}

const nonNegativeInteger = (u: unknown, path: string): number => {
  const n = num(u, path);
  if (!Number.isSafeInteger(n) || n < 0) return failAt(path, 'a non-negative integer');
  return n;
};

// --- get_api_access_token ---------------------------------------------------------------

/**
 * `get_api_access_token`'s result: the token private methods take as `token=`
 * (docs:api-reference.md: `{"result": {"token": "3c3a67a7…99"}}`; an Android client,
 * org.acestream.livechannels ChannelsAPI, reads `result.token`).
 */
export interface ApiAccessToken {
  /** `token`. */
  readonly token: string;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link ApiAccessToken} on the wire. */
export interface ApiAccessTokenJson {
  readonly token: string;
  readonly [key: string]: unknown;
}

const TOKEN_KNOWN = new Set(['token']);
const tokenPart: Part<ApiAccessToken, ApiAccessTokenJson> = {
  name: 'ApiAccessToken',
  is: (u): u is ApiAccessToken => isObject(u) && typeof u['token'] === 'string',
  read: (u, path) => {
    const o = object(u, path);
    const out: Record<string, unknown> = { token: str(own(o, 'token'), join(path, 'token')) };
    const extra = extraOf(o, TOKEN_KNOWN);
    if (extra) out['extra'] = extra;
    return out as unknown as ApiAccessToken;
  },
  write: (v) => {
    const json: Record<string, unknown> = { token: v.token };
    putExtra(json, v.extra);
    return json as ApiAccessTokenJson;
  },
};
const tokenReply = reply(tokenPart);

/** io-ts codec between `get_api_access_token`'s `result` and {@link ApiAccessToken}. */
export const ApiAccessTokenCodec: t.Type<ApiAccessToken, ApiAccessTokenJson, unknown> = tokenReply.codec;
/** io-ts codec of the whole `get_api_access_token` body ⇄ {@link ServiceReply} of {@link ApiAccessToken}. */
export const ApiAccessTokenEnvelopeCodec: t.Type<ServiceReply<ApiAccessToken>, ServiceEnvelopeJson<ApiAccessTokenJson>, unknown> = tokenReply.envelope;
/** Decodes a `get_api_access_token` body (JSON text, JSONP accepted). Never throws. */
export const decodeApiAccessTokenResponse: (body: string) => E.Either<ServiceFailure, ApiAccessToken> = tokenReply.decode;
/** {@link decodeApiAccessTokenResponse} for a body already parsed from JSON. Never throws. */
export const decodeApiAccessTokenResponseValue: (value: unknown) => E.Either<ServiceFailure, ApiAccessToken> = tokenReply.decodeValue;
/** The `get_api_access_token` body the engine sends: `{"result": {"token": "…"}}`. */
export const encodeApiAccessTokenResponse: (token: ApiAccessToken) => ServiceEnvelopeJson<ApiAccessTokenJson> = tokenReply.encode;

// --- get_content_id ---------------------------------------------------------------------

/**
 * `get_content_id`'s result: the content id (what `content_id=` / `acestream://` take) of
 * an infohash or a transport file URL (docs:api-reference.md: `{"result": {"content_id":
 * "d8c669b572574be7ebcb921e35b4caab695ee36b"}}`).
 */
export interface ContentIdResult {
  /** `content_id`. */
  readonly contentId: string;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link ContentIdResult} on the wire. */
export interface ContentIdResultJson {
  readonly content_id: string;
  readonly [key: string]: unknown;
}

const CONTENT_ID_KNOWN = new Set(['content_id']);
const contentIdPart: Part<ContentIdResult, ContentIdResultJson> = {
  name: 'ContentIdResult',
  is: (u): u is ContentIdResult => isObject(u) && typeof u['contentId'] === 'string',
  read: (u, path) => {
    const o = object(u, path);
    const out: Record<string, unknown> = { contentId: str(own(o, 'content_id'), join(path, 'content_id')) };
    const extra = extraOf(o, CONTENT_ID_KNOWN);
    if (extra) out['extra'] = extra;
    return out as unknown as ContentIdResult;
  },
  write: (v) => {
    const json: Record<string, unknown> = { content_id: v.contentId };
    putExtra(json, v.extra);
    return json as ContentIdResultJson;
  },
};
const contentIdReply = reply(contentIdPart);

/** io-ts codec between `get_content_id`'s `result` and {@link ContentIdResult}. */
export const ContentIdResultCodec: t.Type<ContentIdResult, ContentIdResultJson, unknown> = contentIdReply.codec;
/** io-ts codec of the whole `get_content_id` body ⇄ {@link ServiceReply} of {@link ContentIdResult}. */
export const ContentIdEnvelopeCodec: t.Type<ServiceReply<ContentIdResult>, ServiceEnvelopeJson<ContentIdResultJson>, unknown> = contentIdReply.envelope;
/** Decodes a `get_content_id` body (JSON text, JSONP accepted). Never throws. */
export const decodeContentIdResponse: (body: string) => E.Either<ServiceFailure, ContentIdResult> = contentIdReply.decode;
/** {@link decodeContentIdResponse} for a body already parsed from JSON. Never throws. */
export const decodeContentIdResponseValue: (value: unknown) => E.Either<ServiceFailure, ContentIdResult> = contentIdReply.decodeValue;
/** The `get_content_id` body the engine sends: `{"result": {"content_id": "…"}}`. */
export const encodeContentIdResponse: (result: ContentIdResult) => ServiceEnvelopeJson<ContentIdResultJson> = contentIdReply.encode;

// --- get_media_files --------------------------------------------------------------------

/** One file of a {@link MediaFiles} answer. */
export interface MediaFile {
  /** `index`: the file index `_idx=` / START take. */
  readonly index: number;
  /** `filename` (the docs: "makes sense for VOD files only"; a live content gives its name). */
  readonly filename: string;
  /** `mime`, when sent. */
  readonly mime?: string;
  /** `size` in bytes, when sent. */
  readonly size?: number;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * `get_media_files`'s result, in the form it came:
 *
 * - `list` (`api_version=3`, docs:api-reference.md): `{"files": [{"index": 0, "filename":
 *   "Promo Channel"}], "name": "Promo Channel", "infohash": "0a48…", "transport_type":
 *   "bt", "type": "live", "transport_file_cache_key": null}`;
 * - `map` (no `api_version`, what older clients call): the index → file map, `{"0":
 *   "Сериал S01E01.mkv", "1": …}`, a file name per index (open Windows clients strip it
 *   to names), or an object per index with `mode=full` (org.acestream.livechannels
 *   ChannelsAPI reads `Map<String, MediaFile>`).
 */
export interface MediaFiles {
  /** Which of the two forms the body had (and {@link encodeMediaFilesResponse} writes). */
  readonly form: 'list' | 'map';
  /** The files, in index order as sent. */
  readonly files: readonly MediaFile[];
  /** `name` of the content (`list` form). */
  readonly name?: string;
  /** `infohash` (`list` form). */
  readonly infohash?: string;
  /** `type`: `live` or `vod` (`list` form). */
  readonly type?: string;
  /** `transport_type`: `bt`, `hls`, `wrapper` (`list` form). */
  readonly transportType?: string;
  /** Keys not typed above, as sent (`list` form). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link MediaFiles} on the wire: the `list` object, or the `map` of index → name (or object). */
export type MediaFilesJson = { readonly files: readonly Record<string, unknown>[]; readonly [key: string]: unknown } | Readonly<Record<string, unknown>>;

const FILE_KNOWN = new Set(['index', 'filename', 'mime', 'size']);
const LIST_KNOWN = new Set(['files', 'name', 'infohash', 'type', 'transport_type']);

function readFile(u: unknown, path: string, index?: number): MediaFile {
  if (index !== undefined && typeof u === 'string') return { index, filename: u };
  const o = object(u, path);
  const out: Record<string, unknown> = {
    index: index ?? nonNegativeInteger(own(o, 'index'), join(path, 'index')),
    filename: str(own(o, 'filename'), join(path, 'filename')),
  };
  const mime = own(o, 'mime');
  if (mime !== undefined && mime !== null) out['mime'] = str(mime, join(path, 'mime'));
  const size = own(o, 'size');
  if (size !== undefined && size !== null) out['size'] = num(size, join(path, 'size'));
  const extra = extraOf(o, FILE_KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as MediaFile;
}

function writeFile(f: MediaFile, withIndex: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = withIndex ? { index: f.index, filename: f.filename } : { filename: f.filename };
  if (f.mime !== undefined) json['mime'] = f.mime;
  if (f.size !== undefined) json['size'] = f.size;
  putExtra(json, f.extra);
  return json;
}

function readMediaFiles(u: unknown, path: string): MediaFiles {
  const o = object(u, path);
  const list = own(o, 'files');
  if (list === undefined) {
    // The map form: every key an index.
    const files = Object.keys(o).map((key) => {
      if (!/^(0|[1-9]\d{0,8})$/.test(key)) return failAt(join(path, key), 'a file index (the map form) or "files" (the list form)');
      return readFile(own(o, key), join(path, key), Number(key));
    });
    return { form: 'map', files };
  }
  if (!Array.isArray(list)) return failAt(join(path, 'files'), 'an array of files');
  const out: Record<string, unknown> = { form: 'list', files: list.map((f: unknown, i) => readFile(f, `${join(path, 'files')}[${i}]`)) };
  for (const [wire, name] of [
    ['name', 'name'],
    ['infohash', 'infohash'],
    ['type', 'type'],
    ['transport_type', 'transportType'],
  ] as const) {
    const value = own(o, wire);
    if (value !== undefined && value !== null) out[name] = str(value, join(path, wire));
  }
  const extra = extraOf(o, LIST_KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as MediaFiles;
}

function writeMediaFiles(v: MediaFiles): MediaFilesJson {
  if (v.form === 'map') {
    const json: Record<string, unknown> = {};
    for (const f of v.files) json[String(f.index)] = f.mime === undefined && f.size === undefined && f.extra === undefined ? f.filename : writeFile(f, false);
    return json;
  }
  const json: Record<string, unknown> = { files: v.files.map((f) => writeFile(f, true)) };
  if (v.name !== undefined) json['name'] = v.name;
  if (v.infohash !== undefined) json['infohash'] = v.infohash;
  if (v.type !== undefined) json['type'] = v.type;
  if (v.transportType !== undefined) json['transport_type'] = v.transportType;
  putExtra(json, v.extra);
  return json as MediaFilesJson;
}

const mediaFilesPart: Part<MediaFiles, MediaFilesJson> = {
  name: 'MediaFiles',
  is: (u): u is MediaFiles => isObject(u) && (u['form'] === 'list' || u['form'] === 'map') && Array.isArray(u['files']),
  read: readMediaFiles,
  write: writeMediaFiles,
};
const mediaFilesReply = reply(mediaFilesPart);

/** io-ts codec between `get_media_files`'s `result` (either form) and {@link MediaFiles}. */
export const MediaFilesCodec: t.Type<MediaFiles, MediaFilesJson, unknown> = mediaFilesReply.codec;
/** io-ts codec of the whole `get_media_files` body ⇄ {@link ServiceReply} of {@link MediaFiles}. */
export const MediaFilesEnvelopeCodec: t.Type<ServiceReply<MediaFiles>, ServiceEnvelopeJson<MediaFilesJson>, unknown> = mediaFilesReply.envelope;
/**
 * Decodes a `get_media_files` body (JSON text, JSONP accepted), either form. Never throws.
 *
 * @example
 * ```ts
 * decodeMediaFilesResponse('{"result": {"0": "a.mkv", "1": "b.mkv"}}')
 * // Right({ form: 'map', files: [{ index: 0, filename: 'a.mkv' }, { index: 1, filename: 'b.mkv' }] })
 * ```
 */
export const decodeMediaFilesResponse: (body: string) => E.Either<ServiceFailure, MediaFiles> = mediaFilesReply.decode;
/** {@link decodeMediaFilesResponse} for a body already parsed from JSON. Never throws. */
export const decodeMediaFilesResponseValue: (value: unknown) => E.Either<ServiceFailure, MediaFiles> = mediaFilesReply.decodeValue;
/** The `get_media_files` body the engine sends, in the value's `form`. */
export const encodeMediaFilesResponse: (files: MediaFiles) => ServiceEnvelopeJson<MediaFilesJson> = mediaFilesReply.encode;

// --- /search ----------------------------------------------------------------------------

/** One content found by `/search`: an infohash (not a content id) and what Ace Search knows of it. */
export interface SearchItem {
  /** `infohash`: start it with `infohash=`. */
  readonly infohash: string;
  /** `name`. */
  readonly name: string;
  /** `status`: 2 available ("green"), 1 no guarantee ("yellow"). */
  readonly status?: number;
  /** `availability`, 0.0 to 1.0. */
  readonly availability?: number;
  /** `availability_updated_at`, Unix seconds. */
  readonly availabilityUpdatedAt?: number;
  /** `categories`, e.g. `["tv"]`. */
  readonly categories?: readonly string[];
  /** Keys not typed above (`languages`, `countries`, `channel_id`, …), as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A group of `/search` results: one channel name and its items (and icons, kept in `extra`). */
export interface SearchGroup {
  /** `name`. */
  readonly name: string;
  /** `items`. */
  readonly items: readonly SearchItem[];
  /** Keys not typed above (`icons`), as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * `/search?query=`'s result (docs:search.md: `{"result": {"total": 2, "results": [{"items":
 * [{"infohash": "396f…", "name": "YTN SCIENCE", "status": 2, "availability": 1, …}],
 * "name": "YTN SCIENCE", "icons": […]}], "time": 0.2466}}`).
 */
export interface SearchResult {
  /** `total`: groups found. */
  readonly total: number;
  /** `results`: the groups of this page. */
  readonly results: readonly SearchGroup[];
  /** `time`: seconds the search took. */
  readonly time: number;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link SearchResult} on the wire. */
export interface SearchResultJson {
  readonly total: number;
  readonly results: readonly Record<string, unknown>[];
  readonly time: number;
  readonly [key: string]: unknown;
}

const ITEM_KNOWN = new Set(['infohash', 'name', 'status', 'availability', 'availability_updated_at', 'categories']);
const GROUP_KNOWN = new Set(['name', 'items']);
const SEARCH_KNOWN = new Set(['total', 'results', 'time']);

function array(u: unknown, path: string): unknown[] {
  return Array.isArray(u) ? u : failAt(path, 'an array');
}

function readItem(u: unknown, path: string): SearchItem {
  const o = object(u, path);
  const out: Record<string, unknown> = { infohash: str(own(o, 'infohash'), join(path, 'infohash')), name: str(own(o, 'name'), join(path, 'name')) };
  for (const [wire, name] of [
    ['status', 'status'],
    ['availability', 'availability'],
    ['availability_updated_at', 'availabilityUpdatedAt'],
  ] as const) {
    const value = own(o, wire);
    if (value !== undefined && value !== null) out[name] = num(value, join(path, wire));
  }
  const categories = own(o, 'categories');
  if (categories !== undefined && categories !== null) out['categories'] = array(categories, join(path, 'categories')).map((c, i) => str(c, `${join(path, 'categories')}[${i}]`));
  const extra = extraOf(o, ITEM_KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as SearchItem;
}

function writeItem(v: SearchItem): Record<string, unknown> {
  const json: Record<string, unknown> = { infohash: v.infohash, name: v.name };
  if (v.status !== undefined) json['status'] = v.status;
  if (v.availability !== undefined) json['availability'] = v.availability;
  if (v.availabilityUpdatedAt !== undefined) json['availability_updated_at'] = v.availabilityUpdatedAt;
  if (v.categories !== undefined) json['categories'] = [...v.categories];
  putExtra(json, v.extra);
  return json;
}

function readSearch(u: unknown, path: string): SearchResult {
  const o = object(u, path);
  const groups = array(own(o, 'results'), join(path, 'results')).map((g, i): SearchGroup => {
    const at = `${join(path, 'results')}[${i}]`;
    const go = object(g, at);
    const group: Record<string, unknown> = {
      name: str(own(go, 'name'), join(at, 'name')),
      items: array(own(go, 'items'), join(at, 'items')).map((item, j) => readItem(item, `${join(at, 'items')}[${j}]`)),
    };
    const extra = extraOf(go, GROUP_KNOWN);
    if (extra) group['extra'] = extra;
    return group as unknown as SearchGroup;
  });
  const out: Record<string, unknown> = { total: num(own(o, 'total'), join(path, 'total')), results: groups, time: num(own(o, 'time'), join(path, 'time')) };
  const extra = extraOf(o, SEARCH_KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as SearchResult;
}

function writeSearch(v: SearchResult): SearchResultJson {
  const json: Record<string, unknown> = {
    total: v.total,
    results: v.results.map((g) => {
      const group: Record<string, unknown> = { name: g.name, items: g.items.map(writeItem) };
      putExtra(group, g.extra);
      return group;
    }),
    time: v.time,
  };
  putExtra(json, v.extra);
  return json as SearchResultJson;
}

const searchPart: Part<SearchResult, SearchResultJson> = {
  name: 'SearchResult',
  is: (u): u is SearchResult => isObject(u) && typeof u['total'] === 'number' && Array.isArray(u['results']) && typeof u['time'] === 'number',
  read: readSearch,
  write: writeSearch,
};
const searchReply = reply(searchPart);

/** io-ts codec between `/search`'s `result` and {@link SearchResult}. */
export const SearchResultCodec: t.Type<SearchResult, SearchResultJson, unknown> = searchReply.codec;
/** io-ts codec of the whole `/search` body ⇄ {@link ServiceReply} of {@link SearchResult}. */
export const SearchEnvelopeCodec: t.Type<ServiceReply<SearchResult>, ServiceEnvelopeJson<SearchResultJson>, unknown> = searchReply.envelope;
/** Decodes a `/search` body (JSON text, JSONP accepted). Never throws. */
export const decodeSearchResponse: (body: string) => E.Either<ServiceFailure, SearchResult> = searchReply.decode;
/** {@link decodeSearchResponse} for a body already parsed from JSON. Never throws. */
export const decodeSearchResponseValue: (value: unknown) => E.Either<ServiceFailure, SearchResult> = searchReply.decodeValue;
/** The `/search` body the engine sends: `{"result": {"total", "results", "time"}}`. */
export const encodeSearchResponse: (result: SearchResult) => ServiceEnvelopeJson<SearchResultJson> = searchReply.encode;
