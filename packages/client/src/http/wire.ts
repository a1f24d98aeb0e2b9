// The codec's HTTP-API values as the backend needs them: TCP targets as start requests,
// stat responses as TCP shapes (StatusPart, LivePos), so one set of operators reads both
// backends. Decoding itself is the codec's (@ace-rx/codec/http).
import type { LivePos, StatusPart } from '@ace-rx/codec';
import {
  decodeCommandResponse,
  decodeStartResponse,
  decodeStatResponse,
  statToStatusPart,
  tryStartUrl,
  type AceFailure,
  type ContentSelector,
  type HttpOutput,
  type StartResponse,
  type StatLivePos,
} from '@ace-rx/codec/http';
import type { StartTarget } from '../session.js';

/** Why a start, stat or command could not be used: the engine's error string, or a body that does not decode. */
export const failureText = (failure: AceFailure): string => failure.message;

/** The selector of a target (spec §3), or why the HTTP API cannot start it. */
export function selector(target: StartTarget): ContentSelector | string {
  switch (target.type) {
    case 'PID':
      return { contentId: target.playerId };
    case 'INFOHASH':
      return { infohash: target.infohash };
    case 'TORRENT':
    case 'EFILE':
      return { url: target.url };
    case 'URL':
      return 'the HTTP API backend cannot start a direct URL (URL) yet: use the TCP API';
    case 'RAW':
      return 'the HTTP API cannot start a raw torrent (RAW): use the TCP API, or a TORRENT url';
  }
}

/** The start URL, or why it cannot be built. */
export function startRequestUrl(base: string, output: HttpOutput, content: ContentSelector, pid: string, fileIndexes: readonly number[]): string | { readonly message: string } {
  const next = fileIndexes.slice(1);
  const url = tryStartUrl(base, {
    output,
    content,
    pid,
    fileIndex: fileIndexes[0] ?? 0,
    ...(next.length === 0 ? {} : { extra: { next_file_indexes: next.join(',') } }),
  });
  return url._tag === 'Right' ? url.right : url.left;
}

/** A start answer, or the engine's (or the codec's) reason for none. */
export function readStart(body: string): StartResponse | AceFailure {
  const decoded = decodeStartResponse(body);
  return decoded._tag === 'Right' ? decoded.right : decoded.left;
}

/** A stat response as the TCP shapes. */
export interface TcpShapedStat {
  /** The `status` as a TCP STATUS part (§6 mapping). */
  readonly part: StatusPart;
  /** `livepos`, when live. */
  readonly livePos?: LivePos;
}

function livePos(position: StatLivePos): LivePos {
  return {
    last: position.last ?? 0,
    liveFirst: position.liveFirst ?? 0,
    pos: position.pos ?? 0,
    firstTs: position.firstTs ?? 0,
    lastTs: position.lastTs ?? 0,
    isLive: position.isLive ?? false,
    liveLast: position.liveLast ?? 0,
    bufferPieces: position.bufferPieces ?? 0,
  };
}

/** A stat answer in TCP shapes, or the engine's (or the codec's) reason for none. */
export function readStat(body: string): TcpShapedStat | AceFailure {
  const decoded = decodeStatResponse(body);
  if (decoded._tag === 'Left') return decoded.left;
  const part = statToStatusPart(decoded.right);
  return decoded.right.livepos === undefined ? { part } : { part, livePos: livePos(decoded.right.livepos) };
}

/** A command answer: `undefined` when `ok`, else the failure. */
export function readCommand(body: string): AceFailure | undefined {
  const decoded = decodeCommandResponse(body);
  return decoded._tag === 'Left' ? decoded.left : undefined;
}

/** Whether a failure is a body that is not the API's (as opposed to the engine's error reply). */
export const isDecodeFailure = (failure: unknown): failure is Extract<AceFailure, { _tag: 'HttpDecodeError' }> =>
  typeof failure === 'object' && failure !== null && (failure as { _tag?: unknown })._tag === 'HttpDecodeError';

/** Whether a value is one of the codec's failures. */
export const isFailure = (value: unknown): value is AceFailure =>
  typeof value === 'object' && value !== null && ((value as { _tag?: unknown })._tag === 'HttpDecodeError' || (value as { _tag?: unknown })._tag === 'EngineHttpError');
