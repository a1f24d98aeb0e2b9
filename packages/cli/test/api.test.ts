// `--api tcp|http|auto`: `ace-rx` on the HTTP API, the `auto` fallback, and the
// connecting phase. Each case spawns the real process; cases run side by side in a
// few groups, to keep the number of slow tsx starts down.
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec';
import { startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { ace, DEAD_PORT, EMULATOR_BIN, FAST_TIMING, fastEmulator, root, start, waitFor, WITHIN_A_SECOND } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const emulator = (options: EmulatorOptions = {}): Promise<Emulator> => fastEmulator(cleanups, options);

async function listening<T extends Server | HttpServer>(server: T): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  cleanups.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return (server.address() as { port: number }).port;
}

/** An HTTP server that answers every request with `answer` (or never, with `undefined`) and remembers what it was asked. */
async function httpServer(answer: ((request: IncomingMessage) => { status: number; body: string }) | undefined): Promise<{ port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = createHttpServer((request, response) => {
    asked.push(request.url ?? '');
    if (answer === undefined) return; // holds the request
    const { status, body } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  return { port: await listening(server), asked };
}

const httpStates = (e: Emulator) => e.httpApi.sessions.all().map((s) => s.state);
const tcpLines = (e: Emulator) => e.sessions.flatMap((s) => s.transcript.filter((t) => t.direction === '>>').map((t) => t.line));

describe('over the HTTP API', () => {
  it('plays against an emulator started separately and the embedded one; info, --json, auto falling back, and a normal end sending method=stop', async () => {
    // The emulator as its own process, as a user would start it.
    const child = spawn(EMULATOR_BIN[0]!, [...EMULATOR_BIN.slice(1), '--port', '0', '--http-port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    let announced = '';
    child.stdout.on('data', (d: Buffer) => (announced += d.toString()));
    await waitFor(() => /HTTP on 127\.0\.0\.1:\d+/.test(announced), 'the emulator process', 60_000);
    const separate = Number(/HTTP on 127\.0\.0\.1:(\d+)/.exec(announced)![1]);
    const e = await emulator();
    const h = String(e.httpPort);
    const [live, embedded, info, json, auto] = await Promise.all([
      ace(['--http-port', String(separate), 'play', 'live', '--api', 'http', '--probe', '1MiB']),
      ace(['--port', String(DEAD_PORT), 'play', 'live', '--api', 'http', '--emulate', '--probe', '1MiB']),
      ace(['--api', 'http', '--http-port', h, 'info', '--json']),
      ace(['--api', 'http', '--http-port', h, 'play', 'series', '--file', '1', '--json', '--probe', '4KiB']),
      // auto: nothing on the TCP port, so the HTTP API.
      ace(['--port', String(DEAD_PORT), '--http-port', h, 'play', 'with-ads', '--probe', '1KiB']),
    ]);
    for (const run of [live, embedded]) {
      expect([run.code, run.stderr]).toEqual([0, expect.stringContaining('fetched 1048576 bytes (HTTP 200, video/mp2t)')]);
      expect(run.stderr).toContain('playback URL (live):');
      expect(run.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ace\/r\/[0-9a-f]{40}\/[0-9a-f]+\n$/);
    }
    expect(live.stdout).toContain(`:${separate}/`);
    expect(embedded.stderr).toContain(`no engine at 127.0.0.1:${DEAD_PORT}: started the embedded emulator`);
    expect(JSON.parse(info.stdout)).toEqual({ version: '3.1.16', versionCode: 3011600, httpPort: e.httpPort, authLevel: null, host: '127.0.0.1', api: 'http', port: e.httpPort, emulated: false });
    expect(json.code).toBe(0);
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; url?: string });
    const kinds = events.map((x) => x.event);
    expect(kinds).toEqual(expect.arrayContaining(['progress', 'url', 'probe', 'end']));
    expect(kinds).not.toContain('files'); // the HTTP API has no LOAD
    expect(events.find((x) => x.event === 'url')?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${h}/ace/r/`));
    expect(events.at(-1)).toEqual({ event: 'end', exit: 0 });
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain('fetched 1024 bytes');
    // Nothing reached the TCP API; every HTTP session was stopped at the end.
    expect(e.sessions).toHaveLength(0);
    expect(e.httpApi.sessions.all().map((s) => `${s.content.playerId} ${s.fileIndex}`).sort()).toEqual(['series 1', 'with-ads 0']);
    expect(httpStates(e)).toEqual(['stopped', 'stopped']);
  }, 120_000);

  it('Ctrl-C while prebuffering and while playing: 130 (143 for SIGTERM) within a second, method=stop sent; the engine lost while playing: exit 7', async () => {
    const prebuffering = await emulator({ timing: { prebufferMs: 120_000 } });
    const terminated = await emulator({ timing: { prebufferMs: 120_000 } });
    const playing = await emulator();
    // Closed by the test itself, mid-playback.
    const lost = await startEmulator({ productKey: DEFAULT_PRODUCT_KEY, timing: FAST_TIMING });
    let lostClosed = false;
    cleanups.push(() => (lostClosed ? undefined : lost.close()));
    const runs = [
      { engine: prebuffering, signal: 'SIGINT' as const, running: start(['--api', 'http', '--http-port', String(prebuffering.httpPort), 'play', 'series']) },
      { engine: terminated, signal: 'SIGTERM' as const, running: start(['--api', 'http', '--http-port', String(terminated.httpPort), 'play', 'series']) },
      { engine: playing, signal: 'SIGINT' as const, running: start(['--api', 'http', '--http-port', String(playing.httpPort), 'play', 'live']) },
    ];
    const losing = start(['--api', 'http', '--http-port', String(lost.httpPort), 'play', 'series']);
    await Promise.all([
      ...runs.map(async (c) => {
        if (c.engine === playing) await waitFor(() => /playing · engine: dl/.test(c.running.output().stderr), 'the live status');
        else await waitFor(() => /prebuf/.test(c.running.output().stderr), 'prebuffering');
        c.running.signal(c.signal);
      }),
      (async () => {
        await waitFor(() => losing.output().stdout.includes('/ace/r/'), 'the playback URL');
        lostClosed = true;
        await lost.close();
      })(),
    ]);
    for (const c of runs) {
      const run = await c.running.done;
      expect([run.code, run.stderr]).toEqual([c.signal === 'SIGINT' ? 130 : 143, expect.any(String)]);
      expect(run.exitMs).toBeLessThan(WITHIN_A_SECOND);
      expect(httpStates(c.engine)).toEqual(['stopped']);
    }
    const gone = await losing.done;
    expect(gone.code).toBe(7);
    expect(gone.stderr).toContain('lost the engine while playing');
  }, 120_000);
});

describe('--api: bad arguments, not an engine, auto', () => {
  it('bad --api, --http-port, watch over HTTP and what HTTP cannot start are exit 2 with nothing sent; a server that is not an engine is exit 8; auto on a TCP engine asks no HTTP', async () => {
    const counting = await httpServer(() => ({ status: 200, body: '{"result": null, "error": null}' }));
    const notFound = await httpServer(() => ({ status: 404, body: '<html>not found</html>' }));
    const e = await emulator();
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-api-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'local.torrent'), 'd8:announce0:e');
    const c = String(counting.port);
    const cases: [string[], RegExp][] = [
      [['--api', 'udp', '--http-port', c, 'info'], /--api must be tcp, http or auto, got "udp"/],
      [['--api', 'http', '--http-port', '0', 'info'], /--http-port must be a port number/],
      [['--api', 'http', '--http-port', c, 'watch'], /the HTTP API has none/],
      [['--api', 'http', '--http-port', c, 'play', join(dir, 'local.torrent')], /cannot be played over the HTTP API: use --api tcp/],
      [['--api', 'http', '--http-port', c, 'play', '--as', 'direct', 'http://example.invalid/a.mp4'], /a direct URL cannot be played over the HTTP API/],
    ];
    const [runs, notEngine, junk, auto] = await Promise.all([
      Promise.all(cases.map(([args]) => ace(args))),
      ace(['--api', 'http', '--http-port', String(notFound.port), 'play', 'series']),
      ace(['--api', 'http', '--http-port', c, 'info']),
      ace(['--port', String(e.port), '--http-port', c, 'info', '--json']),
    ]);
    runs.forEach((run, i) => {
      expect([i, run.code]).toEqual([i, 2]);
      expect(run.stderr).toMatch(cases[i]![1]);
    });
    expect(notEngine.code).toBe(8);
    expect(notEngine.stderr).toContain(`not an Ace Stream HTTP API at 127.0.0.1:${notFound.port}: its get_version answer (HTTP 404) is not an engine's; the HTTP API is on 6878`);
    expect(junk.code).toBe(8);
    expect(junk.stderr).toContain("its get_version answer (HTTP 200) is not an engine's");
    expect(notFound.asked.every((url) => url.includes('get_version'))).toBe(true);
    // auto on a TCP engine: the TCP API, and not one HTTP request.
    expect(JSON.parse(auto.stdout)).toMatchObject({ api: 'tcp', port: e.port, authLevel: 1 });
    expect(counting.asked.filter((url) => !url.includes('get_version'))).toEqual([]);
    expect(counting.asked).toHaveLength(1); // the `junk` run's get_version, and nothing from the others
    expect(tcpLines(e).slice(-1)).toEqual(['SHUTDOWN']);
  }, 120_000);
});

/** How many sockets of this machine are in SYN-SENT to `port` (Linux: /proc/net/tcp, state 02). */
function synSentTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[2]?.endsWith(`:${hex}`) === true && fields[3] === '02';
    }).length;
}

