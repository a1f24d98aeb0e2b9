// The client's core must run outside Node: only its TCP transport (node.ts) and Node's
// entry point (index.node.ts) may touch Node built-ins.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { nodeOnlyUses } from '../../codec/test/node-only-uses.js';

const srcDir = join(import.meta.dirname, '..', 'src');
const NODE_MODULES = new Set(['node.ts', 'index.node.ts']);

describe('runtime neutrality of the @ace-rx/client core', () => {
  it('imports no Node built-in outside the Node transport', () => {
    const core = readdirSync(srcDir).filter((file) => file.endsWith('.ts') && !NODE_MODULES.has(file));
    expect(core).toEqual(expect.arrayContaining(['connect.ts', 'session.ts', 'operators.ts', 'index.ts']));
    const offenders = core.flatMap((file) => nodeOnlyUses(readFileSync(join(srcDir, file), 'utf8')).map((use) => `${file}: ${use}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the Node transport where the check looks for it', () => {
    expect(nodeOnlyUses(readFileSync(join(srcDir, 'node.ts'), 'utf8'))).toContain('node:net');
  });
});
