// The real players' side of the tests (ffmpeg, ffprobe, mpv): one way to run a tool and
// one way to ask whether it is installed, for every package's suite.
import { spawn, spawnSync } from 'node:child_process';

/** What a tool run said: its exit code (null when killed), stdout and stderr. */
export interface ToolRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a tool to its end, killed after `ms`; its exit code, stdout and stderr. Rejects when it cannot start. */
export function run(tool: string, args: readonly string[], ms = 60_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Whether `tool` is installed: it answers `-version` (ffmpeg, ffprobe) or `--version` (mpv). */
export function installed(tool: string): boolean {
  return spawnSync(tool, ['-version']).status === 0 || spawnSync(tool, ['--version']).status === 0;
}
