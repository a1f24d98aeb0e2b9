/// <reference lib="esnext.disposable" preserve="true" />
import {
  decodeLoadResponse,
  isLoadFailure,
  EncodeError,
  tryEncodeClientMessage,
  type ClientMessage,
  type DecodeError,
  type EngineMessage,
  type GetCid,
  type LineTooLong,
  type LoadResponse,
  type LoadSource,
  type PartnerIds,
  type PlaybackEvent,
  type StartSource,
} from '@ace-rx/codec';
import {
  asyncScheduler,
  concat,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  ignoreElements,
  map,
  merge,
  Observable,
  of,
  type SchedulerLike,
  Subject,
  type Subscription,
  take,
  takeWhile,
  tap,
  throwError,
  throwIfEmpty,
  timeout,
} from 'rxjs';
import { ContentError, EngineTimeout, LoadFailed, type SessionClosed } from './errors.js';
import type { PrebufferProgress, SyncOptions } from './operators.js';
import { startEvents } from './start-events.js';
import type { SyncQueue } from './sync.js';

/** What the engine said of itself during the handshake. */
export interface EngineInfo {
  /** Engine version from HELLOTS (`3.1.16`), when sent. */
  readonly version?: string;
  /** Engine version code from HELLOTS (3011600), when sent. */
  readonly versionCode?: number;
  /** Port of the engine's HTTP server (HELLOTS `http_port`, else 6878). */
  readonly httpPort: number;
  /** AUTH level: 0 basic, 1 advanced. */
  readonly authLevel: number;
  /** Host the client connected to. */
  readonly host: string;
}


/** Timeouts of the session's flows, in milliseconds. */
export interface Timeouts {
  /** Opening the transport (TCP connect) (default 10 000); then `ConnectionFailed`. */
  readonly connectMs: number;
  /** HELLOBG to AUTH, once connected (default 10 000). */
  readonly handshakeMs: number;
  /** A `##` answer (default 10 000). */
  readonly syncMs: number;
  /** After a `##` request timed out, how long its place is kept for its late answer before the queue moves on (default: its own timeout). */ readonly syncGraceMs?: number;
  /** LOADASYNC to LOADRESP (default 30 000). */
  readonly loadMs: number;
  /** START to the main playback URL, and between two messages meanwhile (default 120 000). */
  readonly startMs: number;
  /**
   * STOP to the engine's `STATE 0` acknowledgement (default 2 000). A `start()` on a
   * session whose earlier START may still be in effect first stops it and waits this
   * long at most for the acknowledgement (real engines send it at once); an engine that
   * never sends one only delays the new START by this much.
   */
  readonly stopMs: number;
}

/** Default {@link Timeouts}. */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, handshakeMs: 10_000, syncMs: 10_000, loadMs: 30_000, startMs: 120_000, stopMs: 2_000 };

/** What START leads to, in order: progress, then ads, then the main playback URL (last). */
export type StartEvent =
  | { readonly type: 'progress'; readonly progress: PrebufferProgress }
  | { readonly type: 'ad'; readonly url: string; readonly skippable: boolean }
  | {
      readonly type: 'playing';
      readonly url: string;
      readonly live: boolean;
      /** The content's infohash, when the engine says it with the URL (keyed `START … infohash=`; always over the HTTP API). */
      readonly infohash?: string;
    };

/** A source with its partner ids made optional (the spec sends `0` for an unknown id). */
type OptionalIds<T> = T extends PartnerIds ? Omit<T, keyof PartnerIds> & Partial<PartnerIds> : T;

/**
 * Content to LOAD / LOADASYNC: a codec `LoadSource` whose partner ids (developer,
 * affiliate, zone) may be left out; they are sent as `0`, "unknown" in the spec.
 */
export type LoadTarget = OptionalIds<LoadSource>;

/** Content to START: a {@link LoadTarget}, a direct URL or an efile URL (partner ids optional, `0` when left out). */
export type StartTarget = LoadTarget | ({ readonly type: 'URL'; readonly url: string } & Partial<PartnerIds>) | { readonly type: 'EFILE'; readonly url: string };

const ids = (t: Partial<PartnerIds>): PartnerIds => ({ developerId: t.developerId ?? 0, affiliateId: t.affiliateId ?? 0, zoneId: t.zoneId ?? 0 });

