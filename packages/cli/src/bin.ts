#!/usr/bin/env node
// `ace-rx`: the command line of ace-rx.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, type Help } from 'commander';
import { parseApi, parsePort, parseTimeout } from './checks.js';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec/handshake';
import type { EngineOptions } from './engine.js';
import { EXIT, exitCodeOf, Interrupted, UsageError } from './exit-codes.js';
import { useColor, type Io } from './report.js';
import { TARGET_KINDS, type TargetKind } from './target.js';
import { registerServe } from './serve-command.js';

// Ctrl-C and SIGTERM, from the first moment: the first one aborts what runs (it stops
// writing, sends STOP when something was started and SHUTDOWN when connected) and
// exits within a second whatever the engine does; a second one exits at once.
const controller = new AbortController();
let stoppedBy: Interrupted | undefined;
// The terminal signals the whole process group, and a runner in between (pnpm, tsx)
// relays the same Ctrl-C again when the child does not confirm within ~30 ms: a signal
// this soon after the first is that one again, not a second Ctrl-C.
const RELAYED_WITHIN_MS = 250;
let stoppedAt = 0;
// `serve` with a drain takes SIGTERM itself (it drains, then exits 0).
let sigtermTaken = false;
const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
  if (signal === 'SIGTERM' && sigtermTaken && stoppedBy === undefined) return;
  if (stoppedBy !== undefined) {
    if (performance.now() - stoppedAt < RELAYED_WITHIN_MS) return;
    process.exit(new Interrupted(signal).exitCode);
  }
  stoppedAt = performance.now();
  stoppedBy = new Interrupted(signal);
  controller.abort(stoppedBy);
  setTimeout(() => process.exit(stoppedBy!.exitCode), 700);
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
// A closed stdout (`ace-rx watch | head`) ends the command, not with a stack trace.
process.stdout.on('error', () => process.exit(stoppedBy?.exitCode ?? EXIT.OK));

const io: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  errRaw: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  get columns() {
    return process.stderr.columns || 80;
  },
  color: useColor(process.env, process.stderr.isTTY === true),
};

