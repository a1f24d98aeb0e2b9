import * as t from 'io-ts';
import { fail, ParseFailure } from './errors.js';
import { formatDecimal, parseDecimal, parseInteger, percentDecode, percentEncode } from './text.js';

/**
 * `key=value` params of a line, values URL-decoded. The object has no prototype, so
 * any key the engine sends (`__proto__`, `constructor`) is an ordinary own key and
 * a missing key reads `undefined`.
 */
export type Params = Readonly<Record<string, string>>;

/** Builds a prototype-free {@link Params} object; a later duplicate key wins. */
export function makeParams(entries: Iterable<readonly [string, string]> = []): Params {
  // Without a prototype there is no `__proto__` accessor: assigning that key makes an
  // ordinary own property, like any other.
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of entries) params[key] = value;
  return params;
}

/** Whether `params` has no key at all. */
export function isEmptyParams(params: Params): boolean {
  for (const _ in params) return false;
  return true;
}

/** The wire type of one typed param: how its text reads and writes. */
export type FieldType = 'string' | 'int' | 'number' | 'flag';

interface FieldValue {
  string: string;
  int: number;
  number: number;
  flag: boolean;
}

/** One typed param: property name, wire key (and accepted aliases), type, whether required. */
export interface FieldSpec {
  readonly name: string;
  readonly key: string;
  readonly type: FieldType;
  readonly required?: boolean;
  /** Other wire keys read as this one (never written). */
  readonly aliases?: readonly string[];
}

function readField(type: FieldType, raw: string, offset: number, key: string): FieldValue[FieldType] {
  switch (type) {
    case 'string':
      return raw;
    case 'int':
      return parseInteger(raw, offset, key);
    case 'number':
      return parseDecimal(raw, offset, key);
    case 'flag':
      if (raw === '1') return true;
      if (raw === '0') return false;
      return fail(offset, `0 or 1 (${key})`);
  }
}

function writeField(type: FieldType, value: unknown): string {
  switch (type) {
    case 'string':
      return value as string;
    case 'int':
      return String(value);
    case 'number':
      return formatDecimal(value as number);
    case 'flag':
      return value ? '1' : '0';
  }
}

/** A raw `key=value` token as read from a line: key, decoded value, offset of its value. */
export interface RawParam {
  readonly key: string;
  readonly value: string;
  readonly valueAt: number;
}

/**
 * Reads the `key=value` token at `line[from, to)`, its value percent-decoded; errors
 * are at their offset in the line.
 */
export function readRawParam(line: string, from: number, to: number): RawParam {
  const eq = line.indexOf('=', from);
  if (eq <= from || eq >= to) fail(from, 'key=value');
  let value: string;
  try {
    value = percentDecode(line.slice(eq + 1, to));
  } catch (e) {
    if (e instanceof ParseFailure) fail(eq + 1 + e.position, e.expected);
    throw e;
  }
  return { key: line.slice(from, eq), value, valueAt: eq + 1 };
}

/** Writes params as `key=value` tokens joined by spaces, values percent-encoded. */
export function writeParams(entries: Iterable<readonly [string, string]>): string {
  let out = '';
  for (const [key, value] of entries) out += (out ? ' ' : '') + key + '=' + percentEncode(value);
  return out;
}

/**
 * A table of typed params (the io-ts-free core): reads raw params into typed
 * properties, keeps the rest in `extra`, and writes them back in table order.
 */
export class ParamsSchema<A extends object> {
  // Wire keys then aliases, with the index of their field. Searched in a line rather
  // than hashed: engines send a message's params in one order, so the key after the
  // last one found is nearly always the next, and comparing two short strings costs
  // less than hashing a fresh one.
  private readonly keys: string[] = [];
  private readonly index: number[] = [];
  private readonly required: number; // bit i: fields[i] is required

