import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_KEY, readyKey } from '@ace-rx/codec';
import { handshakeOn, isPlayback, urlOf } from './helpers.js';
import { RawClient } from './raw-client.js';

const root = join(import.meta.dirname, '..', '..', '..');
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/**
 * The bin from its sources, bundled by the suites' global setup (scripts/jest-global-setup.js):
 * a fifth of the CPU of a start through tsx. The test of a bad option runs it through tsx,
 * as `pnpm emulator` does.
 */
const BIN = [join(root, 'node_modules/.cache/ace-rx-test/ace-rx-emulator.mjs')];

/** Starts the bin and reads its ports. */
async function startBin(args: string[]): Promise<{ port: number; httpPort: number; output: () => string }> {
  child = spawn(process.execPath, [...BIN, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 15000;
  for (;;) {
    // The banner is two lines, which may come in two chunks: wait for its end.
    const match = /API on 127\.0\.0\.1:(\d+), HTTP on 127\.0\.0\.1:(\d+)/.exec(output);
    if (match && output.includes('(Ctrl-C to stop)')) return { port: Number(match[1]), httpPort: Number(match[2]), output: () => output };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bin did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the bin to its exit; returns the exit code and what it wrote to stderr and stdout. */
async function runBin(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  child = spawn(process.execPath, [...BIN, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => child?.kill('SIGKILL'), 20000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr, stdout };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ace-rx-emulator-bin-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('ace-rx-emulator (the bin)', () => {
  it('says in one line, with a non-zero exit, that a port is in use', async () => {
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as { port: number }).port;
    try {
      for (const [flags, option] of [[['--port', String(port), '--http-port', '0'], '--port'], [['--port', '0', '--http-port', String(port)], '--http-port']] as const) {
        const { code, stderr, stdout } = await runBin([...flags]);
        expect(code).toBe(1);
        expect(stderr).toBe(`ace-rx-emulator: 127.0.0.1:${port} is already in use (${option}); stop what listens there or pick another port\n`);
        expect(stdout).toBe('');
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 60000);

  it('serves the contents of --catalogue FILE.json, asks for user data with --ask-userdata, and takes the public product key', async () => {
    const file = tempFile(
      'mine.json',
      JSON.stringify({ contents: [{ infohash: 'ab'.repeat(20), playerId: 'my-film', files: [{ name: 'My film.mkv', size: 4096 }] }] }),
    );
    const bin = await startBin(['--port', '0', '--http-port', '0', '--status-ms', '5', '--prebuffer-ms', '30', '--ask-userdata', '--catalogue', file]);
    expect(bin.output()).toContain('contents: my-film (Ctrl-C to stop)');
    const client = await RawClient.connect(bin.port);
    try {
      client.send('HELLOBG version=4');
      const hello = await client.message();
      if (hello.kind !== 'HELLOTS' || hello.key === undefined) throw new Error('expected a keyed HELLOTS');
      client.send(`READY key=${readyKey(hello.key, DEFAULT_PRODUCT_KEY)}`); // the codec's key: no --product-key given
      expect(await client.message()).toEqual({ kind: 'AUTH', level: 1 });
      expect(await client.message()).toEqual({ kind: 'EVENT', name: 'getuserdata', params: {} });
      client.send('LOADASYNC 1 PID my-film');
      expect(await client.message()).toMatchObject({ kind: 'LOADRESP', response: { status: 1, files: [{ name: 'My film.mkv', index: 0 }] } });
      client.send('START PID my-film 0');
      const url = urlOf((await client.until(isPlayback, 10000)).pop()!)!;
      const response = await fetch(url);
      expect(response.headers.get('content-type')).toBe('video/x-matroska');
      expect((await response.arrayBuffer()).byteLength).toBe(4096);
    } finally {
      client.close();
    }
  }, 30000);

  it('refuses a catalogue file with a bad field, naming it', async () => {
    const file = tempFile('bad.json', JSON.stringify({ contents: [{ infohash: 'ab'.repeat(20), files: [{ name: 'x.mp4', size: 'big' }] }] }));
    const { code, stderr } = await runBin(['--port', '0', '--http-port', '0', '--catalogue', file]);
    expect(code).toBe(2);
    expect(stderr).toBe(`ace-rx-emulator: --catalogue ${file}: contents[0].files[0].size must be a non-negative integer (bytes), got "big"\n`);
    const notJson = tempFile('broken.json', '{"contents": [');
    const broken = await runBin(['--port', '0', '--http-port', '0', '--catalogue', notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^ace-rx-emulator: --catalogue ${notJson}: not JSON \\(.+\\)\\n$`));
  }, 60000);

  it('checks READY against --product-key when given', async () => {
    const bin = await startBin(['--port', '0', '--http-port', '0', '--quiet', '--product-key', 'mine-secret']);
    const client = await RawClient.connect(bin.port);
    try {
      client.send('HELLOBG version=4');
      const hello = await client.message();
      if (hello.kind !== 'HELLOTS' || hello.key === undefined) throw new Error('expected a keyed HELLOTS');
      client.send(`READY key=${readyKey(hello.key, DEFAULT_PRODUCT_KEY)}`);
      expect(await client.message()).toEqual({ kind: 'NOTREADY' });
      client.send(`READY key=${readyKey(hello.key, 'mine-secret')}`);
      expect(await client.message()).toEqual({ kind: 'AUTH', level: 1 });
    } finally {
      client.close();
    }
  }, 30000);

  it('serves a whole session from a shell, prints it, and stops cleanly on Ctrl-C', async () => {
    const bin = await startBin(['--port', '0', '--http-port', '0', '--status-ms', '5', '--prebuffer-ms', '30']);
    const { client } = await handshakeOn(bin.port);
    client.send('START PID series 0');
    const url = urlOf((await client.until(isPlayback)).pop()!)!;
    expect(url.startsWith(`http://127.0.0.1:${bin.httpPort}/`)).toBe(true);
    const response = await fetch(url, { headers: { Range: 'bytes=0-1023' } });
    expect((await response.arrayBuffer()).byteLength).toBe(1024);
    client.close();
    expect(bin.output()).toMatch(/\[\d+\] >> START PID series 0/);
    child!.kill('SIGINT');
    const [code] = (await once(child!, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(bin.output()).toContain('stopping');
  }, 30000);

  it('rejects a bad option with exit code 2 and the usage (run from its sources through tsx, as `pnpm emulator` does)', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ace-rx/source', 'packages/emulator/src/bin.ts', '--port', 'x'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(errors).toContain('--port must be a non-negative integer');
  }, 30000);

  it('writes --advertise-host into the URLs of both APIs, and refuses one no URL can hold', async () => {
    const { port, httpPort, output } = await startBin(['--port', '0', '--http-port', '0', '--advertise-host', 'engine.invalid', '--prebuffer-ms', '50', '--status-ms', '10']);
    const answer = (await (await fetch(`http://127.0.0.1:${httpPort}/ace/getstream?format=json&id=series`)).json()) as { response: Record<string, unknown> };
    const { playback_url, stat_url, command_url } = answer.response;
    for (const url of [playback_url, stat_url, command_url]) expect(url).toMatch(new RegExp(`^http://engine\\.invalid:${httpPort}/ace/`));
    // Its stop, asked on the host that answers.
    await fetch(`${String(command_url).replace('engine.invalid', '127.0.0.1')}?method=stop`);
    const { client } = await handshakeOn(port);
    try {
      client.send('START PID series 0');
      const url = urlOf((await client.until(isPlayback, 10000)).pop()!)!;
      expect(url).toMatch(new RegExp(`^http://engine\\.invalid:${httpPort}/content/`));
    } finally {
      client.close();
    }
    expect(output()).toContain(`HTTP on 127.0.0.1:${httpPort}; its URLs name engine.invalid`);
    expect(output()).toMatch(/<< START .*engine\.invalid/);
    child?.kill('SIGKILL');
    const bad = await runBin(['--port', '0', '--http-port', '0', '--advertise-host', 'a b']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--advertise-host must be a host or host:port, got "a b"');
  }, 30000);
});
