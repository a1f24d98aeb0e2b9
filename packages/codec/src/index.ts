/**
 * `@ace-rx/codec`: the Ace Stream TS Engine client API as typed messages. Pure and
 * runtime-neutral: no I/O and no Node built-in, so it runs in Node, Bun and browsers.
 *
 * @packageDocumentation
 */
export { decodeClientMessage, encodeClientMessage, tryEncodeClientMessage, CLIENT_COMMANDS, UserDataCodec } from './client.js';
export { decodeEngineMessage, encodeEngineMessage, tryEncodeEngineMessage, decodeLoadResponse, ENGINE_COMMANDS } from './engine.js';
export { decodeError, EncodeError, ParseFailure, type DecodeError } from './errors.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  encodeFrame,
  LineDecoder,
  LineFramer,
  type Frame,
  type LineDecoderOptions,
  type LineReader,
  type LineTooLong,
} from './framing.js';
export { DEFAULT_PRODUCT_KEY, readyKey } from './handshake.js';
export { EngineDecoder, type EngineFrame } from './stream.js';
export { isLoadFailure, LoadFileCodec, LoadResponseCodec, MAX_EXTRA_DEPTH, type LoadFile, type LoadResponse, type LoadResponseJson, type LoadStatus } from './loadresp.js';
export * from './messages.js';
export { isEmptyParams, makeParams, ParamsSchema, type FieldSpec, type FieldType, type Params } from './params.js';
export { EventParamsCodecs } from './schemas.js';
export {
  COMMON_STATUS_FIELDS,
  formatStatusPart,
  isKnownStatusState,
  parseStatusPart,
  STATUS_LAYOUTS,
  StatusPartCodec,
  type BufStatus,
  type CheckStatus,
  type CommonStatusFields,
  type DlStatus,
  type ErrStatus,
  type IdleStatus,
  type KnownStatusState,
  type LoadingStatus,
  type PrebufStatus,
  type SeekPrebufStatus,
  type StartingStatus,
  type StatusExtra,
  type StatusPart,
  type UnknownStatus,
  type WaitStatus,
} from './status.js';
export { percentDecode, percentEncode } from './text.js';