  constructor(
    /** Name used in error messages and by the io-ts codec. */
    readonly name: string,
    /** The typed fields, in the order they are written (at most 31). */
    readonly fields: readonly FieldSpec[],
  ) {
    if (fields.length > 31) throw new RangeError(`${name}: at most 31 typed fields, got ${fields.length}`);
    let required = 0;
    fields.forEach((field, i) => {
      this.keys.push(field.key);
      this.index.push(i);
      if (field.required) required |= 1 << i;
    });
    fields.forEach((field, i) => {
      for (const alias of field.aliases ?? []) {
        this.keys.push(alias);
        this.index.push(i);
      }
    });
    this.required = required;
  }

  /** Whether `key` (or an alias) is one of the typed fields. */
  isTyped(key: string): boolean {
    return this.find(key, 0) !== -1;
  }

  /** The position of `key` in `keys`, looked for from `from` round to just before it; -1 if absent. */
  private find(key: string, from: number): number {
    const keys = this.keys;
    for (let k = from; k < keys.length; k++) if (keys[k] === key) return k;
    for (let k = 0; k < from; k++) if (keys[k] === key) return k;
    return -1;
  }

  /**
   * Reads typed fields into `into` and returns the untyped rest, or `undefined` when
   * there is none. `missingAt` is the position reported for a missing required field.
   */
  read(raw: readonly RawParam[], into: Record<string, unknown>, missingAt: number): Params | undefined {
    let extra: [string, string][] | undefined;
    let seen = 0;
    let next = 0;
    for (const param of raw) {
      const k = this.find(param.key, next);
      if (k === -1) (extra ??= []).push([param.key, param.value]);
      else {
        const i = this.index[k]!;
        const field = this.fields[i]!;
        into[field.name] = readField(field.type, param.value, param.valueAt, param.key);
        seen |= 1 << i;
        next = k + 1 === this.keys.length ? 0 : k + 1;
      }
    }
    if ((seen & this.required) !== this.required) {
      const missing = this.fields.find((field, i) => field.required && (seen & (1 << i)) === 0)!;
      fail(missingAt, `param ${missing.key}= (${this.name})`);
    }
    return extra && makeParams(extra);
  }

  /** The typed fields of `value` then `extra`, as wire `[key, value]` pairs. */
  entries(value: A, extra?: Params): [string, string][] {
    const out: [string, string][] = [];
    const record = value as Record<string, unknown>;
    for (const field of this.fields) {
      const v = record[field.name];
      if (v !== undefined) out.push([field.key, writeField(field.type, v)]);
    }
    if (extra) for (const key in extra) out.push([key, extra[key]!]);
    return out;
  }

  /**
   * This table as an io-ts codec from {@link Params} to the typed object (untyped keys
   * under `extra`), for users who hold params from elsewhere.
   */
  codec(): t.Type<A & { readonly extra?: Params }, Params, unknown> {
    return new t.Type<A & { readonly extra?: Params }, Params, unknown>(
      this.name,
      (u): u is A & { readonly extra?: Params } => typeof u === 'object' && u !== null,
      (u, context) => {
        if (typeof u !== 'object' || u === null) return t.failure(u, context, 'expected a params object');
        const raw: RawParam[] = [];
        for (const [key, value] of Object.entries(u)) {
          if (typeof value !== 'string') return t.failure(u, context, `param ${key} is not a string`);
          raw.push({ key, value, valueAt: 0 });
        }
        const into: Record<string, unknown> = {};
        try {
          const extra = this.read(raw, into, 0);
          if (extra) into['extra'] = extra;
        } catch (e) {
          if (e instanceof ParseFailure) return t.failure(u, context, `expected ${e.expected}`);
          throw e;
        }
        return t.success(into as A & { readonly extra?: Params });
      },
      (a) => makeParams(this.entries(a, a.extra)),
    );
  }
}

/** Runs an io-ts validation and flattens its errors into one sentence. */
export function validationMessage(errors: t.Errors): string {
  return errors
    .map((error) => {
      const path = error.context
        .map((entry) => entry.key)
        .filter(Boolean)
        .join('.');
      return (error.message ?? `invalid value for ${error.context.at(-1)?.type.name ?? 'input'}`) + (path ? ` at ${path}` : '');
    })
    .join('; ');
}

