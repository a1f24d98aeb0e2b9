import type { ContentKey } from './backend.js';

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const INFOHASH = /^[0-9a-fA-F]{40}$/;

/**
 * The content a viewer's URL names: `?id=` or `?infohash=` (exactly one, once) on
 * `/ace/getstream` and `/ace/manifest.m3u8`, or `/pid/<id>/<name>.ts`. `'bad'` when the
 * selector is malformed or ambiguous, `undefined` when the path names no content.
 */
export function selectorOf(url: URL): ContentKey | 'bad' | undefined {
  if (url.pathname === '/ace/getstream' || url.pathname === '/ace/manifest.m3u8') {
    const ids = url.searchParams.getAll('id');
    const infohashes = url.searchParams.getAll('infohash');
    // Exactly one of them, once: `?id=a&id=b` is as ambiguous as `?id=a&infohash=…`.
    if (ids.length + infohashes.length !== 1) return 'bad';
    const [id] = ids;
    if (id !== undefined) return ID.test(id) ? { kind: 'id', value: id } : 'bad';
    return INFOHASH.test(infohashes[0]!) ? { kind: 'infohash', value: infohashes[0]!.toLowerCase() } : 'bad';
  }
  const pid = /^\/pid\/([^/]+)\/[^/]+\.ts$/.exec(url.pathname);
  if (pid !== null) return ID.test(pid[1]!) ? { kind: 'id', value: pid[1]! } : 'bad';
  return undefined;
}
