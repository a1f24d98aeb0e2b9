#!/usr/bin/env node
// `ace-rx-emulator`: an emulated TS Engine from a shell, until Ctrl-C.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CatalogueError, parseCatalogue, type Content } from './catalogue.js';
import { advertisedAuthority, DEFAULT_LIMITS, DEFAULT_PRODUCT_KEY, startEmulator } from './emulator.js';
import type { Generation } from './session.js';

const usage = `Usage: ace-rx-emulator [options]

An emulated Ace Stream TS Engine: the TCP API and the HTTP server, on real sockets.

Options:
  --port N              TCP API port (default 62062; 0 picks a free one)
  --http-port N         HTTP server port (default 6878; 0 picks a free one)
  --host ADDR           address to bind (default 127.0.0.1)
  --advertise-host H    write H (a host, or host:port) into every URL it gives out,
                        on both APIs, as an engine in a container does
                        (e.g. engine.invalid, a name that never resolves)
  --product-key K       product key READY keys are checked against
                        (default: the public key every open client ships)
  --bare-hello          answer HELLOBG with a bare HELLOTS, as old engines do
  --generation G        auto | play | positional | keyed (how playback URLs are announced)
  --ask-userdata        send EVENT getuserdata after AUTH
  --catalogue FILE      serve the contents of FILE.json instead of the default ones
  --status-ms N         milliseconds between STATUS lines (default 500)
  --prebuffer-ms N      milliseconds of prebuffering before playback (default 3000)
  --idle-timeout-ms N   close a connection silent both ways this long (default ${DEFAULT_LIMITS.idleTimeoutMs}; 0 never)
  --max-connections N   open TCP API connections at most (default ${DEFAULT_LIMITS.maxConnections})
  --quiet               do not print the sessions' lines
  -h, --help            this text
`;

function fail(message: string, code = 2): never {
  console.error(`ace-rx-emulator: ${message}`);
  process.exit(code);
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Reads and validates a catalogue file, or exits with the bad field named. */
function catalogueFrom(file: string): Content[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`--catalogue ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`--catalogue ${file}: not JSON (${(error as Error).message})`);
  }
  try {
    return parseCatalogue(json);
  } catch (error) {
    if (error instanceof CatalogueError) fail(`--catalogue ${file}: ${error.message}`);
    throw error;
  }
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      'advertise-host': { type: 'string' },
      'product-key': { type: 'string' },
      'bare-hello': { type: 'boolean' },
      generation: { type: 'string' },
      'ask-userdata': { type: 'boolean' },
      catalogue: { type: 'string' },
      'status-ms': { type: 'string' },
      'prebuffer-ms': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      'max-connections': { type: 'string' },
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
if (!['auto', 'play', 'positional', 'keyed'].includes(generation)) fail('--generation must be auto, play, positional or keyed');

const port = number(args.port, 'port', 62062);
const httpPort = number(args['http-port'], 'http-port', 6878);
const host = args.host ?? '127.0.0.1';
const advertiseHost = args['advertise-host'];
if (advertiseHost !== undefined) {
  try {
    advertisedAuthority(advertiseHost);
  } catch {
    fail(`--advertise-host must be a host or host:port, got ${JSON.stringify(advertiseHost)}`);
  }
}
let emulator;
try {
  emulator = await startEmulator({
    port,
    httpPort,
    host,
    ...(advertiseHost === undefined ? {} : { advertiseHost }),
    productKey: args['product-key'] ?? DEFAULT_PRODUCT_KEY,
    hello: args['bare-hello'] ? 'bare' : 'keyed',
    generation: generation as Generation | 'auto',
    askUserData: args['ask-userdata'] ?? false,
    ...(args.catalogue === undefined ? {} : { catalogue: catalogueFrom(args.catalogue) }),
    timing: { statusIntervalMs: number(args['status-ms'], 'status-ms', 500), prebufferMs: number(args['prebuffer-ms'], 'prebuffer-ms', 3000) },
    idleTimeoutMs: number(args['idle-timeout-ms'], 'idle-timeout-ms', DEFAULT_LIMITS.idleTimeoutMs),
    maxConnections: number(args['max-connections'], 'max-connections', DEFAULT_LIMITS.maxConnections),
    // Always printed, --quiet or not: a handler's error is answered (500, or noted in the
    // session's transcript) and the engine goes on, but someone should hear of it.
    onError: (error, source) =>
      console.error(
        `ace-rx-emulator: internal error (${source.api === 'tcp' ? `TCP session ${source.session.id}` : `HTTP ${source.method} ${source.url.slice(0, 200)}`}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    ...(args.quiet ? {} : { onTranscript: (session, entry) => console.log(`[${session.id}] ${entry.direction} ${entry.line}`) }),
  });
} catch (error) {
  // A port in use (or any other failure to listen) is one line, not a stack trace.
  const e = error as NodeJS.ErrnoException & { port?: number };
  const which = e.port === port ? '--port' : e.port === httpPort ? '--http-port' : 'a port';
  if (e.code === 'EADDRINUSE') fail(`${host}:${e.port ?? '?'} is already in use (${which}); stop what listens there or pick another port`, 1);
  if (e.code === 'EACCES') fail(`not allowed to listen on ${host}:${e.port ?? '?'} (${which})`, 1);
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') fail(`cannot listen on ${host}: no such local address (--host)`, 1);
  fail(`cannot start: ${e.message}`, 1);
}

console.log(`ace-rx-emulator: TS Engine API on ${emulator.host}:${emulator.port}, HTTP on ${emulator.host}:${emulator.httpPort}${advertiseHost === undefined ? '' : `; its URLs name ${advertiseHost}`}`);
console.log(`contents: ${emulator.catalogue.all().map((c) => c.playerId ?? c.infohash).join(', ')} (Ctrl-C to stop)`);

const running = emulator;
const stop = () => {
  console.log('\nace-rx-emulator: stopping');
  void running.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
