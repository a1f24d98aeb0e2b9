// Films and series through the gateway: answered as the engine's own HTTP server answers
// them (length, ranges, 416, HEAD), several viewers on one engine session.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_CATALOGUE, fileBytes, type Emulator } from '@ace-rx/emulator';
import { startGateway, type Gateway } from '@ace-rx/gateway';
import { backends, fastEmulator, fetchText, starts, view, waitFor } from './helpers.js';
import { installed, run } from '../../../scripts/test-tools.js';

let engine: Emulator | undefined;
let gateway: Gateway | undefined;

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
process.on('warning', onWarning);
afterAll(() => void process.off('warning', onWarning));

afterEach(async () => {
  await gateway?.close();
  await engine?.close();
  gateway = engine = undefined;
});

/** The film's bytes as the catalogue makes them: what the engine serves on either API. */
function engineFile(e: Emulator, playerId: string): Promise<Buffer> {
  const content = e.catalogue.all().find((c) => c.playerId === playerId)!;
  return Promise.resolve(Buffer.from(fileBytes(content, 0)));
}

const bytesOf = async (url: string, headers: Record<string, string> = {}) => {
  const v = view(url, { headers });
  const res = await v.response;
  return { res, body: await v.done };
};

describe.each(['tcp', 'http'] as const)('a film through the gateway, %s API', (api) => {
  it('answers with its length, Accept-Ranges and its type; Range gives 206 and exactly those bytes; suffix, 416, HEAD', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, lingerMs: 2_000 });
    const url = `http://127.0.0.1:${gateway.port}/ace/getstream?id=series`;
    const reference = await engineFile(engine, 'series');
    const whole = await bytesOf(url);
    expect(whole.res.statusCode).toBe(200);
    expect(whole.res.headers['accept-ranges']).toBe('bytes');
    expect(Number(whole.res.headers['content-length'])).toBe(whole.body.length);
    expect(whole.body.equals(reference)).toBe(true);
    expect(gateway.status().streams[0]).toMatchObject({ kind: 'film', film: { size: reference.length } });

    const from = 3_000_000;
    const tail = await bytesOf(url, { Range: `bytes=${from}-` });
    expect(tail.res.statusCode).toBe(206);
    expect(tail.res.headers['content-range']).toBe(`bytes ${from}-${reference.length - 1}/${reference.length}`);
    expect(Number(tail.res.headers['content-length'])).toBe(reference.length - from);
    expect(tail.body.equals(reference.subarray(from))).toBe(true);

    const suffix = await bytesOf(url, { Range: 'bytes=-1000' });
    expect(suffix.res.statusCode).toBe(206);
    expect(suffix.body.equals(reference.subarray(reference.length - 1000))).toBe(true);

    const middle = await bytesOf(url, { Range: 'bytes=1048570-1048585' });
    expect(middle.res.headers['content-range']).toBe(`bytes 1048570-1048585/${reference.length}`);
    expect(middle.body.equals(reference.subarray(1048570, 1048586))).toBe(true);

    const past = await fetchText(url, { Range: `bytes=${reference.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${reference.length}`);
    // An invalid range-spec (first > last) is ignored: the whole file.
    const invalid = await bytesOf(url, { Range: 'bytes=500-100' });
    expect(invalid.res.statusCode).toBe(200);
    expect(invalid.body.length).toBe(reference.length);

    const head = await fetchText(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(reference.length);
    expect(head.body).toBe('');
    if (api === 'tcp') expect(starts(engine)).toBe(1);
    else expect(engine.httpApi.sessions.all()).toHaveLength(1);
    // What went out is counted, in /status and the totals.
    const sent = whole.body.length + tail.body.length + suffix.body.length + middle.body.length + invalid.body.length;
    expect(gateway.status().streams[0]!.bytesOut).toBe(sent);
    expect(gateway.status().bytesOut).toBe(sent);
    expect(gateway.status().streams[0]!.bytesIn).toBeGreaterThanOrEqual(sent);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('answers HLS of a film at once with 409 NOT_LIVE (its /ace/getstream URL serves it)', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, lingerMs: 200 });
    const r = await fetchText(`http://127.0.0.1:${gateway.port}/ace/manifest.m3u8?id=series`);
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'NOT_LIVE' });
    expect(r.ms).toBeLessThan(5_000);
  });

  it('two viewers read different ranges at once from one engine session', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends[api](engine)], port: 0, lingerMs: 2_000 });
    const url = `http://127.0.0.1:${gateway.port}/ace/getstream?id=series`;
    const reference = await engineFile(engine, 'series');
    const [a, b] = await Promise.all([bytesOf(url, { Range: 'bytes=0-' }), bytesOf(url, { Range: `bytes=${reference.length >> 1}-` })]);
    expect([a.res.statusCode, b.res.statusCode]).toEqual([206, 206]);
    expect(a.body.equals(reference)).toBe(true);
    expect(b.body.equals(reference.subarray(reference.length >> 1))).toBe(true);
    expect(gateway.status().streams).toHaveLength(1);
    if (api === 'tcp') expect(starts(engine)).toBe(1);
    else expect(engine.httpApi.sessions.all()).toHaveLength(1);
  });
});

