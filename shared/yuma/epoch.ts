/**
 * subtensor's sparse, on-chain epoch (`epoch_mechanism` in pallets/subtensor/src/epoch/
 * run_epoch.rs at 14bc6f9f), step by step, plus the legacy rank/trust/pruning_score outputs
 * that commit 8fb5c3688 removed (the reference vectors still report them).
 *
 * Pure: no I/O, clock, randomness or logging. Values are I32F32 bit counts (fixed.ts).
 */
import {
  ONE,
  TWO32,
  div,
  expSafe,
  fixedProportionToU16,
  floorDiv,
  mul,
  u16ProportionToFixed,
} from './fixed';
import {
  type Csr,
  col_clip_sparse,
  csrClone,
  csrEmpty,
  csrFromRows,
  inplace_col_max_upscale_sparse,
  inplace_col_normalize_sparse,
  inplace_mask_vector,
  inplace_normalize,
  inplace_normalize_using_sum,
  interpolate_sparse,
  is_topk_nonzero,
  is_zero,
  mat_ema_alpha_sparse,
  mat_ema_sparse,
  mat_vec_mul_sparse,
  matmul_sparse,
  matmul_transpose_sparse,
  row_hadamard_sparse,
  row_sum_sparse,
  scalar_vec_mask_sparse_matrix,
  vec_max_upscale_to_u16,
  vec_mul,
  weighted_median_col_sparse,
} from './math';
import type { EpochInput, EpochOutput, SparseRowU16 } from './types';

const U64_MAX_BIG = (1n << 64n) - 1n;
const HALF = TWO32 / 2;

/** Total stake (I64F64 bits) -> threshold filter -> normalise (I64F64) -> I32F32 `stake`. */
export function stakeWeights(input: EpochInput): Float64Array {
  const n = input.n;
  const tw = BigInt(input.tao_weight);
  // U96F32(tw) / U96F32(u64::MAX): bits floor(tw * 2^32 / (2^64-1)); widened to I64F64 (<< 32)
  const tw32 = (tw << 32n) / U64_MAX_BIG;
  const tao = input.tao_stake;
  const minStake = BigInt(input.stake_threshold);
  const owner = input.owner_uid;
  const total: bigint[] = new Array(n);
  let sumT = 0n;
  for (let i = 0; i < n; i++) {
    let t = BigInt(input.stake[i]) << 64n;
    if (tao && tao[i] !== 0) t += (BigInt(tao[i]) * tw32) << 32n;
    // fixed64_to_u64(total) < min_stake, except the owner
    if (owner !== i && t >> 64n < minStake) t = 0n;
    total[i] = t;
    sumT += t;
  }
  sumT = BigInt.asIntN(128, sumT); // `.sum()` wraps in a release build
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = total[i];
    if (sumT !== 0n) {
      const q = (s << 64n) / sumT;
      s = q >= 1n << 127n || q < -(1n << 127n) ? 0n : q; // checked_div overflow -> 0
    }
    out[i] = Number(s >> 32n); // I64F64 -> I32F32 floors
  }
  return out;
}

/** The stored weight rows as a Csr of raw u16, with every epoch mask applied (see caller). */
export function maskedWeights(
  rows: readonly SparseRowU16[],
  n: number,
  forbids: readonly boolean[],
  owner: number | null,
  lastUpdate: readonly number[],
  reg: readonly number[],
  commitBlock: readonly (number | null)[] | null,
): Csr {
  let nnz = 0;
  for (let i = 0; i < n; i++) if (!forbids[i]) nnz += rows[i].length;
  const m = csrEmpty(n, nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!forbids[i]) {
      const lu = lastUpdate[i];
      const cbi = commitBlock ? (commitBlock[i] ?? Infinity) : Infinity;
      const row = rows[i];
      for (let t = 0; t < row.length; t++) {
        const e = row[t];
        const j = e[0];
        if (j >= n) continue;
        if (j === i && !(owner === i)) continue;
        const r = reg[j];
        if (lu <= r) continue;
        if (cbi < r) continue;
        m.col[k] = j;
        m.val[k] = e[1];
        k++;
      }
    }
    m.ptr[i + 1] = k;
  }
  return m;
}

