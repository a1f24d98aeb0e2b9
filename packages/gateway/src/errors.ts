/** Base of every error the gateway answers with: `status` is the HTTP status a viewer gets. */
export abstract class GatewayError extends Error {
  constructor(
    /** Stable code, also the `error` field of the JSON body. */
    readonly code: string,
    /** HTTP status sent to the viewer. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The engine does not know the content (LOADRESP -1, or no answer within the load timeout): 404. */
export class ContentNotFound extends GatewayError {
  override readonly name = 'ContentNotFound';
  constructor(readonly reason: string) {
    super('CONTENT_NOT_FOUND', 404, `content not found: ${reason}`);
  }
}

/** The engine knows the content but could not start it (`STATUS main:err`, a bad playback URL): 502. */
export class StartFailed extends GatewayError {
  override readonly name = 'StartFailed';
  constructor(readonly reason: string) {
    super('START_FAILED', 502, `the engine could not start the content: ${reason}`);
  }
}

/** No engine answers (nothing listens, handshake refused, all taken out): 503. */
export class EngineUnavailable extends GatewayError {
  override readonly name = 'EngineUnavailable';
  constructor(readonly reason: string) {
    super('ENGINE_UNAVAILABLE', 503, `no engine available: ${reason}`);
  }
}

/** The engine did not reach playback within the start timeout: 504. */
export class StartTimeout extends GatewayError {
  override readonly name = 'StartTimeout';
  constructor(readonly ms: number) {
    super('START_TIMEOUT', 504, `the engine did not start the content within ${ms} ms`);
  }
}

/** A limit is reached (streams, viewers per stream, viewers in all): 503 with the limit's name. */
export class AtCapacity extends GatewayError {
  override readonly name = 'AtCapacity';
  constructor(
    readonly limit: 'maxStreams' | 'maxViewersPerStream' | 'maxViewers',
    readonly value: number,
  ) {
    super('AT_CAPACITY', 503, `${limit} reached (${value})`);
  }
}

/** The stream was given up (every viewer left, the gateway closes): no viewer sees it. */
export class StreamAborted extends GatewayError {
  override readonly name = 'StreamAborted';
  constructor() {
    super('STREAM_ABORTED', 503, 'the stream was stopped');
  }
}

/** HLS was asked of a content that is a file (a film), not a live stream: 409; its `/ace/getstream` URL serves it, with Range. */
export class NotLive extends GatewayError {
  override readonly name = 'NotLive';
  constructor() {
    super('NOT_LIVE', 409, 'the content is a file, not a live stream: open its /ace/getstream URL (it takes Range) instead of HLS');
  }
}

/** HLS was asked of a gateway whose engines are all TCP-only backends: 501. */
export class NoHls extends GatewayError {
  override readonly name = 'NoHls';
  constructor() {
    super('HLS_UNAVAILABLE', 501, 'HLS needs an engine on the HTTP API (--api http or auto); use /ace/getstream');
  }
}

/**
 * {@link startGateway} was given an option it cannot use (a port that is not an integer
 * 0–65535, an empty host, no engine): thrown before anything listens.
 */
export class InvalidGatewayOption extends TypeError {
  /** Stable code. */
  readonly code = 'INVALID_GATEWAY_OPTION';
  override readonly name = 'InvalidGatewayOption';
  constructor(
    /** The option's name (`port`, `host`, `engines`). */
    readonly option: string,
    /** What is wrong with it. */
    readonly reason: string,
  ) {
    super(`startGateway: ${option} ${reason}`);
  }
}

/**
 * The gateway is draining (it was asked to stop, see `Gateway.drain`): its viewers keep
 * watching, a new one gets 503 with `Retry-After` and is sent elsewhere by the balancer.
 */
export class Draining extends GatewayError {
  override readonly name = 'Draining';
  constructor(
    /** Seconds a client should wait before asking again (the `Retry-After` header). */
    readonly retryAfterSeconds: number,
  ) {
    super('DRAINING', 503, 'the gateway is draining: its viewers keep watching, new ones are served elsewhere');
  }
}
