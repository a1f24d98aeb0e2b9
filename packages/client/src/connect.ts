import {
  encodeClientMessage,
  encodeFrame,
  EngineDecoder,
  readyKey,
  type ClientMessage,
  type DecodeError,
  type EngineMessage,
  type LineTooLong,
} from '@ace-rx/codec';
import { asyncScheduler, defer, Observable, retry, type SchedulerLike, Subject, switchMap, timer } from 'rxjs';
import { ConnectionFailed, EngineDisconnected, EngineTimeout, HandshakeRefused } from './errors.js';
import { DEFAULT_TIMEOUTS, Session, type EngineSession, type Timeouts } from './session.js';
import type { Endpoint, Transport, TransportFactory } from './transport.js';

/** Reconnection with exponential backoff: `delayMs * 2^(attempt-1)`, at most `maxDelayMs`. */
export interface RetryOptions {
  /** Attempts after a lost connection before giving up (default: unlimited). */
  readonly count?: number;
  /** First delay (default 500 ms). */
  readonly delayMs?: number;
  /** Longest delay (default 10 000 ms). */
  readonly maxDelayMs?: number;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Engine host (default `127.0.0.1`). */
  readonly host?: string;
  /** Engine TCP API port (default 62062). */
  readonly port?: number;
  /** How to reach it; Node's entry point defaults to TCP. */
  readonly transport?: TransportFactory;
  /** The HELLOBG version (default 4); 3 or none ask older engines' forms. */
  readonly helloVersion?: number | null;
  /** The product key: with it, READY carries `readyKey` when HELLOTS has a key. */
  readonly productKey?: string;
  /** Answer to `EVENT getuserdata` (default gender 1, age 4). */
  readonly userData?: { readonly gender: number; readonly age: number };
  /** Flow timeouts (ms). */
  readonly timeouts?: Partial<Timeouts>;
  /** Scheduler of every timeout and retry delay (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Reconnect after a lost connection (not after a refused handshake): `true` or options. Off by default. */
  readonly retry?: boolean | RetryOptions;
  /** Longest line accepted from the engine, in bytes (default 1 MiB). */
  readonly maxLineBytes?: number;
}

/** Lowest engine version code that accepts `SETOPTIONS use_stop_notifications=1`. */
export const STOP_NOTIFICATIONS_VERSION = 3003600;

function session(transport: Transport, endpoint: Endpoint, options: ConnectOptions): Observable<EngineSession> {
  return new Observable<EngineSession>((subscriber) => {
    const scheduler = options.scheduler ?? asyncScheduler;
    const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const messages = new Subject<EngineMessage>();
    const decodeErrors = new Subject<DecodeError | LineTooLong>();
    const decoder = new EngineDecoder(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes });
    let open: Session | undefined;
    let ended = false;
    const send = (message: ClientMessage) => {
      if (!ended) transport.send(encodeFrame(encodeClientMessage(message)));
    };
    // messages$ completes whatever ends the connection: the failure itself is reported
    // once, here on connect(), and flows still waiting turn the completion into
    // EngineDisconnected.
    const end = (error: Error) => {
      if (ended) return;
      ended = true;
      messages.complete();
      decodeErrors.complete();
      open?.dispose();
      subscriber.error(error);
    };

    let phase: 'hello' | 'ready' | 'open' = 'hello';
    let hello: Extract<EngineMessage, { kind: 'HELLOTS' }> | undefined;
    const deadline = scheduler.schedule(() => end(new EngineTimeout('the handshake', timeouts.handshakeMs)), timeouts.handshakeMs);
    const handshake = messages.subscribe({
      next: (message) => {
        if (message.kind === 'EVENT' && message.name === 'getuserdata') {
          send({ kind: 'USERDATA', ...(options.userData ?? { gender: 1, age: 4 }) });
        } else if (phase === 'hello' && message.kind === 'HELLOTS') {
          phase = 'ready';
          const key = message.key !== undefined && options.productKey !== undefined ? readyKey(message.key, options.productKey) : undefined;
          send(key === undefined ? { kind: 'READY' } : { kind: 'READY', key });
          hello = message;
        } else if (phase === 'ready' && message.kind === 'NOTREADY') {
          end(new HandshakeRefused());
        } else if (phase === 'ready' && message.kind === 'AUTH') {
          phase = 'open';
          deadline.unsubscribe();
          if ((hello?.versionCode ?? 0) >= STOP_NOTIFICATIONS_VERSION) {
            send({ kind: 'SETOPTIONS', options: { use_stop_notifications: '1' } });
          }
          open = new Session(
            messages.asObservable(),
            decodeErrors.asObservable(),
            {
              ...(hello?.version === undefined ? {} : { version: hello.version }),
              ...(hello?.versionCode === undefined ? {} : { versionCode: hello.versionCode }),
              httpPort: hello?.httpPort ?? 6878,
              authLevel: message.level,
              host: endpoint.host,
            },
            send,
            timeouts,
            scheduler,
          );
          subscriber.next(open);
        }
      },
      error: () => undefined,
    });

    const data = transport.data$.subscribe({
      next: (chunk) => {
        for (const frame of decoder.push(chunk)) {
          if (frame._tag === 'Left') decodeErrors.next(frame.left);
          else messages.next(frame.right);
        }
      },
      error: (error: unknown) => end(error instanceof EngineDisconnected ? error : new EngineDisconnected('the connection to the engine failed', error)),
      complete: () => end(new EngineDisconnected()),
    });

    const version = options.helloVersion === undefined ? 4 : options.helloVersion;
    send(version === null ? { kind: 'HELLOBG' } : { kind: 'HELLOBG', version });

    return () => {
      deadline.unsubscribe();
      handshake.unsubscribe();
      if (!ended) {
        if (phase === 'open') send({ kind: 'SHUTDOWN' });
        ended = true;
        messages.complete();
        decodeErrors.complete();
        open?.dispose();
      }
      data.unsubscribe();
      transport.close();
    };
  });
}

