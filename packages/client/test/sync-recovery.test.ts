// The `##` FIFO recovers (reviewer's D3/D4): one request on the wire at a time, a
// timed-out request keeps its slot only for a grace period, a `##` no slot waits for or
// that does not fit the waiting request's kind is reported and given to no request.
// Virtual time for the exact timings of SyncQueue, then real TCP against scripted engines.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { awaitSync, EngineDisconnected, EngineTimeout, open, type EngineSession, type Timeouts } from '@ace-rx/client';
import type { ClientMessage, DecodeError, LineTooLong } from '@ace-rx/codec';
import { firstValueFrom, lastValueFrom, of, toArray, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { SyncQueue } from '../src/sync.js';
import { scriptedEngine as scriptedEngineOn } from './scripted-engine.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('SyncQueue in virtual time', () => {
  const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  /** A queue on `test`'s clock recording the frame of each line written and each report. */
  function queue(test: TestScheduler, graceMs?: number) {
    const written: [number, string][] = [];
    const reports: [number, DecodeError][] = [];
    const q = new SyncQueue((line) => written.push([test.now(), line]), test, (error) => reports.push([test.now(), error]), graceMs);
    return { q, written, reports };
  }

  it('gives up a lost answer\'s slot after the grace (default: the timeout), reports it, and the next request gets its own answer', () => {
    const test = scheduler();
    const { q, written, reports } = queue(test);
    test.run(({ cold, expectObservable }) => {
      expectObservable(q.request('GETPID', 'GETPID a', 5)).toBe('-----#', undefined, new EngineTimeout('GETPID', 5));
      expectObservable(q.request('GETPID', 'GETPID b', 50)).toBe('------------(x|)', { x: 'pid-b' });
      // b's answer, two frames after b was written (frame 10).
      cold('------------a').subscribe(() => q.answer('pid-b'));
    });
    expect(written).toEqual([
      [0, 'GETPID a'],
      [10, 'GETPID b'],
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0]![0]).toBe(10);
    expect(reports[0]![1]).toMatchObject({ _tag: 'DecodeError', line: '' });
    expect(reports[0]![1].expected).toContain('GETPID');
  });

  it('keeps the slot for the configured grace, and consumes a late answer within it without handing it on', () => {
    const test = scheduler();
    const { q, written, reports } = queue(test, 20);
    test.run(({ cold, expectObservable }) => {
      expectObservable(q.request('GETPID', 'GETPID a', 5)).toBe('-----#', undefined, new EngineTimeout('GETPID', 5));
      expectObservable(q.request('GETPID', 'GETPID b', 50)).toBe('----------------(x|)', { x: 'pid-b' });
      cold('--------------a-b').subscribe((v) => q.answer(v === 'a' ? 'late-a' : 'pid-b'));
    });
    expect(written).toEqual([
      [0, 'GETPID a'],
      [14, 'GETPID b'],
    ]);
    expect(reports).toEqual([]);
  });

  it('keeps the slot of a request whose subscriber left until its timeout and grace ran out', () => {
    const test = scheduler();
    const { q, written, reports } = queue(test);
    test.run(({ cold, expectObservable }) => {
      expectObservable(q.request('GETPID', 'GETPID a', 5), '^-!').toBe('---');
      expectObservable(q.request('GETPID', 'GETPID b', 50)).toBe('------------(x|)', { x: 'pid-b' });
      cold('------------a').subscribe(() => q.answer('pid-b'));
    });
    expect(written).toEqual([
      [0, 'GETPID a'],
      [10, 'GETPID b'],
    ]);
    expect(reports.map(([frame]) => frame)).toEqual([10]);
  });

  it('skips and reports a ## that does not fit the kind of the waiting request; the request still gets its own', () => {
    const test = scheduler();
    const { q, reports } = queue(test);
    test.run(({ cold, expectObservable }) => {
      expectObservable(q.request('GETPID', 'GETPID a', 50)).toBe('----(x|)', { x: 'pid-a' });
      expectObservable(q.request('LOAD', 'LOAD PID p', 50)).toBe('--------(y|)', { y: '{"status":1}' });
      expectObservable(q.request('GETCID', 'GETCID infohash=i', 50)).toBe('------------(z|)', { z: '' });
      cold('--a-b-c-d-e-f').subscribe((v) => q.answer({ a: '{"status":0}', b: 'pid-a', c: 'pid-x', d: '{"status":1}', e: '[1]', f: '' }[v]!));
    });
    expect(reports.map(([frame, error]) => [frame, error.line, error.position])).toEqual([
      [2, '##{"status":0}', 2],
      [6, '##pid-x', 2],
      [10, '##[1]', 2],
    ]);
    expect(reports[1]![1].expected).toContain('a JSON object, the answer to the LOAD');
  });

  it('fails the waiting and the sent requests when the connection ends, and later ones at once', () => {
    const test = scheduler();
    const { q } = queue(test);
    const gone = new EngineDisconnected('the connection ended before the answer');
    test.run(({ cold, expectObservable }) => {
      expectObservable(q.request('GETPID', 'GETPID a', 50)).toBe('---#', undefined, gone);
      expectObservable(q.request('GETPID', 'GETPID b', 50)).toBe('---#', undefined, gone);
      cold('---a').subscribe(() => q.end(() => gone));
    });
    scheduler().run(({ expectObservable }) => expectObservable(q.request('GETPID', 'GETPID c', 50)).toBe('#', undefined, gone));
  });
});

