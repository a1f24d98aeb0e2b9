import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Where the gateway listens (its port once bound), and whether it believes the balancer in front of it. */
export interface Listening {
  host: string;
  port: number;
  /**
   * Trust `X-Forwarded-*` and `Forwarded` (the gateway's `trustProxy` option): they shape
   * the URLs written for players ({@link publicBase}) and name the viewer ({@link viewerAddress}).
   */
  trustProxy?: boolean;
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
/** Longest host (and port) taken from a header: a DNS name is at most 253 characters. */
const MAX_AUTHORITY = 260;

/** Whether `text` is a plain host, or host and port (1–65535), fit to go into a URL as it is. */
function plainAuthority(text: string | undefined): text is string {
  if (text === undefined || text.length > MAX_AUTHORITY || !HOST_HEADER.test(text)) return false;
  const port = /:(\d+)$/.exec(text.startsWith('[') ? text.slice(text.indexOf(']')) : text)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** A header's values, as one list: repeated headers (which Node joins with `, ` or gives as an array) and commas alike. */
function headerList(req: IncomingMessage, name: string): string[] {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === undefined || text.length > 8_192) return [];
  return text.split(',').map((v) => v.trim());
}

/** The right-most element of an RFC 7239 `Forwarded` header: the one the nearest proxy (the balancer) added. */
export function lastForwarded(req: IncomingMessage): { readonly for?: string; readonly host?: string; readonly proto?: string } {
  const value = req.headers.forwarded;
  if (value === undefined || value.length > 8_192) return {};
  // Elements are separated by commas outside quoted strings; pairs by semicolons.
  const elements = value.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  const last = elements[elements.length - 1];
  if (last === undefined) return {};
  const fields: Record<string, string> = {};
  for (const pair of last.match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const match = /^\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]*)\s*$/.exec(pair);
    if (match === null) continue;
    const raw = match[2]!;
    fields[match[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { ...(fields['for'] === undefined ? {} : { for: fields['for'] }), ...(fields['host'] === undefined ? {} : { host: fields['host'] }), ...(fields['proto'] === undefined ? {} : { proto: fields['proto'] }) };
}

/**
 * The gateway's address as the player reached it, for URLs written into playlists and
 * pages: `http://` and the request's `Host` when it is a plain host (and port), else the
 * address the gateway listens on. Every URL the gateway writes for a player comes from here.
 *
 * With `listening.trustProxy`, the balancer's word comes first: the scheme from
 * `X-Forwarded-Proto` (`http` or `https`, nothing else), the host from `X-Forwarded-Host`
 * (a plain host and port 1–65535, nothing else), each the right-most value (the one the
 * nearest proxy wrote); RFC 7239 `Forwarded` (`proto=`, `host=`) only when the
 * `X-Forwarded-` header is absent: common balancers set the `X-Forwarded-` ones and pass a
 * client's own `Forwarded` through. A value that is not plain is ignored, never written
 * into a URL.
 */
export function publicBase(req: IncomingMessage, listening: Listening): string {
  const hostHeader = req.headers.host;
  const { host, port } = listening;
  let scheme = 'http';
  let authority = plainAuthority(hostHeader) ? hostHeader : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (listening.trustProxy === true) {
    const forwarded = lastForwarded(req);
    const proto = (headerList(req, 'x-forwarded-proto').pop() ?? forwarded.proto)?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    const forwardedHost = headerList(req, 'x-forwarded-host').pop() ?? forwarded.host;
    if (plainAuthority(forwardedHost)) authority = forwardedHost;
  }
  return `${scheme}://${authority}`;
}

/** An IP address out of a forwarded `for` value (`192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`), or `undefined`. */
function forwardedIp(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 64) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  const candidate = bracketed?.[1] ?? (isIP(value) !== 0 ? value : /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value)?.[1]);
  return candidate !== undefined && isIP(candidate) !== 0 ? candidate : undefined;
}

/**
 * The viewer's address, for logs and `/status`: the socket's `address:port`; with
 * `listening.trustProxy`, the client the balancer names: the right-most `X-Forwarded-For`
 * entry (the one the balancer itself appended: the entries to its left come from the client
 * and anyone can write them), or without one `Forwarded: for=`. Anything that is not an IP
 * address (an obfuscated `for=_hidden`, `unknown`, garbage) leaves the socket's address.
 */
export function viewerAddress(req: IncomingMessage, listening: Listening): string {
  if (listening.trustProxy === true) {
    const ip = clientIp(req);
    if (ip !== undefined) return ip;
  }
  return `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
}

/** The client the balancer names: its `X-Forwarded-For` entry, or without one its `Forwarded: for=`. */
function clientIp(req: IncomingMessage): string | undefined {
  const xff = headerList(req, 'x-forwarded-for').pop();
  return xff !== undefined ? forwardedIp(xff) : forwardedIp(lastForwarded(req).for);
}

/** The viewer's IP address alone (no port): who an HLS player is, with its user agent. */
export function viewerIp(req: IncomingMessage, listening: Listening): string {
  if (listening.trustProxy === true) {
    const ip = clientIp(req);
    if (ip !== undefined) return ip;
  }
  return req.socket.remoteAddress ?? '?';
}
