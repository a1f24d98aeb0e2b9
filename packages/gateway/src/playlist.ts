import type { Channel, ChannelList, M3uAttributes } from './channels.js';

/** What {@link buildPlaylist} writes besides the channels. */
export interface PlaylistOptions {
  /** Appended to every URL as `?token=` when set. */
  readonly token?: string;
  /** The guide players should read: written as the header's `url-tvg` and `x-tvg-url` in place of the file's. */
  readonly epgUrl?: string;
}

/** `name="value"`, single-quoted when the value holds a double quote (M3U has no escapes). */
function attribute(name: string, value: string): string {
  return value.includes('"') ? `${name}='${value.replace(/'/g, '’')}'` : `${name}="${value}"`;
}

function headerLine(header: M3uAttributes, epgUrl: string | undefined): string {
  const parts = ['#EXTM3U'];
  for (const [name, value] of Object.entries(header)) {
    if (epgUrl !== undefined && (name === 'url-tvg' || name === 'x-tvg-url')) continue;
    parts.push(attribute(name, value));
  }
  if (epgUrl !== undefined) parts.push(attribute('url-tvg', epgUrl), attribute('x-tvg-url', epgUrl));
  return parts.join(' ');
}

/** A channel's own URL on the gateway: `<base>/channel/<slug>.ts` (or `.m3u8`), with the token when set. */
export function channelUrl(base: string, channel: Pick<Channel, 'slug'>, kind: 'ts' | 'm3u8', token?: string): string {
  return `${base}/channel/${encodeURIComponent(channel.slug)}.${kind}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
}

/**
 * The M3U a player gets: the file's header (its guide replaced by `epgUrl` when given), then
 * each channel once, with its first entry's `#EXTINF` as written and its stable URL on the
 * gateway (`<base>/channel/<slug>.ts`): backup sources stay behind that one URL.
 */
export function buildPlaylist(list: ChannelList, base: string, options: PlaylistOptions = {}): string {
  const lines = [headerLine(list.header, options.epgUrl)];
  for (const channel of list.channels) {
    const first = channel.entries[0]!;
    lines.push(`#EXTINF:${first.duration}${first.attributesText === '' ? '' : ` ${first.attributesText}`},${channel.name}`);
    if (first.group !== undefined && first.attributes['group-title'] === undefined) lines.push(`#EXTGRP:${first.group}`);
    lines.push(channelUrl(base, channel, 'ts', options.token));
  }
  return lines.join('\n') + '\n';
}

/** Options of a {@link PlaylistCache}. */
export interface PlaylistCacheOptions {
  /** Playlists kept at most (default 8: one per host, proto and token players use). */
  readonly maxEntries?: number;
  /** Bytes kept at most, all playlists together (default 64 MiB); one larger than this is built for each request, never kept. */
  readonly maxBytes?: number;
}

/**
 * Built playlists, one per channel list and base URL and options, kept until the list
 * changes: concurrent and later fetches share one buffer instead of building their own.
 * Bounded (the Host header is the player's to choose), least recently used dropped first.
 */
export class PlaylistCache {
  private list: ChannelList | undefined;
  private readonly built = new Map<string, Buffer>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: PlaylistCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 8;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Playlists kept now. */
  get size(): number {
    return this.built.size;
  }

  /** The playlist of `list` at `base`, built once and kept until another list comes. */
  get(list: ChannelList, base: string, options: PlaylistOptions = {}): Buffer {
    if (list !== this.list) {
      this.list = list;
      this.built.clear();
      this.bytes = 0;
    }
    const key = JSON.stringify([base, options.token ?? null, options.epgUrl ?? null]);
    const kept = this.built.get(key);
    if (kept !== undefined) {
      // Most recently used last.
      this.built.delete(key);
      this.built.set(key, kept);
      return kept;
    }
    const body = Buffer.from(buildPlaylist(list, base, options));
    if (body.length > this.maxBytes) return body;
    this.built.set(key, body);
    this.bytes += body.length;
    for (const [k, b] of this.built) {
      if (this.built.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.built.delete(k);
      this.bytes -= b.length;
    }
    return body;
  }
}
