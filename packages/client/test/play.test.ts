// One test body, run on both backends through `play`: the same events, the same typed
// errors, the same teardown, against the emulator over real sockets.
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConnectionFailed, ContentError, LoadFailed, openSession, play, type BackendOptions, type PlaybackSession, type PlayEvent } from '@ace-rx/client';
import { createServer } from 'node:net';
import { DEFAULT_PRODUCT_KEY, fileBytes, startEmulator, type Emulator } from '@ace-rx/emulator';
import { filter, firstValueFrom, lastValueFrom, share, Subscription, take, takeWhile, timer, toArray } from 'rxjs';
import { waitFor } from './http-stub.js';

import { FAST } from './timing.js';
const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const SEED_TARGET = { type: 'INFOHASH', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 } as const;

let engine: Emulator | undefined;
const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await new Promise((r) => setTimeout(r, 20)); // the stops teardown sends
  await engine?.close();
  engine = undefined;
});

interface Backend {
  readonly name: 'tcp' | 'http';
  readonly options: (e: Emulator) => BackendOptions;
  /** Whether the engine has stopped what the client played. */
  readonly stopped: (e: Emulator, playing: Extract<PlayEvent, { type: 'playing' }>) => Promise<boolean>;
  /** The typed error of content the engine does not know. */
  readonly unknownContent: typeof ContentError | typeof LoadFailed;
  /** The bytes the seed's playback URL serves at `[start, end)`. */
  readonly bytes: (e: Emulator, start: number, end: number) => Uint8Array;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'tcp',
    options: (e) => ({ api: 'tcp', port: e.port, productKey: DEFAULT_PRODUCT_KEY }),
    stopped: async (e) => e.sessions.some((s) => s.transcript.some((t) => t.direction === '>>' && t.line === 'STOP')),
    // The TCP engine answers START of unknown content with STATUS main:err.
    unknownContent: ContentError,
    bytes: (e, start, end) => fileBytes(e.catalogue.byHash(SEED)!, 0, start, end),
  },
  {
    name: 'http',
    options: (e) => ({ api: 'http', httpPort: e.httpPort }),
    // After method=stop the session's stat answers "unknown playback session id" (spec §5.6).
    stopped: async (_e, playing) => {
      const stat = playing.url.replace('/ace/r/', '/ace/stat/');
      const body = (await (await fetch(stat)).json()) as { error: unknown };
      return body.error === 'unknown playback session id';
    },
    // The HTTP engine answers a start of unknown content with "failed to load content".
    unknownContent: LoadFailed,
    // The emulator's HTTP API serves the same file bytes as the TCP API's URL (the .mp4 itself).
    bytes: (e, start, end) => fileBytes(e.catalogue.byHash(SEED)!, 0, start, end),
  },
];

/** Whether `check` comes true within `ms` (polled every 10 ms). */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const collect = (events: PlayEvent[]) => (event: PlayEvent) => events.push(event);
const errorOf = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e);

