// Marble tests: every operator, with errors, timeouts and unsubscription, in virtual time.
import { describe, expect, it } from '@jest/globals';
import { decodeClientMessage, type ClientMessage, type EngineMessage } from '@ace-rx/codec';
import {
  awaitSync,
  ContentError,
  EngineDisconnected,
  EngineTimeout,
  livePosition,
  ofKind,
  prebufferProgress,
  statusOf,
  type StartEvent,
} from '@ace-rx/client';
import { asyncScheduler, NEVER, type Observable, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Session, DEFAULT_TIMEOUTS, type Timeouts } from '../src/session.js';
import { SyncQueue } from '../src/sync.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/**
 * A Session over marble messages, wired as connect() wires it: one `##` FIFO fed by
 * the messages' SYNC lines, ended when they end; `write` gets each message sent.
 */
function virtualSession(
  messages$: Observable<EngineMessage>,
  write: (m: ClientMessage) => void,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
  test?: SchedulerLike,
): Session {
  const writeLine = (line: string) => {
    const decoded = decodeClientMessage(line);
    if (decoded._tag === 'Left') throw new Error(`the session wrote an undecodable line: ${line}`);
    write(decoded.right);
  };
  const queue = new SyncQueue(writeLine, test ?? asyncScheduler, () => undefined);
  messages$.subscribe({
    next: (m) => (m.kind === 'SYNC' ? queue.answer(m.payload) : undefined),
    complete: () => queue.end(() => new EngineDisconnected('the connection ended before the answer')),
  });
  const never = new Promise<never>(() => undefined);
  const link = { writeLine, queue, ended: () => undefined, endedBefore: (what: string) => new EngineDisconnected(`the connection ended before ${what}`), closed: never, close: async () => undefined };
  return new Session(messages$, NEVER, { httpPort: 6878, authLevel: 1, host: '127.0.0.1' }, link, timeouts, test);
}

const prebuf = (progress: number): Extract<EngineMessage, { kind: 'STATUS' }> => ({
  kind: 'STATUS',
  main: { state: 'prebuf', progress, time: 10, peers: 3, speedDown: 50, speedUp: 5, downloaded: 1024 },
});
const M = {
  a: prebuf(10),
  b: prebuf(60),
  p: { kind: 'PLAY', url: 'http://127.0.0.1:6878/x' },
  s: { kind: 'SYNC', payload: 'one' },
  t: { kind: 'SYNC', payload: 'two' },
  u: { kind: 'PAUSE' },
  r: { kind: 'RESUME' },
  e: { kind: 'STATUS', main: { state: 'err', errorId: 2, errorMessage: 'no seeds' } },
  l: {
    kind: 'EVENT',
    name: 'livepos',
    params: { last: 9, liveFirst: 1, pos: 8, firstTs: 1, lastTs: 9, isLive: true, liveLast: 9, bufferPieces: 3 },
  },
  d: { kind: 'STATUS', main: { state: 'dl', peers: 4 }, ad: { state: 'buf', progress: 30 } },
} satisfies Record<string, EngineMessage>;

describe('ofKind', () => {
  it('keeps only the kinds asked for', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<EngineMessage>('-a-u-b-r-|', M);
      expectObservable(source.pipe(ofKind('PAUSE', 'RESUME'))).toBe('---u---r-|', M);
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });
});

describe('statusOf', () => {
  it('picks the main or the ad part', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const source = hot<EngineMessage>('-a-u-d-|', M);
      expectObservable(source.pipe(statusOf('main'))).toBe('-x---y-|', { x: M.a.main, y: M.d.main });
      expectObservable(source.pipe(statusOf('ad'))).toBe('-----z-|', { z: M.d.ad });
    });
  });
});

describe('livePosition', () => {
  it('emits the params of each EVENT livepos', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot<EngineMessage>('-a-l-l-|', M).pipe(livePosition())).toBe('---x-x-|', { x: M.l.params });
    });
  });
});

describe('prebufferProgress', () => {
  it('maps STATUS to progress and completes when playback starts, unsubscribing its source', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<EngineMessage>('-a-u-b-p-a-|', M);
      expectObservable(source.pipe(prebufferProgress())).toBe('-x---y-|', {
        x: { phase: 'prebuf', percent: 10, peers: 3, speedDown: 50, speedUp: 5, downloaded: 1024, timeLeft: 10 },
        y: { phase: 'prebuf', percent: 60, peers: 3, speedDown: 50, speedUp: 5, downloaded: 1024, timeLeft: 10 },
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('errors with ContentError on main:err', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot<EngineMessage>('-a-e-b-|', M).pipe(prebufferProgress())).toBe('-x-#', { x: expect.objectContaining({ percent: 10 }) }, new ContentError(2, 'no seeds'));
    });
  });
});

