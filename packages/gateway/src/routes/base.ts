import type { IncomingMessage } from 'node:http';

/** Where the gateway listens (its port once bound). */
export interface Listening {
  host: string;
  port: number;
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The gateway's address as the player reached it, for URLs written into playlists and
 * pages: `http://` and the request's `Host` when it is a plain host (and port), else the
 * address the gateway listens on. Every URL the gateway writes for a player comes from here.
 */
export function publicBase(req: IncomingMessage, listening: Listening): string {
  const hostHeader = req.headers.host;
  const { host, port } = listening;
  const authority = hostHeader !== undefined && HOST_HEADER.test(hostHeader) ? hostHeader : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return `http://${authority}`;
}
