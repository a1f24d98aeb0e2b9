import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { StartTarget } from '@ace-rx/client';

/** How to read an `<id>` when its form is ambiguous. */
export type TargetKind = 'auto' | 'pid' | 'infohash' | 'torrent' | 'direct' | 'raw';

/** The `--as` values. */
export const TARGET_KINDS: readonly TargetKind[] = ['auto', 'pid', 'infohash', 'torrent', 'direct', 'raw'];

const HEX40 = /^[0-9a-fA-F]{40}$/;
const BASE32_32 = /^[A-Za-z2-7]{32}$/;
const NO_IDS = { developerId: 0, affiliateId: 0, zoneId: 0 } as const;

/** Why an `<id>` could not be understood. */
export class BadTarget extends Error {
  override readonly name = 'BadTarget';
}

/** Where relative paths start: the directory the user ran the command in (`INIT_CWD` under pnpm and npm scripts). */
export function userDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env['INIT_CWD'] || process.cwd();
}

/**
 * Reads what the user gave `ace-rx play`, without looking at the network (the rules are
 * the table in the package README):
 *
 * - `acestream://<id>` → PID (`acestream://` alone is an error)
 * - `magnet:?xt=urn:btih:<hash>` (40 hex or 32 base32 digits) → INFOHASH
 * - `http(s)://…` → TORRENT when the path ends in `.torrent`, else a direct URL
 *   (spaces percent-encoded); {@link resolveTarget} looks at what the URL serves instead
 * - something that looks like a path (`/`, `\`, a leading `.` or `~`, or `.torrent`) →
 *   RAW with the file's bytes, resolved from `cwd`; a missing file is an error
 * - 40 hex digits → a content id (PID, the `acestream://` form)
 * - anything else without spaces → a player id (PID)
 *
 * `kind` forces one reading.
 */
export function parseTarget(id: string, kind: TargetKind = 'auto', cwd: string = userDirectory()): StartTarget {
  const text = id.trim();
  if (text === '') throw new BadTarget('empty content id');
  switch (kind) {
    case 'pid':
      return { type: 'PID', playerId: contentId(text) };
    case 'infohash':
      return { type: 'INFOHASH', infohash: infohashOf(text), ...NO_IDS };
    case 'torrent':
      return { type: 'TORRENT', url: isHttp(text) ? encodeUrl(text) : text, ...NO_IDS };
    case 'direct':
      return { type: 'URL', url: isHttp(text) ? encodeUrl(text) : text };
    case 'raw':
      return rawTarget(text, cwd);
    case 'auto':
      break;
  }
  if (/^acestream:/i.test(text)) return { type: 'PID', playerId: contentId(text) };
  if (/^magnet:/i.test(text)) return { type: 'INFOHASH', infohash: infohashOf(text), ...NO_IDS };
  if (isHttp(text)) {
    const url = encodeUrl(text);
    return new URL(url).pathname.toLowerCase().endsWith('.torrent') ? { type: 'TORRENT', url, ...NO_IDS } : { type: 'URL', url };
  }
  if (looksLikePath(text)) return rawTarget(text, cwd);
  if (HEX40.test(text)) return { type: 'PID', playerId: text.toLowerCase() };
  if (/\s/.test(text)) throw new BadTarget(`a content id has no spaces: ${JSON.stringify(text)}`);
  return { type: 'PID', playerId: text };
}

/** Options of {@link resolveTarget}. */
export interface ResolveOptions {
  readonly kind?: TargetKind;
  /** Where relative paths start (default {@link userDirectory}). */
  readonly cwd?: string;
  /** How long looking at an `http(s)` URL may take (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Aborts looking; the promise rejects with its reason. */
  readonly signal?: AbortSignal;
  /** Where to say what was decided (stderr). */
  readonly log?: (line: string) => void;
}

/**
 * {@link parseTarget}, but an `http(s)` URL (with `kind` `auto`) is looked at first:
 * when it serves a torrent (`application/x-bittorrent`, or a body that is a bencoded
 * dictionary: `d` then a key length) it is loaded as TORRENT, otherwise it is started
 * as a direct URL. When it cannot be fetched from here, the suffix rule decides.
 */
export async function resolveTarget(id: string, options: ResolveOptions = {}): Promise<StartTarget> {
  const target = parseTarget(id, options.kind ?? 'auto', options.cwd ?? userDirectory());
  if ((options.kind ?? 'auto') !== 'auto' || (target.type !== 'URL' && target.type !== 'TORRENT')) return target;
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000), ...(options.signal ? [options.signal] : [])];
  try {
    const torrent = await servesTorrent(target.url, AbortSignal.any(signals));
    return torrent ? { type: 'TORRENT', url: target.url, ...NO_IDS } : { type: 'URL', url: target.url };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    options.log?.(`could not look at ${target.url} (${error instanceof Error ? error.message : String(error)}): sending it as ${target.type === 'TORRENT' ? 'a torrent URL' : 'a direct URL'}`);
    return target;
  }
}

async function servesTorrent(url: string, signal: AbortSignal): Promise<boolean> {
  const response = await fetch(url, { signal, headers: { Range: 'bytes=0-63' } });
  try {
    if ((response.headers.get('content-type') ?? '').toLowerCase().includes('application/x-bittorrent')) return true;
    if (response.body === null || response.status >= 400) return false;
    let head = new Uint8Array(0);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 16) break;
    }
    return /^d\d+:/.test(Buffer.from(head.subarray(0, 16)).toString('latin1'));
  } finally {
    await response.body?.cancel().catch(() => undefined);
  }
}

function isHttp(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/** The URL with spaces and other characters a request line cannot carry percent-encoded. */
function encodeUrl(text: string): string {
  try {
    return new URL(text).href;
  } catch {
    throw new BadTarget(`not a valid URL: ${text}`);
  }
}

function looksLikePath(text: string): boolean {
  return /[/\\]/.test(text) || /^[.~]/.test(text) || /\.torrent$/i.test(text);
}

function contentId(text: string): string {
  const id = text.replace(/^acestream:(\/\/)?/i, '').replace(/\/+$/, '');
  if (id === '') throw new BadTarget(`no content id after acestream:// in ${JSON.stringify(text)}`);
  if (/\s/.test(id)) throw new BadTarget(`a content id has no spaces: ${JSON.stringify(text)}`);
  return id;
}

function infohashOf(text: string): string {
  const hash = /^magnet:/i.test(text) ? /[?&]xt=urn:btih:([^&]+)/i.exec(text)?.[1] : text;
  if (hash !== undefined && HEX40.test(hash)) return hash.toLowerCase();
  if (hash !== undefined && BASE32_32.test(hash)) return base32ToHex(hash);
  throw new BadTarget(`no infohash (40 hex or 32 base32 digits) in ${JSON.stringify(text)}`);
}

/** RFC 4648 base32 (32 digits, 160 bits) to 40 hex digits. */
export function base32ToHex(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.toUpperCase()) {
    const value = alphabet.indexOf(c);
    if (value === -1) throw new BadTarget(`not base32: ${JSON.stringify(text)}`);
    bits += value.toString(2).padStart(5, '0');
  }
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? (process.env['HOME'] ?? '') + path.slice(1) : path;
}

function rawTarget(path: string, cwd: string): StartTarget {
  const full = resolve(cwd, expandHome(path));
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    throw new BadTarget(`no such file: ${isAbsolute(path) ? path : `${path} (in ${cwd})`}`);
  }
  if (!isFile) throw new BadTarget(`not a file: ${path}`);
  return { type: 'RAW', data: readFileSync(full).toString('base64'), ...NO_IDS };
}
