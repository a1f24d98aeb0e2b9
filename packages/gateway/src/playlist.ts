import { CONTENT_ID, INFOHASH, infohashOfMagnet } from './identity.js';

/** One entry of a channels file. */
export interface Channel {
  /** Display name (after the comma of `#EXTINF`). */
  readonly name: string;
  /** The content to play. */
  readonly content: { readonly kind: 'id' | 'infohash'; readonly value: string };
  /** `#EXTINF` attributes as written (`tvg-logo="..." group-title="..."`), kept verbatim. */
  readonly attributes: string;
  /** Duration field of `#EXTINF` (usually -1). */
  readonly duration: string;
  /** `#EXTGRP` group, when given on its own line. */
  readonly group?: string;
}


/** The content an entry's URL names: `acestream://<id>`, a magnet link (its infohash), an engine or gateway getstream URL, or `/pid/<id>/…`. */
export function contentOfUrl(url: string): Channel['content'] | undefined {
  const trimmed = url.trim();
  const ace = /^acestream:\/\/([^/?#\s]+)/i.exec(trimmed);
  if (ace !== null) return CONTENT_ID.test(ace[1]!) ? { kind: 'id', value: ace[1]! } : undefined;
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
  if (/\/ace\/(getstream|manifest\.m3u8)$/.test(parsed.pathname)) {
    if (id !== null && CONTENT_ID.test(id)) return { kind: 'id', value: id };
    if (infohash !== null && INFOHASH.test(infohash)) return { kind: 'infohash', value: infohash.toLowerCase() };
    return undefined;
  }
  const pid = /^\/(?:pid|content_id)\/([^/]+)(?:\/|$)/.exec(parsed.pathname);
  if (pid !== null && CONTENT_ID.test(pid[1]!)) return { kind: 'id', value: pid[1]! };
  return undefined;
}

/**
 * Reads a channels file: an M3U of `acestream://` links or engine getstream URLs
 * (`http://127.0.0.1:6878/ace/getstream?id=`), with `#EXTINF` names and attributes and
 * `#EXTGRP` groups. Lines naming no content are skipped.
 */
export function parseChannels(text: string): Channel[] {
  const channels: Channel[] = [];
  let info: { duration: string; attributes: string; name: string } | undefined;
  let group: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || /^#EXTM3U/i.test(line)) continue;
    const extinf = /^#EXTINF:\s*(-?[\d.]+)\s*([^,]*?)\s*,(.*)$/i.exec(line);
    if (extinf !== null) {
      info = { duration: extinf[1]!, attributes: extinf[2]!, name: extinf[3]!.trim() };
      continue;
    }
    const grp = /^#EXTGRP:(.*)$/i.exec(line);
    if (grp !== null) {
      group = grp[1]!.trim();
      continue;
    }
    if (line.startsWith('#')) continue;
    const content = contentOfUrl(line);
    if (content !== undefined) {
      channels.push({
        name: info?.name || content.value,
        content,
        attributes: info?.attributes ?? '',
        duration: info?.duration ?? '-1',
        ...(group === undefined ? {} : { group }),
      });
    }
    info = undefined;
    group = undefined;
  }
  return channels;
}

/** The M3U a player gets: every channel pointing at `base` (`http://host:port`), with `token` appended when set. */
export function buildPlaylist(channels: readonly Channel[], base: string, token?: string): string {
  const lines = ['#EXTM3U'];
  for (const channel of channels) {
    const attributes = channel.attributes === '' ? '' : ` ${channel.attributes}`;
    lines.push(`#EXTINF:${channel.duration}${attributes},${channel.name}`);
    if (channel.group !== undefined) lines.push(`#EXTGRP:${channel.group}`);
    const query = `${channel.content.kind}=${encodeURIComponent(channel.content.value)}${token === undefined ? '' : `&token=${encodeURIComponent(token)}`}`;
    lines.push(`${base}/ace/getstream?${query}`);
  }
  return lines.join('\n') + '\n';
}
