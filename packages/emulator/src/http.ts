import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** A file the HTTP server can serve: what to call it and how to read it. */
export interface Served {
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
  /** Bytes `[start, end]` (inclusive), streamed. */
  read(start: number, end: number): Readable;
  /** An endless body instead (a live stream): sent whole with 200, no length and no `Range`. */
  stream?(): Readable;
}

/** A `Range` header resolved against a size: what to send, or why it cannot be. */
export type RangeResult = { readonly kind: 'full' } | { readonly kind: 'partial'; readonly start: number; readonly end: number } | { readonly kind: 'unsatisfiable' };

// The range unit is case-insensitive (RFC 9110 §14.1): `Bytes=0-9` is `bytes=0-9`.
// Positions of any length: RFC 9110 puts no limit on them, and a position past the end
// is still a position (`bytes=0-99999999999999999999` is the whole file, 206). The
// header itself is bounded by Node's header size limit.
const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Resolves a `Range` header (RFC 9110 §14.1.2, §14.2) for a resource of `size` bytes:
 *
 * | header | result |
 * |---|---|
 * | none, malformed, several ranges, `bytes=-` | `full` (the header is ignored: 200) |
 * | `bytes=5-1` (first > last: an invalid range-spec) | `full` (ignored) |
 * | `bytes=0-9`, `bytes=9-`, `bytes=-10` | `partial`, clipped to the end (206) |
 * | `bytes=0-99999999999999999999` | `partial` to the end (206) |
 * | `bytes=<size>-`, `bytes=99999999999999999999-`, `bytes=-0`, any range of an empty resource | `unsatisfiable` (416) |
 *
 * The one function both HTTP servers (the TCP API's file URLs and the HTTP API's
 * `/content/` URLs) resolve ranges with.
 */
export function resolveRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  // first > last is not a satisfiable range but an invalid range-spec: ignore the header.
  if (last !== '' && start > Number(last)) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/**
 * Writes the status and headers of a ranged answer for a resource of `size` bytes and
 * returns the inclusive byte span to send, or `undefined` when nothing follows (416, or
 * HEAD). HEAD ignores `Range` (RFC 9110 §14.2: a server may, and a HEAD then describes
 * the whole resource): 200 and the full length. Both HTTP servers answer through it.
 */
export function writeRangeHead(
  request: IncomingMessage,
  response: ServerResponse,
  size: number,
  contentType: string,
): { readonly first: number; readonly last: number } | undefined {
  const head = request.method === 'HEAD';
  const range = resolveRange(head ? undefined : request.headers.range, size);
  const common = { 'Accept-Ranges': 'bytes', 'Content-Type': contentType };
  if (range.kind === 'unsatisfiable') {
    response.writeHead(416, { ...common, 'Content-Range': `bytes */${size}` }).end();
    return undefined;
  }
  const [first, last] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
  const headers: Record<string, string | number> = { ...common, 'Content-Length': Math.max(0, last - first + 1) };
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${first}-${last}/${size}`;
  response.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (head || size === 0) {
    response.end();
    return undefined;
  }
  return { first, last };
}

/**
 * Answers a request whose handler threw: 500 if nothing was sent yet, else the
 * response is cut (its headers are gone). The error never reaches the process.
 */
export function answerInternalError(response: ServerResponse): void {
  if (response.headersSent || response.writableEnded) {
    response.destroy();
    return;
  }
  try {
    response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
  } catch {
    response.destroy();
  }
}

/** Called with an error a request handler threw, and the request (the server answered it 500). */
export type HttpErrorListener = (error: unknown, request: IncomingMessage) => void;

/**
 * The engine's HTTP server: GET and HEAD of the files `lookup` knows, by exact path.
 * No path from a request ever reaches the file system, so nothing outside the
 * catalogue can be reached. As a real engine's, it serves an HTTP/1.1 request that
 * has no `Host` header (a Java client sends none), and HEAD ignores `Range` (RFC 9110:
 * the full-length headers, 200). `route`, when given, is offered every request first
 * and returns true for those it answered (the HTTP API). A handler that throws gets its
 * request answered 500 (or cut, once headers went) and `onError` told; the server goes on.
 */
export function createEngineHttpServer(
  lookup: (path: string) => Served | undefined,
  route?: (request: IncomingMessage, response: ServerResponse) => boolean,
  onError?: HttpErrorListener,
): Server {
  return createServer({ requireHostHeader: false }, (request: IncomingMessage, response: ServerResponse) => {
    // The route boundary: whatever a handler throws is answered 500 and reported, never
    // left to reach the process (one bad request must not stop the engine).
    try {
      answer(request, response);
    } catch (error) {
      answerInternalError(response);
      try {
        onError?.(error, request);
      } catch {
        // a listener's own failure must not escape either
      }
    }
  });

  function answer(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && route?.(request, response) === true) return;
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = new URL(request.url ?? '/', 'http://engine.invalid').pathname;
    } catch {
      response.writeHead(400).end();
      return;
    }
    const served = lookup(path);
    if (served === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (served.stream !== undefined) {
      response.writeHead(200, { 'Content-Type': served.contentType });
      if (method === 'HEAD') return void response.end();
      const live = served.stream();
      response.on('close', () => live.destroy());
      live.pipe(response);
      return;
    }
    const span = writeRangeHead(request, response, served.size, served.contentType);
    if (span === undefined) return;
    const body = served.read(span.first, span.last);
    body.on('error', () => response.destroy());
    response.on('close', () => body.destroy());
    body.pipe(response);
  }
}

/** A {@link Served} over a file on disk. */
export function servedFromDisk(name: string, path: string, size: number, contentType: string): Served {
  return { name, size, contentType, read: (start, end) => createReadStream(path, { start, end }) };
}

const BLOCK = 64 * 1024;

/** A {@link Served} over generated bytes, produced block by block as the client reads. */
export function servedGenerated(
  name: string,
  size: number,
  contentType: string,
  bytes: (start: number, end: number) => Uint8Array,
): Served {
  return {
    name,
    size,
    contentType,
    read: (start, end) =>
      Readable.from(
        (function* () {
          for (let at = start; at <= end; at += BLOCK) yield bytes(at, Math.min(at + BLOCK, end + 1));
        })(),
        { objectMode: false },
      ),
  };
}
