/** Base of every error the client raises; `code` tells them apart without `instanceof`. */
export abstract class AceError extends Error {
  abstract readonly code: string;
}

/** The transport could not connect to the engine (nothing listens, refused, unreachable). */
export class ConnectionFailed extends AceError {
  readonly code = 'CONNECTION_FAILED';
  override readonly name = 'ConnectionFailed';
  constructor(
    readonly host: string,
    readonly port: number,
    override readonly cause?: unknown,
  ) {
    super(`cannot connect to the engine at ${host}:${port}${cause instanceof Error ? `: ${cause.message}` : ''}`);
  }
}

/** The connection to the engine ended while something was still waiting on it. */
export class EngineDisconnected extends AceError {
  readonly code = 'ENGINE_DISCONNECTED';
  override readonly name = 'EngineDisconnected';
  constructor(
    message = 'the engine closed the connection',
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The engine refused the handshake (`NOTREADY`): wrong or missing product key. */
export class HandshakeRefused extends AceError {
  readonly code = 'HANDSHAKE_REFUSED';
  override readonly name = 'HandshakeRefused';
  constructor() {
    super('the engine refused the handshake (NOTREADY): check the product key');
  }
}

/** The engine did not answer in time. `what` names the flow (`handshake`, `GETPID`, `START`, ...). */
export class EngineTimeout extends AceError {
  readonly code = 'ENGINE_TIMEOUT';
  override readonly name = 'EngineTimeout';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`the engine did not answer ${what} within ${ms} ms`);
  }
}

/** LOADRESP status -1 or 100, an undecodable LOADRESP or `##` LOAD answer: the content could not be loaded. */
export class LoadFailed extends AceError {
  readonly code = 'LOAD_FAILED';
  override readonly name = 'LoadFailed';
  constructor(readonly reason: string) {
    super(`the engine could not load the content: ${reason}`);
  }
}

/** `STATUS main:err;<id>;<message>`, or the engine stopped the content before playback. */
export class ContentError extends AceError {
  readonly code = 'CONTENT_ERROR';
  override readonly name = 'ContentError';
  constructor(
    readonly errorId: number | undefined,
    readonly reason: string,
  ) {
    super(`the engine reports an error${errorId === undefined ? '' : ` ${errorId}`}: ${reason}`);
  }
}

/**
 * The session's connection has ended, so the flow cannot run: every flow subscribed
 * (and `send` called) after the end fails at once with this. `reason` says who ended
 * it: `closed` by this side (`close()`, `await using`, or unsubscribing `connect()`,
 * which `firstValueFrom(connect())` does at once), or `lost` (the engine closed the
 * connection, the transport failed, the handshake timed out); `cause` is then the
 * error that ended it.
 */
export class SessionClosed extends AceError {
  readonly code = 'SESSION_CLOSED';
  override readonly name = 'SessionClosed';
  constructor(
    readonly reason: 'closed' | 'lost',
    override readonly cause?: unknown,
  ) {
    super(
      reason === 'closed'
        ? 'the session is closed: close() was called or connect() was unsubscribed (firstValueFrom(connect()) unsubscribes at once: use open())'
        : `the session's connection was lost${cause instanceof Error ? `: ${cause.message}` : ''}`,
    );
  }
}

/**
 * The engine's handshake could not be read: a `HELLOTS` or `AUTH` line that does not
 * decode. `cause` is the codec's `DecodeError`, whose message is in this one's.
 */
export class HandshakeFailed extends AceError {
  readonly code = 'HANDSHAKE_FAILED';
  override readonly name = 'HandshakeFailed';
  constructor(
    readonly line: string,
    override readonly cause?: unknown,
  ) {
    super(`the engine's handshake line cannot be read (${line.slice(0, 80)}): ${(cause as { message?: string } | undefined)?.message ?? 'malformed'}`);
  }
}
