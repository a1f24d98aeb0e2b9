#!/usr/bin/env node
// `ace-rx`: the command line of ace-rx.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PRODUCT_KEY } from './engine.js';
import { info, play, watch, type Io } from './commands.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { parseTarget, type TargetKind } from './target.js';
import { registerServe } from './serve.js';

const io: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  interactive: process.stderr.isTTY === true,
};

/** An environment variable, with an empty one counting as unset. */
const env = (name: string): string | undefined => process.env[name] || undefined;

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const size = (value: string) => {
  const match = /^(\d+)\s*(k|m|kib|mib|kb|mb)?$/i.exec(value.trim());
  if (match === null || Number(match[1]) === 0) throw new InvalidArgumentError('a size like 1048576, 512KiB or 1MiB');
  const unit = (match[2] ?? '').toLowerCase();
  return Number(match[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
};

const program = new Command('ace-rx')
  .description('Play Ace Stream content through a TS Engine, watch an engine, or ask it who it is.')
  .option('--host <host>', 'engine host (env ACE_RX_HOST)', env('ACE_RX_HOST') ?? '127.0.0.1')
  .option('--port <port>', 'engine TCP API port (env ACE_RX_PORT)', int('--port'), Number(env('ACE_RX_PORT') ?? 62062))
  .option('--product-key <key>', 'product key for the handshake (env ACE_RX_PRODUCT_KEY)', env('ACE_RX_PRODUCT_KEY') ?? DEFAULT_PRODUCT_KEY)
  .option('--emulate', 'if no engine answers, start the embedded emulator with a demo catalogue')
  .option('--timeout <ms>', 'how long to wait for the engine to answer', int('--timeout'), 10_000)
  .showHelpAfterError()
  .exitOverride();

program.addHelpText(
  'after',
  `
Exit codes: 0 ok, 1 failure, 2 usage, 3 no engine, 4 handshake refused,
5 content not found, 6 timeout, 7 engine disconnected.

Examples:
  ace-rx play series --emulate --probe 1MiB     the embedded demo, no engine needed
  ace-rx play acestream://<content id> --player mpv
  ace-rx play magnet:?xt=urn:btih:<infohash> --file 1 --output video.mkv
  ace-rx watch --json
  ace-rx info`,
);

const engineOptions = () => {
  const o = program.opts<{ host: string; port: number; productKey: string; emulate?: boolean; timeout: number }>();
  return { host: o.host, port: o.port, productKey: o.productKey, emulate: o.emulate === true, timeoutMs: o.timeout, log: io.err };
};

program
  .command('play')
  .description('load a content, prebuffer it with a progress bar, then print its playback URL, play or save it')
  .argument('<id>', 'acestream:// content id, player id, infohash, magnet link, torrent URL, .torrent file or direct URL')
  .option('--as <kind>', 'read <id> as: pid, infohash, torrent, direct or raw (default: guess)', 'auto')
  .option('--file <n>', 'index of the file to play (default: the first video)', int('--file'))
  .option('--player <player>', 'mpv, vlc, or a command the URL is appended to')
  .option('--output <file>', 'save the stream to a file instead of playing it')
  .option('--probe <size>', 'fetch this many bytes from the start of the stream, report and stop', size)
  .action(async (id: string, options: { as: string; file?: number; player?: string; output?: string; probe?: number }) => {
    if (!['auto', 'pid', 'infohash', 'torrent', 'direct', 'raw'].includes(options.as)) throw new InvalidArgumentError('--as must be pid, infohash, torrent, direct or raw');
    await play(engineOptions(), io, parseTarget(id, options.as as TargetKind), {
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(options.player === undefined ? {} : { player: options.player }),
      ...(options.output === undefined ? {} : { output: options.output }),
      ...(options.probe === undefined ? {} : { probe: options.probe }),
    });
  });

program
  .command('watch')
  .description('print every engine message live, until Ctrl-C')
  .option('--json', 'one JSON object per line')
  .action(async (options: { json?: boolean }) => watch(engineOptions(), io, options.json === true));

program
  .command('info')
  .description("print the engine's version, HTTP port and auth level")
  .option('--json', 'as one JSON object')
  .action(async (options: { json?: boolean }) => info(engineOptions(), io, options.json === true));

registerServe(program, io);

try {
  await program.parseAsync(process.argv);
  process.exit(EXIT.OK);
} catch (error) {
  const commanderCode = (error as { code?: string }).code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    const helpOrVersion = commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help';
    process.exit(helpOrVersion ? EXIT.OK : EXIT.USAGE);
  }
  io.err(`ace-rx: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(exitCodeOf(error));
}
