import type { ContentKey, EngineBackend, EngineStream } from './backend.js';
import { EngineUnavailable, GatewayError } from './errors.js';
import type { Log } from './log.js';

/** One engine of the pool and what the gateway knows of it. */
export interface EngineSlot {
  readonly backend: EngineBackend;
  /** In service; false once taken out after a failure, until it answers again. */
  up: boolean;
  /** When it was taken out (ms since the epoch). */
  downAt: number;
  /** Engine sessions it holds now (live streams and HLS sessions). */
  streams: number;
  /** Gone from its name's addresses ({@link EnginePool.retire}): no new session; removed once its last one ends. */
  draining?: boolean;
}

/** Options of an {@link EnginePool}. */
export interface EnginePoolOptions {
  /** An engine taken out is tried again after this long. */
  readonly recheckMs: number;
  /** `/healthz` answers from the last probe for this long. */
  readonly healthCacheMs: number;
  readonly log: Log;
  /** Called for every engine session started, retries and fall-overs included (a metric). */
  readonly onSessionStart: () => void;
}

/** One engine's answer to a health probe. */
export interface EngineHealth {
  readonly slot: EngineSlot;
  readonly ok: boolean;
}

/**
 * The engines: which one takes a new session (the least loaded of those in service), which
 * are taken out after a failure and when they are tried again, and their health.
 */
export class EnginePool {
  private readonly list: EngineSlot[];
  private lastHealth: { at: number; results: Promise<EngineHealth[]> } | undefined;

  constructor(
    backends: readonly EngineBackend[],
    private readonly options: EnginePoolOptions,
  ) {
    this.list = backends.map((backend) => ({ backend, up: true, downAt: 0, streams: 0 }));
  }

  /** Every engine now, in the order given or found (those draining included). */
  get slots(): readonly EngineSlot[] {
    return this.list;
  }

  /** Adds an engine (found by name): it takes new sessions at once. */
  add(backend: EngineBackend, why: string): EngineSlot {
    const slot: EngineSlot = { backend, up: true, downAt: 0, streams: 0 };
    this.list.push(slot);
    this.lastHealth = undefined;
    this.options.log({ event: 'engine-add', engine: backend.name, reason: why }, `engine ${backend.name} added: ${why}`);
    return slot;
  }

  /**
   * Drains an engine (gone from its name): it takes no new session, its streams go on, and
   * it is removed when the last ends (at once when it has none).
   */
  retire(slot: EngineSlot, why: string): void {
    if (slot.draining === true || !this.list.includes(slot)) return;
    slot.draining = true;
    this.options.log({ event: 'engine-remove', engine: slot.backend.name, reason: why }, `engine ${slot.backend.name} draining: ${why} (${slot.streams} sessions go on)`);
    this.removeIfDrained(slot);
  }

  /** Takes back an engine being drained (its address came back): it takes new sessions again. */
  restore(slot: EngineSlot, why: string): void {
    if (slot.draining !== true) return;
    slot.draining = false;
    this.options.log({ event: 'engine-add', engine: slot.backend.name, reason: why }, `engine ${slot.backend.name} back: ${why}`);
  }

  /** Whether `slot` is still in the pool (a drained one is removed). */
  has(slot: EngineSlot): boolean {
    return this.list.includes(slot);
  }

  private removeIfDrained(slot: EngineSlot): void {
    if (slot.draining !== true || slot.streams > 0) return;
    const at = this.list.indexOf(slot);
    if (at < 0) return;
    this.list.splice(at, 1);
    this.lastHealth = undefined;
    this.options.log({ event: 'engine-remove', engine: slot.backend.name, reason: 'drained' }, `engine ${slot.backend.name} removed: its last session ended`);
  }

