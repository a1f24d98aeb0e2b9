// `ace-rx` as a user meets it: Ctrl-C at every phase, the engine lost, bad arguments,
// not an engine, the user's paths, --json. Each case spawns the real process; cases
// that can run side by side do, to keep the number of slow tsx starts down.
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { encodeEngineMessage } from '@ace-rx/codec';
import { fileBytes, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { ace, fastEmulator, root, start, waitFor, WITHIN_A_SECOND } from './helpers.js';

/**
 * The pnpm that runs this suite (`npm_execpath`, which `pnpm test` sets: the README's pinned
 * one), else that pin through npx, whose start alone costs some 2 s of CPU.
 */
const PNPM: readonly string[] = (() => {
  const running = process.env['npm_execpath'];
  if (running === undefined || !/^pnpm(\.c?js)?$/.test(basename(running))) return ['npx', '-y', 'pnpm@12.21.0'];
  return /\.c?js$/.test(running) ? [process.execPath, running] : [running];
})();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const emulator = (options: EmulatorOptions = {}): Promise<Emulator> => fastEmulator(cleanups, options);

const sent = (e: Emulator) => e.sessions.flatMap((s) => s.transcript.filter((t) => t.direction === '>>').map((t) => t.line));
const count = (lines: string[], line: string) => lines.filter((l) => l === line).length;

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ace-rx-user-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function listening<T extends Server | HttpServer>(server: T): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  cleanups.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return (server.address() as { port: number }).port;
}

/**
 * A scripted engine for what the emulator does not do: it plays a direct URL whose
 * HTTP server trickles bytes and never ends, so a download is in progress for as long
 * as a test wants. `lines` is what the client sent; `drop()` cuts every socket.
 */
async function tricklingEngine(): Promise<{ port: number; lines: string[]; drop: () => void }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const http = createHttpServer((_, response) => {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(64 * 1024 * 1024) });
    const timer = setInterval(() => response.write(Buffer.alloc(4096, 7)), 20);
    response.on('close', () => clearInterval(timer));
  });
  http.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  const httpPort = await listening(http);
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    const say = (m: Parameters<typeof encodeEngineMessage>[0]) => socket.write(encodeEngineMessage(m) + '\r\n');
    socket.on('data', (chunk) => {
      pending += chunk.toString();
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('HELLOBG')) say({ kind: 'HELLOTS', version: '3.1.16', versionCode: 3011600, httpPort });
        else if (line.startsWith('READY')) say({ kind: 'AUTH', level: 1 });
        else if (line.startsWith('START')) say({ kind: 'START', form: 'keyed', url: `http://127.0.0.1:${httpPort}/stream` });
      }
    });
  });
  const port = await listening(tcp);
  return { port, lines, drop: () => sockets.forEach((s) => s.destroy()) };
}

