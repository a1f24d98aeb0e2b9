import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { connect } from 'node:net';
import { decodeGetStatusResponse, decodeStartResponse, decodeStatResponse, decodeVersionResponse, stripJsonp } from '@ace-rx/codec/http';
import { fileBytes, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { fastEmulator, handshake, isPlayback, urlOf } from './helpers.js';
import type { RawClient } from './raw-client.js';
import { inspect } from './ts-inspect.js';

let engine: Emulator | undefined;
let client: RawClient | undefined;
const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.cancel().catch(() => undefined);
  client?.close();
  client = undefined;
  await engine?.close();
  engine = undefined;
});

const LIVE = '5d41402abc4b2a76b9719d911017c592aabbccdd';
const SERIES = '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b';
const WITH_ADS = 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d';

async function start(options: EmulatorOptions = {}): Promise<string> {
  engine = await fastEmulator(options);
  return `http://127.0.0.1:${engine.httpPort}`;
}

const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

/** Starts a session with format=json and returns its decoded start response. */
async function started(base: string, query: string) {
  const body = await (await fetch(`${base}${query}${query.includes('?') ? '&' : '?'}format=json`)).text();
  const decoded = decodeStartResponse(body);
  if (decoded._tag === 'Left') throw new Error(`start failed: ${body}`);
  return decoded.right;
}

/** Reads a body until `bytes` have come or `ms` passed; the reader is cancelled at the end of the test. */
async function readBody(response: Response, bytes: number, ms = 10_000): Promise<{ data: Uint8Array; ended: boolean }> {
  const reader = response.body!.getReader();
  readers.push(reader);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const deadline = performance.now() + ms;
  let ended = false;
  while (total < bytes && performance.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      reader.read().catch(() => ({ done: true as const, value: undefined })),
      new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(1, deadline - performance.now())))),
    ]);
    clearTimeout(timer);
    if (next === 'late') break;
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    total += next.value.length;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) data.set(c, (at += c.length) - c.length);
  return { data, ended };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(port: number, path: string, host: string | undefined): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = host === undefined ? {} : { Host: host };
    const req = request({ host: '127.0.0.1', port, path, headers, setHost: host !== undefined }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/1.0 request with no Host header at all, over a raw socket. */
function getWithoutHost(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('end', () => {
      socket.destroy();
      resolve(text);
    });
    socket.on('error', reject);
  });
}

describe('service endpoints', () => {
  it('get_version answers JSON, and JSONP with a callback', async () => {
    const base = await start();
    const plain = decodeVersionResponse(await (await fetch(`${base}/webui/api/service?method=get_version&format=json`)).text());
    expect(plain).toEqual({ _tag: 'Right', right: { code: 3011600, version: '3.1.16', platform: 'linux' } });
    const jsonp = await (await fetch(`${base}/webui/api/service?method=get_version&format=jsonp&callback=mycallback`)).text();
    expect(jsonp).toMatch(/^mycallback\(\{.*\}\);$/);
    expect(decodeVersionResponse(stripJsonp(jsonp))).toEqual(plain);
  });

  it('get_status answers {result} with the version', async () => {
    const base = await start();
    const status = decodeGetStatusResponse(await (await fetch(`${base}/server/api?api_version=3&method=get_status`)).text());
    expect(status).toMatchObject({ _tag: 'Right', right: { playlistLoaded: true, version: { code: 3011600 } } });
  });
});

