import * as E from '../either.js';
import type * as t from 'io-ts';
import { decodeServiceText, decodeServiceValue, serviceEnvelopeType, writeService, type Part, type ServiceEnvelopeJson, type ServiceReply } from './envelope.js';
import type { ServiceFailure } from './errors.js';
import { bool, extraOf, isObject, join, num, object, own, putExtra, readerType, str } from './read.js';

/**
 * The engine's version (`/webui/api/service?method=get_version`, `result`). Compare
 * `code`, never a parsed `version`: `code` is major·10⁶ + minor·10⁴ + patch·10²
 * (3.1.70 → 3017000), and `version` may carry a suffix (`3.1.0-rc2`).
 */
export interface EngineVersion {
  /** `code`, e.g. `3017000`. */
  readonly code: number;
  /** `version`, e.g. `3.1.70`. */
  readonly version: string;
  /** `platform` (`linux`, `android`); absent in old engines. */
  readonly platform?: string;
  /** `websocket_port` (3.2.x). */
  readonly websocketPort?: number;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link EngineVersion} on the wire. */
export interface EngineVersionJson {
  readonly code: number;
  readonly version: string;
  readonly platform?: string;
  readonly websocket_port?: number;
  readonly [key: string]: unknown;
}

const VERSION_KNOWN = new Set(['code', 'version', 'platform', 'websocket_port']);

function readVersion(u: unknown, path: string): EngineVersion {
  const o = object(u, path);
  const out: Record<string, unknown> = { code: num(own(o, 'code'), join(path, 'code')), version: str(own(o, 'version'), join(path, 'version')) };
  const platform = own(o, 'platform');
  if (platform !== undefined) out['platform'] = str(platform, join(path, 'platform'));
  const port = own(o, 'websocket_port');
  if (port !== undefined) out['websocketPort'] = num(port, join(path, 'websocket_port'));
  const extra = extraOf(o, VERSION_KNOWN);
  if (extra) out['extra'] = extra;
  return out as unknown as EngineVersion;
}

function writeVersion(v: EngineVersion): EngineVersionJson {
  const json: Record<string, unknown> = { code: v.code, version: v.version };
  if (v.platform !== undefined) json['platform'] = v.platform;
  if (v.websocketPort !== undefined) json['websocket_port'] = v.websocketPort;
  putExtra(json, v.extra);
  return json as EngineVersionJson;
}

const versionPart: Part<EngineVersion, EngineVersionJson> = {
  name: 'EngineVersion',
  is: (u): u is EngineVersion => isObject(u) && typeof u['code'] === 'number' && typeof u['version'] === 'string',
  read: readVersion,
  write: writeVersion,
};

/** io-ts codec between `get_version`'s `result` object and {@link EngineVersion}. */
export const EngineVersionCodec: t.Type<EngineVersion, EngineVersionJson, unknown> = readerType(versionPart.name, versionPart.is, (u) => readVersion(u, ''), writeVersion);

/** io-ts codec of the whole `get_version` body `{"result", "error"}` ⇄ {@link ServiceReply} of {@link EngineVersion}. */
export const VersionEnvelopeCodec: t.Type<ServiceReply<EngineVersion>, ServiceEnvelopeJson<EngineVersionJson>, unknown> = serviceEnvelopeType(versionPart, true);

/**
 * Decodes a `get_version` body (JSON text), plain or JSONP (`mycallback({...});`).
 * Never throws.
 *
 * @example
 * ```ts
 * decodeVersionResponse('mycallback({"result": {"code": 3002300, "version": "3.1.0-rc2"}, "error": null});')
 * // Right({ code: 3002300, version: '3.1.0-rc2' })
 * ```
 */
export function decodeVersionResponse(body: string): E.Either<ServiceFailure, EngineVersion> {
  return decodeServiceText(body, readVersion);
}

/** {@link decodeVersionResponse} for a body already parsed from JSON. Never throws. */
export function decodeVersionResponseValue(value: unknown): E.Either<ServiceFailure, EngineVersion> {
  return decodeServiceValue(value, readVersion);
}

/** The `get_version` body the engine sends: `{"result": {...}, "error": null}`. */
export function encodeVersionResponse(version: EngineVersion): ServiceEnvelopeJson<EngineVersionJson> {
  return writeService(E.right(version), writeVersion, true);
}

/**
 * The engine's status (`/server/api?api_version=3&method=get_status`, `result`). Keys
 * not typed (the orchestrator also reads `speed_down`, `speed_up`, `peers` there,
 * **unverified**) are kept in `extra`.
 */
export interface EngineStatus {
  /** `playlist_loaded`. */
  readonly playlistLoaded?: boolean;
  /** `version`: as `get_version` gives it. */
  readonly version?: EngineVersion;
  /** Keys not typed above, as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** {@link EngineStatus} on the wire. */
export interface EngineStatusJson {
  readonly playlist_loaded?: boolean;
  readonly version?: EngineVersionJson;
  readonly [key: string]: unknown;
}

const STATUS_KNOWN = new Set(['playlist_loaded', 'version']);

function readStatus(u: unknown, path: string): EngineStatus {
  const o = object(u, path);
  const out: Record<string, unknown> = {};
  const loaded = own(o, 'playlist_loaded');
  if (loaded !== undefined) out['playlistLoaded'] = bool(loaded, join(path, 'playlist_loaded'));
  const version = own(o, 'version');
  if (version !== undefined) out['version'] = readVersion(version, join(path, 'version'));
  const extra = extraOf(o, STATUS_KNOWN);
  if (extra) out['extra'] = extra;
  return out as EngineStatus;
}

function writeStatus(s: EngineStatus): EngineStatusJson {
  const json: Record<string, unknown> = {};
  if (s.playlistLoaded !== undefined) json['playlist_loaded'] = s.playlistLoaded;
  if (s.version !== undefined) json['version'] = writeVersion(s.version);
  putExtra(json, s.extra);
  return json as EngineStatusJson;
}

const statusPart: Part<EngineStatus, EngineStatusJson> = {
  name: 'EngineStatus',
  is: (u): u is EngineStatus => isObject(u),
  read: readStatus,
  write: writeStatus,
};

/** io-ts codec between `get_status`'s `result` object and {@link EngineStatus}. */
export const EngineStatusCodec: t.Type<EngineStatus, EngineStatusJson, unknown> = readerType(statusPart.name, statusPart.is, (u) => readStatus(u, ''), writeStatus);

/** io-ts codec of the whole `get_status` body `{"result"}` ⇄ {@link ServiceReply} of {@link EngineStatus} (encodes without an `error` key, as the engine does). */
export const GetStatusEnvelopeCodec: t.Type<ServiceReply<EngineStatus>, ServiceEnvelopeJson<EngineStatusJson>, unknown> = serviceEnvelopeType(statusPart, false);

/** Decodes a `get_status` body (JSON text, JSONP accepted). Never throws. */
export function decodeGetStatusResponse(body: string): E.Either<ServiceFailure, EngineStatus> {
  return decodeServiceText(body, readStatus);
}

/** {@link decodeGetStatusResponse} for a body already parsed from JSON. Never throws. */
export function decodeGetStatusResponseValue(value: unknown): E.Either<ServiceFailure, EngineStatus> {
  return decodeServiceValue(value, readStatus);
}

/** The `get_status` body the engine sends: `{"result": {...}}`, no `error` key. */
export function encodeGetStatusResponse(status: EngineStatus): ServiceEnvelopeJson<EngineStatusJson> {
  return writeService(E.right(status), writeStatus, false);
}
