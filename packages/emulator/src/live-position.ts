/**
 * Where a live stream stands, in Unix seconds, as a real engine reports it in `EVENT
 * livepos` (TCP API) and the stat's `livepos` (HTTP API): every position (`last`, `pos`,
 * `first_ts`, `last_ts`, `live_first`, `live_last`) is a Unix time. A logged session
 * reads `last=1539535944 … last_ts=1539535944`; the HTTP docs' sample `"last":
 * "1639986704", "live_first": "1639984904"` (spec engine-api.md §EVENTs, http-api.md §4.2).
 * One clock for both APIs, so a client sees the same window on either.
 */

/**
 * Seconds a live window spans by default: the emulator's media `historySeconds` (how
 * long its channel "has been on air"). A real engine's docs sample spans 1800 s.
 */
export const DEFAULT_LIVE_WINDOW_SECONDS = 120;

/** A live window: the first and last positions a client may seek to, Unix seconds. */
export interface LiveWindow {
  /** `live_first` and `first_ts`: the oldest position still available. */
  readonly first: number;
  /** `last`, `last_ts` and `live_last`: now, the live edge. */
  readonly last: number;
}

/** A seek a session made: to `position` (Unix seconds), at `atMs` (`Date.now()` then). */
export interface LiveSeekMark {
  /** The position asked for, Unix seconds. */
  readonly position: number;
  /** When, in `Date.now()` milliseconds. */
  readonly atMs: number;
}

/**
 * The live window now: the last `widthSeconds` up to now, whole Unix seconds. It slides:
 * every position in it moves forward each second.
 */
export function liveWindow(widthSeconds: number = DEFAULT_LIVE_WINDOW_SECONDS, nowMs: number = Date.now()): LiveWindow {
  const last = Math.floor(nowMs / 1000);
  return { first: last - Math.max(0, Math.floor(widthSeconds)), last };
}

/**
 * The position a session plays now: the live edge, or after a seek the position sought
 * plus the seconds since (playing goes on at normal speed), kept inside the window.
 */
export function playingPosition(window: LiveWindow, seek: LiveSeekMark | undefined, nowMs: number = Date.now()): number {
  if (seek === undefined) return window.last;
  const position = seek.position + Math.floor((nowMs - seek.atMs) / 1000);
  return Math.min(window.last, Math.max(window.first, position));
}

/**
 * Whether a LIVESEEK / `method=liveseek` position can be played: a whole number of Unix
 * seconds inside the window (`live_first` ≤ position ≤ `live_last`), as `EVENT livepos`
 * announced it. Others are refused (what a real engine does with them is not measured).
 */
export function acceptsSeek(window: LiveWindow, position: number): boolean {
  return Number.isSafeInteger(position) && position >= window.first && position <= window.last;
}

/** The livepos fields both APIs send, from a window and a playing position. */
export function livePosFields(window: LiveWindow, pos: number, bufferPieces: number) {
  return {
    last: window.last,
    liveFirst: window.first,
    pos,
    firstTs: window.first,
    lastTs: window.last,
    isLive: true,
    liveLast: window.last,
    bufferPieces,
  } as const;
}
