// The client over real TCP against the emulator, end to end.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  connect,
  ContentError,
  EngineDisconnected,
  EngineTimeout,
  HandshakeRefused,
  LoadFailed,
  ConnectionFailed,
  livePosition,
  prebufferProgress,
  rewritePlaybackUrl,
  type EngineSession,
  type StartEvent,
} from '@ace-rx/client';
import { DEFAULT_PRODUCT_KEY, fileBytes, startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { filter, firstValueFrom, lastValueFrom, share, Subscription, take, toArray, timer } from 'rxjs';

import { FAST } from './timing.js';
const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';

let engine: Emulator | undefined;
const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await engine?.close();
  engine = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  engine = await startEmulator({ ...options, timing: { ...FAST, ...options.timing } });
  return engine;
}

/** Connects and keeps the connection open until the test ends. */
function open(options: Parameters<typeof connect>[0] = {}): Promise<EngineSession> {
  return new Promise((resolve, reject) => {
    subscriptions.push(connect({ port: engine!.port, productKey: DEFAULT_PRODUCT_KEY, ...options }).subscribe({ next: resolve, error: reject }));
  });
}

const lastOf = (events: StartEvent[]) => events[events.length - 1]!;
const sentKinds = (e: Emulator, session = 0) => e.sessions[session]!.transcript.filter((t) => t.direction === '>>').map((t) => t.line.split(' ')[0]);

