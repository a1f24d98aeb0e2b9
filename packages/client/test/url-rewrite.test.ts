// Engines in containers write a host the client cannot reach (their container name, a
// bridge address, 127.0.0.1) into every URL they give out: the client moves those URLs
// onto the host and HTTP port it reaches the engine at. Pure cases first, then play()
// and open() against an emulator that writes `engine.invalid` (a name that never
// resolves), over real sockets.
import { afterEach, describe, expect, it } from '@jest/globals';
import { connectHttp, livePosition, open, play, rewritePlaybackUrl, type BackendOptions, type EngineSession, type HttpEngineSession, type PlayEvent } from '@ace-rx/client';
import { DEFAULT_PRODUCT_KEY, fileBytes, startEmulator, type Emulator } from '@ace-rx/emulator';
import { filter, firstValueFrom, lastValueFrom, Subscription, take, toArray } from 'rxjs';
import { waitFor } from './http-stub.js';
import { FAST as CLIENT_FAST } from './timing.js';

// No buffering episode while these tests play.
const FAST = { ...CLIENT_FAST, bufferingAfterMs: 1e9 };
const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const SEED_TARGET = { type: 'INFOHASH', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 } as const;

describe('rewritePlaybackUrl', () => {
  const engine = { host: '192.168.1.10', httpPort: 6878 };

  it('moves a container name, a bridge address or loopback onto the engine host and HTTP port, path and query kept', () => {
    expect(rewritePlaybackUrl('http://acestream:6878/content/ab/0.5?x=1&y=%20', engine)).toBe('http://192.168.1.10:6878/content/ab/0.5?x=1&y=%20');
    expect(rewritePlaybackUrl('http://172.17.0.2:6878/ace/r/ab/cd', engine)).toBe('http://192.168.1.10:6878/ace/r/ab/cd');
    expect(rewritePlaybackUrl('http://127.0.0.1:6878/ace/stat/ab/cd', engine)).toBe('http://192.168.1.10:6878/ace/stat/ab/cd');
    expect(rewritePlaybackUrl('http://engine.invalid/ace/m/ab/cd.m3u8', engine)).toBe('http://192.168.1.10:6878/ace/m/ab/cd.m3u8');
    // The container's own port (published elsewhere on the host): the port the client uses wins.
    expect(rewritePlaybackUrl('http://172.17.0.2:6878/content/ab/0', { host: '10.0.0.5', httpPort: 16878 })).toBe('http://10.0.0.5:16878/content/ab/0');
    // The right host on another port is moved too, onto the host as the client names it.
    expect(rewritePlaybackUrl('http://192.168.1.10:9/content/x', engine)).toBe('http://192.168.1.10:6878/content/x');
    expect(rewritePlaybackUrl('http://localhost:7000/content/x', { host: '127.0.0.1', httpPort: 6878 })).toBe('http://127.0.0.1:6878/content/x');
    // Not the engine's: https (the engine's server speaks http), or another server's paths (an ad, statistics).
    expect(rewritePlaybackUrl('https://acestream/content/x', engine)).toBe('https://acestream/content/x');
    expect(rewritePlaybackUrl('http://cdn.example/ads/spot.mp4', engine)).toBe('http://cdn.example/ads/spot.mp4');
    expect(rewritePlaybackUrl('http://user:pw@stats.example/track?x=1', engine)).toBe('http://user:pw@stats.example/track?x=1');
  });

  it('brackets IPv6 engine hosts, and reads IPv6 URL hosts', () => {
    expect(rewritePlaybackUrl('http://172.17.0.2:6878/content/ab/0', { host: 'fd00::10', httpPort: 6878 })).toBe('http://[fd00::10]:6878/content/ab/0');
    expect(rewritePlaybackUrl('http://172.17.0.2:6878/content/ab/0', { host: '[fd00::10]', httpPort: 6878 })).toBe('http://[fd00::10]:6878/content/ab/0');
    expect(rewritePlaybackUrl('http://[fd00::2]:6878/content/x', engine)).toBe('http://192.168.1.10:6878/content/x');
    // Already right, written either way: unchanged.
    expect(rewritePlaybackUrl('http://[FD00::10]:6878/content/x', { host: 'fd00::10', httpPort: 6878 })).toBe('http://[FD00::10]:6878/content/x');
    expect(rewritePlaybackUrl('http://[::1]:6878/content/x', { host: '127.0.0.1', httpPort: 6878 })).toBe('http://[::1]:6878/content/x');
  });

  it('leaves a URL already right, another scheme, or no URL at all unchanged', () => {
    expect(rewritePlaybackUrl('http://192.168.1.10:6878/content/ab/0', engine)).toBe('http://192.168.1.10:6878/content/ab/0');
    expect(rewritePlaybackUrl('http://BOX.lan:6878/content/x', { host: 'box.lan', httpPort: 6878 })).toBe('http://BOX.lan:6878/content/x');
    expect(rewritePlaybackUrl('http://127.0.0.1:6878/content/x', { host: 'localhost', httpPort: 6878 })).toBe('http://127.0.0.1:6878/content/x');
    expect(rewritePlaybackUrl('http://box.lan/content/x', { host: 'box.lan', httpPort: 80 })).toBe('http://box.lan/content/x');
    expect(rewritePlaybackUrl('rtmp://172.17.0.2/live/content/x', engine)).toBe('rtmp://172.17.0.2/live/content/x');
    expect(rewritePlaybackUrl('acestream://0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b', engine)).toBe('acestream://0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b');
    expect(rewritePlaybackUrl('/content/ab/0', engine)).toBe('/content/ab/0');
    expect(rewritePlaybackUrl('not a url', engine)).toBe('not a url');
  });
});

