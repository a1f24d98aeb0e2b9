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
 * The M3U a player gets, in pieces of about `channelsPerPiece` channels: the file's header
 * (its guide replaced by `epgUrl` when given), then each channel once, with its first
 * entry's `#EXTINF` as written and its stable URL on the gateway
 * (`<base>/channel/<slug>.ts`): backup sources stay behind that one URL.
 */
export function* playlistPieces(list: ChannelList, base: string, options: PlaylistOptions = {}, channelsPerPiece = 2_000): Generator<string> {
  let lines = [headerLine(list.header, options.epgUrl)];
  let inPiece = 0;
  for (const channel of list.channels) {
    const first = channel.entries[0]!;
    lines.push(`#EXTINF:${first.duration}${first.attributesText === '' ? '' : ` ${first.attributesText}`},${channel.name}`);
    if (first.group !== undefined && first.attributes['group-title'] === undefined) lines.push(`#EXTGRP:${first.group}`);
    lines.push(channelUrl(base, channel, 'ts', options.token));
    if (++inPiece >= channelsPerPiece) {
      yield lines.join('\n') + '\n';
      lines = [];
      inPiece = 0;
    }
  }
  if (lines.length > 0) yield lines.join('\n') + '\n';
}

/** The whole M3U of {@link playlistPieces} as one string. */
export function buildPlaylist(list: ChannelList, base: string, options: PlaylistOptions = {}): string {
  return [...playlistPieces(list, base, options)].join('');
}

/** Options of a {@link PlaylistCache} (and of the gateway's other bodies built from the channel list). */
export interface PlaylistCacheOptions {
  /** Bodies kept at most (default 8: one per host, proto and token players use). */
  readonly maxEntries?: number;
  /** Bytes kept at most, all bodies together (default 64 MiB); a body found larger than this is not kept, and written in pieces from then on. */
  readonly maxBytes?: number;
}

/**
 * Bodies built from a channel list (the playlist, the tuner's lineup, the dashboard's
 * channels), one per key (the base URL and whatever else shapes the body), kept until the
 * list changes: concurrent and later fetches share one buffer instead of building their
 * own. The `Host` header is the client's to choose, so a key is built and kept only once
 * it is asked for a second time (the most recent 256 keys asked are remembered); the
 * first time the body is written out in pieces, held by nobody. Bounded: least recently
 * used bodies dropped first.
 */
export class ListBodies {
  private list: ChannelList | undefined;
  private readonly built = new Map<string, Buffer>();
  private readonly asked = new Set<string>();
  /** Keys whose body was found larger than `maxBytes`: written in pieces from then on, never built whole again. */
  private readonly tooLarge = new Set<string>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: PlaylistCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 8;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Bodies kept now. */
  get size(): number {
    return this.built.size;
  }

  /**
   * The body of `list` under `key`: the kept buffer, or (a key asked for the first time, or
   * a body too large to keep) its `pieces`. For a HEAD request (`head`): the kept buffer,
   * else nothing (an empty iterable): a HEAD neither builds a body nor counts as asking.
   */
  get(list: ChannelList, key: string, pieces: () => Iterable<string>, head = false): Buffer | Iterable<string> {
    if (list !== this.list) {
      this.list = list;
      this.built.clear();
      this.asked.clear();
      this.tooLarge.clear();
      this.bytes = 0;
    }
    const kept = this.built.get(key);
    if (kept !== undefined) {
      // Most recently used last.
      this.built.delete(key);
      this.built.set(key, kept);
      return kept;
    }
    if (head) return [];
    if (this.tooLarge.has(key)) return pieces();
    if (!this.asked.has(key)) {
      this.asked.add(key);
      if (this.asked.size > 256) this.asked.delete(this.asked.values().next().value as string);
      return pieces();
    }
    const body = Buffer.from([...pieces()].join(''));
    if (body.length > this.maxBytes) {
      this.tooLarge.add(key);
      if (this.tooLarge.size > 256) this.tooLarge.delete(this.tooLarge.values().next().value as string);
      return body;
    }
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

/**
 * Built playlists, one per channel list and base URL and options, kept until the list
 * changes: a base asked for the first time is written out in pieces, and kept from its
 * second time on (at most `maxEntries` and `maxBytes`, least recently used dropped first).
 */
export class PlaylistCache {
  private readonly bodies: ListBodies;

  constructor(options: PlaylistCacheOptions = {}) {
    this.bodies = new ListBodies(options);
  }

  /** Playlists kept now. */
  get size(): number {
    return this.bodies.size;
  }

  /**
   * The playlist of `list` at `base`: the kept buffer, or (a base asked for the first time,
   * or one too large to keep) its pieces; for a HEAD request (`head`), the kept buffer or
   * nothing, never building one.
   */
  get(list: ChannelList, base: string, options: PlaylistOptions = {}, head = false): Buffer | Iterable<string> {
    return this.bodies.get(list, JSON.stringify([base, options.token ?? null, options.epgUrl ?? null]), () => playlistPieces(list, base, options), head);
  }
}

/**
 * The JSON text `JSON.stringify` writes for `items.map(toJson)` (or, with `wrap`, for
 * `{ [wrap]: items.map(toJson) }`), then a newline, in pieces of `perPiece` items: a large
 * list is never one string, nor one array of converted items, while it is written.
 */
export function* jsonArrayPieces<T>(items: readonly T[], toJson: (item: T) => unknown, wrap?: string, perPiece = 2_000): Generator<string> {
  const open = wrap === undefined ? '[' : `{${JSON.stringify(wrap)}:[`;
  const close = wrap === undefined ? ']\n' : ']}\n';
  if (items.length === 0) return yield open + close;
  for (let at = 0; at < items.length; at += perPiece) {
    const text = items.slice(at, at + perPiece).map((item) => JSON.stringify(toJson(item))).join(',');
    yield (at === 0 ? open : ',') + text + (at + perPiece >= items.length ? close : '');
  }
}
