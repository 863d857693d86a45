/**
 * Fixed-point semantics of substrate-fixed v0.6.0 as used by subtensor's epoch, on raw bit
 * counts held in float64 numbers.
 *
 * An I32F32 value x is represented by its integer bit count `bits(x) = x * 2^32`, stored in a
 * JavaScript number. Every epoch quantity is an integer number of bits below 2^53 in magnitude
 * (most are in [0, 2^34]), so it is held exactly. Sums of such integers are exact while they stay
 * below 2^53. Products and quotients need 64..96-bit intermediates; `mul` and `div` compute them
 * exactly by splitting one operand into 16-bit limbs (each partial product < 2^53) and carrying
 * by hand, and fall back to BigInt when an operand is too wide for that. Results that would not
 * fit in 2^53 throw (`YUMA_RANGE`) rather than round: a wrong bit is never returned silently.
 *
 * Rounding, as in substrate-fixed:
 *   mul  bits = (a * b) >> 32 on a double-width integer: floor toward -infinity
 *   div  bits = (a << 32) / b with Rust integer division: truncation toward zero;
 *        checked/safe division by zero (or overflow) gives 0
 */
import { SubnetError } from '../errors';

export const TWO16 = 65536;
export const TWO32 = 4294967296;
export const TWO53 = 9007199254740992;
/** bits of I32F32 1.0 */
export const ONE = TWO32;
/** I32F32::MAX bits (2^63 - 1), as a bigint */
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);

function rangeError(op: string, a: number | bigint, b: number | bigint): never {
  throw new SubnetError('YUMA_RANGE', `fixed-point ${op} left the exactly representable range (${a}, ${b})`, { op });
}

/** I32F32 a*b (bits), floor toward -inf: exact. */
export function mul(a: number, b: number): number {
  const p = a * b;
  if (p < TWO53 && p > -TWO53) return Math.floor(p * INV32) + 0; // + 0 turns -0 into 0
  // the common epoch case: |x| < 2^36 and 0 <= y < 2^33 (shares, weights, stake in [0, 2])
  if (b >= 0 && b < 8589934592 && a < 68719476736 && a > -68719476736) return mulSplit(a, b);
  if (a >= 0 && a < 8589934592 && b < 68719476736 && b > -68719476736) return mulSplit(b, a);
  let x = a;
  let y = b;
  if (Math.abs(x) > Math.abs(y)) {
    x = b;
    y = a;
  }
  if (x < 137438953472 && x > -137438953472) {
    // |x| < 2^37: y = y2*2^32 + y1*2^16 + y0 with y1, y0 in [0, 2^16)
    const y2 = Math.floor(y / TWO32);
    const rem = y - y2 * TWO32;
    const y1 = Math.floor(rem / TWO16);
    const y0 = rem - y1 * TWO16;
    const B = x * y1;
    const C = x * y0;
    const Bq = Math.floor(B / TWO16);
    const Br = B - Bq * TWO16;
    const Cq = Math.floor(C / TWO32);
    const Cr = C - Cq * TWO32;
    const hi = x * y2;
    if (hi >= TWO53 || hi <= -TWO53) return mulBig(a, b);
    const r = hi + Bq + Cq + Math.floor((Br * TWO16 + Cr) / TWO32);
    if (r >= TWO53 || r <= -TWO53) rangeError('mul', a, b);
    return r;
  }
  return mulBig(a, b);
}

const INV16 = 1 / TWO16;
const INV32 = 1 / TWO32;

/**
 * floor(x*y / 2^32) for |x| < 2^36, 0 <= y < 2^33: y = hi*2^16 + lo; x*hi < 2^53 and x*lo < 2^52
 * are exact; x*hi = Pq*2^16 + Pr with Pr in [0, 2^16), so the result is
 * Pq + floor((Pr*2^16 + x*lo) / 2^32), all exact. Scaling by 2^-16 / 2^-32 is exact too.
 */
function mulSplit(x: number, y: number): number {
  const hi = Math.floor(y * INV16);
  const lo = y - hi * TWO16;
  const P = x * hi;
  const Pq = Math.floor(P * INV16);
  const Pr = P - Pq * TWO16;
  return Pq + Math.floor((Pr * TWO16 + x * lo) * INV32) + 0;
}

function mulBig(a: number, b: number): number {
  const r = (BigInt(a) * BigInt(b)) >> 32n;
  if (r >= 9007199254740992n || r <= -9007199254740992n) rangeError('mul', a, b);
  return Number(r);
}

const POW2 = Array.from({ length: 54 }, (_, i) => 2 ** i);