describe('starting playback', () => {
  it('answers format=json with absolute URLs holding a 32-hex token that is not the 40-hex session id', async () => {
    const base = await start();
    const s = await started(base, `/ace/getstream?content_id=live&pid=p1`);
    expect(s.playbackUrl).toMatch(new RegExp(`^${base}/ace/r/${LIVE}/[0-9a-f]{32}$`));
    expect(s.statUrl).toMatch(new RegExp(`^${base}/ace/stat/${LIVE}/[0-9a-f]{32}$`));
    expect(s.commandUrl).toMatch(new RegExp(`^${base}/ace/cmd/${LIVE}/[0-9a-f]{32}$`));
    expect(s.playbackSessionId).toMatch(/^[0-9a-f]{40}$/);
    expect(s.playbackUrl).not.toContain(s.playbackSessionId);
    expect(s).toMatchObject({ infohash: LIVE, isLive: true, isEncrypted: false, clientSessionId: -1 });
    expect(s.eventUrl).toBeUndefined();
    const hls = await started(base, `/ace/manifest.m3u8?infohash=${SERIES}&client_session_id=7`);
    expect(hls.playbackUrl).toMatch(new RegExp(`^${base}/ace/m/${SERIES}/[0-9a-f]{32}\\.m3u8$`));
    expect(hls).toMatchObject({ isLive: false, clientSessionId: 7 });
  });

  it('accepts id for content_id, and magnet and url selectors', async () => {
    const base = await start();
    expect((await started(base, '/ace/getstream?id=live')).infohash).toBe(LIVE);
    expect((await started(base, `/ace/getstream?magnet=${encodeURIComponent(`magnet:?xt=urn:btih:${SERIES}`)}`)).infohash).toBe(SERIES);
    expect((await started(base, `/ace/getstream?url=${encodeURIComponent('http://example.invalid/series.torrent')}&pid=u`)).infohash).toBe(SERIES);
    const direct = encodeURIComponent('http://example.invalid/files/direct%20video.mp4');
    expect((await started(base, `/ace/getstream?direct_url=${direct}&pid=d`)).infohash).toBe('2fd4e1c67a2d28fced849ee1bb76e7391b93eb12');
  });

  it('reads several selectors as the engine does: content_id wins', async () => {
    const base = await start();
    expect((await started(base, `/ace/getstream?infohash=${SERIES}&content_id=live`)).infohash).toBe(LIVE);
    expect((await started(base, `/ace/manifest.m3u8?infohash=${SERIES}&magnet=x&pid=two`)).infohash).toBe(SERIES);
  });

  it('answers unknown content with 200 "failed to load content", also for an infohash passed as id', async () => {
    const base = await start();
    for (const path of ['/ace/getstream?format=json&content_id=nope', `/ace/manifest.m3u8?format=json&id=${LIVE}`, '/ace/getstream?content_id=nope', '/ace/getstream?format=json']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ response: null, error: 'failed to load content' });
    }
  });

  it('writes the request Host into every URL, and 127.0.0.1:port without one', async () => {
    const base = await start();
    const port = engine!.httpPort;
    const json = await getWithHost(port, '/ace/getstream?format=json&content_id=live&use_api_events=1', 'engine.example:6878');
    const body = JSON.parse(json.body).response;
    for (const key of ['playback_url', 'stat_url', 'command_url', 'event_url']) expect(body[key]).toMatch(/^http:\/\/engine\.example:6878\/ace\//);
    const redirect = await getWithHost(port, '/ace/getstream?content_id=series&pid=h', '10.0.0.5:6878');
    expect(redirect.status).toBe(302);
    expect(redirect.headers['location']).toMatch(new RegExp(`^http://10\\.0\\.0\\.5:6878/ace/r/${SERIES}/[0-9a-f]{32}$`));
    const hls = await getWithHost(port, '/ace/manifest.m3u8?format=json&content_id=live&pid=h', '10.0.0.5:6878');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const playlist = await getWithHost(port, new URL(JSON.parse(hls.body).response.playback_url).pathname, '10.0.0.5:6878');
    expect(playlist.body).toContain(`http://10.0.0.5:6878/ace/c/${LIVE}/`);
    const bare = await getWithoutHost(port, '/ace/getstream?format=json&content_id=live&pid=bare');
    expect(bare).toContain(`"playback_url":"http://127.0.0.1:${port}/ace/r/${LIVE}/`);
    expect(base).toBe(`http://127.0.0.1:${port}`);
  });
});