let engine: Emulator | undefined;
const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await new Promise((r) => setTimeout(r, 20)); // the stops teardown sends
  await engine?.close();
  engine = undefined;
});

async function emulator(advertiseHost: string): Promise<Emulator> {
  engine = await startEmulator({ timing: FAST, advertiseHost });
  return engine;
}

/** Whether `check` comes true within `ms` (polled every 10 ms). */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const seedBytes = (e: Emulator, start: number, end: number) => fileBytes(e.catalogue.byHash(SEED)!, 0, start, end);
const local = (e: Emulator) => new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/`);

describe.each([
  // A name that never resolves, on the HTTP port; a bridge address on the container's own port (published elsewhere).
  { advertise: 'engine.invalid', written: (_e: Emulator) => /^http:\/\/engine\.invalid:\d+\// },
  { advertise: '172.17.0.2:6878', written: (_e: Emulator) => /^http:\/\/172\.17\.0\.2:6878\// },
])('an engine that writes $advertise into its URLs', ({ advertise, written }) => {
  describe.each([
    { api: 'tcp' as const, options: (e: Emulator): BackendOptions => ({ api: 'tcp', port: e.port, productKey: DEFAULT_PRODUCT_KEY }) },
    { api: 'http' as const, options: (e: Emulator): BackendOptions => ({ api: 'http', httpPort: e.httpPort, pollMs: 10 }) },
  ])('play() on the $api API', ({ api, options }) => {
    it('plays from the host it reached: real bytes by range, then a clean stop', async () => {
      const e = await emulator(advertise);
      if (api === 'http') {
        // What the engine writes into the getstream JSON (asked, then stopped, before play()).
        const asked = (await (await fetch(`http://127.0.0.1:${e.httpPort}/ace/getstream?format=json&infohash=${SEED}&pid=probe`)).json()) as { response: { playback_url: string; stat_url: string; command_url: string } };
        const { playback_url, stat_url, command_url } = asked.response;
        for (const url of [playback_url, stat_url, command_url]) expect(url).toMatch(written(e));
        await fetch(`${command_url.replace(written(e), `http://127.0.0.1:${e.httpPort}/`)}?method=stop`);
      }
      const events: PlayEvent[] = [];
      const sub = play(SEED_TARGET, options(e)).subscribe({ next: (ev) => events.push(ev) });
      subscriptions.push(sub);
      await waitFor(() => events.some((ev) => ev.type === 'status'), 10_000);
      const playing = events.find((ev) => ev.type === 'playing') as Extract<PlayEvent, { type: 'playing' }>;
      expect(playing.url).toMatch(local(e));
      if (api === 'tcp') {
        // The engine did write the other host into START.
        const start = e.sessions[0]!.transcript.find((t) => t.direction === '<<' && t.line.startsWith('START'))!.line;
        expect(decodeURIComponent(start)).toMatch(/url=http:\/\/(engine\.invalid|172\.17\.0\.2):\d+\/content\//);
      }

      const response = await fetch(playing.url, { headers: { Range: 'bytes=1000-1999' } });
      expect(response.status).toBe(206);
      expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), seedBytes(e, 1000, 2000))).toBe(0);

      sub.unsubscribe();
      const stopped =
        api === 'tcp'
          ? () => Promise.resolve(e.sessions[0]!.transcript.some((t) => t.direction === '>>' && t.line === 'STOP'))
          : async () => ((await (await fetch(playing.url.replace('/ace/r/', '/ace/stat/'))).json()) as { error: unknown }).error === 'unknown playback session id';
      expect(await eventually(stopped)).toBe(true);
    });
  });

  it('connectHttp: stat and command URLs on the host it reached too; stat polls and a stop through them work', async () => {
    const e = await emulator(advertise);
    const session = await new Promise<HttpEngineSession>((resolve, reject) => {
      subscriptions.push(connectHttp({ port: e.httpPort, pollMs: 10 }).subscribe({ next: resolve, error: reject }));
    });
    const statuses = firstValueFrom(session.messages$.pipe(filter((m) => m.kind === 'STATUS'), take(3), toArray()));
    const position = firstValueFrom(session.messages$.pipe(livePosition()));
    const started = firstValueFrom(session.messages$.pipe(filter((m) => m.kind === 'START')));
    await lastValueFrom(session.start({ type: 'PID', playerId: 'live' }));
    const current = session.current!;
    expect(current.playbackUrl).toMatch(local(e));
    expect(current.statUrl).toMatch(local(e));
    expect(current.commandUrl).toMatch(local(e));
    expect(await started).toMatchObject({ kind: 'START', url: current.playbackUrl, statUrl: current.statUrl, commandUrl: current.commandUrl });
    expect((await statuses).length).toBe(3);
    // A command through the command URL: liveseek to a position the engine gave answers ok.
    await firstValueFrom(session.liveSeek((await position).liveFirst + 1));
    const stat = (await (await fetch(current.statUrl)).json()) as { response: { status: string } | null };
    expect(stat.response).not.toBeNull();
    await firstValueFrom(session.stop());
    const after = (await (await fetch(current.statUrl)).json()) as { error: unknown };
    expect(after.error).toBe('unknown playback session id');
  });
});

