// The HTTP backend, play and the picker must run outside Node (Deno, Bun, browsers):
// they need only fetch, AbortController and URL.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nodeOnlyUses } from '../../codec/test/node-only-uses.js';

const srcDir = join(import.meta.dirname, '..', 'src');

describe('runtime neutrality of the HTTP backend, play and the picker', () => {
  it('imports no Node built-in', () => {
    const files = [...readdirSync(join(srcDir, 'http')).filter((f) => f.endsWith('.ts')).map((f) => join('http', f)), 'play.ts', 'backend.ts'];
    expect(files).toEqual(expect.arrayContaining(['http/session.ts', 'http/request.ts', 'http/wire.ts']));
    const offenders = files.flatMap((file) => nodeOnlyUses(readFileSync(join(srcDir, file), 'utf8')).map((use) => `${file}: ${use}`));
    expect(offenders).toEqual([]);
  });
});
