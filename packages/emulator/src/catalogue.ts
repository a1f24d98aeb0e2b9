import { readFileSync, statSync } from 'node:fs';
import type { LoadResponse, LoadSource, StartSource } from '@ace-rx/codec';
import type { Faults } from './faults.js';
import { filmContainer, filmFile } from './media/vod.js';

/** One file of a content: its name and where its bytes come from. */
export interface ContentFile {
  /** File name as the torrent has it (spaces and non-ASCII allowed). */
  readonly name: string;
  /** Size in bytes of generated data (default 4 MiB). Ignored when `path` is set. */
  readonly size?: number;
  /** A real file on disk whose bytes are served instead of generated ones. */
  readonly path?: string;
  /**
   * A generated `.mp4` file with its index (`moov`) after the media data, as many
   * torrents' files are: a reader must fetch its end (a `Range`) before it can play.
   * Default false: `moov` first ("faststart").
   */
  readonly moovAtEnd?: boolean;
}

/** An ad the engine plays before the main video of a content. */
export interface AdSpec {
  /** May the viewer skip it (`PLAYADI` / `interruptable=1`)? */
  readonly skippable?: boolean;
  /** Size in bytes of the ad's generated video (default 256 KiB). */
  readonly size?: number;
}

/**
 * A content of the catalogue: how clients can name it (infohash, player id, torrent
 * URL, raw torrent, direct URL), its files, and how the engine behaves with it.
 */
export interface Content {
  /** 40 hex digits; also the key of the content in the catalogue. */
  readonly infohash: string;
  /** Player id (PID, `acestream://` content id) answered by GETPID and loadable with `PID`. */
  readonly playerId?: string;
  /** Torrent URL loadable with `TORRENT`. */
  readonly torrentUrl?: string;
  /** Base64 torrent data loadable with `RAW`. */
  readonly rawTorrent?: string;
  /** Direct URL startable with `START URL`. */
  readonly directUrl?: string;
  /** Content id answered by GETCID (default: derived from the infohash). */
  readonly contentId?: string;
  /** Checksum reported in LOADRESP (default: the infohash). */
  readonly checksum?: string;
  readonly files: readonly ContentFile[];
  /** A live stream: `stream=1`, periodic `EVENT livepos`, LIVESEEK honoured. */
  readonly live?: boolean;
  /** Ads played first; the main video comes after `PLAYBACK <ad_url> 100` for each. */
  readonly ads?: readonly AdSpec[];
  /** Buffering episodes during playback (`PAUSE`, `STATUS main:buf`, `RESUME`), default 0. */
  readonly bufferingEpisodes?: number;
  /** The content fails after START: `STATUS main:err;<id>;<message>`. */
  readonly error?: { readonly id: number; readonly message: string };
  /** Faults applied to a session while it plays this content. */
  readonly faults?: Faults;
}

const VIDEO = /\.(mp4|mkv|avi|ts|m2ts|mov|webm|flv|wmv|mpg|mpeg|m4v|m3u8)$/i;

/** Whether a file name looks like a video (what LOADRESP's status counts). */
export function isVideo(name: string): boolean {
  return VIDEO.test(name);
}

const MIME: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  ts: 'video/mp2t',
  m2ts: 'video/mp2t',
  mov: 'video/quicktime',
  webm: 'video/webm',
  flv: 'video/x-flv',
  m3u8: 'application/vnd.apple.mpegurl',
  txt: 'text/plain; charset=utf-8',
};

/** The Content-Type the HTTP server sends for a file name. */
export function contentType(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return Object.hasOwn(MIME, ext) ? MIME[ext]! : 'application/octet-stream';
}

const DEFAULT_FILE_SIZE = 4 * 1024 * 1024;

/** Size in bytes of a file's content. */
export function fileSize(file: ContentFile): number {
  return file.path === undefined ? (file.size ?? DEFAULT_FILE_SIZE) : statSync(file.path).size;
}

// Bound once: inside a vm context (jest runs tests in one) every lookup of the global
// `Math` goes through the context's interceptors, which made this loop ~60x slower.
const imul = Math.imul;

