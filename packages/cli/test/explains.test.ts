// The CLI explains itself: every option in its command's help, an example per command,
// and one line, not silence or a stack trace, when serve has no engine, when its port is
// taken, and when ace-rx is run unbuilt from a package folder. Each case spawns the real
// process; the independent ones run side by side.
import { afterEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ace, deadPort, root, start, waitFor, type Run } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The long names of the options a help text lists. */
const optionsIn = (help: string) => new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!));

/** A TCP server listening on a free port of 127.0.0.1 (the port taken), closed after the test. */
async function takenPort(): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

describe('help', () => {
  it('lists every option of each command, the program options it reads included, and gives an example per command', async () => {
    const [top, play, watch, info, serve] = await Promise.all([['--help'], ['play', '--help'], ['watch', '--help'], ['info', '--help'], ['serve', '--help']].map((args) => ace(args)));
    for (const run of [top, play, watch, info, serve]) expect(run!.code).toBe(0);
    const program = ['--host', '--port', '--http-port', '--api', '--product-key', '--emulate', '--timeout'];
    for (const option of program) expect(optionsIn(top!.stdout)).toContain(option);
    for (const [run, own] of [
      [play!, ['--as', '--file', '--player', '--output', '--probe', '--json']],
      [watch!, ['--json']],
      [info!, ['--json']],
    ] as const) {
      for (const option of [...own, ...program]) expect(optionsIn(run.stdout)).toContain(option);
    }
    // serve's own --port, --host and --api are the gateway's; it reads these of the program's.
    const serveOptions = optionsIn(serve!.stdout);
    for (const option of ['--port', '--host', '--engine', '--api', '--channels', '--token', '--linger', '--stall', '--ring', '--emulate', '--product-key', '--http-port']) {
      expect(serveOptions).toContain(option);
    }
    expect(serve!.stdout).not.toMatch(/--timeout/);
    for (const command of ['play', 'watch', 'info', 'serve']) {
      expect(top!.stdout).toMatch(new RegExp(`^  ${command} `, 'm')); // in the command list
      expect(top!.stdout).toMatch(new RegExp(`^  ace-rx ${command} `, 'm')); // and an example
    }
    expect(top!.stdout).toContain('ace-rx serve --emulate');
  });
});

describe('ace-rx serve says at once what is wrong', () => {
  it('with no engine answering: one line naming every address and port it tried, suggesting --emulate; it serves on', async () => {
    const [tcp, http, engine] = [await deadPort(), await deadPort(), await deadPort()];
    const auto = start(['--http-port', String(http), 'serve', '--port', '0', '--engine', `127.0.0.1:${tcp}`]);
    const only = start(['serve', '--port', '0', '--api', 'http', '--engine', `127.0.0.1:${engine}`]);
    cleanups.push(() => void auto.child.kill('SIGKILL'), () => void only.child.kill('SIGKILL'));
    await waitFor(() => auto.output().stderr.includes('listening on') && only.output().stderr.includes('listening on'), 'both gateways listening');
    const line = (stderr: string) => stderr.split('\n').filter((l) => l.includes('no engine answers'));
    expect(line(auto.output().stderr)).toEqual([
      `ace-rx serve: no engine answers at 127.0.0.1:${tcp} (TCP API), 127.0.0.1:${http} (HTTP API): players get 503 until one does; add --emulate to serve from the embedded emulator meanwhile`,
    ]);
    expect(line(only.output().stderr)).toEqual([expect.stringContaining(`at 127.0.0.1:${engine} (HTTP API): players get 503`) as unknown as string]);
    auto.signal('SIGTERM');
    only.signal('SIGTERM');
    // serve drains on SIGTERM (issue #23): with no viewer, the drain is over at once and the exit clean.
    expect((await auto.done).code).toBe(0);
    expect((await only.done).code).toBe(0);
  });

  it('a port in use is one line and exit 1, before anything starts, the embedded emulator included', async () => {
    const taken = await takenPort();
    const [emulate, plain]: Run[] = await Promise.all([
      ace(['serve', '--emulate', '--port', String(taken), '--engine', `127.0.0.1:${await deadPort()}`]),
      ace(['serve', '--port', String(taken), '--host', '127.0.0.1', '--engine', `127.0.0.1:${await deadPort()}`]),
    ]);
    for (const run of [emulate!, plain!]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`ace-rx: serve: port ${taken} on 127.0.0.1 is in use (another ace-rx serve?): choose another with --port, or --port 0 for a free one\n`);
      expect(run.stdout).toBe('');
    }
  });
});

describe('run unbuilt from a package folder', () => {
  it('the installed ace-rx says in one line how to run it instead of a stack trace, and runs the build when there is one', async () => {
    // A copy of the package's launcher, with no dist/ beside it, as in a fresh clone.
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-unbuilt-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(root, 'packages/cli/bin/ace-rx.js'), join(dir, 'bin', 'ace-rx.js'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const launcher = [process.execPath, join(dir, 'bin', 'ace-rx.js')];
    const unbuilt = await ace(['--help'], { command: launcher, cwd: join(root, 'packages/codec') });
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^ace-rx: this clone's packages are not built \(no dist\/\): run it from the clone's root .* `npx -y pnpm@12\.21\.0 -w ace-rx \.\.\.`/) as unknown as string]);
    expect(unbuilt.stderr).not.toMatch(/^\s+at /m);
    // Built: the launcher runs dist/bin.js with the same arguments.
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'bin.js'), "console.log('built', JSON.stringify(process.argv.slice(2)));");
    const built = await ace(['info', '--json'], { command: launcher, cwd: join(root, 'packages/codec') });
    expect(built).toMatchObject({ code: 0, stdout: 'built ["info","--json"]\n', stderr: '' });
  });
});
