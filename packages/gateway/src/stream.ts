import type { ServerResponse } from 'node:http';
import { defer, finalize, Observable, retry, share, Subject, takeUntil, tap, throwError, timer } from 'rxjs';
import type { ContentKey, EngineStream } from './backend.js';
import type { EnginePool, EngineSlot } from './engines.js';
import { EngineUnavailable, GatewayError, StreamAborted } from './errors.js';
import { messageOf } from './http.js';
import type { Log } from './log.js';
import type { RetryPolicy } from './options.js';
import { KeyFrameIndex } from './ts/keyframes.js';
import { Film } from './vod.js';
import { type Cursor, Ring, TS_PACKET } from './ts/ring.js';
import { Segmenter, type SegmentNumbering } from './ts/segmenter.js';
import { SpliceAligner } from './ts/splice.js';

/** What a {@link LiveStream} needs to know. */
export interface LiveStreamSettings {
  readonly ringBytes: number;
  /** HLS segments: cut at the first key frame this many seconds in at least, this many listed. */
  readonly hlsSegmentSeconds: number;
  readonly hlsWindow: number;
  /** Whether the MPEG-TS is read (key-frame joins, HLS from the ring). */
  readonly mpegts: boolean;
  readonly lingerMs: number;
  readonly silenceMs: number;
  readonly retry: RetryPolicy;
}

/** What a {@link LiveStream} tells its registry. */
export interface LiveStreamHooks {
  /** Where HLS numbering starts (a stream replacing an ended one of the same content goes on from it). */
  readonly numbering?: SegmentNumbering;
  /** The engine said which infohash the content is (once, at the first attempt that says it). */
  readonly onIdentity: (stream: LiveStream, infohash: string) => void;
  /** The stream has ended, whatever the reason (once). */
  readonly onEnd: (stream: LiveStream) => void;
  /** The channel (its slug) the stream plays, when a channel's viewer started it. */
  readonly channel?: string;
  /** The stream moved from source `from` to the next one (a channel's backup): its names follow. */
  readonly onSource?: (stream: LiveStream, from: ContentKey) => void;
  /**
   * Another running stream that plays the stream's current source already (its engine
   * session is then shared, never doubled: an engine lets a second start of one content
   * displace the first), or `undefined`.
   */
  readonly playedBy?: (stream: LiveStream) => LiveStream | undefined;
}

/** One source of a stream as `/status` shows it. */
export interface SourceState {
  readonly kind: ContentKey['kind'];
  readonly value: string;
  /** `playing` (or being started) now, `failed` before, `untried` yet. */
  readonly state: 'playing' | 'failed' | 'untried';
  /** Why it failed. */
  readonly reason?: string;
  /** When it failed (ISO 8601). */
  readonly failedAt?: string;
  /** The playing source: when its bytes began to enter the ring (ISO 8601). */
  readonly since?: string;
  /** The playing source: the ring's byte offset of its first byte (a viewer's `X-Stream-Position` counts in the same bytes). */
  readonly position?: number;
}

/** An HLS player of a live stream: it holds the stream while it polls. */
export interface HlsViewer {
  /** Who it is (address and user agent). */
  readonly who: string;
  /** When it last asked (performance.now()). */
  readonly lastSeen: number;
  /** It asked again: it stays another `hlsIdleMs`. */
  touch(): void;
  /** Lets go of the stream (idle, or the stream ended). */
  leave(): void;
}

/** A viewer reading a live stream's ring. */
export interface ViewerEntry {
  readonly cursor: Cursor;
  readonly res: ServerResponse;
  readonly address: string;
}

/** The engine stream of one attempt was lost (cut, failed, session gone): retried per the policy. */
class StreamLost extends Error {}

/** The engine sent nothing for `silenceMs` (the gateway was not holding it back): the stream ends, no retry. */
class EngineSilent extends Error {}

/** Every retry failed. */
class GaveUp extends Error {}

