import * as t from 'io-ts';
import { ParseFailure } from './errors.js';
import { isObject, join, refuse, text, type Rule } from './encode.js';
import { percentDecode, percentEncode } from './text.js';

/**
 * LOADRESP status: -1 error (see `message`), 0 no video, 1 one video, 2 several; 100 is
 * the error status older engines send (two open clients test for it). Test for a
 * failed load with {@link isLoadFailure}.
 */
export type LoadStatus = -1 | 0 | 1 | 2 | 100;

/**
 * Whether the engine failed to load the content: status `-1` or `100` (older
 * engines), its reason in `message`.
 *
 * @example
 * ```ts
 * if (isLoadFailure(response)) throw new Error(response.message ?? 'load failed');
 * ```
 */
export function isLoadFailure(response: LoadResponse): boolean {
  return response.status === -1 || response.status === 100;
}

/** How deep the JSON values kept in a LOADRESP's `extra` may nest (real engines send flat ones). */
export const MAX_EXTRA_DEPTH = 32;

/**
 * Whether a decoded JSON value nests at most `depth` levels; any `-0` in it is made `0`
 * on the way (which is how it is written back), the only change made.
 */
function plainJson(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (depth === 0) return false;
  const o = v as Record<string, unknown>;
  for (const key of Array.isArray(v) ? v.keys() : Object.keys(o)) {
    const item = o[key];
    if (Object.is(item, -0)) o[key] = 0;
    else if (!plainJson(item, depth - 1)) return false;
  }
  return true;
}

/** Refuses what JSON cannot carry back the same: not a JSON value, a non-finite number, too deep. */
function jsonRule(v: unknown, field: string, depth: number): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) refuse(field, 'must be a finite number');
    return;
  }
  if (depth === 0) refuse(field, `must nest at most ${MAX_EXTRA_DEPTH} levels`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) jsonRule(v[i], join(field, i), depth - 1);
    return;
  }
  if (!isObject(v) || (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) refuse(field, 'must be a JSON value');
  for (const key of Object.keys(v)) jsonRule(v[key], join(field, key), depth - 1);
}

/** One file of a loaded torrent: its name (URL-decoded) and its index for START. */
export interface LoadFile {
  readonly name: string;
  readonly index: number;
}

/**
 * The JSON answer to LOAD / LOADASYNC, typed. Keys other than the known ones are
 * kept in `extra` (a prototype-free object).
 */
