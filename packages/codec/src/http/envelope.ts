import * as E from '../either.js';
import * as t from 'io-ts';
import { engineHttpError, engineServiceError, httpDecodeError, type AceFailure, type EngineHttpError, type EngineServiceError, type ServiceFailure } from './errors.js';
import { attempt, failAt, isObject, own, parseJson, readerType, stripJsonp } from './read.js';

/**
 * A decoded `/ace/*` body: the engine's error reply on the left, the typed response on
 * the right. What the envelope codecs decode to and encode from.
 */
export type AceReply<A> = E.Either<EngineHttpError, A>;

/**
 * A decoded `/webui` or `/server` body: the engine's error reply on the left, the typed
 * result on the right.
 */
export type ServiceReply<A> = E.Either<EngineServiceError, A>;

/** The `/ace/*` envelope as it stands on the wire: `{"response": …, "error": …}`. */
export interface AceEnvelopeJson<O> {
  readonly response: O | null;
  readonly error: string | null;
}

/** The `/webui` and `/server` envelope on the wire: `{"result": …, "error": …}` (`error` may be absent). */
export interface ServiceEnvelopeJson<O> {
  readonly result?: O | null;
  readonly error?: { readonly message: string; readonly code: number } | string | null;
}

/** One response body's reader and writer, the inside of an envelope. */
export interface Part<A, O> {
  readonly name: string;
  readonly is: (u: unknown) => u is A;
  readonly read: (u: unknown, path: string) => A;
  readonly write: (a: A) => O;
}

/** The error member of an `/ace/*` envelope, or undefined when it reports none. */
function aceError(error: unknown): EngineHttpError | undefined {
  // An empty string reads as no error, as the official clients' truthiness tests do.
  if (error === null || error === undefined || error === '') return undefined;
  if (typeof error === 'string') return engineHttpError(error);
  // Not seen on /ace/*, but the /server form costs nothing to accept.
  if (isObject(error) && typeof own(error, 'message') === 'string') return engineHttpError(own(error, 'message') as string);
  return failAt('error', 'null or an error string');
}

/** Reads an `/ace/*` envelope: the error reply on the left, `read` of `response` on the right. Throws a ReadFailure on a malformed body. */
export function readAce<A>(u: unknown, read: (u: unknown, path: string) => A): AceReply<A> {
  if (!isObject(u)) return failAt('', 'a JSON object {"response", "error"}');
  // An error string wins over any response, as in the official clients.
  const error = aceError(own(u, 'error'));
  if (error) return E.left(error);
  const response = own(u, 'response');
  if (response === undefined || response === null) return failAt('response', 'a response when error is null');
  return E.right(read(response, 'response'));
}

function serviceError(error: unknown): EngineServiceError | undefined {
  if (error === null || error === undefined || error === '') return undefined;
  if (typeof error === 'string') return engineServiceError(error);
  if (!isObject(error)) return failAt('error', 'null, an error string or {message, code}');
  const message = own(error, 'message');
  if (typeof message !== 'string') return failAt('error.message', 'a string');
  const code = own(error, 'code');
  if (code === undefined || code === null) return engineServiceError(message);
  if (typeof code !== 'number' || !Number.isFinite(code)) return failAt('error.code', 'a number');
  return engineServiceError(message, code);
}

/** Reads a `/webui` / `/server` envelope; throws a ReadFailure on a malformed body. */
export function readService<A>(u: unknown, read: (u: unknown, path: string) => A): ServiceReply<A> {
  if (!isObject(u)) return failAt('', 'a JSON object {"result", "error"}');
  const error = serviceError(own(u, 'error'));
  if (error) return E.left(error);
  const result = own(u, 'result');
  if (result === undefined || result === null) return failAt('result', 'a result when error is null');
  return E.right(read(result, 'result'));
}

/** Writes an `/ace/*` envelope. */
export function writeAce<A, O>(reply: AceReply<A>, write: (a: A) => O): AceEnvelopeJson<O> {
  return E.isRight(reply) ? { response: write(reply.right), error: null } : { response: null, error: reply.left.message };
}

