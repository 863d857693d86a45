/**
 * Synthetic validators and miners: seeded stakes, miner qualities and honest evaluations.
 * Layout: validators are uids 0..V-1 and hold all the stake; miners are uids V..V+M-1, stake 0.
 */
import type { Rng } from './rng';

/** Integer stakes (rao) for `count` validators summing to about `total`, lognormal shape. */
export function groupStakes(rng: Rng, count: number, total: number, sigma: number): number[] {
  if (count === 0) return [];
  const shape = Array.from({ length: count }, () => (sigma > 0 ? rng.lognormal(sigma) : 1));
  const sum = shape.reduce((a, b) => a + b, 0);
  return shape.map((s) => Math.max(1, Math.floor((s / sum) * total)));
}

/**
 * Splits `validators` into a group of `k` with `fraction` of the total stake and the rest with
 * `1 - fraction` (exact up to rao rounding). Group members are uids 0..k-1.
 */
export function splitStakes(rng: Rng, validators: number, k: number, fraction: number, total: number, sigma: number): number[] {
  const a = groupStakes(rng, k, fraction * total, sigma);
  const b = groupStakes(rng, validators - k, (1 - fraction) * total, sigma);
  return [...a, ...b];
}

/** How many of `validators` form a group holding `fraction` of the stake (>= 1 and <= V-1 inside (0,1)). */
export function groupSize(validators: number, fraction: number): number {
  if (fraction <= 0) return 0;
  if (fraction >= 1) return validators;
  return Math.min(validators - 1, Math.max(1, Math.round(fraction * validators)));
}

/** Honest miners' qualities, uniform in [qmin, 1]. */
export function minerQualities(rng: Rng, m: number, qmin: number): number[] {
  return Array.from({ length: m }, () => rng.uniform(qmin, 1));
}

/** One honest validator's scores of miners with the given qualities (garbage = quality 0 -> 0). */
export function honestScores(rng: Rng, qualities: readonly number[], noise: number): number[] {
  return qualities.map((q) => (q <= 0 ? 0 : q * Math.max(0, 1 + noise * rng.normal())));
}

/** A random walk step of the qualities, clamped to [0.01, 1] (drifting miners stay honest). */
export function driftQualities(rng: Rng, qualities: number[], drift: number): void {
  if (drift <= 0) return;
  for (let j = 0; j < qualities.length; j++) {
    qualities[j] = Math.min(1, Math.max(0.01, qualities[j] + drift * rng.normal()));
  }
}

export function minerUids(validators: number, miners: number): number[] {
  return Array.from({ length: miners }, (_, j) => validators + j);
}
