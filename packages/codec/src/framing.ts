import { readLines, utf8Decode, utf8Encode } from './text.js';

/** A line longer than the decoder's limit: dropped, the decoder resynchronises at the next newline. */
export interface LineTooLong {
  readonly _tag: 'LineTooLong';
  /** The limit in bytes that was passed. */
  readonly limit: number;
  /** Byte offset in the stream where the dropped line began. */
  readonly offset: number;
}

/**
 * What {@link LineDecoder} yields for each line: the decoded line, or why it was
 * dropped. A plain union (test with `typeof frame === 'string'`) rather than an
 * `Either`, because framing runs once per line on the hot path.
 */
export type Frame = string | LineTooLong;

/** Options of a {@link LineDecoder}. */
export interface LineDecoderOptions {
  /**
   * Longest line accepted, in bytes before the line ending (default 1 MiB: a LOAD RAW
   * line carries a whole base64 torrent). Never more than this is buffered.
   */
  readonly maxLineBytes?: number;
}

/** Default {@link LineDecoderOptions.maxLineBytes}: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const INITIAL_CAPACITY = 256;

/**
 * What a {@link LineFramer} makes of lines: {@link LineDecoder}'s reader makes strings,
 * `EngineDecoder`'s messages.
 */
export interface LineReader<T> {
  /** One line's content, line ending removed, within the limit. */
  line(bytes: Uint8Array, from: number, to: number): T;
  /**
   * Every line of `bytes[from, last]`, in order: `bytes[last]` is a `\n`, every line
   * ends with one and is within the limit. The line endings are the reader's to strip.
   */
  lines(out: T[], bytes: Uint8Array, from: number, last: number): void;
  /** A line longer than the limit, dropped. */
  tooLong(limit: number, offset: number): T;
  /** What a chunk that is not a `Uint8Array` gives (nothing when absent): never a throw. */
  notBytes?(): T;
}

/**
 * Splits a byte stream into lines however it is chunked and hands them to a
 * {@link LineReader}: `\n` or `\r\n` end a line (a lone `\r` does not, and any `\r` but the one just before `\n` is content); a line
 * longer than the limit is reported and skipped up to the next newline, buffering no
 * more than the limit. The base of {@link LineDecoder} and `EngineDecoder`; extend it
 * to read lines into something else.
 */
export class LineFramer<T> {
  private buffer = new Uint8Array(0);
  private length = 0;
  private skipping = false;
  private consumed = 0; // bytes of the stream before the current chunk
  private lineStart = 0; // stream offset of the line being buffered

