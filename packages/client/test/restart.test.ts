// A second start() (or play) on one TCP session, over real TCP: the session stops what
// the engine still runs, waits for its STATE 0, and only then sends START, so the new
// flow never sees the old content's STOP or STATUS lines.
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, ContentError, DEFAULT_TIMEOUTS, playOn, type EngineSession, type PlayEvent, type StartEvent } from '@ace-rx/client';
import { DEFAULT_PRODUCT_KEY, startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import type { Socket } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, Subscription, take, toArray } from 'rxjs';
import { scriptedEngine as scriptedEngineOn } from './scripted-engine.js';

import { FAST } from './timing.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ ...options, timing: { ...FAST, ...options.timing } });
  cleanups.push(() => e.close());
  return e;
}

/** Connects and keeps the connection open until the test ends. */
function open(port: number, options: Parameters<typeof connect>[0] = {}): Promise<EngineSession> {
  return new Promise((resolve, reject) => {
    const subscription: Subscription = connect({ port, productKey: DEFAULT_PRODUCT_KEY, ...options }).subscribe({ next: resolve, error: reject });
    cleanups.push(() => subscription.unsubscribe());
  });
}

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sent = (e: Emulator) => e.sessions[0]!.transcript.filter((t) => t.direction === '>>').map((t) => t.line.split(' ')[0]!);
const playingOf = (events: readonly StartEvent[]) => events.filter((ev) => ev.type === 'playing');

