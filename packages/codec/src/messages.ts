import type { LoadResponse } from './loadresp.js';
import type { Params } from './params.js';
import type { StatusPart } from './status.js';

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/** Developer, affiliate and zone ids: `0` when unknown. */
export interface PartnerIds {
  readonly developerId: number;
  readonly affiliateId: number;
  readonly zoneId: number;
}

/** What LOAD / LOADASYNC load: a torrent URL, an infohash, a player id or a base64 torrent. */
export type LoadSource =
  | ({ readonly type: 'TORRENT'; readonly url: string } & PartnerIds)
  | ({ readonly type: 'INFOHASH'; readonly infohash: string } & PartnerIds)
  | { readonly type: 'PID'; readonly playerId: string }
  | ({ readonly type: 'RAW'; readonly data: string } & PartnerIds);

/** File indexes for START, e.g. `[0]` or `[0, 1, 2]` (`0,1,2` on the wire). */
export type FileIndexes = readonly number[];

/** What START starts. `EFILE` (newer engines) takes neither file indexes nor partner ids. */
export type StartSource =
  | ({ readonly type: 'TORRENT'; readonly url: string; readonly fileIndexes: FileIndexes; readonly streamId?: string } & PartnerIds)
  | ({ readonly type: 'INFOHASH'; readonly infohash: string; readonly fileIndexes: FileIndexes } & PartnerIds)
  | { readonly type: 'PID'; readonly playerId: string; readonly fileIndexes: FileIndexes }
  | ({ readonly type: 'RAW'; readonly data: string; readonly fileIndexes: FileIndexes } & PartnerIds)
  | ({ readonly type: 'URL'; readonly url: string; readonly fileIndexes: FileIndexes } & PartnerIds)
  | { readonly type: 'EFILE'; readonly url: string };

/** Untyped `key=value` params beyond a message's typed ones; absent when there are none. */
export interface WithExtra {
  readonly extra?: Params;
}

/** A line whose command this codec does not know, kept whole. Never an error. */
export interface Unknown {
  readonly kind: 'UNKNOWN';
  readonly raw: string;
}

// ---------------------------------------------------------------------------
// Client → engine
// ---------------------------------------------------------------------------

/** `HELLOBG [version=N]`: opens the handshake; `version` picks the engine's START form. */
export interface HelloBg extends WithExtra {
  readonly kind: 'HELLOBG';
  readonly version?: number;
}
/** `READY [key=K]`: the client is ready; `key` from {@link readyKey} when HELLOTS had one. */
export interface Ready extends WithExtra {
  readonly kind: 'READY';
  readonly key?: string;
}
/** `USERDATA [{"gender": G}, {"age": A}]`: answer to `EVENT getuserdata`. */
export interface UserData {
  readonly kind: 'USERDATA';
  /** 1 or 2. */
  readonly gender: number;
  /** Age group 1..8. */
  readonly age: number;
}
/** `SETOPTIONS k=v ...`, e.g. `use_stop_notifications=1`. */
export interface SetOptions {
  readonly kind: 'SETOPTIONS';
  readonly options: Params;
}
/** `LOAD <source>`: synchronous load, answered by a `##` line with LOADRESP JSON. */
export interface Load {
  readonly kind: 'LOAD';
  readonly source: LoadSource;
}
/** `LOADASYNC <request_id> <source>`: answered by `LOADRESP <request_id> <json>`. */
export interface LoadAsync {
  readonly kind: 'LOADASYNC';
  readonly requestId: number;
  readonly source: LoadSource;
}
/** `START <source> ... [k=v ...]`: start prebuffering and playback. */
export interface StartRequest extends WithExtra {
  readonly kind: 'START';
  readonly source: StartSource;
}
/** `GETPID <infohash> <dev> <aff> <zone>`: synchronous, answered `##<player_id>` or `##`. */
export interface GetPid extends PartnerIds {
  readonly kind: 'GETPID';
  readonly infohash: string;
}
/** `GETCID checksum=C infohash=I developer=D affiliate=A zone=Z`: synchronous, answered `##<content_id>`. */
export interface GetCid extends WithExtra {
  readonly kind: 'GETCID';
  readonly checksum?: string;
  readonly infohash?: string;
  readonly developerId?: number;
  /** Also read from the misspelt `affilate=` one open client sends. */
  readonly affiliateId?: number;
  readonly zoneId?: number;
}
/** `STOP`: stop the current content. */
export interface StopRequest {
  readonly kind: 'STOP';
}
/** `SHUTDOWN`: close this connection. */
export interface ShutdownRequest {
  readonly kind: 'SHUTDOWN';
}
/** `DUR <video_url> <duration_ms>`: duration of what the client plays. */
export interface Dur {
  readonly kind: 'DUR';
  readonly url: string;
  readonly durationMs: number;
}
/** Playback progress a client reports with PLAYBACK. */
export type PlaybackEvent = 0 | 25 | 50 | 75 | 100;
/** `PLAYBACK <video_url> <0|25|50|75|100>`: `100` on an ad lets the main video start. */
export interface Playback {
  readonly kind: 'PLAYBACK';
  readonly url: string;
  readonly event: PlaybackEvent;
}
/** `LIVESEEK <position>`: seek a live stream to a position from `EVENT livepos`, e.g. `LIVESEEK 1539535900`. */
export interface LiveSeek {
  readonly kind: 'LIVESEEK';
  /** Unix seconds, between the last livepos's `live_first` and `live_last`. */
  readonly position: number;
}
/** `EVENT play|pause|stop|seek [k=v ...]`: a client-side player event (newer engines). */
export interface ClientEvent {
  readonly kind: 'EVENT';
  readonly name: string;
  readonly params: Params;
}
/** `STATUS`: undocumented poll / keep-alive some clients send. */
export interface StatusRequest {
  readonly kind: 'STATUS';
}
/** `STOPDL`: undocumented, stop downloading (seen in a current client). */
export interface StopDl {
  readonly kind: 'STOPDL';
}
/** `GETADURL ...`: ad URL request of one open client, kept as raw tokens. */
export interface GetAdUrl {
  readonly kind: 'GETADURL';
  readonly args: readonly string[];
}
/** `SAVE infohash=I index=N path=P`: save a finished file (answer to `EVENT cansave`). */
export interface Save extends WithExtra {
  readonly kind: 'SAVE';
  readonly infohash: string;
  readonly index: number;
  readonly path: string;
}