describe("the seed's whole session through the client", () => {
  it('handshakes with a key, loads, gets the PID, prebuffers to the URL, fetches real bytes, reports and shuts down', async () => {
    // Progress follows the clock: a 40 ms prebuffer can pass in two timer ticks of a loaded
    // machine (CI saw two STATUS lines). 400 ms leaves room for many.
    const e = await emulator({ timing: { prebufferMs: 400 } });
    const session = await open();
    expect(session.engine).toEqual({ version: '3.1.16', versionCode: 3011600, httpPort: e.httpPort, authLevel: 1, host: '127.0.0.1' });

    const loaded = await firstValueFrom(session.load({ type: 'TORRENT', url: 'http://rutor.org/download/67346', developerId: 0, affiliateId: 0, zoneId: 0 }));
    expect(loaded.files).toEqual([{ name: 'Prey 2_ E3 2011 Official Trailer_2.mp4', index: 0 }]);
    expect(await firstValueFrom(session.getPid(SEED))).toBe('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d');
    expect(await firstValueFrom(session.loadSync({ type: 'INFOHASH', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 }))).toEqual(loaded);

    const progress: number[] = [];
    const progressSub = session.messages$.pipe(prebufferProgress()).subscribe((p) => progress.push(p.percent));
    const events = await lastValueFrom(session.start({ type: 'TORRENT', url: 'http://rutor.org/download/67346', developerId: 0, affiliateId: 0, zoneId: 0 }).pipe(toArray()));
    progressSub.unsubscribe();
    const played = lastOf(events);
    expect(played).toEqual({ type: 'playing', url: `http://127.0.0.1:${e.httpPort}/content/${SEED}/0`, live: false, infohash: SEED });
    const percents = events.flatMap((ev) => (ev.type === 'progress' ? [ev.progress.percent] : []));
    expect(percents.length).toBeGreaterThan(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress).toEqual(percents);

    const url = played.type === 'playing' ? played.url : '';
    const response = await fetch(url, { headers: { Range: 'bytes=1000-1999' } });
    expect(response.status).toBe(206);
    expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), fileBytes(e.catalogue.byHash(SEED)!, 0, 1000, 2000))).toBe(0);

    await firstValueFrom(session.duration(url, 201964));
    for (const event of [0, 25, 50, 75, 100] as const) await firstValueFrom(session.playback(url, event));
    await firstValueFrom(session.stop());
    subscriptions.splice(0).forEach((s) => s.unsubscribe()); // unsubscribe → SHUTDOWN, close
    await waitFor(() => e.sessions[0]!.isClosed);
    expect(sentKinds(e)).toEqual([
      'HELLOBG', 'READY', 'SETOPTIONS', 'LOADASYNC', 'GETPID', 'LOAD', 'START', 'DUR', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'STOP', 'SHUTDOWN',
    ]);
    expect(e.sessions[0]!.options.get('use_stop_notifications')).toBe('1');
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('flows', () => {
  it('plays ads first, each skippable or not, and the main video after PLAYBACK 100', async () => {
    await emulator();
    const session = await open();
    const events: StartEvent[] = [];
    await new Promise<void>((resolve, reject) =>
      subscriptions.push(
        session.start({ type: 'PID', playerId: 'with-ads' }).subscribe({
          next: (event) => {
            events.push(event);
            if (event.type === 'ad') session.playback(event.url, 100).subscribe();
          },
          error: reject,
          complete: resolve,
        }),
      ),
    );
    expect(events.filter((e) => e.type !== 'progress')).toEqual([
      { type: 'ad', url: expect.stringContaining('/ad/'), skippable: false },
      { type: 'ad', url: expect.stringContaining('/ad/'), skippable: true },
      { type: 'playing', url: expect.stringContaining('/content/'), live: false, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) },
    ]);
  });

  it.each([
    ['version=4', 4, 'keyed'],
    ['version=3', 3, 'positional'],
    ['no version', null, 'PLAY'],
  ] as const)('understands the playback URL of each engine generation (HELLOBG %s)', async (_name, helloVersion, form) => {
    const e = await emulator();
    const session = await open({ helloVersion });
    const playing = lastOf(await lastValueFrom(session.start({ type: 'PID', playerId: 'live' }).pipe(toArray())));
    // Only the keyed START (version 4) names the infohash beside the URL.
    expect(playing).toEqual({ type: 'playing', url: expect.stringContaining('/content/'), live: form !== 'PLAY', ...(form === 'keyed' ? { infohash: expect.stringMatching(/^[0-9a-f]{40}$/) } : {}) });
    const announced = e.sessions[0]!.transcript.find((t) => t.direction === '<<' && (t.line.startsWith('START') || t.line.startsWith('PLAY ')))!.line;
    expect(announced.startsWith(form === 'keyed' ? 'START url=' : form === 'positional' ? 'START http' : 'PLAY ')).toBe(true);
  });

  it('fails START of failing content with ContentError', async () => {
    await emulator();
    const session = await open();
    // Newer engines (and the emulator) report `starting` first: the error ends the stream after it.
    await expect(lastValueFrom(session.start({ type: 'PID', playerId: 'broken' }))).rejects.toEqual(new ContentError(2, 'Cannot start: no seeds available'));
  });

  it('turns LOADRESP status -1 into LoadFailed', async () => {
    await emulator();
    const session = await open();
    await expect(firstValueFrom(session.load({ type: 'PID', playerId: 'nothing-here' }))).rejects.toBeInstanceOf(LoadFailed);
    await expect(firstValueFrom(session.loadSync({ type: 'PID', playerId: 'nothing-here' }))).rejects.toBeInstanceOf(LoadFailed);
    expect(await firstValueFrom(session.getPid('f'.repeat(40)))).toBeUndefined();
  });

  it('answers EVENT getuserdata with USERDATA', async () => {
    const e = await emulator({ askUserData: true });
    await open({ userData: { gender: 2, age: 6 } });
    await waitFor(() => e.sessions[0]!.userData !== undefined);
    expect(e.sessions[0]!.userData).toEqual({ gender: 2, age: 6 });
  });
});

