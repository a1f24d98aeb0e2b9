import { BadTarget } from './target.js';

/** The CLI's exit codes: one per kind of failure a script may want to tell apart. */
export const EXIT = {
  OK: 0,
  /** Anything unexpected. */
  FAILURE: 1,
  /** Bad arguments (checked before anything is sent to the engine). */
  USAGE: 2,
  /** No engine answers at the address (and `--emulate` was not given). */
  NO_ENGINE: 3,
  /** The engine refused the handshake: wrong product key. */
  HANDSHAKE_REFUSED: 4,
  /** The content could not be loaded or failed to start. */
  CONTENT_NOT_FOUND: 5,
  /** The engine did not answer in time. */
  TIMEOUT: 6,
  /** The engine closed the connection, or stopped serving the stream, while in use. */
  DISCONNECTED: 7,
  /** What listens at the address is not an Ace Stream TCP API (an HTTP server, say), or its HTTP API answers `get_version` as no engine does. */
  NOT_AN_ENGINE: 8,
  /** Stopped by Ctrl-C (SIGINT): 128 + 2. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  TERMINATED: 143,
} as const;

/** A bad argument or option: exit 2, before anything is sent to the engine. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What answered at the address does not speak the engine's API (the TCP API, or the HTTP API's `get_version`). */
export class NotAnEngine extends Error {
  override readonly name = 'NotAnEngine';
  constructor(
    readonly host: string,
    readonly port: number,
    /** What it did instead: `it answered HTTP`, `it sent bytes that are not this protocol`, `its get_version answer … is not an engine's`. */
    readonly what: string,
    /** Which API was expected there. */
    readonly api: 'tcp' | 'http' = 'tcp',
  ) {
    const usual = api === 'tcp' ? 62062 : 6878;
    super(`not an Ace Stream ${api === 'tcp' ? 'TCP' : 'HTTP'} API at ${host}:${port}: ${what}${port === usual ? '' : `; the ${api === 'tcp' ? 'TCP' : 'HTTP'} API is on ${usual}`}`);
  }
}

/** `ace-rx serve`'s port is taken: exit 1, said in one line before anything starts. */
export class PortInUse extends Error {
  override readonly name = 'PortInUse';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`serve: port ${port} on ${host} is in use (another ace-rx serve?): choose another with --port, or --port 0 for a free one`);
  }
}

/** The engine went away while the stream was playing or being saved. */
export class EngineLost extends Error {
  override readonly name = 'EngineLost';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The command was stopped by a signal (Ctrl-C is SIGINT). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`stopped by ${signal}`);
  }
  /** 130 for SIGINT, 143 for SIGTERM. */
  get exitCode(): number {
    return this.signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.TERMINATED;
  }
}

/** The exit code of each of the client's errors, by its `code`. */
const CLIENT_EXIT: Readonly<Record<string, number>> = {
  CONNECTION_FAILED: EXIT.NO_ENGINE,
  HANDSHAKE_REFUSED: EXIT.HANDSHAKE_REFUSED,
  LOAD_FAILED: EXIT.CONTENT_NOT_FOUND,
  CONTENT_ERROR: EXIT.CONTENT_NOT_FOUND,
  ENGINE_TIMEOUT: EXIT.TIMEOUT,
  ENGINE_DISCONNECTED: EXIT.DISCONNECTED,
};

/** The exit code for an error. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof Interrupted) return error.exitCode;
  if (error instanceof BadTarget || error instanceof UsageError) return EXIT.USAGE;
  if (error instanceof NotAnEngine) return EXIT.NOT_AN_ENGINE;
  if (error instanceof EngineLost) return EXIT.DISCONNECTED;
  // The client's errors by their stable codes (ConnectionFailed, HandshakeRefused, …): the
  // CLI need not load the client, and rxjs with it, to tell them apart (ace-rx serve idles
  // without them).
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return (typeof code === 'string' ? CLIENT_EXIT[code] : undefined) ?? EXIT.FAILURE;
}
