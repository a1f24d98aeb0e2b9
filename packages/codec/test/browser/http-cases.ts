// The HTTP codec's cases of the browser suite (also run under Bun and Deno): every
// spec body both ways, the malformed ones, the laws, never-throw, and the start query
// round trip through the runtime's own URL and URLSearchParams.
import fc from 'fast-check';
import { arbCodePoint } from '@ace-rx/codec/arbitraries';
import { parseStartQuery, startUrl, stripJsonp, StatEnvelopeCodec, StartEnvelopeCodec, VersionEnvelopeCodec, decodeStatResponse } from '@ace-rx/codec/http';
import { arbAceReply, arbEngineVersion, arbHttpStartRequest, arbServiceReply, arbStartResponse, arbStatResponse } from '@ace-rx/codec/http/arbitraries';
import { decoders, encodeBody, httpFixtures, malformedBodies } from '../http-fixtures.js';

type Test = (name: string, body: () => void) => void;
type ExpectEqual = (actual: unknown, expected: unknown, what: string) => void;

/** Registers the HTTP cases with the suite's `test` and `expectEqual`. */
export function httpCases(test: Test, expectEqual: ExpectEqual, runs: number): void {
  for (const f of httpFixtures) {
    test(`http fixture decodes: ${f.name}`, () => expectEqual(decoders[f.kind](f.body), f.decoded, 'decode'));
    test(`http fixture encodes: ${f.name}`, () => expectEqual(encodeBody(f.kind, f.decoded), f.canonical ?? JSON.parse(stripJsonp(f.body)), 'encode'));
  }
  for (const bad of malformedBodies) {
    test(`malformed http body: ${bad.body.slice(0, 50)}`, () => {
      const r = decoders[bad.kind](bad.body);
      if (r._tag !== 'Left' || r.left._tag !== 'HttpDecodeError' || r.left.path !== bad.path) throw new Error(JSON.stringify(r));
    });
  }
  const laws: [string, { decode: (u: unknown) => unknown; encode: (a: never) => unknown }, fc.Arbitrary<unknown>][] = [
    ['start', StartEnvelopeCodec, arbAceReply(arbStartResponse)],
    ['stat', StatEnvelopeCodec, arbAceReply(arbStatResponse)],
    ['version', VersionEnvelopeCodec, arbServiceReply(arbEngineVersion)],
  ];
  for (const [name, codec, arb] of laws) {
    test(`http law: ${name}`, () =>
      fc.assert(
        fc.property(arb, (a) => expectEqual(codec.decode(JSON.parse(JSON.stringify(codec.encode(a as never)))), { _tag: 'Right', right: a }, name)),
        { numRuns: runs },
      ));
  }
  test('http decoders never throw', () =>
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: arbCodePoint }), fc.json()), (body) => {
        for (const decode of Object.values(decoders)) decode(body);
      }),
      { numRuns: runs * 5 },
    ));
  test('http stat: livepos strings read as numbers', () => {
    const r = decodeStatResponse('{"response": {"status": "dl", "livepos": {"pos": "1639986704", "is_live": "1"}}, "error": null}');
    expectEqual(r, { _tag: 'Right', right: { status: 'dl', livepos: { pos: 1639986704, isLive: true } } }, 'stat');
  });
  test('http start query round trip through this runtime’s URL', () =>
    fc.assert(
      fc.property(arbHttpStartRequest, (request) => {
        const url = new URL(startUrl('http://127.0.0.1:6878', request));
        expectEqual(parseStartQuery(url.searchParams, request.output), { _tag: 'Right', right: request }, 'request');
      }),
      { numRuns: runs },
    ));
}