/** Raw u16 weight rows (j < n) with row normalisation done exactly on the integers. */
export function rowNormalizeU16(m: Csr): void {
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) s += m.val[p];
    if (s > 0) for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) m.val[p] = floorDiv(m.val[p] * TWO32, s);
  }
}

/** Column normalisation of raw u16 entries (classic bonds), j < columns; others become I32F32(u16). */
export function colNormalizeU16(m: Csr, columns: number): void {
  const colSum = new Float64Array(columns);
  const nnz = m.ptr[m.rows];
  for (let p = 0; p < nnz; p++) if (m.col[p] < columns) colSum[m.col[p]] += m.val[p];
  for (let p = 0; p < nnz; p++) {
    const j = m.col[p];
    const v = m.val[p];
    if (j < columns && colSum[j] !== 0) m.val[p] = floorDiv(v * TWO32, colSum[j]);
    else m.val[p] = v * TWO32;
  }
}

/** 1 - bma/1e6 in I32F32 bits (compute_disabled_liquid_alpha / compute_ema_bonds_normal_sparse). */
export function emaAlpha(bma: number): number {
  const scaled = Number((BigInt(bma) << 32n) / 1000000n); // I64F64 bma/1e6, floored to I32F32
  let a = ONE - scaled;
  if (a < -(2 ** 63)) a = -(2 ** 63);
  return a;
}

/**
 * Liquid-alpha sigmoid (run_epoch.rs alpha_sigmoid), bits in, bits out.
 * steepDiv = steepness / -100 (saturating_div), low/high = alpha bounds.
 */
export function alpha_sigmoid(c: number, w: number, b: number, low: number, high: number, steepDiv: number): number {
  let buy = w - c;
  if (buy > ONE) buy = ONE;
  if (buy < 0) buy = 0;
  let sell = b - w;
  if (sell > ONE) sell = ONE;
  if (sell < 0) sell = 0;
  const d = w >= b ? buy : sell;
  const x = mul(steepDiv, d - HALF);
  const e = expSafe(x);
  let sigmoid: number;
  if (typeof e === 'number') {
    sigmoid = div(ONE, ONE + e);
  } else {
    let den = (1n << 32n) + e;
    if (den > (1n << 63n) - 1n) den = (1n << 63n) - 1n;
    sigmoid = Number((1n << 64n) / den);
  }
  let alpha = low + mul(sigmoid, high - low);
  if (alpha > high) alpha = high;
  if (alpha < low) alpha = low;
  return alpha;
}

/**
 * The dense alpha matrix of compute_liquid_alpha_values_sparse, evaluated lazily. Row i's
 * weight and bond at column j are what the Rust's two peeking cursors see: a cursor sits on
 * entry p from column reach_p = max(reach_{p-1}, idx_{p-1} + 1) and yields it at column idx_p
 * only if reach_p <= idx_p. For rows sorted by uid that is simply the row's entry at j; for an
 * unsorted row (vector edge_24) some entries are never seen, exactly as on chain.
 */
export function liquidAlphaLookup(
  wb: Csr,
  bonds: Csr,
  consensus: Float64Array,
  n: number,
  low: number,
  high: number,
  steepDiv: number,
): (i: number, j: number) => number {
  const wVis = new Float64Array(n);
  const bVis = new Float64Array(n);
  const cache = new Float64Array(n);
  const stamp = new Int32Array(n);
  const set: number[] = [];
  let row = -1;
  const zeroAlpha = alpha_sigmoid(0, 0, 0, low, high, steepDiv); // w = b = 0: independent of c >= 0
  const visible = (m: Csr, i: number, into: Float64Array) => {
    if (i >= m.rows) return;
    let reach = 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const idx = m.col[p];
      if (reach <= idx && idx < n) {
        into[idx] = m.val[p];
        set.push(idx);
      }
      if (idx + 1 > reach) reach = idx + 1;
      if (reach >= n) break;
    }
  };
  return (i: number, j: number) => {
    if (i !== row) {
      for (const k of set) {
        wVis[k] = 0;
        bVis[k] = 0;
      }
      set.length = 0;
      visible(wb, i, wVis);
      visible(bonds, i, bVis);
      row = i;
    }
    if (stamp[j] === i + 1) return cache[j];
    const w = wVis[j];
    const b = bVis[j];
    const a = w === 0 && b === 0 ? zeroAlpha : alpha_sigmoid(consensus[j], w, b, low, high, steepDiv);
    cache[j] = a;
    stamp[j] = i + 1;
    return a;
  };
}

