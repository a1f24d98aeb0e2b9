#!/usr/bin/env node
// `ace-rx-emulator`: an emulated TS Engine from a shell, until Ctrl-C.
import { parseArgs } from 'node:util';
import { DEFAULT_PRODUCT_KEY, startEmulator } from './emulator.js';
import type { Generation } from './session.js';

const usage = `Usage: ace-rx-emulator [options]

An emulated Ace Stream TS Engine: the TCP API and the HTTP server, on real sockets.

Options:
  --port N            TCP API port (default 62062; 0 picks a free one)
  --http-port N       HTTP server port (default 6878; 0 picks a free one)
  --host ADDR         address to bind (default 127.0.0.1)
  --product-key K     product key READY keys are checked against
  --bare-hello        answer HELLOBG with a bare HELLOTS, as old engines do
  --generation G      auto | play | positional | keyed (how playback URLs are announced)
  --status-ms N       milliseconds between STATUS lines (default 500)
  --prebuffer-ms N    milliseconds of prebuffering before playback (default 3000)
  --quiet             do not print the sessions' lines
  -h, --help          this text
`;

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`ace-rx-emulator: --${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      'product-key': { type: 'string' },
      'bare-hello': { type: 'boolean' },
      generation: { type: 'string' },
      'status-ms': { type: 'string' },
      'prebuffer-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (error) {
  console.error(`ace-rx-emulator: ${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const generation = args.generation ?? 'auto';
if (!['auto', 'play', 'positional', 'keyed'].includes(generation)) {
  console.error(`ace-rx-emulator: --generation must be auto, play, positional or keyed`);
  process.exit(2);
}

const emulator = await startEmulator({
  port: number(args.port, 'port', 62062),
  httpPort: number(args['http-port'], 'http-port', 6878),
  ...(args.host === undefined ? {} : { host: args.host }),
  productKey: args['product-key'] ?? DEFAULT_PRODUCT_KEY,
  hello: args['bare-hello'] ? 'bare' : 'keyed',
  generation: generation as Generation | 'auto',
  timing: { statusIntervalMs: number(args['status-ms'], 'status-ms', 500), prebufferMs: number(args['prebuffer-ms'], 'prebuffer-ms', 3000) },
  ...(args.quiet ? {} : { onTranscript: (session, entry) => console.log(`[${session.id}] ${entry.direction} ${entry.line}`) }),
});

console.log(`ace-rx-emulator: TS Engine API on ${emulator.host}:${emulator.port}, HTTP on ${emulator.host}:${emulator.httpPort}`);
console.log(`contents: ${emulator.catalogue.all().map((c) => c.playerId ?? c.infohash).join(', ')} (Ctrl-C to stop)`);

const stop = () => {
  console.log('\nace-rx-emulator: stopping');
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
