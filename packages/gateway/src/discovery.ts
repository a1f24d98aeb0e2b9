import { lookup } from 'node:dns/promises';
import type { EngineBackend } from './backend.js';
import type { EnginePool, EngineSlot } from './engines.js';
import type { Log } from './log.js';

/**
 * Engines found by a host name: each address the name resolves to is an engine (a
 * Kubernetes headless Service, a `docker compose --scale` service). See `engineNames`.
 */
export interface EngineName {
  /** The host name to resolve (`engines.acestream.svc.cluster.local`, `engine`). */
  readonly name: string;
  /** The backend of one of its addresses (an IPv4 or IPv6 address, as the resolver gave it). */
  readonly backendFor: (address: string) => EngineBackend;
}

/** Resolves a host name to its addresses (every one of them); rejects when it cannot say. */
export type EngineResolver = (name: string) => Promise<readonly string[]>;

/** The default {@link EngineResolver}: the system's resolver (`getaddrinfo`: `/etc/hosts`, then DNS), every address. */
/** A name's resolution that takes longer than this (or than the refresh interval) fails: the engines known are kept. */
export const RESOLVE_TIMEOUT_MS = 5_000;

export const systemResolver: EngineResolver = async (name) => (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** What {@link EngineDiscovery} needs. */
export interface EngineDiscoveryOptions {
  readonly names: readonly EngineName[];
  readonly resolve: EngineResolver;
  /** How often each name is resolved again. */
  readonly refreshMs: number;
  readonly log: Log;
}

/**
 * Keeps the pool's engines found by name up to date: resolves each name at start and every
 * `refreshMs`; an address that appears is added to the pool, one that disappears is
 * drained ({@link EnginePool.retire}: no new session, removed when its last ends). A
 * resolution that fails keeps the last answer (a resolver hiccup never empties the pool);
 * one that answers no address drains them all.
 */
export class EngineDiscovery {
  /** By name: address → its engine in the pool. */
  private readonly found = new Map<string, Map<string, EngineSlot>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: EnginePool,
    private readonly options: EngineDiscoveryOptions,
  ) {}

  /** Resolves every name once, then again every `refreshMs` until {@link EngineDiscovery.stop}. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
  }

  /** Resolves every name now (a refresh already under way is shared). */
  refresh(): Promise<void> {
    this.running ??= Promise.all(this.options.names.map((n) => this.refreshName(n))).then(
      () => void (this.running = undefined),
      () => void (this.running = undefined),
    );
    return this.running;
  }

  /** Stops resolving (the engines found stay in the pool). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async refreshName(entry: EngineName): Promise<void> {
    const { log } = this.options;
    let answer: readonly string[];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // A resolver that never answers must hold up neither the start nor later refreshes.
      const ms = Math.min(RESOLVE_TIMEOUT_MS, this.options.refreshMs);
      answer = await Promise.race([
        this.options.resolve(entry.name),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
      ]);
    } catch (error) {
      log({ event: 'engine-down', reason: `cannot resolve ${entry.name}: ${error instanceof Error ? error.message : String(error)}` }, `engines by name: cannot resolve ${entry.name} (${error instanceof Error ? error.message : String(error)}); keeping its ${this.found.get(entry.name)?.size ?? 0} engines`);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    const addresses = new Set(answer.filter((a) => typeof a === 'string' && /^[0-9A-Fa-f.:]{2,45}$/.test(a)));
    const known = this.found.get(entry.name) ?? new Map<string, EngineSlot>();
    this.found.set(entry.name, known);
    for (const address of addresses) {
      const slot = known.get(address);
      if (slot !== undefined && this.pool.has(slot)) {
        this.pool.restore(slot, `${address} is back in ${entry.name}`);
        continue;
      }
      known.set(address, this.pool.add(entry.backendFor(address), `${entry.name} resolves to ${address}`));
    }
    for (const [address, slot] of known) {
      if (addresses.has(address)) continue;
      this.pool.retire(slot, `${entry.name} no longer resolves to ${address}`);
      // Once drained and removed, a later return of the address adds it anew.
      if (!this.pool.has(slot)) known.delete(address);
    }
  }
}
