// The codec must run unmodified in Node, Bun and browsers: no Node built-in may be
// imported, nor any Node-only global used, anywhere in its sources.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const NODE_GLOBALS = ['Buffer', 'process', 'require', '__dirname', '__filename', 'setImmediate'];

/** Every use of a Node built-in module or Node-only global in a TypeScript source. */
export function nodeOnlyUses(source: string): string[] {
  const uses: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(specifiers)) {
    const specifier = match[1]!;
    if (BUILTINS.has(specifier) || specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!)) uses.push(specifier);
  }
  for (const name of NODE_GLOBALS) if (new RegExp(`\\b${name}\\b`).test(code)) uses.push(name);
  return uses;
}

const srcDir = join(import.meta.dirname, '..', 'src');

describe('runtime neutrality of @ace-rx/codec', () => {
  it('finds a Node built-in when one is used (the check itself can fail)', () => {
    expect(nodeOnlyUses(`import { createHash } from 'crypto';`)).toEqual(['crypto']);
    expect(nodeOnlyUses(`import fs from "node:fs";`)).toEqual(['node:fs']);
    expect(nodeOnlyUses(`const p = await import('path/posix');`)).toEqual(['path/posix']);
    expect(nodeOnlyUses(`export { x } from 'stream';`)).toEqual(['stream']);
    expect(nodeOnlyUses(`const b = Buffer.from('x');`)).toEqual(['Buffer']);
    expect(nodeOnlyUses(`// Buffer in a comment\nimport * as t from 'io-ts';`)).toEqual([]);
  });

  it('imports no Node built-in and uses no Node-only global in src/', () => {
    const files = readdirSync(srcDir).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.flatMap((file) => nodeOnlyUses(readFileSync(join(srcDir, file), 'utf8')).map((use) => `${file}: ${use}`));
    expect(offenders).toEqual([]);
  });
});
