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
      return `HELLOTS   version ${message.version ?? '?'}`;
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
