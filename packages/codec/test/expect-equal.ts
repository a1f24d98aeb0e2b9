// The property tests' assertions, fast. A property runs its body thousands of times, and
// each `expect(x)` call costs more than most decodes (jest builds its matchers and an error
// for the stack each time): in the codec's suites, jest's `expect` and `toEqual` were a
// third of the CPU. Here a plain check decides first and jest is asked only when it fails,
// so a failure still reads as jest's.
import { expect } from '@jest/globals';

const { getPrototypeOf, keys, getOwnPropertySymbols } = Object;
const plain = (value: object): boolean => {
  const proto = getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};
/** Only its indexes as keys: no other property, no symbol (jest compares those of arrays and typed arrays too). */
const onlyIndexes = (value: ArrayLike<unknown> & object): boolean => keys(value).length === value.length && getOwnPropertySymbols(value).length === 0;
/** What jest's equality treats its own way: DOM nodes (by `isEqualNode`) and asymmetric matchers. */
const special = (value: Record<string, unknown>): boolean => typeof value['asymmetricMatch'] === 'function' || typeof value['nodeType'] === 'number';

/**
 * Whether `toEqual` passes for sure: `true` only where it does, `false` also where the
 * check is unsure (class instances other than typed arrays, symbol keys, sparse arrays,
 * arrays and typed arrays with other keys than their indexes, what jest compares its own
 * way: DOM-node-like objects and asymmetric matchers; nesting deeper than 200, so also cycles),
 * which then go to `toEqual` itself. Like `toEqual`: primitives by `Object.is` (`0` is not
 * `-0`, `NaN` is `NaN`), plain objects of either prototype (`{}` or `Object.create(null)`)
 * by their keys with a defined value, arrays by element, typed arrays by type and bytes.
 */
export function surelyEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 200) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!(i in a) || !(i in b) || !surelyEqual(a[i], b[i], depth + 1)) return false;
    }
    return onlyIndexes(a) && onlyIndexes(b);
  }
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || getPrototypeOf(a) !== getPrototypeOf(b) || a.byteLength !== b.byteLength || a instanceof DataView) return false;
    if (!onlyIndexes(a as unknown as ArrayLike<unknown> & object) || !onlyIndexes(b as unknown as ArrayLike<unknown> & object)) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (!plain(a) || !plain(b) || getOwnPropertySymbols(a).length > 0 || getOwnPropertySymbols(b).length > 0) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  if (special(ra) || special(rb)) return false;
  let defined = 0;
  for (const key of keys(ra)) {
    if (ra[key] === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(rb, key) || !surelyEqual(ra[key], rb[key], depth + 1)) return false;
  }
  for (const key of keys(rb)) if (rb[key] !== undefined) defined--;
  return defined === 0;
}

/** `expect(actual).toEqual(expected)`, asked only when {@link surelyEqual} is unsure. */
export function expectEqual(actual: unknown, expected: unknown): void {
  if (!surelyEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** A decoder's result is an Either: `Left` or `Right` (jest's `toContain` asked only when it is not). */
export function expectEither(result: { readonly _tag: string }): void {
  if (result._tag !== 'Left' && result._tag !== 'Right') expect(['Left', 'Right']).toContain(result._tag);
}