function toRows(m: Csr, keepRow: (i: number) => boolean): SparseRowU16[] {
  const out: SparseRowU16[] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    if (!keepRow(i)) {
      out[i] = [];
      continue;
    }
    const r: [number, number][] = [];
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) r.push([m.col[p], fixedProportionToU16(m.val[p])]);
    out[i] = r;
  }
  return out;
}

function u16Vec(x: Float64Array): number[] {
  const out: number[] = new Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fixedProportionToU16(x[i]);
  return out;
}

/** floor(share_bits * rao / 2^32) clamped to u64 (I96F32 mul + saturating_to_num::<u64>). */
export function raoVec(share: Float64Array, rao: number): number[] {
  const out: number[] = new Array(share.length);
  const r = BigInt(rao);
  // rao = ra*2^32 + rb: for s <= 2^32 (a share <= 1), s*rao/2^32 = s*ra + s*rb/2^32 where
  // s*ra <= rao < 2^53 is an exact integer and floor(s*rb/2^32) is the exact I32F32 `mul`
  const ra = Math.floor(rao / TWO32);
  const rb = rao - ra * TWO32;
  for (let i = 0; i < share.length; i++) {
    const s = share[i];
    if (s <= 0 || rao === 0) {
      out[i] = 0;
      continue;
    }
    const p = s * rao;
    if (p < 9007199254740992) out[i] = Math.floor(p / TWO32);
    else if (s <= TWO32) out[i] = s * ra + mul(s, rb);
    else {
      let e = (BigInt(s) * r) >> 32n;
      if (e > U64_MAX_BIG) e = U64_MAX_BIG;
      out[i] = Number(e);
    }
  }
  return out;
}

