import * as t from 'io-ts';
import { ParseFailure } from './errors.js';
import { percentDecode, percentEncode } from './text.js';

/** LOADRESP status: -1 error (see `message`), 0 no video, 1 one video, 2 several. */
export type LoadStatus = -1 | 0 | 1 | 2;

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
    return { name: percentDecode(name), index };
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
const LoadStatusCodec = t.union([t.literal(-1), t.literal(0), t.literal(1), t.literal(2)]);
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
    if (status !== -1 && status !== 0 && status !== 1 && status !== 2) {
      return t.failure(status, t.appendContext(context, 'status', LoadStatusCodec, status), 'expected status -1, 0, 1 or 2');
    }
    const out: { -readonly [K in keyof LoadResponse]: LoadResponse[K] } = { status, files: [] };
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
      Object.defineProperty(extra, key, { value: json[key], enumerable: true, writable: true, configurable: true });
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