describe('live streams and ids', () => {
  it('follows EVENT livepos with livePosition() and seeks with liveSeek: the engine restarts at the new position', async () => {
    const e = await emulator();
    const session = await open();
    const positions: number[] = [];
    subscriptions.push(session.messages$.pipe(livePosition()).subscribe((p) => positions.push(p.pos)));
    const playing = lastOf(await lastValueFrom(session.start({ type: 'PID', playerId: 'live' }).pipe(toArray())));
    expect(playing).toMatchObject({ type: 'playing', live: true });
    await waitFor(() => positions.length > 0);
    const again = lastValueFrom(session.messages$.pipe(filter((m) => m.kind === 'START'), take(1)));
    await firstValueFrom(session.liveSeek(positions[0]! - 3));
    expect(await again).toMatchObject({ kind: 'START', url: expect.stringContaining(`?pos=${positions[0]! - 3}`) });
    expect(sentKinds(e)).toContain('LIVESEEK');
  });

  it('gets a content id with getCid, and none for unknown content', async () => {
    const e = await emulator();
    const session = await open();
    const series = e.catalogue.byHash('0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b')!;
    expect(await firstValueFrom(session.getCid({ infohash: series.infohash, checksum: series.infohash, developerId: 0, affiliateId: 0, zoneId: 0 }))).toBe(e.catalogue.contentId(series));
    expect(await firstValueFrom(session.getCid({ infohash: 'e'.repeat(40) }))).toBeUndefined();
  });
});

describe('handshake failures', () => {
  it('errors with HandshakeRefused on a wrong key', async () => {
    await emulator({ productKey: 'other-key' });
    await expect(open()).rejects.toBeInstanceOf(HandshakeRefused);
  });

  it('errors with ConnectionFailed when nothing listens', async () => {
    const e = await emulator();
    const port = e.port;
    await e.close();
    engine = undefined;
    await expect(firstValueFrom(connect({ port }))).rejects.toBeInstanceOf(ConnectionFailed);
  });

  it('errors with EngineTimeout when the engine never answers', async () => {
    await emulator({ faults: { silentAfterLines: 0 } });
    await expect(open({ timeouts: { handshakeMs: 50 } })).rejects.toEqual(new EngineTimeout('the handshake', 50));
  });
});

describe('engine faults', () => {
  it('fails a pending getPid at once when the connection closes', async () => {
    const e = await emulator({ faults: { syncDelayMs: 5000 } });
    const session = await open({ timeouts: { syncMs: 10_000 } });
    const pending = firstValueFrom(session.getPid(SEED));
    await waitFor(() => sentKinds(e).includes('GETPID'));
    const started = Date.now();
    e.sessions[0]!.destroy();
    await expect(pending).rejects.toBeInstanceOf(EngineDisconnected);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times out a sync request the engine never answers', async () => {
    await emulator({ faults: { silentAfterLines: 2 } });
    const session = await open({ timeouts: { syncMs: 60 } });
    await expect(firstValueFrom(session.getPid(SEED))).rejects.toEqual(new EngineTimeout('GETPID', 60));
  });

  it('reports garbage on decodeErrors$ and lives on', async () => {
    await emulator({ faults: { garbageEvery: 2 } });
    const session = await open();
    const errors: unknown[] = [];
    subscriptions.push(session.decodeErrors$.subscribe((error) => errors.push(error)));
    const playing = lastOf(await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray())));
    expect(playing.type).toBe('playing');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError' });
  });

  it('reads lines the engine writes in tiny pieces', async () => {
    await emulator({ faults: { chunkBytes: 2 } });
    const session = await open();
    expect(await firstValueFrom(session.getPid(SEED))).toBe('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d');
  });

  it('reconnects after an engine restart when retry is on, with a new handshake', async () => {
    const e = await emulator();
    const sessions: EngineSession[] = [];
    subscriptions.push(connect({ port: e.port, productKey: DEFAULT_PRODUCT_KEY, retry: { delayMs: 10 } }).subscribe((s) => sessions.push(s)));
    await waitFor(() => sessions.length === 1);
    const inFlight = firstValueFrom(sessions[0]!.start({ type: 'PID', playerId: 'series' }));
    await e.restart();
    await expect(inFlight).rejects.toBeInstanceOf(EngineDisconnected);
    await waitFor(() => sessions.length === 2);
    expect(await firstValueFrom(sessions[1]!.getPid(SEED))).toBe('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d');
    expect(sentKinds(e, e.sessions.length - 1).slice(0, 2)).toEqual(['HELLOBG', 'READY']);
  });

  it('fails START with EngineDisconnected when the connection drops after some progress', async () => {
    await emulator({ faults: { closeAfterLines: 5 } });
    const session = await open().catch(() => undefined);
    const events: StartEvent[] = [];
    const outcome = new Promise<unknown>((resolve) => session!.start({ type: 'PID', playerId: 'series' }).subscribe({ next: (e) => events.push(e), error: resolve, complete: () => resolve('completed') }));
    expect(await outcome).toBeInstanceOf(EngineDisconnected);
    expect(events.length).toBeGreaterThan(0); // progress came, then the connection went
  });

  it('completes messages$ when the session closes, whoever closes it', async () => {
    const e = await emulator();
    const mine = await open();
    const completedByUs = new Promise<string>((resolve) => mine.messages$.subscribe({ complete: () => resolve('completed'), error: () => resolve('errored') }));
    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    expect(await completedByUs).toBe('completed');
    const theirs = await open().catch(() => undefined);
    const completedByEngine = new Promise<string>((resolve) => theirs!.messages$.subscribe({ complete: () => resolve('completed'), error: () => resolve('errored') }));
    e.sessions.at(-1)!.destroy();
    expect(await completedByEngine).toBe('completed');
  });

  it('does not reconnect without retry: the session errors', async () => {
    const e = await emulator();
    const failure = new Promise<unknown>((resolve) => subscriptions.push(connect({ port: e.port, productKey: DEFAULT_PRODUCT_KEY }).subscribe({ error: resolve })));
    await waitFor(() => e.sessions.length === 1 && e.sessions[0]!.authenticated);
    await e.restart();
    expect(await failure).toBeInstanceOf(EngineDisconnected);
  });
});