describe('progressive output', () => {
  it('redirects getstream → /ace/r/<ih>/<tok> → /content/<ih>/<random>, absolute, and fetch follows to TS bytes', async () => {
    const base = await start();
    const first = await fetch(`${base}/ace/getstream?content_id=live&pid=a`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const r = first.headers.get('location')!;
    expect(r).toMatch(new RegExp(`^${base}/ace/r/${LIVE}/[0-9a-f]{32}$`));
    const second = await fetch(r, { redirect: 'manual' });
    expect(second.status).toBe(302);
    expect(second.headers.get('location')).toMatch(new RegExp(`^${base}/content/${LIVE}/[0-9a-f]{32}$`));
    await second.body?.cancel();
    // A fresh session (another pid), followed by fetch itself.
    const followed = await fetch(`${base}/ace/getstream?content_id=live&pid=b`);
    expect(followed.status).toBe(200);
    expect(followed.url).toMatch(new RegExp(`^${base}/content/${LIVE}/[0-9a-f]{32}$`));
    expect(followed.headers.get('content-type')).toBe('video/mp2t');
    const { data } = await readBody(followed, 188 * 100);
    expect(data.length).toBeGreaterThanOrEqual(188 * 100);
    expect(inspect(data.subarray(0, 188 * 100)).ccErrors).toEqual([]);
  });

  it('serves the live stream endless, packet-perfect across a loop boundary', async () => {
    // A 5 s burst at 4 Mbit/s is 2.5 MB: more than one 4 s loop, so it holds a boundary.
    const base = await start({ media: { burstSeconds: 5 } });
    const response = await fetch(`${base}/ace/getstream?content_id=live`);
    const { data, ended } = await readBody(response, 2_500_000, 20_000);
    expect(ended).toBe(false);
    expect(data.length).toBeGreaterThanOrEqual(2_500_000);
    const whole = data.subarray(0, data.length - (data.length % 188));
    const seen = inspect(whole);
    expect(seen.ccErrors).toEqual([]);
    for (let i = 1; i < seen.pcrs.length; i++) expect(seen.pcrs[i]!).toBeGreaterThan(seen.pcrs[i - 1]!);
    const video = [...seen.pts.values()].sort((a, b) => b.length - a.length)[0]!;
    expect(video.length).toBeGreaterThan(100); // more than one loop's 100 frames
    for (let i = 1; i < video.length; i++) expect(video[i]! - video[i - 1]!).toBe(3600);
  });

  it('paces the live stream at the configured bitrate after the burst', async () => {
    const bitrate = 2_000_000;
    const perSecond = bitrate / 8;
    const base = await start({ media: { bitrate, burstSeconds: 0.5, tickMs: 20 } });
    const s = await started(base, '/ace/getstream?content_id=live');
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the prebuffer
    const asked = performance.now();
    const response = await fetch(s.playbackUrl);
    const { data } = await readBody(response, Number.MAX_SAFE_INTEGER, 3000);
    const seconds = (performance.now() - asked) / 1000;
    // Never ahead of burst + elapsed · rate (plus a packet for rounding), and no more than 1 s behind it.
    expect(data.length).toBeLessThanOrEqual(0.5 * perSecond + seconds * perSecond + 2 * 188);
    expect(data.length).toBeGreaterThanOrEqual(0.5 * perSecond + (seconds - 1) * perSecond);
  });

  it('serves VOD video as the file in its named container (.mkv: Matroska), of the catalogue size, with Range', async () => {
    const base = await start();
    const s = await started(base, `/ace/getstream?infohash=${SERIES}`);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const head = await fetch(s.playbackUrl, { headers: { Range: 'bytes=0-1879' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-type')).toBe('video/x-matroska');
    expect(head.headers.get('content-range')).toBe(`bytes 0-1879/${6 * 1024 * 1024}`);
    const bytes = new Uint8Array(await head.arrayBuffer());
    expect(bytes.length).toBe(1880);
    const series = engine!.catalogue.byHash(SERIES)!;
    expect(Buffer.compare(bytes, fileBytes(series, 0, 0, 1880))).toBe(0); // the TCP API URL's bytes
    expect([...bytes.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]); // EBML
  });

  it('lets a VOD file have concurrent Range readers, as a player reaching for an MP4 index at the end does', async () => {
    const base = await start();
    const first = await fetch(`${base}/ace/getstream?content_id=with-ads&pid=seek`);
    expect(first.status).toBe(200);
    const size = 8 * 1024 * 1024;
    const tail = await fetch(first.url, { headers: { Range: `bytes=${size - 8}-` } });
    expect(tail.status).toBe(206);
    const last = new Uint8Array(await tail.arrayBuffer());
    expect(Buffer.compare(last, fileBytes(engine!.catalogue.byHash(WITH_ADS)!, 0, size - 8, size))).toBe(0);
    await first.body?.cancel();
  });

  it('allows one reader per progressive session: a second concurrent one gets 409, the first keeps its data', async () => {
    const base = await start();
    const firstReader = await fetch(`${base}/ace/getstream?content_id=live&pid=one`);
    expect(firstReader.status).toBe(200);
    const second = await fetch(firstReader.url);
    expect(second.status).toBe(409);
    await second.body?.cancel();
    const { data, ended } = await readBody(firstReader, 188 * 1000);
    expect(ended).toBe(false);
    expect(data.length).toBeGreaterThanOrEqual(188 * 1000);
  });
});

describe('HLS output', () => {
  it('a live playlist is a sliding window of 17 absolute segments without ENDLIST; segments are TS', async () => {
    const base = await start();
    const s = await started(base, '/ace/manifest.m3u8?content_id=live&hlc=0&sid=x');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const playlist = await (await fetch(s.playbackUrl)).text();
    expect(playlist.startsWith('#EXTM3U\n')).toBe(true);
    expect(playlist).toContain('#EXT-X-VERSION:3\n');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    const segments = playlist.split('\n').filter((l) => l.startsWith('http'));
    expect(segments).toHaveLength(17);
    for (const url of segments) expect(url).toMatch(new RegExp(`^${base}/ace/c/${LIVE}/\\d+\\.ts$`));
    const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
    expect(segments[0]).toBe(`${base}/ace/c/${LIVE}/${sequence}.ts`);
    const [a, b] = await Promise.all([fetch(segments[16]!), fetch(segments[16]!)]);
    const [bytesA, bytesB] = [new Uint8Array(await a.arrayBuffer()), new Uint8Array(await b.arrayBuffer())];
    expect(a.headers.get('content-type')).toBe('video/mp2t');
    expect(Buffer.from(bytesA).equals(bytesB)).toBe(true); // concurrent readers get identical bytes
    expect(inspect(bytesA).ccErrors).toEqual([]);
    expect((await fetch(`${base}/ace/c/${LIVE}/${sequence + 1000}.ts`)).status).toBe(404);
  });

  it('a VOD playlist lists every segment and ends with ENDLIST; without format=json it redirects to the playlist', async () => {
    const base = await start();
    const response = await fetch(`${base}/ace/manifest.m3u8?infohash=${SERIES}`);
    expect(response.url).toMatch(new RegExp(`^${base}/ace/m/${SERIES}/[0-9a-f]{32}\\.m3u8$`));
    const playlist = await response.text();
    expect(playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const segments = playlist.split('\n').filter((l) => l.startsWith('http'));
    expect(segments.length).toBe(engine!.media.vodSegments(6 * 1024 * 1024));
    expect(segments[0]).toBe(`${base}/ace/c/${SERIES}/0.ts`);
  });
});

describe('session rules', () => {
  it('a second pid for the same content ends the first: 403 on its playlist, its stream cut, its stat unknown', async () => {
    const base = await start();
    const hls = await started(base, '/ace/manifest.m3u8?content_id=live&pid=first');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await fetch(hls.playbackUrl)).status).toBe(200);
    const stream = await fetch(`${base}/ace/getstream?content_id=live&pid=first-ts`); // displaces the HLS session
    expect(stream.status).toBe(200);
    expect((await fetch(hls.playbackUrl)).status).toBe(403);
    expect(await getJson(hls.statUrl)).toEqual({ response: null, error: 'unknown playback session id' });
    const reading = readBody(stream, Number.MAX_SAFE_INTEGER, 10_000);
    const other = await started(base, '/ace/getstream?content_id=live&pid=second');
    expect(other.playbackSessionId).not.toBe(hls.playbackSessionId);
    expect((await reading).ended).toBe(true);
    expect(await getJson(other.statUrl)).toMatchObject({ error: null });
  });

  it('takes sid as the old name of pid; the same pid and output get the same session back', async () => {
    const base = await start();
    const a = await started(base, '/ace/getstream?content_id=live&sid=viewer');
    const again = await started(base, '/ace/getstream?content_id=live&pid=viewer');
    expect(again.playbackSessionId).toBe(a.playbackSessionId);
    const b = await started(base, '/ace/getstream?content_id=live&sid=another');
    expect(b.playbackSessionId).not.toBe(a.playbackSessionId);
    expect(await getJson(a.statUrl)).toEqual({ response: null, error: 'unknown playback session id' });
  });

  it('stop answers "ok"; then the playlist answers 500, the stream closes, a second stop and stat are unknown', async () => {
    const base = await start();
    const hls = await started(base, '/ace/manifest.m3u8?content_id=live&pid=s');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await fetch(hls.playbackUrl)).status).toBe(200);
    expect(await getJson(`${hls.commandUrl}?method=stop`)).toEqual({ response: 'ok', error: null });
    expect((await fetch(hls.playbackUrl)).status).toBe(500);
    expect(await getJson(`${hls.commandUrl}?method=stop`)).toEqual({ response: null, error: 'unknown playback session id' });
    expect(await getJson(hls.statUrl)).toEqual({ response: null, error: 'unknown playback session id' });

    const ts = await started(base, '/ace/getstream?content_id=live&pid=t');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const body = await fetch(ts.playbackUrl);
    const reading = readBody(body, Number.MAX_SAFE_INTEGER, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await getJson(`${ts.commandUrl}?method=stop`)).toEqual({ response: 'ok', error: null });
    expect((await reading).ended).toBe(true);
    expect((await fetch(body.url)).status).toBe(500);
  });

  it('answers other commands "ok" and an unknown method with an error', async () => {
    const base = await start();
    const s = await started(base, '/ace/getstream?content_id=live');
    // A position inside the live window (Unix seconds, from the stat's livepos): see live-position.test.ts for refusals.
    const target = Number((await getJson(s.statUrl)).response.livepos.live_first) + 10;
    expect(await getJson(`${s.commandUrl}?method=liveseek&pos=${target}`)).toEqual({ response: 'ok', error: null });
    expect(Number((await getJson(s.statUrl)).response.livepos.pos) - target).toBeLessThanOrEqual(1); // plays on from it
    expect(Number((await getJson(s.statUrl)).response.livepos.pos)).toBeGreaterThanOrEqual(target);
    expect(await getJson(`${s.commandUrl}?method=set_stream&stream_index=0`)).toEqual({ response: 'ok', error: null });
    expect(await getJson(`${s.commandUrl}?method=dance`)).toEqual({ response: null, error: 'unknown method' });
  });
});

describe('stat', () => {
  it('goes prebuf with rising progress, then dl, with peers, speeds and livepos strings for live', async () => {
    const base = await start({ timing: { prebufferMs: 1000 } }); // room for several polls on a loaded machine
    const s = await started(base, '/ace/getstream?content_id=live');
    const progress: number[] = [];
    let last: any;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const body = await (await fetch(`${s.statUrl}?skip_player_activity=1`)).text();
      const decoded = decodeStatResponse(body);
      expect(decoded._tag).toBe('Right');
      last = JSON.parse(body).response;
      if (last.status === 'dl') break;
      expect(last.status).toBe('prebuf');
      progress.push(last.progress);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(last.status).toBe('dl');
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress[progress.length - 1]!).toBeGreaterThan(progress[0]!);
    expect(last.peers).toBeGreaterThan(0);
    expect(last.speed_down).toBeGreaterThan(0);
    expect(last.downloaded).toBeGreaterThan(0);
    expect(last.playback_session_id).toBe(s.playbackSessionId);
    for (const value of Object.values(last.livepos)) expect(typeof value).toBe('string');
    expect(Number(last.livepos.last)).toBeGreaterThanOrEqual(Number(last.livepos.live_first));
  });

  it('answers err with error_message for a content that fails, whose stream answers 500', async () => {
    const base = await start();
    const s = await started(base, '/ace/getstream?content_id=broken');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await getJson(s.statUrl)).response).toMatchObject({ status: 'err', error_message: 'Cannot start: no seeds available' });
    const r = await fetch(s.playbackUrl);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('download not found');
  });
});

