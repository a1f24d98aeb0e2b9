// The boundary every encoder goes through: whatever the caller hands in (typed or not),
// the result is a line the grammar can carry, or an EncodeError. Each message's field
// rules are a table beside its encoder (client.ts, engine.ts), built from the small
// checks below; the CR/LF test of the finished line is the last line of defence.
import * as E from './either.js';
import { describeThrown, EncodeError } from './errors.js';
import type { FieldSpec, FieldType } from './params.js';
import { DEFAULT_MAX_LINE_BYTES } from './framing.js';
import { formatDecimal } from './text.js';

const TOO_LONG = `would be longer than the engine's line limit (${DEFAULT_MAX_LINE_BYTES} bytes of UTF-8 with its CRLF)`;

/** What the rules read of a `ParamsSchema`. */
interface SchemaLike {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  isTyped(key: string): boolean;
}

/** A field the rules refuse: thrown by a {@link Rule}, made an EncodeError at the boundary. */
class Refused {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** Checks one field's value; `field` is its dotted path. Throws a refusal, returns nothing. */
export type Rule = (value: unknown, field: string) => void;

// Paths are only spelt out when a message was refused: its rules are run again with
// `paths.on`, so the common case (a valid message) builds no strings.
const paths = { on: false };

/** The path of `name` within `field`: empty unless a refusal is being explained. */
export const join = (field: string, name: string | number): string => (paths.on ? (field ? `${field}.${name}` : String(name)) : '');

/** Refuses `field` because it `reason` (e.g. `must be an integer`). */
export function refuse(field: string, reason: string): never {
  throw new Refused(field, reason);
}

/** A rule from a test and the reason given when it fails. */
const test =
  (ok: (value: unknown) => boolean, reason: string): Rule =>
  (value, field) => {
    if (!ok(value)) refuse(field, reason);
  };

/** The grammar's integers: at most 15 digits (what the decoders read). */
export const isWireInt = (v: unknown): v is number => Number.isInteger(v) && Math.abs(v as number) < 1e15;

const INT = 'must be an integer of at most 15 digits';
/** An integer of at most 15 digits. */
export const int: Rule = (v, field) => {
  if (!isWireInt(v)) refuse(field, INT);
};
/** {@link int} or absent, without a second call (STATUS parts have a dozen of them). */
export const optInt: Rule = (v, field) => {
  if (v !== undefined && !isWireInt(v)) refuse(field, INT);
};
/** A non-negative {@link int}. */
export const nat: Rule = (v, field) => {
  if (!isWireInt(v)) refuse(field, INT);
  if (v < 0) refuse(field, 'must not be negative');
};
/** An integer of `min..max` (a field the spec gives a range). */
export const intIn = (min: number, max: number): Rule => test((v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max, `must be an integer of ${min}..${max}`);
/** A boolean (`0`/`1` flags). */
export const flag: Rule = test((v) => typeof v === 'boolean', 'must be a boolean');
/**
 * Whether `s` is well-formed UTF-16 (no lone surrogate, which UTF-8 cannot carry: it
 * would go out as U+FFFD). Where `isWellFormed` is missing (older runtimes), assumed.
 */
const wellFormed = (s: string): boolean => (s as { isWellFormed?: () => boolean }).isWellFormed?.() ?? true;

/** Any well-formed string: for what the encoder percent-encodes or JSON-escapes. */
export const text: Rule = (v, field) => {
  if (typeof v !== 'string') refuse(field, 'must be a string');
  if (!wellFormed(v)) refuse(field, 'must not hold a lone surrogate');
};
/** A plain decimal the decoders read back as the same number: finite, below 10^15, at most 20 decimals. */
export const decimal: Rule = test((v) => {
  if (typeof v !== 'number' || !(Math.abs(v) < 1e15)) return false;
  const written = formatDecimal(v);
  const dot = written.indexOf('.');
  return dot === -1 || written.length - dot - 1 <= 20;
}, 'must be a finite number below 10^15 with at most 20 decimals');

// What a token the grammar does not percent-encode may not hold. The engine is Python:
// `str.split()` splits a line on every whitespace character, not on spaces alone, and
// `str.splitlines()` ends a line at NEL, U+2028, U+2029 and \x1c-\x1e as well as at
// CR and LF. So a token refuses every C0 control (NUL and TAB included), the space,
// and every other character either treats as a separator; text that may hold spaces
// refuses the controls and line boundaries but keeps the space and TAB.
const WHITESPACE = '\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TOKEN_REFUSES = `\\x00-\\x20${WHITESPACE}`;
const TEXT_REFUSES = '\\x00-\\x08\\x0a-\\x1f\\u0085\\u2028\\u2029';

/** A character a positional token may not hold: any whitespace (Python's sense) or C0 control. */
export const TOKEN_REFUSED = new RegExp(`[${TOKEN_REFUSES}]`);
// The first word of a line as Python's `split()` finds it: leading whitespace skipped.
const FIRST_WORD = new RegExp(`^[${TOKEN_REFUSES}]*([^${TOKEN_REFUSES}]*)`);
/** A character raw text may not hold: a C0 control but TAB, or a line boundary (Python's sense). */
export const TEXT_REFUSED = new RegExp(`[${TEXT_REFUSES}]`);

/** The characters {@link chars} refuses, as a regex: one native scan per string. */
function refusedChars(spaces: boolean, extra: string): RegExp {
  if (extra === '') return spaces ? TEXT_REFUSED : TOKEN_REFUSED;
  return new RegExp(`[${spaces ? TEXT_REFUSES : TOKEN_REFUSES}${extra.replace(/[\\\]^-]/g, '\\$&')}]`);
}

/**
 * A string without the characters a line cannot hold there, nor any char of `extra`;
 * non-empty unless `empty`. With `spaces` (raw text at the end of a line), spaces and
 * TABs may stand in it, but no other control (CR, LF, NUL, VT, FF, \x1c-\x1f…) nor
 * NEL, U+2028 or U+2029; without (a positional token or a param key), no whitespace
 * either: no space, TAB, NBSP, U+1680, U+2000-U+200A, U+202F, U+205F or U+3000.
 */
export function chars(spaces: boolean, extra = '', empty = spaces): Rule {
  const what =
    (spaces ? 'a control character or line break' : 'whitespace or a control character') +
    (extra ? ` or any of ${JSON.stringify(extra)}` : '');
  const refused = refusedChars(spaces, extra);
  return (v, field) => {
    if (typeof v !== 'string') refuse(field, 'must be a string');
    if (!empty && v === '') refuse(field, 'must not be empty');
    if (refused.test(v)) refuse(field, `must not contain ${what}`);
    if (!wellFormed(v)) refuse(field, 'must not hold a lone surrogate');
  };
}

/** A positional token: non-empty, no whitespace, no control character. */
export const token: Rule = chars(false);
/** Text that stands raw at the end of a line: spaces and TABs, no other control nor line break. */
export const lineText: Rule = chars(true);

/** `rule`, or absent. */
export const opt =
  (rule: Rule): Rule =>
  (v, field) => {
    if (v !== undefined) rule(v, field);
  };

/** One of `values`. */
export const oneOf = (values: readonly unknown[]): Rule => test((v) => values.includes(v), `must be one of ${values.join(', ')}`);

/**
 * An array of at least `min` items, each passing `item`. One of more than half
 * {@link DEFAULT_MAX_LINE_BYTES} items (each takes a byte and a separator) could only
 * make a line over the limit: refused as `line` before any item is looked at.
 */
export const array =
  (item: Rule, min = 0): Rule =>
  (v, field) => {
    if (!Array.isArray(v)) refuse(field, 'must be an array');
    if (v.length < min) refuse(field, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (v.length > DEFAULT_MAX_LINE_BYTES / 2) refuse('line', TOO_LONG);
    for (let i = 0; i < v.length; i++) item(v[i], join(field, i));
  };

/** A table of rules, one per field (a field with no rule is not looked at). */
export type Spec = Readonly<Record<string, Rule>>;

/** Whether `v` is a non-null, non-array object. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks every field of `spec` on the object `v`, fields named `field.name` (`name` at the top). */
export function checkSpec(spec: Spec, v: unknown, field: string): void {
  if (!isObject(v)) refuse(field, 'must be an object');
  for (const name in spec) spec[name]!(v[name], join(field, name));
}

/** An object told apart by its `type`: the spec of that type. */
export const byType =
  (specs: Readonly<Record<string, Spec>>): Rule =>
  (v, field) => {
    const type = isObject(v) ? v['type'] : undefined;
    if (typeof type !== 'string' || !Object.hasOwn(specs, type)) refuse(`${field}.type`, `must be one of ${Object.keys(specs).join(', ')}`);
    checkSpec(specs[type]!, v, field);
  };

const paramKey = chars(false, '=');

/**
 * `key=value` params: keys non-empty with no space, CR, LF or `=`, values strings (the
 * encoder percent-encodes them). With `schema`, a key the schema types is refused: it
 * belongs in its typed field.
 */
export const params =
  (schema?: SchemaLike): Rule =>
  (v, field) => {
    if (!isObject(v)) refuse(field, 'must be an object of strings');
    for (const key of Object.keys(v)) {
      paramKey(key, paths.on ? `${field} key ${JSON.stringify(key)}` : '');
      if (schema?.isTyped(key)) refuse(join(field, key), `is a typed param of ${schema.name}`);
      text(v[key], join(field, key));
    }
  };

const FIELD_RULES: Readonly<Record<FieldType, Rule>> = { string: text, int, number: decimal, flag };

/** The spec of a `ParamsSchema`'s typed fields (required ones must be there), plus its `extra`. */
export function schemaSpec(schema: SchemaLike, more: Spec = {}): Spec {
  const spec: Record<string, Rule> = {};
  for (const f of schema.fields) spec[f.name] = f.required ? FIELD_RULES[f.type] : opt(FIELD_RULES[f.type]);
  return { ...spec, ...more, extra: opt(params(schema)) };
}

/** Refuses an `UNKNOWN` whose line would decode as a known command, or has CR or LF. */
export function unknownSpec(known: readonly string[], prefix?: string): Spec {
  return {
    raw: (v, field) => {
      lineText(v, field);
      // Its first word as the engine splits it (Python's `split()`: any whitespace, leading
      // whitespace skipped), not only as this codec's decoder does.
      const raw = v as string;
      const command = FIRST_WORD.exec(raw)![1]!;
      if (known.includes(command) || (prefix !== undefined && raw.startsWith(prefix))) refuse(field, 'must not be a line of a known command');
    },
  };
}

/**
 * Runs the encoder of `message.kind` from `encoders` after its rules (a {@link Spec} of
 * its fields, or a {@link Rule} of the whole message), never letting an invalid line out.
 */
export function guardedEncode(
  encoders: Readonly<Record<string, (m: never) => string>>,
  rules: Readonly<Record<string, Spec | Rule>>,
  message: unknown,
): E.Either<EncodeError, string> {
  try {
    return encodeChecked(encoders, rules, message);
  } catch (error) {
    // A value that throws when read (a getter, a revoked Proxy): refused, never rethrown.
    const kind = tryKind(message);
    return E.left(new EncodeError(typeof kind === 'string' ? kind : typeof kind, 'message', `is malformed (${describeThrown(error)})`));
  }
}


/** `message.kind` (the type of a non-object), or `undefined` when reading it throws. */
function tryKind(message: unknown): unknown {
  try {
    return isObject(message) ? message['kind'] : typeof message;
  } catch {
    return undefined;
  }
}

/** {@link guardedEncode} without its last catch: the rules, the encoder, the line's test. */
function encodeChecked(
  encoders: Readonly<Record<string, (m: never) => string>>,
  rules: Readonly<Record<string, Spec | Rule>>,
  message: unknown,
): E.Either<EncodeError, string> {
  if (!isObject(message)) return E.left(new EncodeError(typeof message, 'message', 'must be an object'));
  const kind: unknown = message['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(encoders, kind)) {
    return E.left(new EncodeError(typeof kind === 'string' ? kind : typeof kind, 'kind', 'is not a known kind'));
  }
  const rule = rules[kind]!;
  try {
    if (typeof rule === 'function') rule(message, '');
    else checkSpec(rule, message, '');
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    // Again, with paths spelt out, to say which field.
    let refused = error;
    paths.on = true;
    try {
      if (typeof rule === 'function') rule(message, '');
      else checkSpec(rule, message, '');
    } catch (again) {
      if (again instanceof Refused) refused = again;
    } finally {
      paths.on = false;
    }
    return E.left(new EncodeError(kind, refused.field, refused.reason));
  }
  const line: unknown = (encoders[kind] as (m: unknown) => string)(message);
  if (typeof line !== 'string') return E.left(new EncodeError(kind, 'message', 'did not encode to a line'));
  if (line.includes('\r') || line.includes('\n')) return E.left(new EncodeError(kind, 'message', 'would contain CR or LF'));
  if (line.length * 3 + 2 > DEFAULT_MAX_LINE_BYTES && utf8Length(line) + 2 > DEFAULT_MAX_LINE_BYTES) return E.left(new EncodeError(kind, 'line', TOO_LONG));
  return E.right(line);
}

/**
 * The UTF-8 length of a well-formed `line`, counted without encoding it (at most 3
 * bytes per UTF-16 unit: {@link encodeChecked} counts only a line that long could be
 * over the limit). A surrogate pair is two units and 4 bytes.
 */
function utf8Length(line: string): number {
  let bytes = line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0x800) bytes += c >= 0xd800 && c <= 0xdfff ? 1 : 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}
