// The property tests' equality check, fast: most of a law's cost was jest's toEqual.
import { expect } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';

/**
 * `expect(actual).toEqual(expected)`, asked only when the two are not deep-strict-equal:
 * what is deep-strict-equal always passes toEqual (same keys, same values, same
 * prototypes), so the result is toEqual's, and a failure reads as toEqual's.
 */
export function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}
