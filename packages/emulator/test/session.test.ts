import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRODUCT_KEY as CODEC_DEFAULT_KEY, decodeEngineMessage, readyKey, type EngineMessage } from '@ace-rx/codec';
import { DEFAULT_PRODUCT_KEY, DEFAULT_PRODUCT_KEY as EMULATOR_DEFAULT_KEY, formatTranscript, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake, isPlayback, urlOf } from './helpers.js';
import { RawClient } from './raw-client.js';

let engine: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await engine?.close();
  engine = undefined;
});
async function open(hello?: string) {
  const result = await handshake(engine!, hello);
  clients.push(result.client);
  return result;
}

const SEED_TORRENT = 'http://rutor.org/download/67346';
const SEED_INFOHASH = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';

describe("the seed's example session", () => {
  it('runs in the documented order, prebuffer progress rising to PLAY', async () => {
    // Progress follows the clock: a 40 ms prebuffer can pass in two timer ticks of a loaded
    // machine (CI saw two STATUS lines). 400 ms leaves room for many.
    engine = await fastEmulator({ timing: { prebufferMs: 400 } });
    const client = await RawClient.connect(engine.port);
    clients.push(client);
    client.send('HELLOBG');
    const hello = await client.message();
    expect(hello).toMatchObject({ kind: 'HELLOTS', versionCode: 3011600, httpPort: engine.httpPort });
    if (hello.kind !== 'HELLOTS' || hello.key === undefined) throw new Error('expected a keyed HELLOTS');
    client.send(`READY key=${readyKey(hello.key, DEFAULT_PRODUCT_KEY)}`);
    expect(await client.message()).toEqual({ kind: 'AUTH', level: 1 });

    client.send(`LOADASYNC 467763 TORRENT ${SEED_TORRENT} 0 0 0`);
    expect(await client.message()).toEqual({
      kind: 'LOADRESP',
      requestId: 467763,
      response: { status: 1, infohash: SEED_INFOHASH, checksum: SEED_INFOHASH, files: [{ name: 'Prey 2_ E3 2011 Official Trailer_2.mp4', index: 0 }] },
    });
    client.send(`GETPID ${SEED_INFOHASH} 0 0 0`);
    expect(await client.message()).toEqual({ kind: 'SYNC', payload: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d' });

    client.send(`START TORRENT ${SEED_TORRENT} 0 0 0 0`);
    const prebuffering = await client.until(isPlayback);
    const play = prebuffering.pop()!;
    // As real engines: START → STATE 1 → STATUS prebuf... → PLAY → STATE 2 (an old client: no starting/loading).
    expect(prebuffering.shift()).toEqual({ kind: 'STATE', state: 1 });
    expect(play.kind).toBe('PLAY'); // bare HELLOBG: an old client, the old form
    const progress = prebuffering.map((m) => (m.kind === 'STATUS' && m.main.state === 'prebuf' ? m.main.progress : undefined));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p) => p !== undefined)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a! - b!));
    expect(progress.at(-1)!).toBeGreaterThan(progress[0]!);

    const url = urlOf(play)!;
    expect(url).toBe(`http://127.0.0.1:${engine.httpPort}/content/${SEED_INFOHASH}/0`);
    client.send(`DUR ${url} 201964`);
    client.send(`PLAYBACK ${url} 0`);
    // Downloading, then the content's buffering episode: PAUSE, STATE 3, buf, RESUME, STATE 2.
    const playing = await client.until((m) => m.kind === 'RESUME');
    const kinds = playing.map((m) => (m.kind === 'STATUS' ? `STATUS ${m.main.state}` : m.kind === 'STATE' ? `STATE ${m.state}` : m.kind));
    expect(kinds.slice(0, 2)).toEqual(['STATE 2', 'STATUS dl']);
    const pause = kinds.indexOf('PAUSE');
    expect(pause).toBeGreaterThan(1);
    expect(kinds.slice(2, pause).every((k) => k === 'STATUS dl')).toBe(true);
    expect(kinds[pause + 1]).toBe('STATE 3');
    expect(kinds.slice(pause + 2, -1).every((k) => k === 'STATUS buf')).toBe(true);
    expect(kinds.slice(pause + 2, -1).length).toBeGreaterThan(0);
    expect(await client.message()).toEqual({ kind: 'STATE', state: 2 });

    for (const event of [25, 50, 75, 100]) client.send(`PLAYBACK ${url} ${event}`);
    client.send('STOP');
    const stopped = await client.until((m) => m.kind === 'STATE');
    expect(stopped.pop()).toEqual({ kind: 'STATE', state: 0 });
    expect(stopped.every((m) => m.kind === 'STATUS' && m.main.state === 'dl')).toBe(true); // sent before the STOP arrived
    client.send('SHUTDOWN');
    expect(await client.message()).toEqual({ kind: 'SHUTDOWN' }); // answered, then closed
    await client.closed;
    const session = engine.sessions[0]!;
    expect(session.transcript.filter((e) => e.direction === '>>').map((e) => e.line.split(' ')[0])).toEqual([
      'HELLOBG', 'READY', 'LOADASYNC', 'GETPID', 'START', 'DUR', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'PLAYBACK', 'STOP', 'SHUTDOWN',
    ]);
  });
});