  constructor(
    private readonly reader: LineReader<T>,
    /** The longest line accepted, in bytes. */
    readonly maxLineBytes: number,
  ) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
  }

  /**
   * Takes the next chunk of the stream; returns what its completed lines read as, in
   * order. Never throws: a chunk that is not a `Uint8Array` (a Node `Buffer` is one) is
   * dropped, giving what the reader's `notBytes` makes of it (`EngineDecoder`: a `Left`
   * DecodeError; `LineDecoder`: nothing).
   */
  push(chunk: Uint8Array): T[] {
    if (!(chunk instanceof Uint8Array)) return this.reader.notBytes ? [this.reader.notBytes()] : [];
    const out: T[] = [];
    const last = chunk.lastIndexOf(LF);
    // Lines shorter than the whole chunk need no length check one by one.
    const fits = this.length + last <= this.maxLineBytes || this.fitsLimit(chunk, last);
    if (last !== -1 && !this.skipping && fits) this.pushLines(out, chunk, last);
    else this.pushEach(out, chunk);
    this.consumed += chunk.length;
    return out;
  }

  /** Whether every line completed in `chunk[0, last]` is within the limit. */
  private fitsLimit(chunk: Uint8Array, last: number): boolean {
    let start = 0;
    let pending = this.length;
    for (let newline = chunk.indexOf(LF); newline !== -1 && newline <= last; newline = chunk.indexOf(LF, start)) {
      const end = newline > 0 && chunk[newline - 1] === CR ? newline - 1 : newline;
      // The `\r` of a pending line just before a chunk that starts with `\n` is not content.
      const content = pending + end - start - (newline === 0 && pending > 0 && this.buffer[pending - 1] === CR ? 1 : 0);
      if (content > this.maxLineBytes) return false;
      pending = 0;
      start = newline + 1;
    }
    return true;
  }

  /**
   * Fast path: every line ending in `chunk[0, last]` is within the limit. The pending
   * line is completed alone, the lines whole in the chunk go to the reader at once.
   */
  private pushLines(out: T[], chunk: Uint8Array, last: number): void {
    let from = 0;
    if (this.length > 0) {
      // The pending line, completed with its `\n`, goes to the reader like the others
      // (so to EngineDecoder's fast paths too): it fits, as push checked.
      const first = chunk.indexOf(LF);
      this.grow(this.length + first + 1);
      this.buffer.set(chunk.subarray(0, first + 1), this.length);
      this.reader.lines(out, this.buffer, 0, this.length + first);
      this.length = 0;
      from = first + 1;
    }
    if (from <= last) this.reader.lines(out, chunk, from, last);
    if (last + 1 < chunk.length) {
      this.lineStart = this.consumed + last + 1;
      this.append(out, chunk, last + 1, chunk.length);
    }
  }

  /** Line by line: used when the chunk holds an over-long line or the framer is skipping one. */
  private pushEach(out: T[], chunk: Uint8Array): void {
    let start = 0;
    for (let newline = chunk.indexOf(LF); newline !== -1; newline = chunk.indexOf(LF, start)) {
      if (this.skipping) this.skipping = false;
      else if (this.length === 0) this.emit(out, chunk, start, newline, this.consumed + start);
      else if (this.append(out, chunk, start, newline)) {
        this.emit(out, this.buffer, 0, this.length, this.lineStart);
      }
      this.length = 0;
      start = newline + 1;
    }
    if (start < chunk.length && !this.skipping) {
      if (this.length === 0) this.lineStart = this.consumed + start;
      this.append(out, chunk, start, chunk.length);
    }
  }

  /** Ends the stream: a last line that had no line ending, if any. */
  end(): T[] {
    const out: T[] = [];
    if (this.length > 0) this.emit(out, this.buffer, 0, this.length, this.lineStart);
    this.reset();
    return out;
  }

  /** Forgets any partial line, e.g. after a reconnect. */
  reset(): void {
    this.length = 0;
    this.skipping = false;
    this.consumed = 0;
    this.buffer = new Uint8Array(0);
  }

  /** Bytes held for the unfinished line. */
  get buffered(): number {
    return this.length;
  }

  private emit(out: T[], bytes: Uint8Array, from: number, to: number, offset: number): void {
    const end = to > from && bytes[to - 1] === CR ? to - 1 : to;
    if (end - from > this.maxLineBytes) out.push(this.reader.tooLong(this.maxLineBytes, offset));
    else out.push(this.reader.line(bytes, from, end));
  }

  /** Appends to the partial line; past the limit, reports it, drops it and skips to the next newline. */
  private append(out: T[], chunk: Uint8Array, from: number, to: number): boolean {
    const needed = this.length + (to - from);
    // One byte of slack for the `\r` of a line that is exactly at the limit.
    if (needed > this.maxLineBytes + 1) {
      out.push(this.reader.tooLong(this.maxLineBytes, this.lineStart));
      this.length = 0;
      this.skipping = to === chunk.length || chunk[to] !== LF;
      if (this.buffer.length > INITIAL_CAPACITY * 64) this.buffer = new Uint8Array(0);
      return false;
    }
    this.grow(needed);
    this.buffer.set(chunk.subarray(from, to), this.length);
    this.length = needed;
    return true;
  }

  /** Makes room for `needed` bytes of a line that fits: at most the limit, a `\r` and a `\n`. */
  private grow(needed: number): void {
    if (needed <= this.buffer.length) return;
    let capacity = Math.max(this.buffer.length, INITIAL_CAPACITY);
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, this.maxLineBytes + 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

const asString = (line: string): Frame => line;

const stringLines: LineReader<Frame> = {
  line: (bytes, from, to) => utf8Decode(bytes.subarray(from, to)),
  // One decode for all the chunk's whole lines, then a split: cutting at `\n` bytes
  // never cuts a UTF-8 character.
  lines(out, bytes, from, last) {
    readLines(out, utf8Decode(bytes.subarray(from, last)), asString);
  },
  tooLong: (limit, offset) => ({ _tag: 'LineTooLong', limit, offset }),
};

/**
 * Splits a byte stream into lines, however it is chunked: `\n` or `\r\n` end a line
 * (a lone `\r` does not), each line is UTF-8-decoded whole, so a character or a
 * `\r\n` cut across chunks is never damaged.
 *
 * @example
 * ```ts
 * const lines = new LineDecoder();
 * socket.on('data', (chunk) => {
 *   for (const frame of lines.push(chunk)) if (typeof frame === 'string') handle(frame);
 * });
 * ```
 */
export class LineDecoder extends LineFramer<Frame> {
  constructor(options: LineDecoderOptions = {}) {
    super(stringLines, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }
}

/** The bytes of one line on the wire: UTF-8 with the protocol's `\r\n`. */
export function encodeFrame(line: string): Uint8Array {
  return utf8Encode(line + '\r\n');
}
