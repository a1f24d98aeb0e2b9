// Issue 14 over real TCP: defaults that work, open()/close()/await using, flows after
// the end (SessionClosed), the connect timeout, one ## FIFO per connection, undecodable
// answers, and nothing invalid on the wire.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  awaitSync,
  connect,
  ConnectionFailed,
  DEFAULT_PRODUCT_KEY,
  EncodeError,
  EngineDisconnected,
  EngineTimeout,
  HandshakeFailed,
  LoadFailed,
  open,
  SessionClosed,
  type EngineSession,
} from '@ace-rx/client';
import { DEFAULT_PRODUCT_KEY as CODEC_KEY, type ClientMessage, type DecodeError, type LineTooLong } from '@ace-rx/codec';
import { startEmulator, type Emulator, type EmulatorOptions } from '@ace-rx/emulator';
import { firstValueFrom, lastValueFrom, of, Subscription, toArray } from 'rxjs';
import { scriptedEngine as scriptedEngineOn } from './scripted-engine.js';

import { FAST } from './timing.js';
const SEED = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
const SEED_PID = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ productKey: CODEC_KEY, ...options, timing: { ...FAST, ...options.timing } });
  cleanups.push(() => e.close());
  return e;
}

/** open() whose session is closed when the test ends. */
async function opened(options: Parameters<typeof open>[0]): Promise<EngineSession> {
  const session = await open(options);
  cleanups.push(() => session.close());
  return session;
}

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const clientLines = (e: Emulator, session = 0) => e.sessions[session]!.transcript.filter((t) => t.direction === '>>').map((t) => t.line);

const scriptedEngine = (onLine: (line: string, socket: Socket) => void, hello?: string) => scriptedEngineOn(cleanups, onLine, hello);

describe('defaults that work', () => {
  it('re-exports the codec public product key, and connects with it when no key is given', async () => {
    expect(DEFAULT_PRODUCT_KEY).toBe(CODEC_KEY);
    // An emulator that checks the public key: a session without productKey must pass.
    const e = await emulator({ productKey: CODEC_KEY });
    const session = await opened({ port: e.port });
    expect(await firstValueFrom(session.getPid(SEED))).toBe(SEED_PID);
    expect(clientLines(e)[1]).toMatch(/^READY key=n51LvQoTlJzNGaFxseRK-[0-9a-f]{40}$/);

    const viaConnect = new Promise<EngineSession>((resolve, reject) => {
      const subscription = connect({ port: e.port }).subscribe({ next: resolve, error: reject });
      cleanups.push(() => subscription.unsubscribe());
    });
    expect((await viaConnect).engine.authLevel).toBe(1);
  });
});

describe('open(), close() and await using', () => {
  it('closes the session at the end of an `await using` block: SHUTDOWN, then the socket closes', async () => {
    const e = await emulator();
    let closedWith: Promise<SessionClosed> | undefined;
    {
      await using session = await open({ port: e.port });
      closedWith = session.closed;
      expect(await firstValueFrom(session.getPid(SEED))).toBe(SEED_PID);
    }
    expect(clientLines(e).at(-1)).toBe('SHUTDOWN');
    await waitFor(() => e.sessions[0]!.isClosed);
    expect(await closedWith).toMatchObject({ code: 'SESSION_CLOSED', reason: 'closed' });
  });

  it('close() resolves once the socket is closed, completes connect(), and is idempotent', async () => {
    const e = await emulator();
    const events: string[] = [];
    const session = await new Promise<EngineSession>((resolve, reject) => {
      connect({ port: e.port }).subscribe({ next: resolve, error: reject, complete: () => events.push('completed') });
    });
    await session.close();
    expect(events).toEqual(['completed']);
    expect(clientLines(e).at(-1)).toBe('SHUTDOWN');
    await waitFor(() => e.sessions[0]!.isClosed);
    await session.close();
    expect(clientLines(e).filter((l) => l === 'SHUTDOWN')).toHaveLength(1);
  });

  it('rejects open() as connect() errors when nothing listens', async () => {
    const e = await startEmulator();
    const port = e.port;
    await e.close();
    await expect(open({ port })).rejects.toBeInstanceOf(ConnectionFailed);
  });

  it('shows why firstValueFrom(connect()) is a closed session', async () => {
    const e = await emulator();
    const session = await firstValueFrom(connect({ port: e.port }));
    await expect(firstValueFrom(session.getPid(SEED))).rejects.toMatchObject({ code: 'SESSION_CLOSED', reason: 'closed' });
    await waitFor(() => e.sessions[0]!.isClosed);
  });
});

type Ending = 'close()' | 'unsubscribe' | 'engine gone';

