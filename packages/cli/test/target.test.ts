import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadTarget, base32ToHex, parseTarget, resolveTarget, userDirectory } from '@ace-rx/cli';

const IH = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const IH_BASE32 = 'JR4ODTYN6I5U6WQWUEDIFHV624IMWUXA'; // the same 20 bytes, RFC 4648 base32
const ids = { developerId: 0, affiliateId: 0, zoneId: 0 };

describe('parseTarget: the id rules of the README', () => {
  it.each([
    [`acestream://${IH}`, { type: 'PID', playerId: IH }],
    [`magnet:?xt=urn:btih:${IH.toUpperCase()}&dn=x`, { type: 'INFOHASH', infohash: IH, ...ids }],
    [`magnet:?xt=urn:btih:${IH_BASE32}&dn=x`, { type: 'INFOHASH', infohash: IH, ...ids }],
    ['http://tracker.example/file.torrent', { type: 'TORRENT', url: 'http://tracker.example/file.torrent', ...ids }],
    ['https://cdn.example/video.mp4', { type: 'URL', url: 'https://cdn.example/video.mp4' }],
    ['https://cdn.example/my video.mp4', { type: 'URL', url: 'https://cdn.example/my%20video.mp4' }],
    [IH, { type: 'PID', playerId: IH }], // a bare 40-hex id is a content id
    [IH.toUpperCase(), { type: 'PID', playerId: IH }],
    ['series', { type: 'PID', playerId: 'series' }],
  ])('reads %s', (id, expected) => {
    expect(parseTarget(id)).toEqual(expected);
  });

  it('base32 infohashes decode to the hex ones', () => {
    expect(base32ToHex(IH_BASE32)).toBe(IH);
  });

  it('sends a .torrent file as RAW base64, relative paths from the given directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ace-rx-'));
    try {
      writeFileSync(join(dir, 'x.torrent'), 'd8:announce0:e');
      const raw = { type: 'RAW', data: Buffer.from('d8:announce0:e').toString('base64'), ...ids };
      expect(parseTarget(join(dir, 'x.torrent'))).toEqual(raw);
      expect(parseTarget('x.torrent', 'auto', dir)).toEqual(raw);
      expect(parseTarget('./x.torrent', 'auto', dir)).toEqual(raw);
      expect(() => parseTarget('./y.torrent', 'auto', dir)).toThrow(/no such file/);
      expect(() => parseTarget('some/dir/file', 'auto', dir)).toThrow(/no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--as overrides the guess', () => {
    expect(parseTarget(IH, 'infohash')).toEqual({ type: 'INFOHASH', infohash: IH, ...ids });
    expect(parseTarget(IH, 'pid')).toEqual({ type: 'PID', playerId: IH });
    expect(parseTarget('http://x/y', 'torrent')).toEqual({ type: 'TORRENT', url: 'http://x/y', ...ids });
    expect(parseTarget('http://x/y.torrent', 'direct')).toEqual({ type: 'URL', url: 'http://x/y.torrent' });
  });

  it('rejects what it cannot read', () => {
    expect(() => parseTarget('')).toThrow(BadTarget);
    expect(() => parseTarget('acestream://')).toThrow(/no content id after acestream:\/\//);
    expect(() => parseTarget('two words')).toThrow(BadTarget);
    expect(() => parseTarget('magnet:?xt=urn:btih:short')).toThrow(BadTarget);
    expect(() => parseTarget('/no/such/file.torrent', 'raw')).toThrow(/no such file/);
  });

  it('takes the user directory from INIT_CWD (pnpm scripts run in the workspace root)', () => {
    expect(userDirectory({ INIT_CWD: '/home/user/films' })).toBe('/home/user/films');
    expect(userDirectory({})).toBe(process.cwd());
  });
});

describe('resolveTarget: looks at an http URL before sending it', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/by-type') response.writeHead(200, { 'content-type': 'application/x-bittorrent' }).end('whatever');
      else if (request.url === '/by-bytes') response.end('d8:announce3:urle');
      else response.writeHead(200, { 'content-type': 'video/mp4' }).end('....ftypisom');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a torrent by its type or its bencoded bytes is TORRENT; anything else a direct URL', async () => {
    expect(await resolveTarget(`${base}/by-type`)).toEqual({ type: 'TORRENT', url: `${base}/by-type`, ...ids });
    expect(await resolveTarget(`${base}/by-bytes`)).toEqual({ type: 'TORRENT', url: `${base}/by-bytes`, ...ids });
    expect(await resolveTarget(`${base}/video.torrent`)).toEqual({ type: 'URL', url: `${base}/video.torrent` });
    expect(await resolveTarget(`${base}/by-bytes`, { kind: 'direct' })).toEqual({ type: 'URL', url: `${base}/by-bytes` });
  });

  it('falls back to the suffix rule when the URL cannot be fetched from here', async () => {
    const lines: string[] = [];
    expect(await resolveTarget('http://127.0.0.1:1/x.torrent', { log: (l) => lines.push(l), timeoutMs: 5000 })).toEqual({ type: 'TORRENT', url: 'http://127.0.0.1:1/x.torrent', ...ids });
    expect(lines[0]).toMatch(/could not look at/);
  });
});
