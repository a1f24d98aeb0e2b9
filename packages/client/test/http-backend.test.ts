// The HTTP-API backend against the emulator's HTTP API over real HTTP, end to end.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  connectHttp,
  ConnectionFailed,
  ContentError,
  EngineTimeout,
  LoadFailed,
  livePosition,
  prebufferProgress,
  type HttpConnectOptions,
  type HttpEngineSession,
  type StartEvent,
} from '@ace-rx/client';
import { fileBytes, startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { createServer } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, Subscription, switchMap, toArray } from 'rxjs';
import { waitFor } from './http-stub.js';
import { FAST as CLIENT_FAST } from './timing.js';

const FAST = { ...CLIENT_FAST, prebufferMs: 60 };
const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const SEED_TARGET = { type: 'INFOHASH', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 } as const;

let engine: Emulator | undefined;
const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await new Promise((r) => setTimeout(r, 20));
  await engine?.close();
  engine = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  engine = await startEmulator({ ...options, timing: { ...FAST, ...options.timing } });
  return engine;
}

function open(options: HttpConnectOptions = {}): Promise<HttpEngineSession> {
  return new Promise((resolve, reject) => {
    subscriptions.push(connectHttp({ port: engine!.httpPort, pollMs: 10, ...options }).subscribe({ next: resolve, error: reject }));
  });
}

const errorOf = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e);
const playingOf = (events: StartEvent[]) => events[events.length - 1] as Extract<StartEvent, { type: 'playing' }>;

