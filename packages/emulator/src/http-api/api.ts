import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import {
  encodeAceError,
  encodeCommandResponse,
  encodeEventResponse,
  encodeGetStatusResponse,
  encodeServiceError,
  encodeStartResponse,
  encodeStatResponse,
  encodeVersionResponse,
  ENGINE_HTTP_ERROR_MESSAGES,
  engineServiceError,
  CONTENT_SELECTORS,
  parseStartQuery,
  type ContentSelector,
  type EngineVersion,
  type HttpStartRequest,
  type StatResponse,
} from '@ace-rx/codec/http';
import { contentType, fileBytes, fileSize, isVideo, seedOf, type Catalogue, type Content } from '../catalogue.js';
import { mergeFaults, type Faults } from '../faults.js';
import { answerInternalError, writeRangeHead } from '../http.js';
import { acceptsSeek, livePosFields, liveWindow, playingPosition } from '../live-position.js';
import type { Media } from '../media/channel.js';
import type { Timing } from '../session.js';
import { mediaPlaylist } from './playlist.js';
import { ApiSessions, type ApiSession } from './sessions.js';
import { createServerApi } from './server-api.js';

/** Options of the emulator's HTTP API; every one has a default. */
export interface HttpApiOptions {
  /** Segments in a live HLS playlist's sliding window (default 17, as measured on a real engine). */
  readonly hlsWindow?: number;
  /** How long `/ace/event/…` holds a poll with no event before answering `{"response": null, "error": null}` (default 10,000 ms; webjs polls with 15 s). */
  readonly eventPollMs?: number;
  /** `platform` in `get_version` (default `linux`). */
  readonly platform?: string;
  /**
   * A session with no request about it and no reader or long poll for this long ends
   * (default 60,000 ms, as in `DEFAULT_API_SESSION_LIMITS`; 0: never). Unknown on real
   * engines (spec http-api.md §5.10).
   */
  readonly sessionIdleTimeoutMs?: number;
  /** Live sessions at most (default 1000): a start beyond it ends the least recently used one. */
  readonly maxSessions?: number;
  /** Ended sessions remembered, so their URLs still answer 403/500/`unknown playback session id` (default 256). */
  readonly endedSessionHistory?: number;
}

/** What the HTTP API needs from the emulator around it. */
export interface HttpApiContext {
  /** The contents it knows (shared with the TCP API). */
  readonly catalogue: Catalogue;
  /** The TCP API's timing: `prebufferMs` is how long sessions prebuffer here too. */
  readonly timing: Timing;
  /** What streams and segments are cut from. */
  readonly media: Media;
  /** `version` in `get_version` and `get_status`. */
  readonly engineVersion: string;
  /** `code` in `get_version` and `get_status`. */
  readonly versionCode: number;
  /** The HTTP API's own options. */
  readonly options: HttpApiOptions;
  /** The emulator's faults now (a content's own faults are merged over them). */
  faults(): Faults;
  /** The HTTP port, for URLs of a request that came without a `Host` header. */
  port(): number;
  /** `host:port` written into every URL the API gives out (`advertiseHost`), instead of the request's `Host`; redirects keep the request's. */
  advertised?(): string;
  /** Restarts the whole emulator (the `httpRestartAfterBytes` fault). */
  restart(): void;
  /**
   * Told of an error a handler threw later than the request itself (in a timer or a
   * `drain`): the response was answered 500, or cut once its headers had gone. A throw
   * while the request is routed reaches the HTTP server's own boundary instead.
   */
  onError?(error: unknown, request: IncomingMessage): void;
}

/** The emulator's HTTP API: a request handler for the engine's HTTP port, and its sessions. */
export interface HttpApi {
  /** Every HTTP API session so far, in start order. */
  readonly sessions: ApiSessions;
  /** Answers a request if it is an HTTP API route (true), else leaves it alone (false). */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Drops every session, held request and stream (engine restart or close). */
  reset(): void;
}

const HEX40 = /^[0-9a-fA-F]{40}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const CALLBACK = /^[A-Za-z_$][\w$.]{0,63}$/;
const NOT_FOUND_TEXT = "Internal Server Error, couldn't find resource";
/** The error of a `method=liveseek` to a position outside the live window (the emulator's words: a real engine's are not captured). */
const LIVESEEK_REFUSED = 'liveseek position out of range';
/** The error of a `method=liveseek` on a VOD session. */
const LIVESEEK_NOT_LIVE = 'liveseek on a stream that is not live';

