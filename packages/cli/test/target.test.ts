import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadTarget, parseTarget } from '@ace-rx/cli';

const IH = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const ids = { developerId: 0, affiliateId: 0, zoneId: 0 };

describe('parseTarget', () => {
  it.each([
    [`acestream://${IH}`, { type: 'PID', playerId: IH }],
    [`magnet:?xt=urn:btih:${IH.toUpperCase()}&dn=x`, { type: 'INFOHASH', infohash: IH, ...ids }],
    ['http://tracker.example/file.torrent', { type: 'TORRENT', url: 'http://tracker.example/file.torrent', ...ids }],
    ['https://cdn.example/video.mp4', { type: 'URL', url: 'https://cdn.example/video.mp4' }],
    [IH, { type: 'INFOHASH', infohash: IH, ...ids }],
    ['series', { type: 'PID', playerId: 'series' }],
  ])('reads %s', (id, expected) => {
    expect(parseTarget(id)).toEqual(expected);
  });

  it('sends a .torrent file as RAW base64', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ace-rx-')), 'x.torrent');
    writeFileSync(path, 'd8:announce0:e');
    expect(parseTarget(path)).toEqual({ type: 'RAW', data: Buffer.from('d8:announce0:e').toString('base64'), ...ids });
  });

  it('can be told how to read an ambiguous id', () => {
    expect(parseTarget(IH, 'pid')).toEqual({ type: 'PID', playerId: IH });
    expect(parseTarget('http://x/y', 'torrent')).toEqual({ type: 'TORRENT', url: 'http://x/y', ...ids });
  });

  it('rejects what it cannot read', () => {
    expect(() => parseTarget('')).toThrow(BadTarget);
    expect(() => parseTarget('two words')).toThrow(BadTarget);
    expect(() => parseTarget('magnet:?xt=urn:btih:short')).toThrow(BadTarget);
    expect(() => parseTarget('/no/such/file.torrent', 'raw')).toThrow(BadTarget);
  });
});
