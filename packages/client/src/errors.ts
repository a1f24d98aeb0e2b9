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

/** LOADRESP status -1 (or an undecodable `##` LOAD answer): the content could not be loaded. */
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
