// The HTTP-API backend over real HTTP against a stub that answers with the spec's
// verbatim bodies: the error paths, the stat polling details and teardown.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  connectHttp,
  ConnectionFailed,
  ContentError,
  EngineDisconnected,
  EngineTimeout,
  LoadFailed,
  playOn,
  SessionClosed,
  livePosition,
  play,
  prebufferProgress,
  type HttpConnectOptions,
  type HttpEngineSession,
  type PlayEvent,
} from '@ace-rx/client';
import { createServer } from 'node:net';
import { firstValueFrom, lastValueFrom, Subscription, take, toArray } from 'rxjs';
import { startStub, statSample, waitFor, type Stub, type StubOptions } from './http-stub.js';

let stub: Stub | undefined;
const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  // Let the stops that teardown sends reach the stub before it closes.
  if (stub) await waitFor(() => stub!.open() === 0).catch(() => undefined);
  await stub?.close();
  stub = undefined;
});

const TARGET = { type: 'INFOHASH', infohash: '0a4848271c91ce2d8965ce416267c25047dc8141', developerId: 0, affiliateId: 0, zoneId: 0 } as const;

async function open(stubOptions: StubOptions = {}, options: HttpConnectOptions = {}): Promise<HttpEngineSession> {
  stub = await startStub(stubOptions);
  return new Promise((resolve, reject) => {
    subscriptions.push(connectHttp({ port: stub!.port, pollMs: 10, ...options }).subscribe({ next: resolve, error: reject }));
  });
}

const errorOf = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e);