describe('engine generations', () => {
  it('answers HELLOBG version=3 with START <url> and version=4 with START url=...', async () => {
    engine = await fastEmulator();
    const { client: v3 } = await open('HELLOBG version=3');
    const { client: v4 } = await open('HELLOBG version=4');
    v3.send(`START INFOHASH ${SEED_INFOHASH} 0 0 0 0`);
    v4.send(`START INFOHASH ${SEED_INFOHASH} 0 0 0 0`);
    const positional = (await v3.until(isPlayback)).pop();
    const keyed = (await v4.until(isPlayback)).pop();
    expect(positional).toEqual({ kind: 'START', form: 'positional', url: expect.stringContaining(`/content/${SEED_INFOHASH}/0`) });
    expect(keyed).toEqual({ kind: 'START', form: 'keyed', url: expect.stringContaining(`/content/${SEED_INFOHASH}/0`), infohash: SEED_INFOHASH, fileIndex: 0 });
    expect(v4.lines.find((l) => l.startsWith('START '))).toMatch(/^START url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcontent%2F/);
  });

  it('can be forced to one form, and to a bare HELLOTS', async () => {
    engine = await fastEmulator({ generation: 'play', hello: 'bare' });
    const { client, hello } = await open('HELLOBG version=4');
    expect(hello).toEqual({ kind: 'HELLOTS' });
    client.send('START PID series 1');
    expect((await client.until(isPlayback)).pop()).toMatchObject({ kind: 'PLAY', url: expect.stringContaining('/1') });
  });
});

describe('ads', () => {
  it('plays the ads first, each until PLAYBACK <ad_url> 100, then the main video (version=4)', async () => {
    engine = await fastEmulator();
    const { client } = await open('HELLOBG version=4');
    client.send('START PID with-ads 0');
    const first = (await client.until(isPlayback)).pop()!;
    expect(first).toMatchObject({ kind: 'START', ad: true });
    expect(first).not.toHaveProperty('interruptable');
    // Without PLAYBACK 100 the main video never comes.
    const meanwhile = await client.linesWithin(80);
    expect(meanwhile.shift()).toBe('STATE 2'); // the first URL ends prebuffering
    expect(meanwhile.every((l) => l.startsWith('STATUS main:prebuf;100;0;') && l.includes('|ad:dl;'))).toBe(true);
    client.send(`PLAYBACK ${urlOf(first)!} 100`);
    const second = (await client.until(isPlayback)).pop()!;
    expect(second).toMatchObject({ kind: 'START', ad: true, interruptable: true });
    client.send(`PLAYBACK ${urlOf(second)!} 100`);
    const main = (await client.until(isPlayback)).pop()!;
    expect(main).toMatchObject({ kind: 'START', form: 'keyed', url: expect.stringContaining('/content/') });
    expect(main).not.toHaveProperty('ad');
  });

  it('uses PLAYAD, PLAYADI and PLAY for an old client', async () => {
    engine = await fastEmulator();
    const { client } = await open('HELLOBG');
    client.send('START PID with-ads 0');
    const ad = (await client.until(isPlayback)).pop()!;
    expect(ad.kind).toBe('PLAYAD');
    client.send(`PLAYBACK ${urlOf(ad)!} 100`);
    const skippable = (await client.until(isPlayback)).pop()!;
    expect(skippable.kind).toBe('PLAYADI');
    client.send(`PLAYBACK ${urlOf(skippable)!} 50`); // not the end: still the ad
    expect((await client.linesWithin(40)).some((l) => l.startsWith('PLAY '))).toBe(false);
    client.send(`PLAYBACK ${urlOf(skippable)!} 100`);
    expect((await client.until(isPlayback)).pop()!.kind).toBe('PLAY');
  });
});

