// Shared by the CLI's process tests: spawning the real `ace-rx`, waiting with deadlines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec';
import { startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';

export const root = join(import.meta.dirname, '..', '..', '..');

/**
 * A free port nothing listens on: the default `--http-port` of every run, so that `auto`
 * falling back to HTTP never reaches a real 6878.
 */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
export const DEAD_PORT = await deadPort();

/** One finished `ace-rx` run. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from the first signal sent to the exit, when one was sent. */
  exitMs?: number;
}

/** A running `ace-rx`: its output so far, a way to signal it, and its end. */
export interface Running {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Sends a signal, remembering when the first was sent. */
  signal(signal: NodeJS.Signals): void;
  readonly done: Promise<Run>;
}

/**
 * The real `ace-rx` command: its sources as one file, bundled by jest's global setup
 * (scripts/jest-global-setup.js), which starts some five times faster than the same
 * sources through tsx. No build is needed.
 */
export const ACE_RX: readonly string[] = [process.execPath, join(root, 'node_modules/.cache/ace-rx-test/ace-rx.mjs')];

/** `ace-rx-emulator` (the emulator's bin), bundled by the same global setup: a separate engine process for the CLI to meet. */
export const EMULATOR_BIN: readonly string[] = [process.execPath, join(root, 'node_modules/.cache/ace-rx-test/ace-rx-emulator.mjs')];

/** The same command from the sources through tsx, as `pnpm ace-rx` runs it. */
export const ACE_RX_TSX: readonly string[] = [process.execPath, '--import', 'tsx', '--conditions=@ace-rx/source', join(root, 'packages/cli/src/bin.ts')];

/** Starts the real `ace-rx` process ({@link ACE_RX}, or `options.command`). */
export function start(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; command?: readonly string[] } = {}): Running {
  const command = options.command ?? ACE_RX;
  const child = spawn(command[0]!, [...command.slice(1), ...args], {
    cwd: options.cwd ?? root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_HTTP_PORT: String(DEAD_PORT), ACE_RX_API: '', ACE_RX_PRODUCT_KEY: '', INIT_CWD: '', NO_COLOR: '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  let signalledAt: number | undefined;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ace-rx ${args.join(' ')} did not exit\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(signalledAt === undefined ? {} : { exitMs: performance.now() - signalledAt }) });
    });
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    signal: (signal) => {
      signalledAt ??= performance.now();
      child.kill(signal);
    },
    done,
  };
}

/** Runs `ace-rx` to its end. */
export function ace(args: string[], options: Parameters<typeof start>[1] = {}): Promise<Run> {
  return start(args, options).done;
}

/** Waits until `check` holds, polling every 20 ms, for at most `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Emulator timing for process tests: every phase in milliseconds, no buffering episode unless asked. */
export const FAST_TIMING = { statusIntervalMs: 20, prebufferMs: 100, loadDelayMs: 5, bufferingAfterMs: 100_000, bufferingMs: 20, livePosIntervalMs: 10 };

/** A first Ctrl-C must end the process within a second, whatever the engine does. */
export const WITHIN_A_SECOND = 1000;

/** An emulator with the public key and {@link FAST_TIMING} (overridable); closing it is pushed onto `cleanups`. */
export async function fastEmulator(cleanups: (() => Promise<void> | void)[], options: EmulatorOptions = {}): Promise<Emulator> {
  const engine = await startEmulator({ productKey: DEFAULT_PRODUCT_KEY, ...options, timing: { ...FAST_TIMING, ...options.timing } });
  cleanups.push(() => engine.close());
  return engine;
}
