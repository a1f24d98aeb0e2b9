// `pnpm check:packs` (after `pnpm build`): packs every package as `pnpm publish` would
// and checks the tarballs themselves, not the folders: publint --strict and
// @arethetypeswrong/cli --profile esm-only on each, then that each holds its LICENSE and
// README and no build-info or test file. Exits 1 on any problem.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const pnpmVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string }).packageManager.split('@')[1]!;
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** What no tarball may carry: TypeScript's build-info, and tests (folders or files). */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\.tsbuildinfo$/, 'build-info'],
  [/(^|\/)(test|tests|__tests__|__mocks__)\//, 'a test folder'],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, 'a test file'],
];
/** What every tarball must carry. */
const REQUIRED = ['package/package.json', 'package/LICENSE', 'package/README.md'];
/** What one package's tarball must carry besides: the gateway serves its dashboard from these files. */
const REQUIRED_IN: Readonly<Record<string, readonly string[]>> = {
  'ace-rx-gateway-': ['package/web/index.html', 'package/web/app.js', 'package/web/app.css'],
};

const out = mkdtempSync(join(tmpdir(), 'ace-rx-packs-'));
let problems = 0;
const problem = (text: string) => {
  problems++;
  console.error(`  PROBLEM: ${text}`);
};
try {
  execFileSync('npx', ['-y', `pnpm@${pnpmVersion}`, '-r', '--silent', 'pack', '--pack-destination', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = readdirSync(out).filter((f) => f.endsWith('.tgz')).sort();
  if (tarballs.length === 0) problem('pnpm pack wrote no tarball');
  for (const tarball of tarballs) {
    const path = join(out, tarball);
    const entries = execFileSync('tar', ['-tzf', path], { encoding: 'utf8' }).split('\n').filter(Boolean);
    console.log(`== ${tarball}: ${entries.length} files`);
    for (const entry of entries) {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(entry)) problem(`${entry} is ${what}`);
    }
    for (const required of REQUIRED) if (!entries.includes(required)) problem(`no ${required.slice('package/'.length)}`);
    for (const [prefix, files] of Object.entries(REQUIRED_IN)) {
      if (tarball.startsWith(prefix)) for (const required of files) if (!entries.includes(required)) problem(`no ${required.slice('package/'.length)}`);
    }
    for (const [tool, args] of [
      ['publint', ['--strict', path]],
      ['attw', [path, '--profile', 'esm-only', '--format', 'ascii']],
    ] as const) {
      const run = spawnSync(bin(tool), args, { encoding: 'utf8' });
      const text = `${run.stdout}${run.stderr}`;
      // publint --strict fails on errors and warnings; its suggestions count as problems here too.
      const failed = run.status !== 0 || (tool === 'publint' && /suggestion/i.test(text));
      console.log(`   ${tool}: ${failed ? 'FAILED' : 'clean'}`);
      if (failed) problem(`${tool} on ${tarball}:\n${text}`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(problems === 0 ? 'packs: no problem' : `packs: ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
