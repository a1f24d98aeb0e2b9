import {
  ConnectionFailed,
  connect,
  connectHttp,
  DEFAULT_PROBE_MS,
  EngineDisconnected,
  EngineTimeout,
  type EngineApi,
  type EngineSession,
  type FetchLike,
  type HttpEngineSession,
  type PlaybackSession,
  type Transport,
  type TransportFactory,
} from '@ace-rx/client';
import { tcpTransport } from '@ace-rx/client/node';
import { decodeEngineMessage, DEFAULT_PRODUCT_KEY, EngineDecoder, type EngineFrame, type HelloTs } from '@ace-rx/codec';
import type { Emulator } from '@ace-rx/emulator';
import { map, tap, type Observable, type Subscription } from 'rxjs';
import { NotAnEngine } from './exit-codes.js';

/** Where and how to reach the engine. */
export interface EngineOptions {
  readonly host: string;
  /** The TCP API port (62062). */
  readonly port: number;
  /** The HTTP API port (6878). */
  readonly httpPort: number;
  /** Which API: `tcp`, `http`, or `auto` (TCP when it completes its handshake within a short probe, else HTTP). */
  readonly api: EngineApi;
  readonly productKey: string;
  /** Start the embedded emulator when no engine answers. */
  readonly emulate: boolean;
  /** How long connecting, the handshake, a `##` answer, each step of START and each HTTP request may take, ms (LOAD: three times it). */
  readonly timeoutMs: number;
  /** Where to say what happens (stderr). */
  readonly log: (line: string) => void;
}

/** Hooks of {@link openEngine}. */
export interface OpenHooks {
  /** Aborting it stops connecting: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Every frame the engine sends on the TCP API, from its first byte (the handshake included), in order. */
  readonly onFrame?: (frame: EngineFrame) => void;
}

/** An open session on either API, and how to end it. */
export interface OpenSession {
  /** The session, with the shapes both APIs share. */
  readonly session: PlaybackSession;
  /** Which API it is on. */
  readonly api: 'tcp' | 'http';
  /** The TCP session (LOAD, DUR, PLAYBACK), when the session is on the TCP API. */
  readonly tcp?: EngineSession;
  /** The embedded emulator, when one was started. */
  readonly emulator?: Emulator;
  /** The port the session is on (the TCP or HTTP API's; the emulator's, when one was started). */
  readonly port: number;
  /** The HELLOTS the engine sent, as it was (a bare one has no `httpPort`); undefined over HTTP. */
  readonly hello: HelloTs | undefined;
  /** Rejects with the error that ended the session when the engine ends it; never settles after {@link close}. */
  readonly lost: Promise<never>;
  /** Notes that START was sent, so that {@link close} stops it. */
  markStarted(): void;
  /** Stops what was started (TCP STOP, HTTP `method=stop`), ends the session (TCP SHUTDOWN), closes the emulator. */
  close(): Promise<void>;
}

/**
 * Watches the first bytes the TCP API port sends: an HTTP server, or anything whose
 * first line is not an engine message, is not an engine (the client would only time
 * out). Also decodes every frame, to keep the raw HELLOTS (the client's `engine` fills
 * in 6878 for a bare one) and to hand `watch` the handshake (the session's `messages$`
 * starts after AUTH).
 */
class Sniffer {
  private head = '';
  private decided = false;
  private readonly decoder = new EngineDecoder();
  hello: HelloTs | undefined;
  /** Set once the peer proved not to be an engine. */
  rejected: NotAnEngine | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onFrame?: (frame: EngineFrame) => void,
  ) {}

  /** Takes a chunk; throws {@link NotAnEngine} once the peer proves not to be one. */
  push(chunk: Uint8Array): void {
    if (this.rejected) throw this.rejected;
    if (!this.decided) {
      this.head += Buffer.from(chunk.subarray(0, 512)).toString('latin1');
      const what = verdict(this.head);
      if (what === 'engine') this.decided = true;
      else if (what !== undefined) throw (this.rejected = new NotAnEngine(this.host, this.port, what));
    }
    // The client decodes the session's bytes itself: this second decoder runs only until
    // HELLOTS, unless `watch` asked for every frame.
    if (this.hello !== undefined && this.onFrame === undefined) return;
    for (const frame of this.decoder.push(chunk)) {
      if (frame._tag === 'Right' && frame.right.kind === 'HELLOTS' && this.hello === undefined) this.hello = frame.right;
      this.onFrame?.(frame);
    }
  }
}

