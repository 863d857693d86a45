/**
 * Validator-side weight preparation, bit for bit as the bittensor SDK (opentensor/bittensor
 * bb526e6d, bittensor/utils/weight_utils.py, numpy path) and the chain's set_weights
 * normalisation (subtensor math.rs `vec_u16_max_upscale_to_u16`):
 *
 *   float scores -> processWeightsForNetuid -> convertWeightsAndUidsForEmit -> (chain) vecU16MaxUpscaleToU16
 *
 * numpy semantics reproduced: float32 arithmetic (Math.fround after every operation), numpy's
 * pairwise summation for `sum()`, NEP 50 weak Python scalars (a Python float meeting a float32
 * array is cast to float32 first), `np.quantile(..., method="linear")` of numpy 2.x, and
 * Python's round-half-even `round()`.
 */
import { SubnetError } from '../errors';
import { vec_u16_max_upscale_to_u16 } from '../yuma/math';

export const U16_MAX = 65535;

export interface WeightHyperparams {
  /** number of neurons on the subnet (metagraph.n) */
  n: number;
  /** MinAllowedWeights */
  minAllowedWeights: number;
  /** max weight limit as a float in [0, 1] (the chain now reports 65535/65535 = 1.0) */
  maxWeightLimit: number;
  /** exclude quantile, u16 scale (0 = keep all) */
  excludeQuantile: number;
}

export const defaultWeightHyperparams: Omit<WeightHyperparams, 'n'> = {
  minAllowedWeights: 1,
  maxWeightLimit: 1.0,
  excludeQuantile: 0,
};

/** Output of processWeightsForNetuid: `dtype` says which numpy dtype the SDK's array had. */
export interface ProcessedWeights {
  uids: number[];
  weights: number[];
  dtype: 'float32' | 'float64';
}

const f32 = Math.fround;

