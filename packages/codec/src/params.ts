import * as t from 'io-ts';
import { fail, ParseFailure } from './errors.js';
import { bytesAt } from './fastpath.js';
import { formatDecimal, MAX_INT_DIGITS, parseDecimal, parseInteger, percentDecode, percentEncode, readInteger, skipSpaces, utf8Encode, wordEnd } from './text.js';

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
  const eq = keyEnd(line, from, to);
  return { key: line.slice(from, eq), value: decodeValue(line, eq + 1, to), valueAt: eq + 1 };
}

/** The `=` of the `key=value` token at `line[from, to)`; fails at `from` if there is none or no key. */
function keyEnd(line: string, from: number, to: number): number {
  const eq = line.indexOf('=', from);
  if (eq <= from || eq >= to) fail(from, 'key=value');
  return eq;
}

/** The percent-decoded value at `line[from, to)`; errors at their offset in the line. */
function decodeValue(line: string, from: number, to: number): string {
  try {
    return percentDecode(line.slice(from, to));
  } catch (e) {
    if (e instanceof ParseFailure) fail(from + e.position, e.expected);
    throw e;
  }
}

/**
 * An `int` param's value at `line[from, to)`, read in place unless it is
 * percent-encoded; what {@link readField} gives for its decoded text.
 */
function intValue(line: string, from: number, to: number, key: string): number {
  for (let i = from; i < to; i++) if (line.charCodeAt(i) === 0x25) return parseInteger(decodeValue(line, from, to), from, key);
  return readInteger(line, from, to, from, key);
}

const SPACE = 0x20;
const DIGIT_0 = 0x30;

