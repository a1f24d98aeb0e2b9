import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EnginePool } from './engines.js';
import type { StreamRegistry } from './streams.js';

/** The gateway's Prometheus metrics, in its own registry (never the global one). */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** HTTP requests answered, by route and status. */
  readonly requests: Counter<'route' | 'status'>;
  /** From a viewer request to its first stream byte. */
  readonly ttfb: Histogram;
  /** Viewers dropped for stalling. */
  readonly dropped: Counter;
  /** Engine sessions started. */
  readonly sessionsStarted: Counter;
}

/**
 * Makes the metrics. Gauges and byte totals are read from `source` when scraped; the
 * registry and pool are looked up then, so they may be made after the metrics.
 */
export function createMetrics(source: () => { streams: StreamRegistry; pool: EnginePool }): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'acerx_gateway_http_requests_total', help: 'HTTP requests answered, by route and status (counted when the response ends)', labelNames: ['route', 'status'] as const, registers });
  const ttfb = new Histogram({ name: 'acerx_gateway_ttfb_seconds', help: 'From a viewer request to its first stream byte', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  const sessionsStarted = new Counter({ name: 'acerx_gateway_engine_sessions_total', help: 'Engine sessions started (retries included)', registers });
  const dropped = new Counter({ name: 'acerx_gateway_viewers_dropped_total', help: 'Viewers dropped for stalling', registers });
  new Gauge({ name: 'acerx_gateway_active_streams', help: 'Streams with an engine session', registers, collect() { this.set(source().streams.size); } });
  new Gauge({ name: 'acerx_gateway_active_viewers', help: 'Viewers receiving a stream', registers, collect() { this.set(source().streams.viewerCount()); } });
  new Counter({ name: 'acerx_gateway_bytes_in_total', help: 'Bytes read from engines', registers, collect() { this.reset(); this.inc(source().streams.totals().bytesIn); } });
  new Counter({ name: 'acerx_gateway_bytes_out_total', help: 'Bytes written to viewers', registers, collect() { this.reset(); this.inc(source().streams.totals().bytesOut); } });
  new Gauge({ name: 'acerx_gateway_engine_up', help: 'Whether an engine is in service (1) or taken out (0)', labelNames: ['engine'] as const, registers, collect() { this.reset(); for (const s of source().pool.slots) this.set({ engine: s.backend.name }, s.up ? 1 : 0); } });
  new Gauge({ name: 'acerx_gateway_draining', help: 'Whether the gateway is draining (1): its viewers go on, new ones are turned away', registers, collect() { this.set(source().streams.draining === undefined ? 0 : 1); } });
  return { registry, requests, ttfb, dropped, sessionsStarted };
}
