// `pnpm demo`: the seed's example session (../shared/spec/engine-api.md) through the
// codec. The engine's side arrives as bytes cut into small chunks, as TCP would deliver
// it, and is framed, decoded and printed as typed messages.
import {
  decodeClientMessage,
  decodeEngineMessage,
  encodeFrame,
  LineDecoder,
  readyKey,
  type ClientMessage,
  type EngineMessage,
} from '@ace-rx/codec';

const URL = 'http://127.0.0.1:6878/content/4c78e1cf0df23b4f5a16a106829ebed710cb52e0/0.47';
const session: readonly (readonly ['>>' | '<<', string])[] = [
  ['>>', 'HELLOBG version=4'],
  ['<<', 'HELLOTS version=3.1.16 version_code=3011600 key=d8c5a1c2e7 http_port=6878'],
  ['>>', `READY key=${readyKey('d8c5a1c2e7', 'n51LvQoTlJzNGaFxseRK-uvnvgalcmx5l')}`],
  ['<<', 'AUTH 1'],
  ['>>', 'LOADASYNC 467763 TORRENT http://rutor.org/download/67346 0 0 0'],
  ['<<', 'LOADRESP 467763 {"status": 1, "files": [["Prey%202_%20E3%202011%20Official%20Trailer_2.mp4", 0]], "infohash": "4c78e1cf0df23b4f5a16a106829ebed710cb52e0"}'],
  ['>>', 'GETPID 4c78e1cf0df23b4f5a16a106829ebed710cb52e0 0 0 0'],
  ['<<', '##1234567'],
  ['>>', 'START TORRENT http://rutor.org/download/67346 0 0 0 0'],
  ['<<', 'STATUS main:prebuf;0;2147483447;0;0;0;0;0;0;0;0;0;0'],
  ['<<', 'STATUS main:prebuf;8;942;0;0;60;0;0;9;0;393216;0;0'],
  ['<<', 'STATUS main:prebuf;50;591;0;0;87;0;0;8;0;835584;0;0'],
  ['<<', 'STATUS main:prebuf;91;448;0;0;105;0;0;8;0;1441792;0;0'],
  ['<<', `START url=${encodeURIComponent(URL)} infohash=4c78e1cf0df23b4f5a16a106829ebed710cb52e0 file_index=0`],
  ['>>', `DUR ${URL} 201964`],
  ['>>', `PLAYBACK ${URL} 0`],
  ['<<', 'STATUS main:dl;0;0;110;0;0;8;0;1622016;0;0'],
  ['<<', 'PAUSE'],
  ['<<', 'STATUS main:buf;0;315;0;0;130;0;0;8;0;3260416;0;0'],
  ['<<', 'RESUME'],
  ['<<', 'EVENT download_stopped reason=No%20seeds%20available'],
  ['<<', 'GARBAGE from a newer engine'],
  ['<<', 'STATUS main:prebuf;x;1'],
  ['>>', `PLAYBACK ${URL} 100`],
  ['>>', 'STOP'],
  ['>>', 'SHUTDOWN'],
];

function summary(message: EngineMessage | ClientMessage): string {
  switch (message.kind) {
    case 'STATUS':
      if ('main' in message) {
        const main = message.main;
        const progress = 'progress' in main && main.progress !== undefined ? ` ${main.progress}%` : '';
        const peers = 'peers' in main && main.peers !== undefined ? `, ${main.peers} peers, ${main.speedDown ?? 0} KiB/s` : '';
        return `${main.state}${progress}${peers}`;
      }
      return 'poll';
    case 'LOADRESP':
      return `status ${message.response.status}, files: ${message.response.files.map((f) => JSON.stringify(f.name)).join(', ')}`;
    case 'START':
      return 'url' in message ? `playback URL (${message.form} form): ${message.url}` : `source ${message.source.type}`;
    default:
      return JSON.stringify(message, (key, value: unknown) => (key === 'kind' ? undefined : value));
  }
}

// The engine's lines become one byte stream, cut every 7 bytes (inside \r\n and
// characters alike); the framer must reassemble exactly the lines that were sent.
const engineBytes = session.filter(([dir]) => dir === '<<').map(([, line]) => encodeFrame(line));
const stream = new Uint8Array(engineBytes.reduce((n, b) => n + b.length, 0));
engineBytes.reduce((at, bytes) => (stream.set(bytes, at), at + bytes.length), 0);
const framer = new LineDecoder();
const framed: string[] = [];
for (let at = 0; at < stream.length; at += 7) {
  for (const frame of framer.push(stream.subarray(at, at + 7))) if (typeof frame === 'string') framed.push(frame);
}

console.log(`ace-rx codec demo: the seed's session, engine side framed from ${Math.ceil(stream.length / 7)} chunks of 7 bytes\n`);
let engineIndex = 0;
for (const [direction, line] of session) {
  const text = direction === '<<' ? framed[engineIndex++]! : line;
  const decoded = direction === '<<' ? decodeEngineMessage(text) : decodeClientMessage(text);
  if (decoded._tag === 'Left') {
    console.log(`${direction} DecodeError  ${decoded.left.message}`);
    continue;
  }
  console.log(`${direction} ${decoded.right.kind.padEnd(10)} ${summary(decoded.right)}`);
}
console.log('\nEvery line above was decoded into a typed message; the malformed one became a DecodeError value.');