/** A LOAD source from a {@link LoadTarget} (partner ids default to 0). */
export function loadSource(target: LoadTarget): LoadSource {
  switch (target.type) {
    case 'PID':
      return { type: 'PID', playerId: target.playerId };
    case 'TORRENT':
      return { type: 'TORRENT', url: target.url, ...ids(target) };
    case 'INFOHASH':
      return { type: 'INFOHASH', infohash: target.infohash, ...ids(target) };
    case 'RAW':
      return { type: 'RAW', data: target.data, ...ids(target) };
  }
}

/** A START source from a target and file indexes (partner ids default to 0). */
export function startSource(target: StartTarget, fileIndexes: readonly number[] = [0]): StartSource {
  switch (target.type) {
    case 'PID':
      return { type: 'PID', playerId: target.playerId, fileIndexes };
    case 'EFILE':
      return { type: 'EFILE', url: target.url };
    case 'TORRENT':
      return { type: 'TORRENT', url: target.url, fileIndexes, ...ids(target) };
    case 'INFOHASH':
      return { type: 'INFOHASH', infohash: target.infohash, fileIndexes, ...ids(target) };
    case 'RAW':
      return { type: 'RAW', data: target.data, fileIndexes, ...ids(target) };
    case 'URL':
      return { type: 'URL', url: target.url, fileIndexes, ...ids(target) };
  }
}

/** The request id of a `LOADRESP <id> ...` line, if it is one. */
function loadRespId(line: string): number | undefined {
  const match = /^LOADRESP (\d+)(?: |$)/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** Names of this machine: a URL on one of them is on the engine when the engine is reached on another. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The paths of the engine's own HTTP server (playback, HLS, stat, command, its server API and web UI). */
const ENGINE_PATHS = ['/content/', '/ace/', '/hls/', '/server/', '/webui/'];

/** A host without IPv6 brackets, lower-cased. */
const bareHost = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1');

/** A host as a URL writes it: IPv6 addresses bracketed. */
const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** Whether two hosts name the same machine as far as a URL can tell: equal, or both loopback. */
function sameHost(a: string, b: string): boolean {
  const x = bareHost(a);
  const y = bareHost(b);
  return x === y || (LOOPBACK.has(x) && LOOPBACK.has(y));
}

/**
 * The URL a player should open for a URL the engine wrote (a playback, ad, stat or
 * command URL, or an HLS playlist's). Engines write the host they believe in: `127.0.0.1`
 * in TCP `START`, the request's `Host` over HTTP, and, in a container, its name or a
 * bridge address (`172.17.0.2`) that the client's machine cannot reach. So an `http:` URL
 * on one of the engine server's paths (`/content/`, `/ace/`, `/hls/`, `/server/`,
 * `/webui/`) whose host is not the one the client reaches the engine at (`engine.host`;
 * loopback names count as one), or whose port is not the engine's HTTP port, gets that
 * host (IPv6 bracketed) and `engine.httpPort`; its path and query stay. A URL already
 * right, another path or scheme (an ad server elsewhere, `https:`), or no URL at all
 * comes back unchanged.
 *
 * @example
 * ```ts
 * rewritePlaybackUrl('http://acestream:6878/content/ab/0.5', { host: '192.168.1.10', httpPort: 6878 });
 * // 'http://192.168.1.10:6878/content/ab/0.5'
 * ```
 */
export function rewritePlaybackUrl(url: string, engine: Pick<EngineInfo, 'host' | 'httpPort'>): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  // The engine's own HTTP server speaks http and serves these paths; any other URL (an
  // ad or a statistics server elsewhere, https) is not the engine's and stays as written.
  if (parsed.protocol !== 'http:' || !ENGINE_PATHS.some((p) => parsed.pathname.startsWith(p))) return url;
  const port = parsed.port === '' ? 80 : Number(parsed.port);
  if (sameHost(parsed.hostname, engine.host) && port === engine.httpPort) return url;
  parsed.hostname = urlHost(bareHost(engine.host));
  parsed.port = String(engine.httpPort);
  return parsed.toString();
}

/**
 * A connected, authenticated engine session. Flows are cold: nothing is sent until
 * they are subscribed. Each flow encodes its message first: an invalid one fails the
 * flow with the codec's `EncodeError` and nothing is written. Once the connection has
 * ended (for any reason), every flow, subscribed then, fails at once with
 * {@link SessionClosed}; flows still waiting when it ends fail with `EngineDisconnected`
 * (lost) or `SessionClosed` (closed by this side).
 *
 * `await using session = await open()` closes it at the end of the block.
 */
