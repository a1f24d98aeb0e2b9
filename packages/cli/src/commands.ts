import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { type EngineSession, type PlaybackSession, type StartEvent, type StartTarget } from '@ace-rx/client';
import type { PlaybackEvent } from '@ace-rx/codec';
import { firstValueFrom, Subscription } from 'rxjs';
import { checkOutput, findPlayer } from './checks.js';
import { openEngine, type EngineOptions, type OpenSession } from './engine.js';
import { EngineLost, exitCodeOf, UsageError } from './exit-codes.js';
import { describeMessage } from './format.js';
import { humanReporter, jsonReporter, type Io, type Reporter } from './report.js';
import { resolveTarget, userDirectory, type TargetKind } from './target.js';

export type { Io } from './report.js';

const NEVER = new AbortController().signal;

/** `promise`, or a rejection with `signal.reason` as soon as `signal` aborts. */
export function until<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error as Error)),
    );
  });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Rejects with {@link EngineLost} when the connection ends while `what` goes on. */
function lostWhile(open: OpenSession, what: string): Promise<never> {
  return open.lost.catch((error: unknown) => Promise.reject(new EngineLost(`lost the engine while ${what}: ${messageOf(error)}`, error)));
}

/** `ace-rx info`: the engine's version, API, HTTP port and auth level. */
export async function info(engine: EngineOptions, io: Io, json: boolean, signal: AbortSignal = NEVER): Promise<void> {
  const open = await openEngine(engine, { signal });
  try {
    const e = open.session.engine;
    // A bare HELLOTS names no HTTP port: the client's 6878 is a guess, not what the engine said.
    // Over HTTP the port is the one that answered; the HTTP API has no AUTH, so no auth level.
    const httpPort = open.api === 'http' ? open.port : open.hello?.httpPort === undefined ? null : e.httpPort;
    const authLevel = open.api === 'http' ? null : e.authLevel;
    if (json) io.out(JSON.stringify({ version: e.version, versionCode: e.versionCode, httpPort, authLevel, host: e.host, api: open.api, port: open.port, emulated: open.emulator !== undefined }));
    else {
      io.out(`engine:     ${e.version ?? 'unknown version'}${e.versionCode === undefined ? '' : ` (code ${e.versionCode})`}${open.emulator ? ' [embedded emulator]' : ''}`);
      io.out(`api:        ${open.api === 'tcp' ? 'TCP' : 'HTTP'} ${e.host}:${open.port}`);
      io.out(`http port:  ${httpPort ?? 'not reported (a bare HELLOTS; engines usually serve HTTP on 6878)'}`);
      io.out(`auth level: ${authLevel === null ? 'none (the HTTP API has no AUTH)' : `${authLevel} (${authLevel >= 1 ? 'advanced' : 'basic'})`}`);
    }
  } finally {
    await open.close();
  }
}

/**
 * `ace-rx watch`: every line the engine sends on this command's own connection, from
 * the first byte (HELLOTS, AUTH, …), until Ctrl-C or the engine closes it. With `json`,
 * one object per line keyed `event` like `play --json`'s (the message's kind; the same
 * value under the older `kind` key too, for this release), then, as `play --json` ends,
 * an `error` line when it failed and `{"event":"end","exit":N}` (130 on Ctrl-C).
 */
export async function watch(engine: EngineOptions, io: Io, json: boolean, signal: AbortSignal = NEVER): Promise<void> {
  let exit = 0;
  try {
    // Lines exist on the TCP API only: `auto` means TCP here.
    const open = await openEngine({ ...engine, api: 'tcp' }, {
      signal,
      onFrame: (frame) => {
        if (signal.aborted) return;
        if (frame._tag === 'Right') io.out(json ? JSON.stringify({ event: frame.right.kind, ...frame.right }) : describeMessage(frame.right));
        else io.err(`undecodable: ${'message' in frame.left ? frame.left.message : `line over ${frame.left.limit} bytes`}`);
      },
    });
    try {
      await until(open.lost, signal);
    } finally {
      await open.close();
    }
  } catch (error) {
    exit = exitCodeOf(error);
    const code = (error as { code?: unknown }).code;
    if (json) io.out(JSON.stringify({ event: 'error', code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'ERROR', message: messageOf(error), exit }));
    throw error;
  } finally {
    if (json) io.out(JSON.stringify({ event: 'end', exit }));
  }
}

