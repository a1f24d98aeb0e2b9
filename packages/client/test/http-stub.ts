// A small engine HTTP API on a real socket, answering with the spec's verbatim bodies
// (http-api.md §4): for the error paths and details the emulator need not model.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const IH = '0a4848271c91ce2d8965ce416267c25047dc8141';
const TOKEN = 'f528764d624db129b32c21fbca0cb8d6';

/** What one stat poll answers: a stat response object, or an `/ace/*` error string. */
export type StatAnswer = Record<string, unknown> | { readonly error: string };

export interface StubOptions {
  /** The `error` of the start answer (e.g. `failed to load content`). */
  readonly startError?: string;
  /** The stat answer for poll number `n` (0-based) of the session started `start` (0-based). */
  readonly stat?: (n: number, start: number) => StatAnswer;
  /** The host the engine writes into URLs (default: the request's Host header). */
  readonly urlHost?: string;
  readonly isLive?: boolean;
  readonly isEncrypted?: (output: 'hls' | 'progressive') => boolean;
  /** Answer get_version with this text body instead (a server that is no engine). */
  readonly versionBody?: string;
  /** Never answer get_version (a silent engine). */
  readonly silent?: boolean;
  /** Hold every stat poll from this number on (0-based) forever. */
  readonly holdStatFrom?: number;
  /** Hold the stop answer forever. */
  readonly hangStop?: boolean;
}

export interface Stub {
  readonly port: number;
  /** Every request path with query, in order. */
  readonly requests: string[];
  /** Requests still open (held by the stub). */
  readonly open: () => number;
  close(): Promise<void>;
}

const json = (response: ServerResponse, body: unknown) => {
  response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

/** The docs' stat sample, with `status` and `progress` replaced. */
export const statSample = (status: string, progress = 0): Record<string, unknown> => ({
  uploaded: 491520,
  speed_down: 257,
  speed_up: 29,
  total_progress: 0,
  status,
  progress,
  downloaded: 3276800,
  peers: 4,
  playback_session_id: '15ad634c7ed4deb28045e641c825adcebe5b5f27',
  is_live: 1,
  infohash: IH,
});

export async function startStub(options: StubOptions = {}): Promise<Stub> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  // Sessions by token: how many stat polls each got, and whether it was stopped.
  const sessions = new Map<string, { start: number; polls: number; stopped: boolean }>();
  let starts = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stub.invalid');
    requests.push(`${url.pathname}${url.search}`);
    const origin = `http://${options.urlHost ?? request.headers.host ?? '127.0.0.1'}`;
    const hold = () => {
      held.add(response);
      response.on('close', () => held.delete(response));
    };
    if (url.pathname === '/webui/api/service') {
      if (options.silent) return hold();
      if (options.versionBody !== undefined) return void response.writeHead(404, { 'Content-Type': 'text/html' }).end(options.versionBody);
      return json(response, { result: { platform: 'linux', version: '3.2.3', code: 3020300, websocket_port: 0 }, error: null });
    }
    if (url.pathname === '/ace/getstream' || url.pathname === '/ace/manifest.m3u8') {
      if (options.startError !== undefined) return json(response, { response: null, error: options.startError });
      const output = url.pathname === '/ace/getstream' ? 'progressive' : 'hls';
      const token = `${TOKEN.slice(0, 30)}${String(starts).padStart(2, '0')}`;
      sessions.set(token, { start: starts++, polls: 0, stopped: false });
      const playback = output === 'hls' ? `${origin}/ace/m/${IH}/${token}.m3u8` : `${origin}/ace/r/${IH}/${token}`;
      return json(response, {
        response: {
          infohash: IH,
          playback_session_id: 'e0d10c40465de696c0222ffa815edace0635b86a',
          playback_url: playback,
          stat_url: `${origin}/ace/stat/${IH}/${token}`,
          command_url: `${origin}/ace/cmd/${IH}/${token}`,
          is_live: options.isLive === false ? 0 : 1,
          is_encrypted: options.isEncrypted?.(output) ? 1 : 0,
          client_session_id: -1,
        },
        error: null,
      });
    }
    const stat = /^\/ace\/stat\/[0-9a-f]{40}\/([0-9a-f]+)$/.exec(url.pathname);
    if (stat) {
      const session = sessions.get(stat[1]!);
      if (session === undefined || session.stopped) return json(response, { response: null, error: 'unknown playback session id' });
      if (options.holdStatFrom !== undefined && session.polls >= options.holdStatFrom) return hold();
      const answer = (options.stat ?? ((n) => (n < 3 ? statSample('prebuf', n * 30) : statSample('dl'))))(session.polls++, session.start);
      return json(response, 'error' in answer ? { response: null, error: answer.error } : { response: answer, error: null });
    }
    const cmd = /^\/ace\/cmd\/[0-9a-f]{40}\/([0-9a-f]+)$/.exec(url.pathname);
    if (cmd) {
      const session = sessions.get(cmd[1]!);
      if (url.searchParams.get('method') === 'stop' && options.hangStop) return hold();
      if (session === undefined || session.stopped) return json(response, { response: null, error: 'unknown playback session id' });
      if (url.searchParams.get('method') === 'stop') session.stopped = true;
      return json(response, { response: 'ok', error: null });
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Internal Server Error, couldn\'t find resource');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    open: () => held.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 5 ms until it holds, for at most `ms`. */
export async function waitFor(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
