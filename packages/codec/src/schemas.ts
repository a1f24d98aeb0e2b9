// Typed `key=value` params, one table per message; the decoder, the encoder and the
// io-ts codecs all read these tables, so a key is spelt in exactly one place.
import type { CanSave, DownloadStopped, GetCid, HelloBg, HelloTs, KnownEventName, KnownEventParams, LivePos, Ready, Save, ShowUrl, Start } from './messages.js';
import { ParamsSchema } from './params.js';

type Typed<M> = Omit<M, 'kind' | 'extra' | 'form'>;

/** HELLOTS params. */
export const helloTsSchema = new ParamsSchema<Typed<HelloTs>>('HELLOTS', [
  { name: 'version', key: 'version', type: 'string' },
  { name: 'versionCode', key: 'version_code', type: 'int' },
  { name: 'key', key: 'key', type: 'string' },
  { name: 'httpPort', key: 'http_port', type: 'int' },
  { name: 'bmode', key: 'bmode', type: 'string' },
]);

/** HELLOBG params. */
export const helloBgSchema = new ParamsSchema<Typed<HelloBg>>('HELLOBG', [{ name: 'version', key: 'version', type: 'int' }]);

/** READY params. */
export const readySchema = new ParamsSchema<Typed<Ready>>('READY', [{ name: 'key', key: 'key', type: 'string' }]);

/** GETCID params (`affilate=` read as `affiliate=`). */
export const getCidSchema = new ParamsSchema<Typed<GetCid>>('GETCID', [
  { name: 'checksum', key: 'checksum', type: 'string' },
  { name: 'infohash', key: 'infohash', type: 'string' },
  { name: 'developerId', key: 'developer', type: 'int' },
  { name: 'affiliateId', key: 'affiliate', type: 'int', aliases: ['affilate'] },
  { name: 'zoneId', key: 'zone', type: 'int' },
]);

/** SAVE params. */
export const saveSchema = new ParamsSchema<Typed<Save>>('SAVE', [
  { name: 'infohash', key: 'infohash', type: 'string', required: true },
  { name: 'index', key: 'index', type: 'int', required: true },
  { name: 'path', key: 'path', type: 'string', required: true },
]);

const startFields = [
  { name: 'infohash', key: 'infohash', type: 'string' },
  { name: 'fileIndex', key: 'file_index', type: 'int' },
  { name: 'ad', key: 'ad', type: 'flag' },
  { name: 'interruptable', key: 'interruptable', type: 'flag' },
  { name: 'stream', key: 'stream', type: 'flag' },
  { name: 'pos', key: 'pos', type: 'number' },
  { name: 'bitrate', key: 'bitrate', type: 'number' },
  { name: 'length', key: 'length', type: 'number' },
  { name: 'statUrl', key: 'stat_url', type: 'string' },
  { name: 'commandUrl', key: 'command_url', type: 'string' },
  { name: 'sid', key: 'sid', type: 'string' },
] as const;

/** Engine START params after a positional URL. */
export const startPositionalSchema = new ParamsSchema<Omit<Typed<Start>, 'url'>>('START', startFields);

/** Engine START params of the keyed form: `url=` first, required. */
export const startKeyedSchema = new ParamsSchema<Typed<Start>>('START', [
  { name: 'url', key: 'url', type: 'string', required: true },
  ...startFields,
]);

/** Typed params of the EVENTs the spec names. */
export const eventSchemas: { readonly [N in KnownEventName]: ParamsSchema<KnownEventParams[N]> } = {
  livepos: new ParamsSchema<LivePos>(
    'EVENT livepos',
    [
      { name: 'last', key: 'last', type: 'int', required: true },
      { name: 'liveFirst', key: 'live_first', type: 'int', required: true },
      { name: 'pos', key: 'pos', type: 'int', required: true },
      { name: 'firstTs', key: 'first_ts', type: 'int', required: true },
      { name: 'lastTs', key: 'last_ts', type: 'int', required: true },
      { name: 'isLive', key: 'is_live', type: 'flag', required: true },
      { name: 'liveLast', key: 'live_last', type: 'int', required: true },
      { name: 'bufferPieces', key: 'buffer_pieces', type: 'int', required: true },
    ],
    // livepos is most of the EVENTs: its objects built as one literal (see readBytesInOrder).
    (v) => ({ last: v[0]!, liveFirst: v[1]!, pos: v[2]!, firstTs: v[3]!, lastTs: v[4]!, isLive: v[5] === 1, liveLast: v[6]!, bufferPieces: v[7]! }),
  ),
  cansave: new ParamsSchema<CanSave>('EVENT cansave', [
    { name: 'infohash', key: 'infohash', type: 'string', required: true },
    { name: 'index', key: 'index', type: 'int', required: true },
    { name: 'format', key: 'format', type: 'string', required: true },
  ]),
  showurl: new ParamsSchema<ShowUrl>('EVENT showurl', [
    { name: 'type', key: 'type', type: 'string', required: true },
    { name: 'url', key: 'url', type: 'string', required: true },
    { name: 'width', key: 'width', type: 'int' },
    { name: 'height', key: 'height', type: 'int' },
  ]),
  download_stopped: new ParamsSchema<DownloadStopped>('EVENT download_stopped', [
    { name: 'reason', key: 'reason', type: 'string', required: true },
    { name: 'option', key: 'option', type: 'string' },
  ]),
  getuserdata: new ParamsSchema<KnownEventParams['getuserdata']>('EVENT getuserdata', []),
};

/** io-ts codecs from an EVENT's {@link Params} to its typed params, one per named EVENT. */
export const EventParamsCodecs = {
  livepos: eventSchemas.livepos.codec(),
  cansave: eventSchemas.cansave.codec(),
  showurl: eventSchemas.showurl.codec(),
  download_stopped: eventSchemas.download_stopped.codec(),
  getuserdata: eventSchemas.getuserdata.codec(),
} as const;
