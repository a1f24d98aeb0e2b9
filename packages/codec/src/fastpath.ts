// What the byte-level fast paths of EngineDecoder share: each reads the commonest
// shape of one kind of line straight from the bytes, or declines and leaves the line
// to the text decoder, so a fast path never changes what a line decodes to.

const CR = 0x0d;
const LF = 0x0a;

/** Where the line taken by the last successful fast path ended: just past its `\n`. */
export const fastPathEnd = { next: 0 };

/**
 * Whether a line's content ends at `bytes[end]`: a `\n` follows within `bytes[end, to)`,
 * with at most one `\r` before it (the line ending's: any other `\r` is content, which
 * the text decoder reads).
 * Sets {@link fastPathEnd} when it does.
 */
export function endsLine(bytes: Uint8Array, end: number, to: number): boolean {
  if (end < to && bytes[end] === CR) end++;
  if (end >= to || bytes[end] !== LF) return false;
  fastPathEnd.next = end + 1;
  return true;
}

/** Whether `bytes` hold `word` at `at`, entirely before `to`. */
export function bytesAt(bytes: Uint8Array, at: number, to: number, word: Uint8Array): boolean {
  if (at + word.length > to) return false;
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word[i]) return false;
  return true;
}
