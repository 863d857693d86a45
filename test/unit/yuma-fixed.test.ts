/**
 * The float64 fixed-point primitives against BigInt references of substrate-fixed's semantics
 * (mul floors toward -inf, div truncates toward 0, x/0 = 0), including negative operands.
 */
import fc from 'fast-check';
import {
  E_BITS,
  EXP_FAST_LIMIT,
  TWO32,
  div,
  divRef,
  expBig,
  expSafe,
  expSafeBig,
  expSafeSmall,
  fixedProportionToU16,
  floorDiv,
  mul,
  mulRef,
  round,
  toU16,
  u16ProportionToFixed,
} from '../../shared/yuma/fixed';
import { isSubnetError } from '../../shared/errors';

const B53 = 1n << 53n;
const big = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
const runs = { numRuns: 3000 };

describe('mul (I32F32 saturating_mul on bits)', () => {
  test('equals (a*b) >> 32 for epoch-sized operands, both signs', () => {
    fc.assert(
      fc.property(big(-(1n << 36n), 1n << 36n), big(-(1n << 36n), 1n << 36n), (a, b) => {
        expect(mul(Number(a), Number(b))).toBe(Number(mulRef(a, b)));
      }),
      runs,
    );
  });
  test('split path: |a| < 2^36, 0 <= b < 2^33 (and swapped)', () => {
    fc.assert(
      fc.property(big(-(1n << 36n) + 1n, (1n << 36n) - 1n), big(0n, (1n << 33n) - 1n), (a, b) => {
        expect(mul(Number(a), Number(b))).toBe(Number(mulRef(a, b)));
        expect(mul(Number(b), Number(a))).toBe(Number(mulRef(a, b)));
      }),
      runs,
    );
  });
  test('one wide and one narrow operand (result < 2^53)', () => {
    fc.assert(
      fc.property(big(-(1n << 52n), 1n << 52n), big(-(1n << 32n), 1n << 32n), (a, b) => {
        const r = mulRef(a, b);
        fc.pre(r < B53 && r > -B53);
        expect(mul(Number(a), Number(b))).toBe(Number(r));
        expect(mul(Number(b), Number(a))).toBe(Number(r));
      }),
      runs,
    );
  });
  test('wide operands on both sides go through BigInt', () => {
    fc.assert(
      fc.property(big(1n << 40n, 1n << 50n), big(1n << 38n, 1n << 44n), (a, b) => {
        const r = mulRef(a, b);
        if (r >= B53) {
          expect(() => mul(Number(a), Number(b))).toThrow();
          try {
            mul(Number(a), Number(b));
          } catch (e) {
            expect(isSubnetError(e, 'YUMA_RANGE')).toBe(true);
          }
        } else expect(mul(Number(a), Number(b))).toBe(Number(r));
      }),
      { numRuns: 300 },
    );
  });
  test('floors toward -inf for negatives (-1 bit * 0.5 = -1 bit)', () => {
    expect(mul(-1, TWO32 / 2)).toBe(-1);
    expect(mul(1, TWO32 / 2)).toBe(0);
  });
});

describe('div (I32F32 checked/safe div on bits)', () => {
  test('fast path: 0 <= a < 2^53, 0 < b < 2^36', () => {
    fc.assert(
      fc.property(big(0n, (1n << 53n) - 1n), big(1n, (1n << 36n) - 1n), (a, b) => {
        const r = divRef(a, b);
        fc.pre(r < B53);
        expect(div(Number(a), Number(b))).toBe(Number(r));
      }),
      runs,
    );
  });
  test('typical normalisation: a <= b ~ 2^32', () => {
    fc.assert(
      fc.property(big(1n << 30n, 1n << 34n), fc.double({ min: 0, max: 1, noNaN: true }), (b, f) => {
        const a = BigInt(Math.floor(Number(b) * f));
        expect(div(Number(a), Number(b))).toBe(Number(divRef(a, b)));
      }),
      runs,
    );
  });
  test('signed operands truncate toward zero', () => {
    fc.assert(
      fc.property(big(-(1n << 50n), 1n << 50n), big(-(1n << 48n), 1n << 48n), (a, b) => {
        const r = divRef(a, b);
        fc.pre(r < B53 && r > -B53);
        expect(div(Number(a), Number(b))).toBe(Number(r));
      }),
      runs,
    );
    expect(div(-1, 3 * TWO32)).toBe(0); // -1/3 bit truncates to 0 (floor would be -1)
    expect(div(1000 * TWO32, -100 * TWO32)).toBe(-10 * TWO32);
  });
  test('x / 0 = 0', () => {
    fc.assert(fc.property(fc.integer(), (a) => expect(div(a, 0)).toBe(0)));
  });
  test('overflow of I32F32 gives 0 (checked_div)', () => {
    expect(div(2 ** 52, 1)).toBe(0);
  });
});

