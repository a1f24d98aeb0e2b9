import type { Observable } from 'rxjs';

/** Where the engine's TCP API listens. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * An open byte connection to an engine. `data$` is hot: it emits chunks as they
 * arrive, completes when the engine closes the connection and errors on a transport
 * error.
 */
export interface Transport {
  readonly data$: Observable<Uint8Array>;
  send(bytes: Uint8Array): void;
  /** Ends the connection (gracefully when the transport can). */
  close(): void;
  /** Settles once the connection is fully closed, if the transport can tell (Node's TCP one can). */
  readonly closed?: Promise<void>;
}

/**
 * Opens transports: a cold Observable that connects on subscribe, emits the
 * {@link Transport} once open (or errors with `ConnectionFailed`) and closes it on
 * unsubscribe. Node's TCP one is `tcpTransport` from `@ace-rx/client/node`; other
 * runtimes plug in their own.
 */
export type TransportFactory = (endpoint: Endpoint) => Observable<Transport>;
