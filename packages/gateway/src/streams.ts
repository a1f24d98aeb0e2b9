import type { ContentKey } from './backend.js';
import type { Channel, Lineup } from './channels.js';
import type { EnginePool } from './engines.js';
import { AtCapacity, ContentNotFound, Draining } from './errors.js';
import { IdentityCache, keyOf, type Selector } from './identity.js';
import type { Log } from './log.js';
import type { Limits } from './options.js';
import type { LiveStream, LiveStreamSettings } from './stream.js';
import type { SegmentNumbering } from './ts/segmenter.js';

/** How long a viewer waits for the engine to say what content id an infohash is, before a stream of its own starts. */
const REVERSE_LOOKUP_MS = 2_000;
/**
 * How long an infohash viewer waits for streams still learning their infohash (a start by
 * content id under way) before it starts its own: long enough for a start that goes well
 * (the engine names the infohash in LOADRESP, before START), short enough that a content
 * that never starts does not hold up the others.
 */
const IDENTIFY_WAIT_MS = 3_000;
/** A running stream's content id is asked of the engine at most this often. */
const ASK_AGAIN_MS = 60_000;

/** Resolves when `promise` settles or `ms` pass, whichever comes first; leaves no timer behind. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * The live streams, one engine session per content whatever a viewer calls it: by
 * `id:<content id>` or `infohash:<infohash>`, learnt from what the engines say
 * ({@link IdentityCache}). A stream is made for the first viewer and forgotten when it
 * ends. The registry holds the limits and the totals of streams gone.
 */
export class StreamRegistry {
  /** Every name a running stream is known by → the stream. */
  private readonly byName = new Map<string, LiveStream>();
  private readonly streams = new Set<LiveStream>();
  private bytesInGone = 0;
  private bytesOutGone = 0;
  /** Where the HLS numbering of a content's next stream starts, by key (the newest 1 000 kept). */
  private readonly numbering = new Map<string, SegmentNumbering>();
  /** What the engines said of contents: content id ↔ infohash. */
  readonly identities = new IdentityCache();
  /** Infohashes whose content id the engines were asked, and when (no more often than {@link ASK_AGAIN_MS}). */
  private readonly asked = new Map<string, number>();
  /** The live stream's code (rxjs and all), loaded by the first {@link StreamRegistry.find}: an idle gateway does without it. */
  private LiveStreamClass: typeof LiveStream | undefined;

  constructor(
    private readonly settings: LiveStreamSettings & { readonly limits: Limits },
    private readonly pool: EnginePool,
    private readonly log: Log,
    private readonly lineup: Lineup,
  ) {}

  /**
   * Set while the gateway drains: {@link StreamRegistry.streamFor} turns new viewers away
   * with {@link Draining} (a film being read still takes its readers' range requests).
   */
  draining: Draining | undefined;

  /** Streams now. */
  get size(): number {
    return this.streams.size;
  }

  /** Every stream now. */
  list(): LiveStream[] {
    return [...this.streams];
  }

  /**
   * The running stream of `content` under any of its names, after asking what can be
   * asked: a content id known to stand for an infohash finds that infohash's stream; an
   * infohash waits for streams still learning theirs; an unknown content id asks the
   * engines which id the running streams' infohashes have. A channel is found under its own
   * name, or as the running stream of one of its sources (which then takes on the channel's
   * sources). `undefined` when none runs.
   */
  async find(selector: Selector): Promise<LiveStream | undefined> {
    this.LiveStreamClass ??= (await import('./stream.js')).LiveStream;
    if (selector.kind === 'channel') return this.lookupChannel(selector.value);
    const content = selector;
    const known = this.lookup(content);
    if (known !== undefined) return known;
    if (content.kind === 'infohash') {
      const learning = this.list().filter((s) => s.infohash === undefined && s.state !== 'ended');
      if (learning.length > 0) await settledWithin(Promise.all(learning.map((s) => s.identified)), IDENTIFY_WAIT_MS);
    } else if (!(await this.askInfohash(content.value))) {
      await this.askIds();
    }
    return this.lookup(content);
  }

