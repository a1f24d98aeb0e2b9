// `pnpm test:runtimes`: the codec's browser suite (packages/codec/test/browser/suite.ts)
// under Bun and Deno, the binaries the `bun` and `deno` npm packages ship (root
// devDependencies; no network needed). One passed/failed line per runtime; exits
// non-zero if any runtime fails, cannot start, or runs no test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const MARK = '__ACE_RX_RESULTS__';
const DEADLINE_MS = 300_000;

const bundle = await build({
  entryPoints: ['packages/codec/test/browser/suite.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  conditions: ['@ace-rx/source'],
  footer: { js: `console.log(${JSON.stringify(MARK)} + JSON.stringify(globalThis.__aceRxResults));` },
  logLevel: 'error',
});
const code = bundle.outputFiles[0]!.text;
if (/\brequire\(["']node:|from ["']node:/.test(code)) throw new Error('the suite bundle pulls in a Node built-in');

interface Results {
  passed: number;
  failed: number;
  failures: string[];
  userAgent: string;
}

const dir = mkdtempSync(join(tmpdir(), 'ace-rx-runtimes-'));
const file = join(dir, 'suite.mjs');
writeFileSync(file, code);

const bin = (name: string) => join(process.cwd(), 'node_modules', '.bin', name);
// No update checks, telemetry or prompts: the suite needs no permission at all.
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1', BUN_DISABLE_TELEMETRY: '1', NO_COLOR: '1' };
const runtimes: { name: string; command: string; args: string[] }[] = [
  { name: 'bun', command: bin('bun'), args: ['run', file] },
  { name: 'deno', command: bin('deno'), args: ['run', '--no-config', '--no-lock', '--no-prompt', '--no-remote', file] },
];

let failedRuntimes = 0;
try {
  for (const runtime of runtimes) {
    const version = spawnSync(runtime.command, ['--version'], { encoding: 'utf8', env, timeout: 60_000 });
    const run = spawnSync(runtime.command, runtime.args, { encoding: 'utf8', env, timeout: DEADLINE_MS, maxBuffer: 64 * 1024 * 1024 });
    const line = (run.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
    const shown = (version.stdout ?? '').split('\n')[0]?.trim().replace(new RegExp(`^${runtime.name}\\s+`, 'i'), '').split(' ')[0];
    const label = `${runtime.name} ${shown || '(version unknown)'}`;
    if (run.error || line === undefined) {
      failedRuntimes++;
      const why = run.error ? run.error.message : `exit ${run.status}${run.signal ? ` (${run.signal})` : ''}, no results`;
      console.log(`FAILED  ${label}: the suite did not run: ${why}`);
      const stderr = (run.stderr ?? '').trim();
      if (stderr) console.log(stderr.split('\n').slice(0, 20).map((l) => `  ${l}`).join('\n'));
      continue;
    }
    const results = JSON.parse(line.slice(MARK.length)) as Results;
    const ok = results.failed === 0 && results.passed > 0 && run.status === 0;
    if (!ok) failedRuntimes++;
    console.log(`${ok ? 'passed' : 'FAILED'}  ${label}: ${results.passed} passed, ${results.failed} failed${run.status === 0 ? '' : ` (exit ${run.status})`}`);
    for (const failure of results.failures) console.log(`  ✕ ${failure}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failedRuntimes === 0 ? `all ${runtimes.length} runtimes passed` : `${failedRuntimes} of ${runtimes.length} runtimes failed`);
process.exit(failedRuntimes === 0 ? 0 : 1);
