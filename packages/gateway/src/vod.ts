import type { IncomingMessage, ServerResponse } from 'node:http';
import { EngineHttpError, type EngineStream } from './backend.js';
import { StartFailed } from './errors.js';
import { drained, messageOf, sendJson } from './http.js';

/** Bytes fetched from the engine per request: viewers of one film take turns at this grain. */
export const FILM_PIECE_BYTES = 1024 * 1024;

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  ts: 'video/mp2t',
  m2ts: 'video/mp2t',
  mpg: 'video/mpeg',
  mpeg: 'video/mpeg',
  flv: 'video/x-flv',
  wmv: 'video/x-ms-wmv',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
};

/** The media type of a file by its name's extension, or `undefined`. */
export function contentTypeOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : TYPES[name.slice(dot + 1).toLowerCase()];
}

/** A `Range` header resolved against a size (RFC 9110 §14.1.2, §14.2): the span to send, the whole, or why not. */
export type RangeAnswer = { readonly kind: 'full' } | { readonly kind: 'partial'; readonly start: number; readonly end: number } | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Resolves a single-range `Range` header for `size` bytes: `bytes=a-b`, `bytes=a-` and
 * suffix `bytes=-n` are partial (clipped to the end); a first position at or past the end,
 * or a range of an empty file, is unsatisfiable; anything else (none, malformed, several
 * ranges, first > last) is ignored, as RFC 9110 lets a server do, and answers the whole.
 */
export function resolveRange(header: string | undefined, size: number): RangeAnswer {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && start > Number(last)) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** Counters a {@link Film} adds its bytes to (the stream's, which outlive one engine session). */
export interface FilmCounts {
  /** Bytes read from the engine. */
  in(bytes: number): void;
  /** Bytes written to a viewer. */
  out(bytes: number): void;
}

/**
 * A file (a film, an episode) on one engine session, served as the engine's own HTTP
 * server does: `Content-Length`, `Accept-Ranges`, `Range` → 206, 416, HEAD. The engine's
 * playback URL has one reader at a time (spec http-api.md §5.4), so every viewer's bytes
 * are fetched from it in pieces of {@link FILM_PIECE_BYTES}, one request at a time: viewers
 * take turns, and none waits for another's whole download.
 */
export class Film {
  private queue: Promise<void> = Promise.resolve();
  /** Viewers being answered now. */
  viewers = 0;

  constructor(
    private readonly source: EngineStream,
    /** The file's size in bytes. */
    readonly size: number,
    /** Its media type. */
    readonly contentType: string,
    /** Where the bytes read from the engine and written to viewers are counted. */
    private readonly counts: FilmCounts,
  ) {}

  /** Reads what the first GET of the playback URL said (size, type) and lets go of it: the viewers' ranges are read afresh. */
  static from(source: EngineStream, fileName: string | undefined, counts: FilmCounts): Film | StartFailed {
    const head = source.body;
    source.body.destroy();
    const total = /\/(\d+)$/.exec(String(head.headers['content-range'] ?? ''))?.[1] ?? head.headers['content-length'];
    const size = Number(total);
    if (total === undefined || !Number.isSafeInteger(size)) return new StartFailed('the engine did not say the size of the file');
    const given = head.headers['content-type'];
    const named = fileName === undefined ? undefined : contentTypeOf(fileName);
    const type = given !== undefined && given !== 'application/octet-stream' ? given : (named ?? contentTypeOf(new URL(source.url).pathname) ?? 'application/octet-stream');
    return new Film(source, size, type, counts);
  }

  /** Answers one viewer's GET or HEAD, with its `Range`; a viewer whose connection takes no byte for `stallMs` is dropped. */
  async serve(req: IncomingMessage, res: ServerResponse, stallMs: number): Promise<void> {
    const range = resolveRange(req.headers.range, this.size);
    const headers = { 'Content-Type': this.contentType, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' };
    if (range.kind === 'unsatisfiable') return sendJson(res, 416, { error: 'RANGE_NOT_SATISFIABLE', message: `the file has ${this.size} bytes` }, { 'Content-Range': `bytes */${this.size}`, 'Accept-Ranges': 'bytes' });
    const [start, end] = range.kind === 'full' ? [0, this.size - 1] : [range.start, range.end];
    res.writeHead(range.kind === 'full' ? 200 : 206, {
      ...headers,
      'Content-Length': String(Math.max(0, end - start + 1)),
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${this.size}` } : {}),
    });
    if (req.method === 'HEAD' || end < start) return void res.end();
    this.viewers++;
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    try {
      for (let at = start; at <= end && !res.destroyed; ) {
        const last = Math.min(end, at + FILM_PIECE_BYTES - 1);
        const piece = await this.fetch(at, last, abort.signal);
        at = last + 1;
        this.counts.out(piece.length);
        if (!res.write(piece)) await drained(res, stallMs);
      }
      res.end();
    } catch (error) {
      // The headers went out: all a viewer can be told now is that the body stops short.
      res.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    } finally {
      this.viewers--;
    }
  }

  /** Bytes `start`–`end`, fetched when the engine's reader is free. */
  private fetch(start: number, end: number, signal: AbortSignal): Promise<Buffer> {
    const turn = this.queue.then(() => read(this.source, start, end, signal)).then((piece) => {
      this.counts.in(piece.length);
      return piece;
    });
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }
}

/** Bytes `start`–`end` of the file: one ranged GET, tried again while the engine's one reader is still taken (409, the previous reader not yet gone). */
async function read(source: EngineStream, start: number, end: number, signal: AbortSignal): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      return await readOnce(await source.range(start, end, signal), start, end);
    } catch (error) {
      if (!(error instanceof EngineHttpError && error.httpStatus === 409) || attempt >= READER_BUSY_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

const READER_BUSY_TRIES = 10;

async function readOnce(res: IncomingMessage, start: number, end: number): Promise<Buffer> {
  // An engine that ignored Range (200) sends from 0: read up to the last byte asked for, no more.
  const from = res.statusCode === 206 ? 0 : start;
  const want = end - start + 1;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    n += chunk.length;
    if (n >= from + want) break;
  }
  res.destroy();
  const piece = Buffer.concat(chunks, n).subarray(from, from + want);
  if (piece.length !== want) throw new StartFailed(`the engine sent ${piece.length} of bytes ${start}-${end}`);
  return piece;
}