  /**
   * The stream of `content`, made (not yet started: its first subscriber starts it) when
   * none runs; {@link AtCapacity} when a limit says no, {@link Draining} while the gateway
   * drains. Synchronous: call it right after {@link StreamRegistry.find} (which loads the
   * live stream's code). A channel not in the lineup is {@link ContentNotFound}.
   */
  streamFor(selector: Selector): LiveStream | AtCapacity | Draining | ContentNotFound {
    const LiveStream = this.LiveStreamClass;
    if (LiveStream === undefined) throw new Error('StreamRegistry.streamFor before find()');
    // A player seeking in a film asks again with a range: that reader is not a new viewer.
    if (this.draining !== undefined && this.running(selector)?.film === undefined) return this.draining;
    const { limits } = this.settings;
    const channel = selector.kind === 'channel' ? this.lineup.channel(selector.value) : undefined;
    if (selector.kind === 'channel' && channel === undefined) return new ContentNotFound(`no channel ${selector.value} in the channels file`);
    if (this.viewerCount() + this.waitingCount() >= limits.maxViewers) return new AtCapacity('maxViewers', limits.maxViewers);
    let stream = selector.kind === 'channel' ? this.lookupChannel(selector.value) : this.lookup(selector);
    if (stream === undefined) {
      if (this.streams.size >= limits.maxStreams) return new AtCapacity('maxStreams', limits.maxStreams);
      const key = keyOf(selector);
      const numbering = this.numbering.get(key);
      const sources = channel?.sources ?? [selector as ContentKey];
      stream = new LiveStream(key, sources, this.settings, this.pool, this.log, {
        onIdentity: (s, infohash) => this.identify(s, infohash),
        onEnd: (s) => this.forget(s),
        onSource: (s) => this.renameSource(s),
        playedBy: (s) => this.playedBy(s),
        ...(numbering === undefined ? {} : { numbering }),
        ...(channel === undefined ? {} : { channel: channel.slug }),
      });
      this.streams.add(stream);
      this.name(stream, key);
      this.name(stream, keyOf(stream.content));
      if (stream.infohash !== undefined) this.name(stream, `infohash:${stream.infohash}`);
    }
    if (stream.viewers.size + stream.hlsViewers.size + (stream.film?.viewers ?? 0) + stream.pending >= limits.maxViewersPerStream) return new AtCapacity('maxViewersPerStream', limits.maxViewersPerStream);
    return stream;
  }

  /** Every name a stream is known by (its key first). */
  namesOf(stream: LiveStream): string[] {
    const names = [stream.key];
    for (const [name, s] of this.byName) if (s === stream && name !== stream.key) names.push(name);
    return names;
  }

  /** Viewers receiving bytes, in all. */
  viewerCount(): number {
    let n = 0;
    for (const s of this.streams) n += s.viewers.size + s.hlsViewers.size + (s.film?.viewers ?? 0);
    return n;
  }

  /**
   * Viewers still watching, for a drain: TS viewers and film readers, those waiting for
   * first bytes, and HLS players that asked within `quietMs` (one that stopped asking is
   * gone, though it counts for the limits until `hlsIdleMs`).
   */
  watchingCount(quietMs: number): number {
    const since = performance.now() - quietMs;
    let n = this.waitingCount();
    for (const s of this.streams) {
      n += s.viewers.size + (s.film?.viewers ?? 0);
      for (const v of s.hlsViewers.values()) if (v.lastSeen >= since) n++;
    }
    return n;
  }

  /** Viewers waiting for a stream's first bytes, in all. */
  waitingCount(): number {
    let n = 0;
    for (const s of this.streams) n += s.pending;
    return n;
  }

  /** A viewer of a stream that already ended left: its bytes count in the totals. */
  viewerGone(stream: LiveStream, sentBytes: number): void {
    if (!this.streams.has(stream)) this.bytesOutGone += sentBytes;
  }

  /** Bytes read from engines and written to viewers since the start. */
  totals(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.bytesInGone;
    let bytesOut = this.bytesOutGone;
    for (const s of this.streams) {
      bytesIn += s.bytesIn;
      bytesOut += s.bytesOut;
    }
    return { bytesIn, bytesOut };
  }

  /** Ends every stream. */
  stopAll(reason: string): void {
    for (const stream of this.list()) stream.stop(reason);
  }

  /** The running stream of `selector` as known now (no engine asked, no wait). */
  running(selector: Selector): LiveStream | undefined {
    return selector.kind === 'channel' ? this.lookupChannel(selector.value) : this.lookup(selector);
  }