/** Every message a client sends to the engine, discriminated by `kind` (the command word). */
export type ClientMessage =
  | HelloBg
  | Ready
  | UserData
  | SetOptions
  | Load
  | LoadAsync
  | StartRequest
  | GetPid
  | GetCid
  | StopRequest
  | ShutdownRequest
  | Dur
  | Playback
  | LiveSeek
  | ClientEvent
  | StatusRequest
  | StopDl
  | GetAdUrl
  | Save
  | Unknown;

// ---------------------------------------------------------------------------
// Engine → client
// ---------------------------------------------------------------------------

/** `HELLOTS [k=v ...]`: the engine's handshake answer (bare from older engines). */
export interface HelloTs extends WithExtra {
  readonly kind: 'HELLOTS';
  readonly version?: string;
  readonly versionCode?: number;
  /** Request key: when present, READY must carry {@link readyKey}. */
  readonly key?: string;
  readonly httpPort?: number;
  readonly bmode?: string;
}
/** `NOTREADY`: handshake refused (wrong key). */
export interface NotReady {
  readonly kind: 'NOTREADY';
}
/** `AUTH <level>`: 0 basic, 1 advanced features. */
export interface Auth {
  readonly kind: 'AUTH';
  readonly level: number;
}
/** Engine state ids of STATE; other ids are kept as numbers. */
export const ENGINE_STATES = {
  0: 'IDLE',
  1: 'PREBUFFERING',
  2: 'DOWNLOADING',
  3: 'BUFFERING',
  4: 'COMPLETED',
  5: 'CHECKING',
  6: 'ERROR',
} as const;
/** `STATE <id>`: see {@link ENGINE_STATES}. */
export interface State {
  readonly kind: 'STATE';
  readonly state: number;
}
/** `STATUS main:<part>[|ad:<part>]`: periodic download state. */
export interface Status {
  readonly kind: 'STATUS';
  readonly main: StatusPart;
  readonly ad?: StatusPart;
}
/** `LOADRESP <request_id> <json>`: answer to LOADASYNC. */
export interface LoadResp {
  readonly kind: 'LOADRESP';
  readonly requestId: number;
  readonly response: LoadResponse;
}
/** `PLAY <url>` (old engines): play the main video. */
export interface Play extends WithExtra {
  readonly kind: 'PLAY';
  readonly url: string;
}
/** `PLAYAD <url>` (old engines): play an ad that cannot be skipped. */
export interface PlayAd extends WithExtra {
  readonly kind: 'PLAYAD';
  readonly url: string;
}
/** `PLAYADI <url>` (old engines): play an ad that may be skipped. */
export interface PlayAdI extends WithExtra {
  readonly kind: 'PLAYADI';
  readonly url: string;
}
/**
 * Engine `START`: the playback URL in one of two forms. `positional`
 * (`START <url> [k=v ...]`, engines answering `HELLOBG version=3`) or `keyed`
 * (`START url=<urlencoded> [k=v ...]`, engines answering `version=4`).
 */