  /**
   * Engines to try: those in service (or taken out longer than the recheck time) least
   * loaded first, then those taken out, longest out first. With every engine out, they
   * are still tried: a single restarted engine must come back.
   */
  candidates(exclude: ReadonlySet<EngineSlot> = new Set(), now = Date.now()): EngineSlot[] {
    const eligible = (s: EngineSlot) => s.up || now - s.downAt >= this.options.recheckMs;
    return this.list
      .filter((s) => !exclude.has(s) && s.draining !== true)
      .sort((a, b) => Number(eligible(b)) - Number(eligible(a)) || (eligible(a) ? a.streams - b.streams : a.downAt - b.downAt));
  }

  /** Takes an engine out of service (logged once). */
  takeOut(slot: EngineSlot, reason: string): void {
    if (!slot.up) return;
    slot.up = false;
    slot.downAt = Date.now();
    this.options.log({ event: 'engine-down', engine: slot.backend.name, reason }, `engine ${slot.backend.name} taken out: ${reason}`);
  }

  /** Counts a session on `slot` and logs its start. Pair it with {@link EnginePool.release}. */
  claim(slot: EngineSlot, what: string, key: string): void {
    slot.streams++;
    this.options.onSessionStart();
    this.options.log({ event: 'session-start', stream: key, engine: slot.backend.name }, `${what} ${key}: starting on ${slot.backend.name}`);
  }

  /** Forgets a session {@link EnginePool.claim}ed on `slot`. */
  release(slot: EngineSlot): void {
    slot.streams--;
    this.removeIfDrained(slot);
  }

  /**
   * Starts `content` on the best engine. An engine that does not answer
   * ({@link EngineUnavailable}) is taken out and the next one tried; any other failure is
   * the content's and rejects at once. `onTry` learns each engine tried, `onInfohash` the
   * content's infohash when an engine says it before playback. Resolves with the
   * engine (claimed: {@link EnginePool.release} it when the session ends) and its stream.
   */
  async open(content: ContentKey, key: string, signal: AbortSignal, onTry: (slot: EngineSlot) => void, onInfohash?: (infohash: string) => void): Promise<{ slot: EngineSlot; stream: EngineStream }> {
    const tried = new Set<EngineSlot>();
    for (;;) {
      const slot = this.candidates(tried)[0];
      if (slot === undefined) throw new EngineUnavailable('no engine answered');
      this.claim(slot, 'stream', key);
      onTry(slot);
      try {
        const stream = await slot.backend.open(content, signal, onInfohash);
        slot.up = true;
        return { slot, stream };
      } catch (error) {
        this.release(slot);
        const failure = error instanceof GatewayError ? error : new EngineUnavailable(String(error));
        if (!(failure instanceof EngineUnavailable) || signal.aborted) throw failure;
        this.takeOut(slot, failure.message);
        tried.add(slot);
      }
    }
  }

  /**
   * Probes every engine; concurrent calls share the probe in flight and later ones its
   * result for `healthCacheMs`. An engine that answers is back in service.
   */
  health(): Promise<EngineHealth[]> {
    if (this.lastHealth !== undefined && performance.now() - this.lastHealth.at < this.options.healthCacheMs) return this.lastHealth.results;
    const results = Promise.all(this.list.filter((s) => s.draining !== true).map(async (slot) => ({ slot, ok: await slot.backend.probe(2_000).catch(() => false) }))).then((list) => {
      for (const { slot, ok } of list) {
        if (ok) slot.up = true;
        else this.takeOut(slot, 'health probe failed');
      }
      // The result is as old as its probe's end, not its start.
      if (this.lastHealth?.results === results) this.lastHealth.at = performance.now();
      return list;
    });
    this.lastHealth = { at: Infinity, results };
    return results;
  }

  /** Each engine as `/status` shows it. */
  status(): { readonly name: string; readonly up: boolean; readonly streams: number; readonly draining: boolean }[] {
    return this.list.map((s) => ({ name: s.backend.name, up: s.up, streams: s.streams, draining: s.draining === true }));
  }
}