  /**
   * The running stream of channel `slug`: under its own name, or a stream of one of its
   * sources started by another name (`id=`), which then takes on the channel (its sources
   * and its name), so that the channel and its contents share one engine session.
   */
  private lookupChannel(slug: string): LiveStream | undefined {
    const own = this.byName.get(`channel:${slug}`);
    if (own !== undefined) return own;
    const channel = this.lineup.channel(slug);
    if (channel === undefined) return undefined;
    for (const source of channel.sources) {
      const stream = this.lookup(source);
      if (stream === undefined || stream.state === 'ended' || stream.channel !== undefined) continue;
      stream.adopt(channel as Channel);
      this.name(stream, `channel:${slug}`);
      return stream;
    }
    return undefined;
  }

  /** The running stream of `content` under one of its names, or through the identity cache. */
  private lookup(content: ContentKey): LiveStream | undefined {
    const direct = this.byName.get(keyOf(content));
    if (direct !== undefined) return direct;
    const other = content.kind === 'id' ? this.identities.infohashOf(content.value) : this.identities.idOf(content.value);
    if (other === undefined) return undefined;
    const stream = this.byName.get(content.kind === 'id' ? `infohash:${other}` : `id:${other}`);
    if (stream !== undefined) this.name(stream, keyOf(content));
    return stream;
  }

  /**
   * Asks the best engine which infohash content id `id` is, without starting it (HTTP API
   * engines); says whether it answered.
   */
  private async askInfohash(id: string): Promise<boolean> {
    const backend = this.pool.candidates()[0]?.backend;
    const infohash = await backend?.infohashOf?.(id, REVERSE_LOOKUP_MS);
    if (infohash === undefined) return false;
    this.identities.learn(id, infohash);
    return true;
  }

  /**
   * Asks the engines the content id of every running stream whose infohash is known but
   * whose id is not: once a minute at most for each, whatever the number of viewers asking.
   */
  private async askIds(): Promise<void> {
    const now = Date.now();
    for (const [infohash, at] of this.asked) if (now - at > ASK_AGAIN_MS) this.asked.delete(infohash);
    const unknown = this.list().filter((s) => s.infohash !== undefined && s.state !== 'ended' && this.identities.idOf(s.infohash) === undefined && !this.asked.has(s.infohash));
    for (const s of unknown) this.asked.set(s.infohash!, now);
    await Promise.all(
      unknown.map(async (s) => {
        const backend = (s.slot ?? this.pool.candidates()[0])?.backend;
        const id = await backend?.idOf?.(s.infohash!, REVERSE_LOOKUP_MS);
        if (id !== undefined && id !== '') this.identities.learn(id, s.infohash!);
      }),
    );
  }

  private identify(stream: LiveStream, infohash: string): void {
    if (stream.content.kind === 'id') this.identities.learn(stream.content.value, infohash);
    // A stream already under that infohash keeps the name (two viewers raced past `find`).
    this.name(stream, `infohash:${infohash}`);
  }

  /** The running live stream, other than `stream`, that plays `stream`'s current source (the one it relays, when it relays). */
  private playedBy(stream: LiveStream): LiveStream | undefined {
    const other = this.lookup(stream.content);
    if (other === undefined || other === stream || other.state === 'ended' || other.film !== undefined) return undefined;
    const origin = other.relaying ?? other;
    return origin === stream || origin.state === 'ended' ? undefined : origin;
  }

  /** A stream moved to its next source: the old source's names are let go, the new one's taken (its key and channel names stay). */
  private renameSource(stream: LiveStream): void {
    for (const [name, s] of this.byName) if (s === stream && name !== stream.key && !name.startsWith('channel:')) this.byName.delete(name);
    this.name(stream, keyOf(stream.content));
    if (stream.infohash !== undefined) this.name(stream, `infohash:${stream.infohash}`);
  }

  private name(stream: LiveStream, name: string): void {
    if (!this.byName.has(name)) this.byName.set(name, stream);
  }

  private forget(stream: LiveStream): void {
    if (!this.streams.delete(stream)) return;
    for (const [name, s] of this.byName) {
      if (s !== stream) continue;
      this.byName.delete(name);
      // A player polling the playlist under this name sees its numbers go on rising.
      this.numbering.delete(name);
      this.numbering.set(name, stream.segmenter.numbering);
    }
    while (this.numbering.size > 1_000) this.numbering.delete(this.numbering.keys().next().value as string);
    this.bytesInGone += stream.bytesIn;
    // Viewers still attached add theirs when they close.
    this.bytesOutGone += stream.bytesOutGone;
  }
}