describe('events', () => {
  it('long-polls: live_changed first, then held until the session stops', async () => {
    const base = await start();
    const s = await started(base, '/ace/getstream?content_id=live&use_api_events=1');
    expect(s.eventUrl).toMatch(new RegExp(`^${base}/ace/event/${LIVE}/[0-9a-f]{32}$`));
    expect(await getJson(s.eventUrl!)).toEqual({ response: { name: 'live_changed', params: { is_live: 1 } }, error: null });
    let answered = false;
    const held = getJson(s.eventUrl!).then((body) => ((answered = true), body));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    await getJson(`${s.commandUrl}?method=stop`);
    expect(await held).toEqual({ response: null, error: 'unknown playback session id' });
  });

  it('answers an empty poll after eventPollMs, and unknown for a session started without use_api_events', async () => {
    const base = await start({ httpApi: { eventPollMs: 100 } });
    const s = await started(base, '/ace/getstream?content_id=live&use_api_events=1');
    await getJson(s.eventUrl!);
    expect(await getJson(s.eventUrl!)).toEqual({ response: null, error: null });
    const plain = await started(base, '/ace/getstream?content_id=series');
    expect(await getJson(plain.statUrl.replace('/ace/stat/', '/ace/event/'))).toEqual({ response: null, error: 'unknown playback session id' });
  });
});

