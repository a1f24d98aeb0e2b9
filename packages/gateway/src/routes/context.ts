import type { Lineup } from '../channels.js';
import type { EnginePool } from '../engines.js';
import type { Guide } from '../epg.js';
import type { Log } from '../log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Settings } from '../options.js';
import type { ListBodies, PlaylistCache } from '../playlist.js';
import type { StreamRegistry } from '../streams.js';
import type { Listening } from './base.js';
import type { HlsProxy } from './hls-proxy.js';

/** What every route may use: the settings and the gateway's rooms. */
export interface GatewayContext {
  readonly settings: Settings;
  readonly pool: EnginePool;
  readonly streams: StreamRegistry;
  readonly hls: HlsProxy;
  readonly metrics: GatewayMetrics;
  readonly log: Log;
  /** Where the gateway listens (the port is set once bound). */
  readonly listening: Listening;
  /** The channels served now (a reload replaces the list). */
  readonly lineup: Lineup;
  /** `/playlist.m3u` as built for each base URL, until the channels change. */
  readonly playlists: PlaylistCache;
  /** `/lineup.json` and `/channels.json` as built for each base URL, until the channels change. */
  readonly lists: ListBodies;
  /** The guide (`/epg.xml`): fetched, cached on disk, refreshed. */
  readonly guide: Guide;
}
