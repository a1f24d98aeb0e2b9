import { randomBytes } from 'node:crypto';
import type { EventResponse } from '@ace-rx/codec/http';
import type { Content } from '../catalogue.js';
import type { LiveSeekMark } from '../live-position.js';

/** How an HTTP API session outputs its content. */
export type ApiOutput = 'progressive' | 'hls';

/** Where an HTTP API session stands: playing, displaced by another player's start, or stopped. */
export type ApiSessionState = 'active' | 'displaced' | 'stopped';

/** Why an HTTP API session ended (see {@link ApiSession.endedBy}). */
export type ApiEndReason = 'stop' | 'displaced' | 'idle' | 'limit' | 'reset';

/** Bounds of {@link ApiSessions}: how long and how many sessions are kept. */
export interface ApiSessionLimits {
  /**
   * A live session with no request about it (stat, cmd, event, playlist, segment,
   * `/ace/r`, `/content/`) and no reader or long poll for this long ends, as `stopped`
   * (default 60,000 ms; 0: never). What a real engine does is unknown (spec http-api.md
   * §5.10); 60 s is what one open emulator assumes.
   */
  readonly idleTimeoutMs?: number;
  /** Live sessions at most (default 1000): a start beyond it ends the least recently used one. */
  readonly maxSessions?: number;
  /**
   * Ended sessions remembered (default 256), the most recent, so their URLs still answer
   * 403 (displaced) or 500 and `unknown playback session id` (stopped). An older one is
   * forgotten: its URLs answer as a token never minted does (500, `unknown playback session id`).
   */
  readonly endedHistory?: number;
}

/** Default {@link ApiSessionLimits}. */
export const DEFAULT_API_SESSION_LIMITS = { idleTimeoutMs: 60_000, maxSessions: 1000, endedHistory: 256 } as const;

/** One playback session started over the HTTP API (`/ace/getstream` or `/ace/manifest.m3u8`). */
export interface ApiSession {
  /** `playback_session_id`: 40 hex, never in a URL. */
  readonly id: string;
  /** The 32-hex token of its URLs (`/ace/r/<ih>/<tok>`, `/ace/stat/<ih>/<tok>`, …). */
  readonly token: string;
  /** Last segment of its `/content/<ih>/<random>` URL (32 hex). */
  readonly contentKey: string;
  /** The catalogue content it plays. */
  readonly content: Content;
  /** The file it plays (`_idx`, else the content's first video). */
  readonly fileIndex: number;
  /** The player id it was started with (`pid`, or its old name `sid`); `''` when none. */
  readonly pid: string;
  /** Progressive (`/ace/getstream`) or HLS (`/ace/manifest.m3u8`). */
  readonly output: ApiOutput;
  /** `client_session_id` from the start request, `-1` when none. */
  readonly clientSessionId: number;
  /** Started with `use_api_events=1`: it has an `event_url`. */
  readonly events: boolean;
  /** `performance.now()` at the start. */
  readonly startedAt: number;
  /** `performance.now()` of the last request about it (start, stat, cmd, event, playback, segment). */
  lastActiveAt: number;
  /**
   * Why it ended, once it has: `stop` (`method=stop`), `displaced` (another player's
   * start), `idle` (no request and no reader for the idle timeout), `limit` (the oldest
   * live session, ended to make room under `maxSessions`), `reset` (engine restart or close).
   */
  endedBy: ApiEndReason | undefined;
  /** Active until displaced by another player's start, or stopped. */
  state: ApiSessionState;
  /** Position (Unix seconds) of the last accepted `method=liveseek&pos=…`. */
  seekPos: number | undefined;
  /** The last accepted seek and when it came: the stat's `livepos.pos` plays on from it. */
  seek: LiveSeekMark | undefined;
  /** Ends the one progressive reader, if any. */
  cutReader: (() => void) | undefined;
  /** Events not yet taken by a long poll. */
  readonly pending: EventResponse[];
  /** Long polls waiting for an event: called with the event, or undefined when the session ends. */
  readonly waiters: Set<(event: EventResponse | undefined) => void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * The HTTP API's sessions, with the engine's rules (spec §5): a start with another
 * player id displaces the content's current session; a repeated start with the same
 * player id and output gets the same session back. Bounded (see {@link ApiSessionLimits}):
 * idle sessions end, live ones are capped, ended ones are remembered for a while, then
 * forgotten. Every lookup is O(1) amortised: idle sessions are found from the least
 * recently used end, whenever a request comes (no timer runs).
 */
export class ApiSessions {
  /** Live and remembered ended sessions by URL token, in start order. */
  private readonly byToken = new Map<string, ApiSession>();
  private readonly byContentKey = new Map<string, ApiSession>();
  /** Live sessions by token, least recently active first. */
  private readonly live = new Map<string, ApiSession>();
  /** Live sessions by infohash. */
  private readonly liveByContent = new Map<string, Set<ApiSession>>();
  /** Remembered ended sessions by token, in the order they ended. */
  private readonly ended = new Map<string, ApiSession>();
  private readonly idleTimeoutMs: number;
  private readonly maxSessions: number;
  private readonly endedHistory: number;

