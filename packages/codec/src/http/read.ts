// Hand-written readers under every HTTP codec: one pass over a parsed JSON value,
// a cheap throw (not an Error) on the first bad field, caught at each codec's boundary.
import * as E from '../either.js';
import * as t from 'io-ts';
import { describeThrown } from '../errors.js';
import { httpDecodeError, type HttpDecodeError } from './errors.js';

/** Thrown by the readers, never out of the module's public functions. */
export class ReadFailure {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {}
}

/** Throws a {@link ReadFailure} at `path`; the codecs catch it at their boundary. */
export function failAt(path: string, expected: string): never {
  throw new ReadFailure(path, expected);
}

/**
 * A failure inside a child read at a relative path, rebased under `path`. Readers pass
 * children constant relative paths and rebase only on failure, so no path is built for
 * a body that decodes.
 */
export function rebase(e: unknown, path: string): unknown {
  return e instanceof ReadFailure && path !== '' ? new ReadFailure(join(path, e.path), e.expected) : e;
}

/** `path.key`, or `key` at the top. */
export const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** A non-null, non-array object. */
export function isObject(u: unknown): u is JsonObject {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/** An own property only: a parsed object still inherits `constructor` and friends. */
export function own(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** `u` as an object, or a failure at `path`. */
export function object(u: unknown, path: string): JsonObject {
  if (!isObject(u)) failAt(path, 'a JSON object');
  return u;
}

/** `u` as a string, or a failure at `path`. */
export function str(u: unknown, path: string): string {
  if (typeof u !== 'string') failAt(path, 'a string');
  return u;
}

/** `u` as a finite number, or a failure at `path`. */
export function num(u: unknown, path: string): number {
  if (typeof u !== 'number' || !Number.isFinite(u)) failAt(path, 'a number');
  return u;
}

/** The API's flags: `0`/`1`, also `true`/`false`. */
export function flag(u: unknown, path: string): boolean {
  if (u === 1 || u === true) return true;
  if (u === 0 || u === false) return false;
  return failAt(path, '0 or 1');
}

/** `u` as a boolean, or a failure at `path`. */
export function bool(u: unknown, path: string): boolean {
  if (typeof u !== 'boolean') failAt(path, 'a boolean');
  return u;
}

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number the engine wrote as a string (`livepos`), or as a number. */
export function numeric(u: unknown, path: string): number {
  if (typeof u === 'number' && Number.isFinite(u)) return u;
  if (typeof u === 'string' && NUMERIC.test(u)) {
    const n = Number(u);
    if (Number.isFinite(n)) return n;
  }
  return failAt(path, 'a number or a numeric string');
}

/** Sets a key on a plain or prototype-free object, `__proto__` included, as an own property. */
export function put(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The keys of `o` not in `known`, in a prototype-free object, or undefined when none. */
export function extraOf(o: JsonObject, known: ReadonlySet<string>): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(o)) {
    if (known.has(key)) continue;
    extra ??= Object.create(null) as Record<string, unknown>;
    put(extra, key, o[key]);
  }
  return extra;
}

/** Copies `extra` onto the wire object `o` (after its known keys). */
export function putExtra(o: object, extra: Readonly<Record<string, unknown>> | undefined): void {
  if (extra) for (const key of Object.keys(extra)) put(o, key, extra[key]);
}

/** Whether `e` is a {@link ReadFailure}; false for a thrown value `instanceof` would throw on (a revoked Proxy). */
function isReadFailure(e: unknown): e is ReadFailure {
  try {
    return e instanceof ReadFailure;
  } catch {
    return false;
  }
}

/** Runs a reader; any failure, even an exotic throw from a proxy, becomes a value. */
export function attempt<A>(run: () => A): E.Either<HttpDecodeError, A> {
  try {
    return E.right(run());
  } catch (e) {
    if (isReadFailure(e)) return E.left(httpDecodeError(e.path, e.expected));
    return E.left(httpDecodeError('', `a readable JSON value (${describeThrown(e)})`));
  }
}

/** `JSON.parse` that returns its failure. */
export function parseJson(body: string): E.Either<HttpDecodeError, unknown> {
  try {
    return E.right(JSON.parse(body) as unknown);
  } catch {
    return E.left(httpDecodeError('', 'a JSON text'));
  }
}

const CALLBACK = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * The JSON inside a JSONP reply `name(...)` / `name(...);`, or the body unchanged when
 * it is not wrapped.
 */
export function stripJsonp(body: string): string {
  if (typeof body !== 'string') return body;
  const text = body.trim();
  const c = text.charCodeAt(0);
  if (c === 0x7b || c === 0x5b || text.length === 0) return body;
  const open = text.indexOf('(');
  if (open <= 0 || !CALLBACK.test(text.slice(0, open).trim())) return body;
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x3b) end--;
  const close = text.lastIndexOf(')', end - 1);
  if (close < open || text.slice(close + 1, end).trim() !== '') return body;
  return text.slice(open + 1, close);
}

/** An io-ts `Type` over a hand-written reader and a total encoder. */
export function readerType<A, O>(name: string, is: (u: unknown) => u is A, read: (u: unknown, path: string) => A, encode: (a: A) => O): t.Type<A, O, unknown> {
  return new t.Type<A, O, unknown>(
    name,
    is,
    (u, context) => {
      const result = attempt(() => read(u, ''));
      return E.isRight(result) ? t.success(result.right) : t.failure(u, context, result.left.message);
    },
    encode,
  );
}