describe('sharing and hosts', () => {
  it('shares one connection among subscribers with share()', async () => {
    const e = await emulator();
    const shared$ = connect({ port: e.port, productKey: DEFAULT_PRODUCT_KEY }).pipe(share({ resetOnRefCountZero: () => timer(20) }));
    const [a, b] = await Promise.all([
      new Promise<EngineSession>((r) => subscriptions.push(shared$.subscribe(r))),
      new Promise<EngineSession>((r) => subscriptions.push(shared$.subscribe(r))),
    ]);
    expect(a).toBe(b);
    expect(e.sessions).toHaveLength(1);
  });

  it('rewrites 127.0.0.1 in playback URLs to the engine host and HTTP port', async () => {
    const e = await emulator({ host: '127.0.0.2' });
    const session = await open({ host: '127.0.0.2' });
    const playing = lastOf(await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray())));
    const url = playing.type === 'playing' ? playing.url : '';
    expect(url).toBe(`http://127.0.0.2:${e.httpPort}/content/0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b/0`);
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    // DUR and PLAYBACK still carry the engine's own URL.
    await firstValueFrom(session.playback(url, 0));
    await waitFor(() => sentKinds(e).includes('PLAYBACK'));
    expect(e.sessions[0]!.transcript.find((t) => t.line.startsWith('PLAYBACK'))!.line).toContain('http://127.0.0.1:');
  });

  it("leaves URLs alone for a local engine; moves the engine server's URLs on any other host onto the engine, not other servers' (url-rewrite.test.ts has every case)", () => {
    expect(rewritePlaybackUrl('http://127.0.0.1:6878/content/x', { host: 'localhost', httpPort: 6878 })).toBe('http://127.0.0.1:6878/content/x');
    // A host it names on its own paths that the client does not reach it at is the engine's view of itself.
    expect(rewritePlaybackUrl('http://engine-container/content/x', { host: '10.0.0.2', httpPort: 6878 })).toBe('http://10.0.0.2:6878/content/x');
    expect(rewritePlaybackUrl('http://cdn.example/x', { host: '10.0.0.2', httpPort: 6878 })).toBe('http://cdn.example/x');
    expect(rewritePlaybackUrl('http://127.0.0.1:6878/ace/r/x?a=1', { host: 'box.lan', httpPort: 7000 })).toBe('http://box.lan:7000/ace/r/x?a=1');
  });

  it('takes(1) of messages$ and unsubscribes cleanly', async () => {
    await emulator();
    const session = await open();
    const status = firstValueFrom(session.messages$.pipe(take(1)));
    session.send({ kind: 'STATUS' });
    expect(await status).toEqual({ kind: 'STATUS', main: { state: 'idle' } });
  });
});
