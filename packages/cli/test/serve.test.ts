import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '../src/serve.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Reads `bytes` of a URL's body, then hangs up; resolves with the status, type and bytes read. */
function firstBytes(url: string, bytes: number): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        if (n >= bytes) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

describe('ace-rx serve', () => {
  it('serve() with emulate and no engine answering serves the live channel from the embedded emulator', async () => {
    const lines: string[] = [];
    const serving = await serve({ port: 0, engines: [`127.0.0.1:${await deadPort()}`], emulate: true, lingerMs: 50 }, (l) => lines.push(l));
    try {
      expect(serving.emulator).toBeDefined();
      const r = await firstBytes(`http://127.0.0.1:${serving.gateway.port}/ace/getstream?id=live`, 64 * 1024);
      expect(r.status).toBe(200);
      expect(r.type).toBe('video/mp2t');
      expect(r.body[0]).toBe(0x47);
      expect(lines.join('\n')).toMatch(/embedded emulator/);
      expect(lines.join('\n')).toMatch(/getstream\?id=live/);
    } finally {
      await serving.close();
    }
  });

  it('--api http serves from the HTTP API (here the emulator\'s), and a malformed --engine is refused', async () => {
    const serving = await serve({ port: 0, api: 'http', engines: [`127.0.0.1:${await deadPort()}`], emulate: true, lingerMs: 50 }, () => undefined);
    try {
      const r = await firstBytes(`http://127.0.0.1:${serving.gateway.port}/ace/getstream?id=live`, 64 * 1024);
      expect(r.status).toBe(200);
      expect(r.body[0]).toBe(0x47);
      expect(serving.gateway.status().engines[0]!.name).toMatch(/^http /);
    } finally {
      await serving.close();
    }
    await expect(serve({ engines: ['host:notaport'], port: 0 }, () => undefined)).rejects.toThrow(/HOST:PORT/);
  });

  it('the real command: ace-rx serve --emulate --port 0 prints its URL, serves it, and closes on SIGTERM with exit 143', async () => {
    const dead = await deadPort();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ace-rx/source', 'packages/cli/src/bin.ts', 'serve', '--emulate', '--port', '0', '--engine', `127.0.0.1:${dead}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ACE_RX_HOST: '', ACE_RX_PORT: '', ACE_RX_PRODUCT_KEY: '' },
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const match = /play: +(http:\/\/127\.0\.0\.1:\d+\/ace\/getstream\?id=live)/.exec(stderr);
          if (match !== null) resolve(match[1]!);
        });
        void exited.then(() => reject(new Error(`ace-rx serve exited early:\n${stderr}`)));
      });
      const r = await firstBytes(url, 32 * 1024);
      expect(r.status).toBe(200);
      expect(r.body[0]).toBe(0x47);
      child.kill('SIGTERM');
      // As every ace-rx command: SIGTERM is exit 143, after the gateway has closed.
      expect(await exited).toBe(143);
      expect(stderr).toContain('ace-rx serve: closing');
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
  });
});
