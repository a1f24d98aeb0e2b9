import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { arbCodePoint } from '@ace-rx/codec/arbitraries';
import { readyKey } from '@ace-rx/codec';
import { sha1Hex } from '../src/sha1.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));
const nodeSha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

describe('sha1Hex', () => {
  it('matches the FIPS 180 test vectors', () => {
    const enc = new TextEncoder();
    expect(sha1Hex(enc.encode('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha1Hex(enc.encode(''))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(sha1Hex(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
  });

  it('matches node:crypto for any bytes, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(sha1Hex(bytes)).toBe(nodeSha1(bytes));
      }),
      { numRuns: RUNS },
    );
    for (const n of [55, 56, 63, 64, 65, 119, 120, 1_000_000]) {
      const bytes = new Uint8Array(n).fill(0x61);
      expect(sha1Hex(bytes)).toBe(nodeSha1(bytes));
    }
  });
});

describe('readyKey', () => {
  it('is <prefix of product key>-<sha1hex(request key + product key)>', () => {
    const productKey = 'n51LvQoTlJzNGaFxseRK-uvnvgalcmx5l';
    expect(readyKey('d8c5a1c2e7', productKey)).toBe(
      'n51LvQoTlJzNGaFxseRK-' + createHash('sha1').update('d8c5a1c2e7' + productKey).digest('hex'),
    );
  });

  it('uses the whole product key as prefix when it has no dash, and hashes UTF-8', () => {
    expect(readyKey('ключ', 'plain')).toBe('plain-' + createHash('sha1').update('ключplain', 'utf8').digest('hex'));
  });

  it('agrees with node:crypto for any keys', () => {
    fc.assert(
      fc.property(fc.string({ unit: arbCodePoint }), fc.string({ unit: arbCodePoint }), (request, product) => {
        const prefix = product.split('-')[0];
        expect(readyKey(request, product)).toBe(`${prefix}-${createHash('sha1').update(request + product, 'utf8').digest('hex')}`);
      }),
      { numRuns: RUNS },
    );
  });
});
