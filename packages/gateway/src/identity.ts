import type { ContentKey } from './backend.js';

/** A content id as the gateway takes it: no path or query characters. */
export const CONTENT_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** An infohash: 40 hex digits. */
export const INFOHASH = /^[0-9a-fA-F]{40}$/;
const BASE32_INFOHASH = /^[A-Za-z2-7]{32}$/;

/** A channel's URL name (`/channel/<slug>.ts`). */
export const CHANNEL_SLUG = /^[a-z0-9._-]{1,64}$/;

/** The selectors a viewer may name a content with, each once: `id` and its engine alias `content_id`, `infohash`, `magnet`, and `channel` (a channels-file channel, by slug). */
export const SELECTORS = ['id', 'content_id', 'infohash', 'magnet', 'channel'] as const;

/** What a viewer asks for: a content, or a channel of the channels file (whose sources are contents). */
export type Selector = ContentKey | { readonly kind: 'channel'; readonly value: string };

/** The key a content or channel is registered under: `id:<content id>`, `infohash:<infohash>` or `channel:<slug>`. */
export function keyOf(content: Selector): string {
  return `${content.kind}:${content.value}`;
}

/** The infohash of a BitTorrent v1 magnet link (`xt=urn:btih:` in hex or base32), lower-case hex. */
export function infohashOfMagnet(link: string): string | undefined {
  if (!/^magnet:\?/i.test(link)) return undefined;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(link.slice(link.indexOf('?') + 1));
  } catch {
    return undefined;
  }
  for (const xt of params.getAll('xt')) {
    const m = /^urn:btih:(.+)$/i.exec(xt);
    if (m === null) continue;
    const hash = m[1]!;
    if (INFOHASH.test(hash)) return hash.toLowerCase();
    if (BASE32_INFOHASH.test(hash)) return base32ToHex(hash.toUpperCase());
  }
  return undefined;
}

function base32ToHex(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

/** A selector's value as a content, or `undefined` when malformed. */
function contentOfSelector(name: (typeof SELECTORS)[number], value: string): Selector | undefined {
  switch (name) {
    case 'id':
    case 'content_id':
      return CONTENT_ID.test(value) ? { kind: 'id', value } : undefined;
    case 'infohash':
      return INFOHASH.test(value) ? { kind: 'infohash', value: value.toLowerCase() } : undefined;
    case 'magnet': {
      const infohash = infohashOfMagnet(value);
      return infohash === undefined ? undefined : { kind: 'infohash', value: infohash };
    }
    case 'channel':
      return CHANNEL_SLUG.test(value) ? { kind: 'channel', value } : undefined;
  }
}

/**
 * The content a viewer's URL names: one selector, once, on `/ace/getstream` and
 * `/ace/manifest.m3u8` (`id`, `content_id`, `infohash`, or a `magnet` link, which stands
 * for its infohash, or `channel`), `/pid/<id>/<name>.ts`, or `/channel/<slug>.ts` and
 * `.m3u8`. `'bad'` when the selector is malformed or ambiguous, `undefined` when the path
 * names no content.
 */
export function selectorOf(url: URL): Selector | 'bad' | undefined {
  if (url.pathname === '/ace/getstream' || url.pathname === '/ace/manifest.m3u8' || /^\/ace\/hls\/\d{1,12}\.ts$/.test(url.pathname)) {
    const given = SELECTORS.flatMap((name) => url.searchParams.getAll(name).map((value) => ({ name, value })));
    // Exactly one of them, once: `?id=a&id=b` is as ambiguous as `?id=a&infohash=…`.
    if (given.length !== 1) return 'bad';
    return contentOfSelector(given[0]!.name, given[0]!.value) ?? 'bad';
  }
  const pid = /^\/pid\/([^/]+)\/[^/]+\.ts$/.exec(url.pathname);
  if (pid !== null) return CONTENT_ID.test(pid[1]!) ? { kind: 'id', value: pid[1]! } : 'bad';
  const channel = /^\/channel\/([^/]+)\.(?:ts|m3u8)$/.exec(url.pathname);
  if (channel !== null) return CHANNEL_SLUG.test(channel[1]!) ? { kind: 'channel', value: channel[1]! } : 'bad';
  return undefined;
}

/**
 * What the engines said about contents: which infohash a content id stands for, and back.
 * Bounded: past `limit` pairs the least recently used is forgotten.
 */
export class IdentityCache {
  private readonly byId = new Map<string, string>();
  private readonly byInfohash = new Map<string, string>();

  constructor(private readonly limit = 10_000) {}

  /** Pairs known now. */
  get size(): number {
    return this.byId.size;
  }

  /** Remembers that content id `id` is `infohash`. */
  learn(id: string, infohash: string): void {
    const old = this.byId.get(id);
    if (old !== undefined) this.byInfohash.delete(old);
    const oldId = this.byInfohash.get(infohash);
    if (oldId !== undefined) this.byId.delete(oldId);
    this.byId.delete(id);
    this.byId.set(id, infohash);
    this.byInfohash.set(infohash, id);
    while (this.byId.size > this.limit) {
      const [oldestId, oldestHash] = this.byId.entries().next().value as [string, string];
      this.byId.delete(oldestId);
      this.byInfohash.delete(oldestHash);
    }
  }

  /** The infohash of a content id, when known. */
  infohashOf(id: string): string | undefined {
    const infohash = this.byId.get(id);
    if (infohash !== undefined) this.touch(id, infohash);
    return infohash;
  }

  /** The content id of an infohash, when known. */
  idOf(infohash: string): string | undefined {
    const id = this.byInfohash.get(infohash);
    if (id !== undefined) this.touch(id, infohash);
    return id;
  }

  private touch(id: string, infohash: string): void {
    this.byId.delete(id);
    this.byId.set(id, infohash);
  }
}
