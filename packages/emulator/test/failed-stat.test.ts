import { afterEach, describe, expect, it } from '@jest/globals';
import { decodeStartResponse, decodeStatResponse, type StatResponse } from '@ace-rx/codec/http';
import type { Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake } from './helpers.js';
import type { RawClient } from './raw-client.js';

// A content that fails (the catalogue's `broken`: "Cannot start: no seeds available") has
// an honest stat on both APIs: the error and its message, and no progress, no peers, no
// bytes, never a whole file downloaded.

let engine: Emulator | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await engine?.close();
  engine = undefined;
});

const MESSAGE = 'Cannot start: no seeds available';

describe("a failed content's stat", () => {
  it('TCP API: STATE 6 and STATUS main:err;2;<message> only, also when polled, never a progress', async () => {
    engine = await fastEmulator();
    ({ client } = await handshake(engine));
    client.send('START PID broken 0');
    const seen = await client.until((m) => m.kind === 'STATUS' && m.main.state === 'err');
    // The keyed generation's starting and loading come first (no numbers in either), then the error.
    expect(seen.filter((m) => m.kind === 'STATUS')).toEqual([
      { kind: 'STATUS', main: { state: 'starting' } },
      { kind: 'STATUS', main: { state: 'loading' } },
      { kind: 'STATUS', main: { state: 'err', errorId: 2, errorMessage: MESSAGE } },
    ]);
    expect(seen).toContainEqual({ kind: 'STATE', state: 6 });
    client.send('STATUS'); // a poll
    const later = await client.linesWithin(150);
    const statuses = later.filter((line) => line.startsWith('STATUS'));
    expect(statuses.length).toBeGreaterThan(0);
    for (const line of statuses) expect(line).toBe(`STATUS main:err;2;${MESSAGE}`);
    expect(later.some((line) => /^(START|PLAY)\b/.test(line))).toBe(false);
  });

  it('HTTP API: while it tries and once it failed: no progress, no peers, no speed, no bytes; then err with error_message', async () => {
    engine = await fastEmulator({ timing: { prebufferMs: 300 } });
    const base = `http://127.0.0.1:${engine.httpPort}`;
    const started = decodeStartResponse(await (await fetch(`${base}/ace/getstream?content_id=broken&format=json`)).text());
    if (started._tag === 'Left') throw new Error('start failed');
    const stat = async (): Promise<StatResponse> => {
      const decoded = decodeStatResponse(await (await fetch(started.right.statUrl)).text());
      if (decoded._tag === 'Left') throw new Error('stat failed');
      return decoded.right;
    };
    const nothing = { peers: 0, speedDown: 0, speedUp: 0, downloaded: 0, uploaded: 0, progress: 0, totalProgress: 0 };
    const trying = await stat();
    expect(trying).toMatchObject({ status: 'prebuf', ...nothing });
    expect(trying.errorMessage).toBeUndefined();
    const deadline = Date.now() + 5000;
    let failed = trying;
    while (failed.status !== 'err' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      failed = await stat();
    }
    expect(failed).toMatchObject({ status: 'err', errorMessage: MESSAGE, ...nothing });
    expect(failed.diskCacheStats?.activeInuse).toBe(0);
  });
});