/**
 * The shared scripted engine (HELLOTS without key, AUTH 1), whose `onLine` also gets
 * `answer`, which writes a `##` line now or after `ms`; counts how many `##` requests
 * were on the wire at once (LOAD, GETPID, GETCID written, minus `##` lines written back).
 */
async function scriptedEngine(onLine: (line: string, answer: (payload: string, ms?: number) => void, socket: Socket) => void) {
  const stats = { inFlight: 0, maxInFlight: 0 };
  const timersOf = new WeakMap<Socket, Set<NodeJS.Timeout>>();
  const timers = (socket: Socket) => {
    let set = timersOf.get(socket);
    if (set === undefined) {
      const made = new Set<NodeJS.Timeout>();
      socket.once('close', () => {
        for (const t of made) clearTimeout(t);
      });
      timersOf.set(socket, (set = made));
    }
    return set;
  };
  const engine = await scriptedEngineOn(cleanups, (line, socket) => {
    const answer = (payload: string, ms = 0) => {
      const write = () => {
        stats.inFlight -= 1;
        if (!socket.destroyed) socket.write(`##${payload}\r\n`);
      };
      if (ms === 0) return write();
      const pending = timers(socket);
      const t = setTimeout(() => {
        pending.delete(t);
        write();
      }, ms);
      pending.add(t);
    };
    if (/^(LOAD|GETPID|GETCID) /.test(line)) {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    }
    onLine(line, answer, socket);
  });
  return { ...engine, stats };
}

/** open() whose session is closed when the test ends, with its decodeErrors$ collected from the start. */
async function opened(port: number, timeouts: Partial<Timeouts>): Promise<{ session: EngineSession; errors: (DecodeError | LineTooLong)[] }> {
  const errors: (DecodeError | LineTooLong)[] = [];
  let sub: Subscription | undefined;
  const session = await open({ port, timeouts, onSession: (s) => (sub = s.decodeErrors$.subscribe((e) => errors.push(e))) });
  cleanups.push(async () => {
    await session.close();
    sub?.unsubscribe();
  });
  return { session, errors };
}

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
/** `pid-` and the first letter of the GETPID's infohash. */
const pidOf = (line: string) => `pid-${line.split(' ')[1]!.slice(0, 1)}`;
const getPid = (infohash: string): ClientMessage => ({ kind: 'GETPID', infohash, developerId: 0, affiliateId: 0, zoneId: 0 });

