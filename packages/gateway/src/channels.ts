import { createHash } from 'node:crypto';
import type { ContentKey } from './backend.js';
import { CONTENT_ID, INFOHASH, infohashOfMagnet } from './identity.js';

// The channels file is read here, in linear time, rather than by a playlist library:
// `iptv-playlist-parser` (0.15) adds methods to `String.prototype` and keeps only two header
// attributes; `@iptv/playlist` (1.2) keeps only `http(s)` URL lines, so it drops every
// `acestream://` and magnet entry, and keeps only the header attributes it knows by name.

/** Attributes as written on an `#EXTM3U` or `#EXTINF` line, names lower-cased (own properties only: a `__proto__` attribute is one of them, not the object's prototype). */
export type M3uAttributes = Readonly<Record<string, string>>;

/** One entry of a channels file: an `#EXTINF` line (when given) and the URL line after it. */
export interface ChannelEntry {
  /** Display name: the text after the first comma outside quotes of `#EXTINF` (the content's id or infohash without one). */
  readonly name: string;
  /** What the URL names. */
  readonly content: ContentKey;
  /** The `#EXTINF` attributes (`tvg-id`, `tvg-name`, `tvg-logo`, `group-title`, …). */
  readonly attributes: M3uAttributes;
  /** The `#EXTINF` attributes as written, for writing them back unchanged. */
  readonly attributesText: string;
  /** Duration field of `#EXTINF` (usually -1). */
  readonly duration: string;
  /** `group-title`, or the `#EXTGRP` line's group. */
  readonly group?: string;
  /** Line of the URL in the file, from 1. */
  readonly line: number;
}

/** A channel: the entries sharing a `tvg-id` (or, without one, a name), its sources in file order. */
export interface Channel {
  /** Its stable URL name: `/channel/<slug>.ts` and `.m3u8` (from `tvg-id`, else the name; unique in the list). */
  readonly slug: string;
  /** Display name (its first entry's). */
  readonly name: string;
  /** Its `tvg-id`, when the file gives one (what guides match on). */
  readonly tvgId?: string;
  /** Logo URL (`tvg-logo` of the first entry that has one). */
  readonly logo?: string;
  /** Group (the first entry's `group-title` or `#EXTGRP`). */
  readonly group?: string;
  /** Its number in the lineup, from 1 in file order (a tuner's `GuideNumber`). */
  readonly number: number;
  /** The contents to play, in the order they are tried: a source that fails hands over to the next. */
  readonly sources: readonly ContentKey[];
  /** The entries it was made of, in file order. */
  readonly entries: readonly ChannelEntry[];
}

/** What a channels file holds. */
export interface ChannelList {
  /** The `#EXTM3U` line's attributes (`url-tvg`, `x-tvg-url`, `tvg-shift`, …). */
  readonly header: M3uAttributes;
  /** The channels, in file order of their first entries. */
  readonly channels: readonly Channel[];
  /** Entries kept (a channel with backup sources has several). */
  readonly entries: number;
  /** Lines skipped: a malformed `#EXTINF`, a URL that names no content, or a source past {@link MAX_SOURCES} of its channel. */
  readonly skipped: number;
}

/** An empty {@link ChannelList}. */
export const NO_CHANNELS: ChannelList = Object.freeze({ header: Object.freeze(Object.create(null) as M3uAttributes), channels: Object.freeze([]), entries: 0, skipped: 0 });