/** `engine`, what else it is, or undefined while too few bytes came to tell. */
export function verdict(head: string): 'engine' | string | undefined {
  if (head.startsWith('HTTP/')) return 'it answered HTTP';
  if ('HTTP/'.startsWith(head)) return undefined;
  const newline = head.indexOf('\n');
  if (newline === -1 && head.length < 256) return undefined;
  const line = (newline === -1 ? head : head.slice(0, newline)).replace(/\r$/, '');
  const decoded = decodeEngineMessage(line);
  return decoded._tag === 'Right' && decoded.right.kind !== 'UNKNOWN' ? 'engine' : 'it sent bytes that are not this protocol';
}

/** Node's TCP transport, with every chunk shown to the sniffer first (its NotAnEngine errors the connection). */
function sniffing(sniffer: Sniffer): TransportFactory {
  return (endpoint) =>
    tcpTransport(endpoint).pipe(
      map((t): Transport => ({
        data$: t.data$.pipe(tap((chunk) => sniffer.push(chunk))),
        send: (bytes) => t.send(bytes),
        close: () => t.close(),
        ...(t.closed === undefined ? {} : { closed: t.closed }),
      })),
    );
}

interface Opened {
  readonly session: PlaybackSession;
  readonly api: 'tcp' | 'http';
  readonly tcp?: EngineSession;
  readonly http?: HttpEngineSession;
  readonly subscription: Subscription;
  readonly lost: Promise<never>;
  readonly hello: HelloTs | undefined;
  readonly port: number;
}

/**
 * Subscribes to a cold session Observable (the client's `connect` or `connectHttp`) and
 * resolves with its first session; aborting `signal` unsubscribes (nothing is left
 * connecting) and rejects with its reason. Errors before the session go through `mapError`.
 */
function subscribeFirst<S>(open$: Observable<S>, signal: AbortSignal | undefined, mapError: (error: unknown) => unknown): Promise<{ session: S; subscription: Subscription; lost: Promise<never> }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let subscription: Subscription | undefined;
    let lose: (error: unknown) => void = () => undefined;
    const lost = new Promise<never>((_, r) => (lose = r));
    lost.catch(() => undefined); // handled by whoever awaits it
    const onAbort = () => fail(signal?.reason);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      reject(error);
    };
    if (signal?.aborted) return fail(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    subscription = open$.subscribe({
      next: (session) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve({ session, subscription: subscription!, lost });
      },
      error: (error: unknown) => {
        if (settled) lose(error);
        else fail(mapError(error));
      },
    });
    if (settled && !subscription.closed) subscription.unsubscribe(); // failed while subscribing
  });
}

/** The TCP API: the client's `connect`, its TCP transport watched by a {@link Sniffer}. */
async function openTcp(options: EngineOptions, host: string, port: number, hooks: OpenHooks, limitMs = options.timeoutMs): Promise<Opened> {
  const sniffer = new Sniffer(host, port, hooks.onFrame);
  // connectMs bounds a connection that never completes (dropped SYNs), handshakeMs the silence after it.
  const timeouts = { connectMs: limitMs, handshakeMs: limitMs, syncMs: options.timeoutMs, loadMs: options.timeoutMs * 3, startMs: options.timeoutMs };
  const { session, subscription, lost } = await subscribeFirst(
    connect({ host, port, productKey: options.productKey, timeouts, transport: sniffing(sniffer) }),
    hooks.signal,
    // The sniffer's verdict reaches connect() as the cause of a failed connection.
    (error) => sniffer.rejected ?? error,
  );
  return { session, api: 'tcp', tcp: session, subscription, lost, hello: sniffer.hello, port };
}

/** The HTTP API: the client's `connectHttp`, with a fetch that remembers whether anything answered HTTP. */
async function openHttp(options: EngineOptions, host: string, port: number, hooks: OpenHooks): Promise<Opened> {
  let answered: number | undefined;
  const watched: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    answered ??= response.status;
    return response;
  };
  const timeouts = { connectMs: options.timeoutMs, requestMs: options.timeoutMs };
  const { session, subscription, lost } = await subscribeFirst(connectHttp({ host, port, fetch: watched, timeouts }), hooks.signal, (error) =>
    // Something answered HTTP, but get_version was not an engine's.
    error instanceof ConnectionFailed && answered !== undefined ? new NotAnEngine(host, port, `its get_version answer (HTTP ${answered}) is not an engine's`, 'http') : error,
  );
  return { session, api: 'http', http: session, subscription, lost, hello: undefined, port };
}

/** Whether a TCP failure before AUTH means "no TCP API here", so `auto` tries HTTP. */
const noTcpApi = (error: unknown) => error instanceof ConnectionFailed || error instanceof EngineTimeout || error instanceof EngineDisconnected || error instanceof NotAnEngine;

