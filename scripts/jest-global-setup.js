// Before the suites: the `ace-rx` command as one JavaScript file, for the CLI's process
// tests (packages/cli/test/helpers.ts `ACE_RX`). Spawning the sources through tsx
// costs about a second of CPU a process (the loader, then some hundred modules each
// resolved and transformed); the same sources bundled by esbuild (tsx's own
// transformer) start in a fifth of that, and the CLI suites spawn some seventy. The
// emulator's bin (`ace-rx-emulator`) is bundled too, for its own process tests.
// A test that is about running from the sources (`pnpm ace-rx`, `pnpm emulator`) still spawns tsx.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where the bundle goes (node_modules: never committed, never packed). */
export const ACE_RX_BUNDLE = join(root, 'node_modules', '.cache', 'ace-rx-test', 'ace-rx.mjs');
/** The emulator's bin (`ace-rx-emulator`) bundled the same way, for its process tests (packages/emulator/test/bin.test.ts). */
export const EMULATOR_BUNDLE = join(root, 'node_modules', '.cache', 'ace-rx-test', 'ace-rx-emulator.mjs');

// Each module keeps its own import.meta.url, so files it reads beside itself (the CLI's
// package.json, the emulator's test card) are found where they are in the sources.
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

/** Bundles `entry` into `outfile`, written beside, then renamed: another run in the same tree never spawns half a file. */
async function bundle(entry, outfile) {
  const partial = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(root, entry)],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@ace-rx/source'],
    // CommonJS dependencies bundled into ESM call require() for Node's built-ins.
    banner: { js: "import { createRequire as __aceRxRequire } from 'node:module'; const require = __aceRxRequire(import.meta.url);" },
    plugins: [ownUrl],
    logLevel: 'error',
  });
  await rename(partial, outfile);
}

export default async function globalSetup() {
  await Promise.all([bundle('packages/cli/src/bin.ts', ACE_RX_BUNDLE), bundle('packages/emulator/src/bin.ts', EMULATOR_BUNDLE)]);
}
