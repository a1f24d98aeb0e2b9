// The idle memory of `ace-rx serve`, as a user runs it (the installed command: the built
// packages), against a bare Node HTTP server started the same way in the same run. The
// goal: at most 15 MiB above the bare server. Then what each module the gateway imports
// adds to the same bare server, to show where what is left comes from.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const GOAL_MIB = 15;
/** How long a process idles after it listens before its RSS is read. */
const SETTLE_MS = 2_000;

const mib = (bytes: number) => bytes / 1024 / 1024;

/** Resident set size of a process, bytes: /proc on Linux, else ps. */
function rssOf(pid: number): number {
  if (existsSync(`/proc/${pid}/status`)) {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
}

/** A port nothing listens on: the engine `serve` is pointed at. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Starts `args`, waits for `ready` in its output (at most 30 s), idles SETTLE_MS, then takes the median of three RSS samples. */
async function idleRss(args: readonly string[], ready: RegExp, cwd = root): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_API: '', ACE_RX_PRODUCT_KEY: '', NODE_OPTIONS: '' },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready in 30 s:\n${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${args.join(' ')} exited (${code}):\n${output}`))));
    });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      samples.push(rssOf(child.pid!));
      await new Promise((r) => setTimeout(r, 250));
    }
    return samples.sort((a, b) => a - b)[1]!;
  } finally {
    child.kill('SIGKILL');
  }
}

/** A bare HTTP server, after importing `module` when one is given (run in the gateway's folder, so that its dependencies resolve, built). */
const bareServer = (module?: string): string[] => [
  '--input-type=module',
  '-e',
  `import http from 'node:http';${module === undefined ? '' : ` await import(${JSON.stringify(module)});`}
http.createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('listening'));`,
];
const gatewayDir = join(root, 'packages/gateway');

export async function reportServeRss(): Promise<void> {
  console.log(`\nidle RSS of ace-rx serve (built, no engine answering) against a bare Node HTTP server, same run; goal <= ${GOAL_MIB} MiB above`);
  if (!existsSync(join(root, 'packages/cli/dist/bin.js'))) {
    console.log('  skipped: build first (npx -y pnpm@12.21.0 build)');
    return;
  }
  const bare = await idleRss(bareServer(), /listening/, gatewayDir);
  const engine = await deadPort();
  const serve = await idleRss([join(root, 'packages/cli/bin/ace-rx.js'), 'serve', '--port', '0', '--engine', `127.0.0.1:${engine}`], /listening on/);
  const emulated = await idleRss([join(root, 'packages/cli/bin/ace-rx.js'), 'serve', '--emulate', '--port', '0', '--engine', `127.0.0.1:${engine}`], /listening on/);
  const above = mib(serve - bare);
  console.log(`  bare server ${mib(bare).toFixed(1)} MiB   ace-rx serve ${mib(serve).toFixed(1)} MiB   above bare ${above.toFixed(1)} MiB (${above <= GOAL_MIB ? 'goal met' : 'goal NOT met'})`);
  console.log(`  ace-rx serve --emulate (the embedded emulator loaded and running) ${mib(emulated).toFixed(1)} MiB, ${mib(emulated - bare).toFixed(1)} above bare`);
  console.log('  what each import adds to the same bare server (each with what it imports in turn):');
  const line: string[] = [];
  for (const module of ['rxjs', 'prom-client', '@ace-rx/codec', '@ace-rx/client', '@ace-rx/gateway']) {
    line.push(`${module} +${mib((await idleRss(bareServer(module), /listening/, gatewayDir)) - bare).toFixed(1)}`);
  }
  console.log(`  ${line.join('   ')} MiB`);
}
