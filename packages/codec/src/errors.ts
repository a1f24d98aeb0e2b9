/**
 * Why a line could not be decoded. A value, never thrown: decoders return it in
 * the `Left` of an `Either`.
 *
 * @example
 * ```ts
 * decodeEngineMessage('AUTH x')
 * // Left({ _tag: 'DecodeError', line: 'AUTH x', position: 5, expected: 'an integer (auth level)', ... })
 * ```
 */
export interface DecodeError {
  readonly _tag: 'DecodeError';
  /** The whole line, without its line ending. */
  readonly line: string;
  /** 0-based offset (UTF-16 code units) in `line` where decoding failed. */
  readonly position: number;
  /** What the decoder expected at `position`, e.g. `an integer (auth level)`. */
  readonly expected: string;
  /** One readable sentence: what was expected, where, and an excerpt of the line. */
  readonly message: string;
}

const EXCERPT = 40;

/** Builds a {@link DecodeError} for `line`, failing at `position` because `expected` was not found. */
export function decodeError(line: string, position: number, expected: string): DecodeError {
  const at = Math.max(0, Math.min(position, line.length));
  const excerpt = line.slice(at, at + EXCERPT);
  const more = line.length > at + EXCERPT ? '…' : '';
  return {
    _tag: 'DecodeError',
    line,
    position: at,
    expected,
    message: `expected ${expected} at position ${at}: ${JSON.stringify(excerpt + more)}`,
  };
}

/**
 * What the codec's line readers throw on malformed input (`ParamsSchema.read` and
 * `readLine`): the position, relative to the text being read, and what was expected
 * there. Not an `Error`, so throwing it costs no stack capture. The decoders catch it
 * at their boundary and return a {@link DecodeError}; a decoder of your own built on
 * those readers does the same with {@link decodeError}.
 */
export class ParseFailure {
  constructor(
    readonly position: number,
    readonly expected: string,
  ) {}
}

/** Throws a {@link ParseFailure}; decoders catch it at their boundary. */
export function fail(position: number, expected: string): never {
  throw new ParseFailure(position, expected);
}

/**
 * Why a message could not be encoded: a missing or ill-typed field, a number the
 * grammar cannot carry (`NaN`, `Infinity`, a fraction where an integer is wanted, a
 * negative id), an unknown `kind`, a token that would put whitespace, a control
 * character or a line break where the line cannot hold one, or a line longer than the
 * engine reads (`field: 'line'`). The encoders never write such a line: `encodeClientMessage` /
 * `encodeEngineMessage` throw this, `tryEncodeClientMessage` / `tryEncodeEngineMessage`
 * return it in a `Left`.
 *
 * @example
 * ```ts
 * tryEncodeClientMessage({ kind: 'GETPID', infohash: 'ab\r\nSTOP', developerId: 0, affiliateId: 0, zoneId: 0 })
 * // Left(EncodeError { kind: 'GETPID', field: 'infohash', reason: 'must not contain whitespace or a control character' })
 * ```
 */
export class EncodeError extends Error {
  /** Tag, as on {@link DecodeError}. */
  readonly _tag = 'EncodeError';
  /** Tells it apart without `instanceof`, as the client's errors do. */
  readonly code = 'ENCODE_ERROR';
  override readonly name = 'EncodeError';
  constructor(
    /** The message's `kind` (as given, `String`-ed when it was not a string). */
    readonly kind: string,
    /** The field at fault (dotted path, e.g. `source.url`), or `kind` itself. */
    readonly field: string,
    /** What is wrong with it, e.g. `must be an integer`. */
    readonly reason: string,
  ) {
    super(`cannot encode ${kind}: ${field} ${reason}`);
  }
}

/**
 * What was thrown, in a few words, without touching it beyond what cannot throw: a
 * thrown Proxy (revoked, or trapping `getPrototypeOf`) makes even `instanceof` throw.
 */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      if (typeof message === 'string') return message;
    }
  } catch {
    // Not an Error we can read: its type says enough.
  }
  return `a thrown ${error === null ? 'null' : typeof error}`;
}
