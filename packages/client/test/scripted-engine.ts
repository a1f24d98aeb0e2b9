// A raw engine on 127.0.0.1:0 for tests that need exact scripts: it answers the
// handshake and SHUTDOWN itself, and hands every other line to the test.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/** A version code that takes stop notifications, no request key. */
export const SCRIPTED_HELLO = 'HELLOTS version=3.1.16 version_code=3011600 http_port=6878';

/**
 * Starts the engine; `onLine` gets every line after READY (but SHUTDOWN) with the
 * socket to answer on, `lines` records every line received. Closing it (sockets
 * destroyed, server closed) is pushed onto `cleanups`.
 */
export async function scriptedEngine(
  cleanups: (() => Promise<void> | void)[],
  onLine: (line: string, socket: Socket) => void,
  hello = SCRIPTED_HELLO,
): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        lines.push(line);
        if (line.startsWith('HELLOBG')) socket.write(`${hello}\r\n`);
        else if (line.startsWith('READY')) socket.write('AUTH 1\r\n');
        else if (line === 'SHUTDOWN') socket.end();
        else onLine(line, socket);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as { port: number }).port, lines };
}