export interface EngineSession extends AsyncDisposable {
  /**
   * Every message the engine sends after AUTH; completes when the connection ends, for
   * whatever reason (the reason is `connect()`'s error, and {@link closed}'s). Hot:
   * subscribe in the same tick the session is emitted (inside `switchMap`, or
   * `onSession` of `open`) to miss nothing, since the engine's first messages may
   * arrive with AUTH.
   */
  readonly messages$: Observable<EngineMessage>;
  /**
   * Lines that could not be decoded or framed (hot); the session lives on. A `##`
   * answer that arrives when no synchronous request waits for one is reported here too,
   * as a `DecodeError` of the line `##<payload>`, and given to no request.
   */
  readonly decodeErrors$: Observable<DecodeError | LineTooLong>;
  /** What the engine said of itself. */
  readonly engine: EngineInfo;
  /** Resolves (never rejects) with why the session ended, once its connection has ended. */
  readonly closed: Promise<SessionClosed>;
  /**
   * Sends one message now. Synchronous, so it throws: the codec's `EncodeError` for an
   * invalid message (nothing is written), {@link SessionClosed} once the connection has ended.
   */
  send(message: ClientMessage): void;
  /**
   * A synchronous request (LOAD, GETPID, GETCID, or any answered by `##`) through the
   * connection's one FIFO of `##` answers, which the session's own flows and
   * `awaitSync` share: emits the answer's payload. A request that timed out keeps its
   * place, so its late answer is dropped and never reaches the next one.
   */
  request(message: ClientMessage, options?: Pick<SyncOptions, 'timeoutMs'>): Observable<string>;
  /** LOADASYNC with a fresh request id; emits the matching LOADRESP's answer. Status -1 (or 100) and an undecodable LOADRESP are a {@link LoadFailed}. */
  load(source: LoadTarget): Observable<LoadResponse>;
  /** LOAD, answered by a `##` line. */
  loadSync(source: LoadTarget): Observable<LoadResponse>;
  /** GETPID: the player id, or `undefined` when the engine has none. Partner ids default to 0. */
  getPid(infohash: string, ids?: Partial<PartnerIds>): Observable<string | undefined>;
  /** GETCID: the content id, or `undefined` when the engine has none. Partner ids default to 0. */
  getCid(request: Omit<GetCid, 'kind'>): Observable<string | undefined>;
  /**
   * START: progress, then ads (play each, then {@link playback} `100`), then the main
   * URL, and completes. An empty `fileIndexes` is refused with an `EncodeError`.
   *
   * One content at a time: when an earlier START of this session may still be in effect
   * (a content playing, failed, or a start() unsubscribed mid-prebuffer), this one first
   * sends STOP and waits for the engine's `STATE 0` (at most `timeouts.stopMs`, for
   * engines that send none) before it sends START, so the old content's lines never
   * reach it; the same wait follows a {@link stop} just sent. An earlier start() still
   * waiting for playback fails with `ContentError`. The engine's `STOP` after this START
   * and before playback, or `STATUS main:err`, is a `ContentError`.
   */
  start(target: StartTarget, fileIndexes?: readonly number[]): Observable<StartEvent>;
  /**
   * STOP: emits once sent. The next {@link start} waits for the engine's `STATE 0`
   * acknowledgement of it (bounded by `timeouts.stopMs`).
   */
  stop(): Observable<void>;
  /** DUR: the duration of what the player plays. */
  duration(url: string, ms: number): Observable<void>;
  /** PLAYBACK: how far the player got (`100` on an ad lets the main video start). */
  playback(url: string, event: PlaybackEvent): Observable<void>;
  /** LIVESEEK to a position from `EVENT livepos`. */
  liveSeek(position: number): Observable<void>;
  /**
   * Sends SHUTDOWN and closes the connection; resolves once it is closed. `connect()`
   * then completes. Idempotent; resolves at once when the connection had already ended.
   */
  close(): Promise<void>;
}

/** What a {@link Session} needs of its connection; `connect` provides it. */
export interface SessionLink {
  /** Writes one encoded line (no line ending); a no-op once the connection ended. */
  writeLine(line: string): void;
  /** The connection's `##` FIFO. */
  readonly queue: SyncQueue;
  /** Why the connection ended, once it has. */
  ended(): SessionClosed | undefined;
  /** The error of a flow still waiting for `what` when the connection ended. */
  endedBefore(what: string): Error;
  /** Resolves with why the connection ended. */
  readonly closed: Promise<SessionClosed>;
  /** Closes the connection (SHUTDOWN first). */
  close(): Promise<void>;
}

let nextRequestId = Math.floor(Math.random() * 1_000_000);

