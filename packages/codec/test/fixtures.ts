// Every example line of ../shared/spec (engine-api.md and the seed), with the object
// it must decode to, written by hand: the oracle is not the encoder under test.
import { makeParams, type ClientMessage, type EngineMessage } from '@ace-rx/codec';

/** A line, what it decodes to, and the canonical line the encoder writes (when it differs). */
export interface Fixture<M> {
  readonly line: string;
  readonly message: M;
  readonly canonical?: string;
}

const common = (t: number, i: number, d: number, hd: number, u: number, p: number, hp: number, dl: number, hdl: number, ul: number) => ({
  totalProgress: t,
  immediateProgress: i,
  speedDown: d,
  httpSpeedDown: hd,
  speedUp: u,
  peers: p,
  httpPeers: hp,
  downloaded: dl,
  httpDownloaded: hdl,
  uploaded: ul,
});

const prebuf = (progress: number, time: number, c: ReturnType<typeof common>): EngineMessage => ({
  kind: 'STATUS',
  main: { state: 'prebuf', progress, time, ...c },
});
const dl = (c: ReturnType<typeof common>): EngineMessage => ({ kind: 'STATUS', main: { state: 'dl', ...c } });
const buf = (progress: number, time: number, c: ReturnType<typeof common>): EngineMessage => ({
  kind: 'STATUS',
  main: { state: 'buf', progress, time, ...c },
});

const PREY = 'Prey 2_ E3 2011 Official Trailer_2.mp4';
const IH = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';

