import type { PrebufferProgress } from '@ace-rx/client';
import { progressLine, statusLine, describeProgress, bytes, type LiveStatus } from './format.js';

/** Where a command writes: results on `out`, everything else on `err`. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whether `err` is a terminal (a live bar and status line) or not (a line per change). */
  readonly interactive: boolean;
  /** Width of the terminal `err` is (default 80). */
  readonly columns?: number;
  /** Whether to colour what goes to the terminal (off when `NO_COLOR` is set). */
  readonly color?: boolean;
  /** Writes to `err` without a newline (the live line); default: `err`. */
  readonly errRaw?: (text: string) => void;
}

/** Whether to colour: a terminal, and no `NO_COLOR` (https://no-color.org: any non-empty value). */
export function useColor(env: NodeJS.ProcessEnv, tty: boolean): boolean {
  return tty && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** Every event of `ace-rx play`; `--json` prints each as one JSON object per line. */
export type PlayEvent =
  | { readonly event: 'files'; readonly files: readonly { readonly index: number; readonly name: string }[]; readonly chosen: number }
  | ({ readonly event: 'progress' } & Pick<PrebufferProgress, 'phase' | 'percent' | 'peers' | 'speedDown'>)
  | { readonly event: 'ad'; readonly url: string; readonly skippable: boolean }
  | { readonly event: 'url'; readonly url: string; readonly live: boolean }
  | { readonly event: 'status'; readonly state: string; readonly peers: number; readonly speedDown: number }
  | { readonly event: 'buffering'; readonly buffering: boolean }
  | { readonly event: 'saving'; readonly path: string; readonly bytes: number; readonly rate: number }
  | { readonly event: 'saved'; readonly path: string; readonly bytes: number }
  | { readonly event: 'probe'; readonly bytes: number; readonly status: number; readonly contentType: string | null; readonly ms: number }
  | { readonly event: 'player'; readonly command: string; readonly code: number | null }
  | { readonly event: 'error'; readonly code: string; readonly message: string; readonly exit: number }
  | { readonly event: 'end'; readonly exit: number };

/** Says what `play` does: as JSON lines, or for a person. */
export interface Reporter {
  emit(event: PlayEvent): void;
  /** Stops writing (Ctrl-C): nothing more is shown but the last words. */
  quiet(): void;
}

/** `--json`: one object per line on stdout, nothing else there. */
export function jsonReporter(io: Io): Reporter {
  let quiet = false;
  return {
    emit: (event) => {
      if (!quiet || event.event === 'error' || event.event === 'end') io.out(JSON.stringify(event));
    },
    quiet: () => {
      quiet = true;
    },
  };
}

const GREEN = (s: string) => `\x1b[32m${s}\x1b[39m`;
const YELLOW = (s: string) => `\x1b[33m${s}\x1b[39m`;

/** For a person: the URL on stdout, the rest on stderr, a live line on a terminal. */
export function humanReporter(io: Io): Reporter {
  const columns = () => io.columns ?? 80;
  const raw = io.errRaw ?? ((text: string) => io.err(text));
  let live = false; // a live line is on screen
  let quiet = false;
  const status: { -readonly [K in keyof LiveStatus]: LiveStatus[K] } = { state: 'starting', peers: 0, speedDown: 0, buffering: false };
  let lastShown = '';
  const show = (text: string) => {
    if (!io.interactive) return;
    raw(`\r\x1b[K${text}`);
    live = true;
  };
  const line = (text: string) => {
    if (live) raw('\r\x1b[K');
    live = false;
    io.err(text);
  };
  const paint = (text: string) => (io.color ? (status.buffering ? YELLOW(text) : GREEN(text)) : text);
  const showStatus = () => {
    if (io.interactive) show(paint(statusLine(status, columns())));
    else {
      // Without a terminal, a line when what is happening changes, not at every STATUS.
      const summary = statusLine({ ...status, peers: 0, speedDown: 0, ...(status.written === undefined ? {} : { written: 0, rate: 0 }) }, 200);
      if (summary !== lastShown) io.err(statusLine(status, 200));
      lastShown = summary;
    }
  };
  return {
    quiet: () => {
      if (live) raw('\r\x1b[K');
      live = false;
      quiet = true;
    },
    emit: (event) => {
      if (quiet && event.event !== 'error' && event.event !== 'end') return;
      switch (event.event) {
        case 'files':
          line(`${event.files.length} file(s):`);
          for (const file of event.files) line(`  [${file.index}] ${file.name}${file.index === event.chosen ? '  <- playing' : ''}`);
          return;
        case 'progress':
          if (io.interactive) show(progressLine(event, columns()));
          else line(describeProgress({ ...event, speedUp: 0, downloaded: 0 }));
          return;
        case 'ad':
          line(`ad (${event.skippable ? 'skippable' : 'not skippable'}): ${event.url}`);
          return;
        case 'url':
          line(`playback URL${event.live ? ' (live)' : ''}:`);
          io.out(event.url);
          return;
        case 'status':
          status.state = event.state;
          status.peers = event.peers;
          status.speedDown = event.speedDown;
          showStatus();
          return;
        case 'buffering':
          status.buffering = event.buffering;
          showStatus();
          return;
        case 'saving':
          status.written = event.bytes;
          status.rate = event.rate;
          if (io.interactive) showStatus();
          return;
        case 'saved':
          line(`saved ${event.bytes} bytes (${bytes(event.bytes)}) to ${event.path}`);
          return;
        case 'probe':
          line(`fetched ${event.bytes} bytes (HTTP ${event.status}, ${event.contentType ?? 'no type'}) in ${event.ms.toFixed(0)} ms`);
          return;
        case 'player':
          line(`${event.command} exited${event.code === null ? '' : ` with code ${event.code}`}`);
          return;
        case 'error':
        case 'end':
          if (live) raw('\r\x1b[K');
          live = false;
          return;
      }
    },
  };
}