/** Whether a failure may heal by reconnecting. */
function isConnectionLoss(error: unknown): boolean {
  return error instanceof EngineDisconnected || error instanceof ConnectionFailed || error instanceof EngineTimeout;
}

/**
 * Makes a `connect` bound to a default transport (Node's entry point binds TCP).
 */
export function createConnect(defaultTransport?: TransportFactory): (options?: ConnectOptions) => Observable<EngineSession> {
  return (options = {}) => {
    const endpoint: Endpoint = { host: options.host ?? '127.0.0.1', port: options.port ?? 62062 };
    const transport = options.transport ?? defaultTransport;
    const once = defer(() => {
      if (transport === undefined) {
        throw new TypeError('no transport: pass options.transport, or import connect from a runtime entry point (Node: @ace-rx/client)');
      }
      return transport(endpoint).pipe(switchMap((t) => session(t, endpoint, options)));
    });
    if (!options.retry) return once;
    const retryOptions: RetryOptions = options.retry === true ? {} : options.retry;
    const scheduler = options.scheduler ?? asyncScheduler;
    const first = retryOptions.delayMs ?? 500;
    const max = retryOptions.maxDelayMs ?? 10_000;
    return once.pipe(
      retry({
        ...(retryOptions.count === undefined ? {} : { count: retryOptions.count }),
        resetOnSuccess: true,
        delay: (error: unknown, attempt) => {
          if (!isConnectionLoss(error)) throw error;
          return timer(Math.min(max, first * 2 ** (attempt - 1)), scheduler);
        },
      }),
    );
  };
}

/**
 * Connects to an engine: a cold Observable that, on subscribe, opens the transport
 * (default `127.0.0.1:62062`), sends `HELLOBG version=4`, answers `HELLOTS` with `READY`
 * (and the key when the engine sent one and `productKey` is set), answers `EVENT
 * getuserdata`, sends `SETOPTIONS use_stop_notifications=1` to engines that take it,
 * and emits the {@link EngineSession} once `AUTH` arrives. `NOTREADY` errors with
 * `HandshakeRefused`, silence with `EngineTimeout`, a closed connection with
 * `EngineDisconnected`. Unsubscribing sends `SHUTDOWN` and closes the connection.
 *
 * One subscription is one connection. To share a session among subscribers,
 * `share()` it (with `resetOnRefCountZero: () => timer(ms)` to keep it warm briefly).
 *
 * This is the runtime-neutral `connect`, with no default transport; in Node,
 * `import { connect } from '@ace-rx/client'` gets one bound to TCP.
 *
 * @example
 * ```ts
 * connect({ productKey }).pipe(
 *   switchMap((session) => session.start({ type: 'PID', playerId: 'series' })),
 * ).subscribe((event) => console.log(event));
 * ```
 */
export const connect = createConnect();