/**
 * Creates the HTTP API of an emulated engine (spec http-api.md §2–§6), from the same
 * catalogue and timing as its TCP API.
 */
export function createHttpApi(context: HttpApiContext): HttpApi {
  const sessions = new ApiSessions({
    ...(context.options.sessionIdleTimeoutMs !== undefined ? { idleTimeoutMs: context.options.sessionIdleTimeoutMs } : {}),
    ...(context.options.maxSessions !== undefined ? { maxSessions: context.options.maxSessions } : {}),
    ...(context.options.endedSessionHistory !== undefined ? { endedHistory: context.options.endedSessionHistory } : {}),
  });
  /** Cleanups of held requests, long polls and streams, run on reset. */
  const pending = new Set<() => void>();
  const hlsWindow = context.options.hlsWindow ?? 17;
  const serverApi = createServerApi(context.catalogue);
  const eventPollMs = context.options.eventPollMs ?? 10_000;

  const track = (response: ServerResponse, cleanup: () => void): (() => void) => {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      pending.delete(run);
      cleanup();
    };
    pending.add(run);
    response.once('close', run);
    return run;
  };

  /**
   * `run`, for a timer or an event listener: what it throws is answered 500 (or the
   * response cut) and reported, instead of reaching the process as an uncaught exception.
   */
  const guarded =
    (request: IncomingMessage, response: ServerResponse, run: () => void): (() => void) =>
    () => {
      try {
        run();
      } catch (error) {
        answerInternalError(response);
        try {
          context.onError?.(error, request);
        } catch {
          // the listener's own failure must not escape either
        }
      }
    };

  /** The origin of the URLs the API announces: the advertised one, else the request's. */
  const announcedOrigin = (request: IncomingMessage): string => {
    const advertised = context.advertised?.();
    return advertised === undefined ? originOf(request) : `http://${advertised}`;
  };
  const originOf = (request: IncomingMessage): string => {
    const host = request.headers.host;
    return `http://${host !== undefined && HOST.test(host) ? host : `127.0.0.1:${context.port()}`}`;
  };

  const json = (response: ServerResponse, body: unknown, callback?: string) => {
    const text = JSON.stringify(body);
    const wrapped = callback === undefined ? text : `${callback}(${text});`;
    response.writeHead(200, { 'Content-Type': callback === undefined ? 'application/json' : 'application/javascript' }).end(wrapped);
  };
  const text = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
  };
  const unknownSession = (response: ServerResponse) => json(response, encodeAceError(ENGINE_HTTP_ERROR_MESSAGES.UNKNOWN_SESSION));

  const faultsOf = (session: ApiSession): Faults => mergeFaults(context.faults(), session.content.faults);
  const prebufferLeft = (session: ApiSession) => Math.max(0, context.timing.prebufferMs - (performance.now() - session.startedAt));

  /**
   * Runs `then` once the session has prebuffered: at once, after holding the response
   * headers, or never (500 `download not found` while prebuffering, or for a content that fails).
   */
  const afterPrebuffer = (request: IncomingMessage, response: ServerResponse, session: ApiSession, then: () => void) => {
    const left = prebufferLeft(session);
    if (left > 0 && faultsOf(session).httpPrebuffer === 'error') return text(response, 500, 'download not found');
    const go = () => {
      if (session.state === 'displaced') return text(response, 403, 'Forbidden');
      if (session.state === 'stopped') return text(response, 500, NOT_FOUND_TEXT);
      if (session.content.error !== undefined) return text(response, 500, 'download not found');
      then();
    };
    if (left === 0) return go();
    const timer = setTimeout(
      guarded(request, response, () => {
        release();
        go();
      }),
      left,
    );
    const release = track(response, () => clearTimeout(timer));
  };

  /** A session URL's session, or an answer for a token that is not (or no longer) playable. */
  const playable = (response: ServerResponse, infohash: string, token: string): ApiSession | undefined => {
    const session = sessions.byUrl(infohash, token);
    if (session === undefined || session.state === 'stopped') text(response, 500, NOT_FOUND_TEXT);
    else if (session.state === 'displaced') text(response, 403, 'Forbidden');
    else return session;
    return undefined;
  };

  /** The content a selector names, as the engine resolves it (`url` also matches a direct URL). */
  const findContent = (selector: ContentSelector): Content | undefined => {
    const all = context.catalogue.all();
    if (selector.contentId !== undefined) return all.find((c) => c.playerId === selector.contentId || context.catalogue.contentId(c) === selector.contentId);
    if (selector.infohash !== undefined) return HEX40.test(selector.infohash) ? context.catalogue.byHash(selector.infohash) : undefined;
    if (selector.url !== undefined) return all.find((c) => c.torrentUrl === selector.url || c.directUrl === selector.url);
    const hash = /xt=urn:btih:([0-9a-fA-F]{40})/.exec(selector.magnet)?.[1];
    return hash === undefined ? undefined : context.catalogue.byHash(hash);
  };

  /**
   * The start query read by the codec's engine-side parser (`sid` as `pid`, `id` as
   * `content_id`). `direct_url` is read as `url`. A query naming several selectors is
   * read as the engine reads it: the first in its order wins (`content_id` or `id`,
   * then `infohash`, `url`, `magnet`).
   */
  const readStart = (query: URLSearchParams, output: ApiSession['output']): HttpStartRequest | undefined => {
    const pairs = [...query].map(([name, value]): [string, string] => [name === 'direct_url' ? 'url' : name, value]);
    const kind = output === 'hls' ? 'hls' : 'ts';
    const parsed = parseStartQuery(pairs, kind);
    if (parsed._tag === 'Right') return parsed.right;
    if (parsed.left.kind !== 'SEVERAL_SELECTORS') return undefined;
    const selectors = new Set<string>(['id', ...CONTENT_SELECTORS.map(([, wire]) => wire)]);
    const first = pairs.find(([name]) => name === 'content_id' || name === 'id') ?? CONTENT_SELECTORS.map(([, wire]) => pairs.find(([name]) => name === wire)).find((p) => p !== undefined);
    const again = parseStartQuery([...pairs.filter(([name]) => !selectors.has(name)), first!], kind);
    return again._tag === 'Right' ? again.right : undefined;
  };

  const start = (request: IncomingMessage, response: ServerResponse, query: URLSearchParams, output: ApiSession['output']) => {
    const read = readStart(query, output);
    const content = read === undefined ? undefined : findContent(read.content);
    const fileIndex = read?.fileIndex ?? Math.max(0, content?.files.findIndex((f) => isVideo(f.name)) ?? 0);
    // A file index the content does not have (negative, past the end, not an integer) is
    // answered as an unknown content is: the engine cannot load what it names.
    if (content === undefined || read === undefined || !Number.isSafeInteger(fileIndex) || fileIndex < 0 || fileIndex >= content.files.length) {
      return json(response, encodeAceError(ENGINE_HTTP_ERROR_MESSAGES.LOAD_FAILED));
    }
    const session = sessions.start(content, fileIndex, read.pid ?? '', output, read.clientSessionId ?? -1, read.useApiEvents === true);
    const origin = announcedOrigin(request);
    const at = `${content.infohash}/${session.token}`;
    const path = output === 'hls' ? `/ace/m/${at}.m3u8` : `/ace/r/${at}`;
    const playbackUrl = `${origin}${path}`;
    if (read.format !== 'json') {
      // A redirect names the host the request did, advertised or not (real engines answer with the Host header).
      response.writeHead(302, { Location: `${originOf(request)}${path}` }).end();
      return;
    }
    json(
      response,
      encodeStartResponse({
        playbackUrl,
        statUrl: `${origin}/ace/stat/${at}`,
        commandUrl: `${origin}/ace/cmd/${at}`,
        infohash: content.infohash,
        playbackSessionId: session.id,
        isLive: content.live === true,
        isEncrypted: false,
        clientSessionId: session.clientSessionId,
        ...(session.events ? { eventUrl: `${origin}/ace/event/${at}` } : {}),
      }),
    );
  };

  const stat = (session: ApiSession): StatResponse => {
    const { content, startedAt } = session;
    const elapsed = performance.now() - startedAt;
    const prebufferMs = context.timing.prebufferMs;
    const prebuffering = elapsed < prebufferMs;
    const rate = context.media.clip.bitrate / 8;
    const size = fileSize(content.files[session.fileIndex]!);
    const seed = seedOf(session.id);
    const wobble = Math.sin(elapsed / 1700 + (seed % 7));
    const downloaded = Math.round(content.live ? rate * (context.media.burstSeconds + elapsed / 1000) : Math.min(size, rate * 4 * (elapsed / 1000)));
    const window = liveWindow(context.media.historySeconds);
    const status = prebuffering ? 'prebuf' : content.error !== undefined ? 'err' : 'dl';
    // A content that fails finds nothing: while it "prebuffers" and once it has failed, its
    // stat says so (no peers, no speed, no bytes, no progress), with the error message.
    const failing = content.error !== undefined;
    const got = failing ? 0 : downloaded;
    return {
      status,
      peers: failing ? 0 : 3 + ((seed + Math.floor(elapsed / 5000)) % 6),
      speedDown: failing ? 0 : Math.round((rate / 1024) * (prebuffering ? 2.5 : 1.15) * (1 + 0.1 * wobble)),
      speedUp: failing ? 0 : Math.round((rate / 1024) * 0.08 * (1 - 0.5 * wobble)),
      downloaded: got,
      uploaded: Math.round(got * 0.12),
      totalProgress: content.live || failing ? 0 : Math.min(100, Math.floor((downloaded / size) * 100)),
      progress: failing ? 0 : prebuffering ? Math.min(99, Math.floor((elapsed / prebufferMs) * 100)) : 100,
      ...(status === 'err' ? { errorMessage: content.error!.message } : {}),
      selectedStreamIndex: 0,
      selectedFileIndex: session.fileIndex,
      streamStatus: -1,
      clientSessionId: session.clientSessionId,
      manifestAccessMode: -1,
      networkMonitorStatus: 0,
      debugLevel: 0,
      networkMonitorStarted: false,
      isLive: content.live === true,
      isEncrypted: false,
      infohash: content.infohash,
      playbackSessionId: session.id,
      diskCacheStats: { avail: 3_199_156_224, diskCacheLimit: 2_266_017_044, inactiveInuse: 0, activeInuse: Math.min(got, 2_266_017_044) },
      ...(content.live ? { livepos: livePosFields(window, playingPosition(window, session.seek), 30) } : {}),
    };
  };

  /** Bytes of a file, with `Range`, as the TCP side's HTTP server serves them. */
  const sendBytes = (
    request: IncomingMessage,
    response: ServerResponse,
    size: number,
    type: string,
    bytes: (start: number, end: number) => Uint8Array,
    faults: Faults = {},
  ) => {
    const span = writeRangeHead(request, response, size, type);
    if (span === undefined) return;
    const { first, last } = span;
    let at = first;
    let sent = 0;
    const stallAt = faults.httpStallAfterBytes ?? Infinity;
    const restartAt = faults.httpRestartAfterBytes ?? Infinity;
    const pump = guarded(request, response, () => {
      while (at <= last) {
        if (response.destroyed) return;
        const end = Math.min(at + 256 * 1024, last + 1, at + Math.max(0, stallAt - sent));
        if (end <= at) return; // stalled: the response stays open, nothing more comes
        const ok = response.write(bytes(at, end));
        sent += end - at;
        at = end;
        if (sent >= restartAt) return void setImmediate(() => context.restart());
        if (!ok) return void response.once('drain', pump);
      }
      response.end();
    });
    pump();
  };

  /** Open readers of each VOD session's file (a live session has one reader at most). */
  const vodReaders = new WeakMap<ApiSession, Set<ServerResponse>>();

  /**
   * A progressive reader of a session: the live stream (one reader: a second gets 409),
   * or the VOD file with `Range`, which takes concurrent readers as a file server does:
   * a player that finds an MP4's moov at the end (ffmpeg, mpv) opens a Range request
   * there before it closes its first connection. The one-reader rule was measured on a
   * live stream (spec http-api.md §5.4); a real engine's VOD file is not measured.
   */
  const progressive = (request: IncomingMessage, response: ServerResponse, session: ApiSession) => {
    const file = session.content.files[session.fileIndex]!;
    const live = session.content.live === true && isVideo(file.name);
    if (live && session.cutReader !== undefined) return text(response, 409, 'this playback session already has a reader');
    if (live) {
      const cut = () => response.destroy();
      session.cutReader = cut;
      response.once('close', () => {
        if (session.cutReader === cut) session.cutReader = undefined;
        sessions.touch(session); // idle from the reader's end on
      });
    } else {
      const readers = vodReaders.get(session) ?? new Set<ServerResponse>();
      vodReaders.set(session, readers);
      readers.add(response);
      session.cutReader = () => {
        for (const reader of [...readers]) reader.destroy();
      };
      response.once('close', () => {
        readers.delete(response);
        if (readers.size === 0) session.cutReader = undefined;
        sessions.touch(session);
      });
    }
    const faults = faultsOf(session);
    if (!live) {
      // The file's own bytes, as the TCP API's URL serves them (a real engine serves the
      // torrent's file as it is): an .mkv is Matroska here too, an .mp4 MP4.
      const size = fileSize(file);
      const type = isVideo(file.name) ? contentType(file.name) : 'application/octet-stream';
      return sendBytes(request, response, size, type, (s, e) => fileBytes(session.content, session.fileIndex, s, e), faults);
    }
    response.writeHead(200, { 'Content-Type': 'video/mp2t' });
    if (request.method === 'HEAD') return void response.end();
    let restarted = false;
    const restartAt = faults.httpRestartAfterBytes;
    const stream: Readable = context.media.live({
      ...(faults.httpStallAfterBytes !== undefined ? { stallAfterBytes: faults.httpStallAfterBytes } : {}),
      onBytes: (total) => {
        if (restartAt !== undefined && total >= restartAt && !restarted) {
          restarted = true;
          setImmediate(() => context.restart());
        }
      },
    });
    track(response, () => stream.destroy());
    stream.pipe(response);
  };

  const event = (response: ServerResponse, session: ApiSession) => {
    const next = session.pending.shift();
    if (next !== undefined) return json(response, encodeEventResponse(next));
    const answer = (ev: (typeof session.pending)[number] | undefined) => {
      release();
      if (ev === undefined) unknownSession(response);
      else json(response, encodeEventResponse(ev));
    };
    const timer = setTimeout(() => {
      release();
      json(response, { response: null, error: null });
    }, eventPollMs);
    session.waiters.add(answer);
    const release = track(response, () => {
      clearTimeout(timer);
      session.waiters.delete(answer);
    });
  };

  const command = (response: ServerResponse, session: ApiSession, query: URLSearchParams) => {
    switch (query.get('method')) {
      case 'stop':
        sessions.end(session, 'stopped');
        return json(response, encodeCommandResponse());
      case 'liveseek': {
        // A Unix time inside the window livepos announces (the same rule as LIVESEEK on the
        // TCP API); another position is refused with an error envelope (a real engine's
        // answer to one is not measured).
        const text = query.get('pos') ?? '';
        const pos = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
        const window = liveWindow(context.media.historySeconds);
        if (session.content.live !== true) return json(response, encodeAceError(LIVESEEK_NOT_LIVE));
        if (!acceptsSeek(window, pos)) return json(response, encodeAceError(`${LIVESEEK_REFUSED}: ${text} is outside ${window.first}..${window.last}`));
        session.seekPos = pos;
        session.seek = { position: pos, atMs: Date.now() };
        return json(response, encodeCommandResponse());
      }
      case 'set_stream':
      case 'set_player_activity_timeout':
        return json(response, encodeCommandResponse());
      default:
        return json(response, encodeAceError('unknown method'));
    }
  };

  const version = (): EngineVersion => ({ code: context.versionCode, version: context.engineVersion, platform: context.options.platform ?? 'linux' });

  const route = (request: IncomingMessage, response: ServerResponse, url: URL): boolean => {
    const path = url.pathname;
    const query = url.searchParams;
    if (path === '/webui/api/service') {
      const callback = query.get('callback');
      const wrap = callback !== null && CALLBACK.test(callback) ? callback : undefined;
      if (query.get('method') === 'get_version') json(response, encodeVersionResponse(version()), wrap);
      else json(response, encodeServiceError(engineServiceError('unknown method', 0)), wrap);
      return true;
    }
    if (path === '/server/api') {
      const method = query.get('method') ?? '';
      const answer = method === 'get_status' ? encodeGetStatusResponse({ playlistLoaded: true, version: version() }) : serverApi.method(method, query);
      json(response, answer ?? encodeServiceError(engineServiceError('unknown method', 0)));
      return true;
    }
    if (path === '/search') return json(response, serverApi.search(query)), true;
    if (path === '/ace/getstream') return start(request, response, query, 'progressive'), true;
    if (path === '/ace/manifest.m3u8') return start(request, response, query, 'hls'), true;

    const parts = path.split('/');
    if (parts.length === 4 && parts[1] === 'content' && HEX40.test(parts[2]!)) {
      const session = sessions.byContent(parts[2]!, parts[3]!);
      if (session === undefined) return false; // perhaps a TCP session's file
      if (session.state === 'displaced') text(response, 403, 'Forbidden');
      else if (session.state === 'stopped') text(response, 500, NOT_FOUND_TEXT);
      else afterPrebuffer(request, response, session, () => progressive(request, response, session));
      return true;
    }
    const [, first, second, ih = '', last = ''] = parts;
    if (parts.length !== 5 || first !== 'ace' || !HEX40.test(ih)) return false;
    const infohash = ih.toLowerCase();
    switch (second) {
      case 'r': {
        const session = HEX32.test(last) ? playable(response, infohash, last) : (text(response, 500, NOT_FOUND_TEXT), undefined);
        if (session === undefined) return true;
        if (session.output !== 'progressive') return text(response, 500, NOT_FOUND_TEXT), true;
        afterPrebuffer(request, response, session, () => {
          response.writeHead(302, { Location: `${originOf(request)}/content/${infohash}/${session.contentKey}` }).end();
        });
        return true;
      }
      case 'm': {
        const token = last.endsWith('.m3u8') ? last.slice(0, -'.m3u8'.length) : '';
        const session = HEX32.test(token) ? playable(response, infohash, token) : (text(response, 500, NOT_FOUND_TEXT), undefined);
        if (session === undefined) return true;
        if (session.output !== 'hls') return text(response, 500, NOT_FOUND_TEXT), true;
        afterPrebuffer(request, response, session, () => {
          const media = context.media;
          const live = session.content.live === true;
          const lastSegment = media.lastLiveSegment();
          const count = live ? Math.min(hlsWindow, lastSegment + 1) : media.vodSegments(fileSize(session.content.files[session.fileIndex]!));
          const body = mediaPlaylist({
            origin: announcedOrigin(request),
            infohash,
            first: live ? lastSegment + 1 - count : 0,
            count,
            segmentSeconds: media.segmentSeconds,
            ended: !live,
          });
          response.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' }).end(body);
        });
        return true;
      }
      case 'c': {
        const match = /^(\d{1,9})\.ts$/.exec(last);
        const active = sessions.active(infohash).filter((s) => s.output === 'hls');
        const session = active[0];
        if (session !== undefined) sessions.touch(session);
        const n = match === null ? -1 : Number(match[1]);
        const media = context.media;
        const available =
          session === undefined
            ? false
            : session.content.live
              ? n >= 0 && n <= media.lastLiveSegment()
              : n >= 0 && n < media.vodSegments(fileSize(session.content.files[session.fileIndex]!));
        if (!available) return text(response, 404, 'Not Found'), true;
        const bytes = media.segment(n);
        response.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': bytes.length });
        response.end(request.method === 'HEAD' ? undefined : bytes);
        return true;
      }
      case 'stat': {
        const session = sessions.byUrl(infohash, last);
        if (session?.state !== 'active') return unknownSession(response), true;
        json(response, encodeStatResponse(stat(session)));
        return true;
      }
      case 'cmd': {
        const session = sessions.byUrl(infohash, last);
        if (session?.state !== 'active') return unknownSession(response), true;
        command(response, session, query);
        return true;
      }
      case 'event': {
        const session = sessions.byUrl(infohash, last);
        if (session?.state !== 'active' || !session.events) return unknownSession(response), true;
        event(response, session);
        return true;
      }
      default:
        return false;
    }
  };

  return {
    sessions,
    handle(request, response) {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://engine.invalid');
      } catch {
        return false;
      }
      return route(request, response, url);
    },
    reset() {
      sessions.clear();
      for (const cleanup of [...pending]) cleanup();
    },
  };
}
