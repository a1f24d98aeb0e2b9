import { readFileSync, statSync } from 'node:fs';
import type { StartTarget } from '@ace-rx/client';

/** How to read an `<id>` when its form is ambiguous. */
export type TargetKind = 'auto' | 'pid' | 'infohash' | 'torrent' | 'direct' | 'raw';

const HEX40 = /^[0-9a-fA-F]{40}$/;
const NO_IDS = { developerId: 0, affiliateId: 0, zoneId: 0 } as const;

/** Why an `<id>` could not be understood. */
export class BadTarget extends Error {
  override readonly name = 'BadTarget';
}

/**
 * Reads what the user gave `ace-rx play`: an `acestream://` content id, a magnet link,
 * a torrent URL, a `.torrent` file, a direct URL, an infohash or a player id.
 *
 * - `acestream://<id>` → PID; `magnet:?xt=urn:btih:<hash>` → INFOHASH
 * - an existing file → RAW (its bytes in base64)
 * - `http(s)://…` → TORRENT when the path ends in `.torrent`, else a direct URL
 * - 40 hex digits → INFOHASH; anything else → a player id
 *
 * `kind` forces one reading.
 */
export function parseTarget(id: string, kind: TargetKind = 'auto'): StartTarget {
  const text = id.trim();
  if (text === '') throw new BadTarget('empty content id');
  switch (kind) {
    case 'pid':
      return { type: 'PID', playerId: text.replace(/^acestream:\/\//, '') };
    case 'infohash':
      return { type: 'INFOHASH', infohash: infohashOf(text), ...NO_IDS };
    case 'torrent':
      return { type: 'TORRENT', url: text, ...NO_IDS };
    case 'direct':
      return { type: 'URL', url: text };
    case 'raw':
      return rawTarget(text);
    case 'auto':
      break;
  }
  if (text.startsWith('acestream://')) return { type: 'PID', playerId: text.slice('acestream://'.length) };
  if (text.startsWith('magnet:')) return { type: 'INFOHASH', infohash: infohashOf(text), ...NO_IDS };
  if (/^https?:\/\//i.test(text)) {
    const path = (() => {
      try {
        return new URL(text).pathname;
      } catch {
        throw new BadTarget(`not a valid URL: ${text}`);
      }
    })();
    return path.toLowerCase().endsWith('.torrent') ? { type: 'TORRENT', url: text, ...NO_IDS } : { type: 'URL', url: text };
  }
  if (isFile(text)) return rawTarget(text);
  if (HEX40.test(text)) return { type: 'INFOHASH', infohash: text.toLowerCase(), ...NO_IDS };
  if (/\s/.test(text)) throw new BadTarget(`a content id has no spaces: ${JSON.stringify(text)}`);
  return { type: 'PID', playerId: text };
}

function infohashOf(text: string): string {
  const match = /(?:^|[?&]xt=urn:btih:)([0-9a-fA-F]{40})(?:&|$)/.exec(text);
  if (match === null) throw new BadTarget(`no 40-hex-digit infohash in ${JSON.stringify(text)}`);
  return match[1]!.toLowerCase();
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function rawTarget(path: string): StartTarget {
  if (!isFile(path)) throw new BadTarget(`no such torrent file: ${path}`);
  return { type: 'RAW', data: readFileSync(path).toString('base64'), ...NO_IDS };
}
