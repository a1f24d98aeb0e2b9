// The published types work for a consumer whose lib is plain ES2022 (no esnext.disposable,
// no @types/node that declares AsyncDisposable): the client's declarations carry their own
// `/// <reference lib="esnext.disposable" preserve="true" />`, which TypeScript ≥ 5.5 keeps
// in the emitted .d.ts only with `preserve="true"`.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const pkg = join(import.meta.dirname, '..');
const src = join(pkg, 'src');
const REFERENCE = '/// <reference lib="esnext.disposable" preserve="true" />';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });

/** Each source's declaration, as `tsc` emits it (file by file, as isolatedDeclarations-style emit). */
function declarations(edit: (dts: string) => string = (d) => d): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of sources(src)) {
    const emitted = ts.transpileDeclaration(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022, declaration: true, strict: true },
    });
    out.set(relative(src, file).replace(/\.ts$/, '.d.ts'), edit(emitted.outputText));
  }
  return out;
}

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const CONSUMER = `import { open, type EngineSession } from './index.js';
import type { HttpEngineSession } from './http/session.js';
export async function run(): Promise<string | undefined> {
  await using session: EngineSession = await open({ port: 62062 });
  return session.engine.version;
}
export async function viaFinally(http: HttpEngineSession): Promise<void> {
  try {
    console.log(http.engine.host);
  } finally {
    await http.close();
  }
}
`;

/**
 * The files both programs read outside their own directory (TypeScript's libs, rxjs's and
 * the codec's declarations and sources), parsed once: the two programs differ only in the
 * declarations they check.
 */
const shared = new Map<string, ts.SourceFile>();
function sharingHost(options: ts.CompilerOptions, own: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName.startsWith(own)) return read(fileName, languageVersion, onError, shouldCreate);
    let file = shared.get(fileName);
    if (file === undefined) {
      file = read(fileName, languageVersion, onError, shouldCreate);
      if (file !== undefined) shared.set(fileName, file);
    }
    return file;
  };
  return host;
}

/** Type-checks CONSUMER against the declarations with lib ES2022 only; the diagnostics' codes. */
function consumerErrors(dts: Map<string, string>): number[] {
  // Inside the package, so that rxjs and @ace-rx/codec resolve from its node_modules.
  dir = mkdtempSync(join(pkg, 'test', '.consumer-'));
  for (const [name, text] of dts) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], // dom only for `console`, as a browser consumer has it
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@ace-rx/source'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const program = ts.createProgram([join(dir, 'consumer.ts')], options, sharingHost(options, dir));
  // The consumer's and the declarations' own, and global ones (a missing global type has no
  // file); not those of the codec's sources, which resolve here in place of its dist.
  const root = dir;
  // Checked file by file, only those: the whole program would check the codec's sources
  // too (io-ts types, most of the test's time) to throw their diagnostics away.
  const own = program.getSourceFiles().filter((f) => f.fileName.startsWith(root));
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...own.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])].filter(
    (d) => d.file === undefined || d.file.fileName.startsWith(root),
  );
  if (process.env.SHOW_TS) console.log(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => pkg, getNewLine: () => "\n" }));
  return diagnostics.map((d) => d.code);
}

describe('the published types for a consumer with lib ES2022', () => {
  it('keep the esnext.disposable reference in the emitted declarations of each file that needs it', () => {
    for (const [name, text] of declarations()) {
      if (/AsyncDisposable|asyncDispose/.test(text)) expect({ name, first: text.split('\n')[0] }).toEqual({ name, first: REFERENCE });
    }
  });

  it('compile `await using` and try/finally with no esnext.disposable in the consumer’s lib', () => {
    expect(consumerErrors(declarations())).toEqual([]);
  }, 60_000);

  it('would fail with TS2318 without the reference (the check above can fail)', () => {
    expect(consumerErrors(declarations((d) => d.replace(REFERENCE, '')))).toContain(2318);
  }, 60_000);
});
