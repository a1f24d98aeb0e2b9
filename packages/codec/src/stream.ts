// Bytes straight to engine messages: the framing of LineDecoder, with the commonest
// STATUS lines read from the bytes without making a string of them first.
import * as E from 'fp-ts/lib/Either.js';
import { decodeEngineMessage } from './engine.js';
import type { DecodeError } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, LineFramer, type LineDecoderOptions, type LineReader, type LineTooLong } from './framing.js';
import type { EngineMessage } from './messages.js';
import { plainStatusEnd, plainStatusLine } from './status.js';
import { utf8Decode } from './text.js';

/** What an {@link EngineDecoder} yields for each line: the message, or why there is none. */
export type EngineFrame = E.Either<DecodeError | LineTooLong, EngineMessage>;

const LF = 0x0a;
const CR = 0x0d;

const decodeBytes = (bytes: Uint8Array, from: number, to: number): EngineFrame => decodeEngineMessage(utf8Decode(bytes.subarray(from, to)));

const engineLines: LineReader<EngineFrame> = {
  line: decodeBytes,
  lines(out, bytes, from, last) {
    const to = last + 1;
    while (from < to) {
      const status = plainStatusLine(bytes, from, to);
      if (status !== undefined) {
        out.push(E.right(status));
        from = plainStatusEnd.next;
        continue;
      }
      const newline = bytes.indexOf(LF, from);
      out.push(decodeBytes(bytes, from, newline > from && bytes[newline - 1] === CR ? newline - 1 : newline));
      from = newline + 1;
    }
  },
  tooLong: (limit, offset) => E.left({ _tag: 'LineTooLong', limit, offset }),
};

/**
 * Decodes an engine's byte stream into messages, however it is chunked: what
 * {@link LineDecoder} then {@link decodeEngineMessage} give, line for line, in one
 * step. Faster than the two: the periodic STATUS lines that are most of the traffic
 * are read from the bytes directly.
 *
 * @example
 * ```ts
 * const decoder = new EngineDecoder();
 * socket.on('data', (chunk) => {
 *   for (const frame of decoder.push(chunk)) {
 *     if (frame._tag === 'Right') handle(frame.right);
 *     else report(frame.left); // a DecodeError, or LineTooLong
 *   }
 * });
 * ```
 */
export class EngineDecoder extends LineFramer<EngineFrame> {
  constructor(options: LineDecoderOptions = {}) {
    super(engineLines, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }
}
