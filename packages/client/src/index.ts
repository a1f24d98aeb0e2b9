/**
 * `@ace-rx/client`: the Ace Stream TS Engine connection as RxJS observables of typed
 * messages. This entry point is runtime-neutral (no Node built-in); give `connect` a
 * `transport`, or use Node's entry point (`@ace-rx/client` under Node), which binds TCP.
 *
 * @packageDocumentation
 */
export { connect, createConnect, STOP_NOTIFICATIONS_VERSION, type ConnectOptions, type RetryOptions } from './connect.js';
export { AceError, ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, HandshakeRefused, LoadFailed } from './errors.js';
export {
  awaitSync,
  exchange,
  livePosition,
  ofKind,
  prebufferProgress,
  statusOf,
  toProgress,
  type PrebufferProgress,
  type SyncChannel,
  type SyncOptions,
} from './operators.js';
export {
  DEFAULT_TIMEOUTS,
  rewritePlaybackUrl,
  startSource,
  type EngineInfo,
  type EngineSession,
  type StartEvent,
  type StartTarget,
  type Timeouts,
} from './session.js';
export type { Endpoint, Transport, TransportFactory } from './transport.js';
