import type { ENGINE_STATES } from '../messages.js';
import type { CommonStatusFields, KnownStatusState, StatusPart } from '../status.js';
import { isKnownStatStatus, type KnownStatStatus, type StatResponse } from './stat.js';

/** A TCP `STATE` id (see `ENGINE_STATES` in `@ace-rx/codec`). */
export type EngineStateId = keyof typeof ENGINE_STATES;

/** What a stat `status` is on the TCP API: the `STATUS main:` word and, when it has one, the `STATE` id. */
export interface TcpStateOfStat {
  /** The `STATUS main:` state word. */
  readonly state: KnownStatusState;
  /** The `STATE <id>`; absent for `loading` and `starting`, which have none. */
  readonly engineState?: EngineStateId;
}

/**
 * The spec's §6 table: each known stat `status` as the TCP API names it. Inferred from
 * the names (no engine reports both); `wait` and `seekprebuf` have no stat value.
 */
export const STAT_STATUS_TO_TCP: { readonly [S in KnownStatStatus]: TcpStateOfStat } = {
  idle: { state: 'idle', engineState: 0 },
  loading: { state: 'loading' },
  starting: { state: 'starting' },
  checking: { state: 'check', engineState: 5 },
  check: { state: 'check', engineState: 5 },
  prebuf: { state: 'prebuf', engineState: 1 },
  buf: { state: 'buf', engineState: 3 },
  dl: { state: 'dl', engineState: 2 },
  error: { state: 'err', engineState: 6 },
  err: { state: 'err', engineState: 6 },
};

/**
 * The TCP state of a stat `status`, or undefined for a status the codec does not know.
 *
 * @example
 * ```ts
 * tcpStateOfStatStatus('checking') // { state: 'check', engineState: 5 }
 * ```
 */
export function tcpStateOfStatStatus(status: string): TcpStateOfStat | undefined {
  return isKnownStatStatus(status) ? STAT_STATUS_TO_TCP[status] : undefined;
}

const COMMON = ['totalProgress', 'speedDown', 'speedUp', 'peers', 'downloaded', 'uploaded'] as const;

/**
 * A stat response as the TCP `STATUS main:` part it corresponds to, so a client can give
 * one progress shape on both backends. The stat keys with a TCP counterpart
 * (`total_progress`, `speed_down`, `speed_up`, `peers`, `downloaded`, `uploaded`) fill the
 * common fields of the states that carry them; `progress` is the `prebuf`/`buf`/`check`
 * progress; `error_message` the `err` text. An unknown status is `{ state: 'unknown',
 * name: status, fields: [] }`.
 *
 * @example
 * ```ts
 * statToStatusPart({ status: 'prebuf', progress: 40, peers: 3, speedDown: 120 })
 * // { state: 'prebuf', progress: 40, speedDown: 120, peers: 3 }
 * ```
 */
export function statToStatusPart(stat: StatResponse): StatusPart {
  const tcp = tcpStateOfStatStatus(stat.status);
  if (tcp === undefined) return { state: 'unknown', name: stat.status, fields: [] };
  const common: { -readonly [K in keyof CommonStatusFields]: CommonStatusFields[K] } = {};
  for (const key of COMMON) {
    const value = stat[key];
    if (value !== undefined) common[key] = value;
  }
  const progress = stat.progress === undefined ? {} : { progress: stat.progress };
  switch (tcp.state) {
    case 'prebuf':
      return { state: 'prebuf', ...progress, ...common };
    case 'buf':
      return { state: 'buf', ...progress, ...common };
    case 'dl':
      return { state: 'dl', ...common };
    case 'check':
      return { state: 'check', ...progress };
    case 'err':
      return stat.errorMessage === undefined ? { state: 'err' } : { state: 'err', errorMessage: stat.errorMessage };
    case 'idle':
      return { state: 'idle' };
    case 'loading':
      return { state: 'loading' };
    case 'starting':
      return { state: 'starting' };
    default:
      return { state: 'unknown', name: stat.status, fields: [] };
  }
}
