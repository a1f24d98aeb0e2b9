import {
  DEFAULT_PRODUCT_KEY,
  encodeClientMessage,
  encodeFrame,
  EngineDecoder,
  readyKey,
  type ClientMessage,
  type DecodeError,
  type EngineMessage,
  type LineTooLong,
} from '@ace-rx/codec';
import { asyncScheduler, Observable, retry, type SchedulerLike, Subject, type Subscription, throwError, timeout, timer } from 'rxjs';
import { ConnectionFailed, EngineDisconnected, EngineTimeout, HandshakeFailed, HandshakeRefused, SessionClosed } from './errors.js';
import { DEFAULT_TIMEOUTS, Session, type EngineSession, type Timeouts } from './session.js';
import { SyncQueue } from './sync.js';
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
  /**
   * The product key READY's key is made from when HELLOTS has one (default the codec's
   * `DEFAULT_PRODUCT_KEY`, the public key real engines and the emulator accept); `''`
   * sends a bare READY.
   */
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
  /**
   * Rewrite the URLs the engine writes (START, PLAY, ads) onto the host the client reached
   * it at and its HTTP port, as `rewritePlaybackUrl` says (default `true`). `false`
   * hands them out as the engine wrote them: for an engine whose URLs name a host the
   * player reaches and this client does not (a player on the engine's own machine, or a
   * proxy in front of the engine's HTTP port that the engine was told about).
   */
  readonly rewriteUrls?: boolean;
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
    let ended: SessionClosed | undefined;
    let reportClosed: (why: SessionClosed) => void = () => undefined;
    const closed = new Promise<SessionClosed>((resolve) => (reportClosed = resolve));
    const writeLine = (line: string) => {
      if (ended === undefined) transport.send(encodeFrame(line));
    };
    // The handshake's own messages are the client's: they are valid by construction.
    const send = (message: ClientMessage) => writeLine(encodeClientMessage(message));
    const endedBefore = (what: string): Error =>
      ended?.reason === 'closed' ? ended : new EngineDisconnected(`the connection ended before ${what}`, ended?.cause);
    const queue = new SyncQueue(writeLine, scheduler, (error) => decodeErrors.next(error), timeouts.syncGraceMs);

    // Whatever ends the connection: messages$ completes, the queue and the flows still
    // waiting fail (EngineDisconnected when lost, SessionClosed when closed here), later
    // flows fail with SessionClosed.
    const finish = (why: SessionClosed) => {
      ended = why;
      queue.end(() => endedBefore('the answer'));
      messages.complete();
      decodeErrors.complete();
      reportClosed(why);
    };
    // Lost: the failure itself is reported once, here on connect().
    const end = (error: Error) => {
      if (ended !== undefined) return;
      finish(new SessionClosed('lost', error));
      subscriber.error(error);
    };
    let data: Subscription | undefined;
    let handshake: Subscription | undefined;
    // Closed by this side: SHUTDOWN, then the transport is closed.
    const shutdown = () => {
      deadline.unsubscribe();
      unreadable.unsubscribe();
      handshake?.unsubscribe();
      if (ended === undefined) {
        if (phase === 'open') send({ kind: 'SHUTDOWN' });
        finish(new SessionClosed('closed'));
      }
      data?.unsubscribe();
      transport.close();
    };
    const close = async (): Promise<void> => {
      const wasOpen = ended === undefined;
      shutdown();
      if (wasOpen) subscriber.complete();
      await transport.closed;
    };

    let phase: 'hello' | 'ready' | 'open' = 'hello';
    let hello: Extract<EngineMessage, { kind: 'HELLOTS' }> | undefined;
    const deadline = scheduler.schedule(() => end(new EngineTimeout('the handshake', timeouts.handshakeMs)), timeouts.handshakeMs);
    // A handshake line that does not decode cannot be waited out.
    const unreadable = decodeErrors.subscribe((error) => {
      if (phase !== 'open' && error._tag === 'DecodeError' && /^(HELLOTS|AUTH|NOTREADY)(?: |$)/.test(error.line)) {
        end(new HandshakeFailed(error.line, error));
      }
    });
    handshake = messages.subscribe({
      next: (message) => {
        if (message.kind === 'EVENT' && message.name === 'getuserdata') {
          send({ kind: 'USERDATA', ...(options.userData ?? { gender: 1, age: 4 }) });
        } else if (phase === 'hello' && message.kind === 'HELLOTS') {
          phase = 'ready';
          const productKey = options.productKey ?? DEFAULT_PRODUCT_KEY;
          const key = message.key !== undefined && productKey !== '' ? readyKey(message.key, productKey) : undefined;
          send(key === undefined ? { kind: 'READY' } : { kind: 'READY', key });
          hello = message;
        } else if (phase === 'ready' && message.kind === 'NOTREADY') {
          end(new HandshakeRefused());
        } else if (phase === 'ready' && message.kind === 'AUTH') {
          phase = 'open';
          deadline.unsubscribe();
          unreadable.unsubscribe();
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
            { writeLine, queue, ended: () => ended, endedBefore, closed, close },
            timeouts,
            scheduler,
            options.rewriteUrls ?? true,
          );
          subscriber.next(open);
        }
      },
      error: () => undefined,
    });

    data = transport.data$.subscribe({
      next: (chunk) => {
        for (const frame of decoder.push(chunk)) {
          if (frame._tag === 'Left') decodeErrors.next(frame.left);
          else {
            const message = frame.right;
            if (message.kind === 'SYNC') queue.answer(message.payload);
            messages.next(message);
          }
        }
      },
      error: (error: unknown) => end(error instanceof EngineDisconnected ? error : new EngineDisconnected('the connection to the engine failed', error)),
      complete: () => end(new EngineDisconnected()),
    });

    const version = options.helloVersion === undefined ? 4 : options.helloVersion;
    send(version === null ? { kind: 'HELLOBG' } : { kind: 'HELLOBG', version });

    return shutdown;
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
    const scheduler = options.scheduler ?? asyncScheduler;
    const connectMs = options.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs;
    const once = new Observable<EngineSession>((subscriber) => {
      if (transport === undefined) {
        subscriber.error(new TypeError('no transport: pass options.transport, or import connect from a runtime entry point (Node: @ace-rx/client)'));
        return;
      }
      // Not switchMap: the session completing (close()) must complete connect() too,
      // though the transport's Observable never completes.
      let inner: Subscription | undefined;
      const opening = transport(endpoint)
        .pipe(
          timeout({
            first: connectMs,
            scheduler,
            with: () => throwError(() => new ConnectionFailed(endpoint.host, endpoint.port, new EngineTimeout('the connection', connectMs))),
          }),
        )
        .subscribe({
          next: (opened) => {
            inner?.unsubscribe();
            inner = session(opened, endpoint, options).subscribe({
              next: (s) => subscriber.next(s),
              error: (error: unknown) => subscriber.error(error),
              complete: () => subscriber.complete(),
            });
          },
          error: (error: unknown) => subscriber.error(error),
        });
      return () => {
        inner?.unsubscribe();
        opening.unsubscribe();
      };
    });
    if (!options.retry) return once;
    const retryOptions: RetryOptions = options.retry === true ? {} : options.retry;
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