/** numpy's pairwise summation (loops_utils.h `pairwise_sum`), float32 or float64 accumulators. */
export function numpyPairwiseSum(a: ArrayLike<number>, float32: boolean, start = 0, n = a.length - start): number {
  const r = float32 ? f32 : (x: number) => x;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  if (n <= 128) {
    const acc = new Array<number>(8);
    for (let j = 0; j < 8; j++) acc[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) acc[j] = r(acc[j] + a[start + i + j]);
    let res = r(r(r(acc[0] + acc[1]) + r(acc[2] + acc[3])) + r(r(acc[4] + acc[5]) + r(acc[6] + acc[7])));
    for (; i < n; i++) res = r(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return r(numpyPairwiseSum(a, float32, start, n2) + numpyPairwiseSum(a, float32, start + n2, n - n2));
}

/** np.quantile(x, q) with the default "linear" method, x float32, q a Python float (numpy 2.x). */
export function numpyQuantileF32(x: ArrayLike<number>, q: number): number {
  const s = Array.from(x).sort((p, r) => p - r);
  const n = s.length;
  const virt = n * q + (1 + q * (1 - 1 - 1)) - 1;
  let prev = Math.floor(virt);
  let next = prev + 1;
  if (virt >= n - 1) prev = next = n - 1;
  if (virt < 0) prev = next = 0;
  const gamma = virt - Math.floor(virt);
  const a = s[prev];
  const b = s[next];
  const diff = f32(b - a);
  if (gamma >= 0.5) return f32(b - f32(diff * f32(1 - gamma)));
  return f32(a + f32(diff * f32(gamma)));
}

/** bittensor `normalize_max_weight(x, limit)` on a float32 (or float64) array. */
export function normalizeMaxWeight(x: number[], limit: number, float32: boolean): number[] {
  const r = float32 ? f32 : (v: number) => v;
  const lim = r(limit); // weak Python scalar
  const eps = r(1e-7);
  const n = x.length;
  const weights = x.slice();
  const values = x.slice().sort((a, b) => a - b);
  const xsum = numpyPairwiseSum(x, float32);
  if (xsum === 0 || n * limit <= 1) return x.map(() => r(1 / n)); // np.ones_like(x) / n keeps the dtype of x
  const vsum = numpyPairwiseSum(values, float32);
  const estimation = values.map((v) => r(v / vsum));
  let emax = -Infinity;
  for (const e of estimation) if (e > emax) emax = e;
  if (emax <= lim) {
    const wsum = numpyPairwiseSum(weights, float32);
    return weights.map((w) => r(w / wsum));
  }
  const cumsum: number[] = new Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) cumsum[i] = c = r(c + estimation[i]);
  const estimationSum = estimation.map((e, i) => r((n - i - 1) * e));
  let nValues = 0;
  for (let i = 0; i < n; i++) if (r(estimation[i] / r(r(estimationSum[i] + cumsum[i]) + eps)) < lim) nValues++;
  // (limit * cumsum[n_values-1] - epsilon) / (1 - limit * (len - n_values)); the denominator is Python float math
  const idx = nValues - 1 < 0 ? n + nValues - 1 : nValues - 1;
  const num = r(r(lim * cumsum[idx]) - eps);
  // n_values is an np.int64, so limit * (len - n_values) and everything after it is float64
  const den = 1 - limit * (n - nValues);
  const cutoffScale = num / den;
  const cutoff = cutoffScale * vsum;
  // comparison in float64; the assignment casts back to the array's dtype
  for (let i = 0; i < n; i++) if (weights[i] > cutoff) weights[i] = r(cutoff);
  const wsum = numpyPairwiseSum(weights, float32);
  return weights.map((w) => r(w / wsum));
}

/**
 * bittensor `process_weights` (what `process_weights_for_netuid` runs with the chain's n,
 * min_allowed_weights and max_weight_limit). `weights` are cast to float32 first, as the SDK does.
 */
export function processWeightsForNetuid(
  uids: ArrayLike<number>,
  weights: ArrayLike<number>,
  hyper: WeightHyperparams,
): ProcessedWeights {
  if (uids.length !== weights.length) {
    throw new SubnetError('WEIGHTS_INVALID', `uids (${uids.length}) and weights (${weights.length}) differ in length`, { field: 'weights' });
  }
  const n = hyper.n;
  const w32 = Array.from(weights, (v) => f32(v));
  const quantile = hyper.excludeQuantile / U16_MAX;
  const nzIdx: number[] = [];
  for (let i = 0; i < w32.length; i++) if (w32[i] > 0) nzIdx.push(i);
  const nzUids = nzIdx.map((i) => uids[i]);
  const nzW = nzIdx.map((i) => w32[i]);
  if (nzW.length === 0 || n < hyper.minAllowedWeights) {
    // np.ones(n, dtype=int64) / n: float64
    return { uids: Array.from({ length: n }, (_, i) => i), weights: new Array<number>(n).fill(1 / n), dtype: 'float64' };
  }
  if (nzW.length < hyper.minAllowedWeights) {
    // np.ones(n, int64) * 1e-5 is float64; the float32 non-zero weights are added on top
    const full = new Array<number>(n).fill(1e-5);
    for (let k = 0; k < nzIdx.length; k++) {
      // the SDK indexes the n-long array by position (numpy raises IndexError past n)
      if (nzIdx[k] >= n) throw new SubnetError('WEIGHTS_INVALID', `weight position ${nzIdx[k]} is outside the ${n} neurons`, { field: 'weights' });
      full[nzIdx[k]] += nzW[k];
    }
    const normalized = normalizeMaxWeight(full, hyper.maxWeightLimit, false);
    return { uids: Array.from({ length: normalized.length }, (_, i) => i), weights: normalized, dtype: 'float64' };
  }
  const maxExclude = Math.max(0, nzW.length - hyper.minAllowedWeights) / nzW.length;
  const q = Math.min(quantile, maxExclude);
  const lowest = numpyQuantileF32(nzW, q);
  const keptUids: number[] = [];
  const keptW: number[] = [];
  for (let k = 0; k < nzW.length; k++) {
    if (lowest <= nzW[k]) {
      keptUids.push(nzUids[k]);
      keptW.push(nzW[k]);
    }
  }
  return { uids: keptUids, weights: normalizeMaxWeight(keptW, hyper.maxWeightLimit, true), dtype: 'float32' };
}

/** Python's round(): to nearest, ties to even. */
export function pyRound(x: number): number {
  const fl = Math.floor(x);
  const d = x - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/**
 * bittensor `convert_weights_and_uids_for_emit`: max-upscale to u16 with Python floats and
 * round-half-even, dropping zeros. Values are the (float32 or float64) array values as doubles.
 */
export function convertWeightsAndUidsForEmit(uids: ArrayLike<number>, weights: ArrayLike<number>): { uids: number[]; weights: number[] } {
  if (uids.length !== weights.length) {
    throw new SubnetError('WEIGHTS_INVALID', `uids (${uids.length}) and weights (${weights.length}) differ in length`, { field: 'weights' });
  }
  let minW = Infinity;
  let maxW = -Infinity;
  let minU = Infinity;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] < minW) minW = weights[i];
    if (weights[i] > maxW) maxW = weights[i];
    if (uids[i] < minU) minU = uids[i];
  }
  if (weights.length === 0) {
    // the SDK's min() of an empty list raises; we treat it as "nothing to set"
    return { uids: [], weights: [] };
  }
  if (minW < 0) throw new SubnetError('WEIGHTS_INVALID', 'a weight is negative', { field: 'weights' });
  if (minU < 0) throw new SubnetError('WEIGHTS_INVALID', 'a uid is negative', { field: 'uids' });
  for (let i = 0; i < weights.length; i++) {
    if (!Number.isFinite(weights[i])) throw new SubnetError('WEIGHTS_INVALID', `weight ${i} is not finite`, { field: 'weights' });
  }
  // sum(weights) == 0 (Python's sequential float sum; non-negative values, so only all-zero sums to 0)
  if (maxW === 0) return { uids: [], weights: [] };
  const outU: number[] = [];
  const outW: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const v = pyRound((weights[i] / maxW) * U16_MAX);
    if (v !== 0) {
      outU.push(uids[i]);
      outW.push(v);
    }
  }
  return { uids: outU, weights: outW };
}

/** The chain's `vec_u16_max_upscale_to_u16` (internal_set_weights normalisation). */
export function vecU16MaxUpscaleToU16(values: ArrayLike<number>): number[] {
  return vec_u16_max_upscale_to_u16(values);
}

/**
 * The whole validator path: per-uid scores (index = uid) -> process_weights -> emit form.
 * Returns the u16 row a validator passes to set_weights (the chain's max-upscale is then the
 * identity, since the SDK's max is always 65535).
 */
export function scoresToWeights(
  scores: ArrayLike<number>,
  hyper: Partial<WeightHyperparams> & { n?: number } = {},
): { uids: number[]; weights: number[] } {
  const n = hyper.n ?? scores.length;
  const h: WeightHyperparams = { ...defaultWeightHyperparams, ...hyper, n };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s) || s < 0) throw new SubnetError('WEIGHTS_INVALID', `score ${i} is ${s}: scores must be finite and >= 0`, { field: `scores[${i}]` });
  }
  const uids = Array.from({ length: scores.length }, (_, i) => i);
  const p = processWeightsForNetuid(uids, scores, h);
  return convertWeightsAndUidsForEmit(p.uids, p.weights);
}