describe('conversions', () => {
  test('fixed_proportion_to_u16 = to_u16(x * 65535)', () => {
    fc.assert(
      fc.property(big(-(1n << 34n), 1n << 34n), (x) => {
        const p = mulRef(x, 65535n << 32n) >> 32n;
        const ref = p < 0n ? 0 : p > 65535n ? 65535 : Number(p);
        expect(fixedProportionToU16(Number(x))).toBe(ref);
      }),
      runs,
    );
  });
  test('u16 proportion k/65535 in bits, exactly 1 at 65535', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (k) => {
        expect(u16ProportionToFixed(k)).toBe(Number(divRef(BigInt(k) << 32n, 65535n << 32n)));
      }),
    );
    expect(u16ProportionToFixed(65535)).toBe(TWO32);
  });
  test('round() is half away from zero', () => {
    const h = TWO32 / 2;
    expect(round(h)).toBe(TWO32);
    expect(round(h - 1)).toBe(0);
    expect(round(-h)).toBe(-TWO32);
    expect(round(-h + 1)).toBe(-0 + 0);
    expect(round(3 * TWO32 + h)).toBe(4 * TWO32);
  });
  test('to_u16 floors and clamps', () => {
    expect(toU16(-5)).toBe(0);
    expect(toU16(TWO32 - 1)).toBe(0);
    expect(toU16(70000 * TWO32)).toBe(65535);
  });
  test('floorDiv is exact near integer boundaries', () => {
    fc.assert(
      fc.property(big(0n, (1n << 53n) - 1n), big(1n, (1n << 52n) - 1n), (x, d) => {
        expect(floorDiv(Number(x), Number(d))).toBe(Number(x / d));
      }),
      runs,
    );
  });
});

describe('exp (substrate-fixed transcendental::exp, 30-term Taylor) and exp_safe', () => {
  test('special inputs: exp(0) = 1, exp(1) = the 23-bit E constant', () => {
    expect(expSafeSmall(0)).toBe(TWO32);
    expect(expSafeSmall(TWO32)).toBe(E_BITS);
    expect(expBig(1n << 32n)).toBe(BigInt(E_BITS));
  });
  test('float path equals the BigInt reference for |x| <= 8', () => {
    fc.assert(
      fc.property(fc.integer({ min: -EXP_FAST_LIMIT, max: EXP_FAST_LIMIT }), (x) => {
        expect(expSafeSmall(x)).toBe(Number(expSafeBig(BigInt(x))));
      }),
      { numRuns: 2000 },
    );
  });
  test('values the liquid-alpha sigmoid produces (steepness/-100 * (d - 0.5))', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), big(0n, 1n << 32n), (s, d) => {
        const steepDiv = div(s * TWO32, -100 * TWO32);
        const x = mul(steepDiv, Number(d) - TWO32 / 2);
        const e = expSafe(x);
        expect(BigInt(e)).toBe(expSafeBig(BigInt(x)));
      }),
      { numRuns: 1000 },
    );
  });
  test('clamps to [-20, 20] and is monotone', () => {
    expect(expSafeBig(100n << 32n)).toBe(expSafeBig(20n << 32n));
    expect(expSafeBig(-(100n << 32n))).toBe(expSafeBig(-(20n << 32n)));
    fc.assert(
      fc.property(fc.integer({ min: -EXP_FAST_LIMIT, max: EXP_FAST_LIMIT - 1 }), (x) => {
        expect(expSafeSmall(x + 1)).toBeGreaterThanOrEqual(expSafeSmall(x));
      }),
      { numRuns: 500 },
    );
  });
});
