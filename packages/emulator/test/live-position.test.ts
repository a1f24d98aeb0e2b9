import { afterEach, describe, expect, it } from '@jest/globals';
import type { EngineMessage, LivePos } from '@ace-rx/codec';
import { decodeCommandResponse, decodeStartResponse, decodeStatResponse, type StatLivePos } from '@ace-rx/codec/http';
import { acceptsSeek, liveWindow, playingPosition, type Emulator } from '@ace-rx/emulator';
import { fastEmulator, handshake } from './helpers.js';
import type { RawClient } from './raw-client.js';

// Live positions are Unix seconds on both APIs, as a real engine sends them (a logged
// session: `last=1539535944 … last_ts=1539535944`), and they move forward each second.

let engine: Emulator | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await engine?.close();
  engine = undefined;
});

const unixNow = () => Date.now() / 1000;
/** Whole Unix seconds now: a position sent a moment ago is this or one less. */
const unixSecond = () => Math.floor(unixNow());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POSITIONS = ['last', 'liveFirst', 'pos', 'firstTs', 'lastTs', 'liveLast'] as const;

/** The live edge fields are within a second of now; the window's start is `history` seconds back. */
function expectUnixTimes(p: Pick<LivePos, (typeof POSITIONS)[number]>, history: number): void {
  for (const key of ['last', 'lastTs', 'liveLast'] as const) expect([key, Math.abs(p[key] - unixSecond()) <= 1]).toEqual([key, true]);
  for (const key of ['liveFirst', 'firstTs'] as const) expect([key, Math.abs(p[key] - (unixSecond() - history)) <= 1]).toEqual([key, true]);
  expect(p.pos).toBeGreaterThanOrEqual(p.liveFirst);
  expect(p.pos).toBeLessThanOrEqual(p.last);
}

const isLivePos = (m: EngineMessage): m is Extract<EngineMessage, { kind: 'EVENT'; name: 'livepos' }> => m.kind === 'EVENT' && m.name === 'livepos';

async function nextLivePos(c: RawClient): Promise<LivePos> {
  const seen = await c.until(isLivePos, 3000);
  return (seen[seen.length - 1] as Extract<EngineMessage, { name: 'livepos' }>).params as LivePos;
}

describe('the live window (pure)', () => {
  it('spans its width up to now, slides each second, and accepts whole seconds inside it', () => {
    const now = 1_765_000_000_500;
    expect(liveWindow(120, now)).toEqual({ first: 1_765_000_000 - 120, last: 1_765_000_000 });
    expect(liveWindow(1800, now + 1000)).toEqual({ first: 1_765_000_001 - 1800, last: 1_765_000_001 });
    const w = liveWindow(120, now);
    expect([w.first, w.last, w.first + 1].map((p) => acceptsSeek(w, p))).toEqual([true, true, true]);
    expect([w.first - 1, w.last + 1, w.first + 0.5, 5, NaN].map((p) => acceptsSeek(w, p))).toEqual([false, false, false, false, false]);
    // After a seek the position plays on, inside the window.
    expect(playingPosition(w, undefined, now)).toBe(w.last);
    expect(playingPosition(w, { position: w.first + 10, atMs: now - 3000 }, now)).toBe(w.first + 13);
    expect(playingPosition(w, { position: w.last - 1, atMs: now - 60_000 }, now)).toBe(w.last);
  });
});

