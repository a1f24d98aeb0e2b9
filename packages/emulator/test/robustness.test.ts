import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_PRODUCT_KEY, readyKey } from '@ace-rx/codec';
import { decodeStartResponse } from '@ace-rx/codec/http';
import { DEFAULT_CATALOGUE, type Content, type Emulator, type EmulatorErrorSource, type EmulatorOptions } from '@ace-rx/emulator';
import { fastEmulator, handshake, isPlayback } from './helpers.js';
import type { RawClient } from './raw-client.js';

let engine: Emulator | undefined;
const clients: RawClient[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  await engine?.close();
  engine = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const SERIES = '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b';
const LOAD_FAILED = { response: null, error: 'failed to load content' };
const UNKNOWN_SESSION = { response: null, error: 'unknown playback session id' };

async function start(options: EmulatorOptions = {}): Promise<string> {
  engine = await fastEmulator(options);
  return `http://127.0.0.1:${engine.httpPort}`;
}

/** Polls `done` every 10 ms until it holds, or fails after `ms`. */
async function waitFor(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The heap and the array buffers, after a full GC. */
function retainedBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Starts an HTTP API session with format=json; its decoded start response. */
async function started(base: string, query: string) {
  const body = await (await fetch(`${base}${query}&format=json`)).text();
  const decoded = decodeStartResponse(body);
  if (decoded._tag === 'Left') throw new Error(`start failed: ${body}`);
  return decoded.right;
}

const alive = async (base: string) => (await fetch(`${base}/webui/api/service?method=get_version`)).status === 200;

/** A content whose one video file is a real file on disk (which a test may then delete). */
function diskContent(infohash: string, playerId: string): { content: Content; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ace-rx-robust-'));
  dirs.push(dir);
  const path = join(dir, 'film.mp4');
  writeFileSync(path, Buffer.alloc(4096, 7));
  return { content: { infohash, playerId, files: [{ name: 'film.mp4', path }] }, path };
}

describe('file indexes outside the content (D1)', () => {
  it.each([
    ['/ace/getstream', 'series', '-1'],
    ['/ace/getstream', 'series', '-2'],
    ['/ace/getstream', 'series', '3'],
    ['/ace/manifest.m3u8', 'series', '-1'],
    ['/ace/getstream', 'live', '-1'],
    ['/ace/manifest.m3u8', 'live', '1'],
  ])('%s content_id=%s _idx=%s: failed to load content, no session, the engine goes on', async (path, id, idx) => {
    const base = await start();
    const response = await fetch(`${base}${path}?format=json&content_id=${id}&_idx=${idx}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(LOAD_FAILED);
    // Without format=json too: the same envelope, no redirect to a session.
    const redirect = await fetch(`${base}${path}?content_id=${id}&_idx=${idx}`, { redirect: 'manual' });
    expect(redirect.status).toBe(200);
    expect(await redirect.json()).toEqual(LOAD_FAILED);
    expect(engine!.httpApi.sessions.all()).toEqual([]);
    expect(await alive(base)).toBe(true);
  });

  it('still plays a file index inside the content (_idx=2 of three)', async () => {
    const base = await start();
    const s = await started(base, '/ace/getstream?content_id=series&_idx=2');
    const stat = (await (await fetch(s.statUrl)).json()) as { response: { selected_file_index: number } };
    expect(stat.response.selected_file_index).toBe(2);
  });

  it('TCP API: START with a file index past the end fails as unknown content; a negative one is ignored as malformed', async () => {
    const base = await start();
    const { client } = await handshake(engine!);
    clients.push(client);
    client.send('START PID series 5');
    const answer = await client.until((m) => m.kind === 'STATUS' && m.main.state === 'err');
    expect(answer.some((m) => m.kind === 'STATE' && m.state === 6)).toBe(true);
    client.send('START PID series -1'); // the codec rejects it: noted and ignored
    client.send('STATUS');
    expect(await client.message()).toEqual({ kind: 'STATUS', main: { state: 'idle' } });
    expect(engine!.sessions[0]!.transcript.some((e) => e.direction === '!!' && e.line.startsWith('ignored:'))).toBe(true);
    expect(await alive(base)).toBe(true);
  });
});

describe('a handler that throws never ends the process (D1)', () => {
  it('HTTP API: a throw while routing is answered 500 and reported, and the engine goes on', async () => {
    const { content, path } = diskContent('e'.repeat(40), 'disk');
    const errors: [unknown, EmulatorErrorSource][] = [];
    const base = await start({ catalogue: [content], onError: (error, source) => errors.push([error, source]) });
    const s = await started(base, '/ace/getstream?content_id=disk');
    rmSync(path); // fileSize now throws (ENOENT) inside the stat handler
    const stat = await fetch(s.statUrl);
    expect(stat.status).toBe(500);
    expect(await stat.text()).toBe('internal error\n');
    expect(errors).toHaveLength(1);
    expect((errors[0]![0] as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(errors[0]![1]).toEqual({ api: 'http', method: 'GET', url: new URL(s.statUrl).pathname });
    expect(await alive(base)).toBe(true);
    // Other routes of the same session still answer.
    expect(await (await fetch(`${s.commandUrl}?method=stop`)).json()).toEqual({ response: 'ok', error: null });
  });

  it('HTTP API: a throw in a held request (after prebuffering, in a timer) is answered 500 too', async () => {
    const { content, path } = diskContent('e'.repeat(40), 'disk');
    const errors: EmulatorErrorSource[] = [];
    const base = await start({ catalogue: [content], timing: { prebufferMs: 300 }, onError: (_error, source) => errors.push(source) });
    await started(base, '/ace/getstream?content_id=disk');
    const [session] = engine!.httpApi.sessions.all();
    rmSync(path);
    const startedAt = Date.now();
    const held = await fetch(`${base}/content/${content.infohash}/${session!.contentKey}`);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200); // it was held until prebuffered
    expect(held.status).toBe(500);
    await held.arrayBuffer();
    expect(errors.map((e) => e.api)).toEqual(['http']);
    expect(await alive(base)).toBe(true);
  });

  it('TCP API: a throw while handling a line is noted in the transcript and the connection goes on', async () => {
    const errors: EmulatorErrorSource[] = [];
    await start({ onError: (_error, source) => errors.push(source) });
    // Unchecked JS can put what the types forbid into the catalogue: LOAD then throws.
    engine!.catalogue.add({ infohash: 'f'.repeat(40), playerId: 'bad', files: [null] } as unknown as Content);
    const { client } = await handshake(engine!);
    clients.push(client);
    client.send('LOAD PID bad');
    client.send('STATUS');
    expect(await client.message()).toEqual({ kind: 'STATUS', main: { state: 'idle' } });
    const session = engine!.sessions[0]!;
    expect(session.transcript.some((e) => e.direction === '!!' && e.line.startsWith('internal error handling LOAD: '))).toBe(true);
    expect(errors).toEqual([{ api: 'tcp', session }]);
    expect(session.isClosed).toBe(false);
  });

  it('TCP API: a throw in a playback timer fails that playback (STATE 6, STATUS err) and nothing else', async () => {
    const { content, path } = diskContent('e'.repeat(40), 'disk');
    const errors: EmulatorErrorSource[] = [];
    await start({ catalogue: [content, ...DEFAULT_CATALOGUE], onError: (_error, source) => errors.push(source) });
    rmSync(path); // announcing the file (after prebuffering) stats it: ENOENT in the tick
    const { client } = await handshake(engine!);
    clients.push(client);
    client.send('START PID disk 0');
    const lines = await client.until((m) => m.kind === 'STATUS' && m.main.state === 'err', 5000);
    expect(lines.some(isPlayback)).toBe(false);
    expect(lines.some((m) => m.kind === 'STATE' && m.state === 6)).toBe(true);
    expect(engine!.sessions[0]!.transcript.some((e) => e.line.startsWith('internal error playing: '))).toBe(true);
    expect(errors.map((e) => e.api)).toEqual(['tcp']);
    // The engine still serves others.
    const again = await handshake(engine!);
    clients.push(again.client);
    again.client.send('START PID series 0');
    await again.client.until(isPlayback, 5000);
  });
});

describe('transcript entries are capped (D2)', () => {
  it('keeps the first transcriptEntryChars of a long line and its length, so long lines cost no memory', async () => {
    engine = await fastEmulator();
    const lineChars = 256 * 1024;
    const linesPerSession = 120;
    const line = Buffer.concat([Buffer.alloc(lineChars, 0x41), Buffer.from('\r\n')]);
    const before = retainedBytes();
    for (let k = 0; k < 3; k++) {
      const socket = connect(engine.port, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      for (let i = 0; i < linesPerSession; i++) await new Promise<void>((resolve) => socket.write(line, () => resolve()));
      const session = engine.sessions[k]!;
      await waitFor(() => session.transcript.filter((e) => e.direction === '>>').length === linesPerSession, 20000, 'every line to be read');
      socket.destroy();
      await waitFor(() => session.isClosed, 5000, 'the session to close');
    }
    // The sessions are kept (closedSessionHistory 50), their transcripts full of long lines.
    expect(engine.sessions).toHaveLength(3);
    const entry = engine.sessions[0]!.transcript.find((e) => e.direction === '>>')!;
    expect(entry.line).toBe(`${'A'.repeat(1024)}… (${lineChars} characters, ${lineChars - 1024} not kept)`);
    // 360 lines of 256 KiB kept whole would be 90 MiB; capped they are ~400 KB.
    expect(retainedBytes() - before).toBeLessThan(16 * MiB);
  }, 120000);

  it('takes another cap (transcriptEntryChars) and keeps short lines whole', async () => {
    engine = await fastEmulator({ transcriptEntryChars: 8 });
    const { client } = await handshake(engine);
    clients.push(client);
    client.send('SETOPTIONS use_stop_notifications=1');
    client.send('STATUS');
    await client.message();
    const lines = engine.sessions[0]!.transcript.map((e) => e.line);
    expect(lines).toContain('SETOPTIO… (35 characters, 27 not kept)');
    expect(lines).toContain('STATUS');
  });
});

describe('HTTP API sessions are bounded (D5)', () => {
  it('forgets ended sessions beyond endedSessionHistory: memory stays flat over many starts', async () => {
    const base = await start({ httpApi: { endedSessionHistory: 10 } });
    const pid = 'p'.repeat(8000);
    const first = await started(base, `/ace/getstream?content_id=series&pid=first`);
    const startMany = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await (await fetch(`${base}/ace/getstream?format=json&content_id=series&pid=${pid}${i}`)).text();
    };
    await startMany(0, 300);
    const before = retainedBytes();
    await startMany(300, 2300);
    const growth = retainedBytes() - before;
    // Each start displaces the last: one live session, ten remembered.
    expect(engine!.httpApi.sessions.liveCount).toBe(1);
    expect(engine!.httpApi.sessions.all().length).toBeLessThanOrEqual(11);
    // 2000 sessions with 8 KB pids kept would be well over 16 MiB.
    expect(growth).toBeLessThan(6 * MiB);
    // A forgotten session answers as an unknown one.
    expect(await (await fetch(first.statUrl)).json()).toEqual(UNKNOWN_SESSION);
    expect((await fetch(first.playbackUrl, { redirect: 'manual' })).status).toBe(500);
  }, 120000);

  it('remembers recently ended ones: stop twice still answers unknown playback session id, displaced still 403', async () => {
    const base = await start({ httpApi: { endedSessionHistory: 2 } });
    const a = await started(base, '/ace/getstream?content_id=series&pid=a');
    const b = await started(base, '/ace/getstream?content_id=series&pid=b'); // displaces a
    expect((await fetch(a.playbackUrl, { redirect: 'manual' })).status).toBe(403);
    expect(await (await fetch(`${b.commandUrl}?method=stop`)).json()).toEqual({ response: 'ok', error: null });
    expect(await (await fetch(`${b.commandUrl}?method=stop`)).json()).toEqual(UNKNOWN_SESSION);
    expect((await fetch(b.playbackUrl, { redirect: 'manual' })).status).toBe(500);
    expect(engine!.httpApi.sessions.all().map((s) => s.endedBy)).toEqual(['displaced', 'stop']);
  });

  it('caps live sessions at maxSessions: a start beyond it ends the least recently used', async () => {
    const contents: Content[] = Array.from({ length: 8 }, (_, i) => ({
      infohash: i.toString(16).repeat(40),
      playerId: `c${i}`,
      files: [{ name: `c${i}.mp4`, size: 1000 }],
    }));
    const base = await start({ catalogue: contents, httpApi: { maxSessions: 5 } });
    const all = [];
    for (let i = 0; i < 8; i++) {
      all.push(await started(base, `/ace/getstream?content_id=c${i}`));
      if (i === 4) await fetch(all[0]!.statUrl); // c0 used again: c1 is now the least recently used
    }
    expect(engine!.httpApi.sessions.liveCount).toBe(5);
    const states = engine!.httpApi.sessions.all().map((s) => `${s.content.playerId}:${s.endedBy ?? 'live'}`);
    expect(states).toEqual(['c0:live', 'c1:limit', 'c2:limit', 'c3:limit', 'c4:live', 'c5:live', 'c6:live', 'c7:live']);
    expect(await (await fetch(all[1]!.statUrl)).json()).toEqual(UNKNOWN_SESSION);
    expect((await fetch(all[0]!.statUrl)).status).toBe(200);
  });

  it('ends a session idle for sessionIdleTimeoutMs, not one that is asked about or read', async () => {
    const base = await start({ httpApi: { sessionIdleTimeoutMs: 400 } });
    const idle = await started(base, '/ace/getstream?content_id=series');
    const polled = await started(base, '/ace/manifest.m3u8?content_id=with-ads');
    const read = await started(base, '/ace/getstream?content_id=live');
    await sleep(100); // prebuffered (40 ms)
    const stream = await fetch(read.playbackUrl); // follows /ace/r to the endless live stream
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    try {
      const until = Date.now() + 1200;
      while (Date.now() < until) {
        expect((await fetch(polled.statUrl)).status).toBe(200);
        await reader.read();
        await sleep(100);
      }
      expect(await (await fetch(idle.statUrl)).json()).toEqual(UNKNOWN_SESSION);
      const byToken = new Map(engine!.httpApi.sessions.all().map((s) => [s.content.playerId, s]));
      expect(byToken.get('series')!.endedBy).toBe('idle');
      expect(byToken.get('with-ads')!.state).toBe('active');
      expect(byToken.get('live')!.state).toBe('active');
    } finally {
      await reader.cancel();
    }
  }, 20000);
});

describe('Range on the HTTP API /content/ URLs (D6, D7)', () => {
  async function contentUrl(base: string): Promise<string> {
    const s = await started(base, '/ace/getstream?content_id=series');
    await sleep(100);
    const redirect = await fetch(s.playbackUrl, { redirect: 'manual' });
    return redirect.headers.get('location')!;
  }
  const SIZE = 6 * MiB;

  it('HEAD ignores Range: 200 and the full length, as on the TCP API file URLs', async () => {
    const url = await contentUrl(await start());
    for (const range of ['bytes=0-9', 'bytes=5-1', `bytes=${SIZE}-`]) {
      const response = await fetch(url, { method: 'HEAD', headers: { Range: range } });
      expect([range, response.status]).toEqual([range, 200]);
      expect(response.headers.get('content-length')).toBe(String(SIZE));
      expect(response.headers.get('content-range')).toBeNull();
    }
  });

  it('GET follows the same RFC 9110 rule as the TCP API server', async () => {
    const url = await contentUrl(await start());
    const invalid = await fetch(url, { headers: { Range: 'bytes=5-1' } });
    expect(invalid.status).toBe(200);
    expect((await invalid.arrayBuffer()).byteLength).toBe(SIZE);
    const huge = await fetch(url, { headers: { Range: 'bytes=6291400-99999999999999999999' } });
    expect(huge.status).toBe(206);
    expect(huge.headers.get('content-range')).toBe(`bytes 6291400-${SIZE - 1}/${SIZE}`);
    expect((await huge.arrayBuffer()).byteLength).toBe(SIZE - 6291400);
    const past = await fetch(url, { headers: { Range: 'bytes=99999999999999999999-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    await past.arrayBuffer();
  });
});

describe('unsent output is bounded (maxUnsentBytes)', () => {
  it('closes a TCP API connection whose client reads nothing while asking for more', async () => {
    engine = await fastEmulator({ maxUnsentBytes: 256 * 1024 });
    const socket = connect(engine.port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write('HELLOBG version=4\r\n');
    await waitFor(() => /key=(\w+)/.test(text), 5000, 'HELLOTS');
    socket.write(`READY key=${readyKey(/key=(\w+)/.exec(text)![1]!, DEFAULT_PRODUCT_KEY)}\r\nSTART PID series 0\r\n`);
    await waitFor(() => text.includes('START url='), 5000, 'the playback URL');
    socket.pause(); // from now on it reads nothing
    // Each STATUS poll (8 bytes) of a playing session is answered by a ~100-byte line.
    const polls = Buffer.from('STATUS\r\n'.repeat(20_000));
    const session = engine.sessions[0]!;
    for (let i = 0; i < 20 && !session.isClosed; i++) {
      await new Promise<void>((resolve) => socket.write(polls, () => resolve()));
      await sleep(20);
    }
    await waitFor(() => session.isClosed, 10000, 'the engine to close the connection');
    expect(session.transcript.some((e) => e.direction === '!!' && / bytes unsent \(over 262144\): the client reads too little, closing$/.test(e.line))).toBe(true);
  }, 30000);
});
