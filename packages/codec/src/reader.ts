import * as E from './either.js';
import { decodeError, type DecodeError, fail, ParseFailure } from './errors.js';
import type { Params } from './params.js';
import { makeParams, readRawParam, type RawParam } from './params.js';
import { readInteger, skipSpaces, wordEnd, withoutCr } from './text.js';

/**
 * The space-separated words of a line after its command, read one at a time (a
 * cursor, so a long tail such as LOADRESP's JSON is never cut into words). Runs of
 * spaces count as one separator. Every read fails with the offset it stopped at.
 */
export class Words {
  private next: number; // offset of the next word, or the line's length

  constructor(
    readonly line: string,
    from: number,
  ) {
    this.next = skipSpaces(line, from);
  }

  /** Offset of the next word, or the end of the line. */
  get position(): number {
    return this.next;
  }

  /** Whether words are left. */
  get more(): boolean {
    return this.next < this.line.length;
  }

  /** The next word without taking it. */
  peek(): string | undefined {
    return this.more ? this.line.slice(this.next, wordEnd(this.line, this.next)) : undefined;
  }

  /** Takes the next word; fails with `expected` at the end of the line. */
  word(expected: string): string {
    if (!this.more) fail(this.line.length, expected);
    const end = wordEnd(this.line, this.next);
    const word = this.line.slice(this.next, end);
    this.next = skipSpaces(this.line, end);
    return word;
  }

  /** Takes the next word as an integer (read in place: no substring, no message unless it fails). */
  int(what: string): number {
    const at = this.next;
    if (!this.more) fail(this.line.length, `an integer (${what})`);
    const end = wordEnd(this.line, at);
    const n = readInteger(this.line, at, end, at, what);
    this.next = skipSpaces(this.line, end);
    return n;
  }

  /** Takes the next word as a non-negative integer. */
  count(what: string): number {
    const at = this.position;
    const n = this.int(what);
    if (n < 0) fail(at, `a non-negative integer (${what})`);
    return n;
  }

  /** Takes every remaining word as `key=value`. */
  rawParams(): RawParam[] {
    const out: RawParam[] = [];
    while (this.more) {
      const at = this.next;
      const end = wordEnd(this.line, at);
      out.push(readRawParam(this.line, at, end));
      this.next = skipSpaces(this.line, end);
    }
    return out;
  }

  /** Takes every remaining word as `key=value` into {@link Params}. */
  params(): Params {
    return makeParams(this.rawParams().map((p) => [p.key, p.value] as const));
  }

  /** Takes every remaining word as it stands. */
  rest(): string[] {
    const rest: string[] = [];
    while (this.more) rest.push(this.word(''));
    return rest;
  }

  /** Fails unless every word was taken. */
  end(): void {
    if (this.more) fail(this.position, 'end of line');
  }
}

/** `Params` when non-empty, else `undefined`: messages omit an empty `extra`. */
export function nonEmpty(raw: readonly RawParam[]): Params | undefined {
  return raw.length === 0 ? undefined : makeParams(raw.map((p) => [p.key, p.value] as const));
}

/**
 * Runs a parser over a line, turning a {@link ParseFailure} into a `Left`, and anything
 * but a string into one too. One trailing `\r` is dropped, so lines split on `\n` alone
 * decode too (and a line a framer cut from `x\r\r\n` reads as `x`, whichever decoder cut it).
 */
export function runParser<A>(line: unknown, parse: (line: string) => A): E.Either<DecodeError, A> {
  if (typeof line !== 'string') return E.left(decodeError('', 0, `a line (a string, not ${line === null ? 'null' : typeof line})`));
  const text = withoutCr(line);
  try {
    return E.right(parse(text));
  } catch (e) {
    if (e instanceof ParseFailure) return E.left(decodeError(text, e.position, e.expected));
    // Not reached by any line we know of; a Left all the same, never a throw.
    return E.left(decodeError(text, 0, `a line this codec can read (${e instanceof Error ? e.name : 'error'})`));
  }
}

/** The command word of a line and the offset just after it. */
export function commandOf(line: string): { command: string; after: number } {
  const space = line.indexOf(' ');
  return space === -1 ? { command: line, after: line.length } : { command: line.slice(0, space), after: space + 1 };
}

/** Joins the non-empty parts of a line with single spaces. */
export function joinLine(...parts: readonly string[]): string {
  let out = '';
  for (const part of parts) if (part !== '') out += (out === '' ? '' : ' ') + part;
  return out;
}
