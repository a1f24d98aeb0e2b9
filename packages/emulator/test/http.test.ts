import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileBytes, resolveRange, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake, isPlayback, urlOf } from './helpers.js';
import type { RawClient } from './raw-client.js';

let engine: Emulator | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  client?.close();
  await engine?.close();
  engine = undefined;
});

/** Starts a content's file and returns the URL the engine announced. */
async function started(source: string): Promise<string> {
  engine ??= await fastEmulator();
  ({ client } = await handshake(engine));
  client.send(`START ${source}`);
  return urlOf((await client.until(isPlayback)).pop()!)!;
}

const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

/** A raw GET with a path as written (fetch would normalise `..` away before sending). */
function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends `head` as written over a raw TCP socket (no client adds a Host header) and
 * returns the status line, the headers and the body bytes read until the peer closes
 * or `bodyBytes` arrived.
 */
function rawHttp(port: number, head: string, bodyBytes: number): Promise<{ status: string; headers: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no full answer within 10 s: ${Buffer.concat(chunks).subarray(0, 300).toString()}`));
    }, 10000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const text = all.subarray(0, end).toString('latin1');
      resolve({ status: text.split('\r\n')[0]!, headers: text, body: all.subarray(end + 4) });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end !== -1 && all.length - end - 4 >= bodyBytes) finish();
    });
    socket.on('close', finish);
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('the embedded HTTP server', () => {
  it('serves the announced file whole: the catalogue bytes, with type and length', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-length')).toBe(String(8 * 1024 * 1024));
    const content = engine!.catalogue.byHash(SEED)!;
    expect(Buffer.compare(await bytesOf(response), fileBytes(content, 0))).toBe(0);
  });

  it.each([
    ['start', 'bytes=0-99', 0, 99],
    ['middle', 'bytes=4000000-4000999', 4000000, 4000999],
    ['end, open-ended', `bytes=${8 * 1024 * 1024 - 10}-`, 8 * 1024 * 1024 - 10, 8 * 1024 * 1024 - 1],
    ['end, suffix', 'bytes=-500', 8 * 1024 * 1024 - 500, 8 * 1024 * 1024 - 1],
    ['past the end, clamped', `bytes=100-${10 ** 12}`, 100, 8 * 1024 * 1024 - 1],
  ])('serves a range at the %s with 206 and Content-Range', async (_where, range, start, end) => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    const response = await fetch(url, { headers: { Range: range } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${8 * 1024 * 1024}`);
    expect(response.headers.get('content-length')).toBe(String(end - start + 1));
    const body = await bytesOf(response);
    expect(Buffer.compare(body, fileBytes(engine!.catalogue.byHash(SEED)!, 0, start, end + 1))).toBe(0);
  });

  it('answers an unsatisfiable range with 416 and the size', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    for (const range of [`bytes=${8 * 1024 * 1024}-`, 'bytes=-0', 'bytes=99999999999999999999-']) {
      const response = await fetch(url, { headers: { Range: range } });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${8 * 1024 * 1024}`);
      await response.arrayBuffer();
    }
  });

  it('ignores an invalid range-spec (first > last) and serves the whole file', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    const response = await fetch(url, { headers: { Range: 'bytes=500-100' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect(response.headers.get('content-length')).toBe(String(8 * 1024 * 1024));
    expect((await bytesOf(response)).length).toBe(8 * 1024 * 1024);
    const huge = await fetch(url, { headers: { Range: 'bytes=0-99999999999999999999' } });
    expect(huge.status).toBe(206);
    expect(huge.headers.get('content-range')).toBe(`bytes 0-${8 * 1024 * 1024 - 1}/${8 * 1024 * 1024}`);
    await huge.arrayBuffer();
  });

  it('answers HEAD with the headers and no body', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    const response = await fetch(url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(8 * 1024 * 1024));
    expect((await bytesOf(response)).length).toBe(0);
  });

  it('serves files with non-ASCII names under their type, and nothing that was not announced', async () => {
    const url = await started('PID series 0');
    const response = await fetch(url, { headers: { Range: 'bytes=0-15' } });
    expect(response.headers.get('content-type')).toBe('video/x-matroska');
    await response.arrayBuffer();
    expect((await fetch(url.replace(/\/0$/, '/1'))).status).toBe(404); // file 1 was not started
    expect((await fetch(`http://127.0.0.1:${engine!.httpPort}/`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('reaches nothing outside the catalogue by path traversal', async () => {
    const url = await started('PID series 0');
    const { pathname } = new URL(url);
    for (const path of [`${pathname}/../../../../etc/passwd`, '/../../etc/passwd', '/content/%2e%2e/%2e%2e/etc/passwd', `${pathname}%00`]) {
      expect(await rawGet(engine!.httpPort, path)).toBe(404);
    }
  });

  it('serves GET <path> HTTP/1.1 without a Host header, as a Java client sends it', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    const { pathname } = new URL(url);
    const whole = await rawHttp(engine!.httpPort, `GET ${pathname} HTTP/1.1\r\nConnection: close\r\n\r\n`, 4096);
    expect(whole.status).toBe('HTTP/1.1 200 OK');
    expect(whole.headers).toMatch(/\r\nContent-Length: 8388608\r\n/i);
    const content = engine!.catalogue.byHash(SEED)!;
    expect(Buffer.compare(whole.body.subarray(0, 4096), fileBytes(content, 0, 0, 4096))).toBe(0);
    const part = await rawHttp(engine!.httpPort, `GET ${pathname} HTTP/1.1\r\nRange: bytes=10-19\r\n\r\n`, 10);
    expect(part.status).toBe('HTTP/1.1 206 Partial Content');
    expect(part.headers).toMatch(/\r\nContent-Range: bytes 10-19\/8388608\r\n/i);
    expect(Buffer.compare(part.body, fileBytes(content, 0, 10, 20))).toBe(0);
  });

  it('ignores Range on HEAD: 200 and the full length (RFC 9110)', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    for (const range of ['bytes=0-99', `bytes=${8 * 1024 * 1024}-`]) {
      const response = await fetch(url, { method: 'HEAD', headers: { Range: range } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(8 * 1024 * 1024));
      expect(response.headers.get('content-range')).toBeNull();
      expect(response.headers.get('accept-ranges')).toBe('bytes');
    }
  });

  it('reads the range unit in any case (Bytes=0-9)', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    for (const range of ['Bytes=0-9', 'BYTES=0-9']) {
      const response = await fetch(url, { headers: { Range: range } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 0-9/${8 * 1024 * 1024}`);
      expect((await bytesOf(response)).length).toBe(10);
    }
  });

  it('stops serving a file after STOP', async () => {
    const url = await started(`INFOHASH ${SEED} 0 0 0 0`);
    client!.send('STOP');
    await client!.linesWithin(20);
    expect((await fetch(url)).status).toBe(404);
  });
});

describe('resolveRange, RFC 9110 edge cases', () => {
  const size = 6 * 1024 * 1024;
  it.each([
    ['bytes=5-1', { kind: 'full' }], // first > last: an invalid range-spec, the header is ignored
    ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=-1', { kind: 'partial', start: size - 1, end: size - 1 }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    [`bytes=${size}-`, { kind: 'unsatisfiable' }],
    [`bytes=${size - 1}-`, { kind: 'partial', start: size - 1, end: size - 1 }],
    ['bytes=0-99999999999999999999', { kind: 'partial', start: 0, end: size - 1 }], // 20 digits: to the end, as 15 do
    ['bytes=0-999999999999999', { kind: 'partial', start: 0, end: size - 1 }],
    ['bytes=99999999999999999999-', { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999-99999999999999999999', { kind: 'unsatisfiable' }],
    [`bytes=0-${'9'.repeat(400)}`, { kind: 'partial', start: 0, end: size - 1 }], // past a double's range
    ['bytes=-99999999999999999999', { kind: 'partial', start: 0, end: size - 1 }],
    ['bytes=0001-0002', { kind: 'partial', start: 1, end: 2 }],
    ['BYTES=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=0-1,5-9', { kind: 'full' }],
    ['bytes = 0-9', { kind: 'full' }],
    ['bytes=--1', { kind: 'full' }],
    ['bytes=1e3-2e3', { kind: 'full' }],
    ['bytes=0x10-0x20', { kind: 'full' }],
  ] as const)('%s → %j', (header, expected) => {
    expect(resolveRange(header, size)).toEqual(expected);
  });
});

describe('resolveRange', () => {
  it('ignores what it does not support and clamps the end', () => {
    expect(resolveRange(undefined, 10)).toEqual({ kind: 'full' });
    expect(resolveRange('bytes=0-1,4-5', 10)).toEqual({ kind: 'full' });
    expect(resolveRange('items=0-1', 10)).toEqual({ kind: 'full' });
    expect(resolveRange('bytes=-', 10)).toEqual({ kind: 'full' });
    expect(resolveRange('bytes=2-', 10)).toEqual({ kind: 'partial', start: 2, end: 9 });
    expect(resolveRange('bytes=-20', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(resolveRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('Bytes=2-', 10)).toEqual({ kind: 'partial', start: 2, end: 9 });
  });
});

describe('contents from disk and of every kind', () => {
  it('serves a real file from disk, whole and by range', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-emulator-'));
    try {
      const path = join(dir, 'clip.webm');
      const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
      writeFileSync(path, bytes);
      engine = await fastEmulator({ catalogue: [{ infohash: 'a'.repeat(40), playerId: 'disk', files: [{ name: 'clip.webm', path }] }] });
      const url = await started('PID disk 0');
      const whole = await fetch(url);
      expect(whole.headers.get('content-type')).toBe('video/webm');
      expect(Buffer.compare(await bytesOf(whole), bytes)).toBe(0);
      const part = await fetch(url, { headers: { Range: 'bytes=99990-' } });
      expect(part.headers.get('content-range')).toBe('bytes 99990-99999/100000');
      expect(Buffer.compare(await bytesOf(part), bytes.subarray(99990))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers LOADRESP status 0 for a content without video, and starts by RAW', async () => {
    engine = await fastEmulator({
      catalogue: [
        { infohash: 'b'.repeat(40), playerId: 'docs', files: [{ name: 'notes.txt', size: 10 }] },
        { infohash: 'c'.repeat(40), rawTorrent: 'cmF3IHRvcnJlbnQ=', files: [{ name: 'raw.mp4', size: 1000 }] },
      ],
    });
    ({ client } = await handshake(engine));
    client.send('LOADASYNC 3 PID docs');
    expect(await client.message()).toMatchObject({ kind: 'LOADRESP', requestId: 3, response: { status: 0, files: [{ name: 'notes.txt', index: 0 }] } });
    client.send('START RAW cmF3IHRvcnJlbnQ= 0 0 0 0');
    expect(urlOf((await client.until(isPlayback)).pop()!)).toMatch(/\/content\/c{40}\/0$/);
  });
});
