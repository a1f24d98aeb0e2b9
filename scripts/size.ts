// `pnpm size`: the codec as a user's bundler ships it: ESM, minified, tree-shaken,
// with its dependencies (fp-ts, io-ts), then gzipped. Goal: 20 KB or less.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const GOAL = 20 * 1024;

async function measure(entry: string, exports: string) {
  const result = await build({
    stdin: { contents: `export { ${exports} } from '${entry}';`, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    mainFields: ['module', 'main'],
    external: ['fast-check'],
    logLevel: 'error',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const everything = await measure(
  '@ace-rx/codec',
  'decodeClientMessage, decodeEngineMessage, encodeClientMessage, encodeEngineMessage, LineDecoder, encodeFrame, readyKey, StatusPartCodec, LoadResponseCodec, EventParamsCodecs, UserDataCodec',
);
const decodeOnly = await measure('@ace-rx/codec', 'decodeEngineMessage, LineDecoder');
console.log('@ace-rx/codec, minified + gzipped, with fp-ts and io-ts:');
console.log(`  the whole API            ${kb(everything.gzipped)} (minified ${kb(everything.minified)})`);
console.log(`  decodeEngineMessage only ${kb(decodeOnly.gzipped)} (minified ${kb(decodeOnly.minified)})`);
console.log(`  goal <= ${kb(GOAL)}: ${everything.gzipped <= GOAL ? 'met' : 'NOT met'}`);
process.exit(everything.gzipped <= GOAL ? 0 : 1);
