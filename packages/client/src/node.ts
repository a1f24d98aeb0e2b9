/**
 * `@ace-rx/client/node`: the Node TCP transport.
 *
 * @packageDocumentation
 */
import { connect as netConnect } from 'node:net';
import { Observable, Subject } from 'rxjs';
import { ConnectionFailed, EngineDisconnected } from './errors.js';
import type { Transport, TransportFactory } from './transport.js';

/**
 * Opens a TCP connection to the engine (no Nagle delay: the protocol is small lines).
 *
 * @example
 * ```ts
 * connect({ transport: tcpTransport, host: '192.168.1.10' })
 * ```
 */
export const tcpTransport: TransportFactory = (endpoint) =>
  new Observable<Transport>((subscriber) => {
    const socket = netConnect({ host: endpoint.host, port: endpoint.port });
    socket.setNoDelay(true);
    const data = new Subject<Uint8Array>();
    let connected = false;
    let destroyTimer: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // A peer that never closes its side must not keep the socket open: destroyed after
    // a second (the timer goes with the socket, so `closed` always settles).
    const end = () => {
      if (socket.writableEnded) return;
      socket.end();
      destroyTimer = setTimeout(() => socket.destroy(), 1000);
    };
    socket.on('data', (chunk: Buffer) => data.next(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', (error) => {
      if (connected) data.error(new EngineDisconnected(`the connection to the engine failed: ${error.message}`, error));
      else subscriber.error(new ConnectionFailed(endpoint.host, endpoint.port, error));
    });
    socket.on('close', () => {
      if (destroyTimer !== undefined) clearTimeout(destroyTimer);
      data.complete();
    });
    socket.once('connect', () => {
      connected = true;
      subscriber.next({
        data$: data.asObservable(),
        send: (bytes) => {
          // After end() a write would error and destroy the socket, resetting the
          // connection and losing what the engine had not read yet.
          if (!socket.destroyed && !socket.writableEnded) socket.write(bytes);
        },
        close: end,
        closed,
      });
    });
    return () => {
      if (!connected) {
        socket.destroy();
        return;
      }
      // Unsubscribing tears this down in the same pass as the session on top of it;
      // ending a microtask later lets the session's last words (SHUTDOWN) go out first.
      queueMicrotask(end);
    };
  });
