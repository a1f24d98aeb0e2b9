import type { ServerResponse } from 'node:http';
import { AtCapacity, Draining, type GatewayError } from './errors.js';

/** Answers with a JSON body (never cached); does nothing once the headers went out or the viewer left. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body) + '\n');
}

/** Answers a {@link GatewayError} with its status and `{ error, message }` (and `limit` for {@link AtCapacity}; `Retry-After` for {@link Draining}). */
export function sendError(res: ServerResponse, error: GatewayError): void {
  const headers: Record<string, string> = error instanceof Draining ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
  sendJson(res, error.status, { error: error.code, message: error.message, ...(error instanceof AtCapacity ? { limit: error.limit } : {}) }, headers);
}

/** `decodeURIComponent`, with a malformed escape (`%ZZ`) as `undefined` rather than a throw. */
export function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Bytes written to `res` that its connection has not taken yet: the response's own queue
 * and the socket's send queue (libuv's `writeQueueSize`: handed to the socket, not yet
 * taken by the kernel; 0 where the handle does not say). While it moves, the viewer takes bytes.
 */
export function queuedBytes(res: ServerResponse): number {
  const handle = (res.socket as unknown as { _handle?: { writeQueueSize?: unknown } } | null)?._handle;
  return res.writableLength + (typeof handle?.writeQueueSize === 'number' ? handle.writeQueueSize : 0);
}

/**
 * Resolves once `res` drains or closes, leaving no listener or timer behind; destroys it
 * first when its connection takes no byte for `stallMs` ({@link queuedBytes} does not move).
 */
export function drained(res: ServerResponse, stallMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let mark = queuedBytes(res);
    let still = 0;
    const step = Math.max(1, stallMs / 4);
    const timer = setInterval(() => {
      const now = queuedBytes(res);
      still = now === mark ? still + step : 0;
      mark = now;
      if (still >= stallMs) res.destroy();
    }, step);
    const done = () => {
      clearInterval(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Answers 200 with `body` (never cached): a kept buffer (with its `Content-Length`), or
 * pieces written as the client takes them, so the response holds one piece at most. A
 * client that takes no byte for `stallMs` is dropped ({@link drained}), also while a kept
 * buffer goes out: its socket would hold the buffer, the last copy once the cache drops it.
 * HEAD gets the headers only.
 */
export async function sendBody(res: ServerResponse, head: boolean, contentType: string, body: Buffer | Iterable<string>, stallMs: number): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store', ...(Buffer.isBuffer(body) ? { 'Content-Length': String(body.length) } : {}) });
  if (head) return void res.end();
  for (const piece of Buffer.isBuffer(body) ? [body] : body) {
    if (res.destroyed) return;
    if (!res.write(piece)) await drained(res, stallMs);
  }
  if (!res.destroyed) res.end();
}
