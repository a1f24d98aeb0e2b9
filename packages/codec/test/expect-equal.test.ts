// The fast check behind the property tests' assertions never passes what jest's toEqual fails.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectEither, expectEqual, surelyEqual } from './expect-equal.js';

const passes = (a: unknown, b: unknown): boolean => {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
};

describe('surelyEqual', () => {
  it('is true only where toEqual passes, on any two values and on a value and its copy', () => {
    const value = fc.anything({ withNullPrototype: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withBigInt: true, withObjectString: true });
    fc.assert(
      fc.property(value, value, (a, b) => {
        for (const [x, y] of [[a, b], [a, structuredCloneOr(a)], [a, a]] as const) {
          if (surelyEqual(x, y)) expect(passes(x, y)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with toEqual where it is sure: undefined keys, prototypes of plain objects, -0, NaN, typed arrays', () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ a: 1, b: undefined }, { a: 1 }, true],
      [Object.assign(Object.create(null) as object, { a: [1, 2] }), { a: [1, 2] }, true],
      [{ _tag: 'Right', right: { x: 'y' } }, { _tag: 'Right', right: { x: 'y' } }, true],
      [NaN, NaN, true],
      [0, -0, false],
      [new Uint8Array([1, 2]), new Uint8Array([1, 2]), true],
      [new Uint8Array([1, 2]), new Uint8Array([1, 3]), false],
      [new Uint8Array([1, 2]), Buffer.from([1, 2]), false],
      [[1, 2], [1, 2, 3], false],
      [{ a: 1 }, { a: '1' }, false],
      [{ a: 1 }, { b: 1 }, false],
      [[1, 2], Object.assign([1, 2], { x: 1 }), false],
      [Object.assign(new Uint8Array([1, 2]), { extra: 1 }), new Uint8Array([1, 2]), false],
      [Object.assign(new Uint8Array([1]), { [Symbol('s')]: 2 }), new Uint8Array([1]), false],
      [Object.assign([1], { [Symbol('s')]: 2 }), [1], false],
      [{ nodeType: 1, nodeName: 'A', isEqualNode: () => false }, { nodeType: 1, nodeName: 'A', isEqualNode: () => false }, false],
    ];
    for (const [a, b, sure] of cases) {
      expect(surelyEqual(a, b)).toBe(sure);
      if (sure) expect(passes(a, b)).toBe(true);
    }
  });

  it('is unsure of cycles and of nesting deeper than 200, rather than overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    const b: Record<string, unknown> = {};
    b['self'] = b;
    expect(surelyEqual(a, b)).toBe(false);
    const deep = (n: number): unknown => (n === 0 ? 1 : { d: deep(n - 1) });
    expect(surelyEqual(deep(150), deep(150))).toBe(true);
    expect(surelyEqual(deep(300), deep(300))).toBe(false);
  });
});

describe('expectEqual and expectEither', () => {
  it('fail as toEqual and toContain fail', () => {
    expect(() => expectEqual({ a: 1 }, { a: 2 })).toThrow(/toEqual/);
    expect(() => expectEqual(0, -0)).toThrow(/toEqual/);
    expect(() => expectEqual(new Map([[1, 2]]), new Map([[1, 2]]))).not.toThrow(); // unsure, so toEqual decides
    expect(() => expectEither({ _tag: 'Both' })).toThrow(/toContain/);
    expect(() => expectEither({ _tag: 'Left' })).not.toThrow();
  });
});

function structuredCloneOr(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