export const engineFixtures: readonly Fixture<EngineMessage>[] = [
  // Handshake
  { line: 'HELLOTS', message: { kind: 'HELLOTS' } },
  {
    line: 'HELLOTS version=3.1.16 version_code=3011600 key=d8c5a1c2e7 http_port=6878',
    message: { kind: 'HELLOTS', version: '3.1.16', versionCode: 3011600, key: 'd8c5a1c2e7', httpPort: 6878 },
  },
  {
    line: 'HELLOTS version=3.1.16 version_code=3011600 key=d8c5a1c2e7 http_port=6878 bmode=0 future=x%20y',
    message: {
      kind: 'HELLOTS',
      version: '3.1.16',
      versionCode: 3011600,
      key: 'd8c5a1c2e7',
      httpPort: 6878,
      bmode: '0',
      extra: makeParams([['future', 'x y']]),
    },
  },
  {
    // Params are read by key: any order decodes, the encoder writes the table order.
    line: 'HELLOTS http_port=6878 key=k version=3.2.1',
    message: { kind: 'HELLOTS', httpPort: 6878, key: 'k', version: '3.2.1' },
    canonical: 'HELLOTS version=3.2.1 key=k http_port=6878',
  },
  { line: 'AUTH 1', message: { kind: 'AUTH', level: 1 } },
  { line: 'AUTH 0', message: { kind: 'AUTH', level: 0 } },
  { line: 'NOTREADY', message: { kind: 'NOTREADY' } },
  { line: 'STATE 1', message: { kind: 'STATE', state: 1 } },
  { line: 'STATE 6', message: { kind: 'STATE', state: 6 } },
  // Loading
  {
    line: 'LOADRESP 467763 {"status": 1, "files": [["Prey%202_%20E3%202011%20Official%20Trailer_2.mp4", 0]], "infohash": "..."}',
    message: { kind: 'LOADRESP', requestId: 467763, response: { status: 1, files: [{ name: PREY, index: 0 }], infohash: '...' } },
    canonical: 'LOADRESP 467763 {"status":1,"infohash":"...","files":[["Prey%202_%20E3%202011%20Official%20Trailer_2.mp4",0]]}',
  },
  {
    line: 'LOADRESP 1 {"status": 2, "infohash": "abcd1234", "files": [["file1.mp4", 0], ["file2.avi", 1], ["file3.mkv", 5]]}',
    message: {
      kind: 'LOADRESP',
      requestId: 1,
      response: {
        status: 2,
        infohash: 'abcd1234',
        files: [
          { name: 'file1.mp4', index: 0 },
          { name: 'file2.avi', index: 1 },
          { name: 'file3.mkv', index: 5 },
        ],
      },
    },
    canonical: 'LOADRESP 1 {"status":2,"infohash":"abcd1234","files":[["file1.mp4",0],["file2.avi",1],["file3.mkv",5]]}',
  },
  {
    line: 'LOADRESP 9 {"status": -1, "message": "Cannot load transport file"}',
    message: { kind: 'LOADRESP', requestId: 9, response: { status: -1, message: 'Cannot load transport file', files: [] } },
    canonical: 'LOADRESP 9 {"status":-1,"message":"Cannot load transport file","files":[]}',
  },
  { line: '##<player id>', message: { kind: 'SYNC', payload: '<player id>' } },
  { line: '##12345', message: { kind: 'SYNC', payload: '12345' } },
  { line: '##', message: { kind: 'SYNC', payload: '' } },
  // The seed's STATUS lines
  { line: 'STATUS main:prebuf;0;2147483447;0;0;0;0;0;0;0;0;0;0', message: prebuf(0, 2147483447, common(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) },
  { line: 'STATUS main:prebuf;0;2132;0;0;29;0;0;8;0;131072;0;0', message: prebuf(0, 2132, common(0, 0, 29, 0, 0, 8, 0, 131072, 0, 0)) },
  { line: 'STATUS main:prebuf;8;942;0;0;60;0;0;9;0;393216;0;0', message: prebuf(8, 942, common(0, 0, 60, 0, 0, 9, 0, 393216, 0, 0)) },
  { line: 'STATUS main:prebuf;50;591;0;0;87;0;0;8;0;835584;0;0', message: prebuf(50, 591, common(0, 0, 87, 0, 0, 8, 0, 835584, 0, 0)) },
  { line: 'STATUS main:prebuf;75;497;0;0;98;0;0;8;0;1146880;0;0', message: prebuf(75, 497, common(0, 0, 98, 0, 0, 8, 0, 1146880, 0, 0)) },
  { line: 'STATUS main:prebuf;91;448;0;0;105;0;0;8;0;1441792;0;0', message: prebuf(91, 448, common(0, 0, 105, 0, 0, 8, 0, 1441792, 0, 0)) },
  { line: 'STATUS main:dl;0;0;110;0;0;8;0;1622016;0;0', message: dl(common(0, 0, 110, 0, 0, 8, 0, 1622016, 0, 0)) },
  { line: 'STATUS main:dl;0;0;128;0;0;8;0;2965504;0;0', message: dl(common(0, 0, 128, 0, 0, 8, 0, 2965504, 0, 0)) },
  { line: 'STATUS main:dl;0;0;130;0;0;8;0;3129344;0;0', message: dl(common(0, 0, 130, 0, 0, 8, 0, 3129344, 0, 0)) },
  { line: 'STATUS main:buf;0;315;0;0;130;0;0;8;0;3260416;0;0', message: buf(0, 315, common(0, 0, 130, 0, 0, 8, 0, 3260416, 0, 0)) },
  { line: 'STATUS main:buf;90;299;0;0;133;0;0;8;0;3866624;0;0', message: buf(90, 299, common(0, 0, 133, 0, 0, 8, 0, 3866624, 0, 0)) },
  { line: 'STATUS main:buf;90;278;0;0;138;0;0;8;0;4390912;0;0', message: buf(90, 278, common(0, 0, 138, 0, 0, 8, 0, 4390912, 0, 0)) },
  { line: 'STATUS main:dl;0;0;141;0;0;8;0;4898816;0;0', message: dl(common(0, 0, 141, 0, 0, 8, 0, 4898816, 0, 0)) },
  { line: 'STATUS main:dl;0;0;146;0;0;7;0;8388608;0;0', message: dl(common(0, 0, 146, 0, 0, 7, 0, 8388608, 0, 0)) },
  { line: 'STATUS main:dl;0;0;145;0;0;7;0;9404416;0;0', message: dl(common(0, 0, 145, 0, 0, 7, 0, 9404416, 0, 0)) },
  { line: 'STATUS main:dl;0;0;146;0;0;7;0;9568256;0;0', message: dl(common(0, 0, 146, 0, 0, 7, 0, 9568256, 0, 0)) },
  // Abbreviated parts with an ad, as in the seed
  {
    line: 'STATUS main:prebuf;45;30|ad:buf;69',
    message: { kind: 'STATUS', main: { state: 'prebuf', progress: 45, time: 30 }, ad: { state: 'buf', progress: 69 } },
  },
  { line: 'STATUS main:dl|ad:dl', message: { kind: 'STATUS', main: { state: 'dl' }, ad: { state: 'dl' } } },
  // Every state of the table
  { line: 'STATUS main:idle', message: { kind: 'STATUS', main: { state: 'idle' } } },
  {
    line: 'STATUS main:err;2;Failed to load: no peers; retry later',
    message: { kind: 'STATUS', main: { state: 'err', errorId: 2, errorMessage: 'Failed to load: no peers; retry later' } },
  },
  { line: 'STATUS main:check;37', message: { kind: 'STATUS', main: { state: 'check', progress: 37 } } },
  {
    line: 'STATUS main:wait;12;0;0;3;0;0;2;0;65536;0;0',
    message: { kind: 'STATUS', main: { state: 'wait', time: 12, ...common(0, 0, 3, 0, 0, 2, 0, 65536, 0, 0) } },
  },
  {
    line: 'STATUS main:seekprebuf;40;0;0;55;0;0;6;0;524288;0;0',
    message: { kind: 'STATUS', main: { state: 'seekprebuf', progress: 40, ...common(0, 0, 55, 0, 0, 6, 0, 524288, 0, 0) } },
  },
  { line: 'STATUS main:starting', message: { kind: 'STATUS', main: { state: 'starting' } } },
  { line: 'STATUS main:loading', message: { kind: 'STATUS', main: { state: 'loading' } } },
  {
    // Engines may append fields: kept.
    line: 'STATUS main:dl;0;0;110;0;0;8;0;1622016;0;0;77;x',
    message: { kind: 'STATUS', main: { state: 'dl', ...common(0, 0, 110, 0, 0, 8, 0, 1622016, 0, 0), extra: ['77', 'x'] } },
  },
  {
    // Appended fields that look like the ones before them are kept too.
    line: 'STATUS main:dl;0;0;110;0;0;8;0;1622016;0;0;77',
    message: { kind: 'STATUS', main: { state: 'dl', ...common(0, 0, 110, 0, 0, 8, 0, 1622016, 0, 0), extra: ['77'] } },
  },
  { line: 'STATUS main:check;37;5', message: { kind: 'STATUS', main: { state: 'check', progress: 37, extra: ['5'] } } },
  {
    line: 'STATUS main:buf;20;3|ad:check;37;5',
    message: { kind: 'STATUS', main: { state: 'buf', progress: 20, time: 3 }, ad: { state: 'check', progress: 37, extra: ['5'] } },
  },
  {
    line: 'STATUS main:nextgen;1;2',
    message: { kind: 'STATUS', main: { state: 'unknown', name: 'nextgen', fields: ['1', '2'] } },
  },
  // Playback
  { line: 'PLAY http://127.0.0.1:6878/...', message: { kind: 'PLAY', url: 'http://127.0.0.1:6878/...' } },
  { line: 'PLAYAD http://127.0.0.1:6878/ad/1', message: { kind: 'PLAYAD', url: 'http://127.0.0.1:6878/ad/1' } },
  { line: 'PLAYADI http://127.0.0.1:6878/ad/2', message: { kind: 'PLAYADI', url: 'http://127.0.0.1:6878/ad/2' } },
  {
    line: 'START http://127.0.0.1:6878/content/4c78e1cf0df23b4f5a16a106829ebed710cb52e0/0.47 stream=1',
    message: { kind: 'START', form: 'positional', url: `http://127.0.0.1:6878/content/${IH}/0.47`, stream: true },
  },
  {
    line: 'START url=http%3A%2F%2F127.0.0.1%3A6878%2Fcontent%2Fab%2F0.1 infohash=4c78e1cf0df23b4f5a16a106829ebed710cb52e0 file_index=0',
    message: { kind: 'START', form: 'keyed', url: 'http://127.0.0.1:6878/content/ab/0.1', infohash: IH, fileIndex: 0 },
  },
  {
    line: 'START url=http%3A%2F%2F127.0.0.1%3A6878%2Fad ad=1 interruptable=1 stream=0 pos=12.5 bitrate=524288 length=30 stat_url=s command_url=c sid=7 foo=bar',
    message: {
      kind: 'START',
      form: 'keyed',
      url: 'http://127.0.0.1:6878/ad',
      ad: true,
      interruptable: true,
      stream: false,
      pos: 12.5,
      bitrate: 524288,
      length: 30,
      statUrl: 's',
      commandUrl: 'c',
      sid: '7',
      extra: makeParams([['foo', 'bar']]),
    },
  },
  { line: 'PAUSE', message: { kind: 'PAUSE' } },
  { line: 'RESUME', message: { kind: 'RESUME' } },
  { line: 'STOP', message: { kind: 'STOP' } },
  { line: 'SHUTDOWN', message: { kind: 'SHUTDOWN' } },
  { line: 'INFO 1;Hello, world; again', message: { kind: 'INFO', id: 1, text: 'Hello, world; again' } },
  // EVENTs the spec names
  { line: 'EVENT getuserdata', message: { kind: 'EVENT', name: 'getuserdata', params: {} } },
  {
    line: `EVENT cansave infohash=${IH} index=0 format=mp4`,
    message: { kind: 'EVENT', name: 'cansave', params: { infohash: IH, index: 0, format: 'mp4' } },
  },
  {
    line: 'EVENT showurl type=ad url=http%3A%2F%2Fexample.com%2F%3Fa%3D1 width=640 height=480',
    message: { kind: 'EVENT', name: 'showurl', params: { type: 'ad', url: 'http://example.com/?a=1', width: 640, height: 480 } },
  },
  {
    line: 'EVENT livepos last=1525 live_first=1509 pos=1525 first_ts=1700000000 last_ts=1700000016 is_live=1 live_last=1525 buffer_pieces=15',
    message: {
      kind: 'EVENT',
      name: 'livepos',
      params: { last: 1525, liveFirst: 1509, pos: 1525, firstTs: 1700000000, lastTs: 1700000016, isLive: true, liveLast: 1525, bufferPieces: 15 },
    },
  },
  {
    // Another engine version's order: read by key.
    line: 'EVENT livepos is_live=0 pos=3 buffer_pieces=1 last=4 live_last=5 first_ts=6 last_ts=7 live_first=8',
    message: {
      kind: 'EVENT',
      name: 'livepos',
      params: { last: 4, liveFirst: 8, pos: 3, firstTs: 6, lastTs: 7, isLive: false, liveLast: 5, bufferPieces: 1 },
    },
    canonical: 'EVENT livepos last=4 live_first=8 pos=3 first_ts=6 last_ts=7 is_live=0 live_last=5 buffer_pieces=1',
  },
  {
    line: 'EVENT download_stopped reason=missing_option option=proxyServer',
    message: { kind: 'EVENT', name: 'download_stopped', params: { reason: 'missing_option', option: 'proxyServer' } },
  },
  {
    line: 'EVENT download_stopped reason=No%20seeds%20available',
    message: { kind: 'EVENT', name: 'download_stopped', params: { reason: 'No seeds available' } },
  },
  {
    line: 'EVENT something_new a=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82 __proto__=x',
    message: { kind: 'EVENT', name: 'something_new', params: makeParams([['a', 'привет'], ['__proto__', 'x']]) },
  },
  // Lines of commands the codec does not know stay whole.
  { line: 'FUTURECMD a b;c', message: { kind: 'UNKNOWN', raw: 'FUTURECMD a b;c' } },
  { line: '', message: { kind: 'UNKNOWN', raw: '' } },
];

export const clientFixtures: readonly Fixture<ClientMessage>[] = [
  { line: 'HELLOBG', message: { kind: 'HELLOBG' } },
  { line: 'HELLOBG version=3', message: { kind: 'HELLOBG', version: 3 } },
  { line: 'HELLOBG version=4', message: { kind: 'HELLOBG', version: 4 } },
  { line: 'READY', message: { kind: 'READY' } },
  { line: 'READY key=n51LvQoTlJzNGaFxseRK-0123456789abcdef', message: { kind: 'READY', key: 'n51LvQoTlJzNGaFxseRK-0123456789abcdef' } },
  { line: 'USERDATA [{"gender": 1}, {"age": 3}]', message: { kind: 'USERDATA', gender: 1, age: 3 } },
  { line: 'SETOPTIONS use_stop_notifications=1', message: { kind: 'SETOPTIONS', options: makeParams([['use_stop_notifications', '1']]) } },
  {
    line: 'LOAD TORRENT http://sometracker.com/torrent/12345 0 0 0',
    message: { kind: 'LOAD', source: { type: 'TORRENT', url: 'http://sometracker.com/torrent/12345', developerId: 0, affiliateId: 0, zoneId: 0 } },
  },
  {
    line: `LOAD INFOHASH ${IH} 1 2 3`,
    message: { kind: 'LOAD', source: { type: 'INFOHASH', infohash: IH, developerId: 1, affiliateId: 2, zoneId: 3 } },
  },
  { line: 'LOAD PID 12345', message: { kind: 'LOAD', source: { type: 'PID', playerId: '12345' } } },
  {
    line: 'LOAD RAW ZDg6YW5ub3VuY2U= 0 0 0',
    message: { kind: 'LOAD', source: { type: 'RAW', data: 'ZDg6YW5ub3VuY2U=', developerId: 0, affiliateId: 0, zoneId: 0 } },
  },
  {
    line: 'LOADASYNC 467763 TORRENT http://rutor.org/download/67346 0 0 0',
    message: {
      kind: 'LOADASYNC',
      requestId: 467763,
      source: { type: 'TORRENT', url: 'http://rutor.org/download/67346', developerId: 0, affiliateId: 0, zoneId: 0 },
    },
  },
  { line: 'LOADASYNC 5 PID 12345', message: { kind: 'LOADASYNC', requestId: 5, source: { type: 'PID', playerId: '12345' } } },
  {
    line: 'START TORRENT http://rutor.org/download/67346 0 0 0 0',
    message: {
      kind: 'START',
      source: { type: 'TORRENT', url: 'http://rutor.org/download/67346', fileIndexes: [0], developerId: 0, affiliateId: 0, zoneId: 0 },
    },
  },
  {
    line: 'START TORRENT http://t/1 0,1,2 0 0 0 7 output_format=http',
    message: {
      kind: 'START',
      source: { type: 'TORRENT', url: 'http://t/1', fileIndexes: [0, 1, 2], developerId: 0, affiliateId: 0, zoneId: 0, streamId: '7' },
      extra: makeParams([['output_format', 'http']]),
    },
  },
  {
    line: `START INFOHASH ${IH} 2 0 0 0`,
    message: { kind: 'START', source: { type: 'INFOHASH', infohash: IH, fileIndexes: [2], developerId: 0, affiliateId: 0, zoneId: 0 } },
  },
  { line: 'START PID 12345 0', message: { kind: 'START', source: { type: 'PID', playerId: '12345', fileIndexes: [0] } } },
  {
    line: 'START RAW ZDg6YW5ub3VuY2U= 0,1,2,3,4 0 0 0',
    message: {
      kind: 'START',
      source: { type: 'RAW', data: 'ZDg6YW5ub3VuY2U=', fileIndexes: [0, 1, 2, 3, 4], developerId: 0, affiliateId: 0, zoneId: 0 },
    },
  },
  {
    line: 'START URL http://somesite.com/files/video.mp4 0 0 0 0',
    message: {
      kind: 'START',
      source: { type: 'URL', url: 'http://somesite.com/files/video.mp4', fileIndexes: [0], developerId: 0, affiliateId: 0, zoneId: 0 },
    },
  },
  {
    line: 'START EFILE http://example.com/x.acelive output_format=http',
    message: { kind: 'START', source: { type: 'EFILE', url: 'http://example.com/x.acelive' }, extra: makeParams([['output_format', 'http']]) },
  },
  {
    line: `GETPID ${IH} 0 0 0`,
    message: { kind: 'GETPID', infohash: IH, developerId: 0, affiliateId: 0, zoneId: 0 },
  },
  {
    line: `GETCID checksum=abc infohash=${IH} developer=0 affiliate=0 zone=0`,
    message: { kind: 'GETCID', checksum: 'abc', infohash: IH, developerId: 0, affiliateId: 0, zoneId: 0 },
  },
  {
    // One open client misspells the key: decoded all the same, written correctly.
    line: `GETCID checksum=abc infohash=${IH} developer=0 affilate=0 zone=0`,
    message: { kind: 'GETCID', checksum: 'abc', infohash: IH, developerId: 0, affiliateId: 0, zoneId: 0 },
    canonical: `GETCID checksum=abc infohash=${IH} developer=0 affiliate=0 zone=0`,
  },
  { line: 'STOP', message: { kind: 'STOP' } },
  { line: 'SHUTDOWN', message: { kind: 'SHUTDOWN' } },
  { line: 'DUR http://127.0.0.1:6878/... 201964', message: { kind: 'DUR', url: 'http://127.0.0.1:6878/...', durationMs: 201964 } },
  ...([0, 25, 50, 75, 100] as const).map((event) => ({
    line: `PLAYBACK http://127.0.0.1:6878/... ${event}`,
    message: { kind: 'PLAYBACK', url: 'http://127.0.0.1:6878/...', event } as ClientMessage,
  })),
  { line: 'LIVESEEK 1510', message: { kind: 'LIVESEEK', position: 1510 } },
  { line: 'EVENT pause', message: { kind: 'EVENT', name: 'pause', params: makeParams() } },
  { line: 'EVENT seek position=120', message: { kind: 'EVENT', name: 'seek', params: makeParams([['position', '120']]) } },
  { line: 'STATUS', message: { kind: 'STATUS' } },
  { line: 'STOPDL', message: { kind: 'STOPDL' } },
  { line: 'GETADURL width=1328 height=474', message: { kind: 'GETADURL', args: ['width=1328', 'height=474'] } },
  {
    line: `SAVE infohash=${IH} index=0 path=%2Fhome%2Fuser%2FMy%20Video.mp4`,
    message: { kind: 'SAVE', infohash: IH, index: 0, path: '/home/user/My Video.mp4' },
  },
  { line: 'SOMETHING else', message: { kind: 'UNKNOWN', raw: 'SOMETHING else' } },
];

/** Malformed lines of known commands, with where and what the decoder must report. */
export interface Malformed {
  readonly line: string;
  readonly position: number;
  readonly expected: string;
}

export const malformedEngineLines: readonly Malformed[] = [
  { line: 'AUTH', position: 4, expected: 'an integer (auth level)' },
  { line: 'AUTH one', position: 5, expected: 'an integer (auth level)' },
  { line: 'AUTH 1 2', position: 7, expected: 'end of line' },
  { line: 'STATE 1x', position: 7, expected: 'an integer (state id)' },
  { line: 'STATUS prebuf;1', position: 7, expected: 'main:<status>' },
  { line: 'STATUS main:prebuf;1;x', position: 21, expected: 'an integer (time)' },
  { line: 'STATUS main:dl|ad:buf;9;-', position: 24, expected: 'an integer (time)' },
  { line: 'STATUS main:err;E;boom', position: 16, expected: 'an integer (error id)' },
  { line: 'STATUS main:dl;99999999999999999', position: 15, expected: 'an integer (totalProgress)' },
  { line: 'LOADRESP x {}', position: 9, expected: 'an integer (request id)' },
  { line: 'LOADRESP 1 {"status": 1', position: 11, expected: 'LOADRESP JSON' },
  { line: 'LOADRESP 1 {"status": 7}', position: 11, expected: 'LOADRESP JSON: ' },
  { line: 'LOADRESP 1 {"status": 1, "files": [["a%zz", 0]]}', position: 11, expected: 'LOADRESP JSON: bad URL-encoding' },
  { line: 'LOADRESP 1 {"status": 1, "files": [["a", -1]]}', position: 11, expected: 'LOADRESP JSON: expected a non-negative integer file index' },
  { line: 'PLAY', position: 4, expected: 'a URL' },
  { line: 'HELLOTS version_code=abc', position: 21, expected: 'an integer (version_code)' },
  { line: 'HELLOTS key', position: 8, expected: 'key=value' },
  { line: 'HELLOTS key=a%2', position: 13, expected: 'two hex digits after %' },
  { line: 'START', position: 5, expected: 'a URL or url=' },
  { line: 'START infohash=abc', position: 18, expected: 'param url= (START)' },
  { line: 'START url=x ad=yes', position: 15, expected: '0 or 1 (ad)' },
  { line: 'EVENT', position: 5, expected: 'an event name' },
  { line: 'EVENT livepos last=1', position: 20, expected: 'param live_first= (EVENT livepos)' },
  { line: 'EVENT cansave infohash=a index=x format=mp4', position: 31, expected: 'an integer (index)' },
  { line: 'INFO x;hello', position: 5, expected: 'an integer (message id)' },
  { line: 'PAUSE now', position: 6, expected: 'end of line' },
];

export const malformedClientLines: readonly Malformed[] = [
  { line: 'HELLOBG version=four', position: 16, expected: 'an integer (version)' },
  { line: 'LOAD', position: 4, expected: 'TORRENT, INFOHASH, PID or RAW' },
  { line: 'LOAD MAGNET x 0 0 0', position: 5, expected: 'TORRENT, INFOHASH, PID or RAW' },
  { line: 'LOAD TORRENT http://x 0 0', position: 25, expected: 'an integer (zone id)' },
  { line: 'LOADASYNC abc PID 1', position: 10, expected: 'an integer (request id)' },
  { line: 'LOAD PID 1 extra', position: 11, expected: 'end of line' },
  { line: 'START TORRENT http://x 0,a 0 0 0', position: 25, expected: 'an integer (file index)' },
  { line: 'START TORRENT http://x 0,-1 0 0 0', position: 25, expected: 'a non-negative file index' },
  { line: 'START PID 1 0 stray', position: 14, expected: 'key=value' },
  { line: 'START BLOB x 0', position: 6, expected: 'TORRENT, INFOHASH, PID, RAW, URL or EFILE' },
  { line: 'GETPID abc 0 0', position: 14, expected: 'an integer (zone id)' },
  { line: 'DUR http://x -5', position: 13, expected: 'a non-negative integer (duration in ms)' },
  { line: 'PLAYBACK http://x 33', position: 18, expected: 'a playback event: 0, 25, 50, 75 or 100' },
  { line: 'LIVESEEK', position: 8, expected: 'an integer (live position)' },
  { line: 'USERDATA [{"gender": "m"}, {"age": 3}]', position: 9, expected: 'USERDATA JSON: expected an integer gender' },
  { line: 'USERDATA {', position: 9, expected: 'a USERDATA JSON array' },
  { line: 'SAVE infohash=a index=1', position: 23, expected: 'param path= (SAVE)' },
  { line: 'STOP now', position: 5, expected: 'end of line' },
];
