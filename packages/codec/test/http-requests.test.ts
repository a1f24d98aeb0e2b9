// @ace-rx/codec/http requests: the URLs a client sends, the start query the engine side
// reads, and the stat-status mapping onto the TCP STATUS shape.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  commandRequestUrl,
  getStatusUrl,
  liveSeekUrl,
  parseStartQuery,
  startUrl,
  STAT_STATUS_TO_TCP,
  STAT_STATUSES,
  statPollUrl,
  statToStatusPart,
  stopUrl,
  tcpStateOfStatStatus,
  tryStartUrl,
  versionUrl,
  type HttpStartRequest,
} from '@ace-rx/codec/http';
import { arbHttpStartRequest } from '@ace-rx/codec/http/arbitraries';
import { ENGINE_STATES, isKnownStatusState } from '@ace-rx/codec';
import { expectEither, expectEqual } from './expect-equal.js';

// Thousands of runs per codec in CI, as for the TCP API's messages; fewer locally keeps the loop fast.
const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));
const BASE = 'http://127.0.0.1:6878';
const IH = '0a4848271c91ce2d8965ce416267c25047dc8141';
const CMD = `${BASE}/ace/cmd/${IH}/f528764d624db129b32c21fbca0cb8d6`;

describe('startUrl', () => {
  it('writes format=json, the selector, pid and the typed params in a fixed order', () => {
    expect(startUrl(BASE, { output: 'ts', content: { infohash: IH }, pid: 'p1', fileIndex: 0 })).toBe(`${BASE}/ace/getstream?format=json&infohash=${IH}&pid=p1&_idx=0`);
  });
  it("writes the Android client's HLS query (sid, transcode flags, hlc=0, client_session_id)", () => {
    const request: HttpStartRequest = {
      output: 'hls',
      content: { contentId: 'dd1e67078381739d14beca697356ab76d49d1a2e' },
      pid: 'player-7',
      legacySid: true,
      fileIndex: 2,
      streamId: 1,
      transcodeAudio: false,
      transcodeMp3: false,
      transcodeAc3: true,
      hlc: false,
      clientSessionId: 12,
      extra: { use_timeshift: '0', manifest_p2p_wait_timeout: '10' },
    };
    expect(startUrl(`${BASE}/`, request)).toBe(
      `${BASE}/ace/manifest.m3u8?format=json&content_id=dd1e67078381739d14beca697356ab76d49d1a2e&sid=player-7&_idx=2&stream_id=1&client_session_id=12` +
        '&transcode_audio=0&transcode_mp3=0&transcode_ac3=1&hlc=0&use_timeshift=0&manifest_p2p_wait_timeout=10',
    );
  });
  it('percent-encodes values (a magnet full of ?, &, =, spaces and non-ASCII)', () => {
    const magnet = `magnet:?xt=urn:btih:${IH}&dn=Café Olé+1`;
    expect(startUrl(BASE, { output: 'ts', content: { magnet }, format: 'redirect', useApiEvents: true })).toBe(
      `${BASE}/ace/getstream?magnet=magnet%3A%3Fxt%3Durn%3Abtih%3A${IH}%26dn%3DCaf%C3%A9%20Ol%C3%A9%2B1&use_api_events=1`,
    );
  });
  it.each<[string, unknown, string, string | undefined]>([
    ['no selector', { output: 'ts', content: {} }, 'NO_SELECTOR', undefined],
    ['several selectors', { output: 'ts', content: { contentId: 'a', infohash: IH } }, 'SEVERAL_SELECTORS', undefined],
    ['an empty selector', { output: 'ts', content: { url: '' } }, 'BAD_PARAM', 'url'],
    ['a fractional file index', { output: 'ts', content: { url: 'u' }, fileIndex: 1.5 }, 'BAD_PARAM', '_idx'],
    ['a flag that is not a boolean', { output: 'ts', content: { url: 'u' }, hlc: 1 }, 'BAD_PARAM', 'hlc'],
    ['an extra param that shadows a typed one', { output: 'ts', content: { url: 'u' }, extra: { pid: 'x' } }, 'BAD_PARAM', 'pid'],
    ['an unknown output', { output: 'mp4', content: { url: 'u' } }, 'BAD_PARAM', 'output'],
    ['an unknown format', { output: 'ts', content: { url: 'u' }, format: 'jsonp' }, 'BAD_PARAM', 'format'],
    ['not an object', null, 'BAD_PARAM', undefined],
  ])('refuses %s with a typed error', (_, request, kind, param) => {
    const r = tryStartUrl(BASE, request as HttpStartRequest);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'HttpRequestError', kind, ...(param ? { param } : {}) })));
    expect(() => startUrl(BASE, request as HttpStartRequest)).toThrow(expect.objectContaining({ kind }) as never);
  });
  it.each(['127.0.0.1:6878', 'ftp://h', 'http://h/ace', 'http://h:1?x', '', 'http:// h'])('refuses the base %j', (base) => {
    expect(tryStartUrl(base, { output: 'ts', content: { url: 'u' } })).toEqual(E.left(expect.objectContaining({ kind: 'BAD_BASE' })));
  });
});