/** Options of `ace-rx play`. */
export interface PlayOptions {
  /** How to read the id (default `auto`). */
  readonly as?: TargetKind;
  readonly file?: number;
  readonly player?: string;
  readonly output?: string;
  /** Fetch this many bytes from the start of the stream, report, and stop. */
  readonly probe?: number;
  /** One JSON object per line on stdout for every event, and nothing else there. */
  readonly json?: boolean;
  /** Where relative paths start (default: the user's directory, `INIT_CWD` under pnpm). */
  readonly cwd?: string;
}

/**
 * `ace-rx play <id>`: check the arguments, read the id, load, choose a file, prebuffer
 * with progress, then play, save or print the URL with a live status. Aborting
 * `signal` (Ctrl-C) stops writing, sends STOP and SHUTDOWN and rejects with its reason.
 */
export async function play(engine: EngineOptions, io: Io, id: string, options: PlayOptions = {}, signal: AbortSignal = NEVER): Promise<void> {
  const reporter = options.json === true ? jsonReporter(io) : humanReporter(io);
  const onAbort = () => reporter.quiet();
  signal.addEventListener('abort', onAbort, { once: true });
  let exit = 0;
  try {
    await playing(engine, io, id, options, signal, reporter);
  } catch (error) {
    exit = exitCodeOf(error);
    const code = (error as { code?: unknown }).code;
    reporter.emit({ event: 'error', code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'ERROR', message: messageOf(error), exit });
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    reporter.emit({ event: 'end', exit });
  }
}

async function playing(engine: EngineOptions, io: Io, id: string, options: PlayOptions, signal: AbortSignal, reporter: Reporter): Promise<void> {
  // Everything that can be checked is checked before anything is sent.
  const cwd = options.cwd ?? userDirectory();
  const output = options.output === undefined ? undefined : checkOutput(options.output, cwd);
  const player = options.player === undefined ? undefined : findPlayer(options.player, cwd);
  const target = await resolveTarget(id, { kind: options.as ?? 'auto', cwd, timeoutMs: engine.timeoutMs, signal, log: io.err });
  if (engine.api === 'http') unstartableOverHttp(target);
  const open = await openEngine(engine, { signal });
  let following: Subscription | undefined;
  const starting = new Subscription();
  try {
    if (open.api === 'http') unstartableOverHttp(target);
    const fileIndex = await until(Promise.race([chooseFile(open, target, options.file, reporter), open.lost]), signal);
    open.markStarted();
    const url = await until(Promise.race([prebuffer(open, target, fileIndex, reporter, starting), open.lost]), signal);
    if (options.probe !== undefined) {
      await until(Promise.race([probe(url, options.probe, reporter, signal), lostWhile(open, 'probing')]), signal);
      return;
    }
    following = follow(open.session, reporter);
    if (output !== undefined) await until(Promise.race([save(open.tcp, url, output, reporter, signal), lostWhile(open, 'saving')]), signal);
    else if (player !== undefined) await launch(open.tcp, url, player, reporter, signal, lostWhile(open, 'playing'));
    else await until(lostWhile(open, 'playing'), signal);
  } finally {
    following?.unsubscribe();
    starting.unsubscribe();
    await open.close();
  }
}

/** The HTTP API starts content ids, infohashes and torrent URLs only: a direct URL or a torrent's bytes is exit 2 there, before START. */
function unstartableOverHttp(target: StartTarget): void {
  if (target.type === 'URL' || target.type === 'RAW') {
    throw new UsageError(`${target.type === 'URL' ? 'a direct URL' : "a torrent file's bytes (RAW)"} cannot be played over the HTTP API: use --api tcp`);
  }
}