/** Whether `line` holds `word` at `at` (a loop TurboFan inlines, unlike `startsWith`). */
function sameAt(line: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (line.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
  return true;
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
  private readonly keyBytes: Uint8Array[] = []; // keys then `=`, for readBytes
  private readonly index: number[] = [];
  private readonly required: number; // bit i: fields[i] is required
  /** Whether every typed field is an `int` or a `flag`: only then does {@link readBytes} take a line. */
  readonly numeric: boolean;

  private readonly values: number[]; // scratch of readBytesInOrder, one per field
  private end = 0; // see inOrderEnd

  /** The offset just after the params taken by the last successful {@link readBytesInOrder}. */
  get inOrderEnd(): number {
    return this.end;
  }

  constructor(
    /** Name used in error messages and by the io-ts codec. */
    readonly name: string,
    /** The typed fields, in the order they are written (at most 31). */
    readonly fields: readonly FieldSpec[],
    /**
     * For a {@link numeric} table: builds the typed object from every field's value in
     * table order (a flag as 0 or 1), as one object literal with the properties in
     * table order. {@link readBytesInOrder} builds through it: objects of one shape,
     * made without a keyed store per property.
     */
    private readonly shape?: (values: readonly number[]) => A,
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
    this.keyBytes = this.keys.map((key) => utf8Encode(key + '='));
    this.numeric = fields.every((field) => field.type === 'int' || field.type === 'flag');
    this.values = new Array<number>(fields.length).fill(0);
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

  /** {@link find} for the key at `line[at, eq)`, compared in place (no substring). */
  private findIn(line: string, at: number, eq: number, from: number): number {
    const keys = this.keys;
    const length = eq - at;
    for (let k = from; k < keys.length; k++) if (keys[k]!.length === length && sameAt(line, at, keys[k]!)) return k;
    for (let k = 0; k < from; k++) if (keys[k]!.length === length && sameAt(line, at, keys[k]!)) return k;
    return -1;
  }

  /**
   * Reads typed fields into `into` and returns the untyped rest, or `undefined` when
   * there is none. `missingAt` is the position reported for a missing required field.
   *
   * @throws {@link ParseFailure} for a malformed typed value or a missing required field.
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
    this.checkRequired(seen, missingAt);
    return extra && makeParams(extra);
  }

  /**
   * {@link read} straight from a line: the space-separated `key=value` tokens of `line`
   * from `from` to its end, with no intermediate `RawParam`s; errors are at
   * their offset in the line, the leftmost first.
   *
   * @throws {@link ParseFailure} for a token that is not `key=value`, a bad escape, a
   * malformed typed value or a missing required field.
   */
  readLine(line: string, from: number, into: Record<string, unknown>, missingAt: number): Params | undefined {
    let extra: [string, string][] | undefined;
    let seen = 0;
    let next = 0;
    for (let at = skipSpaces(line, from); at < line.length; ) {
      const end = wordEnd(line, at);
      const eq = keyEnd(line, at, end);
      const k = this.findIn(line, at, eq, next);
      if (k === -1) (extra ??= []).push([line.slice(at, eq), decodeValue(line, eq + 1, end)]);
      else {
        const i = this.index[k]!;
        const field = this.fields[i]!;
        const key = this.keys[k]!;
        into[field.name] =
          field.type === 'int' ? intValue(line, eq + 1, end, key) : readField(field.type, decodeValue(line, eq + 1, end), eq + 1, key);
        seen |= 1 << i;
        next = k + 1 === this.keys.length ? 0 : k + 1;
      }
      at = skipSpaces(line, end);
    }
    this.checkRequired(seen, missingAt);
    return extra && makeParams(extra);
  }

  /**
   * The fast path of {@link readLine}, straight from UTF-8 bytes, for a
   * {@link numeric} table: reads ` key=value` tokens from `bytes[at]` while a space
   * starts one, into `into`, and returns the offset after the last, where the line
   * should end. Takes only the commonest shape: every key typed, one
   * space before each, ints as 1 to 15 plain digits, flags as `0` or `1`, every
   * required key there; returns -1 for anything else, which `readLine` then reads
   * (and reports) from the text. What it takes, `readLine` reads the same.
   */
  readBytes(bytes: Uint8Array, at: number, to: number, into: Record<string, unknown>): number {
    if (!this.numeric) return -1;
    let seen = 0;
    let next = 0;
    while (at < to && bytes[at] === SPACE) {
      const k = this.findBytes(bytes, at + 1, to, next);
      if (k === -1) return -1;
      const i = this.index[k]!;
      seen |= 1 << i;
      next = k + 1 === this.keys.length ? 0 : k + 1;
      const field = this.fields[i]!;
      at += 1 + this.keyBytes[k]!.length;
      if (field.type === 'flag') {
        const c = bytes[at];
        if (at >= to || (c !== DIGIT_0 && c !== DIGIT_0 + 1)) return -1;
        into[field.name] = c !== DIGIT_0;
        at++;
      } else {
        const start = at;
        let n = 0;
        for (; at < to; at++) {
          const d = bytes[at]! - DIGIT_0;
          if (d < 0 || d > 9) break;
          n = n * 10 + d;
        }
        if (at === start || at - start > MAX_INT_DIGITS) return -1;
        into[field.name] = n;
      }
    }
    return (seen & this.required) === this.required ? at : -1;
  }

  /**
   * {@link readBytes} for a table built with a `shape`, when the line holds every
   * typed field once, in table order, by its key (the order one engine version sends):
   * the typed object as `shape` builds it, or undefined for any other line, which
   * `readBytes` or `readLine` then read. Sets {@link inOrderEnd} to the offset after
   * the last field. What it takes, `readLine` reads to an object with the same
   * properties in the same order.
   */
  readBytesInOrder(bytes: Uint8Array, at: number, to: number): A | undefined {
    const shape = this.shape;
    if (shape === undefined || !this.numeric) return undefined;
    const fields = this.fields;
    const values = this.values;
    for (let i = 0; i < fields.length; i++) {
      // The first keys are the fields' own, in table order; aliases come after them.
      const key = this.keyBytes[i]!;
      if (at >= to || bytes[at] !== SPACE || !bytesAt(bytes, at + 1, to, key)) return undefined;
      at += 1 + key.length;
      const start = at;
      let n = 0;
      for (; at < to; at++) {
        const d = bytes[at]! - DIGIT_0;
        if (d >>> 0 > 9) break;
        n = n * 10 + d;
      }
      const digits = at - start;
      if (digits === 0 || digits > MAX_INT_DIGITS || (fields[i]!.type === 'flag' && (digits !== 1 || n > 1))) return undefined;
      values[i] = n;
    }
    this.end = at;
    return shape(values);
  }

  /** {@link findIn} over bytes: the key, with its `=`, at `bytes[at]`. */
  private findBytes(bytes: Uint8Array, at: number, to: number, from: number): number {
    const keys = this.keyBytes;
    for (let k = from; k < keys.length; k++) if (bytesAt(bytes, at, to, keys[k]!)) return k;
    for (let k = 0; k < from; k++) if (bytesAt(bytes, at, to, keys[k]!)) return k;
    return -1;
  }

  /** Fails at `missingAt` naming the first required field not in `seen`. */
  private checkRequired(seen: number, missingAt: number): void {
    if ((seen & this.required) !== this.required) {
      const missing = this.fields.find((field, i) => field.required && (seen & (1 << i)) === 0)!;
      fail(missingAt, `param ${missing.key}= (${this.name})`);
    }
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