/** The epoch. `input` must be valid (see validateEpochInput). */
export function epoch_mechanism(input: EpochInput): EpochOutput {
  const n = input.n;
  const currentBlock = input.current_block;
  const lastUpdate = input.last_update;
  const reg = input.block_at_registration;

  // == Active ==  inactive_i = last_update_i + cutoff < current_block (saturating add)
  const active: boolean[] = new Array(n);
  const inactive: boolean[] = new Array(n);
  const limit = currentBlock - input.activity_cutoff;
  for (let i = 0; i < n; i++) {
    inactive[i] = lastUpdate[i] < limit;
    active[i] = !inactive[i];
  }

  // == Stake ==
  const stake = stakeWeights(input);
  const owner = input.owner_uid;

  // == Validator permits ==
  const permits = input.validator_permit.slice();
  if (owner !== null && owner < n) permits[owner] = true;
  const forbids = permits.map((b) => !b);
  const newPermits = is_topk_nonzero(stake, input.max_allowed_validators);
  if (owner !== null && owner < n) newPermits[owner] = true;

  // == Active stake ==
  const activeStake = stake.slice();
  inplace_mask_vector(inactive, activeStake);
  inplace_mask_vector(forbids, activeStake);
  inplace_normalize(activeStake);

  // == Weights ==  (raw u16 until normalised)
  // One pass doing, in the Rust order (each a filter, so fusing them changes nothing):
  //   get_weights_sparse (j < n) -> mask_rows_sparse(validator_forbids) ->
  //   mask_diag_sparse[_except_index(owner)] -> vec_mask_sparse_matrix(last_update <= registered)
  //   -> commit-reveal vec_mask_sparse_matrix(commit_block < registered)
  const cb = input.commit_reveal ? input.commit_reveal.commit_block : null;
  const weights = maskedWeights(input.weights, n, forbids, owner, lastUpdate, reg, cb);
  rowNormalizeU16(weights);

  // legacy: preranks on the unclipped weights
  const preranks = matmul_sparse(weights, activeStake, n);

  // == Consensus, validator trust ==
  const kappa = u16ProportionToFixed(input.kappa_u16);
  const consensus = weighted_median_col_sparse(activeStake, weights, n, kappa);
  const clipped = col_clip_sparse(weights, consensus);
  const validatorTrust = row_sum_sparse(clipped);

  // == Ranks, trust, incentive ==
  const ranks = matmul_sparse(clipped, activeStake, n);
  const trust = new Float64Array(n);
  for (let j = 0; j < n; j++) trust[j] = div(ranks[j], preranks[j]);
  inplace_normalize(ranks);
  const incentive = ranks;

  // == Bonds and dividends ==
  const bondsPenalty = u16ProportionToFixed(input.bonds_penalty_u16);
  const weightsForBonds = interpolate_sparse(weights, clipped, n, bondsPenalty);
  const lms = input.last_mechanism_step_block;
  const lastTempo = lms === 0 ? Math.max(0, currentBlock - input.tempo) : lms + 1;
  const recentlyRegistered = (lt: number, registered: number) => lt <= registered;

  let dividends: Float64Array;
  let emaBonds: Csr;
  if (input.yuma3) {
    let bonds = csrFromRows(input.bonds, () => true, (v) => floorDiv(v * TWO32, 65535));
    bonds = scalar_vec_mask_sparse_matrix(bonds, lastTempo, reg, recentlyRegistered);
    const la = input.liquid_alpha;
    let anyConsensus = false;
    for (let j = 0; j < n; j++) if (consensus[j] !== 0) anyConsensus = true;
    if (la && anyConsensus) {
      const low = u16ProportionToFixed(la.alpha_low);
      const high = u16ProportionToFixed(la.alpha_high);
      const steepDiv = div(la.alpha_sigmoid_steepness * TWO32, -100 * TWO32);
      const alphaAt = liquidAlphaLookup(weightsForBonds, bonds, consensus, n, low, high, steepDiv);
      emaBonds = mat_ema_alpha_sparse(weightsForBonds, bonds, n, alphaAt);
    } else {
      emaBonds = mat_ema_sparse(weightsForBonds, bonds, emaAlpha(input.bonds_moving_average));
    }
    const emaNorm = csrClone(emaBonds);
    inplace_col_normalize_sparse(emaNorm, n);
    const totalBondsPerValidator = row_sum_sparse(mat_vec_mul_sparse(emaNorm, incentive));
    dividends = vec_mul(totalBondsPerValidator, activeStake);
    inplace_normalize(dividends);
  } else {
    let bonds = csrFromRows(input.bonds, () => true, (v) => v);
    bonds = scalar_vec_mask_sparse_matrix(bonds, lastTempo, reg, recentlyRegistered);
    colNormalizeU16(bonds, n);
    const bondsDelta = row_hadamard_sparse(weightsForBonds, activeStake);
    inplace_col_normalize_sparse(bondsDelta, n);
    emaBonds = mat_ema_sparse(bondsDelta, bonds, emaAlpha(input.bonds_moving_average));
    inplace_col_normalize_sparse(emaBonds, n);
    dividends = matmul_transpose_sparse(emaBonds, incentive);
    inplace_normalize(dividends);
    inplace_col_max_upscale_sparse(emaBonds, n);
  }

  // == Emission ==
  const combined = new Float64Array(n);
  let emissionSum = 0;
  for (let i = 0; i < n; i++) {
    combined[i] = incentive[i] + dividends[i];
    emissionSum += combined[i];
  }
  const serverShare = incentive.slice();
  let validatorShare: Float64Array = dividends.slice();
  let combinedShare: Float64Array = combined.slice();
  inplace_normalize_using_sum(serverShare, emissionSum);
  inplace_normalize_using_sum(validatorShare, emissionSum);
  inplace_normalize(combinedShare);
  if (emissionSum === 0) {
    const fallback = is_zero(activeStake) ? stake : activeStake;
    validatorShare = fallback.slice();
    combinedShare = fallback.slice();
  }

  const rao = input.rao_emission;
  return {
    active,
    rank: u16Vec(incentive),
    trust: u16Vec(trust),
    consensus: u16Vec(consensus),
    incentive: u16Vec(incentive),
    dividends: u16Vec(dividends),
    validator_trust: u16Vec(validatorTrust),
    pruning_scores: vec_max_upscale_to_u16(combinedShare),
    server_emission: raoVec(serverShare, rao),
    validator_emission: raoVec(validatorShare, rao),
    bonds: toRows(emaBonds, (i) => newPermits[i]),
    emission: raoVec(combinedShare, rao),
    stake_weight: u16Vec(stake),
    new_validator_permit: newPermits,
  };
}