/**
 * A source that has played this long since its last retry has its retries back: one that
 * keeps dying soon after each retry uses them up (and a channel moves to its next source).
 */
const STEADY_MS = 10_000;

/**
 * One live content as the gateway reads it: a single engine session whose bytes go into a
 * bounded {@link Ring}, with its viewers as cursors in the ring.
 *
 * The lifecycle is an Observable, top-down: each attempt opens the content on the best
 * engine and emits its chunks; a loss after the first bytes is retried with backoff
 * (`retry`); every viewer subscribes to the shared result (`share`), so the engine session
 * starts with the first viewer and stops `lingerMs` after the last one left, unless one
 * comes back in time. The ring, not RxJS, handles backpressure: the engine's body is paused
 * while the fastest viewer is half a ring behind.
 */
export class LiveStream {
  /** The bytes, read once and kept for the viewers. */
  readonly ring: Ring;
  /** What the MPEG-TS in the ring says: key frames and their PAT and PMT. */
  readonly keyFrames: KeyFrameIndex;
  /** The ring cut into HLS segments at key frames. */
  readonly segmenter: Segmenter;
  /** Viewers receiving bytes. */
  readonly viewers = new Set<ViewerEntry>();
  /** HLS players polling the stream's playlist, by who they are. */
  readonly hlsViewers = new Map<string, HlsViewer>();
  /** How viewers joined: on a key frame, or (no key frame in the ring) on a packet boundary. */
  readonly joins = { keyFrame: 0, packet: 0 };
  /** When the stream was created. */
  readonly startedAt = new Date();
  /** Viewers waiting for the first bytes. */
  pending = 0;
  /** Where the stream is. */
  state: 'starting' | 'playing' | 'retrying' | 'ended' = 'starting';
  /** The engine serving it (none between attempts). */
  slot: EngineSlot | undefined;
  /** The current attempt's engine stream. */
  source: EngineStream | undefined;
  /** Bytes read from the engine. */
  bytesIn = 0;
  /** Bytes written to viewers that left. */
  bytesOutGone = 0;
  /** Whether the engine's body is paused for slow viewers. */
  paused = false;
  /** Settles with the first bytes, or rejects with why the stream ended before them. */
  readonly firstBytes: Promise<void>;
  /** Set when the content is a file (a film, an episode): viewers read it by ranges, not from the ring. */
  film: Film | undefined;
  /** The content's infohash, once the engine said it (or the viewer gave it). */
  infohash: string | undefined;
  /** Settles once the infohash is known, or the stream ended without learning it. */
  readonly identified: Promise<void>;

  /** Subscribe to watch: the first subscriber starts the engine session, the last one's leaving starts the linger. */
  readonly live$: Observable<Buffer>;
  /** The contents it may play, in order: a channel's sources, or the one content a viewer named. */
  sources: readonly ContentKey[];
  /** Which of {@link LiveStream.sources} plays (or is tried) now. */
  sourceIndex = 0;
  /** The channel (its slug) the stream plays, when it plays one. */
  channel: string | undefined;
  /** The stream whose bytes this one relays (it plays the same content already), between attempts none. */
  relaying: LiveStream | undefined;
  /** Emits when the stream moves to another source, or ends: streams relaying it stop. */
  readonly moved$ = new Subject<void>();
  /** Sources that failed, by index: why, and when. */
  readonly failures = new Map<number, { readonly reason: string; readonly at: Date }>();