describe('the ## FIFO recovers over TCP', () => {
  it('an answer the engine never sends costs one timeout and one grace, not the session (D3)', async () => {
    let getpids = 0;
    const engine = await scriptedEngine((line, answer) => {
      if (!line.startsWith('GETPID')) return;
      getpids += 1;
      if (getpids > 1) answer(pidOf(line));
    });
    const { session, errors } = await opened(engine.port, { syncMs: 200, syncGraceMs: 200 });
    await expect(firstValueFrom(session.getPid(A))).rejects.toEqual(new EngineTimeout('GETPID', 200));
    const started = Date.now();
    expect(await firstValueFrom(session.getPid(B))).toBe('pid-b');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await firstValueFrom(session.getPid(C))).toBe('pid-c');
    // The given-up slot is reported; nothing else is.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', line: '' });
    expect((errors[0] as DecodeError).expected).toContain('GETPID');
  });

  it('requests queued behind a lost answer all get their own answers once its grace ran out', async () => {
    const arrived: number[] = [];
    const engine = await scriptedEngine((line, answer) => {
      if (!line.startsWith('GETPID')) return;
      arrived.push(Date.now());
      if (arrived.length > 1) answer(pidOf(line), 10);
    });
    const { session } = await opened(engine.port, { syncMs: 300, syncGraceMs: 300 });
    const results = await Promise.allSettled([A, B, C].map((ih) => firstValueFrom(session.getPid(ih))));
    expect(results[0]).toEqual({ status: 'rejected', reason: new EngineTimeout('GETPID', 300) });
    expect(results.slice(1)).toEqual([
      { status: 'fulfilled', value: 'pid-b' },
      { status: 'fulfilled', value: 'pid-c' },
    ]);
    // B was written only once A's timeout and grace ran out.
    expect(arrived[1]! - arrived[0]!).toBeGreaterThanOrEqual(550);
  });

  it('a late answer within the grace is consumed, not handed to the next request, which is written only after it', async () => {
    let getpids = 0;
    const engine = await scriptedEngine((line, answer) => {
      if (!line.startsWith('GETPID')) return;
      getpids += 1;
      answer(getpids === 1 ? 'late-a' : pidOf(line), getpids === 1 ? 500 : 0);
    });
    const { session, errors } = await opened(engine.port, { syncMs: 150, syncGraceMs: 10_000 });
    const [a, b] = await Promise.allSettled([firstValueFrom(session.getPid(A)), firstValueFrom(session.getPid(B))]);
    expect(a).toEqual({ status: 'rejected', reason: new EngineTimeout('GETPID', 150) });
    expect(b).toEqual({ status: 'fulfilled', value: 'pid-b' });
    expect(engine.stats.maxInFlight).toBe(1);
    expect(errors).toEqual([]);
  });

  it('reports a ## that comes when no request waits, and the next request gets its own answer', async () => {
    const engine = await scriptedEngine((line, answer, socket) => {
      if (!line.startsWith('GETPID')) return;
      answer(pidOf(line));
      if (line.includes(A)) setTimeout(() => socket.write('##stray\r\n'), 20);
    });
    const { session, errors } = await opened(engine.port, { syncMs: 3000 });
    expect(await firstValueFrom(session.getPid(A))).toBe('pid-a');
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', line: '##stray' });
    expect(await firstValueFrom(session.getPid(B))).toBe('pid-b');
  });

  it('skips and reports a stray ## that does not fit the waiting request; it still gets its own answer', async () => {
    const engine = await scriptedEngine((line, answer, socket) => {
      if (line.startsWith('GETPID')) {
        // A LOAD-shaped stray ahead of the GETPID's own answer.
        socket.write('##{"status":1,"infohash":"x","files":[["f",0]]}\r\n');
        answer(pidOf(line), 20);
      }
      if (line.startsWith('LOAD ')) {
        // A player-id-shaped stray (say, a duplicate GETPID answer) ahead of LOAD's own JSON.
        socket.write('##pid-duplicate\r\n');
        answer('{"status":1,"infohash":"0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b","files":[["film.mp4",0]]}', 20);
      }
    });
    const { session, errors } = await opened(engine.port, { syncMs: 3000 });
    expect(await firstValueFrom(session.getPid(A))).toBe('pid-a');
    expect(await firstValueFrom(session.loadSync({ type: 'PID', playerId: 'pid-a' }))).toMatchObject({ status: 1, infohash: '0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b' });
    expect(errors.map((e) => (e as DecodeError).line)).toEqual(['##{"status":1,"infohash":"x","files":[["f",0]]}', '##pid-duplicate']);
  });

  it('a stray ## that fits the waiting request cannot be told apart (D4): the shift ends, reported, once the queue is idle', async () => {
    const engine = await scriptedEngine((line, answer, socket) => {
      if (!line.startsWith('GETPID')) return;
      if (line.includes(A)) socket.write('##stray\r\n');
      answer(pidOf(line), 20);
    });
    const { session, errors } = await opened(engine.port, { syncMs: 3000 });
    // Inherent to the protocol: the stray is the first ## after GETPID A and fits it.
    expect(await firstValueFrom(session.getPid(A))).toBe('stray');
    // A's own answer then finds no request waiting: reported, given to no one.
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', line: '##pid-a' });
    expect(await firstValueFrom(session.getPid(B))).toBe('pid-b');
    expect(await firstValueFrom(session.getPid(C))).toBe('pid-c');
  });

  it('pairs concurrent getPid, getCid, loadSync and awaitSync with their own answers, one on the wire at a time', async () => {
    let n = 0;
    const engine = await scriptedEngine((line, answer) => {
      const delay = [15, 0, 30, 5][n++ % 4]!;
      if (line.startsWith('GETPID')) answer(pidOf(line), delay);
      else if (line.startsWith('GETCID')) answer(`cid-${/infohash=(\w)/.exec(line)![1]}`, delay);
      else if (line.startsWith('LOAD ')) answer(`{"status":1,"infohash":"${line.split(' ')[2]!.padEnd(40, '0')}","files":[["f",0]]}`, delay);
    });
    const { session, errors } = await opened(engine.port, { syncMs: 5000 });
    const results = await Promise.all([
      firstValueFrom(session.getPid(A)),
      firstValueFrom(session.getCid({ infohash: B })),
      firstValueFrom(session.loadSync({ type: 'PID', playerId: 'c' })).then((r) => (r as { infohash?: string }).infohash),
      lastValueFrom(of(getPid('d'.repeat(40)), getPid('e'.repeat(40))).pipe(awaitSync(session), toArray())),
      firstValueFrom(session.getCid({ infohash: 'f'.repeat(40) })),
      firstValueFrom(session.getPid('9'.repeat(40))),
      firstValueFrom(session.loadSync({ type: 'PID', playerId: '8' })).then((r) => (r as { infohash?: string }).infohash),
    ]);
    expect(results).toEqual(['pid-a', 'cid-b', 'c'.padEnd(40, '0'), ['pid-d', 'pid-e'], 'cid-f', 'pid-9', '8'.padEnd(40, '0')]);
    expect(engine.stats.maxInFlight).toBe(1);
    expect(errors).toEqual([]);
  });
});
