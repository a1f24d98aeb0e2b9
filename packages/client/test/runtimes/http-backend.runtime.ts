// Run by Deno and Bun (bundled by runtimes.test.ts): the HTTP backend, the picker and play
// from the runtime-neutral entry, against an emulator that runs on Node. Prints one JSON line.
import { connectHttp, openSession, play, type HttpEngineSession, type PlayEvent } from '../../src/index.js';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';

const SEED = { type: 'INFOHASH', infohash: '4c78e1cf0df23b4f5a16a106829ebed710cb52e0', developerId: 0, affiliateId: 0, zoneId: 0 } as const;
type Host = {
  Deno?: { args: string[]; exit(code: number): never; version: { deno: string } };
  Bun?: { version: string };
  process?: { argv: string[]; exit(code: number): never };
};
const host = globalThis as unknown as Host;
const runtime = host.Deno ? `deno ${host.Deno.version.deno}` : host.Bun ? `bun ${host.Bun.version}` : 'unknown';
const args = host.Deno?.args ?? host.process?.argv.slice(2) ?? [];
const exit = (code: number): never => (host.Deno ? host.Deno.exit(code) : host.process!.exit(code));
const port = Number(args[0]);

async function main(): Promise<Record<string, unknown>> {
  const session = await new Promise<HttpEngineSession>((resolve, reject) => {
    connectHttp({ port, pollMs: 10 }).subscribe({ next: resolve, error: reject });
  });
  const events = await lastValueFrom(session.start(SEED).pipe(toArray()));
  const playing = events[events.length - 1]!;
  if (playing.type !== 'playing') throw new Error('no playing event');
  const bytes = new Uint8Array(await (await fetch(playing.url, { headers: { Range: 'bytes=0-375' } })).arrayBuffer());
  await firstValueFrom(session.stop());
  const stat = (await (await fetch(playing.url.replace('/ace/r/', '/ace/stat/'))).json()) as { error: unknown };
  await session.close();

  // The neutral picker has no TCP transport: auto goes to HTTP.
  const picked = await new Promise<{ engine: { authLevel: number } }>((resolve, reject) => {
    const sub = openSession({ api: 'auto', httpPort: port }).subscribe({
      next: (s) => {
        resolve(s);
        queueMicrotask(() => sub.unsubscribe());
      },
      error: reject,
    });
  });
  const played: PlayEvent[] = await firstValueFrom(
    play({ type: 'PID', playerId: 'live' }, { httpPort: port, pollMs: 10 }).pipe(
      filter((e) => e.type === 'playing' || e.type === 'status'),
      take(2),
      toArray(),
    ),
  );
  // Unsubscribed by firstValueFrom: play's teardown sends method=stop; wait for the engine to see it.
  const livePlaying = played[0]!;
  const liveStat = livePlaying.type === 'playing' ? livePlaying.url.replace('/ace/r/', '/ace/stat/') : '';
  const deadline = Date.now() + 5_000;
  let liveStopped = false;
  while (!liveStopped && Date.now() < deadline) {
    liveStopped = ((await (await fetch(liveStat)).json()) as { error: unknown }).error === 'unknown playback session id';
    if (!liveStopped) await new Promise((r) => setTimeout(r, 10));
  }
  return {
    liveStopped,
    runtime,
    engine: session.engine,
    progress: events.filter((e) => e.type === 'progress').length,
    playing,
    // The seed's file is an MP4 (the emulator serves each content's own file): its first box is ftyp.
    fileHead: String.fromCharCode(...bytes.subarray(4, 8)),
    stoppedStat: stat.error,
    pickedAuthLevel: picked.engine.authLevel,
    played: played.map((e) => e.type),
  };
}

main().then(
  (result) => {
    console.log(JSON.stringify(result));
    exit(0);
  },
  (error: unknown) => {
    console.log(JSON.stringify({ error: String(error) }));
    exit(1);
  },
);
