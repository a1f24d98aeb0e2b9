import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY, type Emulator } from '@ace-rx/emulator';
import { contentOfUrl, playBackend, startGateway, type Gateway } from '@ace-rx/gateway';
import { IdentityCache, infohashOfMagnet, selectorOf } from '../src/identity.js';
import { CHANNELS, fastEmulator, fetchText, gatewayFor, starts, view, waitFor } from './helpers.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

const chan = CHANNELS[2]!;
const HASH = chan.infohash;
// The same infohash in base32, as many magnet links carry it.
const BASE32 = (() => {
  const bits = [...Buffer.from(HASH, 'hex')].map((b) => b.toString(2).padStart(8, '0')).join('');
  return bits.match(/.{5}/g)!.map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[parseInt(c, 2)]).join('');
})();

describe('what content a URL names', () => {
  it('reads id, content_id, infohash and magnet links (hex and base32), and refuses two selectors', () => {
    const at = (q: string) => selectorOf(new URL(`http://g/ace/getstream?${q}`));
    expect(at('id=chan2')).toEqual({ kind: 'id', value: 'chan2' });
    expect(at('content_id=chan2')).toEqual({ kind: 'id', value: 'chan2' });
    expect(at(`infohash=${HASH.toUpperCase()}`)).toEqual({ kind: 'infohash', value: HASH });
    expect(at(`magnet=${encodeURIComponent(`magnet:?xt=urn:btih:${HASH}&dn=Channel&tr=udp://t:1`)}`)).toEqual({ kind: 'infohash', value: HASH });
    expect(at(`magnet=${encodeURIComponent(`magnet:?dn=x&xt=urn:btih:${BASE32}`)}`)).toEqual({ kind: 'infohash', value: HASH });
    expect(at(`id=chan2&magnet=${encodeURIComponent(`magnet:?xt=urn:btih:${HASH}`)}`)).toBe('bad');
    expect(at('magnet=magnet%3A%3Fxt%3Durn%3Abtih%3Anothex')).toBe('bad');
    expect(infohashOfMagnet('http://not-a-magnet/')).toBeUndefined();
    expect(contentOfUrl(`magnet:?xt=urn:btih:${BASE32}`)).toEqual({ kind: 'infohash', value: HASH });
  });

  it('keeps at most its limit of id ↔ infohash pairs, forgetting the least recently used', () => {
    const cache = new IdentityCache(2);
    cache.learn('a', '1'.repeat(40));
    cache.learn('b', '2'.repeat(40));
    expect(cache.infohashOf('a')).toBe('1'.repeat(40)); // a is now the most recent
    cache.learn('c', '3'.repeat(40));
    expect(cache.size).toBe(2);
    expect(cache.infohashOf('b')).toBeUndefined();
    expect(cache.idOf('2'.repeat(40))).toBeUndefined();
    expect(cache.idOf('1'.repeat(40))).toBe('a');
    // A content id learnt again with another infohash forgets the old pair both ways.
    cache.learn('a', '4'.repeat(40));
    expect(cache.idOf('1'.repeat(40))).toBeUndefined();
  });
});

describe('one content, one engine session, whatever a viewer calls it', () => {
  it('over TCP: an id viewer, then infohash and magnet viewers share the id viewer’s session (one START), which keeps flowing', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const first = view(`${g.base}/ace/getstream?id=${chan.playerId}`);
    expect((await first.response).statusCode).toBe(200);
    await waitFor(() => first.received() > 100_000, 10_000, 'the first viewer’s bytes');
    const second = view(`${g.base}/ace/getstream?infohash=${HASH}`, { maxBytes: 200_000 });
    const third = view(`${g.base}/ace/getstream?magnet=${encodeURIComponent(`magnet:?xt=urn:btih:${BASE32}`)}`, { maxBytes: 200_000 });
    expect([(await second.response).statusCode, (await third.response).statusCode]).toEqual([200, 200]);
    await Promise.all([second.done, third.done]);
    expect(starts(engine)).toBe(1);
    const before = first.received();
    await waitFor(() => first.received() > before + 200_000, 10_000, 'the first viewer to keep receiving');
    const [stream] = gateway.status().streams;
    expect(gateway.status().streams).toHaveLength(1);
    expect(stream).toMatchObject({ key: `id:${chan.playerId}`, infohash: HASH });
    expect(stream!.names).toEqual(expect.arrayContaining([`id:${chan.playerId}`, `infohash:${HASH}`]));
    first.close();
  });

  it('over TCP: an infohash viewer first, then an id viewer: the engine is asked (GETPID) and the session shared', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine]);
    gateway = g.gateway;
    const first = view(`${g.base}/ace/getstream?infohash=${HASH}`);
    expect((await first.response).statusCode).toBe(200);
    const second = view(`/pid/${chan.playerId}/stream.ts`.replace(/^/, g.base), { maxBytes: 200_000 });
    expect((await second.response).statusCode).toBe(200);
    await second.done;
    expect(starts(engine)).toBe(1);
    expect(engine.sessions.some((s) => s.transcript.some((t) => t.direction === '>>' && t.line.startsWith('GETPID')))).toBe(true);
    expect(gateway.status().streams).toHaveLength(1);
    first.close();
  });

  it('over the HTTP API: an infohash viewer first, then an id viewer: the engine is asked (get_media_files) and the session shared', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [playBackend({ api: 'http', port: engine.port, httpPort: engine.httpPort, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 5_000 })], port: 0, lingerMs: 50 });
    const base = `http://127.0.0.1:${gateway.port}`;
    const first = view(`${base}/ace/getstream?infohash=${HASH}`);
    expect((await first.response).statusCode).toBe(200);
    const second = view(`${base}/ace/getstream?id=${chan.playerId}`, { maxBytes: 200_000 });
    expect((await second.response).statusCode).toBe(200);
    await second.done;
    expect(engine.httpApi.sessions.all()).toHaveLength(1);
    expect(engine.httpApi.sessions.all()[0]!.endedBy).toBeUndefined();
    expect(gateway.status().streams).toHaveLength(1);
    first.close();
  });

  it('asks the engine a running stream’s content id once, however many unknown ids viewers try', async () => {
    engine = await fastEmulator();
    const g = await gatewayFor([engine], { limits: { maxStreams: 1 } });
    gateway = g.gateway;
    const first = view(`${g.base}/ace/getstream?infohash=${HASH}`);
    expect((await first.response).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) expect((await fetchText(`${g.base}/ace/getstream?id=junk${i}`)).status).toBe(503);
    const getpids = engine.sessions.reduce((n, s) => n + s.transcript.filter((t) => t.direction === '>>' && t.line.startsWith('GETPID')).length, 0);
    expect(getpids).toBe(1);
    first.close();
  });

  it('over the HTTP API: an id viewer, then an infohash viewer: one getstream', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [playBackend({ api: 'http', port: engine.port, httpPort: engine.httpPort, productKey: DEFAULT_PRODUCT_KEY, startTimeoutMs: 5_000 })], port: 0, lingerMs: 50 });
    const base = `http://127.0.0.1:${gateway.port}`;
    const first = view(`${base}/ace/getstream?id=${chan.playerId}`);
    // The infohash viewer comes while the id viewer's stream is still starting: it waits to learn the id's infohash.
    const second = view(`${base}/ace/getstream?infohash=${HASH}`, { maxBytes: 200_000 });
    expect([(await first.response).statusCode, (await second.response).statusCode]).toEqual([200, 200]);
    await second.done;
    expect(engine.httpApi.sessions.all()).toHaveLength(1);
    expect(engine.httpApi.sessions.all()[0]!.endedBy).toBeUndefined();
    expect(gateway.status().streams).toHaveLength(1);
    first.close();
  });
});