describe('handshake', () => {
  it('refuses a wrong key with NOTREADY and ignores requests before AUTH', async () => {
    engine = await fastEmulator();
    const client = await RawClient.connect(engine.port);
    clients.push(client);
    client.send('HELLOBG version=4');
    await client.message();
    client.send('READY key=n51LvQoTlJzNGaFxseRK-0000000000000000000000000000000000000000');
    expect(await client.message()).toEqual({ kind: 'NOTREADY' });
    client.send('LOADASYNC 1 PID series');
    expect(await client.linesWithin(50)).toEqual([]);
  });

  it('checks the key against a configured product key', async () => {
    engine = await fastEmulator({ productKey: 'mine-secret' });
    const client = await RawClient.connect(engine.port);
    clients.push(client);
    client.send('HELLOBG version=4');
    const hello = await client.message();
    if (hello.kind !== 'HELLOTS' || hello.key === undefined) throw new Error('expected a key');
    client.send(`READY key=${readyKey(hello.key, DEFAULT_PRODUCT_KEY)}`);
    expect(await client.message()).toEqual({ kind: 'NOTREADY' });
    client.send(`READY key=${readyKey(hello.key, 'mine-secret')}`);
    expect(await client.message()).toEqual({ kind: 'AUTH', level: 1 });
  });

  it('asks for user data when told to, and records the answer', async () => {
    engine = await fastEmulator({ askUserData: true, authLevel: 0 });
    const client = await RawClient.connect(engine.port);
    clients.push(client);
    client.send('HELLOBG version=4');
    const hello = await client.message();
    if (hello.kind !== 'HELLOTS') throw new Error('expected HELLOTS');
    client.send(`READY key=${readyKey(hello.key!, DEFAULT_PRODUCT_KEY)}`);
    expect(await client.message()).toEqual({ kind: 'AUTH', level: 0 });
    expect(await client.message()).toEqual({ kind: 'EVENT', name: 'getuserdata', params: {} });
    client.send('USERDATA [{"gender": 2}, {"age": 4}]');
    await client.linesWithin(20);
    expect(engine.sessions[0]!.userData).toEqual({ gender: 2, age: 4 });
  });
});

describe('loading', () => {
  it('answers unknown content with LOADRESP status -1 and a message', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('LOADASYNC 42 INFOHASH ffffffffffffffffffffffffffffffffffffffff 0 0 0');
    expect(await client.message()).toEqual({
      kind: 'LOADRESP',
      requestId: 42,
      response: { status: -1, message: expect.stringContaining('not found'), files: [] },
    });
  });

  it('answers LOAD, GETPID and GETCID synchronously with ## lines, in order', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('LOAD PID series');
    client.send('GETPID ffffffffffffffffffffffffffffffffffffffff 0 0 0');
    client.send('GETCID checksum=x infohash=0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b developer=0 affilate=0 zone=0');
    const load = await client.message();
    expect(load.kind).toBe('SYNC');
    expect(JSON.parse(load.kind === 'SYNC' ? load.payload : '')).toMatchObject({
      status: 2,
      files: [['%D0%A1%D0%B5%D1%80%D0%B8%D0%B0%D0%BB%20S01E01%20%E2%80%94%20%D0%BF%D0%B8%D0%BB%D0%BE%D1%82.mkv', 0], expect.anything(), ['read%20me.txt', 2]],
    });
    expect(await client.message()).toEqual({ kind: 'SYNC', payload: '' });
    expect(await client.message()).toEqual({ kind: 'SYNC', payload: engine.catalogue.contentId(engine.catalogue.byHash('0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b')!) });
  });

  it('loads by raw torrent and starts by direct URL', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    const series = engine.catalogue.byHash('0b3e8c1f5e2d4a6b8c0d2e4f6a8b0c2d4e6f8a0b')!;
    client.send(`LOADASYNC 7 RAW ${series.rawTorrent!} 0 0 0`);
    expect(await client.message()).toMatchObject({ kind: 'LOADRESP', response: { status: 2, infohash: series.infohash } });
    client.send('START URL http://example.invalid/files/other.mp4 0 0 0 0');
    expect(await client.until((m) => m.kind === 'STATUS' && m.main.state === 'err')).toEqual([
      { kind: 'STATUS', main: { state: 'starting' } },
      { kind: 'STATUS', main: { state: 'loading' } },
      { kind: 'STATE', state: 6 },
      { kind: 'STATUS', main: { state: 'err', errorId: 1, errorMessage: 'Content not found' } },
    ]);
    client.send('START URL http://example.invalid/files/direct%20video.mp4 0 0 0 0');
    expect(urlOf((await client.until(isPlayback)).pop()!)).toMatch(/\/content\/2fd4e1c67a2d28fced849ee1bb76e7391b93eb12\/0$/);
  });
});

