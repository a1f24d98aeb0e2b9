import type { Socket } from 'node:net';
import {
  decodeClientMessage,
  encodeEngineMessage,
  encodeFrame,
  LineDecoder,
  LoadResponseCodec,
  readyKey,
  type ClientMessage,
  type EngineMessage,
  type LoadResponse,
  type LoadSource,
  type StartSource,
  type StatusPart,
} from '@ace-rx/codec';
import { loadResponse, type Catalogue, type Content } from './catalogue.js';
import { GARBAGE_LINES, mergeFaults, type Faults } from './faults.js';
import { acceptsSeek, liveWindow, livePosFields, playingPosition, type LiveSeekMark, type LiveWindow } from './live-position.js';

/** How the engine announces playback URLs: which engine generation it emulates. */
export type Generation = 'play' | 'positional' | 'keyed';

/** One line of a session's transcript: `>>` from the client, `<<` from the engine, `!!` an event of the emulator. */
export interface TranscriptEntry {
  /** Milliseconds since the session opened. */
  readonly at: number;
  readonly direction: '>>' | '<<' | '!!';
  readonly line: string;
}

/** Formats a transcript as text, one `+1.234s << LINE` per entry. */
export function formatTranscript(entries: readonly TranscriptEntry[]): string {
  return entries.map((e) => `+${(e.at / 1000).toFixed(3)}s ${e.direction} ${e.line}`).join('\n');
}

/** Timing of an emulated engine, in milliseconds. */
export interface Timing {
  /** Between two STATUS lines (default 500). */
  readonly statusIntervalMs: number;
  /** From START to the playback URL (default 3000). */
  readonly prebufferMs: number;
  /** From LOADASYNC to LOADRESP (default 100). */
  readonly loadDelayMs: number;
  /** From the playback URL to the first buffering episode, and between episodes (default 2000). */
  readonly bufferingAfterMs: number;
  /** Length of a buffering episode (default 1000). */
  readonly bufferingMs: number;
  /** Between two `EVENT livepos` of a live stream (default 1000). */
  readonly livePosIntervalMs: number;
}

/** Default {@link Timing}: what a real engine looks like to a person watching. */
export const DEFAULT_TIMING: Timing = {
  statusIntervalMs: 500,
  prebufferMs: 3000,
  loadDelayMs: 100,
  bufferingAfterMs: 2000,
  bufferingMs: 1000,
  livePosIntervalMs: 1000,
};

/**
 * The engine states of `STATE <id>` the emulator sends (see the codec's `ENGINE_STATES`):
 * 0 idle, 1 prebuffering, 2 downloading (playing), 3 buffering, 6 error.
 */
export type EmulatedState = 0 | 1 | 2 | 3 | 6;

/** Entries a session's transcript keeps by default (the newest ones; see {@link Session.transcript}). */
export const DEFAULT_TRANSCRIPT_LIMIT = 1000;

/**
 * Characters a transcript entry keeps of its line by default: a longer line (a client
 * may send up to the codec's 1 MiB line limit) keeps its first this many, and a note of
 * its full length. `transcriptLimit × transcriptEntryChars` bounds a session's transcript.
 */
export const DEFAULT_TRANSCRIPT_ENTRY_CHARS = 1024;

/**
 * Bytes written to a TCP API connection and not yet sent (`socket.writableLength`) at
 * most by default: a client that reads nothing while the engine sends STATUS lines is
 * closed there, instead of growing the engine's write buffer without end.
 */