describe('HTTP faults', () => {
  it('holds the response headers until prebuffered (the default)', async () => {
    const base = await start({ timing: { prebufferMs: 500 } });
    const s = await started(base, '/ace/getstream?content_id=live');
    const asked = performance.now();
    const r = await fetch(s.playbackUrl, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(performance.now() - asked).toBeGreaterThanOrEqual(400);
  });

  it('answers 500 "download not found" while prebuffering with httpPrebuffer: error', async () => {
    const base = await start({ timing: { prebufferMs: 500 }, faults: { httpPrebuffer: 'error' } });
    const s = await started(base, '/ace/getstream?content_id=live');
    const early = await fetch(s.playbackUrl, { redirect: 'manual' });
    expect(early.status).toBe(500);
    expect(await early.text()).toBe('download not found');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const late = await fetch(s.playbackUrl, { redirect: 'manual' });
    expect(late.status).toBe(302);
  });

  it('stalls a progressive stream after httpStallAfterBytes, keeping it open', async () => {
    const base = await start({ faults: { httpStallAfterBytes: 188 * 500 } });
    const r = await fetch(`${base}/ace/getstream?content_id=live`);
    const { data, ended } = await readBody(r, Number.MAX_SAFE_INTEGER, 1000);
    expect(ended).toBe(false);
    expect(data.length).toBe(188 * 500);
  });

  it('stalls a VOD progressive stream too, after the same number of bytes', async () => {
    const base = await start({ faults: { httpStallAfterBytes: 100_000 } });
    const r = await fetch(`${base}/ace/getstream?infohash=${SERIES}`);
    const { data, ended } = await readBody(r, Number.MAX_SAFE_INTEGER, 1000);
    expect(ended).toBe(false);
    expect(data.length).toBe(100_000);
  });

  it('restarts the engine after httpRestartAfterBytes: the stream is cut and every session is unknown', async () => {
    const base = await start({ faults: { httpRestartAfterBytes: 188 * 1000 } });
    const s = await started(base, '/ace/getstream?content_id=live');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const r = await fetch(s.playbackUrl);
    const { ended } = await readBody(r, Number.MAX_SAFE_INTEGER, 10_000);
    expect(ended).toBe(true);
    const deadline = performance.now() + 10_000;
    let body: unknown;
    while (performance.now() < deadline) {
      try {
        body = await getJson(s.statUrl);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50)); // listening again shortly
      }
    }
    expect(body).toEqual({ response: null, error: 'unknown playback session id' });
  });
});

describe('the TCP API live content', () => {
  it('serves the same endless TS at the START URL', async () => {
    engine = await fastEmulator();
    ({ client } = await handshake(engine));
    client.send('START PID live 0');
    const url = urlOf((await client.until(isPlayback)).pop()!)!;
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('video/mp2t');
    expect(response.headers.get('content-length')).toBeNull();
    const { data, ended } = await readBody(response, 188 * 2000);
    expect(ended).toBe(false);
    expect(inspect(data.subarray(0, 188 * 2000)).ccErrors).toEqual([]);
  });
});