describe('a second start() on one TCP session', () => {
  it('plays the same content again, then another: STOP and its STATE 0 come before each new START', async () => {
    const e = await emulator();
    const session = await open(e.port);
    const first = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
    expect(playingOf(first)).toEqual([{ type: 'playing', url: expect.stringContaining('/content/'), live: false, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
    // The emulator, like a real engine, tells of the replaced content with an engine STOP
    // on a new START: the client stopped it itself first, so none comes.
    const again = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
    expect(playingOf(again)).toEqual([{ type: 'playing', url: expect.stringContaining('/content/'), live: false, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
    const other = await lastValueFrom(session.start({ type: 'PID', playerId: 'live' }).pipe(toArray()));
    expect(playingOf(other)).toEqual([{ type: 'playing', url: expect.stringContaining('/content/'), live: true, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
    expect(sent(e).filter((k) => k === 'START' || k === 'STOP')).toEqual(['START', 'STOP', 'START', 'STOP', 'START']);
    // Each new START went out only after the engine acknowledged the STOP with STATE 0.
    const lines = e.sessions[0]!.transcript.map((t) => `${t.direction} ${t.line}`);
    for (let i = lines.indexOf('>> STOP'); i !== -1; i = lines.indexOf('>> STOP', i + 1)) {
      const next = lines.findIndex((l, j) => j > i && l.startsWith('>> START'));
      expect(lines.slice(i, next)).toContain('<< STATE 0');
    }
    expect(e.sessions[0]!.transcript.some((t) => t.direction === '<<' && t.line === 'STOP')).toBe(false);
  });

  it('never reports the previous content’s stale STATUS main:err against the next start(), with lines written 3 bytes at a time', async () => {
    const e = await emulator({ faults: { chunkBytes: 3 } });
    const session = await open(e.port);
    await expect(lastValueFrom(session.start({ type: 'PID', playerId: 'broken' }))).rejects.toEqual(new ContentError(2, 'Cannot start: no seeds available'));
    // The broken content keeps reporting its error until stopped; those lines are in flight.
    const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
    expect(playingOf(events)).toHaveLength(1);
    expect(events.every((ev) => ev.type !== 'progress' || ev.progress.phase !== 'err')).toBe(true);
  }, 20_000);

  it('waits for the STATE 0 of a stop() just sent before the next START', async () => {
    const e = await emulator({ faults: { chunkBytes: 3 } });
    const session = await open(e.port);
    await expect(lastValueFrom(session.start({ type: 'PID', playerId: 'broken' }))).rejects.toBeInstanceOf(ContentError);
    await firstValueFrom(session.stop());
    const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(toArray()));
    expect(playingOf(events)).toHaveLength(1);
    expect(sent(e).filter((k) => k === 'START' || k === 'STOP')).toEqual(['START', 'STOP', 'START']);
  }, 20_000);

  it('starts again after a start() unsubscribed mid-prebuffer', async () => {
    const e = await emulator({ timing: { prebufferMs: 400 } });
    const session = await open(e.port);
    // Two progress events, then unsubscribe: the engine still prebuffers the content.
    const early = await lastValueFrom(session.start({ type: 'PID', playerId: 'series' }).pipe(take(2), toArray()));
    expect(early.map((ev) => ev.type)).toEqual(['progress', 'progress']);
    const events = await lastValueFrom(session.start({ type: 'PID', playerId: 'with-ads' }).pipe(
      // Acknowledge each ad so that the main video follows.
      filter((ev) => (ev.type === 'ad' ? (session.playback(ev.url, 100).subscribe(), true) : true)),
      toArray(),
    ));
    expect(playingOf(events)).toEqual([{ type: 'playing', url: expect.stringContaining('/content/aaf4c61d'), live: false, infohash: expect.stringMatching(/^aaf4c61d[0-9a-f]{32}$/) }]);
    expect(sent(e).filter((k) => k === 'START' || k === 'STOP')).toEqual(['START', 'STOP', 'START']);
  }, 20_000);

  it('fails an earlier start() still waiting for playback with ContentError when a newer one replaces it', async () => {
    const e = await emulator({ timing: { prebufferMs: 400 } });
    const session = await open(e.port);
    const older = lastValueFrom(session.start({ type: 'PID', playerId: 'series' }));
    await waitFor(() => e.sessions[0]!.engineState === 1);
    const newer = lastValueFrom(session.start({ type: 'PID', playerId: 'live' }));
    await expect(older).rejects.toEqual(new ContentError(undefined, 'a newer start() on the session replaced the content before playback'));
    expect(await newer).toEqual({ type: 'playing', url: expect.stringContaining('/content/'), live: true, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) });
  }, 20_000);

  it('plays twice with playOn on one session: the first unsubscribed, the second to its status events', async () => {
    const e = await emulator();
    const session = await open(e.port);
    const first = await lastValueFrom(playOn(session, { type: 'PID', playerId: 'series' }).pipe(filter((ev) => ev.type === 'playing' || ev.type === 'status'), take(2), toArray()));
    expect(first.map((ev) => ev.type)).toEqual(['playing', 'status']);
    const second: PlayEvent[] = await lastValueFrom(
      playOn(session, { type: 'PID', playerId: 'with-ads' }).pipe(
        filter((ev) => ev.type === 'playing' || ev.type === 'status'),
        take(3),
        toArray(),
      ),
    );
    expect(second.map((ev) => ev.type)).toEqual(['playing', 'status', 'status']);
    await waitFor(() => sent(e).filter((k) => k === 'STOP').length === 2);
    expect(sent(e).filter((k) => k === 'START' || k === 'STOP')).toEqual(['START', 'STOP', 'START', 'STOP']);
  }, 20_000);
});

const scriptedEngine = (onLine: (line: string, socket: Socket) => void, hello?: string) => scriptedEngineOn(cleanups, onLine, hello);

const PREBUF = 'STATUS main:prebuf;10;20;0;0;50;0;0;3;0;1024;0;0';

describe('a second start() against scripted engines', () => {
  it('keeps an engine STOP after the new START and before playback a ContentError', async () => {
    let starts = 0;
    const engine = await scriptedEngine((line, socket) => {
      if (line === 'STOP') socket.write('STATE 0\r\n');
      if (!line.startsWith('START ')) return;
      starts++;
      socket.write(starts === 1 ? `STATE 1\r\n${PREBUF}\r\nPLAY http://127.0.0.1:6878/content/a\r\nSTATE 2\r\n` : `STATE 1\r\n${PREBUF}\r\nSTOP\r\n`);
    });
    const session = await open(engine.port);
    expect(await lastValueFrom(session.start({ type: 'PID', playerId: 'a' }))).toEqual({ type: 'playing', url: 'http://127.0.0.1:6878/content/a', live: false });
    await expect(lastValueFrom(session.start({ type: 'PID', playerId: 'b' }))).rejects.toEqual(new ContentError(undefined, 'the engine stopped the content before playback'));
    expect(engine.lines.filter((l) => /^(START|STOP)/.test(l)).map((l) => l.split(' ')[0])).toEqual(['START', 'STOP', 'START']);
  });

  it('sends START after stopMs when the engine never acknowledges STOP with STATE 0', async () => {
    const startedAt: number[] = [];
    const engine = await scriptedEngine((line, socket) => {
      if (!line.startsWith('START ')) return;
      startedAt.push(Date.now());
      socket.write(`STATE 1\r\nPLAY http://127.0.0.1:6878/content/${startedAt.length}\r\n`);
    });
    const session = await open(engine.port, { timeouts: { stopMs: 300 } });
    await lastValueFrom(session.start({ type: 'PID', playerId: 'a' }));
    const before = Date.now();
    expect(await lastValueFrom(session.start({ type: 'PID', playerId: 'b' }))).toEqual({ type: 'playing', url: 'http://127.0.0.1:6878/content/2', live: false });
    // Not before the bound (timers may fire a little early on a loaded machine), and not long after it.
    expect(startedAt[1]! - before).toBeGreaterThanOrEqual(250);
    expect(startedAt[1]! - before).toBeLessThan(5000);
    expect(DEFAULT_TIMEOUTS.stopMs).toBe(2000);
  });
});
