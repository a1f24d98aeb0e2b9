import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { handshakeOn, isPlayback, urlOf } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts the bin as a user would (from source, so no build is needed) and reads its ports. */
async function startBin(args: string[]): Promise<{ port: number; httpPort: number; output: () => string }> {
  child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ace-rx/source', 'packages/emulator/src/bin.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 15000;
  for (;;) {
    const match = /API on 127\.0\.0\.1:(\d+), HTTP on 127\.0\.0\.1:(\d+)/.exec(output);
    if (match) return { port: Number(match[1]), httpPort: Number(match[2]), output: () => output };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bin did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ace-rx-emulator (the bin)', () => {
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

  it('rejects a bad option with exit code 2 and the usage', async () => {
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
});