/** The live status: STATUS lines, and PAUSE/RESUME as buffering. */
function follow(session: PlaybackSession, reporter: Reporter): Subscription {
  return session.messages$.subscribe((m) => {
    if (m.kind === 'STATUS') {
      const main = m.main as { state: string; peers?: number; speedDown?: number };
      reporter.emit({ event: 'status', state: main.state, peers: main.peers ?? 0, speedDown: main.speedDown ?? 0 });
    } else if (m.kind === 'PAUSE' || m.kind === 'RESUME') reporter.emit({ event: 'buffering', buffering: m.kind === 'PAUSE' });
  });
}

// A video file's name, to pick the first video of a content by default (the emulator's
// own rule, kept here so that playing from a real engine never loads the emulator).
const VIDEO = /\.(mp4|mkv|avi|ts|m2ts|mov|webm|flv|wmv|mpg|mpeg|m4v|m3u8)$/i;
const isVideo = (name: string): boolean => VIDEO.test(name);

async function chooseFile(open: OpenSession, target: StartTarget, wanted: number | undefined, reporter: Reporter): Promise<number> {
  // The HTTP API has no LOAD: the file is --file's, else the first (the engine checks it).
  if (target.type === 'URL' || target.type === 'EFILE' || open.tcp === undefined) return wanted ?? 0;
  const loaded = await firstValueFrom(open.tcp.load(target));
  const files = loaded.files.map((f) => ({ index: f.index, name: f.name }));
  if (wanted !== undefined && !files.some((f) => f.index === wanted)) {
    reporter.emit({ event: 'files', files, chosen: -1 });
    throw new UsageError(`--file ${wanted}: no such file; the content has ${files.map((f) => f.index).join(', ') || 'no files'}`);
  }
  const chosen = wanted ?? (files.find((f) => isVideo(f.name)) ?? files[0])?.index ?? 0;
  reporter.emit({ event: 'files', files, chosen });
  return chosen;
}

function prebuffer(open: OpenSession, target: StartTarget, fileIndex: number, reporter: Reporter, subscriptions: Subscription): Promise<string> {
  const session = open.session;
  return new Promise<string>((resolve, reject) => {
    const starting = session.start(target, [fileIndex]).subscribe({
      next: (event: StartEvent) => {
        if (event.type === 'progress') {
          const { phase, percent, peers, speedDown } = event.progress;
          reporter.emit({ event: 'progress', phase, percent: Math.min(100, percent), peers, speedDown });
        } else if (event.type === 'ad') {
          reporter.emit({ event: 'ad', url: event.url, skippable: event.skippable });
          // A command line does not show ads: report it watched so the main video comes (TCP; HTTP has no ads).
          session.playback?.(event.url, 100).subscribe({ error: () => undefined });
        } else {
          reporter.emit({ event: 'url', url: event.url, live: event.live });
          resolve(event.url);
        }
      },
      error: reject,
    });
    subscriptions.add(starting);
  });
}

/** Fetches the first `bytes` of the stream (a Range request; a live stream that ignores it is read that far and cut). */
async function probe(url: string, bytes: number, reporter: Reporter, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  const abort = new AbortController();
  const stop = () => abort.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  let got = 0;
  let status: number;
  let contentType: string | null;
  try {
    const response = await fetch(url, { headers: { Range: `bytes=0-${bytes - 1}` }, signal: abort.signal });
    status = response.status;
    contentType = response.headers.get('content-type');
    if (response.body !== null) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        got = Math.min(bytes, got + chunk.length);
        if (got >= bytes) break; // leaving the loop cancels the body
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    abort.abort();
  }
  reporter.emit({ event: 'probe', bytes: got, status, contentType, ms: performance.now() - started });
  if (got === 0) throw new Error(`the engine served no bytes (HTTP ${status})`);
}

