// The boundary every encoder goes through: whatever the caller hands in (typed or not),
// the result is a line the grammar can carry, or an EncodeError. Field-level rules live
// beside each message's encoder; this is the last line of defence.
import * as E from 'fp-ts/lib/Either.js';
import { EncodeError } from './errors.js';

/** Runs the encoder of `message.kind` from `encoders`, never letting an invalid line out. */
export function guardedEncode(encoders: Readonly<Record<string, (m: never) => string>>, message: unknown): E.Either<EncodeError, string> {
  if (typeof message !== 'object' || message === null) return E.left(new EncodeError(String(message), 'message', 'must be an object'));
  const kind: unknown = (message as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(encoders, kind)) {
    return E.left(new EncodeError(String(kind), 'kind', 'is not a known kind'));
  }
  let line: string;
  try {
    line = (encoders[kind] as (m: unknown) => string)(message);
  } catch (error) {
    if (error instanceof EncodeError) return E.left(error);
    return E.left(new EncodeError(kind, 'message', `is malformed (${error instanceof Error ? error.message : String(error)})`));
  }
  if (typeof line !== 'string') return E.left(new EncodeError(kind, 'message', 'did not encode to a line'));
  if (line.includes('\r') || line.includes('\n')) return E.left(new EncodeError(kind, 'message', 'would contain CR or LF'));
  return E.right(line);
}