/** Writes a `/webui` / `/server` envelope; `errorKey` adds `"error": null` to a result (get_status has none). */
export function writeService<A, O>(reply: ServiceReply<A>, write: (a: A) => O, errorKey: boolean): ServiceEnvelopeJson<O> {
  if (E.isLeft(reply)) {
    const { message, code } = reply.left;
    return { error: code === undefined ? message : { message, code } };
  }
  return errorKey ? { result: write(reply.right), error: null } : { result: write(reply.right) };
}

const isEither = (u: unknown): u is E.Either<unknown, unknown> => isObject(u) && (u['_tag'] === 'Left' || u['_tag'] === 'Right');

/** The io-ts codec of a part inside the `/ace/*` envelope. */
export function aceEnvelopeType<A, O>(part: Part<A, O>): t.Type<AceReply<A>, AceEnvelopeJson<O>, unknown> {
  return readerType(
    `AceEnvelope<${part.name}>`,
    (u): u is AceReply<A> => isEither(u) && (u._tag === 'Left' || part.is(u.right)),
    (u) => readAce(u, part.read),
    (reply) => writeAce(reply, part.write),
  );
}

/** The io-ts codec of a part inside the `/webui` / `/server` envelope. */
export function serviceEnvelopeType<A, O>(part: Part<A, O>, errorKey: boolean): t.Type<ServiceReply<A>, ServiceEnvelopeJson<O>, unknown> {
  return readerType(
    `ServiceEnvelope<${part.name}>`,
    (u): u is ServiceReply<A> => isEither(u) && (u._tag === 'Left' || part.is(u.right)),
    (u) => readService(u, part.read),
    (reply) => writeService(reply, part.write, errorKey),
  );
}

/** Flattens an envelope read into one Either of every failure. */
function flatten<F, A>(read: E.Either<F, E.Either<F, A>>): E.Either<F, A> {
  return E.isLeft(read) ? read : read.right;
}

/** An `/ace/*` body already parsed, every failure as a value. */
export function decodeAceValue<A>(u: unknown, read: (u: unknown, path: string) => A): E.Either<AceFailure, A> {
  return flatten<AceFailure, A>(attempt(() => readAce(u, read)));
}

/** An `/ace/*` body as text, every failure as a value. */
export function decodeAceText<A>(body: string, read: (u: unknown, path: string) => A): E.Either<AceFailure, A> {
  if (typeof body !== 'string') return E.left(httpDecodeError('', 'a JSON text'));
  const json = parseJson(body);
  return E.isLeft(json) ? json : decodeAceValue(json.right, read);
}

/** A `/webui` / `/server` body already parsed, every failure as a value. */
export function decodeServiceValue<A>(u: unknown, read: (u: unknown, path: string) => A): E.Either<ServiceFailure, A> {
  return flatten<ServiceFailure, A>(attempt(() => readService(u, read)));
}

/** A `/webui` / `/server` body as text (JSONP stripped), every failure as a value. */
export function decodeServiceText<A>(body: string, read: (u: unknown, path: string) => A): E.Either<ServiceFailure, A> {
  if (typeof body !== 'string') return E.left(httpDecodeError('', 'a JSON text'));
  const json = parseJson(stripJsonp(body));
  return E.isLeft(json) ? json : decodeServiceValue(json.right, read);
}

/**
 * The `/ace/*` error body for an engine error: `{"response": null, "error": "<message>"}`.
 *
 * @example
 * ```ts
 * encodeAceError(engineHttpError('unknown playback session id'))
 * // { response: null, error: 'unknown playback session id' }
 * ```
 */
export function encodeAceError(error: EngineHttpError | string): AceEnvelopeJson<never> {
  return { response: null, error: typeof error === 'string' ? error : error.message };
}

/**
 * The `/webui` / `/server` error body: `{"error": {"message", "code"}}`, or
 * `{"error": "<message>"}` when the error has no code.
 */
export function encodeServiceError(error: EngineServiceError): ServiceEnvelopeJson<never> {
  return writeService<never, never>(E.left(error), (a) => a, true);
}