describe('Ctrl-C at every phase', () => {
  it('against the emulator: LOAD, prebuffer and playback end with 130 within a second, STOP (once started) and SHUTDOWN sent once', async () => {
    const loading = await emulator({ timing: { loadDelayMs: 120_000 } });
    const prebuffering = await emulator({ timing: { prebufferMs: 120_000 } });
    const terminated = await emulator({ timing: { prebufferMs: 120_000 } });
    const playing = await emulator({ timing: { bufferingAfterMs: 100, bufferingMs: 200 } });
    const runs = [
      { engine: loading, signal: 'SIGINT' as const, ready: (e: Emulator) => sent(e).some((l) => l.startsWith('LOADASYNC')), stop: 0 },
      { engine: prebuffering, signal: 'SIGINT' as const, ready: (e: Emulator) => sent(e).some((l) => l.startsWith('START')), stop: 1 },
      { engine: terminated, signal: 'SIGTERM' as const, ready: (e: Emulator) => sent(e).some((l) => l.startsWith('START')), stop: 1 },
      // The seed's trailer has a buffering episode; a bare 40-hex id is its content id.
      { engine: playing, signal: 'SIGINT' as const, ready: () => false, stop: 1, id: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d' },
    ].map((c) => ({ ...c, running: start(['--port', String(c.engine.port), 'play', 'id' in c ? c.id : 'series']) }));
    const last = runs[3]!;
    await Promise.all(
      runs.map(async (c) => {
        if (c === last) await waitFor(() => /buffering…[^]*playing · engine: dl/.test(c.running.output().stderr), 'the live status: buffering, then playing again');
        else await waitFor(() => c.ready(c.engine), 'the phase');
        c.running.signal(c.signal);
      }),
    );
    for (const c of runs) {
      const run = await c.running.done;
      expect(run.code).toBe(c.signal === 'SIGINT' ? 130 : 143);
      expect(run.exitMs).toBeLessThan(WITHIN_A_SECOND);
      await new Promise((r) => setTimeout(r, 50));
      const lines = sent(c.engine);
      expect(count(lines, 'STOP')).toBe(c.stop);
      expect(count(lines, 'SHUTDOWN')).toBe(1);
      expect(lines.at(-1)).toBe('SHUTDOWN');
    }
    // The playback run showed a live status, not a bare "Playing." line.
    const playback = await last.running.done;
    expect(playback.stderr).not.toContain('Playing.');
    expect(playback.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/content\//);
  }, 90_000);

  it('against a silent server (the handshake) and during an --output download: 130 within a second; a second Ctrl-C exits at once', async () => {
    const accepted: Socket[] = [];
    const heard: string[] = [];
    const silent = createServer((s) => (accepted.push(s), s.on('data', (d) => heard.push(d.toString()))));
    const silentPort = await listening(silent);
    const engine = await tricklingEngine();
    const dir = scratch();
    // --api tcp: under auto a silent TCP API is given up after the 2 s probe.
    const handshake = start(['--port', String(silentPort), '--api', 'tcp', '--timeout', '60000', 'info']);
    const twice = start(['--port', String(silentPort), '--timeout', '60000', 'watch']);
    const download = start(['--port', String(engine.port), 'play', '--as', 'direct', 'http://example.invalid/film.mp4', '--output', join(dir, 'film.mp4')]);
    await waitFor(() => accepted.length === 2 && heard.length >= 2, 'two connections');
    handshake.signal('SIGINT');
    twice.signal('SIGINT');
    // A second Ctrl-C, later than a runner's relay of the first (see the next test).
    await new Promise((r) => setTimeout(r, 300));
    twice.signal('SIGINT');
    await waitFor(() => existsSync(join(dir, 'film.mp4')) && readFileSync(join(dir, 'film.mp4')).length > 8192, 'bytes written');
    download.signal('SIGINT');
    for (const running of [handshake, twice, download]) {
      const run = await running.done;
      expect(run.code).toBe(130);
      expect(run.exitMs).toBeLessThan(WITHIN_A_SECOND);
    }
    expect(heard.join('')).toBe('HELLOBG version=4\r\nHELLOBG version=4\r\n'); // no SHUTDOWN before AUTH
    // The download stopped writing at Ctrl-C.
    const size = readFileSync(join(dir, 'film.mp4')).length;
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(join(dir, 'film.mp4')).length).toBe(size);
    expect(count(engine.lines, 'STOP')).toBe(1);
    expect(count(engine.lines, 'SHUTDOWN')).toBe(1);
    expect(engine.lines.at(-1)).toBe('SHUTDOWN');
  }, 90_000);
});

describe('the engine lost', () => {
  it('while playing (the engine process killed) or saving (its sockets cut): exit 7 with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ace-rx/source', join(root, 'packages/cli/test/fixtures/engine.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    let announced = '';
    child.stdout.on('data', (d: Buffer) => (announced += d.toString()));
    await waitFor(() => announced.includes('\n'), 'the engine process');
    const { port } = JSON.parse(announced) as { port: number };
    const trickling = await tricklingEngine();
    const dir = scratch();
    const playing = start(['--port', String(port), 'play', 'series']);
    const saving = start(['--port', String(trickling.port), 'play', '--as', 'direct', 'http://x.invalid/a.mp4', '--output', join(dir, 'a.mp4')]);
    await waitFor(() => playing.output().stdout.includes('/content/'), 'the playback URL');
    child.kill('SIGKILL');
    await waitFor(() => existsSync(join(dir, 'a.mp4')) && readFileSync(join(dir, 'a.mp4')).length > 0, 'bytes saved');
    trickling.drop();
    const [played, saved] = await Promise.all([playing.done, saving.done]);
    expect(played.code).toBe(7);
    expect(played.stderr).toContain('lost the engine while playing');
    expect(saved.code).toBe(7);
    expect(saved.stderr).toMatch(/lost the engine while saving|stopped serving the stream while saving/);
  }, 90_000);
});

describe('bad arguments', () => {
  it('are exit 2 with nothing sent to the engine', async () => {
    const e = await emulator();
    const dir = scratch();
    const p = String(e.port);
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--port', 'abc', 'info'], {}, /--port must be a port number/],
      [['--port', '70000', 'info'], {}, /--port must be a port number/],
      [['info'], { ACE_RX_PORT: 'x62062' }, /ACE_RX_PORT must be a port number/],
      [['--port', p, '--timeout', '-5', 'info'], {}, /--timeout must be a positive number/],
      [['--port', p, '--timeout', 'soon', 'play', 'series'], {}, /--timeout must be a positive number/],
      [['--port', p, 'play', 'series', '--output', join(dir, 'no', 'such', 'dir', 'x.mkv')], {}, /--output: no such directory/],
      [['--port', p, 'play', 'series', '--output', dir], {}, /is a directory/],
      [['--port', p, 'play', 'series', '--player', 'no-such-player-ace-rx'], {}, /--player: no-such-player-ace-rx is not on PATH/],
      [['--port', p, 'play', join(dir, 'missing.torrent')], {}, /no such file/],
      [['--port', p, 'play', 'acestream://'], {}, /no content id after acestream:\/\//],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => ace(args, { env })));
    runs.forEach((run, i) => {
      expect([i, run.code]).toEqual([i, 2]);
      expect(run.stderr).toMatch(cases[i]![2]);
    });
    expect(e.sessions).toHaveLength(0);
    // --file out of range is known only from the file list: exit 2, and no START.
    const file = await ace(['--port', p, 'play', 'series', '--file', '9']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--file 9: no such file; the content has 0, 1, 2');
    expect(sent(e).some((l) => l.startsWith('START'))).toBe(false);
  }, 90_000);
});

describe('not an engine', () => {
  it('says so when an HTTP server (or something else) answers on the port: exit 8', async () => {
    const http = createHttpServer((_, response) => response.end('hello'));
    const httpPort = await listening(http);
    const other = createServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const otherPort = await listening(other);
    const [a, b] = await Promise.all([ace(['--port', String(httpPort), 'info']), ace(['--port', String(otherPort), 'play', 'series'])]);
    expect(a.code).toBe(8);
    expect(a.stderr).toContain(`not an Ace Stream TCP API at 127.0.0.1:${httpPort}: it answered HTTP; the TCP API is on 62062`);
    expect(b.code).toBe(8);
    expect(b.stderr).toContain(`not an Ace Stream TCP API at 127.0.0.1:${otherPort}: it sent bytes that are not this protocol`);
  }, 60_000);
});

describe("the user's paths and ids", () => {
  it('resolves --output and .torrent files from INIT_CWD, and looks at an http URL: a torrent without suffix is loaded as TORRENT', async () => {
    const e = await emulator();
    const dir = scratch();
    writeFileSync(join(dir, 'local.torrent'), 'd8:announce0:e');
    const torrent = 'd8:announce3:urle';
    const served = createHttpServer((request, response) => {
      if (request.url === '/get?id=7') response.end(torrent); // no suffix, no type: the bytes tell
      else response.writeHead(200, { 'content-type': 'video/mp4' }).end('not a torrent');
    });
    const httpPort = await listening(served);
    const [saved, raw, viaHttp] = await Promise.all([
      ace(['--port', String(e.port), 'play', 'series', '--file', '1', '--output', 'rel.mkv'], { env: { INIT_CWD: dir } }),
      ace(['--port', String(e.port), 'play', 'local.torrent', '--probe', '1KiB'], { env: { INIT_CWD: dir } }),
      ace(['--port', String(e.port), 'play', `http://127.0.0.1:${httpPort}/get?id=7`, '--probe', '1KiB']),
    ]);
    expect(saved.code).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'rel.mkv')), fileBytes(e.catalogue.all().find((c) => c.playerId === 'series')!, 1))).toBe(0);
    expect(existsSync(join(root, 'rel.mkv'))).toBe(false);
    // Neither the RAW torrent nor the served one is in the catalogue: what matters is how they were sent.
    expect(raw.code).toBe(5);
    expect(sent(e)).toContain(`LOADASYNC ${sent(e).find((l) => l.includes(' RAW '))?.split(' ')[1]} RAW ${Buffer.from('d8:announce0:e').toString('base64')} 0 0 0`);
    expect(viaHttp.code).toBe(5);
    expect(sent(e).some((l) => l.includes(` TORRENT http://127.0.0.1:${httpPort}/get?id=7 `) || l.includes(` TORRENT http%3A%2F%2F127.0.0.1%3A${httpPort}`))).toBe(true);
  }, 90_000);

  it('through `pnpm -w ace-rx` from a directory of the workspace, --output lands in that directory', async () => {
    const e = await emulator();
    const dir = join(root, 'packages', 'cli', `.tmp-user-${process.pid}`);
    mkdirSync(dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const run = await ace(['--port', String(e.port), 'play', 'series', '--output', 'via-pnpm.mkv'], {
      cwd: dir,
      env: { INIT_CWD: '' },
      command: [...PNPM, '--silent', '-w', 'ace-rx'],
      timeoutMs: 80_000,
    });
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'via-pnpm.mkv'))).toBe(true);
    expect(existsSync(join(root, 'via-pnpm.mkv'))).toBe(false);
  }, 90_000);
});

