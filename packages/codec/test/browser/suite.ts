// The codec's tests that must hold in a browser too: every fixture of the spec both
// ways, every malformed line, the laws for every message kind, framing against its
// oracle, EngineDecoder against decoding line by line, the handshake key, the HTTP
// codec (http-cases.ts) and the MPEG-TS scanner (mpegts-cases.ts).
// Bundled by scripts/test-browser.ts and run in headless Chromium; jest runs the same
// tables in Node.
import fc from 'fast-check';
import {
  decodeClientMessage,
  decodeEngineMessage,
  encodeClientMessage,
  encodeEngineMessage,
  EngineDecoder,
  LineDecoder,
  percentDecode,
  percentEncode,
  readyKey,
  type ClientMessage,
  type EngineMessage,
} from '@ace-rx/codec';
import { arbChunks, arbCodePoint, arbEngineMessage, arbText, clientMessageArbitraries, engineMessageArbitraries } from '@ace-rx/codec/arbitraries';
import { clientFixtures, engineFixtures, malformedClientLines, malformedEngineLines } from '../fixtures.js';
import { httpCases } from './http-cases.js';
import { mpegtsCases } from './mpegts-cases.js';

/** Own enumerable keys and values alike, whatever the prototypes. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (!equal(actual, expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

interface Results {
  passed: number;
  failed: number;
  failures: string[];
  userAgent: string;
}

const userAgent = (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent ?? 'unknown';
const results: Results = { passed: 0, failed: 0, failures: [], userAgent };

function test(name: string, body: () => void): void {
  try {
    body();
    results.passed++;
  } catch (error) {
    results.failed++;
    results.failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const RUNS = 300;

for (const f of engineFixtures) {
  test(`engine fixture decodes: ${f.line}`, () => expectEqual(decodeEngineMessage(f.line), { _tag: 'Right', right: f.message }, 'decode'));
  test(`engine fixture encodes: ${f.line}`, () => expectEqual(encodeEngineMessage(f.message), f.canonical ?? f.line, 'encode'));
}
for (const f of clientFixtures) {
  test(`client fixture decodes: ${f.line}`, () => expectEqual(decodeClientMessage(f.line), { _tag: 'Right', right: f.message }, 'decode'));
  test(`client fixture encodes: ${f.line}`, () => expectEqual(encodeClientMessage(f.message), f.canonical ?? f.line, 'encode'));
}
for (const bad of malformedEngineLines) {
  test(`malformed engine line: ${bad.line}`, () => {
    const r = decodeEngineMessage(bad.line);
    if (r._tag !== 'Left' || r.left.position !== bad.position || !r.left.expected.startsWith(bad.expected)) throw new Error(JSON.stringify(r));
  });
}
for (const bad of malformedClientLines) {
  test(`malformed client line: ${bad.line}`, () => {
    const r = decodeClientMessage(bad.line);
    if (r._tag !== 'Left' || r.left.position !== bad.position || !r.left.expected.startsWith(bad.expected)) throw new Error(JSON.stringify(r));
  });
}
for (const [kind, arbitrary] of Object.entries(engineMessageArbitraries)) {
  test(`law: engine ${kind}`, () =>
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<EngineMessage>, (m) => expectEqual(decodeEngineMessage(encodeEngineMessage(m)), { _tag: 'Right', right: m }, kind)),
      { numRuns: RUNS },
    ));
}
for (const [kind, arbitrary] of Object.entries(clientMessageArbitraries)) {
  test(`law: client ${kind}`, () =>
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<ClientMessage>, (m) => expectEqual(decodeClientMessage(encodeClientMessage(m)), { _tag: 'Right', right: m }, kind)),
      { numRuns: RUNS },
    ));
}
test('decoders never throw', () =>
  fc.assert(
    fc.property(fc.string({ unit: arbCodePoint }), (line) => {
      decodeEngineMessage(line);
      decodeClientMessage(line);
    }),
    { numRuns: RUNS * 10 },
  ));
test('framing: any chunking gives the one-shot split', () => {
  const text = fc.array(fc.constantFrom('a', '\r', '\n', '\r\n', 'é', '😀'), { maxLength: 40 }).map((p) => new TextEncoder().encode(p.join('')));
  fc.assert(
    fc.property(text.chain((bytes) => fc.tuple(fc.constant(bytes), arbChunks(bytes))), ([bytes, chunks]) => {
      const decoder = new LineDecoder();
      const got = [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()];
      const whole = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).split('\n');
      if (whole[whole.length - 1] === '') whole.pop();
      expectEqual(got, whole.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), 'lines');
    }),
    { numRuns: RUNS },
  );
});
test('EngineDecoder: any chunking gives each line decoded', () => {
  const plainStatus = fc.array(fc.nat(), { minLength: 10, maxLength: 10 }).map((n) => `STATUS main:dl;${n.join(';')}`);
  const lines = fc.array(fc.oneof(plainStatus, arbEngineMessage.map(encodeEngineMessage)), { maxLength: 6 });
  const stream = lines.map((ls) => ({ lines: ls, bytes: new TextEncoder().encode(ls.map((l) => l + '\r\n').join('')) }));
  fc.assert(
    fc.property(stream.chain((s) => fc.tuple(fc.constant(s), arbChunks(s.bytes))), ([s, chunks]) => {
      const decoder = new EngineDecoder();
      const got = [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()];
      expectEqual(got, s.lines.map((l) => decodeEngineMessage(l)), 'frames');
    }),
    { numRuns: RUNS },
  );
});
test('percent-encoding round-trips', () => fc.assert(fc.property(arbText, (t) => expectEqual(percentDecode(percentEncode(t)), t, 'text')), { numRuns: RUNS }));
test('readyKey: sha1("abc")', () => expectEqual(readyKey('a', 'bc'), 'bc-a9993e364706816aba3e25717850c26c9cd0d89d', 'key'));

httpCases(test, expectEqual, RUNS);
mpegtsCases(test, expectEqual, RUNS);

(globalThis as unknown as { __aceRxResults: Results }).__aceRxResults = results;
