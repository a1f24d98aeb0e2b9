/**
 * `@ace-rx/client`: the Ace Stream TS Engine connection as RxJS observables of typed
 * messages. This entry point is runtime-neutral (no Node built-in); give `connect` a
 * `transport`, or use Node's entry point (`@ace-rx/client` under Node), which binds TCP.
 *
 * @packageDocumentation
 */
export { connect, createConnect, createOpen, open, STOP_NOTIFICATIONS_VERSION, type ConnectOptions, type OpenOptions, type RetryOptions } from './connect.js';
// From the codec: the public product key connect() and open() default to, and the
// error of a message that cannot be encoded (flows fail with it, send throws it).
export { DEFAULT_PRODUCT_KEY, EncodeError } from '@ace-rx/codec';
export { AceError, ConnectionFailed, ContentError, EngineDisconnected, EngineTimeout, HandshakeFailed, HandshakeRefused, LoadFailed, SessionClosed } from './errors.js';
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
  loadSource,
  rewritePlaybackUrl,
  startSource,
  type EngineInfo,
  type EngineSession,
  type LoadTarget,
  type StartEvent,
  type StartTarget,
  type Timeouts,
} from './session.js';
export type { Endpoint, Transport, TransportFactory } from './transport.js';
export {
  createOpenSession,
  createPlay,
  DEFAULT_PROBE_MS,
  openSession,
  play,
  type BackendOptions,
  type EngineApi,
  type PlayOptions,
} from './backend.js';
export { playOn, withSession, type PlaybackSession, type PlayEvent, type PlayOnOptions } from './play.js';
export {
  connectHttp,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpConnectOptions,
  type HttpEngineSession,
  type HttpPlayback,
  type HttpTimeouts,
} from './http/session.js';
export type { FetchLike } from './http/request.js';
export type { HttpOutput } from '@ace-rx/codec/http';