  constructor(limits: ApiSessionLimits = {}) {
    this.idleTimeoutMs = Math.max(0, limits.idleTimeoutMs ?? DEFAULT_API_SESSION_LIMITS.idleTimeoutMs);
    this.maxSessions = Math.max(1, limits.maxSessions ?? DEFAULT_API_SESSION_LIMITS.maxSessions);
    this.endedHistory = Math.max(0, limits.endedHistory ?? DEFAULT_API_SESSION_LIMITS.endedHistory);
  }

  /** Starts (or finds) a session; the sessions it displaces end. */
  start(content: Content, fileIndex: number, pid: string, output: ApiOutput, clientSessionId: number, events: boolean): ApiSession {
    for (const other of this.active(content.infohash)) {
      if (other.pid === pid && other.output === output && other.fileIndex === fileIndex) return this.touch(other);
      this.end(other, 'displaced');
    }
    for (const oldest of this.live.values()) {
      if (this.live.size < this.maxSessions) break;
      this.end(oldest, 'stopped', 'limit');
    }
    const now = performance.now();
    const session: ApiSession = {
      id: hex(20),
      token: hex(16),
      contentKey: hex(16),
      content,
      fileIndex,
      pid,
      output,
      clientSessionId,
      events,
      startedAt: now,
      lastActiveAt: now,
      endedBy: undefined,
      state: 'active',
      seekPos: undefined,
      seek: undefined,
      cutReader: undefined,
      pending: [{ name: 'live_changed', params: { is_live: content.live ? 1 : 0 } }],
      waiters: new Set(),
    };
    this.byToken.set(session.token, session);
    this.byContentKey.set(session.contentKey, session);
    this.live.set(session.token, session);
    let ofContent = this.liveByContent.get(content.infohash);
    if (ofContent === undefined) this.liveByContent.set(content.infohash, (ofContent = new Set()));
    ofContent.add(session);
    return session;
  }

  /** Marks a live session as just used (a request about it came); returns it. */
  touch(session: ApiSession): ApiSession {
    if (session.state !== 'active') return session;
    session.lastActiveAt = performance.now();
    this.live.delete(session.token);
    this.live.set(session.token, session);
    return session;
  }

  /** The session of a URL token, if that token was minted for this infohash and is not forgotten; a live one counts as used. */
  byUrl(infohash: string, token: string): ApiSession | undefined {
    this.sweep();
    const session = this.byToken.get(token);
    return session?.content.infohash === infohash.toLowerCase() ? this.touch(session) : undefined;
  }

  /** The session of a `/content/<ih>/<random>` URL; a live one counts as used. */
  byContent(infohash: string, key: string): ApiSession | undefined {
    this.sweep();
    const session = this.byContentKey.get(key);
    return session?.content.infohash === infohash.toLowerCase() ? this.touch(session) : undefined;
  }

  /** Active sessions of a content. */
  active(infohash: string): ApiSession[] {
    this.sweep();
    return [...(this.liveByContent.get(infohash.toLowerCase()) ?? [])];
  }

  /** The live sessions and the remembered ended ones, in start order. */
  all(): ApiSession[] {
    this.sweep();
    return [...this.byToken.values()];
  }

  /** How many sessions are live. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Ends a session: its reader is cut and its long polls answered. */
  end(session: ApiSession, state: 'displaced' | 'stopped', reason: ApiEndReason = state === 'displaced' ? 'displaced' : 'stop'): void {
    if (session.state !== 'active') return;
    session.state = state;
    session.endedBy = reason;
    this.live.delete(session.token);
    const ofContent = this.liveByContent.get(session.content.infohash);
    ofContent?.delete(session);
    if (ofContent?.size === 0) this.liveByContent.delete(session.content.infohash);
    session.cutReader?.();
    session.cutReader = undefined;
    for (const waiter of [...session.waiters]) waiter(undefined);
    session.waiters.clear();
    this.ended.set(session.token, session);
    for (const oldest of this.ended.values()) {
      if (this.ended.size <= this.endedHistory) break;
      this.forget(oldest);
    }
  }

  /** Drops every session, as an engine restart does: their tokens are unknown afterwards. */
  clear(): void {
    for (const session of [...this.live.values()]) this.end(session, 'stopped', 'reset');
    this.byToken.clear();
    this.byContentKey.clear();
    this.live.clear();
    this.liveByContent.clear();
    this.ended.clear();
  }

  private forget(session: ApiSession): void {
    this.ended.delete(session.token);
    this.byToken.delete(session.token);
    this.byContentKey.delete(session.contentKey);
  }

  /** Ends the live sessions idle for the timeout; one with a reader or a long poll is in use, not idle. */
  private sweep(): void {
    if (this.idleTimeoutMs === 0) return;
    const now = performance.now();
    // Least recently used first: stop at the first one not idle. A session in use goes to
    // the back; the count bounds the walk, since a Map's iterator sees entries re-added.
    let left = this.live.size;
    for (const session of this.live.values()) {
      if (left-- === 0 || now - session.lastActiveAt < this.idleTimeoutMs) break;
      if (session.cutReader !== undefined || session.waiters.size > 0) this.touch(session);
      else this.end(session, 'stopped', 'idle');
    }
  }
}
