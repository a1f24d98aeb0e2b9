import * as E from '../either.js';
import type * as t from 'io-ts';
import { aceEnvelopeType, decodeAceText, decodeAceValue, writeAce, type AceEnvelopeJson, type AceReply, type Part } from './envelope.js';
import type { AceFailure } from './errors.js';
import { extraOf, isObject, join, object, own, putExtra, readerType, str } from './read.js';

/**
 * A command response (`command_url?method=…`): the string the engine answered,
 * `"ok"` for every command captured (`stop`; `liveseek`, `set_stream` and
 * `set_player_activity_timeout` are expected to answer the same).
 */
export type CommandResponse = 'ok' | (string & Record<never, never>);

/** The `"ok"` every captured command answers. */
export const COMMAND_OK = 'ok';

const commandPart: Part<CommandResponse, string> = {
  name: 'CommandResponse',
  is: (u): u is CommandResponse => typeof u === 'string',
  read: (u, path) => str(u, path),
  write: (c) => c,
};

/** io-ts codec of a command's `response` value (a string, `"ok"`). */
export const CommandResponseCodec: t.Type<CommandResponse, string, unknown> = readerType(commandPart.name, commandPart.is, (u) => str(u, ''), (c) => c);

/** io-ts codec of the whole command body `{"response": "ok", "error": null}` ⇄ {@link AceReply}. */
export const CommandEnvelopeCodec: t.Type<AceReply<CommandResponse>, AceEnvelopeJson<string>, unknown> = aceEnvelopeType(commandPart);

/**
 * Decodes a command body (JSON text). Never throws.
 *
 * @example
 * ```ts
 * decodeCommandResponse('{"response": "ok", "error": null}') // Right('ok')
 * decodeCommandResponse('{"response": null, "error": "unknown playback session id"}')
 * // Left({ _tag: 'EngineHttpError', kind: 'UNKNOWN_SESSION', … })
 * ```
 */
export function decodeCommandResponse(body: string): E.Either<AceFailure, CommandResponse> {
  return decodeAceText(body, commandPart.read);
}

/** {@link decodeCommandResponse} for a body already parsed from JSON. Never throws. */
export function decodeCommandResponseValue(value: unknown): E.Either<AceFailure, CommandResponse> {
  return decodeAceValue(value, commandPart.read);
}

/** The command body the engine sends: `{"response": "ok", "error": null}` by default. */
export function encodeCommandResponse(response: CommandResponse = COMMAND_OK): AceEnvelopeJson<string> {
  return writeAce(E.right(response), commandPart.write);
}

/**
 * An event from the long-poll `event_url`: `{"name": "live_changed", "params": {"is_live": …}}`.
 * Names are open; `params` is kept as sent (wire keys, a prototype-free object), `{}`
 * when absent. Other keys beside `name` and `params` are kept in `extra`.
 */
export interface EventResponse {
  /** The event name, e.g. `live_changed`. */
  readonly name: string;
  /** The event's parameters, as sent. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Keys beside `name` and `params`, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The event response's `response` object on the wire. */
export interface EventResponseJson {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

const EVENT_KNOWN = new Set(['name', 'params']);

function readEvent(u: unknown, path: string): EventResponse {
  const o = object(u, path);
  const name = str(own(o, 'name'), join(path, 'name'));
  const rawParams = own(o, 'params');
  const params = rawParams === undefined ? undefined : extraOf(object(rawParams, join(path, 'params')), NOTHING);
  return withExtra(name, params ?? (Object.create(null) as Record<string, unknown>), extraOf(o, EVENT_KNOWN));
}

function withExtra(name: string, params: Record<string, unknown>, extra: Record<string, unknown> | undefined): EventResponse {
  return extra ? { name, params, extra } : { name, params };
}
const NOTHING: ReadonlySet<string> = new Set();

function writeEvent(e: EventResponse): EventResponseJson {
  const params = {};
  putExtra(params, e.params);
  const json = { name: e.name, params };
  putExtra(json, e.extra);
  return json;
}

const eventPart: Part<EventResponse, EventResponseJson> = {
  name: 'EventResponse',
  is: (u): u is EventResponse => isObject(u) && typeof u['name'] === 'string' && isObject(u['params']),
  read: readEvent,
  write: writeEvent,
};

/** io-ts codec between an event's `response` object and {@link EventResponse}. */
export const EventResponseCodec: t.Type<EventResponse, EventResponseJson, unknown> = readerType(eventPart.name, eventPart.is, (u) => readEvent(u, ''), writeEvent);

/** io-ts codec of the whole event body `{"response", "error"}` ⇄ {@link AceReply} of {@link EventResponse}. */
export const EventEnvelopeCodec: t.Type<AceReply<EventResponse>, AceEnvelopeJson<EventResponseJson>, unknown> = aceEnvelopeType(eventPart);

/**
 * Decodes an event body (JSON text). Never throws.
 *
 * @example
 * ```ts
 * decodeEventResponse('{"response": {"name": "live_changed", "params": {"is_live": 0}}, "error": null}')
 * // Right({ name: 'live_changed', params: { is_live: 0 } })
 * ```
 */
export function decodeEventResponse(body: string): E.Either<AceFailure, EventResponse> {
  return decodeAceText(body, readEvent);
}

/** {@link decodeEventResponse} for a body already parsed from JSON. Never throws. */
export function decodeEventResponseValue(value: unknown): E.Either<AceFailure, EventResponse> {
  return decodeAceValue(value, readEvent);
}

/** The event body the engine sends: `{"response": {"name", "params"}, "error": null}`. */
export function encodeEventResponse(event: EventResponse): AceEnvelopeJson<EventResponseJson> {
  return writeAce(E.right(event), writeEvent);
}