describe('connectHttp against a spec stub', () => {
  it('reads get_version into EngineInfo', async () => {
    const session = await open();
    expect(session.engine).toEqual({ version: '3.2.3', versionCode: 3020300, httpPort: stub!.port, authLevel: 0, host: '127.0.0.1' });
    expect(stub!.requests[0]).toBe('/webui/api/service?method=get_version&format=json');
  });

  it('starts with format=json, a pid and _idx, polls stat with skip_player_activity=1, and plays once stat says dl', async () => {
    const session = await open({}, { playerId: 'p1' });
    const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'abc' }, [2]).pipe(toArray()));
    const start = new URL(`http://x${stub!.requests[1]}`);
    expect(start.pathname).toBe('/ace/getstream');
    expect(Object.fromEntries(start.searchParams)).toEqual({ format: 'json', content_id: 'abc', pid: 'p1', _idx: '2' });
    const percents = events.flatMap((e) => (e.type === 'progress' ? [e.progress.percent] : []));
    expect(percents).toEqual([0, 30, 60, 100]);
    expect(events[0]).toEqual({ type: 'progress', progress: { phase: 'prebuf', percent: 0, peers: 4, speedDown: 257, speedUp: 29, downloaded: 3276800 } });
    const last = events[events.length - 1]!;
    expect(last).toEqual({ type: 'playing', url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${stub!.port}/ace/r/[0-9a-f]{40}/[0-9a-f]{32}$`)), live: true, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const stats = stub!.requests.filter((r) => r.startsWith('/ace/stat/'));
    expect(stats.length).toBeGreaterThanOrEqual(4);
    for (const r of stats) expect(r).toMatch(/\?skip_player_activity=1$/);
    expect(session.current?.playbackSessionId).toBe('e0d10c40465de696c0222ffa815edace0635b86a');

    await firstValueFrom(session.stop());
    expect(stub!.requests.filter((r) => r.includes('method=stop'))).toHaveLength(1);
    const polled = stub!.requests.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(stub!.requests.length).toBe(polled); // polling ended with the stop
    expect(session.current).toBeUndefined();
  });

  it('asks /ace/manifest.m3u8 with output hls, and restarts encrypted progressive content as HLS', async () => {
    const hls = await open({}, { output: 'hls' });
    const played = await lastValueFrom(hls.start(TARGET));
    expect(played).toMatchObject({ type: 'playing', url: expect.stringMatching(/\/ace\/m\/[0-9a-f]{40}\/[0-9a-f]{32}\.m3u8$/) });
    expect(stub!.requests[1]).toMatch(/^\/ace\/manifest\.m3u8\?format=json&infohash=0a48/);
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await stub!.close();

    const encrypted = await open({ isEncrypted: () => true });
    const restarted = await lastValueFrom(encrypted.start(TARGET));
    expect(restarted).toMatchObject({ type: 'playing', url: expect.stringMatching(/\.m3u8$/) });
    const paths = stub!.requests.map((r) => r.split('?')[0]!.replace(/[0-9a-f]{40}/, 'IH').replace(/[0-9a-f]{32}/, 'T'));
    expect(paths.slice(1, 4)).toEqual(['/ace/getstream', '/ace/cmd/IH/T', '/ace/manifest.m3u8']);
  });

  it('talks to stat and command on the host it reached, whatever host the engine writes', async () => {
    const session = await open({ urlHost: '172.17.0.2:6878' });
    const played = await lastValueFrom(session.start(TARGET));
    // A container address the client does not reach the engine at: the player URL is moved onto the host and port it does.
    expect(played).toMatchObject({ type: 'playing', url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${stub!.port}/ace/r/`)) });
    expect(session.current?.statUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${stub!.port}/ace/stat/`));
    expect(stub!.requests.filter((r) => r.startsWith('/ace/stat/')).length).toBeGreaterThan(0);
  });

  it('gives TCP-shaped messages, so prebufferProgress and livePosition read the HTTP session too', async () => {
    const livepos = { last: '1639986704', live_first: '1639984904', pos: '1639986704', first_ts: '1639984904', last_ts: '1639986704', is_live: '1', live_last: '1639986704', buffer_pieces: '30' };
    const session = await open({ stat: (n) => ({ ...(n < 2 ? statSample('prebuf', n * 50) : statSample(n === 4 ? 'buf' : 'dl')), livepos }) });
    const progress = lastValueFrom(session.messages$.pipe(prebufferProgress(), toArray()));
    const position = firstValueFrom(session.messages$.pipe(livePosition()));
    const kinds = firstValueFrom(session.messages$.pipe(take(12), toArray()));
    await lastValueFrom(session.start(TARGET));
    expect((await progress).map((p) => p.percent)).toEqual([0, 50, 100]);
    expect(await position).toEqual({ last: 1639986704, liveFirst: 1639984904, pos: 1639986704, firstTs: 1639984904, lastTs: 1639986704, isLive: true, liveLast: 1639986704, bufferPieces: 30 });
    const seen = (await kinds).map((m) => (m.kind === 'STATUS' ? `STATUS ${m.main.state}` : m.kind));
    expect(seen).toEqual([
      'STATUS prebuf', 'EVENT', 'STATUS prebuf', 'EVENT', 'STATUS dl', 'EVENT', 'START', 'STATUS dl', 'EVENT', 'STATUS buf', 'EVENT', 'PAUSE',
    ]);
  });

  it('sends liveseek with the position', async () => {
    const session = await open();
    await lastValueFrom(session.start(TARGET));
    await firstValueFrom(session.liveSeek(1639986000));
    expect(stub!.requests.some((r) => /^\/ace\/cmd\/[0-9a-f]{40}\/[0-9a-f]{32}\?method=liveseek&pos=1639986000$/.test(r))).toBe(true);
  });
});

describe('typed errors of the HTTP backend', () => {
  it('LoadFailed when the engine answers "failed to load content"', async () => {
    const session = await open({ startError: 'failed to load content' });
    const error = await errorOf(lastValueFrom(session.start(TARGET)));
    expect(error).toBeInstanceOf(LoadFailed);
    expect(error).toMatchObject({ code: 'LOAD_FAILED', reason: 'failed to load content' });
  });

  it('ContentError when stat says err or error, with error_message', async () => {
    for (const word of ['err', 'error']) {
      const session = await open({ stat: (n) => (n < 1 ? statSample('prebuf', 10) : { ...statSample(word), error_message: 'no peers found' }) });
      const error = await errorOf(lastValueFrom(session.start(TARGET)));
      expect(error).toBeInstanceOf(ContentError);
      expect(error).toMatchObject({ code: 'CONTENT_ERROR', reason: 'no peers found' });
      for (const s of subscriptions.splice(0)) s.unsubscribe();
      await waitFor(() => stub!.open() === 0);
      await stub!.close();
      stub = undefined;
    }
  });

  it('ContentError when the engine forgets the session before playback', async () => {
    const session = await open({ stat: (n) => (n < 1 ? statSample('prebuf', 10) : { error: 'unknown playback session id' }) });
    const error = await errorOf(lastValueFrom(session.start(TARGET)));
    expect(error).toMatchObject({ code: 'CONTENT_ERROR', reason: 'the engine stopped the content before playback' });
  });

  it('EngineTimeout when prebuffering does not end within startMs', async () => {
    const session = await open({ stat: () => statSample('prebuf', 10) }, { timeouts: { startMs: 150 } });
    const error = await errorOf(lastValueFrom(session.start(TARGET)));
    expect(error).toBeInstanceOf(EngineTimeout);
    expect(error).toMatchObject({ code: 'ENGINE_TIMEOUT', what: 'START', ms: 150 });
  });

  it('ConnectionFailed when nothing listens, and when the engine does not answer get_version', async () => {
    const closed = await freePort();
    const refused = await errorOf(firstValueFrom(connectHttp({ port: closed })));
    expect(refused).toBeInstanceOf(ConnectionFailed);
    expect(refused).toMatchObject({ code: 'CONNECTION_FAILED', host: '127.0.0.1', port: closed });

    stub = await startStub({ silent: true });
    const silent = await errorOf(firstValueFrom(connectHttp({ port: stub.port, timeouts: { connectMs: 100 } })));
    expect(silent).toBeInstanceOf(ConnectionFailed);
    expect((silent as ConnectionFailed).cause).toBeInstanceOf(EngineTimeout);
    await waitFor(() => stub!.open() === 0); // the held request was aborted
  });

  it('ConnectionFailed when the server answering is no engine', async () => {
    stub = await startStub({ versionBody: '<html>404 Not Found</html>' });
    const error = await errorOf(firstValueFrom(connectHttp({ port: stub.port })));
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(String((error as ConnectionFailed).cause)).toMatch(/no engine's get_version answer/);
  });

  it('LoadFailed, with nothing asked, for targets the HTTP API cannot start (RAW, URL)', async () => {
    const session = await open();
    const before = stub!.requests.length;
    for (const target of [{ type: 'RAW', data: 'ZDg=', developerId: 0, affiliateId: 0, zoneId: 0 }, { type: 'URL', url: 'http://example.invalid/v.mp4', developerId: 0, affiliateId: 0, zoneId: 0 }] as const) {
      const error = await errorOf(lastValueFrom(session.start(target)));
      expect(error).toBeInstanceOf(LoadFailed);
    }
    expect(stub!.requests.length).toBe(before);
  });

  it('SessionClosed for flows after close(); close() stops what plays and connectHttp completes', async () => {
    stub = await startStub();
    let completed = false;
    const session = await new Promise<HttpEngineSession>((resolve, reject) => {
      subscriptions.push(connectHttp({ port: stub!.port, pollMs: 10 }).subscribe({ next: resolve, error: reject, complete: () => (completed = true) }));
    });
    await lastValueFrom(session.start(TARGET));
    await session.close();
    expect(stub.requests.filter((r) => r.includes('method=stop'))).toHaveLength(1);
    expect(completed).toBe(true);
    expect(await session.closed).toMatchObject({ code: 'SESSION_CLOSED', reason: 'closed' });
    const late = await errorOf(lastValueFrom(session.start(TARGET)));
    expect(late).toBeInstanceOf(SessionClosed);
    expect(await errorOf(firstValueFrom(session.stop()))).toBeInstanceOf(SessionClosed);
  });

  it('an engine that stops answering while playing ends play with EngineDisconnected and the session as lost', async () => {
    stub = await startStub();
    const session = await new Promise<HttpEngineSession>((resolve, reject) => {
      subscriptions.push(connectHttp({ port: stub!.port, pollMs: 10, timeouts: { stopMs: 200 } }).subscribe({ next: resolve, error: () => undefined }));
      void reject;
    });
    const events: PlayEvent[] = [];
    const failed = new Promise<unknown>((resolve) => subscriptions.push(playOn(session, TARGET).subscribe({ next: (e) => events.push(e), error: resolve })));
    await waitFor(() => events.some((e) => e.type === 'status'));
    await stub.close();
    stub = undefined;
    const error = await failed;
    expect(error).toBeInstanceOf(EngineDisconnected);
    expect(await session.closed).toMatchObject({ reason: 'lost' });
  });

  it('a stop that hangs ends with EngineTimeout after stopMs, and its request is aborted', async () => {
    const session = await open({ hangStop: true }, { timeouts: { stopMs: 100 } });
    await lastValueFrom(session.start(TARGET));
    const error = await errorOf(firstValueFrom(session.stop()));
    expect(error).toMatchObject({ code: 'ENGINE_TIMEOUT', what: 'stop', ms: 100 });
    await waitFor(() => stub!.open() === 0);
  });
});

describe('play over HTTP: cold, and teardown stops the engine session', () => {
  it('emits progress, playing, then status; unsubscribing sends method=stop and ends polling', async () => {
    stub = await startStub();
    const events: PlayEvent[] = [];
    const sub = play(TARGET, { api: 'http', httpPort: stub.port, pollMs: 10 }).subscribe((e) => events.push(e));
    await waitFor(() => events.filter((e) => e.type === 'status').length >= 2);
    expect(events.map((e) => e.type).slice(0, 5)).toEqual(['progress', 'progress', 'progress', 'progress', 'playing']);
    expect(events[5]).toMatchObject({ type: 'status', progress: { phase: 'dl', percent: 100 } });
    sub.unsubscribe();
    await waitFor(() => stub!.requests.some((r) => r.includes('method=stop')));
    const count = stub.requests.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(stub.requests.length).toBe(count);
  });

  it('unsubscribing while a stat is held aborts it, and still stops', async () => {
    stub = await startStub({ holdStatFrom: 2 });
    const events: PlayEvent[] = [];
    const sub = play(TARGET, { api: 'http', httpPort: stub.port, pollMs: 10 }).subscribe((e) => events.push(e));
    await waitFor(() => stub!.open() === 1);
    expect(events.map((e) => e.type)).toEqual(['progress', 'progress']);
    sub.unsubscribe();
    await waitFor(() => stub!.requests.some((r) => r.includes('method=stop')));
    await waitFor(() => stub!.open() === 0);
  });

  it('is cold: nothing is asked before subscribing', async () => {
    stub = await startStub();
    const played = play(TARGET, { api: 'http', httpPort: stub.port });
    await new Promise((r) => setTimeout(r, 30));
    expect(stub.requests).toEqual([]);
    void played;
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
