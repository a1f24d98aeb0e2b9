// Every export of every package declares the types of the very file it runs, under each
// set of conditions a consumer resolves with: Node's (`node`, `import`) and a bundler's
// or another runtime's (`import` alone). The client's Node entry once ran
// dist/index.node.js (with `tcpTransport`) while its types came from dist/index.d.ts.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const packages = join(import.meta.dirname, '..', '..');

type Target = string | null | { readonly [condition: string]: Target };

/** What `exports` resolves `target` to under `conditions`, as Node and TypeScript read it: the first matching key wins. */
function resolve(target: Target, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (target === null) return undefined;
  for (const [condition, next] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue;
    const found = resolve(next, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

const manifests = readdirSync(packages).map((dir) => JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, Target> });

describe.each(manifests.map((m) => [m.name, m] as const))('%s', (_name, manifest) => {
  it.each(Object.keys(manifest.exports))('%s: its types are those of the JavaScript it runs, in Node and elsewhere', (subpath) => {
    for (const runtime of [['node', 'import'], ['import']]) {
      const js = resolve(manifest.exports[subpath]!, runtime);
      expect(js).toMatch(/^\.\/dist\/.*\.js$/);
      expect(resolve(manifest.exports[subpath]!, ['types', ...runtime])).toBe(js!.replace(/\.js$/, '.d.ts'));
    }
  });
});
