import { utf8Decode, utf8Encode } from './text.js';

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
export class LineDecoder {
  /** The longest line accepted, in bytes. */
  readonly maxLineBytes: number;
  private buffer = new Uint8Array(0);
  private length = 0;
  private skipping = false;
  private consumed = 0; // bytes of the stream before the current chunk
  private lineStart = 0; // stream offset of the line being buffered

  constructor(options: LineDecoderOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    this.maxLineBytes = max;
  }

  /** Takes the next chunk of the stream; returns the lines it completed, in order. */
  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
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
   * Fast path: every line ending in `chunk[0, last]` is within the limit, so the
   * pending bytes and those lines are decoded in one call and split on `\n`. Cutting at
   * `\n` bytes never cuts a UTF-8 character.
   */
  private pushLines(out: Frame[], chunk: Uint8Array, last: number): void {
    let text: string;
    if (this.length === 0) text = utf8Decode(chunk.subarray(0, last));
    else {
      const joined = new Uint8Array(this.length + last);
      joined.set(this.buffer.subarray(0, this.length));
      joined.set(chunk.subarray(0, last), this.length);
      text = utf8Decode(joined);
      this.length = 0;
    }
    for (const line of text.split('\n')) {
      out.push(line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line);
    }
    if (last + 1 < chunk.length) {
      this.lineStart = this.consumed + last + 1;
      this.append(out, chunk, last + 1, chunk.length);
    }
  }

  /** Line by line: used when the chunk holds an over-long line or the decoder is skipping one. */
  private pushEach(out: Frame[], chunk: Uint8Array): void {
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

  /** Ends the stream: yields a last line that had no line ending, if any. */
  end(): Frame[] {
    const out: Frame[] = [];
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

  private emit(out: Frame[], bytes: Uint8Array, from: number, to: number, offset: number): void {
    const end = to > from && bytes[to - 1] === CR ? to - 1 : to;
    if (end - from > this.maxLineBytes) out.push({ _tag: 'LineTooLong', limit: this.maxLineBytes, offset });
    else out.push(utf8Decode(bytes.subarray(from, end)));
  }

  /** Appends to the partial line; past the limit, reports it, drops it and skips to the next newline. */
  private append(out: Frame[], chunk: Uint8Array, from: number, to: number): boolean {
    const needed = this.length + (to - from);
    // One byte of slack for the `\r` of a line that is exactly at the limit.
    if (needed > this.maxLineBytes + 1) {
      out.push({ _tag: 'LineTooLong', limit: this.maxLineBytes, offset: this.lineStart });
      this.length = 0;
      this.skipping = to === chunk.length || chunk[to] !== LF;
      if (this.buffer.length > INITIAL_CAPACITY * 64) this.buffer = new Uint8Array(0);
      return false;
    }
    if (needed > this.buffer.length) {
      let capacity = Math.max(this.buffer.length, INITIAL_CAPACITY);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, this.maxLineBytes + 1));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk.subarray(from, to), this.length);
    this.length = needed;
    return true;
  }
}

/** The bytes of one line on the wire: UTF-8 with the protocol's `\r\n`. */
export function encodeFrame(line: string): Uint8Array {
  return utf8Encode(line + '\r\n');
}
