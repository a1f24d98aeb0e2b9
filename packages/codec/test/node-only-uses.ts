// The checker every package's neutrality test uses: Node built-in modules (by any
// import form) and Node-only globals in TypeScript source, comments excluded.
import { builtinModules } from 'node:module';

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