/** Saves the stream, reporting PLAYBACK 0, 25, 50, 75 and 100 as the bytes arrive. Ctrl-C stops writing at once. */
async function save(session: EngineSession | undefined, url: string, path: string, reporter: Reporter, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new EngineLost(`cannot fetch the stream from the engine: ${messageOf(error)}`, error);
  }
  if (!response.ok || response.body === null) throw new EngineLost(`the engine answered HTTP ${response.status} for the stream`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const file = createWriteStream(path);
  file.on('error', () => undefined); // reported by the writes below
  const stop = () => file.destroy();
  signal.addEventListener('abort', stop, { once: true });
  const reporter_ = new PlaybackReporter(session, url);
  const started = performance.now();
  let written = 0;
  let shownAt = 0;
  reporter_.report(0);
  try {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (signal.aborted) break;
        if (!file.write(chunk)) await until(once(file, 'drain'), signal);
        written += chunk.length;
        if (total > 0) reporter_.position(Math.min(99, (written / total) * 100));
        const now = performance.now();
        if (now - shownAt >= 250) {
          shownAt = now;
          reporter.emit({ event: 'saving', path, bytes: written, rate: written / Math.max(0.001, (now - started) / 1000) });
        }
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if ((error as NodeJS.ErrnoException).syscall !== undefined) throw error; // writing the file failed, not the engine
      throw new EngineLost(`the engine stopped serving the stream while saving (${written} bytes written): ${messageOf(error)}`, error);
    }
    if (signal.aborted) throw signal.reason;
    if (total > 0 && written < total) throw new EngineLost(`the engine stopped serving the stream while saving: ${written} of ${total} bytes`);
    file.end();
    await until(once(file, 'finish'), signal);
  } finally {
    signal.removeEventListener('abort', stop);
    if (!file.writableFinished) file.destroy();
  }
  reporter_.report(100);
  reporter.emit({ event: 'saved', path, bytes: written });
}

/**
 * Reports playback the way a player does: DUR once the duration is known, PLAYBACK
 * 0 at the start, then 25, 50 and 75 as the position passes them, and 100 at the end.
 */
class PlaybackReporter {
  private reported = -1;
  private durationSent = false;

  constructor(
    /** The TCP session: DUR and PLAYBACK exist on the TCP API only. */
    private readonly session: EngineSession | undefined,
    private readonly url: string,
  ) {}

  duration(seconds: number): void {
    if (this.durationSent || !(seconds > 0)) return;
    this.durationSent = true;
    this.session?.duration(this.url, seconds * 1000).subscribe({ error: () => undefined });
  }

  position(percent: number): void {
    for (const mark of [0, 25, 50, 75, 100] as const) if (percent >= mark) this.report(mark);
  }

  report(event: PlaybackEvent): void {
    if (event <= this.reported) return;
    this.reported = event;
    this.session?.playback(this.url, event).subscribe({ error: () => undefined });
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

async function launch(session: EngineSession | undefined, url: string, player: readonly string[], reporter: Reporter, signal: AbortSignal, lost: Promise<never>): Promise<void> {
  const [command, ...args] = player as [string, ...string[]];
  const playback = new PlaybackReporter(session, url);
  // mpv says what it plays through its IPC socket, so DUR and PLAYBACK follow it closely.
  const isMpv = command === 'mpv' || command.endsWith('/mpv');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const ipcDir = isMpv ? mkdtempSync(join(tmpdir(), 'ace-rx-mpv-')) : undefined;
  const ipcPath = ipcDir === undefined ? undefined : join(ipcDir, 'ipc.sock');
  const child = spawn(command, [...args, ...(ipcPath ? [`--input-ipc-server=${ipcPath}`] : []), url], { stdio: ['inherit', 2, 'inherit'] } /* its chatter is not a result: stdout stays the URL's (or --json's) */);
  playback.report(0);
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const failed = once(child, 'error').then(([error]) => Promise.reject(error as Error));
  exit.catch(() => undefined);
  failed.catch(() => undefined);
  if (ipcPath !== undefined) void watchMpv(ipcPath, playback, exit.catch(() => undefined));
  try {
    const code = await until(Promise.race([exit, failed, lost]), signal);
    if (code === 0) playback.report(100);
    reporter.emit({ event: 'player', command, code });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    if (ipcDir !== undefined) rmSync(ipcDir, { recursive: true, force: true });
  }
}