/** The content an entry's URL names: `acestream://<id>`, a magnet link (its infohash), an engine or gateway getstream URL, or `/pid/<id>/…`. */
export function contentOfUrl(url: string): ContentKey | undefined {
  const trimmed = url.trim();
  if (/^acestream:\/\//i.test(trimmed)) {
    const id = trimmed.slice('acestream://'.length).split(/[/?#]/, 1)[0]!;
    return CONTENT_ID.test(id) ? { kind: 'id', value: id } : undefined;
  }
  const magnet = infohashOfMagnet(trimmed);
  if (magnet !== undefined) return { kind: 'infohash', value: magnet };
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return undefined;
  }
  const id = parsed.searchParams.get('id');
  const infohash = parsed.searchParams.get('infohash');
  if (parsed.pathname === '/ace/getstream' || parsed.pathname === '/ace/manifest.m3u8') {
    if (id !== null && CONTENT_ID.test(id)) return { kind: 'id', value: id };
    if (infohash !== null && INFOHASH.test(infohash)) return { kind: 'infohash', value: infohash.toLowerCase() };
    return undefined;
  }
  const pid = /^\/(?:pid|content_id)\/([^/]+)(?:\/|$)/.exec(parsed.pathname);
  if (pid !== null && CONTENT_ID.test(pid[1]!)) return { kind: 'id', value: pid[1]! };
  return undefined;
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** `text` with control characters (NUL, ESC, …) as spaces: a name is written back into playlists and pages. */
const withoutControls = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, ' ');

/**
 * Reads `name=value` attributes from `text` starting at `at`, up to the first comma outside
 * quotes (or the end). Values may be `"double"`, `'single'` quoted or bare (up to a blank
 * or comma). Each character is looked at once or twice: linear in the line's length.
 * `undefined` when a quote is never closed.
 */
function readAttributes(text: string, at: number): { attributes: Record<string, string>; end: number } | undefined {
  const attributes: Record<string, string> = {};
  let i = at;
  for (;;) {
    while (isBlank(text[i])) i++;
    if (i >= text.length || text[i] === ',') return { attributes, end: i };
    const nameStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',' && !isBlank(text[i])) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (text[i] !== '=') continue; // a bare word: no value
    i++;
    const quote = text[i];
    let value: string;
    if (quote === '"' || quote === "'") {
      const close = text.indexOf(quote, i + 1);
      if (close === -1) return undefined;
      value = text.slice(i + 1, close);
      i = close + 1;
    } else {
      const valueStart = i;
      while (i < text.length && text[i] !== ',' && !isBlank(text[i])) i++;
      value = text.slice(valueStart, i);
    }
    // Defined, never assigned: `__proto__=` is an own attribute like any other, not the object's prototype.
    if (name === '__proto__') Object.defineProperty(attributes, name, { value, enumerable: true, writable: true, configurable: true });
    else if (name !== '') attributes[name] = value;
  }
}

/** An `#EXTINF:<duration> <attributes>,<name>` line, or `undefined` when malformed. */
function readExtinf(line: string): { duration: string; attributes: Record<string, string>; attributesText: string; name: string } | undefined {
  let i = '#EXTINF:'.length;
  while (isBlank(line[i])) i++;
  const durationStart = i;
  while (i < line.length && line[i] !== ',' && !isBlank(line[i])) i++;
  const duration = line.slice(durationStart, i);
  if (!/^-?\d+(\.\d+)?$/.test(duration)) return undefined;
  const read = readAttributes(line, i);
  if (read === undefined || line[read.end] !== ',') return undefined;
  return { duration, attributes: read.attributes, attributesText: line.slice(i, read.end).trim(), name: withoutControls(line.slice(read.end + 1)).trim() };
}

/**
 * A URL-safe slug of `text`: lower-case letters, digits, `.`, `_` and `-` (at most 64),
 * from its first 256 characters (so no pattern below ever sees a long input). A name with
 * no Latin letter or digit (Cyrillic, Arabic, Chinese) gets `ch-` and a hash of it: stable
 * wherever the entry moves in the file.
 */
function slugOf(text: string): string {
  const head = text.slice(0, 256);
  const slug = head
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return slug === '' ? `ch-${createHash('sha256').update(text.trim().toLowerCase()).digest('hex').slice(0, 10)}` : slug;
}

/** At most this many sources per channel: past it, an entry is skipped (and counted), so that a viewer never waits on hundreds of dead ones. */
export const MAX_SOURCES = 16;

const startsWithCi = (line: string, prefix: string) => line.length >= prefix.length && line.slice(0, prefix.length).toUpperCase() === prefix;

/**
 * Reads a channels file: an M3U of `acestream://` links, magnet links or engine getstream
 * URLs, with `#EXTINF` names and attributes and `#EXTGRP` groups. Entries that share a
 * `tvg-id` (or, without one, a name) make one {@link Channel} whose sources are tried in file
 * order. The `#EXTM3U` line's attributes are kept. A malformed `#EXTINF` or a URL naming no
 * content is skipped and counted; nothing throws. Linear in the file's length.
 */