export interface Start extends WithExtra {
  readonly kind: 'START';
  readonly form: 'positional' | 'keyed';
  readonly url: string;
  readonly infohash?: string;
  readonly fileIndex?: number;
  /** `ad=1`: this URL is an ad. */
  readonly ad?: boolean;
  /** `interruptable=1`: the ad may be skipped. */
  readonly interruptable?: boolean;
  /** `stream=1`: a live stream. */
  readonly stream?: boolean;
  readonly pos?: number;
  readonly bitrate?: number;
  readonly length?: number;
  readonly statUrl?: string;
  readonly commandUrl?: string;
  readonly sid?: string;
}
/** `PAUSE`: the engine starts buffering; the player should pause. */
export interface Pause {
  readonly kind: 'PAUSE';
}
/** `RESUME`: buffering ended; the player should resume. */
export interface Resume {
  readonly kind: 'RESUME';
}
/** `STOP` from the engine: it stopped the content. */
export interface Stop {
  readonly kind: 'STOP';
}
/** `SHUTDOWN` from the engine: it finished its work. */
export interface Shutdown {
  readonly kind: 'SHUTDOWN';
}
/** `INFO <message_id>;<message_text>`: an informational message. */
export interface Info {
  readonly kind: 'INFO';
  readonly id: number;
  readonly text: string;
}
/** `##<payload>`: answer to the oldest unanswered synchronous request (LOAD, GETPID, GETCID). */
export interface Sync {
  readonly kind: 'SYNC';
  readonly payload: string;
}

/**
 * `EVENT livepos ...`: live stream position, for LIVESEEK. Every position is Unix seconds
 * (a logged engine: `EVENT livepos last=1539535944 live_first=1539534144 pos=1539535944
 * first_ts=1539534144 last_ts=1539535944 is_live=1 live_last=1539535944 buffer_pieces=15`).
 */
export interface LivePos {
  /** `last`: the live edge, Unix seconds. */
  readonly last: number;
  /** `live_first`: the oldest position a LIVESEEK may ask for, Unix seconds. */
  readonly liveFirst: number;
  /** `pos`: the position playing now, Unix seconds. */
  readonly pos: number;
  /** `first_ts`: the first timestamp of the window, Unix seconds. */
  readonly firstTs: number;
  /** `last_ts`: the last timestamp of the window, Unix seconds. */
  readonly lastTs: number;
  /** `is_live`: the stream is live. */
  readonly isLive: boolean;
  /** `live_last`: the newest position a LIVESEEK may ask for, Unix seconds. */
  readonly liveLast: number;
  /** `buffer_pieces`: pieces buffered. */
  readonly bufferPieces: number;
}
/** `EVENT cansave infohash=I index=N format=F`: the file may be saved with SAVE. */
export interface CanSave {
  readonly infohash: string;
  readonly index: number;
  readonly format: string;
}
/** `EVENT showurl type=T url=U [width=W] [height=H]`: show a web page. */
export interface ShowUrl {
  readonly type: string;
  readonly url: string;
  readonly width?: number;
  readonly height?: number;
}
/** `EVENT download_stopped reason=R [option=O]`. */
export interface DownloadStopped {
  readonly reason: string;
  readonly option?: string;
}

/** Typed params of the EVENTs the spec names; `getuserdata` has none. */
export interface KnownEventParams {
  readonly livepos: LivePos;
  readonly cansave: CanSave;
  readonly showurl: ShowUrl;
  readonly download_stopped: DownloadStopped;
  readonly getuserdata: Readonly<Record<never, never>>;
}
/** Names of the EVENTs with typed params. */
export type KnownEventName = keyof KnownEventParams;

/** An engine EVENT the spec names, with typed params; unknown keys in `extra`. */
export type KnownEvent = {
  readonly [N in KnownEventName]: { readonly kind: 'EVENT'; readonly name: N; readonly params: KnownEventParams[N] } & WithExtra;
}[KnownEventName];

/**
 * An engine EVENT of any other name, params kept URL-decoded. Its `name` is never a
 * {@link KnownEventName}; narrow with {@link isEvent}.
 */
export interface OtherEvent {
  readonly kind: 'EVENT';
  readonly name: string;
  readonly params: Params;
}

/** `EVENT <name> [k=v ...]` from the engine. */
export type EngineEvent = KnownEvent | OtherEvent;

/** Every message an engine sends, discriminated by `kind` (the command word; `##` is `SYNC`). */
export type EngineMessage =
  | HelloTs
  | NotReady
  | Auth
  | State
  | Status
  | LoadResp
  | Play
  | PlayAd
  | PlayAdI
  | Start
  | Pause
  | Resume
  | Stop
  | Shutdown
  | Info
  | EngineEvent
  | Sync
  | Unknown;

/** The `kind` values of client messages. */
export type ClientKind = ClientMessage['kind'];
/** The `kind` values of engine messages. */
export type EngineKind = EngineMessage['kind'];

const KNOWN_EVENTS: ReadonlySet<string> = new Set<KnownEventName>(['livepos', 'cansave', 'showurl', 'download_stopped', 'getuserdata']);

/** Whether `name` is an EVENT name with typed params. */
export function isKnownEventName(name: string): name is KnownEventName {
  return KNOWN_EVENTS.has(name);
}

/**
 * Narrows an engine message to the EVENT named `name`, with its typed params.
 *
 * @example
 * ```ts
 * if (isEvent(msg, 'livepos')) liveSeek(msg.params.pos);
 * ```
 */
export function isEvent<N extends KnownEventName>(
  message: EngineMessage,
  name: N,
): message is Extract<KnownEvent, { readonly name: N }> {
  return message.kind === 'EVENT' && message.name === name;
}
