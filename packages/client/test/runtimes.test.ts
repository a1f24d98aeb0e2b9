// The HTTP-API backend from Deno and Bun: the emulator runs here on Node, the client in a
// Deno or Bun process (bundled with esbuild from the runtime-neutral sources), with a
// deadline. Each runtime's case is skipped, with a message, when its binary is missing.
import { afterEach, describe, expect, it } from '@jest/globals';
import { startEmulator, type Emulator } from '@ace-rx/emulator';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..', '..');
const DEADLINE_MS = 60_000;
// As `pnpm test:runtimes` runs them: no update check, telemetry or prompt.
const ENV = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1', BUN_DISABLE_TELEMETRY: '1', NO_COLOR: '1' };

interface Runtime {
  readonly name: 'deno' | 'bun';
  /** `$DENO_BIN` / `$BUN_BIN`, the workspace's npm package, else one on PATH. */
  readonly binary: string | undefined;
  readonly args: (file: string) => string[];
}

function find(name: string): string | undefined {
  const candidates = [process.env[`${name.toUpperCase()}_BIN`], join(root, 'node_modules', '.bin', name), name].filter((c): c is string => c !== undefined && c !== '');
  return candidates.find((candidate) => spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 20_000, env: ENV }).status === 0);
}

const RUNTIMES: readonly Runtime[] = [
  { name: 'deno', binary: find('deno'), args: (file) => ['run', '--quiet', '--no-config', '--no-lock', '--no-remote', '--no-prompt', '--allow-net=127.0.0.1', file] },
  { name: 'bun', binary: find('bun'), args: (file) => ['run', file] },
];
for (const runtime of RUNTIMES) {
  if (runtime.binary === undefined) {
    console.warn(`runtimes.test.ts: ${runtime.name} skipped, no binary (install the workspace devDependency \`${runtime.name}\`, set ${runtime.name.toUpperCase()}_BIN, or put it on PATH)`);
  }
}

let engine: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the binary, killed at the deadline; resolves with its exit code and output. */
function run(binary: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(RUNTIMES)('the HTTP backend under $name', (runtime) => {
  (runtime.binary === undefined ? it.skip : it)(
    'plays the seed against the Node emulator, stops it, picks HTTP with auto, and play stops on unsubscribe',
    async () => {
      dir = mkdtempSync(join(tmpdir(), `ace-rx-${runtime.name}-`));
      const bundle = join(dir, 'http-backend.mjs');
      await build({
        entryPoints: [join(import.meta.dirname, 'runtimes', 'http-backend.runtime.ts')],
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        conditions: ['@ace-rx/source'],
        outfile: bundle,
        logLevel: 'silent',
      });
      expect(existsSync(bundle)).toBe(true);
      // 300 ms of prebuffer polled every 10 ms: more than one progress event even when a
      // loaded machine (jest runs two suites at once) delays the runtime's polls (60 ms once gave one).
      engine = await startEmulator({ timing: { prebufferMs: 300, statusIntervalMs: 5 } });
      const { code, stdout, stderr } = await run(runtime.binary!, [...runtime.args(bundle), String(engine.httpPort)]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(result).toMatchObject({
        runtime: expect.stringMatching(new RegExp(`^${runtime.name} \\d`)),
        engine: { version: '3.1.16', versionCode: 3011600, httpPort: engine.httpPort, authLevel: 0, host: '127.0.0.1' },
        playing: { type: 'playing', url: expect.stringContaining(`:${engine.httpPort}/ace/r/`), live: false },
        fileHead: 'ftyp',
        stoppedStat: 'unknown playback session id',
        pickedAuthLevel: 0,
        played: ['playing', 'status'],
        liveStopped: true,
      });
      expect(result['progress'] as number).toBeGreaterThan(1);
      expect(engine.httpApi.sessions.all().every((s) => s.state === 'stopped')).toBe(true);
    },
    DEADLINE_MS + 30_000,
  );
});
