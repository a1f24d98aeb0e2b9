// `pnpm size`: the codec as a user's bundler ships it: ESM, minified, tree-shaken,
// with its dependencies (fp-ts, io-ts), then gzipped. Goal: 20 KB or less. Then the
// whole client the same way; both must hold one build of fp-ts, not two.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const GOAL = 20 * 1024;

async function measure(entry: string, exports: string) {
  const result = await build({
    stdin: { contents: exports === '*' ? `export * from '${entry}';` : `export { ${exports} } from '${entry}';`, resolveDir: process.cwd(), loader: 'ts' },
    metafile: true,
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
  // io-ts's ES build imports fp-ts's ES build (fp-ts/es6); a module of ours importing
  // fp-ts/lib at run time would put its CommonJS build beside it, some 6 KB gzipped.
  const fpTsBuilds = ['lib', 'es6'].filter((build) => Object.keys(result.metafile.inputs).some((input) => input.includes(`/fp-ts/${build}/`)));
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, fpTsBuilds };
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
const client = await measure('@ace-rx/client', '*');
console.log(`@ace-rx/client, all of it, minified + gzipped, with rxjs, the codec, fp-ts and io-ts: ${kb(client.gzipped)} (minified ${kb(client.minified)})`);
const oneFpTs = [everything, client].every((m) => m.fpTsBuilds.length === 1);
console.log(`  fp-ts builds in the bundles: codec ${everything.fpTsBuilds.join(' + ')}, client ${client.fpTsBuilds.join(' + ')} (one expected: ${oneFpTs ? 'yes' : 'NO'})`);
process.exit(everything.gzipped <= GOAL && oneFpTs ? 0 : 1);