// Symbol.asyncDispose is in Node ≥ 18.18 / 20.4 and modern browsers; elsewhere the
// well-known name TypeScript's `await using` helpers fall back to.
const asyncDispose: typeof Symbol.asyncDispose = ((Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;

/** The session behind {@link EngineSession}; made by `connect`. */
export class Session implements EngineSession {
  constructor(
    readonly messages$: Observable<EngineMessage>,
    readonly decodeErrors$: Observable<DecodeError | LineTooLong>,
    readonly engine: EngineInfo,
    private readonly link: SessionLink,
    private readonly timeouts: Timeouts,
    private readonly scheduler: SchedulerLike = asyncScheduler,
    /** Whether engine-written URLs are rewritten by {@link rewritePlaybackUrl} (`ConnectOptions.rewriteUrls`). */
    private readonly rewriteUrls = true,
  ) {
    this.closed = link.closed;
  }

  readonly closed: Promise<SessionClosed>;

  close(): Promise<void> {
    return this.link.close();
  }

  [asyncDispose](): Promise<void> {
    return this.link.close();
  }

  /** The wire line of `message`; throws the codec's `EncodeError`. */
  private encode(message: ClientMessage): string {
    const line = tryEncodeClientMessage(message);
    if (line._tag === 'Left') throw line.left;
    return line.right;
  }

  /** Runs `flow` unless the connection has ended; what it throws becomes the flow's error. */
  private guard<T>(flow: () => Observable<T>): Observable<T> {
    return defer(() => {
      const ended = this.link.ended();
      return ended === undefined ? flow() : throwError(() => ended);
    });
  }

  send(message: ClientMessage): void {
    const ended = this.link.ended();
    if (ended !== undefined) throw ended;
    this.link.writeLine(this.encode(message));
  }

  private effect(message: () => ClientMessage): Observable<void> {
    return this.guard(() => {
      this.send(message());
      return of(undefined);
    });
  }

  request(message: ClientMessage, options: Pick<SyncOptions, 'timeoutMs'> = {}): Observable<string> {
    return this.guard(() => this.link.queue.request(message.kind, this.encode(message), options.timeoutMs ?? this.timeouts.syncMs));
  }

  load(source: LoadTarget): Observable<LoadResponse> {
    return this.guard(() => {
      const requestId = ++nextRequestId;
      const line = this.encode({ kind: 'LOADASYNC', requestId, source: loadSource(source) });
      const ms = this.timeouts.loadMs;
      return merge(
        this.messages$.pipe(
          filter((m): m is Extract<EngineMessage, { kind: 'LOADRESP' }> => m.kind === 'LOADRESP' && m.requestId === requestId),
          map((m) => m.response),
        ),
        // `LOADRESP <id> <bad json>` is a decode error, but its id says whose answer it was.
        this.decodeErrors$.pipe(
          filter((e): e is DecodeError => e._tag === 'DecodeError' && loadRespId(e.line) === requestId),
          concatMap((e) => throwError(() => new LoadFailed(`undecodable LOADRESP: ${e.message}`))),
        ),
        defer(() => {
          this.link.writeLine(line);
          return EMPTY;
        }),
      ).pipe(
        take(1),
        throwIfEmpty(() => this.link.endedBefore('LOADRESP')),
        timeout({ first: ms, scheduler: this.scheduler, with: () => throwError(() => new EngineTimeout('LOADASYNC', ms)) }),
        concatMap((response) => (isLoadFailure(response) ? throwError(() => new LoadFailed(response.message ?? `status ${response.status}`)) : of(response))),
      );
    });
  }

  loadSync(source: LoadTarget): Observable<LoadResponse> {
    return this.guard(() => this.request({ kind: 'LOAD', source: loadSource(source) })).pipe(
      concatMap((payload) => {
        const decoded = decodeLoadResponse(payload);
        if (decoded._tag === 'Left') return throwError(() => new LoadFailed(`undecodable answer: ${decoded.left.message}`));
        const response = decoded.right;
        return isLoadFailure(response) ? throwError(() => new LoadFailed(response.message ?? `status ${response.status}`)) : of(response);
      }),
    );
  }

  getPid(infohash: string, partnerIds: Partial<PartnerIds> = {}): Observable<string | undefined> {
    return this.request({ kind: 'GETPID', infohash, ...ids(partnerIds) }).pipe(map((payload) => payload || undefined));
  }

  getCid(request: Omit<GetCid, 'kind'>): Observable<string | undefined> {
    return this.request({ kind: 'GETCID', ...request, ...ids(request) }).pipe(map((payload) => payload || undefined));
  }

  /** Whether a START this session sent may still be in effect (until STOP, or the engine's STOP or SHUTDOWN). */
  private started = false;
  /** Clears {@link started} when the engine stops the content itself (STOP) or shuts down. */
  private startWatch: Subscription | undefined;
  /** Completes once the engine acknowledged the last STOP sent (`STATE 0`), or `stopMs` passed. */
  private stopAck: Observable<void> | undefined;
  /** Tells a start() still waiting for playback that a newer start() replaces it. */
  private readonly restarts = new Subject<void>();

  /** Sends START's line and remembers that a START is in effect. */
  private writeStart(line: string): void {
    this.started = true;
    this.startWatch ??= this.messages$
      .pipe(
        filter((m) => m.kind === 'STOP' || m.kind === 'SHUTDOWN'),
        take(1),
        finalize(() => (this.startWatch = undefined)),
      )
      .subscribe(() => (this.started = false));
    this.link.writeLine(line);
  }

  /**
   * Sends STOP and, hot from now on, waits for the engine's `STATE 0` (which real engines
   * send after a client's STOP): every line of the old content comes before it, so a
   * flow that starts listening after it hears none of them. Bounded by `stopMs`.
   */
  private sendStop(): void {
    this.send({ kind: 'STOP' });
    this.started = false;
    this.startWatch?.unsubscribe();
    const done = new Subject<void>();
    this.stopAck = done;
    const ms = this.timeouts.stopMs;
    this.messages$
      .pipe(
        filter((m) => (m.kind === 'STATE' && m.state === 0) || m.kind === 'SHUTDOWN'),
        take(1),
        timeout({ first: ms, scheduler: this.scheduler, with: () => EMPTY }),
      )
      .subscribe({
        complete: () => {
          if (this.stopAck === done) this.stopAck = undefined;
          done.complete();
        },
      });
  }

  start(target: StartTarget, fileIndexes: readonly number[] = [0]): Observable<StartEvent> {
    const ms = this.timeouts.startMs;
    return this.guard(() => {
      if (target.type !== 'EFILE' && fileIndexes.length === 0) throw new EncodeError('START', 'source.fileIndexes', 'must name at least one file');
      const line = this.encode({ kind: 'START', source: startSource(target, fileIndexes) });
      // One content at a time: an earlier start() still waiting for playback ends here.
      this.restarts.next();
      // A START still in effect is stopped first, and its STOP acknowledged, so that the
      // old content's lines (its STATUS, the engine's STOP for a replaced content) are
      // consumed before this flow listens.
      if (this.started) this.sendStop();
      const settled = this.stopAck ?? EMPTY;
      let playing = false;
      const flow = merge(
        this.restarts.pipe(concatMap(() => throwError(() => new ContentError(undefined, 'a newer start() on the session replaced the content before playback')))),
        this.messages$.pipe(
          startEvents(
            (url) => this.url(url),
            () => this.link.endedBefore('playback'),
          ),
          tap((event) => {
            if (event.type === 'playing') playing = true;
          }),
        ),
        defer(() => {
          this.writeStart(line);
          return EMPTY;
        }),
      ).pipe(
        takeWhile(() => !playing, true),
        timeout({ each: ms, scheduler: this.scheduler, with: () => throwError(() => new EngineTimeout('START', ms)) }),
      );
      return concat(settled.pipe(ignoreElements()), flow);
    });
  }

  /** Rewritten playback URLs back to the engine's own, which DUR and PLAYBACK must carry. */
  private readonly engineUrls = new Map<string, string>();

  private url(url: string): string {
    if (!this.rewriteUrls) return url;
    const rewritten = rewritePlaybackUrl(url, this.engine);
    if (rewritten !== url) this.engineUrls.set(rewritten, url);
    return rewritten;
  }

  private engineUrl(url: string): string {
    return this.engineUrls.get(url) ?? url;
  }

  stop(): Observable<void> {
    return this.guard(() => {
      this.sendStop();
      return of(undefined);
    });
  }

  duration(url: string, ms: number): Observable<void> {
    return this.effect(() => ({ kind: 'DUR', url: this.engineUrl(url), durationMs: Math.max(0, Math.round(ms)) }));
  }

  playback(url: string, event: PlaybackEvent): Observable<void> {
    return this.effect(() => ({ kind: 'PLAYBACK', url: this.engineUrl(url), event }));
  }

  liveSeek(position: number): Observable<void> {
    return this.effect(() => ({ kind: 'LIVESEEK', position }));
  }
}