/** A session of `e`, and how to end it. */
async function sessionToEnd(e: Emulator, how: Ending): Promise<{ session: EngineSession; end: () => Promise<void> }> {
  let subscription: Subscription | undefined;
  const session = await new Promise<EngineSession>((resolve, reject) => {
    subscription = connect({ port: e.port }).subscribe({ next: resolve, error: () => undefined });
    void reject;
  });
  cleanups.push(() => subscription?.unsubscribe());
  const end = async () => {
    if (how === 'close()') await session.close();
    else if (how === 'unsubscribe') subscription!.unsubscribe();
    else e.sessions.at(-1)!.destroy();
    await session.closed;
  };
  return { session, end };
}

describe('flows after the connection ended', () => {
  const url = 'http://127.0.0.1:6878/content/x/0';
  const flows: Record<string, (s: EngineSession) => Promise<unknown>> = {
    load: (s) => firstValueFrom(s.load({ type: 'PID', playerId: 'series' })),
    loadSync: (s) => firstValueFrom(s.loadSync({ type: 'PID', playerId: 'series' })),
    getPid: (s) => firstValueFrom(s.getPid(SEED)),
    getCid: (s) => firstValueFrom(s.getCid({ infohash: SEED })),
    request: (s) => firstValueFrom(s.request({ kind: 'GETPID', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 })),
    awaitSync: (s) => firstValueFrom(of<ClientMessage>({ kind: 'GETPID', infohash: SEED, developerId: 0, affiliateId: 0, zoneId: 0 }).pipe(awaitSync(s))),
    start: (s) => firstValueFrom(s.start({ type: 'PID', playerId: 'series' })),
    stop: (s) => firstValueFrom(s.stop()),
    duration: (s) => firstValueFrom(s.duration(url, 1000)),
    playback: (s) => firstValueFrom(s.playback(url, 0)),
    liveSeek: (s) => firstValueFrom(s.liveSeek(5)),
    send: async (s) => s.send({ kind: 'STOP' }),
  };

  it.each<Ending>(['close()', 'unsubscribe', 'engine gone'])('fails every flow at once with SessionClosed after %s', async (how) => {
    const e = await emulator();
    const { session, end } = await sessionToEnd(e, how);
    await end();
    await waitFor(() => e.sessions.at(-1)!.isClosed);
    const written = clientLines(e).length;
    for (const [name, flow] of Object.entries(flows)) {
      const started = Date.now();
      const error = await flow(session).then(
        () => new Error(`${name} succeeded`),
        (err: unknown) => err,
      );
      expect({ name, error }).toEqual({ name, error: expect.any(SessionClosed) });
      const closed = error as SessionClosed;
      expect(closed.code).toBe('SESSION_CLOSED');
      expect(closed.reason).toBe(how === 'engine gone' ? 'lost' : 'closed');
      if (how === 'engine gone') expect(closed.cause).toBeInstanceOf(EngineDisconnected);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(() => session.send({ kind: 'STOP' })).toThrow(SessionClosed);
    await new Promise((r) => setTimeout(r, 20));
    expect(clientLines(e)).toHaveLength(written);
  });

  it('fails a request still waiting when close() is called with SessionClosed, and one waiting when the engine goes with EngineDisconnected', async () => {
    const e = await emulator({ faults: { syncDelayMs: 5000 } });
    const mine = await sessionToEnd(e, 'close()');
    const waiting = firstValueFrom(mine.session.getPid(SEED));
    await waitFor(() => clientLines(e).some((l) => l.startsWith('GETPID')));
    await mine.end();
    await expect(waiting).rejects.toMatchObject({ code: 'SESSION_CLOSED', reason: 'closed' });

    const theirs = await sessionToEnd(e, 'engine gone');
    const pending = firstValueFrom(theirs.session.loadSync({ type: 'PID', playerId: 'series' }));
    await waitFor(() => clientLines(e, 1).some((l) => l.startsWith('LOAD')));
    await theirs.end();
    await expect(pending).rejects.toBeInstanceOf(EngineDisconnected);
  });
});

describe('connect timeout', () => {
  it('fails with ConnectionFailed in time when the engine never accepts (SYNs dropped)', async () => {
    // A listener whose accept queue (backlog 0) is full: Linux drops further SYNs.
    const child: ChildProcess = spawn('python3', ['-c', "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    });
    const filler = netConnect(port, '127.0.0.1');
    cleanups.push(() => void filler.destroy());
    await once(filler, 'connect');
    // The queue is full now: this one cannot connect.
    const probe = netConnect(port, '127.0.0.1');
    cleanups.push(() => void probe.destroy());
    const probeConnected = await Promise.race([once(probe, 'connect').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
    expect(probeConnected).toBe(false);

    const started = Date.now();
    const error = await firstValueFrom(connect({ port, timeouts: { connectMs: 400 } })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect((error as ConnectionFailed).cause).toEqual(new EngineTimeout('the connection', 400));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(open({ port, timeouts: { connectMs: 200 } })).rejects.toBeInstanceOf(ConnectionFailed);
  });
});

describe('one ## FIFO per connection', () => {
  it("drops a timed-out request's late answer instead of giving it to the next request, from the flows or awaitSync", async () => {
    let getpids = 0;
    let lateSent = false;
    let secondBeforeLate = false;
    const engine = await scriptedEngine((line, socket) => {
      if (!line.startsWith('GETPID')) return;
      getpids += 1;
      // The first GETPID is answered late: after its 150 ms, within its grace. The next
      // request is written only once that late answer came (one on the wire at a time).
      if (getpids === 1) {
        const late = setTimeout(() => {
          lateSent = true;
          socket.write('##late-answer-of-the-first\r\n');
        }, 600);
        socket.on('close', () => clearTimeout(late));
      }
      if (getpids === 2) {
        secondBeforeLate = !lateSent;
        socket.write('##pid-of-the-second\r\n');
      }
      if (getpids === 3) socket.write('##pid-of-the-third\r\n');
    });
    const session = await opened({ port: engine.port, timeouts: { syncMs: 150, syncGraceMs: 10_000 } });
    await expect(firstValueFrom(session.getPid('a'.repeat(40)))).rejects.toEqual(new EngineTimeout('GETPID', 150));
    const request: ClientMessage = { kind: 'GETPID', infohash: 'b'.repeat(40), developerId: 0, affiliateId: 0, zoneId: 0 };
    expect(await firstValueFrom(of(request).pipe(awaitSync(session, { timeoutMs: 3000 })))).toBe('pid-of-the-second');
    expect(await firstValueFrom(session.getPid('c'.repeat(40)))).toBe('pid-of-the-third');
    expect(secondBeforeLate).toBe(false);
  });

  it('pairs concurrent requests of the flows and of awaitSync in order', async () => {
    const engine = await scriptedEngine((line, socket) => {
      if (line.startsWith('GETPID')) setTimeout(() => socket.write(`##pid-${line.split(' ')[1]!.slice(0, 1)}\r\n`), 20);
    });
    const session = await opened({ port: engine.port });
    const request = (c: string): ClientMessage => ({ kind: 'GETPID', infohash: c.repeat(40), developerId: 0, affiliateId: 0, zoneId: 0 });
    const [a, bc, d] = await Promise.all([
      firstValueFrom(session.getPid('a'.repeat(40))),
      lastValueFrom(of(request('b'), request('c')).pipe(awaitSync(session), toArray())),
      firstValueFrom(session.getPid('d'.repeat(40))),
    ]);
    expect([a, ...bc, d]).toEqual(['pid-a', 'pid-b', 'pid-c', 'pid-d']);
  });

  it('reports a ## that no request waits for on decodeErrors$, and never hands it to a later request', async () => {
    const engine = await scriptedEngine((line, socket) => {
      if (line.startsWith('SETOPTIONS')) socket.write('##stray\r\n');
      if (line.startsWith('GETPID')) socket.write('##pid-mine\r\n');
    });
    const errors: (DecodeError | LineTooLong)[] = [];
    const session = await opened({ port: engine.port, onSession: (s) => s.decodeErrors$.subscribe((error) => errors.push(error)) });
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', line: '##stray' });
    expect(await firstValueFrom(session.getPid('a'.repeat(40)))).toBe('pid-mine');
  });
});

describe('undecodable answers', () => {
  it.each([
    ['bad JSON', '{not json'],
    ['status 100', '{"status":100,"message":"failed to load"}'],
  ])('fails load() at once with LoadFailed on an undecodable LOADRESP (%s)', async (_name, json) => {
    const engine = await scriptedEngine((line, socket) => {
      if (line.startsWith('LOADASYNC')) socket.write(`LOADRESP ${line.split(' ')[1]} ${json}\r\n`);
    });
    const session = await opened({ port: engine.port, timeouts: { loadMs: 30_000 } });
    const started = Date.now();
    await expect(firstValueFrom(session.load({ type: 'PID', playerId: 'x' }))).rejects.toBeInstanceOf(LoadFailed);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails the handshake with HandshakeFailed, carrying the decode error, on a malformed HELLOTS', async () => {
    const engine = await scriptedEngine(() => undefined, 'HELLOTS version=3.1.16 http_port=abc');
    const started = Date.now();
    const error = await open({ port: engine.port, timeouts: { handshakeMs: 30_000 } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HandshakeFailed);
    expect((error as HandshakeFailed).message).toContain('expected an integer (http_port)');
    expect((error as HandshakeFailed).code).toBe('HANDSHAKE_FAILED');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('nothing invalid reaches the wire', () => {
  const inject = '\r\nSTART PID series 0';
  const url = 'http://127.0.0.1:6878/content/x/0';
  const flows: Record<string, (s: EngineSession) => Promise<unknown>> = {
    getPid: (s) => firstValueFrom(s.getPid(`${SEED} 0 0 0${inject}`)),
    load: (s) => firstValueFrom(s.load({ type: 'TORRENT', url: `http://x/t${inject}` })),
    loadSync: (s) => firstValueFrom(s.loadSync({ type: 'PID', playerId: `series${inject}` })),
    start: (s) => firstValueFrom(s.start({ type: 'URL', url: `http://x/v${inject}` })),
    duration: (s) => firstValueFrom(s.duration(`${url}${inject}`, 1000)),
    playback: (s) => firstValueFrom(s.playback(`${url}${inject}`, 0)),
    liveSeek: (s) => firstValueFrom(s.liveSeek(`5${inject}` as unknown as number)),
    request: (s) => firstValueFrom(s.request({ kind: 'GETPID', infohash: `${SEED}${inject}`, developerId: 0, affiliateId: 0, zoneId: 0 })),
    awaitSync: (s) => firstValueFrom(of<ClientMessage>({ kind: 'GETPID', infohash: `${SEED}${inject}`, developerId: 0, affiliateId: 0, zoneId: 0 }).pipe(awaitSync(s))),
    send: async (s) => s.send({ kind: 'GETPID', infohash: `${SEED}${inject}`, developerId: 0, affiliateId: 0, zoneId: 0 }),
    'start with no file': (s) => firstValueFrom(s.start({ type: 'PID', playerId: 'series' }, [])),
  };

  it('fails each flow with EncodeError before anything is sent, and the engine starts nothing', async () => {
    const e = await emulator();
    const session = await opened({ port: e.port });
    await waitFor(() => clientLines(e).length === 3);
    const handshake = clientLines(e);
    expect(handshake.map((l) => l.split(' ')[0])).toEqual(['HELLOBG', 'READY', 'SETOPTIONS']);
    for (const [name, flow] of Object.entries(flows)) {
      const error = await flow(session).then(
        () => new Error(`${name} succeeded`),
        (err: unknown) => err,
      );
      expect({ name, error }).toEqual({ name, error: expect.any(EncodeError) });
      expect((error as EncodeError).code).toBe('ENCODE_ERROR');
    }
    // The session lives on, and nothing was written meanwhile.
    expect(await firstValueFrom(session.getPid(SEED))).toBe(SEED_PID);
    expect(clientLines(e)).toEqual([...handshake, `GETPID ${SEED} 0 0 0`]);
    expect(e.sessions[0]!.transcript.some((t) => t.direction === '<<' && /^(START|STATUS|PLAY)/.test(t.line))).toBe(false);
  });

  it("escapes what GETCID's key=value params carry: the injection stays inside one value", async () => {
    const e = await emulator();
    const session = await opened({ port: e.port });
    // Refusing it (a stricter codec) is as good as escaping it; neither lets START out.
    const outcome = await firstValueFrom(session.getCid({ infohash: `${SEED}${inject}` })).then(
      () => 'answered',
      (err: unknown) => (err instanceof EncodeError ? 'refused' : err),
    );
    expect(['answered', 'refused']).toContain(outcome);
    expect(clientLines(e).slice(3).every((l) => l.startsWith('GETCID ') && !/[\r\n]/.test(l))).toBe(true);
    expect(clientLines(e).some((l) => l.startsWith('START'))).toBe(false);
    expect(e.sessions[0]!.transcript.some((t) => t.direction === '<<' && /^(START|STATUS|PLAY)/.test(t.line))).toBe(false);
  });

  it('sends 0 for the partner ids a flow was not given', async () => {
    const e = await emulator();
    const session = await opened({ port: e.port });
    const loaded = await firstValueFrom(session.load({ type: 'TORRENT', url: 'http://rutor.org/download/67346' }));
    expect(loaded.files).toHaveLength(1);
    await firstValueFrom(session.loadSync({ type: 'INFOHASH', infohash: SEED }));
    await firstValueFrom(session.getCid({ infohash: SEED }));
    await firstValueFrom(session.getPid(SEED, { developerId: 7 }));
    const lines = clientLines(e);
    expect(lines.find((l) => l.startsWith('LOADASYNC'))).toMatch(/^LOADASYNC \d+ TORRENT http:\/\/rutor\.org\/download\/67346 0 0 0$/);
    expect(lines.find((l) => l.startsWith('LOAD '))).toBe(`LOAD INFOHASH ${SEED} 0 0 0`);
    expect(lines.find((l) => l.startsWith('GETCID'))).toContain('developer=0');
    expect(lines.find((l) => l.startsWith('GETPID'))).toBe(`GETPID ${SEED} 7 0 0`);
  });
});