describe('HLS from an engine that writes engine.invalid', () => {
  it("play() gives the playlist on the host it reached; the engine's segment URLs inside stay as written (a player needs the gateway's HLS proxy)", async () => {
    const e = await emulator('engine.invalid');
    const events: PlayEvent[] = [];
    subscriptions.push(play({ type: 'PID', playerId: 'live' }, { api: 'http', httpPort: e.httpPort, pollMs: 10, output: 'hls' }).subscribe({ next: (ev) => events.push(ev) }));
    await waitFor(() => events.some((ev) => ev.type === 'playing'), 10_000);
    const { url } = events.find((ev) => ev.type === 'playing') as Extract<PlayEvent, { type: 'playing' }>;
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/ace/m/.*\\.m3u8$`));
    const playlist = await (await fetch(url)).text();
    const segments = playlist.split('\n').filter((line) => line.startsWith('http'));
    expect(segments.length).toBeGreaterThan(0);
    for (const segment of segments) expect(segment).toMatch(new RegExp(`^http://engine\\.invalid:${e.httpPort}/ace/c/`));
  });
});

describe('rewriteUrls: false', () => {
  it('open() over TCP hands out the URL as the engine wrote it', async () => {
    const e = await emulator('engine.invalid');
    const session: EngineSession = await open({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, rewriteUrls: false });
    try {
      const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
      const playing = events[events.length - 1]!;
      expect(playing).toMatchObject({ type: 'playing', url: expect.stringMatching(new RegExp(`^http://engine\\.invalid:${e.httpPort}/content/`)) });
    } finally {
      await session.close();
    }
  });

  it('open() over TCP rewrites by default', async () => {
    const e = await emulator('engine.invalid');
    await using session = await open({ port: e.port, productKey: DEFAULT_PRODUCT_KEY });
    const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
    expect(events[events.length - 1]).toMatchObject({ type: 'playing', url: expect.stringMatching(local(e)) });
  });

  it('play() over HTTP hands out the engine-written playback URL, while its own stat polls and stop still reach the engine', async () => {
    const e = await emulator('engine.invalid');
    const events: PlayEvent[] = [];
    const sub = play(SEED_TARGET, { api: 'http', httpPort: e.httpPort, pollMs: 10, rewriteUrls: false }).subscribe({ next: (ev) => events.push(ev) });
    subscriptions.push(sub);
    await waitFor(() => events.filter((ev) => ev.type === 'status').length >= 2, 10_000);
    const playing = events.find((ev) => ev.type === 'playing') as Extract<PlayEvent, { type: 'playing' }>;
    expect(playing.url).toMatch(new RegExp(`^http://engine\\.invalid:${e.httpPort}/ace/r/`));
    sub.unsubscribe();
    const stat = playing.url.replace('http://engine.invalid', 'http://127.0.0.1').replace('/ace/r/', '/ace/stat/');
    expect(await eventually(async () => ((await (await fetch(stat)).json()) as { error: unknown }).error === 'unknown playback session id')).toBe(true);
  });
});