describe.each(BACKENDS)('play on the $name API', (backend) => {
  async function emulator(timing: Partial<typeof FAST> = {}): Promise<Emulator> {
    engine = await startEmulator({ timing: { ...FAST, ...timing } });
    return engine;
  }
  const options = (e: Emulator): BackendOptions => ({ ...backend.options(e), pollMs: 10 });

  it('plays the seed: progress rising, then the playing URL with real bytes, then status; unsubscribing stops it', async () => {
    // The engine's progress follows the clock: a 40 ms prebuffer can pass between two polls
    // of a loaded machine (one progress seen, in CI). 600 ms leaves dozens of 10 ms polls.
    const e = await emulator({ prebufferMs: 600 });
    const events: PlayEvent[] = [];
    const sub = play(SEED_TARGET, options(e)).subscribe({ next: collect(events) });
    subscriptions.push(sub);
    await waitFor(() => events.filter((ev) => ev.type === 'status').length >= 2, 10_000);
    const playingAt = events.findIndex((ev) => ev.type === 'playing');
    const percents = events.slice(0, playingAt).flatMap((ev) => (ev.type === 'progress' ? [ev.progress.percent] : []));
    expect(percents.length).toBeGreaterThan(1);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(events.slice(0, playingAt).every((ev) => ev.type === 'progress')).toBe(true);
    const playing = events[playingAt] as Extract<PlayEvent, { type: 'playing' }>;
    expect(playing).toEqual({ type: 'playing', url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${e.httpPort}/`)), live: false, infohash: SEED });
    expect(events.slice(playingAt + 1).every((ev) => ev.type === 'status' || ev.type === 'buffering' || ev.type === 'resumed')).toBe(true);

    const response = await fetch(playing.url, { headers: { Range: 'bytes=1000-1999' } });
    expect(response.status).toBe(206);
    expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), backend.bytes(e, 1000, 2000))).toBe(0);

    sub.unsubscribe();
    expect(await eventually(() => backend.stopped(e, playing))).toBe(true);
  });

  it('fails content the engine cannot start with ContentError, its message kept', async () => {
    const e = await emulator();
    const error = await errorOf(lastValueFrom(play({ type: 'PID', playerId: 'broken' }, options(e)).pipe(takeWhile((ev) => ev.type !== 'playing', true))));
    expect(error).toBeInstanceOf(ContentError);
    expect(error).toMatchObject({ code: 'CONTENT_ERROR', reason: 'Cannot start: no seeds available' });
  });

  it('fails content the engine does not know with a typed error', async () => {
    const e = await emulator();
    const error = await errorOf(lastValueFrom(play({ type: 'PID', playerId: 'nothing-here' }, options(e)).pipe(takeWhile((ev) => ev.type !== 'playing', true))));
    expect(error).toBeInstanceOf(backend.unknownContent);
  });

  it('plays live content as live, with livepos while it plays', async () => {
    const e = await emulator();
    const events = await firstValueFrom(
      play({ type: 'PID', playerId: 'live' }, options(e)).pipe(
        filter((ev) => ev.type === 'playing' || ev.type === 'livepos'),
        take(2),
        toArray(),
      ),
    );
    expect(events[0]).toMatchObject({ type: 'playing', live: true });
    expect(events[1]).toMatchObject({ type: 'livepos', position: { isLive: true } });
  });

  it('stops the content once the stream ends: lastValueFrom up to playing leaves a URL that no longer serves (500 over HTTP)', async () => {
    const e = await emulator();
    // The documented pitfall: ending the stream (here takeWhile + lastValueFrom) is unsubscribing.
    const playing = await lastValueFrom(play(SEED_TARGET, options(e)).pipe(takeWhile((ev) => ev.type !== 'playing', true)));
    if (playing.type !== 'playing') throw new Error(`expected playing, got ${playing.type}`);
    expect(await eventually(() => backend.stopped(e, playing))).toBe(true);
    const response = await fetch(playing.url);
    await response.arrayBuffer();
    expect(response.ok).toBe(false);
    // A real engine answers a stopped HTTP session's URL with 500 (http-api.md §5.6); the emulator too.
    if (backend.name === 'http') expect(response.status).toBe(500);
  });

  it('is shared the gateway way: one engine session for two viewers, stopped after the last leaves and the linger ends', async () => {
    const e = await emulator();
    const stream$ = play(SEED_TARGET, options(e)).pipe(share({ resetOnRefCountZero: () => timer(50) }));
    const a: PlayEvent[] = [];
    const b: PlayEvent[] = [];
    const first = stream$.subscribe(collect(a));
    await waitFor(() => a.some((ev) => ev.type === 'playing'), 10_000);
    const second = stream$.subscribe(collect(b));
    await waitFor(() => b.some((ev) => ev.type === 'status'), 10_000);
    first.unsubscribe();
    second.unsubscribe();
    const playing = a.find((ev) => ev.type === 'playing') as Extract<PlayEvent, { type: 'playing' }>;
    expect(await backend.stopped(e, playing)).toBe(false); // lingering
    expect(await eventually(() => backend.stopped(e, playing))).toBe(true);
  });
});

describe('play on TCP with ads', () => {
  it('reports each ad watched by default, so the main video follows', async () => {
    engine = await startEmulator({ timing: FAST });
    const e = engine;
    const events = await firstValueFrom(
      play({ type: 'PID', playerId: 'with-ads' }, { api: 'tcp', port: e.port, productKey: DEFAULT_PRODUCT_KEY }).pipe(
        filter((ev) => ev.type === 'ad' || ev.type === 'playing'),
        take(3),
        toArray(),
      ),
    );
    expect(events.map((ev) => (ev.type === 'ad' ? `ad ${ev.skippable}` : ev.type))).toEqual(['ad false', 'ad true', 'playing']);
    const sent = e.sessions[0]!.transcript.filter((t) => t.direction === '>>' && t.line.startsWith('PLAYBACK'));
    expect(sent.map((t) => t.line.split(' ').pop())).toEqual(['100', '100']);
  });

  it('with skipAds false leaves the ads to the caller: no PLAYBACK, no main video', async () => {
    engine = await startEmulator({ timing: FAST });
    const e = engine;
    const events: PlayEvent[] = [];
    subscriptions.push(play({ type: 'PID', playerId: 'with-ads' }, { api: 'tcp', port: e.port, productKey: DEFAULT_PRODUCT_KEY, skipAds: false }).subscribe(collect(events)));
    await waitFor(() => events.some((ev) => ev.type === 'ad'), 10_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(events.filter((ev) => ev.type === 'ad')).toHaveLength(1);
    expect(events.some((ev) => ev.type === 'playing')).toBe(false);
    expect(e.sessions[0]!.transcript.some((t) => t.direction === '>>' && t.line.startsWith('PLAYBACK'))).toBe(false);
  });
});

describe('the backend picker', () => {
  it('tcp and auto take the TCP API when it answers', async () => {
    const e = await startEmulator({ timing: FAST });
    engine = e;
    for (const api of ['tcp', 'auto'] as const) {
      const session = await new Promise<{ engine: { httpPort: number; authLevel: number } }>((resolve, reject) => {
        subscriptions.push(openSession({ api, port: e.port, productKey: DEFAULT_PRODUCT_KEY }).subscribe({ next: resolve, error: reject }));
      });
      expect(session.engine).toMatchObject({ httpPort: e.httpPort, authLevel: 1 });
    }
  });

  it('auto takes the HTTP API when nothing listens on the TCP port', async () => {
    const e = await startEmulator({ timing: FAST });
    engine = e;
    const closed = await freePort();
    const session = await opened({ api: 'auto', port: closed, httpPort: e.httpPort, productKey: DEFAULT_PRODUCT_KEY });
    expect(session.engine).toEqual({ version: '3.1.16', versionCode: 3011600, httpPort: e.httpPort, authLevel: 0, host: '127.0.0.1' });
  });

  it('auto takes the HTTP API when the TCP API does not finish its handshake within probeMs', async () => {
    const e = await startEmulator({ timing: FAST, faults: { silentAfterLines: 0 } });
    engine = e;
    const began = Date.now();
    const session = await opened({ api: 'auto', port: e.port, httpPort: e.httpPort, probeMs: 200, productKey: DEFAULT_PRODUCT_KEY });
    expect(session.engine.authLevel).toBe(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    await waitFor(() => e.sessions.every((s) => s.isClosed)); // the probe's connection was closed
  });

  it('http fails with ConnectionFailed when its port does not answer, without trying TCP', async () => {
    const e = await startEmulator({ timing: FAST });
    engine = e;
    const closed = await freePort();
    const error = await opened({ api: 'http', port: e.port, httpPort: closed }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error).toMatchObject({ port: closed });
    expect(e.sessions).toHaveLength(0);
  });
});

function opened(options: BackendOptions): Promise<PlaybackSession> {
  return new Promise((resolve, reject) => {
    subscriptions.push(openSession(options).subscribe({ next: resolve, error: reject }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
