import { ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, HandshakeRefused, LoadFailed } from '@ace-rx/client';
import { BadTarget } from './target.js';

/** The CLI's exit codes: one per kind of failure a script may want to tell apart. */
export const EXIT = {
  OK: 0,
  /** Anything unexpected. */
  FAILURE: 1,
  /** Bad arguments. */
  USAGE: 2,
  /** No engine answers at the address (and `--emulate` was not given). */
  NO_ENGINE: 3,
  /** The engine refused the handshake: wrong product key. */
  HANDSHAKE_REFUSED: 4,
  /** The content could not be loaded or failed to start. */
  CONTENT_NOT_FOUND: 5,
  /** The engine did not answer in time. */
  TIMEOUT: 6,
  /** The engine closed the connection. */
  DISCONNECTED: 7,
} as const;

/** The exit code for an error. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof BadTarget) return EXIT.USAGE;
  if (error instanceof ConnectionFailed) return EXIT.NO_ENGINE;
  if (error instanceof HandshakeRefused) return EXIT.HANDSHAKE_REFUSED;
  if (error instanceof LoadFailed || error instanceof ContentError) return EXIT.CONTENT_NOT_FOUND;
  if (error instanceof EngineTimeout) return EXIT.TIMEOUT;
  if (error instanceof EngineDisconnected) return EXIT.DISCONNECTED;
  return EXIT.FAILURE;
}