describe('awaitSync', () => {
  const request = (infohash: string): ClientMessage => ({ kind: 'GETPID', infohash, developerId: 0, affiliateId: 0, zoneId: 0 });

  it('sends one request at a time and pairs answers in order', () => {
    const test = scheduler();
    const sent: [number, string][] = [];
    test.run(({ hot, cold, expectObservable }) => {
      const messages$ = hot<EngineMessage>('---s--u--t-|', M);
      const channel = { messages$, send: (m: ClientMessage) => sent.push([test.now(), (m as { infohash: string }).infohash]) };
      const requests = cold<ClientMessage>('(ab)', { a: request('a'), b: request('b') });
      expectObservable(requests.pipe(awaitSync(channel, { timeoutMs: 100, scheduler: test }))).toBe('---x-----y', { x: 'one', y: 'two' });
    });
    // b is sent only once a's answer arrived (frame 3), not with a at frame 0.
    expect(sent).toEqual([
      [0, 'a'],
      [3, 'b'],
    ]);
  });

  it('errors with EngineTimeout when no answer comes in time', () => {
    const test = scheduler();
    test.run(({ hot, cold, expectObservable }) => {
      const channel = { messages$: hot<EngineMessage>('------------s-|', M), send: () => undefined };
      const answers = cold<ClientMessage>('a', { a: request('a') }).pipe(awaitSync(channel, { timeoutMs: 5, scheduler: test }));
      expectObservable(answers).toBe('-----#', undefined, new EngineTimeout('GETPID', 5));
    });
  });

  it("keeps a timed-out request's place in the session's queue: its late answer is dropped, not given to the next request", () => {
    const test = scheduler();
    const sent: [number, string][] = [];
    test.run(({ hot, expectObservable }) => {
      // s (frame 7) is a's late answer; t (frame 9) is b's.
      const messages$ = hot<EngineMessage>('-------s-t-|', M);
      const session = virtualSession(messages$, (m) => sent.push([test.now(), (m as { infohash: string }).infohash]), { ...DEFAULT_TIMEOUTS, syncMs: 5 }, test);
      expectObservable(session.getPid('a')).toBe('-----#', undefined, new EngineTimeout('GETPID', 5));
      expectObservable(session.getPid('b')).toBe('---------(x|)', { x: 'two' });
    });
    // One request on the wire at a time: b is written once a's late answer filled a's
    // slot (frame 7, within its grace), not at a's timeout (frame 5), so an answer is
    // never in doubt between two requests.
    expect(sent).toEqual([
      [0, 'a'],
      [7, 'b'],
    ]);
  });

  it('errors with EngineDisconnected when the messages end before the answer', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const channel = { messages$: hot<EngineMessage>('--u--|', M), send: () => undefined };
      expectObservable(cold<ClientMessage>('a', { a: request('a') }).pipe(awaitSync(channel, { timeoutMs: 50 }))).toBe(
        '-----#',
        undefined,
        new EngineDisconnected('the connection ended before the answer to GETPID'),
      );
    });
  });

  it('subscribes to answers before sending, and unsubscribes on teardown', () => {
    scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const messages$ = hot<EngineMessage>('--u-----s-|', M);
      const channel = { messages$, send: () => undefined };
      expectObservable(cold<ClientMessage>('a', { a: request('a') }).pipe(awaitSync(channel, { timeoutMs: 50 })), '^---!').toBe('-----');
      expectSubscriptions(messages$.subscriptions).toBe('^---!');
    });
  });
});

describe('Session flows in virtual time', () => {
  it('start: progress, ad, then the main URL, and completes', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const messages$ = hot<EngineMessage>('-a-b-x-p-a|', { ...M, x: { kind: 'PLAYADI', url: 'http://127.0.0.1:6878/ad' } });
      const sent: ClientMessage[] = [];
      const session = virtualSession(messages$, (m) => sent.push(m));
      const events: Record<string, StartEvent> = {
        x: { type: 'progress', progress: expect.objectContaining({ percent: 10 }) as never },
        y: { type: 'progress', progress: expect.objectContaining({ percent: 60 }) as never },
        z: { type: 'ad', url: 'http://127.0.0.1:6878/ad', skippable: true },
        w: { type: 'playing', url: 'http://127.0.0.1:6878/x', live: false },
      };
      expectObservable(session.start({ type: 'PID', playerId: 'abc' })).toBe('-x-y-z-(w|)', events);
    });
  });

  it('start: times out when the engine goes quiet', () => {
    const test = scheduler();
    test.run(({ hot, expectObservable }) => {
      const session = virtualSession(hot<EngineMessage>('-a---------', M), () => undefined, { ...DEFAULT_TIMEOUTS, startMs: 4 }, test);
      expectObservable(session.start({ type: 'PID', playerId: 'abc' })).toBe('-x---#', { x: expect.objectContaining({ type: 'progress' }) }, new EngineTimeout('START', 4));
    });
  });

  it('getPid: an empty ## is no player id; requests of the session queue behind each other', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const messages$ = hot<EngineMessage>('--s--e-|', { s: { kind: 'SYNC', payload: '' }, e: { kind: 'SYNC', payload: 'pid-2' } });
      const session = virtualSession(messages$, () => undefined);
      expectObservable(session.getPid('a')).toBe('--(x|)', { x: undefined });
      expectObservable(session.getPid('b')).toBe('-----(y|)', { y: 'pid-2' });
    });
  });
});
