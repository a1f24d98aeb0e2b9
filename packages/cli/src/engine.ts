import { ConnectionFailed, connect, type EngineSession } from '@ace-rx/client';
import { DEFAULT_PRODUCT_KEY, startEmulator, type Emulator } from '@ace-rx/emulator';
import type { Subscription } from 'rxjs';

/** Where and how to reach the engine. */
export interface EngineOptions {
  readonly host: string;
  readonly port: number;
  readonly productKey: string;
  /** Start the embedded emulator when no engine answers. */
  readonly emulate: boolean;
  /** Handshake timeout, ms. */
  readonly timeoutMs: number;
  /** Where to say what happens (stderr). */
  readonly log: (line: string) => void;
}

/** An open session, and how to end it. */
export interface OpenSession {
  readonly session: EngineSession;
  /** The embedded emulator, when one was started. */
  readonly emulator?: Emulator;
  /** Settles when the connection ends: with the error that ended it, or undefined after close(). */
  readonly ended: Promise<unknown>;
  /** Sends STOP, then SHUTDOWN, closes the connection and the emulator. */
  close(): Promise<void>;
}

function open(options: EngineOptions, port: number, host: string, onSession?: (session: EngineSession) => void): Promise<{ session: EngineSession; subscription: Subscription; ended: Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let endedWith: (error: unknown) => void = () => undefined;
    const ended = new Promise<unknown>((r) => (endedWith = r));
    const subscription = connect({ host, port, productKey: options.productKey, timeouts: { handshakeMs: options.timeoutMs, syncMs: options.timeoutMs, loadMs: options.timeoutMs * 3 } }).subscribe({
      next: (session) => {
        settled = true;
        // Synchronously: messages$ is hot, and what follows AUTH may be in the same chunk.
        onSession?.(session);
        resolve({ session, subscription, ended });
      },
      error: (error: unknown) => {
        if (settled) endedWith(error);
        else reject(error);
      },
      complete: () => endedWith(undefined),
    });
  });
}

/** The demo emulator's timing: slow enough to watch, quick enough not to bore. */
const DEMO_TIMING = { statusIntervalMs: 250, prebufferMs: 2500, bufferingAfterMs: 4000, bufferingMs: 1500 };

/**
 * Connects to the engine; with `emulate`, falls back to an embedded emulator with a
 * demo catalogue when nothing listens there. `onSession` runs as soon as the session
 * exists, before any later message: the place to subscribe to `messages$`.
 */
export async function openEngine(options: EngineOptions, onSession?: (session: EngineSession) => void): Promise<OpenSession> {
  let emulator: Emulator | undefined;
  let opened;
  try {
    opened = await open(options, options.port, options.host, onSession);
  } catch (error) {
    if (!(error instanceof ConnectionFailed) || !options.emulate) throw error;
    emulator = await startEmulator({ productKey: options.productKey, timing: DEMO_TIMING });
    options.log(`no engine at ${options.host}:${options.port}: started the embedded emulator on 127.0.0.1:${emulator.port} (HTTP ${emulator.httpPort})`);
    try {
      opened = await open(options, emulator.port, '127.0.0.1', onSession);
    } catch (inner) {
      await emulator.close();
      throw inner;
    }
  }
  const { session, subscription, ended } = opened;
  let closing: Promise<void> | undefined;
  return {
    session,
    ...(emulator ? { emulator } : {}),
    ended,
    close: () =>
      (closing ??= (async () => {
        session.send({ kind: 'STOP' });
        subscription.unsubscribe(); // sends SHUTDOWN, closes the socket
        await new Promise((r) => setTimeout(r, 50));
        await emulator?.close();
      })()),
  };
}

export { DEFAULT_PRODUCT_KEY };
