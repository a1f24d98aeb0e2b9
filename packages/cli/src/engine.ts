import { ConnectionFailed, connect, EngineTimeout, type EngineSession, type Transport, type TransportFactory } from '@ace-rx/client';
import { tcpTransport } from '@ace-rx/client/node';
import { decodeEngineMessage, DEFAULT_PRODUCT_KEY, EngineDecoder, type EngineFrame, type HelloTs } from '@ace-rx/codec';
import { startEmulator, type Emulator } from '@ace-rx/emulator';
import { map, tap, type Subscription } from 'rxjs';
import { NotAnEngine } from './exit-codes.js';

/** Where and how to reach the engine. */
export interface EngineOptions {
  readonly host: string;
  readonly port: number;
  readonly productKey: string;
  /** Start the embedded emulator when no engine answers. */
  readonly emulate: boolean;
  /** How long connecting and the handshake, a `##` answer, and each step of START may take, ms (LOAD: three times it). */
  readonly timeoutMs: number;
  /** Where to say what happens (stderr). */
  readonly log: (line: string) => void;
}

/** Hooks of {@link openEngine}. */
export interface OpenHooks {
  /** Aborting it stops connecting: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Every frame the engine sends, from its first byte (the handshake included), in order. */
  readonly onFrame?: (frame: EngineFrame) => void;
  /** Runs as soon as the session exists, before any later message: the place to subscribe to `messages$`. */
  readonly onSession?: (session: EngineSession) => void;
}

/** An open session, and how to end it. */
export interface OpenSession {
  readonly session: EngineSession;
  /** The embedded emulator, when one was started. */
  readonly emulator?: Emulator;
  /** The TCP API port the session is on (the emulator's, when one was started). */
  readonly port: number;
  /** The HELLOTS the engine sent, as it was (a bare one has no `httpPort`). */
  readonly hello: HelloTs | undefined;
  /** Rejects with the error that ended the connection when the engine ends it; never settles after {@link close}. */
  readonly lost: Promise<never>;
  /** Notes that START was sent, so that {@link close} sends STOP. */
  markStarted(): void;
  /** Sends STOP (when something was started), then SHUTDOWN, closes the connection and the emulator. */
  close(): Promise<void>;
}

/**
 * Watches the first bytes an address sends: an HTTP server, or anything whose first
 * line is not an engine message, is not an engine. Also decodes every frame, to keep
 * the raw HELLOTS and hand frames to a watcher.
 */
class Sniffer {
  private head = '';
  private decided = false;
  private rejected = false;
  private readonly decoder = new EngineDecoder();
  hello: HelloTs | undefined;

  constructor(
    private readonly notEngine: (what: string) => void,
    private readonly onFrame?: (frame: EngineFrame) => void,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.rejected) return;
    if (!this.decided) {
      this.head += Buffer.from(chunk.subarray(0, 512)).toString('latin1');
      const what = verdict(this.head);
      if (what === 'engine') this.decided = true;
      else if (what !== undefined) {
        this.rejected = true;
        this.notEngine(what);
        return;
      }
    }
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

function sniffing(sniffer: Sniffer): TransportFactory {
  return (endpoint) =>
    tcpTransport(endpoint).pipe(
      map((t): Transport => ({ data$: t.data$.pipe(tap((chunk) => sniffer.push(chunk))), send: (bytes) => t.send(bytes), close: () => t.close() })),
    );
}

interface Opened {
  readonly session: EngineSession;
  readonly subscription: Subscription;
  readonly lost: Promise<never>;
  readonly hello: HelloTs | undefined;
}

function attempt(options: EngineOptions, host: string, port: number, hooks: OpenHooks): Promise<Opened> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let subscription: Subscription | undefined;
    let lose: (error: unknown) => void = () => undefined;
    const lost = new Promise<never>((_, r) => (lose = r));
    lost.catch(() => undefined); // handled by whoever awaits it
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      subscription?.unsubscribe();
      reject(error);
    };
    const sniffer = new Sniffer((what) => fail(new NotAnEngine(host, port, what)), hooks.onFrame);
    // Connecting and the handshake together: a peer that accepts and says nothing, or
    // never completes the TCP handshake, is bounded by the same --timeout.
    const deadline = setTimeout(() => fail(new EngineTimeout('the handshake', options.timeoutMs)), options.timeoutMs);
    const onAbort = () => fail(hooks.signal?.reason);
    const cleanup = () => {
      clearTimeout(deadline);
      hooks.signal?.removeEventListener('abort', onAbort);
    };
    if (hooks.signal?.aborted) return fail(hooks.signal.reason);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const timeouts = { handshakeMs: options.timeoutMs, syncMs: options.timeoutMs, loadMs: options.timeoutMs * 3, startMs: options.timeoutMs };
    subscription = connect({ host, port, productKey: options.productKey, timeouts, transport: sniffing(sniffer) }).subscribe({
      next: (session) => {
        if (settled) return;
        settled = true;
        cleanup();
        // Synchronously: messages$ is hot, and what follows AUTH may be in the same chunk.
        hooks.onSession?.(session);
        resolve({ session, subscription: subscription!, lost, hello: sniffer.hello });
      },
      error: (error: unknown) => {
        if (settled) lose(error);
        else fail(error);
      },
    });
    if (settled && !subscription.closed) subscription.unsubscribe(); // failed while subscribing
  });
}

/** The demo emulator's timing: slow enough to watch, quick enough not to bore. */
const DEMO_TIMING = { statusIntervalMs: 250, prebufferMs: 2500, bufferingAfterMs: 4000, bufferingMs: 1500 };

/**
 * Connects to the engine; with `emulate`, falls back to an embedded emulator with a
 * demo catalogue when nothing listens there. Fails with `NotAnEngine` when what
 * answers is not the TCP API, with `EngineTimeout` after `timeoutMs` of silence.
 */
export async function openEngine(options: EngineOptions, hooks: OpenHooks = {}): Promise<OpenSession> {
  let emulator: Emulator | undefined;
  let opened: Opened;
  let port = options.port;
  try {
    opened = await attempt(options, options.host, options.port, hooks);
  } catch (error) {
    if (!(error instanceof ConnectionFailed) || !options.emulate) throw error;
    emulator = await startEmulator({ productKey: options.productKey, timing: DEMO_TIMING });
    port = emulator.port;
    options.log(`no engine at ${options.host}:${options.port}: started the embedded emulator on 127.0.0.1:${emulator.port} (HTTP ${emulator.httpPort})`);
    try {
      opened = await attempt(options, '127.0.0.1', emulator.port, hooks);
    } catch (inner) {
      await emulator.close();
      throw inner;
    }
  }
  const { session, subscription, lost, hello } = opened;
  let started = false;
  let closing: Promise<void> | undefined;
  return {
    session,
    ...(emulator ? { emulator } : {}),
    port,
    hello,
    lost,
    markStarted: () => {
      started = true;
    },
    close: () =>
      (closing ??= (async () => {
        if (started) session.send({ kind: 'STOP' }); // a no-op once the connection is gone
        subscription.unsubscribe(); // sends SHUTDOWN, closes the socket
        await new Promise((r) => setTimeout(r, 50));
        await emulator?.close();
      })()),
  };
}

export { DEFAULT_PRODUCT_KEY };