describe('sessions', () => {
  it('keeps two concurrent clients apart', async () => {
    engine = await fastEmulator();
    const [a, b] = await Promise.all([open(), open()]);
    expect(a.hello.kind === 'HELLOTS' && b.hello.kind === 'HELLOTS' && a.hello.key !== b.hello.key).toBe(true);
    a.client.send('START PID series 0');
    b.client.send('START PID series 1');
    const [playA, playB] = await Promise.all([a.client.until(isPlayback), b.client.until(isPlayback)]);
    expect(urlOf(playA.pop()!)).toMatch(/\/0$/);
    expect(urlOf(playB.pop()!)).toMatch(/\/1$/);
    a.client.send('STOP');
    expect((await b.client.linesWithin(30)).length).toBeGreaterThan(0); // b still plays
    expect(engine.sessions).toHaveLength(2);
  });

  it('records a transcript of both directions with timestamps', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('SHUTDOWN');
    await client.closed;
    const text = formatTranscript(engine.sessions[0]!.transcript);
    expect(text).toMatch(/^\+0\.\d{3}s >> HELLOBG version=4\n\+0\.\d{3}s << HELLOTS version=3\.1\.16 /);
    expect(text).toMatch(/>> READY key=\S+\n\+\d+\.\d{3}s << AUTH 1\n/);
  });
});

describe('live and failing contents', () => {
  it('sends EVENT livepos for a live stream and honours LIVESEEK with STOP and a new START', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('START PID live 0');
    const start = (await client.until(isPlayback)).pop()!;
    expect(start).toMatchObject({ kind: 'START', stream: true });
    const livepos = (await client.until((m) => m.kind === 'EVENT' && m.name === 'livepos')).pop() as Extract<EngineMessage, { name: 'livepos' }>;
    expect(livepos.params).toMatchObject({ isLive: true, bufferPieces: 15 });
    client.send(`LIVESEEK ${livepos.params.pos - 5}`);
    const afterSeek = await client.until(isPlayback);
    expect(afterSeek.some((m) => m.kind === 'STOP')).toBe(true);
    expect(urlOf(afterSeek.pop()!)).toMatch(new RegExp(`\\?pos=${livepos.params.pos - 5}$`));
  });

  it('reports content that fails with STATUS main:err', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('START PID broken 0');
    expect((await client.until((m) => m.kind === 'STATE')).pop()).toEqual({ kind: 'STATE', state: 6 });
    expect(await client.message()).toEqual({
      kind: 'STATUS',
      main: { state: 'err', errorId: 2, errorMessage: 'Cannot start: no seeds available' },
    });
  });

  it('accepts STOP, SHUTDOWN, DUR and PLAYBACK at any time', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('DUR http://nowhere/ 5');
    client.send('PLAYBACK http://nowhere/ 25');
    client.send('STOP');
    client.send('STATUS');
    // STOP is always answered with STATE 0, even with nothing playing: an old client waits for it.
    expect(await client.message()).toEqual({ kind: 'STATE', state: 0 });
    expect(await client.message()).toEqual({ kind: 'STATUS', main: { state: 'idle' } });
    client.send('SHUTDOWN');
    expect(await client.message()).toEqual({ kind: 'SHUTDOWN' });
    await client.closed;
  });
});

