// `ace-rx serve --max-streams / --max-viewers / --max-viewers-per-stream`: the gateway's
// limits from the command line (sizing a fleet needs them: docs/deploy.md).
import { describe, expect, it } from '@jest/globals';
import { get } from 'node:http';
import { ace, DEAD_PORT, start, waitFor } from './helpers.js';

function status(url: string): Promise<{ status: number; body: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body.length < 1_000 ? (body += c.toString('latin1')) : undefined));
      resolve({ status: res.statusCode ?? 0, get body() { return body; }, close: () => req.destroy() } as { status: number; body: string; close: () => void });
    });
    req.on('error', reject);
  });
}

describe('ace-rx serve limits', () => {
  it('--max-viewers-per-stream 1: a second viewer of the content gets 503 AT_CAPACITY; a bad value is exit 2', async () => {
    const bad = await ace(['serve', '--port', '0', '--max-streams', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-streams must be a positive integer/);
    const run = start(['serve', '--emulate', '--port', '0', '--engine', `127.0.0.1:${DEAD_PORT}`, '--max-viewers-per-stream', '1', '--drain', '0'], { timeoutMs: 20_000 });
    try {
      await waitFor(() => /play: +http:\/\/127\.0\.0\.1:\d+/.test(run.output().stderr), 'the play line', 15_000);
      const base = /play: +(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stderr)![1]!;
      const first = await status(`${base}/ace/getstream?id=live`);
      expect(first.status).toBe(200);
      const second = await status(`${base}/ace/getstream?id=live`);
      expect(second.status).toBe(503);
      await waitFor(() => second.body.includes('maxViewersPerStream'), 'the limit named', 2_000);
      first.close();
      second.close();
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