describe('session URLs', () => {
  it('adds skip_player_activity=1 to stat polls unless the poller is the player', () => {
    expect(statPollUrl(`${BASE}/ace/stat/${IH}/tok`)).toBe(`${BASE}/ace/stat/${IH}/tok?skip_player_activity=1`);
    expect(statPollUrl(`${BASE}/ace/stat/${IH}/tok?a=1`)).toBe(`${BASE}/ace/stat/${IH}/tok?a=1&skip_player_activity=1`);
    expect(statPollUrl(`${BASE}/ace/stat/${IH}/tok`, { skipPlayerActivity: false })).toBe(`${BASE}/ace/stat/${IH}/tok`);
  });
  it('writes the commands', () => {
    expect(stopUrl(CMD)).toBe(`${CMD}?method=stop`);
    expect(liveSeekUrl(CMD, 1639986704)).toBe(`${CMD}?method=liveseek&pos=1639986704`);
    expect(commandRequestUrl(CMD, 'set_player_activity_timeout', { timeout: 30 })).toBe(`${CMD}?method=set_player_activity_timeout&timeout=30`);
    expect(commandRequestUrl(`${CMD}#x`, 'set_stream', { stream_index: 'a b' })).toBe(`${CMD}?method=set_stream&stream_index=a%20b`);
  });
  it('writes get_version (JSON and JSONP) and get_status on a base', () => {
    expect(versionUrl(BASE)).toBe(`${BASE}/webui/api/service?method=get_version&format=json`);
    expect(versionUrl(`${BASE}/`, { callback: 'mycallback' })).toBe(`${BASE}/webui/api/service?method=get_version&format=jsonp&callback=mycallback`);
    expect(getStatusUrl(BASE)).toBe(`${BASE}/server/api?api_version=3&method=get_status`);
    expect(() => getStatusUrl('nope')).toThrow(expect.objectContaining({ kind: 'BAD_BASE' }) as never);
  });
});