describe('as real engines do', () => {
  const state = (m: EngineMessage) => (m.kind === 'STATUS' ? `STATUS ${m.main.state}` : m.kind === 'STATE' ? `STATE ${m.state}` : m.kind);

  it('sends a request key of 10 hex characters, checked against the codec\'s public product key', async () => {
    engine = await fastEmulator();
    expect(EMULATOR_DEFAULT_KEY).toBe(CODEC_DEFAULT_KEY);
    const client = await RawClient.connect(engine.port);
    clients.push(client);
    client.send('HELLOBG version=4');
    const line = await client.next();
    expect(line).toMatch(/ key=[0-9a-f]{10} /);
    const hello = decodeEngineMessage(line);
    if (hello._tag === 'Left' || hello.right.kind !== 'HELLOTS') throw new Error(`expected HELLOTS, got ${line}`);
    client.send(`READY key=${readyKey(hello.right.key!, CODEC_DEFAULT_KEY)}`);
    expect(await client.message()).toEqual({ kind: 'AUTH', level: 1 });
  });

  it('sends STATE and STATUS in the order of a newer engine (HELLOBG version=4)', async () => {
    engine = await fastEmulator();
    const { client } = await open('HELLOBG version=4');
    client.send(`START INFOHASH ${SEED_INFOHASH} 0 0 0 0`);
    const before = (await client.until(isPlayback)).map(state);
    expect(before.slice(0, 4)).toEqual(['STATUS starting', 'STATUS loading', 'STATE 1', 'STATUS prebuf']);
    expect(before.slice(3, -1).every((k) => k === 'STATUS prebuf')).toBe(true);
    expect(before.at(-1)).toBe('START');
    const playing = (await client.until((m) => m.kind === 'STATE' && m.state === 2 && client.lines.includes('RESUME'))).map(state);
    expect(playing.slice(0, 2)).toEqual(['STATE 2', 'STATUS dl']);
    const pause = playing.indexOf('PAUSE');
    const resume = playing.indexOf('RESUME');
    expect(playing.slice(pause, pause + 3)).toEqual(['PAUSE', 'STATE 3', 'STATUS buf']);
    expect(playing.slice(pause + 2, resume).every((k) => k === 'STATUS buf')).toBe(true);
    expect(playing.slice(resume)).toEqual(['RESUME', 'STATE 2']);
    client.send('STOP');
    const stopped = (await client.until((m) => m.kind === 'STATUS' && m.main.state === 'idle')).map(state);
    expect(stopped.slice(-2)).toEqual(['STATE 0', 'STATUS idle']);
    expect(await client.linesWithin(40)).toEqual([]); // nothing plays: nothing more
    expect(engine.sessions[0]!.engineState).toBe(0);
  });

  it('sends no starting/loading to an older client (HELLOBG version=3), but the STATE lines', async () => {
    engine = await fastEmulator();
    const { client } = await open('HELLOBG version=3');
    client.send(`START INFOHASH ${SEED_INFOHASH} 0 0 0 0`);
    const before = (await client.until(isPlayback)).map(state);
    expect(before.slice(0, 2)).toEqual(['STATE 1', 'STATUS prebuf']);
    expect(await client.message()).toEqual({ kind: 'STATE', state: 2 });
    client.send('STOP');
    expect((await client.until((m) => m.kind === 'STATE')).pop()).toEqual({ kind: 'STATE', state: 0 });
    expect((await client.linesWithin(30)).some((l) => l.startsWith('STATUS main:idle'))).toBe(false);
  });

  it('answers a version above 4 (HELLOBG version=6 ace=3.0.3) as version 4', async () => {
    engine = await fastEmulator();
    const { client, hello } = await open('HELLOBG version=6 ace=3.0.3');
    expect(hello).toMatchObject({ kind: 'HELLOTS', key: expect.stringMatching(/^[0-9a-f]{10}$/), httpPort: engine.httpPort });
    expect(engine.sessions[0]!.helloVersion).toBe(6);
    client.send(`START INFOHASH ${SEED_INFOHASH} 0 0 0 0`);
    expect((await client.until(isPlayback)).pop()).toEqual({
      kind: 'START',
      form: 'keyed',
      url: expect.stringContaining(`/content/${SEED_INFOHASH}/0`),
      infohash: SEED_INFOHASH,
      fileIndex: 0,
    });
    expect(client.lines).toContain('STATUS main:starting');
  });

  it('answers SHUTDOWN with SHUTDOWN, then closes, even while playing', async () => {
    engine = await fastEmulator();
    const { client } = await open();
    client.send('SETOPTIONS use_stop_notifications=1');
    client.send('START PID series 0');
    await client.until(isPlayback);
    client.send('SHUTDOWN');
    const rest = await client.until((m) => m.kind === 'SHUTDOWN');
    expect(rest.map((m) => m.kind).filter((k) => k !== 'STATE' && k !== 'STATUS')).toEqual(['SHUTDOWN']); // no STOP: the client asked
    await client.closed;
    expect(client.lines.at(-1)).toBe('SHUTDOWN');
  });

  // Open clients send USERDATA numbers as JSON strings, and some send 0.
  it.each([
    ['[{"gender": "1"}, {"age": "3"}]', { gender: 1, age: 3 }],
    ['[{"gender": 0}, {"age": "0"}]', { gender: 0, age: 0 }],
  ])('records USERDATA %s as real engines accept it', async (line, expected) => {
    engine = await fastEmulator({ askUserData: true });
    const { client } = await open();
    expect(await client.message()).toEqual({ kind: 'EVENT', name: 'getuserdata', params: {} });
    client.send(`USERDATA ${line}`);
    await client.linesWithin(20);
    expect(engine.sessions[0]!.userData).toEqual(expected);
  });
});
