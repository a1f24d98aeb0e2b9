import type { PrebufferProgress } from '@ace-rx/client';
import type { EngineMessage, StatusPart } from '@ace-rx/codec';

/** The user-facing wording of a STATUS part, as the spec gives it (empty for `dl` and `idle`). */
export function describeStatus(part: StatusPart): string {
  switch (part.state) {
    case 'check':
      return `Checking ${part.progress ?? 0}%`;
    case 'prebuf':
      return `Prebuffering ${part.progress ?? 0}%`;
    case 'buf':
      return `Buffering ${part.progress ?? 0}%`;
    case 'wait':
      return 'Waiting for sufficient download speed';
    case 'err':
      return `Error${part.errorId === undefined ? '' : ` ${part.errorId}`}: ${part.errorMessage ?? 'unknown'}`;
    case 'dl':
    case 'idle':
      return ''; // the spec: nothing to say
    case 'unknown':
      return part.name;
    default:
      return part.state;
  }
}

function peers(part: StatusPart): string {
  const p = part as { peers?: number; speedDown?: number };
  return p.peers === undefined ? '' : ` (${p.peers} peers, ${p.speedDown ?? 0} KiB/s)`;
}

/** One line for a person, for any engine message. */
export function describeMessage(message: EngineMessage): string {
  switch (message.kind) {
    case 'STATUS':
      return `STATUS    ${describeStatus(message.main) || message.main.state}${peers(message.main)}${message.ad ? ` | ad: ${describeStatus(message.ad) || message.ad.state}` : ''}`;
    case 'LOADRESP':
      return `LOADRESP  #${message.requestId} status ${message.response.status}: ${message.response.files.map((f) => `[${f.index}] ${f.name}`).join(', ') || message.response.message || 'no files'}`;
    case 'START':
      return `START     ${message.ad ? 'ad ' : ''}${message.url}${message.stream ? ' (live)' : ''}`;
    case 'PLAY':
    case 'PLAYAD':
    case 'PLAYADI':
      return `${message.kind.padEnd(9)} ${message.url}`;
    case 'EVENT':
      return `EVENT     ${message.name} ${JSON.stringify(message.params)}`;
    case 'INFO':
      return `INFO      ${message.id}: ${message.text}`;
    case 'SYNC':
      return `##        ${message.payload}`;
    case 'UNKNOWN':
      return `?         ${message.raw}`;
    case 'HELLOTS':
      return `HELLOTS   version ${message.version ?? '?'}${message.httpPort === undefined ? '' : `, http port ${message.httpPort}`}${message.key === undefined ? ' (bare)' : ''}`;
    case 'AUTH':
      return `AUTH      level ${message.level}`;
    case 'STATE':
      return `STATE     ${message.state}`;
    default:
      return message.kind;
  }
}

/** A progress line when no terminal can show a bar. */
export function describeProgress(progress: PrebufferProgress): string {
  return `${progress.phase} ${progress.percent}% (${progress.peers} peers, ${progress.speedDown} KiB/s)`;
}

/** `s` cut to at most `columns - 1` characters (the last column would wrap some terminals). */
function fit(s: string, columns: number): string {
  const width = Math.max(1, columns - 1);
  return s.length <= width ? s : s.slice(0, Math.max(0, width - 1)) + '…';
}

/**
 * The prebuffer progress bar as one terminal line of at most `columns - 1` characters:
 * the phase and the percentage first, so that a narrow terminal loses the bar and the
 * peers before it loses the percentage.
 */
export function progressLine(progress: Pick<PrebufferProgress, 'phase' | 'percent' | 'peers' | 'speedDown'>, columns: number): string {
  const percent = Math.max(0, Math.min(100, Math.round(progress.percent)));
  const head = `${progress.phase.padEnd(6)} ${String(percent).padStart(3)}%`;
  const tail = ` ${progress.peers} peers ${progress.speedDown} KiB/s`;
  const width = Math.max(1, columns - 1);
  const room = Math.min(40, width - head.length - tail.length - 3);
  if (room >= 5) {
    const filled = Math.round((percent / 100) * room);
    return `${head} [${'#'.repeat(filled)}${'-'.repeat(room - filled)}]${tail}`;
  }
  return fit(head.length + tail.length <= width ? head + tail : head, columns);
}

/** What the live status line shows while a stream plays. */
export interface LiveStatus {
  /** The engine's state word (`dl`, `buf`, …), or `starting` before the first STATUS. */
  readonly state: string;
  readonly peers: number;
  readonly speedDown: number;
  /** Between PAUSE and RESUME. */
  readonly buffering: boolean;
  /** Bytes written, with `--output`. */
  readonly written?: number;
  /** Bytes a second, with `--output`. */
  readonly rate?: number;
}

/** Bytes for people: 512 B, 1.5 MiB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The live status line, at most `columns - 1` characters. */
export function statusLine(status: LiveStatus, columns: number): string {
  const what = status.buffering ? 'buffering…' : status.written === undefined ? 'playing' : 'saving';
  const parts = [what, `engine: ${status.state}`, `${status.peers} peers`, `${status.speedDown} KiB/s`];
  if (status.written !== undefined) parts.push(`${bytes(status.written)} written`, `${bytes(Math.round(status.rate ?? 0))}/s`);
  return fit(parts.join(' · '), columns);
}
