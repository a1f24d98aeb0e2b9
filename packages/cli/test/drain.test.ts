// `ace-rx serve --drain`, on the real process: the first SIGTERM drains (/healthz 503 at
// once, new viewers 503 with Retry-After, current ones go on) and the command exits 0
// when the last viewer leaves; a second SIGTERM closes at once.
import { describe, expect, it } from '@jest/globals';
import { get, type ClientRequest } from 'node:http';
import { DEAD_PORT, start, waitFor, type Running } from './helpers.js';

/** A viewer reading a URL's body, counting its bytes. */
function watch(url: string): { received: () => number; status: Promise<number>; ended: Promise<void>; close: () => void } {
  let received = 0;
  let req: ClientRequest;
  let ended: () => void = () => undefined;
  const endedP = new Promise<void>((r) => (ended = r));
  const status = new Promise<number>((resolve, reject) => {
    req = get(url, { agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('close', ended);
    });
    req.on('error', (e) => {
      reject(e);
      ended();
    });
  });
  status.catch(() => undefined);
  return { received: () => received, status, ended: endedP, close: () => req.destroy() };
}

/** Status and headers of a GET (the body is dropped). */
function head(url: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
    }).on('error', reject);
  });
}

async function serving(args: string[]): Promise<{ run: Running; base: string }> {
  const run = start(['serve', '--emulate', '--port', '0', '--engine', `127.0.0.1:${DEAD_PORT}`, '--linger', '100', ...args], { timeoutMs: 20_000 });
  await waitFor(() => /play: +http:\/\/127\.0\.0\.1:\d+/.test(run.output().stderr), 'the play line', 15_000);
  const base = /play: +(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stderr)![1]!;
  return { run, base };
}

describe('ace-rx serve --drain', () => {
  it('SIGTERM: /healthz 503 within a second, new viewers 503 with Retry-After, the viewer goes on; exit 0 once it leaves', async () => {
    const { run, base } = await serving(['--drain', '15000']);
    const viewer = watch(`${base}/ace/getstream?id=live`);
    try {
      expect(await viewer.status).toBe(200);
      await waitFor(() => viewer.received() > 100_000, 'bytes to the viewer', 10_000);
      run.signal('SIGTERM');
      const signalled = performance.now();
      let health = await head(`${base}/healthz`);
      while (health.status !== 503 && performance.now() - signalled < 1_000) health = await head(`${base}/healthz`);
      expect(health.status).toBe(503);
      expect(performance.now() - signalled).toBeLessThan(1_000);
      expect(JSON.parse(health.body)).toMatchObject({ draining: true });
      expect(JSON.parse((await head(`${base}/status`)).body)).toMatchObject({ draining: true, viewers: 1 });
      const refused = await head(`${base}/ace/getstream?id=live`);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toMatch(/^\d+$/);
      const before = viewer.received();
      await waitFor(() => viewer.received() > before + 200_000, 'bytes to the viewer while draining', 5_000);
      viewer.close();
      const result = await run.done;
      expect(result.code).toBe(0);
      expect(result.exitMs!).toBeLessThan(5_000);
      expect(result.stderr).toContain('draining');
    } finally {
      viewer.close();
      run.child.kill('SIGKILL');
    }
  });

  it('a second SIGTERM during the drain closes at once, ending the viewer', async () => {
    const { run, base } = await serving([]);
    const viewer = watch(`${base}/ace/getstream?id=live`);
    try {
      expect(await viewer.status).toBe(200);
      await waitFor(() => viewer.received() > 100_000, 'bytes to the viewer', 10_000);
      run.signal('SIGTERM');
      await waitFor(() => run.output().stderr.includes('draining for up to 30000 ms'), 'the drain line', 5_000);
      run.child.kill('SIGTERM');
      const result = await run.done;
      expect(result.exitMs!).toBeLessThan(3_000);
      expect(result.stderr).toContain('closing at once');
      await viewer.ended;
    } finally {
      viewer.close();
      run.child.kill('SIGKILL');
    }
  });
});
