// The codec's laws, checked for every message kind of both directions:
// decode(encode(m)) = m, and no string makes a decoder throw.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { arbCodePoint } from '@ace-rx/codec/arbitraries';
import { decodeClientMessage, decodeEngineMessage } from '@ace-rx/codec';
import { DIRECTIONS } from './directions.js';
import { expectEither, expectEqual } from './expect-equal.js';

// Thousands of runs per kind in CI; fewer locally keeps the loop fast.
const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

describe.each(DIRECTIONS.map((d) => [d.name, d] as const))('decode ∘ encode is the identity (%s)', (_name, direction) => {
  it.each(Object.entries(direction.arbitraries))('%s', (_kind, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (message) => {
        const line = direction.encode(message);
        if (/[\r\n]/.test(line)) expect(line).not.toMatch(/[\r\n]/); // the matcher only when it fails: cheaper
        expectEqual(direction.decode(line), { _tag: 'Right', right: message });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('decoders are total', () => {
  // Lines built from protocol-ish pieces reach deep into every parser, which
  // uniformly random strings rarely do.
  const commands = ['HELLOTS', 'HELLOBG', 'READY', 'AUTH', 'STATE', 'STATUS', 'LOADRESP', 'LOAD', 'LOADASYNC', 'START', 'PLAY', 'PLAYAD', 'EVENT', 'INFO', 'GETPID', 'GETCID', 'DUR', 'PLAYBACK', 'LIVESEEK', 'USERDATA', 'SAVE', '##', 'NOTREADY'];
  const pieces = fc.oneof(
    fc.string({ unit: arbCodePoint }),
    fc.constantFrom(' ', ';', '|ad:', 'main:', '=', '%', '%4', '%ZZ', '%E2%82', '{', '}', '[', ']', '"', ',', '0', '-1', '99999999999999999', 'url=', '__proto__=x', 'prebuf', 'err', 'livepos', 'TORRENT', 'PID'),
  );
  const lines = fc.tuple(fc.constantFrom(...commands), fc.array(pieces, { maxLength: 12 })).map(([c, ps]) => c + ' ' + ps.join(''));

  it('decodeEngineMessage returns Right or Left for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: arbCodePoint }), lines), (line) => {
        const result = decodeEngineMessage(line);
        expectEither(result);
        if (result._tag === 'Left' && !(result.left.position >= 0 && result.left.position <= result.left.line.length)) {
          expect(result.left.position).toBeGreaterThanOrEqual(0);
          expect(result.left.position).toBeLessThanOrEqual(result.left.line.length);
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('decodeClientMessage returns Right or Left for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: arbCodePoint }), lines), (line) => {
        expectEither(decodeClientMessage(line));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('does not leak into Object.prototype whatever the params', () => {
    fc.assert(
      fc.property(lines, (line) => {
        decodeEngineMessage(line);
        decodeClientMessage(line);
        expectEqual(({} as Record<string, unknown>)['x'], undefined);
      }),
      { numRuns: RUNS },
    );
  });
});
