/**
 * A small seeded PRNG (mulberry32 on a splitmix32-hashed seed) and the few distributions the
 * simulator needs. Deterministic across platforms: only 32-bit integer ops and IEEE doubles.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** standard normal (Box–Muller; one value per call, the pair's second is cached) */
  normal(): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** lognormal with the given sigma (median 1) */
  lognormal(sigma: number): number;
  /** an independent child stream (for per-purpose streams that do not shift each other) */
  fork(tag: number): Rng;
}

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes any JSON-safe integer seed (up to 2^53) to 32 bits. */
function seed32(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return splitmix32(splitmix32(lo) ^ hi);
}

export function createRng(seed: number): Rng {
  let a = seed32(seed);
  let spare: number | null = null;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    uniform(lo: number, hi: number): number {
      return lo + (hi - lo) * next();
    },
    lognormal(sigma: number): number {
      return Math.exp(sigma * rng.normal());
    },
    fork(tag: number): Rng {
      return createRng(splitmix32(seed32(seed) ^ splitmix32(tag >>> 0)) + tag * 0x10000);
    },
  };
  return rng;
}