export const DEFAULT_MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** What a session needs from the emulator around it. */
export interface SessionContext {
  readonly catalogue: Catalogue;
  readonly productKey: string;
  readonly httpPort: number;
  readonly urlHost: string;
  /** `host:port` written into every URL instead of `urlHost` and the HTTP port (`advertiseHost`). */
  readonly advertised?: string;
  readonly timing: Timing;
  readonly hello: 'keyed' | 'bare';
  readonly engineVersion: string;
  readonly versionCode: number;
  readonly authLevel: number;
  readonly askUserData: boolean;
  readonly generation: Generation | 'auto';
  readonly faults: Faults;
  /** Makes a file reachable over HTTP; returns its path. */
  serve(key: string, content: Content, target: { file: number } | { ad: number }): string;
  /** Makes it unreachable again. */
  unserve(key: string): void;
  /** Seconds the live window spans, `live_first` to `last` (the media's `historySeconds`; default 120). */
  readonly liveWindowSeconds?: number | undefined;
  restart(): void;
  onTranscript?: ((session: Session, entry: TranscriptEntry) => void) | undefined;
  /** Entries the transcript keeps, the newest (default {@link DEFAULT_TRANSCRIPT_LIMIT}; `Infinity`: all). */
  readonly transcriptLimit?: number | undefined;
  /** Characters each transcript entry keeps of its line (default {@link DEFAULT_TRANSCRIPT_ENTRY_CHARS}). */
  readonly transcriptEntryChars?: number | undefined;
  /** Close the connection after this many milliseconds without a byte either way (0 or absent: never). */
  readonly idleTimeoutMs?: number | undefined;
  /** Close the connection once more than this many written bytes wait to be sent (default {@link DEFAULT_MAX_UNSENT_BYTES}; 0: no bound). */
  readonly maxUnsentBytes?: number | undefined;
  /** Told of an error the session's own code threw (it is in the transcript too); the process goes on. */
  onError?: ((error: unknown, session: Session) => void) | undefined;
  /** Called once when the connection has closed and the session let go of its buffers. */
  onClose?: ((session: Session) => void) | undefined;
}

interface Playing {
  readonly content: Content;
  readonly fileIndex: number;
  phase: 'prebuf' | 'ad' | 'main' | 'error';
  adIndex: number;
  readonly startedAt: number;
  phaseStartedAt: number;
  mainUrl?: string;
  adUrl?: string;
  buffering: boolean;
  episodesLeft: number;
  downloaded: number;
  /** The last accepted LIVESEEK: the position then plays on from there. */
  seek?: LiveSeekMark;
  readonly served: string[];
  readonly timers: NodeJS.Timeout[];
}

let nextSessionId = 1;