export function parseChannels(text: string): ChannelList {
  let header: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: ChannelEntry[] = [];
  let skipped = 0;
  let info: ReturnType<typeof readExtinf> | undefined;
  let group: string | undefined;
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    // Lines end with LF, CRLF or a lone CR (old Mac files).
    let to = from;
    while (to < text.length && text.charCodeAt(to) !== 10 && text.charCodeAt(to) !== 13) to++;
    const line = text.slice(from, to).trim();
    from = text.charCodeAt(to) === 13 && text.charCodeAt(to + 1) === 10 ? to + 2 : to + 1;
    lineNo++;
    if (line === '') continue;
    if (startsWithCi(line, '#EXTM3U')) {
      header = readAttributes(line, '#EXTM3U'.length)?.attributes ?? header;
      continue;
    }
    if (startsWithCi(line, '#EXTINF:')) {
      info = readExtinf(line);
      if (info === undefined) skipped++;
      continue;
    }
    if (startsWithCi(line, '#EXTGRP:')) {
      group = line.slice('#EXTGRP:'.length).trim() || undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    const content = contentOfUrl(line);
    if (content === undefined) skipped++;
    else {
      const attributes = info?.attributes ?? (Object.create(null) as Record<string, string>);
      const entryGroup = attributes['group-title'] || group;
      entries.push({
        name: info?.name || content.value,
        content,
        attributes: Object.freeze(attributes),
        attributesText: info?.attributesText ?? '',
        duration: info?.duration ?? '-1',
        ...(entryGroup === undefined ? {} : { group: entryGroup }),
        line: lineNo,
      });
    }
    info = undefined;
    group = undefined;
  }
  const { channels, capped } = groupEntries(entries);
  return { header: Object.freeze(header), channels, entries: entries.length - capped, skipped: skipped + capped };
}

/** Entries sharing a `tvg-id` (or, without one, a name) as one channel each, in order of their first entry; slugs made unique. */
function groupEntries(entries: readonly ChannelEntry[]): { channels: Channel[]; capped: number } {
  const byKey = new Map<string, ChannelEntry[]>();
  for (const entry of entries) {
    const tvgId = entry.attributes['tvg-id']?.trim();
    const key = tvgId ? `tvg:${tvgId}` : `name:${entry.name.trim().toLowerCase()}`;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [entry]);
    else list.push(entry);
  }
  // Slugs taken, and for each base the next number to try: linear however many names share one.
  const slugs = new Set<string>();
  const next = new Map<string, number>();
  const channels: Channel[] = [];
  let capped = 0;
  for (const group of byKey.values()) {
    const first = group[0]!;
    const tvgId = first.attributes['tvg-id']?.trim() || undefined;
    const base = slugOf(tvgId ?? first.name);
    let slug = base;
    if (slugs.has(slug)) {
      let n = next.get(base) ?? 2;
      while (slugs.has((slug = `${base.slice(0, 58)}-${n}`))) n++;
      next.set(base, n + 1);
    }
    slugs.add(slug);
    // Most channels have one entry: no set of seen sources for them.
    const sources: ContentKey[] = [first.content];
    const seen = group.length > 1 ? new Set([`${first.content.kind}:${first.content.value}`]) : undefined;
    const kept: ChannelEntry[] = [first];
    for (let i = 1; i < group.length; i++) {
      const e = group[i]!;
      const k = `${e.content.kind}:${e.content.value}`;
      if (seen!.has(k)) {
        kept.push(e);
        continue;
      }
      if (sources.length >= MAX_SOURCES) {
        capped++;
        continue;
      }
      seen!.add(k);
      sources.push(e.content);
      kept.push(e);
    }
    let logo = first.attributes['tvg-logo'] || undefined;
    for (let i = 1; logo === undefined && i < kept.length; i++) logo = kept[i]!.attributes['tvg-logo'] || undefined;
    const channel: { -readonly [K in keyof Channel]: Channel[K] } = { slug, name: first.name, number: channels.length + 1, sources, entries: kept };
    if (tvgId !== undefined) channel.tvgId = tvgId;
    if (logo !== undefined) channel.logo = logo;
    if (first.group !== undefined) channel.group = first.group;
    channels.push(channel);
  }
  return { channels, capped };
}

/**
 * The channels a gateway serves now: replaced whole on a reload ({@link Lineup.set}), so
 * that readers see either the old list or the new one, never a mix. Streams running are
 * not touched by a reload: their viewers stay.
 */
export class Lineup {
  private current: ChannelList = NO_CHANNELS;
  private bySlug = new Map<string, Channel>();

  constructor(list: ChannelList = NO_CHANNELS) {
    this.set(list);
  }

  /** The list now. */
  get list(): ChannelList {
    return this.current;
  }

  /** Serves `list` from now on. */
  set(list: ChannelList): void {
    this.current = list;
    this.bySlug = new Map(list.channels.map((c) => [c.slug, c]));
  }

  /** The channel named `slug` in its URL, if any. */
  channel(slug: string): Channel | undefined {
    return this.bySlug.get(slug);
  }
}