describe('parseStartQuery (engine side)', () => {
  it("reads the Android client's query: sid as pid, flags, integers, the rest in extra", () => {
    const query = new URL(`${BASE}/ace/manifest.m3u8?format=json&hlc=0&sid=p7&transcode_audio=1&transcode_mp3=0&transcode_ac3=0&_idx=0&stream_id=0&content_id=abc&client_session_id=3&use_timeshift=0`).searchParams;
    expect(parseStartQuery(query, 'hls')).toEqual(
      E.right({
        output: 'hls',
        content: { contentId: 'abc' },
        format: 'json',
        pid: 'p7',
        legacySid: true,
        fileIndex: 0,
        streamId: 0,
        clientSessionId: 3,
        transcodeAudio: true,
        transcodeMp3: false,
        transcodeAc3: false,
        hlc: false,
        extra: Object.assign(Object.create(null) as object, { use_timeshift: '0' }),
      }),
    );
  });
  it('reads id as content_id, a missing format as redirect, and a pid over a sid', () => {
    expect(parseStartQuery('?id=abc&sid=old&pid=new', 'ts')).toEqual(E.right({ output: 'ts', content: { contentId: 'abc' }, format: 'redirect', pid: 'new' }));
    expect(parseStartQuery([['infohash', IH]], 'ts')).toEqual(E.right({ output: 'ts', content: { infohash: IH }, format: 'redirect' }));
  });
  it.each([
    ['format=json&pid=p', 'NO_SELECTOR', undefined],
    ['id=a&content_id=a', 'SEVERAL_SELECTORS', undefined],
    ['infohash=a&url=b', 'SEVERAL_SELECTORS', undefined],
    ['content_id=', 'BAD_PARAM', 'content_id'],
    ['url=u&_idx=x', 'BAD_PARAM', '_idx'],
    ['url=u&_idx=1.5', 'BAD_PARAM', '_idx'],
    ['url=u&use_api_events=yes', 'BAD_PARAM', 'use_api_events'],
    ['url=u&format=xml', 'BAD_PARAM', 'format'],
  ])('%s → %s', (query, kind, param) => {
    expect(parseStartQuery(query, 'ts')).toEqual(E.left(expect.objectContaining({ _tag: 'HttpRequestError', kind, ...(param ? { param } : {}) })));
  });
  it('reads a query string as forms encode it, and refuses a broken %-escape', () => {
    expect(parseStartQuery('url=a+b%20c%2B&&flag', 'ts')).toEqual(E.right({ output: 'ts', content: { url: 'a b c+' }, format: 'redirect', extra: Object.assign(Object.create(null) as object, { flag: '' }) }));
    expect(parseStartQuery('url=%E0%A4%A', 'ts')).toEqual(E.left(expect.objectContaining({ kind: 'BAD_PARAM' })));
  });
  it('keeps __proto__ and other odd names as ordinary extra params', () => {
    const r = parseStartQuery('url=u&__proto__=x&constructor=y', 'ts');
    expect(E.isRight(r) && r.right.extra && Object.keys(r.right.extra)).toEqual(['__proto__', 'constructor']);
  });
  it('never throws, on any pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('content_id', 'id', 'pid', 'sid', '_idx', 'hlc', 'format', 'x'), fc.string())), fc.constantFrom('ts' as const, 'hls' as const), (pairs, output) => {
        expectEither(parseStartQuery(pairs, output));
      }),
      { numRuns: RUNS },
    );
  });
  it('law: parseStartQuery(query of startUrl(r)) = r', () => {
    fc.assert(
      fc.property(arbHttpStartRequest, (request) => {
        const url = new URL(startUrl(BASE, request));
        expect(url.pathname).toBe(request.output === 'ts' ? '/ace/getstream' : '/ace/manifest.m3u8');
        expectEqual(parseStartQuery(url.searchParams, request.output), E.right(request));
        expectEqual(parseStartQuery(url.search, request.output), E.right(request));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('stat status ⇄ TCP STATUS (spec §6)', () => {
  it('maps every known status, both spellings alike, onto a known TCP state and STATE id', () => {
    expect(tcpStateOfStatStatus('checking')).toEqual({ state: 'check', engineState: 5 });
    expect(tcpStateOfStatStatus('check')).toEqual({ state: 'check', engineState: 5 });
    expect(tcpStateOfStatStatus('error')).toEqual(tcpStateOfStatStatus('err'));
    expect(tcpStateOfStatStatus('prebuf')).toEqual({ state: 'prebuf', engineState: 1 });
    expect(tcpStateOfStatStatus('buf')).toEqual({ state: 'buf', engineState: 3 });
    expect(tcpStateOfStatStatus('dl')).toEqual({ state: 'dl', engineState: 2 });
    expect(tcpStateOfStatStatus('idle')).toEqual({ state: 'idle', engineState: 0 });
    expect(tcpStateOfStatStatus('loading')).toEqual({ state: 'loading' });
    expect(tcpStateOfStatStatus('starting')).toEqual({ state: 'starting' });
    expect(tcpStateOfStatStatus('seeding')).toBeUndefined();
    expect(tcpStateOfStatStatus('constructor')).toBeUndefined();
    for (const status of STAT_STATUSES) {
      const { state, engineState } = STAT_STATUS_TO_TCP[status];
      expect(isKnownStatusState(state)).toBe(true);
      if (engineState !== undefined) expect(ENGINE_STATES[engineState]).toBeDefined();
    }
  });
  it('gives the TCP STATUS part shape', () => {
    const figures = { peers: 4, speedDown: 257, speedUp: 29, downloaded: 3276800, uploaded: 491520, totalProgress: 0 };
    expect(statToStatusPart({ status: 'dl', ...figures, clientSessionId: -1 })).toEqual({ state: 'dl', ...figures });
    expect(statToStatusPart({ status: 'prebuf', progress: 40, peers: 3 })).toEqual({ state: 'prebuf', progress: 40, peers: 3 });
    expect(statToStatusPart({ status: 'buf', progress: 90, ...figures })).toEqual({ state: 'buf', progress: 90, ...figures });
    expect(statToStatusPart({ status: 'checking', progress: 12, peers: 1 })).toEqual({ state: 'check', progress: 12 });
    expect(statToStatusPart({ status: 'error', errorMessage: 'No seeds' })).toEqual({ state: 'err', errorMessage: 'No seeds' });
    expect(statToStatusPart({ status: 'err' })).toEqual({ state: 'err' });
    expect(statToStatusPart({ status: 'idle', peers: 0 })).toEqual({ state: 'idle' });
    expect(statToStatusPart({ status: 'loading' })).toEqual({ state: 'loading' });
    expect(statToStatusPart({ status: 'starting' })).toEqual({ state: 'starting' });
    expect(statToStatusPart({ status: 'seeding', peers: 1 })).toEqual({ state: 'unknown', name: 'seeding', fields: [] });
  });
});