describe("the seed's session over the HTTP API", () => {
  it('reads the version, prebuffers to the URL, fetches real bytes, stops: stat then answers unknown session', async () => {
    // Progress follows the clock: a 60 ms prebuffer can pass between two 10 ms polls of a
    // loaded machine. 400 ms leaves room for many.
    const e = await emulator({ timing: { prebufferMs: 400 } });
    const session = await open({ playerId: 'seed-player' });
    expect(session.engine).toEqual({ version: '3.1.16', versionCode: 3011600, httpPort: e.httpPort, authLevel: 0, host: '127.0.0.1' });

    const progress: number[] = [];
    const progressSub = session.messages$.pipe(prebufferProgress()).subscribe((p) => progress.push(p.percent));
    const events = await lastValueFrom(session.start(SEED_TARGET).pipe(toArray()));
    progressSub.unsubscribe();
    const percents = events.flatMap((ev) => (ev.type === 'progress' ? [ev.progress.percent] : []));
    expect(percents.length).toBeGreaterThan(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBe(100);
    expect(progress).toEqual(percents);
    const played = playingOf(events);
    expect(played).toEqual({ type: 'playing', url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/ace/r/${SEED}/[0-9a-f]{32}$`)), live: false, infohash: SEED });

    const [api] = e.httpApi.sessions.all();
    expect(api).toMatchObject({ pid: 'seed-player', output: 'progressive', state: 'active', fileIndex: 0 });
    expect(session.current?.playbackSessionId).toBe(api!.id);

    // /ace/r/… → 302 → /content/…: the one progressive reader, with Range.
    const response = await fetch(played.url, { headers: { Range: 'bytes=1000-1999' } });
    expect(response.status).toBe(206);
    expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), fileBytes(e.catalogue.byHash(SEED)!, 0, 1000, 2000))).toBe(0);

    await firstValueFrom(session.stop());
    expect(api!.state).toBe('stopped');
    const stat = (await (await fetch(played.url.replace('/ace/r/', '/ace/stat/'))).json()) as unknown;
    expect(stat).toEqual({ response: null, error: 'unknown playback session id' });
    expect(session.current).toBeUndefined();
  });

  it('plays HLS with output hls: a playlist of absolute segment URLs whose bytes are the engine’s', async () => {
    const e = await emulator();
    const session = await open({ output: 'hls' });
    const played = playingOf(await lastValueFrom(session.start(SEED_TARGET).pipe(toArray())));
    expect(played.url).toMatch(new RegExp(`/ace/m/${SEED}/[0-9a-f]{32}\\.m3u8$`));
    const playlist = await (await fetch(played.url)).text();
    expect(playlist.startsWith('#EXTM3U')).toBe(true);
    const segment = playlist.split('\n').find((line) => line.startsWith('http'))!;
    expect(segment).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/ace/c/`));
    const bytes = new Uint8Array(await (await fetch(segment)).arrayBuffer());
    expect(Buffer.compare(bytes, e.media.segment(Number(/(\d+)\.ts$/.exec(segment)![1])))).toBe(0);
  });

  it('follows a live stream: live playing, livePosition from stat, liveSeek reaches the engine', async () => {
    const e = await emulator();
    const session = await open();
    const position = firstValueFrom(session.messages$.pipe(livePosition()));
    const played = playingOf(await lastValueFrom(session.start({ type: 'PID', playerId: 'live' }).pipe(toArray())));
    expect(played.live).toBe(true);
    const pos = await position;
    expect(pos).toMatchObject({ isLive: true, bufferPieces: 30 });
    expect(pos.liveFirst).toBeLessThan(pos.liveLast);
    await firstValueFrom(session.liveSeek(pos.liveFirst + 10));
    expect(e.httpApi.sessions.all()[0]!.seekPos).toBe(pos.liveFirst + 10);
  });

  it('unsubscribing connectHttp stops what plays', async () => {
    const e = await emulator();
    const session = await open();
    await lastValueFrom(session.start(SEED_TARGET));
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await waitFor(() => e.httpApi.sessions.all()[0]!.state === 'stopped');
    expect(await session.closed).toMatchObject({ reason: 'closed' });
  });

  it('firstValueFrom of a connectHttp pipe up to playing ends the session: the URL then answers 500', async () => {
    const e = await emulator();
    const playing = await firstValueFrom(
      connectHttp({ port: e.httpPort, pollMs: 10 }).pipe(
        switchMap((s) => s.start(SEED_TARGET)),
        filter((ev) => ev.type === 'playing'),
      ),
    );
    await waitFor(() => e.httpApi.sessions.all()[0]!.state === 'stopped');
    const response = await fetch(playing.url);
    await response.arrayBuffer();
    expect(response.status).toBe(500);
  });

  it('a second start stops the first', async () => {
    const e = await emulator();
    const session = await open();
    await lastValueFrom(session.start(SEED_TARGET));
    await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }));
    await waitFor(() => e.httpApi.sessions.all()[0]!.state === 'stopped');
    expect(e.httpApi.sessions.all()[1]!.state).toBe('active');
  });
});

describe('typed errors over the HTTP API', () => {
  it('LoadFailed for content the engine cannot load', async () => {
    await emulator();
    const session = await open();
    const error = await errorOf(lastValueFrom(session.start({ type: 'PID', playerId: 'nothing-here' })));
    expect(error).toBeInstanceOf(LoadFailed);
    expect(error).toMatchObject({ reason: 'failed to load content' });
  });

  it('ContentError with the engine’s error_message for content that fails', async () => {
    await emulator();
    const session = await open();
    const error = await errorOf(lastValueFrom(session.start({ type: 'PID', playerId: 'broken' })));
    expect(error).toBeInstanceOf(ContentError);
    expect(error).toMatchObject({ reason: 'Cannot start: no seeds available' });
  });

  it('EngineTimeout when prebuffering outlasts startMs', async () => {
    await emulator({ timing: { prebufferMs: 60_000 } });
    const session = await open({ timeouts: { startMs: 200 } });
    const error = await errorOf(lastValueFrom(session.start(SEED_TARGET)));
    expect(error).toBeInstanceOf(EngineTimeout);
    expect(error).toMatchObject({ what: 'START', ms: 200 });
  });

  it('ConnectionFailed when nothing listens on the HTTP port', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const error = await errorOf(firstValueFrom(connectHttp({ port })));
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error).toMatchObject({ host: '127.0.0.1', port });
  });
});
