// Bytes straight to engine messages: the framing of LineDecoder, with the commonest
// lines (plain STATUS, numeric EVENTs) read from the bytes without making a string of
// them first.
import * as E from './either.js';
import type { DecodeError } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, LineFramer, type LineDecoderOptions, type LineReader, type LineTooLong } from './framing.js';
import type { EngineMessage } from './messages.js';
import { bareCommandLine, decodeEngineMessage, plainEventLine } from './engine.js';
import { decodeError } from './errors.js';
import { fastPathEnd } from './fastpath.js';
import { plainStatusLine } from './status.js';
import { readLines, utf8Decode } from './text.js';

/** What an {@link EngineDecoder} yields for each line: the message, or why there is none. */
export type EngineFrame = E.Either<DecodeError | LineTooLong, EngineMessage>;

const LF = 0x0a;

/** `E.right`, local: a namespace property read per line costs in bundles that wrap CommonJS modules. */
const right = (message: EngineMessage): EngineFrame => ({ _tag: 'Right', right: message });

const decodeBytes = (bytes: Uint8Array, from: number, to: number): EngineFrame => decodeEngineMessage(utf8Decode(bytes.subarray(from, to)));

/** Decodes the whole lines of `bytes[from, to)` (`to` just past a `\n`) as text: one UTF-8 decode for them all. */
function decodeText(out: EngineFrame[], bytes: Uint8Array, from: number, to: number): void {
  readLines(out, utf8Decode(bytes.subarray(from, to - 1)), decodeEngineMessage);
}

const engineLines: LineReader<EngineFrame> = {
  line: decodeBytes,
  lines(out, bytes, from, last) {
    const to = last + 1;
    // Lines the fast path does not take are decoded as text, a run of them at a time.
    let text = from;
    while (from < to) {
      const message = plainStatusLine(bytes, from, to) ?? plainEventLine(bytes, from, to) ?? bareCommandLine(bytes, from, to);
      if (message === undefined) {
        from = bytes.indexOf(LF, from) + 1;
        continue;
      }
      if (text < from) decodeText(out, bytes, text, from);
      out.push(right(message));
      from = text = fastPathEnd.next;
    }
    if (text < to) decodeText(out, bytes, text, to);
  },
  tooLong: (limit, offset) => E.left({ _tag: 'LineTooLong', limit, offset }),
  notBytes: () => E.left(decodeError('', 0, 'a chunk of bytes (a Uint8Array)')),
};

/**
 * Decodes an engine's byte stream into messages, however it is chunked: what
 * {@link LineDecoder} then {@link decodeEngineMessage} give, line for line, in one
 * step, exactly: so, as `decodeEngineMessage` drops one trailing `\r` of the line
 * `LineDecoder` cut, `x\r\r\n` reads as `x` (and `x\r\r\r\n` as the line `x\r`). A
 * chunk that is not a `Uint8Array` gives a `Left` DecodeError, never a throw. Faster
 * than the two: the periodic lines that are most of the traffic (plain STATUS, numeric
 * EVENTs such as `livepos`) are read from the bytes directly.
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