/** floor(log2(x)) + 1 for 0 < x < 2^53 (the bit length). */
function bitLength(x: number): number {
  const hi = Math.floor(x / TWO32);
  return hi > 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(x);
}

/** floor(x / d) for integers 0 <= x < 2^53, 0 < d < 2^53: exact. */
export function floorDiv(x: number, d: number): number {
  let q = Math.floor(x / d);
  let r = x - q * d;
  while (r < 0) {
    q -= 1;
    r += d;
  }
  while (r >= d) {
    q += 1;
    r -= d;
  }
  return q;
}

/**
 * I32F32 a/b (bits): (a << 32) / b truncated toward zero; b = 0 gives 0 (checked_div / safe_div
 * semantics). Exact.
 */
export function div(a: number, b: number): number {
  if (b > 0 && a >= 0 && b < 68719476736 && a < 9007199254740992) {
    // fast path: 0 <= a < 2^53, 0 < b < 2^36. q = floor(a/b), then two 16-bit long-division
    // steps on the remainder (r < b, so r * 2^16 < 2^52 and every product below is exact);
    // each floating quotient is off by at most one and is corrected on the exact remainder.
    let q = Math.floor(a / b);
    if (q < 2097152) {
      let r = a - q * b;
      if (r < 0) {
        q -= 1;
        r += b;
      } else if (r >= b) {
        q += 1;
        r -= b;
      }
      let rr = r * TWO16;
      let d = Math.floor(rr / b);
      r = rr - d * b;
      if (r < 0) {
        d -= 1;
        r += b;
      } else if (r >= b) {
        d += 1;
        r -= b;
      }
      q = q * TWO16 + d;
      rr = r * TWO16;
      d = Math.floor(rr / b);
      r = rr - d * b;
      if (r < 0) d -= 1;
      else if (r >= b) d += 1;
      return q * TWO16 + d;
    }
  }
  if (b === 0) return 0;
  const neg = a < 0 !== b < 0;
  const A = a < 0 ? -a : a;
  const B = b < 0 ? -b : b;
  let q = Math.floor(A / B);
  let r = A - q * B;
  if (r < 0) {
    q -= 1;
    r += B;
  } else if (r >= B) {
    q += 1;
    r -= B;
  }
  if (q >= 2097152) return divBig(a, b); // q * 2^32 would reach 2^53
  const blen = bitLength(B);
  let step = 52 - blen;
  if (step < 1) return divBig(a, b);
  if (step > 32) step = 32;
  let bits = 32;
  while (bits > 0) {
    const s = step < bits ? step : bits;
    const m = POW2[s];
    const rr = r * m;
    let d = Math.floor(rr / B);
    let r2 = rr - d * B;
    while (r2 < 0) {
      d -= 1;
      r2 += B;
    }
    while (r2 >= B) {
      d += 1;
      r2 -= B;
    }
    q = q * m + d;
    r = r2;
    bits -= s;
  }
  return neg && q !== 0 ? -q : q;
}

function divBig(a: number, b: number): number {
  const q = (BigInt(a) << 32n) / BigInt(b);
  if (q > I64_MAX || q < I64_MIN) return 0; // checked_div overflow -> safe_div 0
  if (q >= 9007199254740992n || q <= -9007199254740992n) rangeError('div', a, b);
  return Number(q);
}

/** I32F32::saturating_from_num(u) for an integer u: bits = u << 32. */
export function fromInt(u: number): number {
  return u * TWO32;
}

/** saturating_to_num::<u16>(): floor, then clamp to 0..65535. */
export function toU16(bits: number): number {
  if (bits <= 0) return 0;
  const v = Math.floor(bits / TWO32);
  return v > 65535 ? 65535 : v;
}

/** fixed_proportion_to_u16(x) = to_u16(x * 65535) = min(65535, floor(bits * 65535 / 2^32)). */
export function fixedProportionToU16(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= TWO32) return 65535; // x >= 1 -> x*65535 >= 65535
  // bits < 2^32: bits*65535 < 2^48, exact
  return Math.floor((bits * 65535) / TWO32); // division by a power of two: exact
}

/** round(): half away from zero, on bits (result still in bits). */
export function round(bits: number): number {
  const fl = Math.floor(bits / TWO32) * TWO32;
  const frac = bits - fl; // in [0, 2^32)
  if (bits >= 0) return frac >= 2147483648 ? fl + TWO32 : fl;
  // negative: half away from zero means -x.5 -> -(x+1)
  return frac > 2147483648 ? fl + TWO32 : fl;
}

/** u16_proportion_to_fixed(k) = I32F32(k) / I32F32(65535): bits floor(k * 2^32 / 65535). */
export function u16ProportionToFixed(k: number): number {
  return floorDiv(k * TWO32, 65535);
}

