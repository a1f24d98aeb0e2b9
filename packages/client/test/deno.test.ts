// The HTTP-API backend from Deno: the emulator runs here on Node, the client runs in a
// Deno process (bundled with esbuild from the runtime-neutral sources), with a deadline.
import { afterEach, describe, expect, it } from '@jest/globals';
import { startEmulator, type Emulator } from '@ace-rx/emulator';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..', '..');
const DEADLINE_MS = 60_000;

/** The deno binary: `$DENO_BIN`, the workspace's npm `deno`, else one on PATH; undefined when there is none. */
function denoBinary(): string | undefined {
  const candidates = [process.env['DENO_BIN'], join(root, 'node_modules', '.bin', 'deno'), 'deno'].filter((c): c is string => c !== undefined && c !== '');
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const deno = denoBinary();
if (deno === undefined) {
  console.warn('deno.test.ts: skipped, no deno binary (install the workspace devDependency `deno`, set DENO_BIN, or put deno on PATH)');
}

let engine: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs `file` with deno, killed at the deadline; resolves with its exit code and output. */
function run(binary: string, file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // As `pnpm test:runtimes` runs deno: no config, lock, remote imports, update check or prompt.
    const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' };
    const flags = ['run', '--quiet', '--no-config', '--no-lock', '--no-remote', '--no-prompt', '--allow-net=127.0.0.1'];
    const child = spawn(binary, [...flags, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
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

describe('the HTTP backend under Deno', () => {
  (deno === undefined ? it.skip : it)(
    'plays the seed against the Node emulator, stops it, and picks HTTP with auto',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'ace-rx-deno-'));
      const bundle = join(dir, 'http-backend.mjs');
      await build({
        entryPoints: [join(import.meta.dirname, 'deno', 'http-backend.deno.ts')],
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        conditions: ['@ace-rx/source'],
        outfile: bundle,
        logLevel: 'silent',
      });
      expect(existsSync(bundle)).toBe(true);
      engine = await startEmulator({ timing: { prebufferMs: 60, statusIntervalMs: 5 } });
      const { code, stdout, stderr } = await run(deno!, bundle, [String(engine.httpPort)]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(result).toMatchObject({
        runtime: expect.stringMatching(/^deno \d/),
        engine: { version: '3.1.16', versionCode: 3011600, httpPort: engine.httpPort, authLevel: 0, host: '127.0.0.1' },
        playing: { type: 'playing', url: expect.stringContaining(`:${engine.httpPort}/ace/r/`), live: false },
        syncBytes: [0x47, 0x47],
        stoppedStat: 'unknown playback session id',
        pickedAuthLevel: 0,
        played: ['playing', 'status'],
        liveStopped: true,
      });
      expect(result['progress']).toEqual(expect.any(Number));
      expect(result['progress'] as number).toBeGreaterThan(1);
      expect(engine.httpApi.sessions.all().every((s) => s.state === 'stopped')).toBe(true);
    },
    DEADLINE_MS + 30_000,
  );
});