describe('machine-readable and telling the truth', () => {
  it('play --json prints one JSON object per line for every event and nothing else; --version; watch shows the handshake; info on a bare HELLOTS', async () => {
    const e = await emulator();
    const bare = await emulator({ hello: 'bare' });
    const [json, version, watched, info, infoJson] = await Promise.all([
      ace(['--port', String(e.port), 'play', 'with-ads', '--json', '--probe', '4KiB']),
      ace(['--version']),
      (async () => {
        const w = start(['--port', String(e.port), 'watch']);
        await waitFor(() => w.output().stdout.includes('AUTH'), 'AUTH');
        w.signal('SIGINT');
        return w.done;
      })(),
      ace(['--port', String(bare.port), 'info']),
      ace(['--port', String(bare.port), 'info', '--json']),
    ]);
    expect(json.code).toBe(0);
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string });
    const kinds = events.map((x) => x.event);
    expect(kinds[0]).toBe('files');
    expect(kinds).toEqual(expect.arrayContaining(['files', 'progress', 'ad', 'url', 'probe', 'end']));
    expect(events.filter((x) => x.event === 'ad')).toHaveLength(2);
    expect(events.at(-1)).toEqual({ event: 'end', exit: 0 });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version);
    expect(watched.code).toBe(130);
    expect(watched.stdout.split('\n').slice(0, 2)).toEqual(['HELLOTS   version 3.1.16, http port ' + e.httpPort, 'AUTH      level 1']);
    expect(info.stdout).toContain('http port:  not reported');
    expect(info.stdout).not.toContain('6878 ');
    expect(JSON.parse(infoJson.stdout)).toMatchObject({ httpPort: null });
  }, 90_000);

  it('a Ctrl-C relayed by a runner (pnpm, tsx) a few ms later is the same Ctrl-C: --json still ends with the error and end lines', async () => {
    const e = await emulator({ timing: { prebufferMs: 120_000 } });
    const running = start(['--port', String(e.port), 'play', 'series', '--json']);
    await waitFor(() => sent(e).some((l) => l.startsWith('START')), 'START sent');
    running.signal('SIGINT');
    // What tsx does when the child does not confirm within 30 ms (two signals sent at
    // once would merge into one pending signal, so the relay comes a little later).
    await new Promise((r) => setTimeout(r, 40));
    running.signal('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-2)).toMatchObject({ event: 'error', exit: 130 });
    expect(events.at(-1)).toEqual({ event: 'end', exit: 130 });
    expect(count(sent(e), 'STOP')).toBe(1);
  }, 60_000);

  it('an error under --json is a JSON line too, then the end', async () => {
    const run = await ace(['--port', '1', 'play', 'series', '--json']);
    expect(run.code).toBe(3);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      { event: 'error', code: 'CONNECTION_FAILED', message: expect.stringContaining('cannot connect') as unknown, exit: 3 },
      { event: 'end', exit: 3 },
    ]);
  }, 60_000);
});
