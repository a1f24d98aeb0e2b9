/**
 * Failures of the HTTP API's codecs. Two kinds, as on TCP: an error *reply* of the
 * engine (data: {@link EngineHttpError}, {@link EngineServiceError}) and a body that is
 * not what the API sends ({@link HttpDecodeError}). None is ever thrown.
 */

/**
 * A body that could not be decoded: not JSON, not an envelope, or a field of the wrong
 * type. Distinct from an engine's error reply, which decodes fine.
 *
 * @example
 * ```ts
 * decodeStatResponse('{"response": {"status": 3}, "error": null}')
 * // Left({ _tag: 'HttpDecodeError', path: 'response.status', expected: 'a string', message: 'response.status: expected a string' })
 * ```
 */
export interface HttpDecodeError {
  readonly _tag: 'HttpDecodeError';
  /** Dotted path of the offending value in the body (`response.livepos.pos`); `''` for the body itself. */
  readonly path: string;
  /** What was expected there, e.g. `a string`. */
  readonly expected: string;
  /** One readable sentence: where, and what was expected. */
  readonly message: string;
}

/** Builds an {@link HttpDecodeError} at `path` (dotted, `''` for the body). */
export function httpDecodeError(path: string, expected: string): HttpDecodeError {
  return { _tag: 'HttpDecodeError', path, expected, message: `${path === '' ? 'body' : path}: expected ${expected}` };
}

/**
 * What an `/ace/*` error string means. Official clients compare the string exactly,
 * and so does the codec: other strings are `OTHER`, with the text in `message`.
 */
export type EngineHttpErrorKind = 'LOAD_FAILED' | 'UNKNOWN_SESSION' | 'OTHER';

/** The exact error strings engines send for each known {@link EngineHttpErrorKind}. */
export const ENGINE_HTTP_ERROR_MESSAGES = {
  /** The content could not be resolved, e.g. an infohash passed as `id` (spec §4.5). */
  LOAD_FAILED: 'failed to load content',
  /** stat, cmd or event of a stopped or unknown session, or a second stop (spec §4.5). */
  UNKNOWN_SESSION: 'unknown playback session id',
} as const;

/**
 * An engine's error reply on `/ace/*`: `{"response": null, "error": "<message>"}`.
 *
 * @example
 * ```ts
 * decodeStatResponse('{"response": null, "error": "unknown playback session id"}')
 * // Left({ _tag: 'EngineHttpError', kind: 'UNKNOWN_SESSION', message: 'unknown playback session id' })
 * ```
 */
export interface EngineHttpError {
  readonly _tag: 'EngineHttpError';
  readonly kind: EngineHttpErrorKind;
  /** The engine's error string, as sent. */
  readonly message: string;
}

/** The {@link EngineHttpError} for an engine's error string (classified by exact match). */
export function engineHttpError(message: string): EngineHttpError {
  const kind: EngineHttpErrorKind =
    message === ENGINE_HTTP_ERROR_MESSAGES.LOAD_FAILED ? 'LOAD_FAILED' : message === ENGINE_HTTP_ERROR_MESSAGES.UNKNOWN_SESSION ? 'UNKNOWN_SESSION' : 'OTHER';
  return { _tag: 'EngineHttpError', kind, message };
}

/**
 * An engine's error reply on `/webui` or `/server`: `{"error": {"message": "auth_error",
 * "code": 0}}`. `code` is absent when the engine sent a bare string.
 */
export interface EngineServiceError {
  readonly _tag: 'EngineServiceError';
  readonly message: string;
  readonly code?: number;
}

/** Builds an {@link EngineServiceError}. */
export function engineServiceError(message: string, code?: number): EngineServiceError {
  return code === undefined ? { _tag: 'EngineServiceError', message } : { _tag: 'EngineServiceError', message, code };
}

/** Why an `/ace/*` body gave no response: the engine's error reply, or a malformed body. */
export type AceFailure = EngineHttpError | HttpDecodeError;

/** Why a `/webui` or `/server` body gave no result: the engine's error reply, or a malformed body. */
export type ServiceFailure = EngineServiceError | HttpDecodeError;
