import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { isVideo } from '@ace-rx/emulator';
import type { EngineSession, StartEvent, StartTarget } from '@ace-rx/client';
import type { PlaybackEvent } from '@ace-rx/codec';
import { SingleBar } from 'cli-progress';
import { firstValueFrom, Subscription } from 'rxjs';
import { openEngine, type EngineOptions } from './engine.js';
import { describeMessage, describeProgress } from './format.js';

/** Where a command writes: results on `out`, everything else on `err`. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whether `err` is a terminal (a live bar) or not (a line per update). */
  readonly interactive: boolean;
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM; the handlers are removed by `dispose`. */
function interrupted(): { promise: Promise<string>; dispose: () => void } {
  let resolve: (signal: string) => void = () => undefined;
  const promise = new Promise<string>((r) => (resolve = r));
  const onInt = () => resolve('SIGINT');
  const onTerm = () => resolve('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return { promise, dispose: () => (process.off('SIGINT', onInt), process.off('SIGTERM', onTerm)) };
}

/** `ace-rx info`: the engine's version, HTTP port and auth level. */
export async function info(engine: EngineOptions, io: Io, json: boolean): Promise<void> {
  const open = await openEngine(engine);
  try {
    const e = open.session.engine;
    if (json) io.out(JSON.stringify({ ...e, emulated: open.emulator !== undefined }));
    else {
      io.out(`engine:     ${e.version ?? 'unknown version'}${e.versionCode === undefined ? '' : ` (code ${e.versionCode})`}${open.emulator ? ' [embedded emulator]' : ''}`);
      io.out(`api:        ${e.host}:${open.emulator?.port ?? engine.port}`);
      io.out(`http port:  ${e.httpPort}`);
      io.out(`auth level: ${e.authLevel} (${e.authLevel >= 1 ? 'advanced' : 'basic'})`);
    }
  } finally {
    await open.close();
  }
}

/** `ace-rx watch`: every engine message, live, until Ctrl-C or the engine closes. */
export async function watch(engine: EngineOptions, io: Io, json: boolean): Promise<void> {
  // Before connecting: Ctrl-C as soon as output shows must still end cleanly.
  const signal = interrupted();
  const subscriptions = new Subscription();
  const open = await openEngine(engine, (session) => {
    subscriptions.add(session.messages$.subscribe((m) => io.out(json ? JSON.stringify(m) : describeMessage(m))));
    subscriptions.add(session.decodeErrors$.subscribe((e) => io.err(`undecodable: ${'message' in e ? e.message : `line over ${e.limit} bytes`}`)));
  }).catch((error: unknown) => {
    signal.dispose();
    throw error;
  });
  try {
    const outcome = await Promise.race([signal.promise, open.ended.then((error) => ({ error }))]);
    if (typeof outcome === 'object' && outcome.error !== undefined) throw outcome.error;
  } finally {
    signal.dispose();
    subscriptions.unsubscribe();
    await open.close();
  }
}

/** Options of `ace-rx play`. */
export interface PlayOptions {
  readonly file?: number;
  readonly player?: string;
  readonly output?: string;
  /** Fetch this many bytes from the start of the stream, report, and stop. */
  readonly probe?: number;
}

const PLAYERS: Readonly<Record<string, readonly string[]>> = { mpv: ['mpv'], vlc: ['vlc'] };

/** `ace-rx play <id>`: load, choose a file, prebuffer with progress, then play, save or print the URL. */
export async function play(engine: EngineOptions, io: Io, target: StartTarget, options: PlayOptions): Promise<void> {
  const signal = interrupted();
  const open = await openEngine(engine).catch((error: unknown) => {
    signal.dispose();
    throw error;
  });
  try {
    const fileIndex = await chooseFile(open.session, target, options.file, io);
    const url = await Promise.race([prebuffer(open.session, target, fileIndex, io), signal.promise.then(() => undefined), open.ended.then((e) => Promise.reject(e ?? new Error('engine closed')))]);
    if (url === undefined) return;
    io.out(url);
    if (options.probe !== undefined) await probe(url, options.probe, io);
    else if (options.output !== undefined) await save(open.session, url, options.output, io);
    else if (options.player !== undefined) await launch(open.session, url, options.player, io, signal.promise);
    else {
      io.err('Playing. Open the URL above in a player; Ctrl-C stops.');
      await Promise.race([signal.promise, open.ended]);
    }
  } finally {
    signal.dispose();
    await open.close();
  }
}

async function chooseFile(session: EngineSession, target: StartTarget, wanted: number | undefined, io: Io): Promise<number> {
  if (target.type === 'URL' || target.type === 'EFILE') return wanted ?? 0;
  const loaded = await firstValueFrom(session.load(target));
  io.err(`${loaded.files.length} file(s):`);
  for (const file of loaded.files) io.err(`  [${file.index}] ${file.name}`);
  if (wanted !== undefined) {
    if (!loaded.files.some((f) => f.index === wanted)) throw new RangeError(`no file ${wanted}; the content has ${loaded.files.map((f) => f.index).join(', ')}`);
    return wanted;
  }
  return (loaded.files.find((f) => isVideo(f.name)) ?? loaded.files[0])?.index ?? 0;
}

function prebuffer(session: EngineSession, target: StartTarget, fileIndex: number, io: Io): Promise<string> {
  const bar = io.interactive
    ? new SingleBar({ format: '{phase} |{bar}| {percentage}% | {peers} peers | {speed} KiB/s', hideCursor: true, clearOnComplete: true, stream: process.stderr })
    : undefined;
  bar?.start(100, 0, { phase: 'starting', peers: 0, speed: 0 });
  return new Promise<string>((resolve, reject) => {
    session.start(target, [fileIndex]).subscribe({
      next: (event: StartEvent) => {
        if (event.type === 'progress') {
          if (bar) bar.update(Math.min(100, event.progress.percent), { phase: event.progress.phase.padEnd(6), peers: event.progress.peers, speed: event.progress.speedDown });
          else io.err(describeProgress(event.progress));
        } else if (event.type === 'ad') {
          bar?.stop();
          io.err(`ad (${event.skippable ? 'skippable' : 'not skippable'}): ${event.url}`);
          // A command line does not show ads: report it watched so the main video comes.
          session.playback(event.url, 100).subscribe();
          bar?.start(100, 0, { phase: 'main  ', peers: 0, speed: 0 });
        } else {
          bar?.update(100);
          bar?.stop();
          io.err(`playback URL${event.live ? ' (live)' : ''}:`);
          resolve(event.url);
        }
      },
      error: (error: unknown) => {
        bar?.stop();
        reject(error);
      },
    });
  });
}

async function probe(url: string, bytes: number, io: Io): Promise<void> {
  const started = performance.now();
  const response = await fetch(url, { headers: { Range: `bytes=0-${bytes - 1}` } });
  const body = new Uint8Array(await response.arrayBuffer());
  const ms = performance.now() - started;
  io.err(`fetched ${body.length} bytes (HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no type'}) in ${ms.toFixed(0)} ms`);
  if (body.length === 0) throw new Error(`the engine served no bytes (HTTP ${response.status})`);
}

/** Saves the stream, reporting PLAYBACK 0, 25, 50, 75 and 100 as the bytes arrive. */
async function save(session: EngineSession, url: string, path: string, io: Io): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`the engine answered HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const file = createWriteStream(path);
  const reporter = new PlaybackReporter(session, url);
  let written = 0;
  reporter.report(0);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!file.write(chunk)) await once(file, 'drain');
    written += chunk.length;
    if (total > 0) reporter.position(Math.min(99, (written / total) * 100));
  }
  file.end();
  await once(file, 'finish');
  reporter.report(100);
  io.err(`saved ${written} bytes to ${path}`);
}

/**
 * Reports playback the way a player does: DUR once the duration is known, PLAYBACK
 * 0 at the start, then 25, 50 and 75 as the position passes them, and 100 at the end.
 */
class PlaybackReporter {
  private reported = -1;
  private durationSent = false;

  constructor(
    private readonly session: EngineSession,
    private readonly url: string,
  ) {}

  duration(seconds: number): void {
    if (this.durationSent || !(seconds > 0)) return;
    this.durationSent = true;
    this.session.duration(this.url, seconds * 1000).subscribe();
  }

  position(percent: number): void {
    for (const mark of [0, 25, 50, 75, 100] as const) if (percent >= mark) this.report(mark);
  }

  report(event: PlaybackEvent): void {
    if (event <= this.reported) return;
    this.reported = event;
    this.session.playback(this.url, event).subscribe();
  }
}

/** Watches mpv through its JSON IPC socket: duration and position, as they change. */
async function watchMpv(socketPath: string, reporter: PlaybackReporter, exited: Promise<unknown>): Promise<void> {
  const { connect: connectSocket } = await import('node:net');
  for (let attempt = 0; attempt < 100; attempt++) {
    const connected = await new Promise<import('node:net').Socket | undefined>((resolve) => {
      const socket = connectSocket(socketPath);
      socket.once('connect', () => resolve(socket));
      socket.once('error', () => resolve(undefined));
    });
    if (connected) {
      let pending = '';
      connected.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          let event: { event?: string; name?: string; data?: unknown };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            continue;
          }
          if (event.event !== 'property-change' || typeof event.data !== 'number') continue;
          if (event.name === 'duration') reporter.duration(event.data);
          if (event.name === 'percent-pos') reporter.position(event.data);
        }
      });
      connected.on('error', () => undefined);
      connected.write('{"command":["observe_property",1,"duration"]}\n{"command":["observe_property",2,"percent-pos"]}\n');
      void exited.then(() => connected.destroy());
      return;
    }
    if (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))])) return;
  }
}

async function launch(session: EngineSession, url: string, player: string, io: Io, stop: Promise<string>): Promise<void> {
  const [command, ...args] = PLAYERS[player] ?? player.split(' ').filter(Boolean);
  if (command === undefined) throw new Error('empty --player command');
  const reporter = new PlaybackReporter(session, url);
  // mpv says what it plays through its IPC socket, so DUR and PLAYBACK follow it closely.
  const isMpv = command === 'mpv' || command.endsWith('/mpv');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const ipcDir = isMpv ? mkdtempSync(join(tmpdir(), 'ace-rx-mpv-')) : undefined;
  const ipcPath = ipcDir === undefined ? undefined : join(ipcDir, 'ipc.sock');
  io.err(`starting ${command}`);
  const child = spawn(command, [...args, ...(ipcPath ? [`--input-ipc-server=${ipcPath}`] : []), url], { stdio: 'inherit' });
  reporter.report(0);
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const failed = once(child, 'error').then(([error]) => Promise.reject(error as Error));
  if (ipcPath !== undefined) void watchMpv(ipcPath, reporter, exit.catch(() => undefined));
  try {
    const code = await Promise.race([exit, failed, stop.then(() => (child.kill(), null))]);
    if (code === 0) reporter.report(100);
    io.err(`${command} exited${code === null ? '' : ` with code ${code}`}`);
  } finally {
    if (ipcDir !== undefined) rmSync(ipcDir, { recursive: true, force: true });
  }
}