const players = installed('ffprobe') && installed('mpv');

(players ? describe : describe.skip)('real players on a film whose MP4 index (moov) is at the end', () => {

  it('ffprobe reads it, and mpv starts it 4 s in (a seek) and plays, through the gateway on one engine session', async () => {
    engine = await fastEmulator();
    gateway = await startGateway({ engines: [backends.tcp(engine)], port: 0, lingerMs: 2_000 });
    const url = `http://127.0.0.1:${gateway.port}/ace/getstream?id=with-ads`;
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_name', '-of', 'json', url]);
    expect([probe.code, probe.err]).toEqual([0, '']);
    const info = JSON.parse(probe.out) as { format: { format_name: string; duration: string }; streams: { codec_name: string }[] };
    expect(info.format.format_name).toMatch(/mp4/);
    expect(Number(info.format.duration)).toBeGreaterThan(5);
    const mpv = await run('mpv', ['--no-config', '--vo=null', '--ao=null', '--start=4', '--length=2', '--msg-level=all=info', url]);
    expect(mpv.code).toBe(0);
    expect(mpv.out + mpv.err).toMatch(/VO: \[null\] \d+x\d+/);
    expect(mpv.out + mpv.err).not.toMatch(/Errors when loading file/);
    expect(starts(engine)).toBe(1);
  }, 60_000);
});

describe('a film reader that takes no bytes', () => {
  it('is dropped after stallMs, as a TS viewer is, and the others are not held back', async () => {
    const big = { infohash: 'b16f11e0'.repeat(5), playerId: 'big-film', files: [{ name: 'Big film.mp4', size: 256 * 1024 * 1024 }] };
    engine = await fastEmulator({ catalogue: [...DEFAULT_CATALOGUE, big] });
    gateway = await startGateway({ engines: [backends.tcp(engine)], port: 0, lingerMs: 5_000, stallMs: 1_000 });
    const url = `http://127.0.0.1:${gateway.port}/ace/getstream?id=big-film`;
    const stalled = [view(url, { read: false }), view(url, { read: false, headers: { Range: 'bytes=100000000-' } })];
    await Promise.all(stalled.map((v) => v.response));
    await waitFor(() => gateway!.status().streams[0]?.film?.viewers === 2, 10_000, 'two readers');
    // A reader that does read gets its range meanwhile.
    const reader = await bytesOf(url, { Range: 'bytes=200000000-202999999' });
    expect(reader.body.length).toBe(3_000_000);
    await waitFor(() => gateway!.status().streams[0]?.film?.viewers === 0, 20_000, 'the stalled readers to be dropped');
    for (const v of stalled) v.close();
  }, 40_000);
});