/** Options of {@link open}: those of {@link connect} but `retry` (one promise, one connection). */
export interface OpenOptions extends Omit<ConnectOptions, 'retry'> {
  /**
   * Called with the session as soon as it exists, before the promise resolves: the
   * place to subscribe to `messages$` without missing what arrives with AUTH.
   */
  readonly onSession?: (session: EngineSession) => void;
}

/** Makes an `open` bound to a default transport (Node's entry point binds TCP). */
export function createOpen(defaultTransport?: TransportFactory): (options?: OpenOptions) => Promise<EngineSession> {
  const connectWith = createConnect(defaultTransport);
  return (options = {}) =>
    new Promise<EngineSession>((resolve, reject) => {
      const { onSession, ...rest } = options;
      let opened = false;
      connectWith({ ...rest, retry: false }).subscribe({
        next: (s) => {
          opened = true;
          onSession?.(s);
          resolve(s);
        },
        // After the session opened, its end is told by session.closed and the flows.
        error: (error: unknown) => {
          if (!opened) reject(error);
        },
      });
    });
}

/**
 * Connects to an engine for async/await code: resolves with the {@link EngineSession}
 * once AUTH arrives, rejects as `connect()` errors (`ConnectionFailed`,
 * `HandshakeRefused`, `HandshakeFailed`, `EngineTimeout`, `EngineDisconnected`). The
 * connection stays open until `session.close()` (or the end of an `await using` block).
 *
 * This is the runtime-neutral `open`, with no default transport; in Node,
 * `import { open } from '@ace-rx/client'` gets one bound to TCP.
 *
 * @example
 * ```ts
 * await using session = await open({ transport });
 * console.log(await firstValueFrom(session.getPid(infohash)));
 * ```
 */
export const open = createOpen();

/**
 * Connects to an engine: a cold Observable that, on subscribe, opens the transport
 * (default `127.0.0.1:62062`), sends `HELLOBG version=4`, answers `HELLOTS` with `READY`
 * (and the key when the engine sent one and `productKey` is set), answers `EVENT
 * getuserdata`, sends `SETOPTIONS use_stop_notifications=1` to engines that take it,
 * and emits the {@link EngineSession} once `AUTH` arrives. With no options it reaches
 * a local engine on 62062 with the codec's `DEFAULT_PRODUCT_KEY`. A connection not
 * made within `timeouts.connectMs` errors with `ConnectionFailed`, `NOTREADY` with
 * `HandshakeRefused`, an unreadable HELLOTS or AUTH with `HandshakeFailed`, silence
 * with `EngineTimeout`, a closed connection with `EngineDisconnected`. Unsubscribing
 * sends `SHUTDOWN` and closes the connection; `session.close()` does the same and
 * completes this Observable.
 *
 * Unsubscribing is closing: `await firstValueFrom(connect())` takes the first value
 * and unsubscribes, so the session it returns is already closed (its flows fail with
 * `SessionClosed`). In async/await code use {@link open}.
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