/**
 * `auto`: the TCP API when it completes its handshake within the probe, else the HTTP
 * API. When neither answers, the TCP failure is told when TCP got that far (a timeout,
 * not an engine), a ConnectionFailed naming both otherwise.
 */
async function openAuto(options: EngineOptions, host: string, port: number, httpPort: number, hooks: OpenHooks): Promise<Opened> {
  let tcpError: unknown;
  try {
    return await openTcp(options, host, port, hooks, Math.min(DEFAULT_PROBE_MS, options.timeoutMs));
  } catch (error) {
    if (!noTcpApi(error) || hooks.signal?.aborted) throw error;
    tcpError = error;
  }
  try {
    return await openHttp(options, host, httpPort, hooks);
  } catch (httpError) {
    if (!(httpError instanceof ConnectionFailed) || hooks.signal?.aborted) throw httpError;
    if (!(tcpError instanceof ConnectionFailed)) throw tcpError;
    const why = (e: ConnectionFailed) => (e.cause instanceof Error ? e.cause.message : 'no answer');
    throw new ConnectionFailed(host, port, new Error(`${why(tcpError)}; nor at its HTTP API ${host}:${httpPort}: ${why(httpError)}`));
  }
}

function openOn(options: EngineOptions, host: string, port: number, httpPort: number, hooks: OpenHooks): Promise<Opened> {
  if (options.api === 'tcp') return openTcp(options, host, port, hooks);
  if (options.api === 'http') return openHttp(options, host, httpPort, hooks);
  return openAuto(options, host, port, httpPort, hooks);
}

/** The demo emulator's timing: slow enough to watch, quick enough not to bore. */
const DEMO_TIMING = { statusIntervalMs: 250, prebufferMs: 2500, bufferingAfterMs: 4000, bufferingMs: 1500 };

/** How long the HTTP API's `method=stop` may take when closing. */
const STOP_MS = 2_000;

/**
 * Connects to the engine on the API `options.api` names; with `emulate`, falls back to
 * an embedded emulator (which serves both APIs) with a demo catalogue when nothing
 * answers there. Fails with `NotAnEngine` when what answers is not the API, with
 * `EngineTimeout` after `timeoutMs` of silence, with `ConnectionFailed` when nothing
 * answers (or no connection is made within `timeoutMs`).
 */
export async function openEngine(options: EngineOptions, hooks: OpenHooks = {}): Promise<OpenSession> {
  let emulator: Emulator | undefined;
  let opened: Opened;
  try {
    opened = await openOn(options, options.host, options.port, options.httpPort, hooks);
  } catch (error) {
    if (!(error instanceof ConnectionFailed) || !options.emulate) throw error;
    // Loaded only now: a run against a real engine never holds the emulator in memory.
    const { startEmulator } = await import('@ace-rx/emulator');
    emulator = await startEmulator({ productKey: options.productKey, timing: DEMO_TIMING });
    const where = options.api === 'http' ? `${options.host}:${options.httpPort}` : `${options.host}:${options.port}`;
    const either = options.api === 'auto' ? `; nothing on the HTTP API at ${options.host}:${options.httpPort} either` : '';
    options.log(`no engine at ${where}: started the embedded emulator on 127.0.0.1:${emulator.port} (HTTP ${emulator.httpPort})${either}`);
    try {
      opened = await openOn({ ...options, api: options.api === 'http' ? 'http' : 'tcp' }, '127.0.0.1', emulator.port, emulator.httpPort, hooks);
    } catch (inner) {
      await emulator.close();
      throw inner;
    }
  }
  const { session, subscription, lost, hello, api, tcp, http, port } = opened;
  let started = false;
  let closing: Promise<void> | undefined;
  return {
    session,
    api,
    ...(tcp ? { tcp } : {}),
    ...(emulator ? { emulator } : {}),
    port,
    hello,
    lost,
    markStarted: () => {
      started = true;
    },
    close: () =>
      (closing ??= (async () => {
        if (tcp !== undefined) {
          try {
            if (started) tcp.send({ kind: 'STOP' });
          } catch {
            // SessionClosed: the connection is gone already, nothing to stop.
          }
          subscription.unsubscribe(); // sends SHUTDOWN, closes the socket
          await new Promise((r) => setTimeout(r, 50));
        } else if (http !== undefined) {
          // method=stop for what plays (bounded: a stop can hang on real engines), then the session ends.
          await Promise.race([http.close(), new Promise((r) => setTimeout(r, STOP_MS).unref())]);
          subscription.unsubscribe();
        }
        await emulator?.close();
      })()),
  };
}

export { DEFAULT_PRODUCT_KEY };