describe('EVENT livepos and LIVESEEK on the TCP API', () => {
  it('sends every position as a Unix time within a second of now, moving forward', async () => {
    engine = await fastEmulator();
    ({ client } = await handshake(engine));
    client.send('START PID live 0');
    const first = await nextLivePos(client);
    expectUnixTimes(first, 120);
    expect(first.pos).toBe(first.last); // at the live edge
    await sleep(1100);
    await client.linesWithin(0); // skip what came meanwhile
    const later = await nextLivePos(client);
    expectUnixTimes(later, 120);
    for (const key of POSITIONS) expect([key, later[key] > first[key]]).toEqual([key, true]);
  });

  it('accepts a position inside live_first..live_last (STOP, a new START with pos=), and pos plays on from it', async () => {
    engine = await fastEmulator();
    ({ client } = await handshake(engine));
    client.send('START PID live 0');
    const p = await nextLivePos(client);
    const target = p.liveFirst + 30;
    client.send(`LIVESEEK ${target}`);
    const seen = await client.until((m) => m.kind === 'START', 3000);
    expect(seen.some((m) => m.kind === 'STOP')).toBe(true);
    expect((seen[seen.length - 1] as Extract<EngineMessage, { kind: 'START' }>).url).toContain(`pos=${target}`);
    const after = await nextLivePos(client);
    expect(after.pos - target).toBeGreaterThanOrEqual(0);
    expect(after.pos - target).toBeLessThanOrEqual(1);
    expectUnixTimes(after, 120);
  });

  it.each([
    ['past the live edge', (p: LivePos) => p.last + 60],
    ['before live_first', (p: LivePos) => p.liveFirst - 60],
    ['a small number (the old relative positions)', () => 5],
  ])('refuses a position %s: no STOP, no new START, noted in the transcript', async (_what, pick) => {
    engine = await fastEmulator();
    ({ client } = await handshake(engine));
    client.send('START PID live 0');
    const p = await nextLivePos(client);
    const position = pick(p);
    client.send(`LIVESEEK ${position}`);
    const lines = await client.linesWithin(200);
    expect(lines.filter((l) => l === 'STOP' || l.startsWith('START '))).toEqual([]);
    expect(engine.sessions[0]!.transcript.some((t) => t.line.startsWith(`LIVESEEK ${position} refused`))).toBe(true);
    const still = await nextLivePos(client);
    expect(still.pos).toBe(still.last);
  });
});

describe('livepos and method=liveseek on the HTTP API', () => {
  async function liveSession() {
    engine = await fastEmulator();
    const base = `http://127.0.0.1:${engine.httpPort}`;
    const body = await (await fetch(`${base}/ace/getstream?content_id=live&format=json&pid=pos`)).text();
    const started = decodeStartResponse(body);
    if (started._tag === 'Left') throw new Error(body);
    const stat = async (): Promise<Required<Pick<StatLivePos, (typeof POSITIONS)[number]>>> => {
      const decoded = decodeStatResponse(await (await fetch(started.right.statUrl)).text());
      if (decoded._tag === 'Left') throw new Error('stat failed');
      return decoded.right.livepos as Required<StatLivePos>;
    };
    const command = async (query: string) => decodeCommandResponse(await (await fetch(`${started.right.commandUrl}?${query}`)).text());
    return { base, stat, command };
  }

  it("the stat's livepos holds Unix times within a second of now, moving forward", async () => {
    const { stat } = await liveSession();
    const first = await stat();
    expectUnixTimes(first, 120);
    await sleep(1100);
    const later = await stat();
    for (const key of POSITIONS) expect([key, later[key] > first[key]]).toEqual([key, true]);
  });

  it('liveseek inside the window is ok and the stat plays on from it; outside, or not a Unix time, it is an error', async () => {
    const { stat, command } = await liveSession();
    const p = await stat();
    expect(await command(`method=liveseek&pos=${p.liveFirst + 20}`)).toEqual({ _tag: 'Right', right: 'ok' });
    const after = await stat();
    expect(after.pos - (p.liveFirst + 20)).toBeGreaterThanOrEqual(0);
    expect(after.pos - (p.liveFirst + 20)).toBeLessThanOrEqual(1);
    for (const pos of [String(p.last + 60), String(p.liveFirst - 60), '5', '-3', 'abc', '']) {
      const refused = await command(`method=liveseek&pos=${pos}`);
      expect([pos, refused._tag]).toEqual([pos, 'Left']);
      if (refused._tag === 'Left') expect(refused.left).toMatchObject({ message: expect.stringContaining('liveseek position out of range') });
    }
    const unchanged = await stat();
    expect(unchanged.pos).toBeLessThan(unchanged.last - 60); // the refused seeks changed nothing
  });

  it('liveseek on a VOD session is an error', async () => {
    engine = await fastEmulator();
    const base = `http://127.0.0.1:${engine.httpPort}`;
    const started = decodeStartResponse(await (await fetch(`${base}/ace/getstream?content_id=series&format=json`)).text());
    if (started._tag === 'Left') throw new Error('start failed');
    const reply = decodeCommandResponse(await (await fetch(`${started.right.commandUrl}?method=liveseek&pos=${Math.floor(unixNow())}`)).text());
    expect(reply._tag).toBe('Left');
  });
});