  private hadBytes = false;
  /** Whether the current source sent bytes (a source that never did hands over at its first failure). */
  private sourceHadBytes = false;
  /** Retries of the current source since it last played {@link STEADY_MS} in a row. */
  private retries = 0;
  /** When the last retry was decided (performance.now()). */
  private retriedAt = 0;
  /** Where and when the bytes of the engine session playing now began in the ring. */
  private began: { readonly position: number; readonly at: Date } | undefined;
  /** The bytes of a new engine session, held until its first key frame (none when they flow straight in). */
  private splice: SpliceAligner | undefined;
  /** Attempts started, and the attempt the last chunk came from: a chunk of a newer one starts a new source. */
  private attempts = 0;
  private chunkAttempt = 0;
  private chunkFrom = 0;
  private settleFirst: (error?: GatewayError) => void = () => undefined;
  private settleIdentified: () => void = () => undefined;
  private stopReason: string | undefined;
  /** The engine name of the last attempt, for the stop's log line. */
  private engineName: string | undefined;
  /** Fails the current attempt (none between attempts). */
  private failAttempt: ((error: unknown) => void) | undefined;
  private endError: unknown;
  private silence: ReturnType<typeof setTimeout> | undefined;
  private readonly stop$ = new Subject<void>();

  constructor(
    /** `id:<id>`, `infohash:<infohash>` or `channel:<slug>`. */
    readonly key: string,
    /** What the engine may be asked to start, in order (at least one). */
    sources: readonly ContentKey[],
    private readonly settings: LiveStreamSettings,
    private readonly pool: EnginePool,
    private readonly log: Log,
    private readonly hooks: LiveStreamHooks,
  ) {
    this.sources = sources;
    this.channel = hooks.channel;
    this.ring = new Ring(settings.ringBytes);
    this.segmenter = new Segmenter({ minSeconds: settings.hlsSegmentSeconds, window: settings.hlsWindow, ...(hooks.numbering === undefined ? {} : { numbering: hooks.numbering }) });
    this.keyFrames = new KeyFrameIndex(this.ring, settings.mpegts, (key) => this.segmenter.keyFrame(key));
    const content = this.content;
    this.infohash = content.kind === 'infohash' ? content.value : undefined;
    this.identified = new Promise<void>((resolve) => (this.settleIdentified = resolve));
    if (this.infohash !== undefined) this.settleIdentified();
    this.firstBytes = new Promise<void>((resolve, reject) => {
      this.settleFirst = (error) => {
        this.settleFirst = () => undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    this.firstBytes.catch(() => undefined);
    const { retry: policy, lingerMs } = settings;
    this.live$ = defer(() => this.attempt()).pipe(
      retry({ delay: (error: unknown) => this.retryDelay(error, policy) }),
      takeUntil(this.stop$),
      tap({ next: (chunk) => this.onChunk(chunk), error: (error: unknown) => (this.endError = error) }),
      finalize(() => this.end()),
      share({
        connector: () => new Subject<Buffer>(),
        resetOnError: false,
        resetOnComplete: false,
        resetOnRefCountZero: () => timer(lingerMs).pipe(tap(() => (this.stopReason ??= `no viewer for ${lingerMs} ms`))),
      }),
    );
  }

  /** The content the engine is asked to start now: the current source. */
  get content(): ContentKey {
    return this.sources[this.sourceIndex]!;
  }

  /**
   * Plays `channel` from now on: a stream of one of its sources, started by another name,
   * takes on the channel's sources (so that a failure hands over to the next one).
   */
  adopt(channel: { readonly slug: string; readonly sources: readonly ContentKey[] }): void {
    const at = channel.sources.findIndex((s) => s.kind === this.content.kind && s.value === this.content.value);
    if (at === -1) return;
    this.channel = channel.slug;
    this.sources = channel.sources;
    this.sourceIndex = at;
  }

  /** Ends the stream now, whoever watches (the gateway closes). */
  stop(reason: string): void {
    this.stopReason ??= reason;
    this.stop$.next();
    // A stream nobody subscribed to yet never started its lifecycle.
    this.end();
  }

  /** Reads from the engine no faster than the fastest viewer takes it: the ring never drops bytes nobody has sent. */
  maybePause(): void {
    if (this.paused || this.viewers.size === 0 || this.source === undefined) return;
    let fastest = 0;
    for (const v of this.viewers) fastest = Math.max(fastest, v.cursor.position);
    if (this.ring.total - fastest >= this.settings.ringBytes / 2) {
      this.paused = true;
      this.source.body.pause();
      this.clearSilence();
    }
  }

  /** Reads from the engine again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.source?.body.resume();
    this.armSilence();
  }

  /** Bytes written to viewers, those gone included. */
  get bytesOut(): number {
    let n = this.bytesOutGone;
    for (const v of this.viewers) n += v.cursor.sentBytes;
    return n;
  }

  /** One attempt: the bytes of the stream that plays the current source already, else of a new engine session. */
  private attempt(): Observable<Buffer> {
    const shared = this.hooks.playedBy?.(this);
    return shared === undefined ? this.engineAttempt() : this.relay(shared);
  }

  /**
   * The bytes of `shared`, a stream that plays the same content (a channel that moved to a
   * source another stream plays): no second engine session. It ends, as a lost attempt,
   * when `shared` ends or moves to another source; its own silence watchdog and retries
   * are `shared`'s.
   */
  private relay(shared: LiveStream): Observable<Buffer> {
    return new Observable<Buffer>((subscriber) => {
      const attempt = ++this.attempts;
      if (!this.hadBytes) this.state = 'starting';
      this.relaying = shared;
      this.log({ event: 'session-share', stream: this.key, reason: `shares ${shared.key}` }, `stream ${this.key}: ${this.content.kind}:${this.content.value} plays already as ${shared.key}: its bytes are shared, no second engine session`);
      const lost = (why: string) => subscriber.error(new StreamLost(`the stream it shared (${shared.key}) ${why}`));
      const subscription = shared.live$.pipe(takeUntil(shared.moved$)).subscribe({
        next: (chunk) => {
          this.chunkFrom = attempt;
          subscriber.next(chunk);
        },
        error: (error: unknown) => (error instanceof GatewayError && !shared.hadFirstBytes ? subscriber.error(error) : lost(`failed: ${messageOf(error)}`)),
        complete: () => lost(shared.state === 'ended' ? 'ended' : 'moved to another source'),
      });
      return () => {
        subscription.unsubscribe();
        this.relaying = undefined;
      };
    });
  }

  /** Whether the stream has had bytes (or a film) since it started. */
  get hadFirstBytes(): boolean {
    return this.hadBytes;
  }

  /** One engine session: opened on the best engine, its body's chunks, until it ends or is lost. */
  private engineAttempt(): Observable<Buffer> {
    return new Observable<Buffer>((subscriber) => {
      const abort = new AbortController();
      let done = false;
      let held: EngineSlot | undefined;
      const attempt = ++this.attempts;
      const fail = (error: unknown) => {
        if (!done) subscriber.error(error);
      };
      this.failAttempt = fail;
      if (!this.hadBytes) this.state = 'starting';
      this.pool
        .open(
          this.content,
          this.key,
          abort.signal,
          (slot) => {
            this.slot = slot;
            this.engineName = slot.backend.name;
          },
          (infohash) => this.learnInfohash(infohash),
        )
        .then(({ slot, stream }) => {
          if (done) {
            this.pool.release(slot);
            return stream.stop();
          }
          held = slot;
          this.source = stream;
          this.learnIdentity(stream);
          if (!stream.live) return this.openFilm(stream, fail);
          const body = stream.body;
          const lose = (reason: string) => fail(new StreamLost(reason));
          this.armSilence();
          body.on('data', (chunk: Buffer) => {
            if (done) return;
            this.armSilence();
            this.chunkFrom = attempt;
            subscriber.next(chunk);
          });
          body.on('end', () => (body.complete ? !done && subscriber.complete() : lose('the engine cut the stream')));
          body.on('error', (error) => lose(`the stream failed: ${error.message}`));
          void stream.lost.then((error) => lose(`the engine session was lost: ${error.message}`));
        }, fail);
      return () => {
        done = true;
        abort.abort();
        this.failAttempt = undefined;
        this.clearSilence();
        this.paused = false;
        this.source?.stop();
        this.source = undefined;
        if (held !== undefined) this.pool.release(held);
        this.slot = undefined;
      };
    });
  }

  /**
   * What follows a failed attempt. A source that sent bytes and was lost is retried with
   * backoff, `policy.attempts` times (given back once it plays {@link STEADY_MS}); a source that never sent any, went silent, or used up
   * its retries hands over to the next source (a channel's backup), at once. With no next
   * source, the failure is final: the viewers get it before the first bytes, or their
   * stream ends after them. An engine that does not answer is no fault of the source.
   */
  private retryDelay(error: unknown, policy: RetryPolicy): Observable<unknown> {
    const reason = messageOf(error);
    const lost = this.sourceHadBytes && !(error instanceof EngineSilent);
    if (!lost || this.retries >= policy.attempts) {
      const why = lost ? `${reason}; gave up after ${this.retries} retries` : reason;
      if (this.sourceIndex + 1 < this.sources.length && !(error instanceof EngineUnavailable)) {
        this.nextSource(why);
        return timer(0);
      }
      return throwError(() => (lost ? new GaveUp(why) : error));
    }
    const n = ++this.retries;
    this.retriedAt = performance.now();
    this.state = 'retrying';
    const delay = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** (n - 1));
    const engine = this.slot?.backend.name;
    this.log({ event: 'session-retry', stream: this.key, ...(engine === undefined ? {} : { engine }), reason }, `stream ${this.key}: ${reason}; retry ${n}/${policy.attempts} in ${delay} ms`);
    return timer(delay);
  }

  private onChunk(chunk: Buffer): void {
    if (this.chunkAttempt !== this.chunkFrom) {
      this.chunkAttempt = this.chunkFrom;
      // Another engine session's bytes follow those in the ring, or those of a stream this
      // one shares, joined mid-way: with the MPEG-TS read, they wait for their first key
      // frame (at most a quarter of the ring).
      if ((this.hadBytes || this.relaying !== undefined) && this.settings.mpegts) this.splice = new SpliceAligner(Math.floor(this.settings.ringBytes / 4));
      else if (this.hadBytes) this.newSource();
      if (this.splice === undefined) this.began = { position: this.ring.total, at: new Date() };
    }
    this.bytesIn += chunk.length;
    this.sourceHadBytes = true;
    if (this.retries > 0 && performance.now() - this.retriedAt >= STEADY_MS) this.retries = 0;
    this.state = 'playing';
    if (this.splice !== undefined) {
      const held = this.splice.startedOn === undefined;
      const out = this.splice.push(chunk);
      if (out.length === 0) return;
      if (held) {
        if (this.hadBytes) this.newSource();
        this.began = { position: this.ring.total, at: new Date() };
      }
      for (const bytes of out) if (bytes.length > 0) this.append(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (this.splice.done) this.splice = undefined;
    } else this.append(chunk);
    this.hadBytes = true;
    this.settleFirst();
    this.maybePause();
  }

  private append(chunk: Buffer): void {
    const at = this.ring.total;
    this.ring.append(chunk);
    if (this.settings.mpegts) this.segmenter.append(chunk, at);
    this.keyFrames.push(chunk);
  }

  /** The current source failed for good: the next one plays (its names replace the old one's). */
  private nextSource(reason: string): void {
    const from = this.content;
    this.failures.set(this.sourceIndex, { reason, at: new Date() });
    this.sourceIndex++;
    this.sourceHadBytes = false;
    this.retries = 0;
    this.splice = undefined;
    this.began = undefined;
    this.moved$.next();
    if (this.hadBytes) this.state = 'retrying';
    const to = this.content;
    this.infohash = to.kind === 'infohash' ? to.value : undefined;
    this.hooks.onSource?.(this, from);
    const engine = this.slot?.backend.name;
    this.log(
      { event: 'source-failover', stream: this.key, ...(engine === undefined ? {} : { engine }), reason },
      `stream ${this.key}: source ${from.kind}:${from.value} failed (${reason}); playing ${to.kind}:${to.value} (${this.sourceIndex + 1}/${this.sources.length})`,
    );
  }

  /** Each source, with where it stands (for `/status`). */
  sourceStates(): SourceState[] {
    return this.sources.map((source, i) => {
      const failure = this.failures.get(i);
      if (i === this.sourceIndex) {
        const began = this.began;
        return { kind: source.kind, value: source.value, state: 'playing', ...(began === undefined ? {} : { since: began.at.toISOString(), position: began.position }) };
      }
      if (failure !== undefined) return { kind: source.kind, value: source.value, state: 'failed', reason: failure.reason, failedAt: failure.at.toISOString() };
      return { kind: source.kind, value: source.value, state: 'untried' };
    });
  }

  /** (Re)starts the silence watchdog of the current attempt: it fails the attempt, and so ends the stream. */
  /** What the engine said the content is, at its first attempt that says it. */
  private learnIdentity(stream: EngineStream): void {
    if (stream.infohash !== undefined) this.learnInfohash(stream.infohash);
    this.settleIdentified();
  }

  /** The engine named the content's infohash (the first time counts). */
  private learnInfohash(infohash: string): void {
    if (this.infohash !== undefined) return;
    this.infohash = infohash;
    this.hooks.onIdentity(this, infohash);
    this.settleIdentified();
  }

  /** A file, not a live stream: viewers read it by ranges through {@link LiveStream.film}; nothing flows into the ring. */
  private openFilm(stream: EngineStream, fail: (error: unknown) => void): void {
    const film = Film.from(stream, undefined, { in: (n) => (this.bytesIn += n), out: (n) => (this.bytesOutGone += n) });
    if (film instanceof GatewayError) return fail(film);
    this.film = film;
    this.hadBytes = true;
    this.sourceHadBytes = true;
    this.state = 'playing';
    this.settleFirst();
    void stream.lost.then((error) => fail(new StreamLost(`the engine session was lost: ${error.message}`)));
  }

  /**
   * Bytes of another engine session follow: the last packet of the old one may be cut, so
   * it is filled up to a packet boundary (players resync on the next sync byte), and the
   * next HLS segment is a discontinuity.
   */
  private newSource(): void {
    const cut = this.ring.total % TS_PACKET;
    if (cut !== 0) {
      const filler = Buffer.alloc(TS_PACKET - cut, 0xff);
      const at = this.ring.total;
      this.ring.append(filler);
      this.segmenter.append(filler, at);
      this.keyFrames.push(filler);
    }
    this.segmenter.discontinuity(this.ring.total, this.keyFrames.lastPts);
  }

  private armSilence(): void {
    this.clearSilence();
    const fail = this.failAttempt;
    if (fail === undefined) return;
    this.silence = setTimeout(() => {
      this.silence = undefined;
      fail(new EngineSilent(`the engine sent nothing for ${this.settings.silenceMs} ms`));
    }, this.settings.silenceMs);
  }

  private clearSilence(): void {
    if (this.silence !== undefined) clearTimeout(this.silence);
    this.silence = undefined;
  }

  private end(): void {
    if (this.state === 'ended') return;
    const engine = this.engineName;
    this.state = 'ended';
    const error = this.endError;
    const reason = this.stopReason ?? (error === undefined ? 'the content ended' : messageOf(error));
    this.ring.end(error instanceof Error ? error : undefined);
    this.settleFirst(error instanceof GatewayError ? error : new StreamAborted());
    this.settleIdentified();
    for (const viewer of [...this.hlsViewers.values()]) viewer.leave();
    this.moved$.next();
    this.moved$.complete();
    this.hooks.onEnd(this);
    this.log({ event: 'session-stop', stream: this.key, ...(engine === undefined ? {} : { engine }), reason }, `stream ${this.key} stopped: ${reason}`);
  }
}
