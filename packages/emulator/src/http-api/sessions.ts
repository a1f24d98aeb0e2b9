import { randomBytes } from 'node:crypto';
import type { EventResponse } from '@ace-rx/codec/http';
import type { Content } from '../catalogue.js';

/** How an HTTP API session outputs its content. */
export type ApiOutput = 'progressive' | 'hls';

/** Where an HTTP API session stands: playing, displaced by another player's start, or stopped. */
export type ApiSessionState = 'active' | 'displaced' | 'stopped';

/** One playback session started over the HTTP API (`/ace/getstream` or `/ace/manifest.m3u8`). */
export interface ApiSession {
  /** `playback_session_id`: 40 hex, never in a URL. */
  readonly id: string;
  /** The 32-hex token of its URLs (`/ace/r/<ih>/<tok>`, `/ace/stat/<ih>/<tok>`, …). */
  readonly token: string;
  /** Last segment of its `/content/<ih>/<random>` URL (32 hex). */
  readonly contentKey: string;
  readonly content: Content;
  readonly fileIndex: number;
  /** The player id it was started with (`pid`, or its old name `sid`); `''` when none. */
  readonly pid: string;
  readonly output: ApiOutput;
  /** `client_session_id` from the start request, `-1` when none. */
  readonly clientSessionId: number;
  /** Started with `use_api_events=1`: it has an `event_url`. */
  readonly events: boolean;
  /** `performance.now()` at the start. */
  readonly startedAt: number;
  state: ApiSessionState;
  /** Position set by `method=liveseek&pos=…`. */
  seekPos: number | undefined;
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
 * player id and output gets the same session back.
 */
export class ApiSessions {
  private readonly byToken = new Map<string, ApiSession>();
  private readonly byContentKey = new Map<string, ApiSession>();

  /** Starts (or finds) a session; the sessions it displaces end. */
  start(content: Content, fileIndex: number, pid: string, output: ApiOutput, clientSessionId: number, events: boolean): ApiSession {
    for (const other of this.active(content.infohash)) {
      if (other.pid === pid && other.output === output && other.fileIndex === fileIndex) return other;
      this.end(other, 'displaced');
    }
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
      startedAt: performance.now(),
      state: 'active',
      seekPos: undefined,
      cutReader: undefined,
      pending: [{ name: 'live_changed', params: { is_live: content.live ? 1 : 0 } }],
      waiters: new Set(),
    };
    this.byToken.set(session.token, session);
    this.byContentKey.set(session.contentKey, session);
    return session;
  }

  /** The session of a URL token, whatever its state, if that token was ever minted for this infohash. */
  byUrl(infohash: string, token: string): ApiSession | undefined {
    const session = this.byToken.get(token);
    return session?.content.infohash === infohash.toLowerCase() ? session : undefined;
  }

  /** The session of a `/content/<ih>/<random>` URL. */
  byContent(infohash: string, key: string): ApiSession | undefined {
    const session = this.byContentKey.get(key);
    return session?.content.infohash === infohash.toLowerCase() ? session : undefined;
  }

  /** Active sessions of a content. */
  active(infohash: string): ApiSession[] {
    return [...this.byToken.values()].filter((s) => s.state === 'active' && s.content.infohash === infohash);
  }

  /** Every session so far, in start order. */
  all(): ApiSession[] {
    return [...this.byToken.values()];
  }

  /** Ends a session: its reader is cut and its long polls answered. */
  end(session: ApiSession, state: 'displaced' | 'stopped'): void {
    if (session.state !== 'active') return;
    session.state = state;
    session.cutReader?.();
    session.cutReader = undefined;
    for (const waiter of [...session.waiters]) waiter(undefined);
    session.waiters.clear();
  }

  /** Drops every session, as an engine restart does: their tokens are unknown afterwards. */
  clear(): void {
    for (const session of this.byToken.values()) this.end(session, 'stopped');
    this.byToken.clear();
    this.byContentKey.clear();
  }
}