function mix32(x: number): number {
  x = imul(x ^ (x >>> 16), 0x7feb352d);
  x = imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit seed from a string, for generated file data. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Bytes `[start, end)` of the generated data for `seed`: deterministic and
 * random-access, so any range can be served and checked without storing the file.
 */
export function generatedBytes(seed: number, start: number, end: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start));
  for (let i = start; i < end; i++) out[i - start] = (mix32(seed + (i >>> 2)) >>> ((i & 3) << 3)) & 0xff;
  return out;
}

/**
 * Bytes `[start, end)` of a content file: read from disk (`path`), else generated. A
 * generated video file is real media in the container its name says: `.mp4` (`.m4v`,
 * `.mov`) and `.mkv` are the bundled 8 s film padded to the size (`moovAtEnd` puts an
 * MP4's index last), `.ts` (`.m2ts`) the looped test card; any other file is
 * deterministic pseudo-random bytes. Any range equals the same bytes of a whole read.
 */
export function fileBytes(content: Content, index: number, start = 0, end?: number): Uint8Array {
  const file = content.files[index];
  if (file === undefined) throw new RangeError(`content ${content.infohash} has no file ${index}`);
  const stop = Math.min(end ?? fileSize(file), fileSize(file));
  if (file.path !== undefined) return new Uint8Array(readFileSync(file.path).subarray(start, stop));
  const container = filmContainer(file.name, file.moovAtEnd === true);
  if (container !== undefined) return filmFile(container, fileSize(file)).bytes(start, stop);
  return generatedBytes(seedOf(`${content.infohash}/${index}`), start, stop);
}

/** The LOADRESP answer for a content. */
export function loadResponse(content: Content): LoadResponse {
  const videos = content.files.filter((f) => isVideo(f.name)).length;
  return {
    status: videos === 0 ? 0 : videos === 1 ? 1 : 2,
    infohash: content.infohash,
    checksum: content.checksum ?? content.infohash,
    files: content.files.map((file, index) => ({ name: file.name, index })),
  };
}

/** The contents an emulator knows, looked up the ways clients name them. */
export class Catalogue {
  private readonly byInfohash = new Map<string, Content>();

  constructor(contents: readonly Content[] = []) {
    for (const content of contents) this.add(content);
  }

  /** Adds (or replaces) a content. */
  add(content: Content): void {
    if (!/^[0-9a-f]{40}$/.test(content.infohash)) throw new TypeError(`infohash must be 40 lower-case hex digits: ${content.infohash}`);
    if (content.files.length === 0) throw new TypeError(`content ${content.infohash} has no files`);
    this.byInfohash.set(content.infohash, content);
  }

  /** Every content. */
  all(): Content[] {
    return [...this.byInfohash.values()];
  }

  /** The content with this infohash. */
  byHash(infohash: string): Content | undefined {
    return this.byInfohash.get(infohash.toLowerCase());
  }

  /** The content a LOAD/START source names, if any. */
  find(source: LoadSource | StartSource): Content | undefined {
    const match = (pick: (c: Content) => string | undefined, value: string) => this.all().find((c) => pick(c) === value);
    switch (source.type) {
      case 'INFOHASH':
        return this.byHash(source.infohash);
      case 'PID':
        return match((c) => c.playerId, source.playerId);
      case 'TORRENT':
        return match((c) => c.torrentUrl, source.url);
      case 'RAW':
        return match((c) => c.rawTorrent, source.data);
      case 'URL':
        return match((c) => c.directUrl, source.url);
      case 'EFILE':
        return undefined;
    }
  }

  /** The content id GETCID answers for a content. */
  contentId(content: Content): string {
    return content.contentId ?? seedOf(content.infohash).toString(16).padStart(8, '0') + content.infohash.slice(0, 32);
  }
}

const MiB = 1024 * 1024;

