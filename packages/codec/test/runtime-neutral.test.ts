// The codec must run unmodified in Node, Bun and browsers: no Node built-in may be
// imported, nor any Node-only global used, anywhere in its sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nodeOnlyUses } from './node-only-uses.js';

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

  it('imports no Node built-in and uses no Node-only global in src/ and its folders', () => {
    const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    // The subpath entries are checked too.
    expect(files).toEqual(expect.arrayContaining([join('http', 'index.ts'), join('mpegts', 'scanner.ts')]));
    const offenders = files.flatMap((file) => nodeOnlyUses(readFileSync(join(srcDir, file), 'utf8')).map((use) => `${file}: ${use}`));
    expect(offenders).toEqual([]);
  });
});