/** One client connection to the emulated engine. */
export class Session {
  /** Sequential id of this session within the process. */
  readonly id = nextSessionId++;
  /** How many of the oldest transcript entries were forgotten to keep it within its limit. */
  transcriptDropped = 0;
  /** Faults in force for this session (from the emulator's options unless changed). */
  faults: Faults;
  /** Options the client set with SETOPTIONS. */
  readonly options = new Map<string, string>();
  /** The HELLOBG version the client announced. */
  helloVersion: number | undefined;
  /** Whether the handshake succeeded. */
  authenticated = false;
  /** The USERDATA the client sent, if any. */
  userData: { gender: number; age: number } | undefined;
  private readonly openedAt = performance.now();
  private decoder: LineDecoder | undefined = new LineDecoder();
  private readonly entries: TranscriptEntry[] = [];
  private entriesStart = 0;
  private readonly transcriptLimit: number;
  private readonly entryChars: number;
  private readonly maxUnsent: number;
  private state: EmulatedState = 0;
  private requestKey: string | undefined;
  private linesSent = 0;
  private silent = false;
  private closed = false;
  private playing: Playing | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly context: SessionContext,
  ) {
    this.faults = context.faults;
    this.transcriptLimit = Math.max(0, context.transcriptLimit ?? DEFAULT_TRANSCRIPT_LIMIT);
    this.entryChars = Math.max(0, context.transcriptEntryChars ?? DEFAULT_TRANSCRIPT_ENTRY_CHARS);
    this.maxUnsent = Math.max(0, context.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES);
    socket.setNoDelay(true);
    const idle = context.idleTimeoutMs ?? 0;
    if (idle > 0) {
      socket.setTimeout(idle);
      socket.on('timeout', () => {
        this.note('!!', `idle for ${idle} ms: closing`);
        this.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => this.guard('reading a line', () => this.onData(chunk)));
    socket.on('end', () => socket.end());
    socket.on('close', () => this.dispose());
    socket.on('error', () => this.dispose());
    if (this.faults.silentAfterLines === 0) this.silent = true;
  }

  /**
   * The newest lines both ways, with timestamps, oldest first: at most the emulator's
   * `transcriptLimit` (default {@link DEFAULT_TRANSCRIPT_LIMIT}) entries, so a session
   * that plays for days stays small; {@link Session.transcriptDropped} counts the rest.
   * Each read returns a fresh array. An entry keeps at most `transcriptEntryChars`
   * (default {@link DEFAULT_TRANSCRIPT_ENTRY_CHARS}) characters of its line, then
   * `… (N characters)`.
   */
  get transcript(): readonly TranscriptEntry[] {
    return [...this.entries.slice(this.entriesStart), ...this.entries.slice(0, this.entriesStart)];
  }

  /** The engine state last announced with `STATE` (0 before any). */
  get engineState(): EmulatedState {
    return this.state;
  }

  /** Whether the connection is closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the connection now. */
  destroy(): void {
    this.socket.destroy();
    this.dispose();
  }

  private note(direction: TranscriptEntry['direction'], line: string): void {
    const entry = { at: performance.now() - this.openedAt, direction, line: capLine(line, this.entryChars) };
    // A ring of the newest entries: once full, each entry overwrites the oldest.
    if (this.entries.length < this.transcriptLimit) this.entries.push(entry);
    else if (this.transcriptLimit > 0) {
      this.entries[this.entriesStart] = entry;
      this.entriesStart = (this.entriesStart + 1) % this.transcriptLimit;
      this.transcriptDropped++;
    } else this.transcriptDropped++;
    this.context.onTranscript?.(this, entry);
  }

  private get activeFaults(): Faults {
    return this.playing ? mergeFaults(this.faults, this.playing.content.faults) : this.faults;
  }

  private generation(): Generation {
    if (this.context.generation !== 'auto') return this.context.generation;
    const version = this.helloVersion;
    if (version === undefined || version < 3) return 'play';
    return version === 3 ? 'positional' : 'keyed';
  }

  // --- output ---------------------------------------------------------------------

  /** Sends one message, applying the session's faults. */
  send(message: EngineMessage): void {
    if (this.closed || this.silent) return;
    const line = encodeEngineMessage(message);
    this.note('<<', line);
    this.write(encodeFrame(line));
    this.linesSent++;
    const faults = this.activeFaults;
    if (faults.garbageEvery !== undefined && this.linesSent % faults.garbageEvery === 0) {
      const garbage = GARBAGE_LINES[(this.linesSent / faults.garbageEvery) % GARBAGE_LINES.length]!;
      this.note('!!', `garbage ${JSON.stringify(new TextDecoder().decode(garbage).trimEnd())}`);
      this.write(garbage);
    }
    if (faults.closeAfterLines !== undefined && this.linesSent >= faults.closeAfterLines) {
      this.note('!!', `fault: closing after ${this.linesSent} lines`);
      void this.writing.then(() => this.destroy());
    }
    if (faults.silentAfterLines !== undefined && this.linesSent >= faults.silentAfterLines) {
      this.note('!!', `fault: silent after ${this.linesSent} lines`);
      this.silent = true;
    }
    if (faults.restartAfterLines !== undefined && this.linesSent >= faults.restartAfterLines) {
      this.note('!!', `fault: engine restart after ${this.linesSent} lines`);
      void this.writing.then(() => this.context.restart());
    }
  }

  /** Sends `STATE <state>` when the state changes (or always, with `force`). */
  private setState(state: EmulatedState, force = false): void {
    if (state === this.state && !force) return;
    this.state = state;
    this.send({ kind: 'STATE', state });
  }

  private write(bytes: Uint8Array): void {
    const size = this.activeFaults.chunkBytes;
    if (size === undefined || size <= 0) {
      this.writing = this.writing
        .then(() => {
          if (this.closed) return;
          this.socket.write(bytes);
          this.checkUnsent();
        })
        .catch(this.writeFailed);
      return;
    }
    // Tiny chunks, each its own write after a pause, so the peer sees them apart.
    for (let at = 0; at < bytes.length; at += size) {
      const piece = bytes.subarray(at, at + size);
      this.writing = this.writing.then(
        () =>
          new Promise<void>((resolve) => {
            if (this.closed) return resolve();
            this.socket.write(piece, () => setTimeout(resolve, 1));
            this.checkUnsent();
          }),
      ).catch(this.writeFailed);
    }
  }

  /** A write that threw: noted and reported, not left as an unhandled rejection (which would end the process). */
  private readonly writeFailed = (error: unknown): void =>
    this.guard('writing', () => {
      throw error;
    });

  /** Closes a connection whose peer reads so little that more than `maxUnsentBytes` wait to be sent. */
  private checkUnsent(): void {
    if (this.maxUnsent === 0 || this.closed || this.socket.writableLength <= this.maxUnsent) return;
    this.note('!!', `${this.socket.writableLength} bytes unsent (over ${this.maxUnsent}): the client reads too little, closing`);
    this.destroy();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.guard('in a timer', run);
    }, ms);
    this.timers.add(timer);
  }

  private sendSync(payload: string): void {
    const delay = this.activeFaults.syncDelayMs ?? 0;
    if (delay > 0) this.later(delay, () => this.send({ kind: 'SYNC', payload }));
    else this.send({ kind: 'SYNC', payload });
  }

  // --- input ----------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.decoder === undefined) return;
    for (const frame of this.decoder.push(chunk)) {
      if (typeof frame !== 'string') {
        this.note('!!', `line over ${frame.limit} bytes dropped`);
        continue;
      }
      const decoded = decodeClientMessage(frame);
      if (decoded._tag === 'Left') {
        this.note('>>', frame);
        this.note('!!', `ignored: ${decoded.left.message}`);
        continue;
      }
      this.note('>>', frame);
      const message = decoded.right;
      this.guard(`handling ${message.kind}`, () => this.handle(message));
    }
  }

  /**
   * Runs `run`; what it throws is noted in the transcript, reported to `onError`, and
   * goes no further: a bad line (or a timer of this session) must not stop the process.
   * A playback that failed so ends as a failed content does (`STATE 6`, `STATUS main:err`).
   */
  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      try {
        this.note('!!', `internal error ${what}: ${error instanceof Error ? error.message : String(error)}`);
        this.context.onError?.(error, this);
        if (this.playing !== undefined && !this.closed) {
          this.stopPlaying('internal error');
          this.setState(6);
          this.send({ kind: 'STATUS', main: { state: 'err', errorId: 1, errorMessage: 'internal error' } });
        }
      } catch {
        // reporting failed too: the error still stops here
      }
    }
  }

  private handle(message: ClientMessage): void {
    switch (message.kind) {
      case 'HELLOBG':
        this.helloVersion = message.version;
        // 10 hex characters, as real engines send (`key=191f7f55a9`): a client cuts it there.
        // A version above 4 gets what 4 gets (see generation()): the newest form known.
        this.requestKey = this.context.hello === 'keyed' ? randomHex(5) : undefined;
        this.send(
          this.requestKey === undefined
            ? { kind: 'HELLOTS' }
            : {
                kind: 'HELLOTS',
                version: this.context.engineVersion,
                versionCode: this.context.versionCode,
                key: this.requestKey,
                httpPort: this.context.httpPort,
              },
        );
        return;
      case 'READY': {
        // With a request key the READY key must be right; a bare HELLOTS takes any READY.
        if (this.requestKey !== undefined && message.key !== readyKey(this.requestKey, this.context.productKey)) {
          this.send({ kind: 'NOTREADY' });
          return;
        }
        this.authenticated = true;
        this.send({ kind: 'AUTH', level: this.context.authLevel });
        if (this.context.askUserData) this.send({ kind: 'EVENT', name: 'getuserdata', params: {} });
        return;
      }
      case 'USERDATA':
        this.userData = { gender: message.gender, age: message.age };
        return;
      case 'SHUTDOWN':
        // Real engines answer SHUTDOWN with SHUTDOWN, then close.
        this.stopPlaying('client SHUTDOWN');
        this.send({ kind: 'SHUTDOWN' });
        this.note('!!', 'client shut down: closing');
        void this.writing.then(() => this.socket.end());
        return;
      default:
        break;
    }
    if (!this.authenticated) {
      this.note('!!', `ignored before AUTH: ${message.kind}`);
      return;
    }
    switch (message.kind) {
      case 'SETOPTIONS':
        for (const [key, value] of Object.entries(message.options)) this.options.set(key, value);
        return;
      case 'LOAD':
        this.sendSync(JSON.stringify(LoadResponseCodec.encode(this.load(message.source))));
        return;
      case 'LOADASYNC': {
        const response = this.load(message.source);
        this.later(this.context.timing.loadDelayMs, () => this.send({ kind: 'LOADRESP', requestId: message.requestId, response }));
        return;
      }
      case 'GETPID':
        this.sendSync(this.context.catalogue.byHash(message.infohash)?.playerId ?? '');
        return;
      case 'GETCID': {
        const content = message.infohash === undefined ? undefined : this.context.catalogue.byHash(message.infohash);
        this.sendSync(content ? this.context.catalogue.contentId(content) : '');
        return;
      }
      case 'START':
        this.start(message.source);
        return;
      case 'STOP':
      case 'STOPDL': {
        const wasPlaying = this.playing !== undefined;
        this.stopPlaying('client STOP');
        // Always answered: an old client waits for STATE 0 (or 1) after its STOP.
        this.setState(0, true);
        if (wasPlaying && this.generation() === 'keyed') this.send({ kind: 'STATUS', main: { state: 'idle' } });
        return;
      }
      case 'PLAYBACK':
        if (message.event === 100 && this.playing?.phase === 'ad' && message.url === this.playing.adUrl) this.nextAd();
        return;
      case 'LIVESEEK':
        this.liveSeek(message.position);
        return;
      case 'STATUS':
        if (this.playing) this.sendStatus();
        else this.send({ kind: 'STATUS', main: { state: 'idle' } });
        return;
      default:
        // DUR, client EVENTs, SAVE, GETADURL, unknown commands: accepted, nothing to answer.
        return;
    }
  }

  private load(source: LoadSource): LoadResponse {
    const content = this.context.catalogue.find(source);
    return content ? loadResponse(content) : { status: -1, message: 'Failed to load transport file: content not found', files: [] };
  }

  // --- playback -------------------------------------------------------------------

  private start(source: StartSource): void {
    this.stopPlaying('new START');
    const content = this.context.catalogue.find(source);
    const fileIndex = 'fileIndexes' in source ? (source.fileIndexes[0] ?? 0) : 0;
    if (this.generation() === 'keyed') {
      // Newer engines: the content is being started, then loaded, before prebuffering.
      this.send({ kind: 'STATUS', main: { state: 'starting' } });
      this.send({ kind: 'STATUS', main: { state: 'loading' } });
    }
    // A file index the content does not have (negative, past the end) fails as an unknown content.
    if (content === undefined || !Number.isSafeInteger(fileIndex) || fileIndex < 0 || fileIndex >= content.files.length) {
      this.setState(6);
      this.send({ kind: 'STATUS', main: { state: 'err', errorId: 1, errorMessage: 'Content not found' } });
      return;
    }
    const now = performance.now();
    const playing: Playing = {
      content,
      fileIndex,
      phase: content.error ? 'error' : 'prebuf',
      adIndex: 0,
      startedAt: now,
      phaseStartedAt: now,
      buffering: false,
      episodesLeft: content.bufferingEpisodes ?? 0,
      downloaded: 0,
      served: [],
      timers: [],
    };
    this.playing = playing;
    this.setState(playing.phase === 'error' ? 6 : 1);
    const tick = setInterval(() => this.guard('playing', () => this.tick()), this.context.timing.statusIntervalMs);
    playing.timers.push(tick);
    this.timers.add(tick);
    this.sendStatus();
  }

  private tick(): void {
    const playing = this.playing;
    if (!playing) return;
    const now = performance.now();
    if (playing.phase === 'prebuf' && now - playing.phaseStartedAt >= this.context.timing.prebufferMs) {
      playing.phase = 'ad';
      playing.phaseStartedAt = now;
      this.nextAd(true);
      return;
    }
    if (playing.phase === 'main' && playing.content.live) this.sendLivePos();
    this.sendStatus();
  }

  /** Announces the next ad, or the main video when no ad is left. */
  private nextAd(first = false): void {
    const playing = this.playing;
    if (!playing) return;
    if (!first) playing.adIndex++;
    const ads = playing.content.ads ?? [];
    const ad = ads[playing.adIndex];
    if (ad === undefined) {
      this.startMain();
      return;
    }
    const key = `${this.id}/ad/${playing.adIndex}`;
    const url = this.urlOf(this.context.serve(key, playing.content, { ad: playing.adIndex }));
    playing.served.push(key);
    playing.adUrl = url;
    this.announce(url, { ad: true, skippable: ad.skippable ?? false });
  }

  private startMain(): void {
    const playing = this.playing;
    if (!playing) return;
    playing.phase = 'main';
    playing.phaseStartedAt = performance.now();
    const key = `${this.id}/main`;
    const url = this.urlOf(this.context.serve(key, playing.content, { file: playing.fileIndex }));
    playing.served.push(key);
    playing.mainUrl = url;
    this.announce(url, { ad: false, skippable: false });
    if (playing.episodesLeft > 0) this.scheduleBuffering(playing);
    if (playing.content.live) this.sendLivePos();
  }

  private scheduleBuffering(playing: Playing): void {
    const timing = this.context.timing;
    const begin = setTimeout(() => this.guard('buffering', () => {
      if (this.playing !== playing) return;
      playing.buffering = true;
      this.send({ kind: 'PAUSE' });
      this.setState(3);
      this.sendStatus();
      const end = setTimeout(() => this.guard('buffering', () => {
        if (this.playing !== playing) return;
        playing.buffering = false;
        playing.episodesLeft--;
        this.send({ kind: 'RESUME' });
        this.setState(2);
        if (playing.episodesLeft > 0) this.scheduleBuffering(playing);
      }), timing.bufferingMs);
      playing.timers.push(end);
      this.timers.add(end);
    }), timing.bufferingAfterMs);
    playing.timers.push(begin);
    this.timers.add(begin);
  }

  private announce(url: string, kind: { ad: boolean; skippable: boolean }): void {
    this.announceUrl(url, kind);
    // The first URL (ad or main) ends prebuffering: downloading from now on.
    this.setState(2);
  }

  private announceUrl(url: string, kind: { ad: boolean; skippable: boolean }): void {
    const playing = this.playing!;
    const live = playing.content.live === true;
    switch (this.generation()) {
      case 'play':
        this.send({ kind: kind.ad ? (kind.skippable ? 'PLAYADI' : 'PLAYAD') : 'PLAY', url });
        return;
      case 'positional':
        this.send({
          kind: 'START',
          form: 'positional',
          url,
          ...(kind.ad ? { ad: true } : {}),
          ...(kind.skippable ? { interruptable: true } : {}),
          ...(live ? { stream: true } : {}),
        });
        return;
      case 'keyed':
        this.send({
          kind: 'START',
          form: 'keyed',
          url,
          infohash: playing.content.infohash,
          fileIndex: playing.fileIndex,
          ...(kind.ad ? { ad: true } : {}),
          ...(kind.skippable ? { interruptable: true } : {}),
          ...(live ? { stream: true } : {}),
        });
        return;
    }
  }

  private urlOf(path: string): string {
    return `http://${this.context.advertised ?? `${this.context.urlHost}:${this.context.httpPort}`}${path}`;
  }

  private sendStatus(): void {
    const playing = this.playing;
    if (!playing) return;
    const now = performance.now();
    const timing = this.context.timing;
    if (playing.phase === 'error') {
      const error = playing.content.error!;
      this.send({ kind: 'STATUS', main: { state: 'err', errorId: error.id, errorMessage: error.message } });
      return;
    }
    const elapsed = now - playing.startedAt;
    const peers = 6 + Math.round(3 * Math.sin(elapsed / 1700));
    const speedDown = 90 + Math.round(60 * (1 + Math.sin(elapsed / 900)));
    playing.downloaded += Math.round((speedDown * 1024 * timing.statusIntervalMs) / 1000);
    const common = {
      totalProgress: Math.min(100, Math.floor((elapsed / (timing.prebufferMs * 20)) * 100)),
      immediateProgress: 0,
      speedDown,
      httpSpeedDown: 0,
      speedUp: Math.round(speedDown / 8),
      peers,
      httpPeers: 0,
      downloaded: playing.downloaded,
      httpDownloaded: 0,
      uploaded: Math.round(playing.downloaded / 10),
    };
    let main: StatusPart;
    if (playing.phase === 'prebuf') {
      const progress = Math.min(99, Math.floor(((now - playing.phaseStartedAt) / timing.prebufferMs) * 100));
      const time = Math.max(0, Math.round((timing.prebufferMs - (now - playing.phaseStartedAt)) / 1000));
      main = { state: 'prebuf', progress, time, ...common };
    } else if (playing.buffering) {
      main = { state: 'buf', progress: Math.min(99, Math.floor(((now - playing.phaseStartedAt) % timing.bufferingMs) / timing.bufferingMs * 100)), time: 1, ...common };
    } else {
      main = { state: 'dl', ...common };
    }
    if (playing.phase === 'ad') {
      this.send({ kind: 'STATUS', main: { state: 'prebuf', progress: 100, time: 0, ...common }, ad: { state: 'dl', ...common } });
      return;
    }
    this.send({ kind: 'STATUS', main });
  }

  /** The live window now, in Unix seconds (see live-position.ts). */
  private liveWindow(): LiveWindow {
    return liveWindow(this.context.liveWindowSeconds);
  }

  private sendLivePos(): void {
    const playing = this.playing!;
    const window = this.liveWindow();
    this.send({ kind: 'EVENT', name: 'livepos', params: livePosFields(window, playingPosition(window, playing.seek), 15) });
  }

  private liveSeek(position: number): void {
    const playing = this.playing;
    if (!playing || playing.phase !== 'main' || !playing.content.live) return;
    const window = this.liveWindow();
    if (!acceptsSeek(window, position)) {
      // Outside the window EVENT livepos announced: nothing is sent (a real engine's answer is not measured).
      this.note('!!', `LIVESEEK ${position} refused: outside live_first..live_last (${window.first}..${window.last})`);
      return;
    }
    // As real engines do (see HTTPAceProxy's GetBroadcastStartParams): STOP, then a new START.
    playing.seek = { position, atMs: Date.now() };
    this.send({ kind: 'STOP' });
    this.announce(`${playing.mainUrl!.split('?')[0]!}?pos=${position}`, { ad: false, skippable: false });
    this.sendLivePos();
  }

  private stopPlaying(reason: string): void {
    const playing = this.playing;
    if (!playing) return;
    for (const timer of playing.timers) {
      clearTimeout(timer);
      this.timers.delete(timer);
    }
    for (const key of playing.served) this.context.unserve(key);
    this.playing = undefined;
    this.note('!!', `playback stopped (${reason})`);
    // The engine tells of a stop it decided, not of one the client asked for or cannot hear.
    const told = reason === 'client STOP' || reason === 'client SHUTDOWN' || reason === 'connection closed';
    if (this.options.get('use_stop_notifications') === '1' && !told) this.send({ kind: 'STOP' });
  }

  private dispose(): void {
    if (this.closed) return;
    this.stopPlaying('connection closed');
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // Let go of a partial line (up to the decoder's 1 MiB limit) and the queued writes.
    this.decoder?.reset();
    this.decoder = undefined;
    this.writing = Promise.resolve();
    this.note('!!', 'connection closed');
    this.context.onClose?.(this);
  }
}

/**
 * A line as a transcript keeps it: whole, or its first `max` characters and a note of
 * its length. The kept part is a copy: a V8 slice would keep the whole line alive.
 */
function capLine(line: string, max: number): string {
  if (line.length <= max) return line;
  const kept = Buffer.from(line.slice(0, max), 'utf16le').toString('utf16le');
  return `${kept}… (${line.length} characters, ${line.length - max} not kept)`;
}

function randomHex(bytes: number): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}
