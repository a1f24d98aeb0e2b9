/** Base of every error the gateway answers with: `status` is the HTTP status a viewer gets. */
export abstract class GatewayError extends Error {
  /** Stable code, also the `error` field of the JSON body. */
  abstract readonly code: string;
  /** HTTP status sent to the viewer. */
  abstract readonly status: number;
}

/** The engine does not know the content (LOADRESP -1, or no answer within the load timeout): 404. */
export class ContentNotFound extends GatewayError {
  readonly code = 'CONTENT_NOT_FOUND';
  readonly status = 404;
  override readonly name = 'ContentNotFound';
  constructor(readonly reason: string) {
    super(`content not found: ${reason}`);
  }
}

/** The engine knows the content but could not start it (`STATUS main:err`, a bad playback URL): 502. */
export class StartFailed extends GatewayError {
  readonly code = 'START_FAILED';
  readonly status = 502;
  override readonly name = 'StartFailed';
  constructor(readonly reason: string) {
    super(`the engine could not start the content: ${reason}`);
  }
}

/** No engine answers (nothing listens, handshake refused, all taken out): 503. */
export class EngineUnavailable extends GatewayError {
  readonly code = 'ENGINE_UNAVAILABLE';
  readonly status = 503;
  override readonly name = 'EngineUnavailable';
  constructor(readonly reason: string) {
    super(`no engine available: ${reason}`);
  }
}

/** The engine did not reach playback within the start timeout: 504. */
export class StartTimeout extends GatewayError {
  readonly code = 'START_TIMEOUT';
  readonly status = 504;
  override readonly name = 'StartTimeout';
  constructor(readonly ms: number) {
    super(`the engine did not start the content within ${ms} ms`);
  }
}

/** A limit is reached (streams, viewers per stream, viewers in all): 503 with the limit's name. */
export class AtCapacity extends GatewayError {
  readonly code = 'AT_CAPACITY';
  readonly status = 503;
  override readonly name = 'AtCapacity';
  constructor(
    readonly limit: 'maxStreams' | 'maxViewersPerStream' | 'maxViewers',
    readonly value: number,
  ) {
    super(`${limit} reached (${value})`);
  }
}

/** The stream was given up (every viewer left, the gateway closes): no viewer sees it. */
export class StreamAborted extends GatewayError {
  readonly code = 'STREAM_ABORTED';
  readonly status = 503;
  override readonly name = 'StreamAborted';
  constructor() {
    super('the stream was stopped');
  }
}

/** HLS was asked of a gateway whose engines are all TCP-only backends: 501. */
export class NoHls extends GatewayError {
  readonly code = 'HLS_UNAVAILABLE';
  readonly status = 501;
  override readonly name = 'NoHls';
  constructor() {
    super('HLS needs an engine on the HTTP API (--api http or auto); use /ace/getstream');
  }
}