// ---------------------------------------------------------------------------------------------
// exp (substrate-fixed transcendental::exp::<I32F32, I32F32>) and exp_safe (subtensor math.rs)
// ---------------------------------------------------------------------------------------------

/** substrate-fixed's E constant: I9F23 bits 0x15BF0A8, widened to 32 fractional bits. */
export const E_BITS = 0x15bf0a8 * 512;
const EXP_MAX_BITS = 20 * TWO32;

/** BigInt reference of substrate-fixed exp on I32F32 bits; null = Err. */
export function expBig(xBits: bigint): bigint | null {
  const ONEB = 1n << 32n;
  if (xBits === 0n) return ONEB;
  if (xBits === ONEB) return BigInt(E_BITS);
  const neg = xBits < 0n;
  const op = neg ? -xBits : xBits;
  const inRange = (v: bigint) => v <= I64_MAX && v >= I64_MIN;
  let result = op + ONEB;
  if (!inRange(result)) return null;
  let term = op;
  for (let i = 2n; i < 32n; i++) {
    // checked_mul: the i128 product must not overflow, i.e. the result must fit i64
    const prod = (term * op) >> 32n;
    if (!inRange(prod)) return null;
    term = prod;
    // checked_div by I32F32(i): (term << 32) / (i << 32), truncating
    term = (term << 32n) / (i << 32n);
    result = result + term;
    if (!inRange(result)) return null;
  }
  if (neg) {
    if (result === 0n) return null;
    const q = (ONEB << 32n) / result;
    if (!inRange(q)) return null;
    result = q;
  }
  return result;
}

/** exp_safe on bits (clamp to [-20, 20]; Err -> 0 or I32F32::MAX), BigInt reference. */
export function expSafeBig(xBits: bigint): bigint {
  let x = xBits;
  const lim = 20n << 32n;
  if (x < -lim) x = -lim;
  else if (x > lim) x = lim;
  const r = expBig(x);
  if (r === null) return x <= 0n ? 0n : I64_MAX;
  return r;
}

/**
 * exp_safe on I32F32 bits, float64 fast path. For |x| <= 8 every term, product and partial sum
 * is far below 2^53 and `mul`/`div` are exact, so this equals the BigInt reference bit for bit
 * (checked by property tests); wider inputs go through the BigInt reference. The result can be
 * up to e^20 * 2^32 > 2^53 bits, so callers that may see |x| > 8 must use `expSafeBigNumberSafe`.
 */
export function expSafeSmall(xBits: number): number {
  if (xBits === 0) return TWO32;
  if (xBits === TWO32) return E_BITS;
  const neg = xBits < 0;
  const op = neg ? -xBits : xBits;
  let result = op + TWO32;
  let term = op;
  for (let i = 2; i < 32; i++) {
    // once a term is 0 every later term is 0 too (0*op = 0, 0/i = 0): the sum is final
    if (term === 0) break;
    term = mul(term, op);
    // (term << 32) / (i << 32) truncating; term >= 0 so this is floor(term / i)
    let q = Math.floor(term / i);
    const rr = term - q * i;
    if (rr < 0) q -= 1;
    else if (rr >= i) q += 1;
    term = q;
    result += term;
  }
  if (neg) result = div(TWO32, result);
  return result;
}

/** Largest |x| (bits) for which expSafeSmall is used. */
export const EXP_FAST_LIMIT = 8 * TWO32;

/**
 * exp_safe as used by the liquid-alpha sigmoid, returning bits as a bigint when the value might
 * exceed 2^53 (|x| > 8), else a number. See `alpha_sigmoid` in epoch.ts.
 */
export function expSafe(xBits: number): number | bigint {
  if (xBits <= EXP_FAST_LIMIT && xBits >= -EXP_FAST_LIMIT) return expSafeSmall(xBits);
  const clamped = xBits > EXP_MAX_BITS ? EXP_MAX_BITS : xBits < -EXP_MAX_BITS ? -EXP_MAX_BITS : xBits;
  return expSafeBig(BigInt(clamped));
}

// ---------------------------------------------------------------------------------------------
// BigInt references (tests)
// ---------------------------------------------------------------------------------------------

/** I32F32 mul on bigint bits (arithmetic shift = floor). */
export function mulRef(a: bigint, b: bigint): bigint {
  return (a * b) >> 32n;
}

/** I32F32 checked div on bigint bits, 0 on b = 0 or overflow. */
export function divRef(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const q = (a << 32n) / b;
  return q > I64_MAX || q < I64_MIN ? 0n : q;
}