describe('the connecting phase', () => {
  it('Ctrl-C while the TCP connection never completes (SYNs dropped) or get_version is never answered: 130 (143) within a second', async () => {
    // A listener whose accept queue (backlog 0) is full: Linux drops further SYNs.
    const python: ChildProcess = spawn('python3', ['-c', "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      python.stdin!.end();
      if (python.exitCode === null) await once(python, 'exit');
    });
    const port = await new Promise<number>((resolve, reject) => {
      python.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      python.once('error', reject);
    });
    const filler = netConnect(port, '127.0.0.1');
    cleanups.push(() => void filler.destroy());
    await once(filler, 'connect');
    const silentHttp = await httpServer(undefined);
    const runs = [
      { signal: 'SIGINT' as const, running: start(['--port', String(port), '--api', 'tcp', '--timeout', '60000', 'play', 'series']), ready: () => synSentTo(port) >= 2 },
      { signal: 'SIGTERM' as const, running: start(['--port', String(port), '--api', 'tcp', '--timeout', '60000', 'info']), ready: () => synSentTo(port) >= 2 },
      { signal: 'SIGINT' as const, running: start(['--api', 'http', '--http-port', String(silentHttp.port), '--timeout', '60000', 'info']), ready: () => silentHttp.asked.length > 0 },
    ];
    // The SYN is seen leaving (and staying unanswered), the get_version arriving: then the signal.
    await waitFor(() => runs.every((c) => c.ready()), 'the connections under way', 60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(synSentTo(port)).toBe(2); // still not connected
    for (const c of runs) c.running.signal(c.signal);
    for (const c of runs) {
      const run = await c.running.done;
      expect([run.code, run.stderr]).toEqual([c.signal === 'SIGINT' ? 130 : 143, expect.stringContaining(`stopped (${c.signal})`)]);
      expect(run.exitMs).toBeLessThan(WITHIN_A_SECOND);
    }
  }, 120_000);
});
