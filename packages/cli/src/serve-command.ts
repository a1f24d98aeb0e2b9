// `ace-rx serve`'s options and help. The gateway itself (serve.ts) is imported when the
// command runs, so that `ace-rx --help`, `play`, `watch` and `info` never load it.
import { type Command, type Help, InvalidArgumentError, Option } from 'commander';
import { parsePort } from './checks.js';
import { UsageError } from './exit-codes.js';

/**
 * The gateway's default ports, for the help text: the gateway's own `DEFAULT_GATEWAY_PORT`,
 * `DEFAULT_TCP_PORT` and `DEFAULT_HTTP_PORT` (a test keeps them equal), written here so
 * that the help does not load the gateway.
 */
export const SERVE_DEFAULTS = { gatewayPort: 6880, tcpPort: 62062, httpPort: 6878 } as const;

/** `--drain`'s default: after SIGTERM, viewers may go on watching this long (ms). */
export const DEFAULT_DRAIN_MS = 30_000;

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

/**
 * Adds `serve` to the program. `--port` and `--host` are the gateway's own here: the
 * program's options of the same names (the engine's) are read back when commander
 * gave them to the program, which it does for options after the subcommand.
 */
export function registerServe(program: Command, io: { readonly err: (line: string) => void; readonly takeSigterm?: () => void }, help: Partial<Help> = {}): void {
  program
    .command('serve')
    // Its help lists the program's options serve reads (its own --port, --host and --api stand for the others).
    .configureHelp(help)
    .description('an HTTP gateway where many viewers share one engine stream (players open /ace/getstream?id=...)')
    .option('--port <port>', `gateway port, 0-65535 (default ${SERVE_DEFAULTS.gatewayPort}; 0 picks a free one)`)
    .option('--host <host>', 'address to bind (default 127.0.0.1; 0.0.0.0 to serve the network)')
    .option('--engine <host:port>', `engine, repeatable (default 127.0.0.1:${SERVE_DEFAULTS.tcpPort}, or :${SERVE_DEFAULTS.httpPort} with --api http); a host name stands for every address it resolves to`, (value: string, list: string[] = []) => [...list, value])
    .option('--engine-refresh <s>', 'resolve --engine host names again this often, in seconds: new addresses are added, vanished ones drained (default 10)', int('--engine-refresh'))
    .addOption(new Option('--api <api>', 'engine API: tcp, http, or auto (TCP when it answers, else HTTP)').choices(['tcp', 'http', 'auto']).default('auto'))
    .option('--channels <file>', 'M3U of acestream://, magnet or engine getstream links, served as /playlist.m3u (entries sharing a tvg-id are one channel with backup sources); read again when it changes or on SIGHUP (which also fetches the guide again)')
    .option('--epg <url|file>', "guide (XMLTV, gzip or plain) served as /epg.xml and /epg.xml.gz (default: the channels file's url-tvg); fetched at start and every 4 hours, the last one kept on disk")
    .option('--epg-cache <dir>', 'where fetched guides are kept (default: ~/.cache/ace-rx/epg, or $XDG_CACHE_HOME/ace-rx/epg)')
    .option('--token <token>', 'require ?token= or Authorization: Bearer on every URL (or /token/<token>/ before the path, as media servers need)')
    .option('--linger <ms>', 'keep an engine session this long after its last viewer (default 5000)', int('--linger'))
    .option('--stall <ms>', 'drop a viewer that takes no bytes this long (default 10000)', int('--stall'))
    .option('--ring <bytes>', 'bytes kept per stream (default 8388608)', int('--ring'))
    .option('--drain <ms>', 'on SIGTERM, answer /healthz 503 and turn new viewers away, let current ones watch up to this long, then exit 0 (default 30000; 0: close at once; a second SIGTERM or a SIGINT closes at once)', int('--drain'))
    .option('--max-streams <n>', 'contents streamed at once (default 16)', positive('--max-streams'))
    .option('--max-viewers <n>', 'viewers in all (default 500)', positive('--max-viewers'))
    .option('--max-viewers-per-stream <n>', 'viewers of one content (default 100)', positive('--max-viewers-per-stream'))
    .option('--trust-proxy', 'believe X-Forwarded-For/-Proto/-Host and Forwarded from the balancer in front (viewer addresses, playlist URLs); only when every request comes through it')
    .action(async (own: { port?: string; host?: string; engine?: string[]; api: 'tcp' | 'http' | 'auto'; channels?: string; epg?: string; epgCache?: string; token?: string; linger?: number; stall?: number; ring?: number; drain?: number; trustProxy?: boolean; engineRefresh?: number; maxStreams?: number; maxViewers?: number; maxViewersPerStream?: number }) => {
      const globals = program.opts<{ port?: string; host?: string; productKey?: string; emulate?: boolean; api?: string; httpPort?: string }>();
      const httpPortText = globals.httpPort ?? process.env['ACE_RX_HTTP_PORT'];
      const httpPort = httpPortText === undefined || httpPortText === '' ? undefined : parsePort(httpPortText, globals.httpPort === undefined ? 'ACE_RX_HTTP_PORT' : '--http-port');
      const fromCli = (name: string) => program.getOptionValueSource(name) === 'cli';
      // Whichever parsed them, they are the text given: serve() checks them (exit 2).
      const port = own.port ?? (fromCli('port') ? globals.port : undefined);
      const host = own.host ?? (fromCli('host') ? globals.host : undefined);
      // `--api` is also a program option (play, info): commander hands it to the program
      // when it is given after `serve`, so read it back from there.
      const api = fromCli('api') && own.api === 'auto' ? parseServeApi(globals.api) : own.api;
      const { serve, servePort } = await import('./serve.js');
      const serving = await serve(
        {
          ...(port === undefined ? {} : { port: servePort(port) }),
          ...(host === undefined ? {} : { host }),
          ...(own.engine === undefined ? {} : { engines: own.engine }),
          ...(own.engineRefresh === undefined ? {} : { engineRefreshSeconds: own.engineRefresh }),
          api,
          ...(httpPort === undefined ? {} : { httpPort }),
          ...(own.channels === undefined ? {} : { channels: own.channels }),
          ...(own.epg === undefined ? {} : { epg: own.epg }),
          ...(own.epgCache === undefined ? {} : { epgCache: own.epgCache }),
          ...(own.token === undefined ? {} : { token: own.token }),
          ...(globals.productKey === undefined ? {} : { productKey: globals.productKey }),
          emulate: globals.emulate === true,
          ...(own.linger === undefined ? {} : { lingerMs: own.linger }),
          ...(own.stall === undefined ? {} : { stallMs: own.stall }),
          ...(own.ring === undefined ? {} : { ringBytes: own.ring }),
          ...(own.trustProxy === true ? { trustProxy: true } : {}),
          ...(own.maxStreams === undefined && own.maxViewers === undefined && own.maxViewersPerStream === undefined
            ? {}
            : { limits: { ...(own.maxStreams === undefined ? {} : { maxStreams: own.maxStreams }), ...(own.maxViewers === undefined ? {} : { maxViewers: own.maxViewers }), ...(own.maxViewersPerStream === undefined ? {} : { maxViewersPerStream: own.maxViewersPerStream }) } }),
        },
        io.err,
      );
      // SIGHUP reads the channels file again and fetches the guide (once per burst).
      const reload = () => serving.hangup();
      process.on('SIGHUP', reload);
      const drainMs = own.drain ?? DEFAULT_DRAIN_MS;
      // SIGTERM drains (and the command exits 0): the program's own handler leaves it to us.
      if (drainMs > 0) io.takeSigterm?.();
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (signal === 'SIGTERM' && drainMs > 0) {
        io.err(`ace-rx serve: draining for up to ${drainMs} ms (SIGTERM again or SIGINT: close at once)`);
        const again = new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        await Promise.race([serving.drain(drainMs), again.then(() => io.err('ace-rx serve: closing at once'))]);
      }
      process.off('SIGHUP', reload);
      io.err('ace-rx serve: closing');
      await serving.close();
    });
}

/** `--api` as the program parsed it, checked as `serve`'s own choices are. */
function parseServeApi(value: string | undefined): 'tcp' | 'http' | 'auto' {
  if (value === 'tcp' || value === 'http' || value === 'auto') return value;
  throw new UsageError(`--api must be tcp, http or auto, not ${JSON.stringify(value)}`);
}