/** What a new emulator knows with no setup: every kind of content the protocol has. */
export const DEFAULT_CATALOGUE: readonly Content[] = [
  {
    // The seed's example session, verbatim.
    infohash: '4c78e1cf0df23b4f5a16a106829ebed710cb52e0',
    playerId: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    torrentUrl: 'http://rutor.org/download/67346',
    files: [{ name: 'Prey 2_ E3 2011 Official Trailer_2.mp4', size: 8 * MiB }],
    bufferingEpisodes: 1,
  },
  {
    infohash: '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b',
    playerId: 'series',
    torrentUrl: 'http://example.invalid/series.torrent',
    rawTorrent: 'ZDg6YW5ub3VuY2UzMjpodHRwOi8vdHJhY2tlci5leGFtcGxlL2Fubm91bmNlZQ==',
    files: [
      { name: 'Сериал S01E01 — пилот.mkv', size: 6 * MiB },
      { name: 'Сериал S01E02.mkv', size: 6 * MiB },
      { name: 'read me.txt', size: 2048 },
    ],
  },
  {
    infohash: '5d41402abc4b2a76b9719d911017c592aabbccdd',
    playerId: 'live',
    files: [{ name: 'Live channel.ts', size: 16 * MiB }],
    live: true,
  },
  {
    infohash: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
    playerId: 'with-ads',
    files: [{ name: 'Feature film.mp4', size: 8 * MiB, moovAtEnd: true }],
    ads: [{ skippable: false }, { skippable: true }],
  },
  {
    infohash: 'de9f2c7fd25e1b3afad3e85a0bd17d9b100db4b3',
    playerId: 'broken',
    files: [{ name: 'Broken.mp4', size: MiB }],
    error: { id: 2, message: 'Cannot start: no seeds available' },
  },
  {
    infohash: '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
    directUrl: 'http://example.invalid/files/direct%20video.mp4',
    files: [{ name: 'direct video.mp4', size: 2 * MiB }],
  },
];