export interface LoadResponse {
  readonly status: LoadStatus;
  readonly infohash?: string;
  readonly checksum?: string;
  readonly message?: string;
  /** Files in the engine's order; `[]` when the engine sent none. */
  readonly files: readonly LoadFile[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The JSON object of a LOADRESP as it stands on the wire. */
export interface LoadResponseJson {
  readonly status: LoadStatus;
  readonly infohash?: string;
  readonly checksum?: string;
  readonly message?: string;
  readonly files: ReadonlyArray<readonly [string, number]>;
  readonly [key: string]: unknown;
}

/** One `[urlencoded_name, index]` entry as a {@link LoadFile}, or why it is not one. */
function readFile(u: unknown): LoadFile | string {
  if (!Array.isArray(u) || u.length < 2) return 'expected a [name, index] pair';
  const name: unknown = u[0];
  const index: unknown = u[1];
  if (typeof name !== 'string') return 'expected a file name string';
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return 'expected a non-negative integer file index';
  try {
    return { name: percentDecode(name), index: index + 0 };
  } catch (e) {
    if (e instanceof ParseFailure) return `bad URL-encoding in file name at ${e.position}`;
    throw e;
  }
}

/** io-ts codec of one `[urlencoded_name, index]` entry ⇄ {@link LoadFile}. */
export const LoadFileCodec = new t.Type<LoadFile, readonly [string, number], unknown>(
  'LoadFile',
  (u): u is LoadFile => typeof u === 'object' && u !== null && 'name' in u && 'index' in u,
  (u, context) => {
    const file = readFile(u);
    return typeof file === 'string' ? t.failure(u, context, file) : t.success(file);
  },
  (file) => [percentEncode(file.name), file.index] as const,
);

const OPTIONAL_STRINGS = ['infohash', 'checksum', 'message'] as const;
const KNOWN = new Set<string>(['status', 'files', ...OPTIONAL_STRINGS]);
// Named in error contexts only.
const LoadStatusCodec = t.union([t.literal(-1), t.literal(0), t.literal(1), t.literal(2), t.literal(100)]);
const LoadFilesCodec = t.array(LoadFileCodec);

/** The failure of `files`, or of its entry `i`, with its io-ts context. */
function filesFailure(context: t.Context, files: unknown, i: number | undefined, message: string): t.Validation<never> {
  const filesContext = t.appendContext(context, 'files', LoadFilesCodec, files);
  if (i === undefined) return t.failure(files, filesContext, message);
  const file = (files as unknown[])[i];
  return t.failure(file, t.appendContext(filesContext, String(i), LoadFileCodec, file), message);
}

/** io-ts codec between the LOADRESP JSON object and {@link LoadResponse}. */
export const LoadResponseCodec = new t.Type<LoadResponse, LoadResponseJson, unknown>(
  'LoadResponse',
  (u): u is LoadResponse => typeof u === 'object' && u !== null && 'status' in u && 'files' in u,
  (u, context) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, context, 'expected a JSON object');
    // Checked by hand rather than with io-ts combinators: one pass, no intermediate
    // copies (LOADRESP is decoded on a client's hot path).
    const json = u as Record<string, unknown>;
    const status = json['status'];
    if (status !== -1 && status !== 0 && status !== 1 && status !== 2 && status !== 100) {
      return t.failure(status, t.appendContext(context, 'status', LoadStatusCodec, status), 'expected status -1, 0, 1, 2 or 100');
    }
    // `+ 0`: a `-0` in the JSON is 0, as it is written back.
    const out: { -readonly [K in keyof LoadResponse]: LoadResponse[K] } = { status: (status + 0) as LoadStatus, files: [] };
    for (const key of OPTIONAL_STRINGS) {
      const value = json[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') return t.failure(value, t.appendContext(context, key, t.string, value), `expected ${key} to be a string`);
      out[key] = value;
    }
    const files = json['files'];
    if (files !== undefined) {
      // Contexts are built for a failure only: LOADRESP is decoded on a client's hot path.
      if (!Array.isArray(files)) return filesFailure(context, files, undefined, 'expected files to be an array');
      const decoded: LoadFile[] = [];
      for (let i = 0; i < files.length; i++) {
        const file = readFile(files[i]);
        if (typeof file === 'string') return filesFailure(context, files, i, file);
        decoded.push(file);
      }
      out.files = decoded;
    }
    let extra: Record<string, unknown> | undefined;
    for (const key of Object.keys(json)) {
      if (KNOWN.has(key)) continue;
      extra ??= Object.create(null) as Record<string, unknown>;
      let value = json[key];
      if (Object.is(value, -0)) value = 0;
      else if (!plainJson(value, MAX_EXTRA_DEPTH)) return t.failure(json[key], t.appendContext(context, key, t.unknown, json[key]), `expected ${key} to nest at most ${MAX_EXTRA_DEPTH} levels`);
      Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
    }
    if (extra) out.extra = extra;
    return t.success(out);
  },
  (response) => {
    const json: Record<string, unknown> = { status: response.status };
    if (response.infohash !== undefined) json['infohash'] = response.infohash;
    if (response.checksum !== undefined) json['checksum'] = response.checksum;
    if (response.message !== undefined) json['message'] = response.message;
    json['files'] = response.files.map((file) => LoadFileCodec.encode(file));
    if (response.extra) {
      for (const key of Object.keys(response.extra)) {
        Object.defineProperty(json, key, { value: response.extra[key], enumerable: true, writable: true, configurable: true });
      }
    }
    return json as LoadResponseJson;
  },
);

/** The encoder's rule for a {@link LoadResponse}: what its JSON can carry and read back the same. */
export const loadResponseRule: Rule = (v, field) => {
  if (!isObject(v)) refuse(field, 'must be an object');
  const status = v['status'];
  if (status !== -1 && status !== 0 && status !== 1 && status !== 2 && status !== 100) refuse(`${field}.status`, 'must be -1, 0, 1, 2 or 100');
  for (const key of OPTIONAL_STRINGS) if (v[key] !== undefined && typeof v[key] !== 'string') refuse(`${field}.${key}`, 'must be a string');
  const files = v['files'];
  if (!Array.isArray(files)) refuse(`${field}.files`, 'must be an array');
  files.forEach((file: unknown, i) => {
    if (!isObject(file)) refuse(`${field}.files.${i}`, 'must be an object');
    text(file['name'], join(join(join(field, 'files'), i), 'name'));
    if (!Number.isSafeInteger(file['index']) || (file['index'] as number) < 0) refuse(`${field}.files.${i}.index`, 'must be a non-negative integer');
  });
  const extra = v['extra'];
  if (extra === undefined) return;
  if (!isObject(extra)) refuse(`${field}.extra`, 'must be an object');
  for (const key of Object.keys(extra)) {
    if (KNOWN.has(key)) refuse(`${field}.extra.${key}`, 'is a typed LOADRESP key');
    jsonRule(extra[key], join(join(field, 'extra'), key), MAX_EXTRA_DEPTH);
  }
};
