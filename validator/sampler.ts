/**
 * Which miners a step queries: a seeded sample without replacement (partial Fisher-Yates over
 * mulberry32), so a logged seed says exactly who was asked. Pure.
 */

import { mulberry32 } from '../shared/random';

export { mulberry32 };

/**
 * `k` distinct candidates chosen by `seed` (all of them when k <= 0 or k >= candidates.length),
 * returned in ascending order.
 */
export function sampleUids(candidates: readonly number[], k: number, seed: number): number[] {
  const pool = [...candidates];
  if (k <= 0 || k >= pool.length) return pool.sort((a, b) => a - b);
  const rnd = mulberry32(seed ^ 0x9e3779b9);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (pool.length - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}
