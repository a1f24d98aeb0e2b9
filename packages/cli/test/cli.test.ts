import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_KEY } from '@ace-rx/codec';
import { fileBytes, startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { ACE_RX, DEAD_PORT } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
const FAST = { statusIntervalMs: 5, prebufferMs: 40, loadDelayMs: 5, bufferingAfterMs: 20, bufferingMs: 20, livePosIntervalMs: 10 };
const SERIES = '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b';

let engine: Emulator | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  engine = await startEmulator({ productKey: DEFAULT_PRODUCT_KEY, ...options, timing: { ...FAST, ...options.timing } });
  return engine;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ace-rx` process (from source, so no build is needed). */
function ace(
  args: string[],
  options: { onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(ACE_RX[0]!, [...ACE_RX.slice(1), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_HTTP_PORT: String(DEAD_PORT), ACE_RX_API: '', ACE_RX_PRODUCT_KEY: '', INIT_CWD: '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ace-rx ${args.join(' ')} did not exit\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const sent = (e: Emulator) => e.sessions.flatMap((s) => s.transcript.filter((t) => t.direction === '>>').map((t) => t.line));

describe('ace-rx info', () => {
  it("prints the engine's version, HTTP port and auth level", async () => {
    const e = await emulator();
    const run = await ace(['--port', String(e.port), 'info']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('engine:     3.1.16 (code 3011600)');
    expect(run.stdout).toContain(`http port:  ${e.httpPort}`);
    expect(run.stdout).toContain('auth level: 1 (advanced)');
  }, 30_000);

  it('prints one JSON object with --json', async () => {
    const e = await emulator();
    const run = await ace(['--port', String(e.port), 'info', '--json']);
    expect(JSON.parse(run.stdout)).toEqual({ version: '3.1.16', versionCode: 3011600, httpPort: e.httpPort, authLevel: 1, host: '127.0.0.1', api: 'tcp', port: e.port, emulated: false });
  }, 30_000);
});

describe('ace-rx play', () => {
  it('saves the stream with --output: the right bytes, reported as a player would', async () => {
    const e = await emulator();
    scratch = mkdtempSync(join(tmpdir(), 'ace-rx-'));
    const out = join(scratch, 'episode.mkv');
    const run = await ace(['--port', String(e.port), 'play', 'series', '--file', '1', '--output', out]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`http://127.0.0.1:${e.httpPort}/content/${SERIES}/1`);
    expect(run.stderr).toContain('[1] Сериал S01E02.mkv');
    expect(Buffer.compare(readFileSync(out), fileBytes(e.catalogue.byHash(SERIES)!, 1))).toBe(0);
    const lines = sent(e);
    expect(lines.filter((l) => l.startsWith('PLAYBACK ')).map((l) => l.split(' ')[2])).toEqual(['0', '25', '50', '75', '100']);
    expect(lines.slice(-2)).toEqual(['STOP', 'SHUTDOWN']);
  }, 30_000);

  it('plays through ads, showing them as such', async () => {
    const e = await emulator();
    const run = await ace(['--port', String(e.port), 'play', 'with-ads', '--probe', '4KiB']);
    expect(run.code).toBe(0);
    // Each ad on its own line, in the engine's order; a STATUS that falls between them (a
    // progress line) is not a fault: it did on a loaded machine.
    const ads = run.stderr.split('\n').filter((line) => line.startsWith('ad '));
    expect(ads).toEqual([expect.stringMatching(/^ad \(not skippable\): http:\/\/127\.0\.0\.1:\d+\/ad\/\S+\/0$/), expect.stringMatching(/^ad \(skippable\): http:\/\/127\.0\.0\.1:\d+\/ad\/\S+\/1$/)]);
    expect(run.stderr).toMatch(/fetched 4096 bytes \(HTTP 206, video\/mp4\)/);
  }, 30_000);

  it('starts the embedded emulator with --emulate when no engine answers', async () => {
    const run = await ace(['--port', '1', 'play', 'series', '--emulate', '--probe', '1MiB']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no engine at 127.0.0.1:1: started the embedded emulator');
    expect(run.stderr).toContain('fetched 1048576 bytes');
    expect(run.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/content\/0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b\/0\n$/);
  }, 30_000);

  it('launches a player on the URL and reports PLAYBACK 0 and 100 when it exits normally', async () => {
    const e = await emulator();
    scratch = mkdtempSync(join(tmpdir(), 'ace-rx-'));
    const seen = join(scratch, 'player-saw.txt');
    // A stand-in player: writes the URL it was given to a file and exits 0.
    const player = `${process.execPath} -e require('fs').writeFileSync(${JSON.stringify(seen)},process.argv[1])`;
    const run = await ace(['--port', String(e.port), 'play', 'series', '--player', player]);
    expect(run.code).toBe(0);
    const url = run.stdout.trim();
    expect(readFileSync(seen, 'utf8')).toBe(url);
    expect(sent(e).filter((l) => l.startsWith('PLAYBACK ')).map((l) => l.split(' ')[2])).toEqual(['0', '100']);
    expect(run.stderr).toMatch(/exited with code 0/);
  }, 30_000);

  it('follows mpv through its IPC socket: DUR once known, PLAYBACK as the position passes each quarter', async () => {
    const e = await emulator();
    scratch = mkdtempSync(join(tmpdir(), 'ace-rx-'));
    // A stand-in mpv on PATH: serves mpv's JSON IPC, reports a duration and a rising position, exits 0.
    const fakeMpv = join(scratch, 'mpv');
    writeFileSync(
      fakeMpv,
      `#!${process.execPath}
const net = require('net');
const path = process.argv.find((a) => a.startsWith('--input-ipc-server=')).split('=')[1];
const server = net.createServer((socket) => {
  const send = (name, data) => socket.write(JSON.stringify({ event: 'property-change', id: 1, name, data }) + '\\n');
  socket.once('data', async () => {
    const later = (ms) => new Promise((r) => setTimeout(r, ms));
    send('duration', 201.964);
    for (const p of [10, 30, 55, 80, 100]) { await later(20); send('percent-pos', p); }
    await later(50);
    process.exit(0);
  });
});
server.listen(path);
`,
    );
    chmodSync(fakeMpv, 0o755);
    const run = await ace(['--port', String(e.port), 'play', 'series', '--player', 'mpv'], { env: { PATH: `${scratch}:${process.env['PATH']}` } });
    expect(run.code).toBe(0);
    const url = run.stdout.trim();
    const lines = sent(e);
    expect(lines).toContain(`DUR ${url} 201964`);
    expect(lines.filter((l) => l.startsWith('PLAYBACK ')).map((l) => l.split(' ')[2])).toEqual(['0', '25', '50', '75', '100']);
  }, 30_000);

  it('stops on Ctrl-C with 130, sending STOP and SHUTDOWN', async () => {
    const e = await emulator();
    let killed = false;
    const run = await ace(['--port', String(e.port), 'play', 'series'], {
      onStdout: (text, kill) => {
        if (!killed && text.includes('/content/')) {
          killed = true;
          kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(130);
    await new Promise((r) => setTimeout(r, 50));
    expect(sent(e).slice(-2)).toEqual(['STOP', 'SHUTDOWN']);
  }, 30_000);
});

describe('ace-rx watch', () => {
  /** Runs `ace-rx watch` until its output shows `needle`, then presses Ctrl-C. */
  async function watchUntil(args: string[], needle: string): Promise<{ run: Run; engine: Emulator }> {
    const e = await emulator({ askUserData: true });
    let stopped = false;
    const run = await ace(['--port', String(e.port), 'watch', ...args], {
      onStdout: (text, kill) => {
        if (!stopped && text.includes(needle)) {
          stopped = true;
          kill('SIGINT');
        }
      },
    });
    return { run, engine: e };
  }

  it('prints every engine message, one JSON object per line with --json, keyed event like play --json (kind kept one release), then the end line on Ctrl-C', async () => {
    const { run, engine: e } = await watchUntil(['--json'], 'getuserdata');
    expect(run.code).toBe(130); // Ctrl-C
    const messages = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(messages).toContainEqual({ event: 'EVENT', kind: 'EVENT', name: 'getuserdata', params: {} });
    expect(messages[0]).toMatchObject({ event: 'HELLOTS', kind: 'HELLOTS' });
    for (const m of messages) expect(typeof m['event']).toBe('string');
    expect(messages.at(-1)).toEqual({ event: 'end', exit: 130 });
    expect(messages.at(-2)).toMatchObject({ event: 'error', exit: 130 });
    expect(sent(e)).toContain('USERDATA [{"gender": 1}, {"age": 4}]');
  }, 30_000);

  it('prints messages for people without --json', async () => {
    const { run } = await watchUntil([], 'getuserdata');
    expect(run.code).toBe(130); // Ctrl-C
    expect(run.stdout).toContain('EVENT     getuserdata {}');
  }, 30_000);
});

describe('exit codes', () => {
  it('3 when no engine answers', async () => {
    const run = await ace(['--port', '1', 'info']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot connect to the engine at 127.0.0.1:1');
  }, 30_000);

  it('4 when the handshake is refused', async () => {
    const e = await emulator({ productKey: 'not-the-default' });
    const run = await ace(['--port', String(e.port), 'info']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('NOTREADY');
  }, 30_000);

  it('5 when the content is not found, 5 when it fails', async () => {
    const e = await emulator();
    expect((await ace(['--port', String(e.port), 'play', 'no-such-content'])).code).toBe(5);
    const broken = await ace(['--port', String(e.port), 'play', 'broken']);
    expect(broken.code).toBe(5);
    expect(broken.stderr).toContain('Cannot start: no seeds available');
  }, 30_000);

  it('6 when the engine does not answer in time', async () => {
    const e = await emulator({ faults: { silentAfterLines: 0 } });
    const run = await ace(['--port', String(e.port), '--timeout', '300', 'info']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('within 300 ms');
  }, 30_000);

  it('2 for bad arguments', async () => {
    expect((await ace(['play'])).code).toBe(2);
    expect((await ace(['--port', 'x', 'info'])).code).toBe(2);
    expect((await ace(['play', 'series', '--as', 'nonsense'])).code).toBe(2);
  }, 30_000);

  it('uses the environment for the engine address and key', async () => {
    const e = await emulator({ productKey: 'env-key' });
    const run = await new Promise<number | null>((resolve) => {
      const child = spawn(ACE_RX[0]!, [...ACE_RX.slice(1), 'info'], {
        cwd: root,
        stdio: 'ignore',
        env: { ...process.env, ACE_RX_HOST: '127.0.0.1', ACE_RX_PORT: String(e.port), ACE_RX_HTTP_PORT: String(DEAD_PORT), ACE_RX_PRODUCT_KEY: 'env-key' },
      });
      child.on('exit', resolve);
    });
    expect(run).toBe(0);
    expect(DEFAULT_PRODUCT_KEY).not.toBe('env-key');
  }, 30_000);
});