/** A catalogue file that cannot be used: which field is wrong and why. */
export class CatalogueError extends Error {
  /** Tag, as on the codec's errors. */
  readonly _tag = 'CatalogueError';
  /** Tells it apart without `instanceof`. */
  readonly code = 'CATALOGUE_INVALID';
  override readonly name = 'CatalogueError';
  constructor(
    /** The field at fault, as a path from the file's top (`contents[0].files[1].size`), or `file`. */
    readonly field: string,
    /** What is wrong with it, e.g. `must be a non-negative integer`. */
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function only(value: Json, at: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new CatalogueError(`${at}.${key}`, `is not a known field (known: ${known.join(', ')})`);
}

function optional<T>(value: Json, key: string, at: string, check: (v: unknown) => boolean, what: string): T | undefined {
  if (!Object.hasOwn(value, key) || value[key] === undefined) return undefined;
  if (!check(value[key])) throw new CatalogueError(`${at}.${key}`, `must be ${what}, got ${JSON.stringify(value[key])}`);
  return value[key] as T;
}

const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isBoolean = (v: unknown) => typeof v === 'boolean';
const FAULT_KEYS = ['closeAfterLines', 'silentAfterLines', 'garbageEvery', 'chunkBytes', 'syncDelayMs', 'restartAfterLines'] as const;

function parseFile(value: unknown, at: string): ContentFile {
  if (!isObject(value)) throw new CatalogueError(at, 'must be an object with a "name"');
  only(value, at, ['name', 'size', 'path', 'moovAtEnd']);
  const name = optional<string>(value, 'name', at, isString, 'a non-empty string');
  if (name === undefined) throw new CatalogueError(`${at}.name`, 'is missing');
  const size = optional<number>(value, 'size', at, isCount, 'a non-negative integer (bytes)');
  const path = optional<string>(value, 'path', at, isString, 'a non-empty string (a file on disk)');
  if (path !== undefined) {
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new CatalogueError(`${at}.path`, `is not a readable file: ${path}`);
  }
  const moovAtEnd = optional<boolean>(value, 'moovAtEnd', at, isBoolean, 'true or false');
  return { name, ...(size === undefined ? {} : { size }), ...(path === undefined ? {} : { path }), ...(moovAtEnd === undefined ? {} : { moovAtEnd }) };
}

function parseContent(value: unknown, at: string): Content {
  if (!isObject(value)) throw new CatalogueError(at, 'must be an object with "infohash" and "files"');
  only(value, at, ['infohash', 'playerId', 'torrentUrl', 'rawTorrent', 'directUrl', 'contentId', 'checksum', 'files', 'live', 'ads', 'bufferingEpisodes', 'error', 'faults']);
  const infohash = optional<string>(value, 'infohash', at, (v) => typeof v === 'string' && /^[0-9a-fA-F]{40}$/.test(v), '40 hex digits');
  if (infohash === undefined) throw new CatalogueError(`${at}.infohash`, 'is missing');
  if (!Array.isArray(value['files']) || value['files'].length === 0) throw new CatalogueError(`${at}.files`, 'must be a non-empty array of files');
  const files = value['files'].map((file, i) => parseFile(file, `${at}.files[${i}]`));
  const content: Record<string, unknown> = { infohash: infohash.toLowerCase(), files };
  for (const key of ['playerId', 'torrentUrl', 'rawTorrent', 'directUrl', 'contentId', 'checksum'] as const) {
    const text = optional<string>(value, key, at, isString, 'a non-empty string');
    if (text !== undefined) content[key] = text;
  }
  const live = optional<boolean>(value, 'live', at, isBoolean, 'true or false');
  if (live !== undefined) content['live'] = live;
  const episodes = optional<number>(value, 'bufferingEpisodes', at, isCount, 'a non-negative integer');
  if (episodes !== undefined) content['bufferingEpisodes'] = episodes;
  if (value['ads'] !== undefined) {
    if (!Array.isArray(value['ads'])) throw new CatalogueError(`${at}.ads`, 'must be an array of ads');
    content['ads'] = value['ads'].map((ad: unknown, i): AdSpec => {
      const where = `${at}.ads[${i}]`;
      if (!isObject(ad)) throw new CatalogueError(where, 'must be an object (may be empty: {})');
      only(ad, where, ['skippable', 'size']);
      const skippable = optional<boolean>(ad, 'skippable', where, isBoolean, 'true or false');
      const size = optional<number>(ad, 'size', where, isCount, 'a non-negative integer (bytes)');
      return { ...(skippable === undefined ? {} : { skippable }), ...(size === undefined ? {} : { size }) };
    });
  }
  if (value['error'] !== undefined) {
    const error = value['error'];
    const where = `${at}.error`;
    if (!isObject(error)) throw new CatalogueError(where, 'must be an object {"id": N, "message": "..."}');
    only(error, where, ['id', 'message']);
    const id = optional<number>(error, 'id', where, Number.isSafeInteger, 'an integer');
    const message = optional<string>(error, 'message', where, isString, 'a non-empty string');
    if (id === undefined) throw new CatalogueError(`${where}.id`, 'is missing');
    if (message === undefined) throw new CatalogueError(`${where}.message`, 'is missing');
    content['error'] = { id, message };
  }
  if (value['faults'] !== undefined) {
    const faults = value['faults'];
    const where = `${at}.faults`;
    if (!isObject(faults)) throw new CatalogueError(where, 'must be an object');
    only(faults, where, FAULT_KEYS);
    const parsed: Record<string, number> = {};
    for (const key of FAULT_KEYS) {
      const n = optional<number>(faults, key, where, isCount, 'a non-negative integer');
      if (n !== undefined) parsed[key] = n;
    }
    content['faults'] = parsed;
  }
  return content as unknown as Content;
}

/**
 * Validates a catalogue file's JSON (`{"contents": [...]}`, or the bare array) into
 * contents. Every field is checked, unknown ones included, and the first bad one is
 * named in the {@link CatalogueError} thrown (`contents[1].files[0].size must be ...`).
 * A file's `path` must name a readable file. Infohashes may be in either case.
 *
 * @example
 * ```ts
 * const contents = parseCatalogue(JSON.parse(readFileSync('mine.json', 'utf8')));
 * const engine = await startEmulator({ catalogue: contents });
 * ```
 */
export function parseCatalogue(json: unknown): Content[] {
  let list: unknown = json;
  if (isObject(json)) {
    only(json, 'file', ['contents']);
    list = json['contents'];
    if (list === undefined) throw new CatalogueError('contents', 'is missing');
  }
  if (!Array.isArray(list) || list.length === 0) throw new CatalogueError('contents', 'must be a non-empty array of contents');
  const seen = new Set<string>();
  return list.map((value, i) => {
    const content = parseContent(value, `contents[${i}]`);
    if (seen.has(content.infohash)) throw new CatalogueError(`contents[${i}].infohash`, `repeats ${content.infohash}`);
    seen.add(content.infohash);
    return content;
  });
}