/** An environment variable, with an empty one counting as unset. */
const env = (name: string): string | undefined => process.env[name] || undefined;

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const size = (value: string) => {
  const match = /^(\d+)\s*(k|m|kib|mib|kb|mb)?$/i.exec(value.trim());
  if (match === null || Number(match[1]) === 0) throw new InvalidArgumentError('a size like 1048576, 512KiB or 1MiB');
  const unit = (match[2] ?? '').toLowerCase();
  return Number(match[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
};

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const program = new Command('ace-rx')
  .description('Play Ace Stream content through a TS Engine, watch an engine, or ask it who it is.')
  .version(version, '-V, --version', 'print the version of ace-rx')
  .option('--host <host>', 'engine host (env ACE_RX_HOST)', env('ACE_RX_HOST') ?? '127.0.0.1')
  .option('--port <port>', 'engine TCP API port, 1-65535 (env ACE_RX_PORT; default 62062)')
  .option('--http-port <port>', 'engine HTTP API port, 1-65535 (env ACE_RX_HTTP_PORT; default 6878)')
  .option('--api <api>', 'tcp, http, or auto: the TCP API if it completes its handshake within 2 s, else the HTTP API (env ACE_RX_API; default auto)')
  .option('--product-key <key>', 'product key for the handshake (env ACE_RX_PRODUCT_KEY; default: the public key open clients ship)')
  .option('--emulate', 'if no engine answers, start the embedded emulator with a demo catalogue')
  .option('--timeout <ms>', 'how long connecting, the handshake, each step of START and each HTTP request may take (LOAD: 3x)', '10000')
  .showHelpAfterError()
  .exitOverride()
  // Each command's help lists the program's options it reads too (--host, --emulate, …).
  .configureHelp(globalOptionsShown());

program.addHelpText(
  'after',
  `
Exit codes: 0 ok, 1 failure, 2 usage, 3 no engine, 4 handshake refused,
5 content not found, 6 timeout, 7 engine lost, 8 not an engine,
130 Ctrl-C, 143 SIGTERM.

Examples:
  ace-rx play series --emulate --probe 1MiB     the embedded demo, no engine needed
  ace-rx play live --api http --emulate         the same over the HTTP API (6878)
  ace-rx play acestream://<content id> --player mpv
  ace-rx play magnet:?xt=urn:btih:<infohash> --file 1 --output video.mkv
  ace-rx watch --json                           the engine's lines as JSON, until Ctrl-C
  ace-rx info --api http --http-port 6878       the engine's version, API and auth level
  ace-rx serve --emulate                        a gateway for players on 127.0.0.1:6880
                                                (the embedded emulator if no engine answers)
  ace-rx serve --engine 10.0.0.5 --host 0.0.0.0 --channels tv.m3u
  ace-rx serve --channels tv.m3u --epg https://example.org/guide.xml.gz
                                                with a guide at /epg.xml; add it in Plex or
                                                Jellyfin as an HDHomeRun at http://<host>:6880

'ace-rx <command> --help' lists every option of a command.`,
);

/** Help settings that list, under each command, the program's options it reads (all but `--version`, or those `names` says). */
function globalOptionsShown(names?: readonly string[]): Partial<Help> {
  return {
    showGlobalOptions: true,
    visibleGlobalOptions: (cmd: Command) =>
      (cmd.parent?.options ?? []).filter((o) => !o.hidden && o.long !== '--version' && (names === undefined || names.includes(o.long ?? ''))),
  };
}

/** A port from a flag, else the environment, else the default. */
const portOf = (flag: string | undefined, flagName: string, envName: string, fallback: number) =>
  flag !== undefined ? parsePort(flag, flagName) : env(envName) !== undefined ? parsePort(env(envName)!, envName) : fallback;

/** The engine options, checked: a bad port, API or timeout is exit 2 before anything is sent. */
const engineOptions = (): EngineOptions => {
  const o = program.opts<{ host: string; port?: string; httpPort?: string; api?: string; productKey?: string; emulate?: boolean; timeout: string }>();
  return {
    host: o.host,
    port: portOf(o.port, '--port', 'ACE_RX_PORT', 62062),
    httpPort: portOf(o.httpPort, '--http-port', 'ACE_RX_HTTP_PORT', 6878),
    api: o.api !== undefined ? parseApi(o.api, '--api') : env('ACE_RX_API') !== undefined ? parseApi(env('ACE_RX_API')!, 'ACE_RX_API') : 'auto',
    productKey: o.productKey ?? env('ACE_RX_PRODUCT_KEY') ?? DEFAULT_PRODUCT_KEY,
    emulate: o.emulate === true,
    timeoutMs: parseTimeout(o.timeout),
    log: io.err,
  };
};

program
  .command('play')
  .description('load a content, prebuffer it with a progress bar, then print its playback URL with a live status, play or save it')
  .argument('<id>', 'acestream:// content id, player id, infohash, magnet link, torrent or direct URL, .torrent file (see the README for the rules)')
  .option('--as <kind>', 'read <id> as: auto (guess from its form), pid, infohash, torrent, direct or raw', 'auto')
  .option('--file <n>', 'index of the file to play (default: the first video)', int('--file'))
  .option('--player <player>', 'mpv, vlc, or a command the URL is appended to')
  .option('--output <file>', 'save the stream to a file instead of playing it')
  .option('--probe <size>', 'fetch this many bytes from the start of the stream, report and stop', size)
  .option('--json', 'one JSON object per line on stdout for every event, and nothing else there')
  .action(async (id: string, options: { as: string; file?: number; player?: string; output?: string; probe?: number; json?: boolean }) => {
    if (!TARGET_KINDS.includes(options.as as TargetKind)) throw new InvalidArgumentError(`--as must be one of ${TARGET_KINDS.join(', ')}`);
    const engine = engineOptions();
    // Each command's modules are loaded when it runs: `--help` and a usage error stay quick.
    const { play } = await import('./commands.js');
    await play(
      engine,
      io,
      id,
      {
        as: options.as as TargetKind,
        ...(options.file === undefined ? {} : { file: options.file }),
        ...(options.player === undefined ? {} : { player: options.player }),
        ...(options.output === undefined ? {} : { output: options.output }),
        ...(options.probe === undefined ? {} : { probe: options.probe }),
        json: options.json === true,
      },
      controller.signal,
    );
  });

program
  .command('watch')
  .description("print every line the engine sends on ace-rx's own connection, from the handshake on, until Ctrl-C (the TCP API cannot show other clients' sessions)")
  .option('--json', 'one JSON object per line')
  .action(async (options: { json?: boolean }) => {
    const engine = engineOptions();
    if (engine.api === 'http') throw new UsageError('watch shows the TCP API\'s lines: the HTTP API has none (use --api tcp or auto)');
    const { watch } = await import('./commands.js');
    await watch(engine, io, options.json === true, controller.signal);
  });

program
  .command('info')
  .description("print the engine's version, the API it answered on, its HTTP port (when it reports one) and auth level")
  .option('--json', 'as one JSON object')
  .action(async (options: { json?: boolean }) => {
    const engine = engineOptions();
    const { info } = await import('./commands.js');
    await info(engine, io, options.json === true, controller.signal);
  });

registerServe(program, { ...io, takeSigterm: () => (sigtermTaken = true) }, globalOptionsShown(['--http-port', '--product-key', '--emulate']));

try {
  await program.parseAsync(process.argv);
  process.exit(stoppedBy?.exitCode ?? EXIT.OK);
} catch (error) {
  if (stoppedBy !== undefined) {
    io.err(`ace-rx: stopped (${stoppedBy.signal})`);
    process.exit(stoppedBy.exitCode);
  }
  const commanderCode = (error as { code?: string }).code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    const helpOrVersion = commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help';
    process.exit(helpOrVersion ? EXIT.OK : EXIT.USAGE);
  }
  io.err(`ace-rx: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(exitCodeOf(error));
}
