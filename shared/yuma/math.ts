/**
 * Vector and sparse-matrix primitives of subtensor's `pallets/subtensor/src/epoch/math.rs`
 * (commit 14bc6f9f), named after their Rust counterparts. Values are I32F32 bit counts in
 * float64 (see fixed.ts); sparse matrices are CSR (`Csr`), rows keep the Rust row order.
 */
import { ONE, TWO32, div, floorDiv, mul, round, toU16 } from './fixed';

/** A sparse matrix in compressed-row form; row i is entries ptr[i]..ptr[i+1]-1. */
export interface Csr {
  rows: number;
  ptr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

export function csrEmpty(rows: number, capacity: number): Csr {
  return { rows, ptr: new Int32Array(rows + 1), col: new Int32Array(capacity), val: new Float64Array(capacity) };
}

/** Builds a Csr from `[j, v][]` rows with `map(v)` applied, keeping entries for which keep(j) holds. */
export function csrFromRows(rows: readonly (readonly (readonly [number, number])[])[], keep: (j: number) => boolean, map: (v: number) => number): Csr {
  let nnz = 0;
  for (const r of rows) nnz += r.length;
  const m = csrEmpty(rows.length, nnz);
  let k = 0;
  for (let i = 0; i < rows.length; i++) {
    for (const [j, v] of rows[i]) {
      if (!keep(j)) continue;
      m.col[k] = j;
      m.val[k] = map(v);
      k++;
    }
    m.ptr[i + 1] = k;
  }
  return m;
}

export function csrClone(m: Csr): Csr {
  return { rows: m.rows, ptr: m.ptr.slice(), col: m.col.slice(), val: m.val.slice() };
}

/** Keeps the entries where keep(i, j, v) holds, in order. */
export function csrFilter(m: Csr, keep: (i: number, j: number, v: number) => boolean): Csr {
  const out = csrEmpty(m.rows, m.ptr[m.rows]);
  let k = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const j = m.col[p];
      const v = m.val[p];
      if (keep(i, j, v)) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
    }
    out.ptr[i + 1] = k;
  }
  return out;
}

// ------------------------------------------------------------------ vectors

/** Σ x (plain I32F32 sum; exact in float64 for epoch magnitudes). */
export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

export function is_zero(x: ArrayLike<number>): boolean {
  return sum(x) === 0;
}

export function inplace_normalize(x: Float64Array): void {
  const s = sum(x);
  if (s === 0) return;
  for (let i = 0; i < x.length; i++) x[i] = div(x[i], s);
}

export function inplace_normalize_using_sum(x: Float64Array, s: number): void {
  if (s === 0) return;
  for (let i = 0; i < x.length; i++) x[i] = div(x[i], s);
}

/** mask = true zeroes the entry (missing mask entries count as true). */
export function inplace_mask_vector(mask: ArrayLike<boolean>, x: Float64Array): void {
  if (mask.length === 0) return;
  for (let i = 0; i < x.length; i++) if (i >= mask.length || mask[i]) x[i] = 0;
}

/**
 * is_topk_nonzero: entries that are non-zero and among the k largest; a stable ascending sort
 * drops the first n-k, so among equal values the lower uids lose.
 */
export function is_topk_nonzero(x: ArrayLike<number>, k: number): boolean[] {
  const n = x.length;
  const result: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) result[i] = x[i] !== 0;
  if (n < k) return result;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => x[a] - x[b] || a - b); // stable ascending
  for (let t = 0; t < n - k; t++) result[idx[t]] = false;
  return result;
}

/** element-wise checked product (0 on overflow; cannot overflow for epoch magnitudes). */
export function vec_mul(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const n = Math.min(a.length, b.length);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mul(a[i], b[i]);
  return out;
}

/**
 * vec_max_upscale_to_u16: the maximum maps to 65535.
 *  max = 0      -> to_u16(e*65535) (all 0 for non-negative input)
 *  max > 32768  -> round(e * (65535/max))
 *  otherwise    -> round((e*65535) / max)
 */
export function vec_max_upscale_to_u16(x: ArrayLike<number>): number[] {
  const n = x.length;
  const out: number[] = new Array(n);
  if (n === 0) return out;
  let max = x[0];
  for (let i = 1; i < n; i++) if (x[i] > max) max = x[i];
  const u16max = 65535 * TWO32;
  if (max === 0) {
    for (let i = 0; i < n; i++) out[i] = toU16(mul(x[i], u16max));
    return out;
  }
  if (max > 32768 * TWO32) {
    const r = div(u16max, max);
    for (let i = 0; i < n; i++) out[i] = toU16(round(mul(x[i], r)));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = toU16(round(div(mul(x[i], u16max), max)));
  return out;
}

/**
 * vec_u16_max_upscale_to_u16 (set_weights normalisation) on raw u16 values, closed form of
 * vec_max_upscale_to_u16 over I32F32(u16): with m = max,
 *   m > 32768:  r = floor(65535*2^32/m) bits, out = round(v*r / 2^32)
 *   0 < m <= 32768: out = round(v*65535 / m)  (exact rational, rounded half away from zero)
 */
export function vec_u16_max_upscale_to_u16(values: ArrayLike<number>): number[] {
  const n = values.length;
  const out: number[] = new Array(n);
  if (n === 0) return out;
  let m = 0;
  for (let i = 0; i < n; i++) if (values[i] > m) m = values[i];
  if (m === 0) {
    for (let i = 0; i < n; i++) out[i] = 0;
    return out;
  }
  if (m > 32768) {
    const r = floorDiv(65535 * TWO32, m); // I32F32 65535/m, < 2^33
    for (let i = 0; i < n; i++) {
      const bits = values[i] * r; // < 2^49, exact (integer * bits, no fractional drop)
      out[i] = toU16(round(bits));
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    // (v*65535 as I32F32) / m: bits = floor(v*65535*2^32 / m); then round
    const num = values[i] * 65535;
    const q = floorDiv(num, m); // integer part
    const rem = num - q * m; // fractional bits = floor(rem*2^32/m)
    const fracBits = floorDiv(rem * TWO32, m);
    out[i] = toU16(round(q * TWO32 + fracBits));
  }
  return out;
}

// ------------------------------------------------------------------ sparse matrices

/** row sums of a sparse matrix */
export function row_sum_sparse(m: Csr): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) s += m.val[p];
    out[i] = s;
  }
  return out;
}

/** rows with a positive sum are divided by it */
export function inplace_row_normalize_sparse(m: Csr): void {
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) s += m.val[p];
    if (s > 0) for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) m.val[p] = div(m.val[p], s);
  }
}

/** column sums over j < columns; entries with j >= columns are left unchanged */
export function inplace_col_normalize_sparse(m: Csr, columns: number): void {
  const colSum = new Float64Array(columns);
  const nnz = m.ptr[m.rows];
  for (let p = 0; p < nnz; p++) {
    const j = m.col[p];
    if (j < columns) colSum[j] += m.val[p];
  }
  for (let p = 0; p < nnz; p++) {
    const j = m.col[p];
    if (j < columns) {
      const d = colSum[j];
      if (d !== 0) m.val[p] = div(m.val[p], d);
    }
  }
}

export function inplace_col_max_upscale_sparse(m: Csr, columns: number): void {
  const colMax = new Float64Array(columns);
  const nnz = m.ptr[m.rows];
  for (let p = 0; p < nnz; p++) {
    const j = m.col[p];
    if (j < columns && colMax[j] < m.val[p]) colMax[j] = m.val[p];
  }
  for (let p = 0; p < nnz; p++) {
    const j = m.col[p];
    if (j < columns) {
      const d = colMax[j];
      if (d !== 0) m.val[p] = div(m.val[p], d);
    }
  }
}

/** rows with mask[i] (or beyond the mask) become empty */
export function mask_rows_sparse(mask: ArrayLike<boolean>, m: Csr): Csr {
  return csrFilter(m, (i) => !(i >= mask.length || mask[i]));
}

export function mask_diag_sparse(m: Csr): Csr {
  return csrFilter(m, (i, j) => i !== j);
}

export function mask_diag_sparse_except_index(m: Csr, except: number): Csr {
  return csrFilter(m, (i, j) => i !== j || (i === except && j === except));
}

/** drop (i, j) where maskFn(first[i], second[j]); missing vector entries read as 0 */
export function vec_mask_sparse_matrix(
  m: Csr,
  first: ArrayLike<number>,
  second: ArrayLike<number>,
  maskFn: (a: number, b: number) => boolean,
): Csr {
  return csrFilter(m, (i, j) => !maskFn(i < first.length ? first[i] : 0, j < second.length ? second[j] : 0));
}

/** drop (i, j) where maskFn(scalar, vector[j]) */
export function scalar_vec_mask_sparse_matrix(
  m: Csr,
  scalar: number,
  vector: ArrayLike<number>,
  maskFn: (a: number, b: number) => boolean,
): Csr {
  return csrFilter(m, (_i, j) => !maskFn(scalar, j < vector.length ? vector[j] : 0));
}

/** (i, j, v) -> (i, j, v * vector[i]) */
export function row_hadamard_sparse(m: Csr, vector: ArrayLike<number>): Csr {
  const out = csrClone(m);
  for (let i = 0; i < m.rows; i++) {
    const s = i < vector.length ? vector[i] : 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) out.val[p] = mul(m.val[p], s);
  }
  return out;
}

/** result_j = Σ_i vector_i * m_ij (each product floored), j < columns */
export function matmul_sparse(m: Csr, vector: ArrayLike<number>, columns: number): Float64Array {
  const out = new Float64Array(columns);
  for (let i = 0; i < m.rows; i++) {
    const s = i < vector.length ? vector[i] : 0;
    if (s === 0) continue;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const j = m.col[p];
      if (j < columns) out[j] += mul(s, m.val[p]);
    }
  }
  return out;
}

/** result_i = Σ_j vector_j * m_ij */
export function matmul_transpose_sparse(m: Csr, vector: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let acc = 0;
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const j = m.col[p];
      const v = j < vector.length ? vector[j] : 0;
      acc += mul(v, m.val[p]);
    }
    out[i] = acc;
  }
  return out;
}

/** (i, j, v) -> (i, j, v * vector[j]) keeping non-zero products, j < vector.length */
export function mat_vec_mul_sparse(m: Csr, vector: ArrayLike<number>): Csr {
  const out = csrEmpty(m.rows, m.ptr[m.rows]);
  let k = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const j = m.col[p];
      if (j >= vector.length) continue;
      const v = mul(m.val[p], vector[j]);
      if (v !== 0) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
    }
    out.ptr[i + 1] = k;
  }
  return out;
}

/** clip at column thresholds: v > th -> th (dropped when th <= 0); else kept */
export function col_clip_sparse(m: Csr, threshold: ArrayLike<number>): Csr {
  const out = csrEmpty(m.rows, m.ptr[m.rows]);
  let k = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const j = m.col[p];
      const v = m.val[p];
      const th = j < threshold.length ? threshold[j] : 0;
      if (th < v) {
        if (th > 0) {
          out.col[k] = j;
          out.val[k] = th;
          k++;
        }
      } else {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
    }
    out.ptr[i + 1] = k;
  }
  return out;
}

/**
 * Stake-weighted median by deterministic mid-pivot partitioning (math.rs weighted_median).
 * Ports the loop exactly: pivot = score[idx[floor(len/2)]], order-preserving partitions, and
 * the iteration limit. `bufs` are three scratch buffers of at least `len0` entries.
 */
export function weighted_median(
  stake: ArrayLike<number>,
  score: ArrayLike<number>,
  partitionIdx: ArrayLike<number>,
  len0: number,
  minority: number,
  partitionLo: number,
  partitionHi: number,
  bufs: [Int32Array, Int32Array, Int32Array] = [new Int32Array(len0), new Int32Array(len0), new Int32Array(len0)],
): number {
  let [cur, lower, upper] = bufs;
  for (let t = 0; t < len0; t++) cur[t] = partitionIdx[t];
  let len = len0;
  let lo = partitionLo;
  let hi = partitionHi;
  let iterations = 0;
  for (;;) {
    if (len === 0) return 0;
    if (len === 1) return score[cur[0]];
    const pivot = score[cur[len >> 1]];
    let loStake = 0;
    let hiStake = 0;
    let nl = 0;
    let nu = 0;
    for (let t = 0; t < len; t++) {
      const id = cur[t];
      const s = score[id];
      if (s === pivot) continue;
      if (s < pivot) {
        loStake += stake[id];
        lower[nl++] = id;
      } else {
        hiStake += stake[id];
        upper[nu++] = id;
      }
    }
    if (minority < lo + loStake && nl > 0) {
      const t = cur;
      cur = lower;
      lower = t;
      len = nl;
      hi = lo + loStake;
    } else if (hi - hiStake <= minority && nu > 0) {
      const t = cur;
      cur = upper;
      upper = t;
      len = nu;
      lo = hi - hiStake;
    } else {
      return pivot;
    }
    iterations++;
    if (iterations > len0) return 0;
  }
}

/**
 * Column-wise stake-weighted median over the rows with positive stake (math.rs
 * weighted_median_col_sparse). `majority` is kappa in bits.
 */
export function weighted_median_col_sparse(stake: ArrayLike<number>, score: Csr, columns: number, majority: number): Float64Array {
  const rowsK: number[] = [];
  for (let i = 0; i < stake.length; i++) if (stake[i] > 0) rowsK.push(i);
  const K = rowsK.length;
  const useStake = new Float64Array(K);
  for (let k = 0; k < K; k++) useStake[k] = stake[rowsK[k]];
  inplace_normalize(useStake);
  const stakeSum = sum(useStake);
  const minority = stakeSum - majority;
  const median = new Float64Array(columns);
  if (K === 0) return median; // every median of an empty partition is 0
  // column-major copy of the K positive-stake rows: for each column, (k, value) entries
  const colCount = new Int32Array(columns + 1);
  const nRows = Math.min(stake.length, score.rows);
  for (let k = 0; k < K; k++) {
    const i = rowsK[k];
    if (i >= nRows) continue;
    for (let p = score.ptr[i]; p < score.ptr[i + 1]; p++) {
      const c = score.col[p];
      if (c < columns) colCount[c + 1]++;
    }
  }
  for (let c = 0; c < columns; c++) colCount[c + 1] += colCount[c];
  const fill = colCount.slice(0, columns);
  const entK = new Int32Array(colCount[columns]);
  const entV = new Float64Array(colCount[columns]);
  for (let k = 0; k < K; k++) {
    const i = rowsK[k];
    if (i >= nRows) continue;
    for (let p = score.ptr[i]; p < score.ptr[i + 1]; p++) {
      const c = score.col[p];
      if (c < columns) {
        // a later entry for the same (k, c) overwrites an earlier one, as `*cell = val` does
        const q = fill[c]++;
        entK[q] = k;
        entV[q] = score.val[p];
      }
    }
  }
  const colScore = new Float64Array(K);
  const idx = new Int32Array(K);
  for (let k = 0; k < K; k++) idx[k] = k;
  const upperIdx = new Int32Array(K);
  const bufs: [Int32Array, Int32Array, Int32Array] = [new Int32Array(K), new Int32Array(K), new Int32Array(K)];
  for (let c = 0; c < columns; c++) {
    const s0 = colCount[c];
    const s1 = colCount[c + 1];
    if (s0 === s1) {
      // every score is 0: the first pivot is 0, both partitions are empty, so the median is 0
      median[c] = 0;
      continue;
    }
    for (let q = s0; q < s1; q++) colScore[entK[q]] = entV[q];
    if (K > 1 && colScore[K >> 1] === 0) {
      // The first pivot is 0, so the first partition step is known without scanning the K-s
      // absent rows: lower is empty (scores are >= 0) and upper is this column's positive
      // entries, in row order. Either the median is 0 or the search continues in upper, exactly
      // as the loop would (the iteration limit cannot be reached: every step shrinks the set).
      let nu = 0;
      let hiStake = 0;
      for (let q = s0; q < s1; q++) {
        if (entV[q] > 0) {
          upperIdx[nu++] = entK[q];
          hiStake += useStake[entK[q]];
        }
      }
      if (stakeSum - hiStake <= minority && nu > 0) {
        median[c] = weighted_median(useStake, colScore, upperIdx, nu, minority, stakeSum - hiStake, stakeSum, bufs);
      } else {
        median[c] = 0;
      }
    } else {
      median[c] = weighted_median(useStake, colScore, idx, K, minority, 0, stakeSum, bufs);
    }
    for (let q = s0; q < s1; q++) colScore[entK[q]] = 0;
  }
  return median;
}

/**
 * interpolate_sparse: ratio 0 -> mat1, ratio 1 -> mat2 (as they are); otherwise per row the
 * densified v1 + ratio*(v2 - v1) (mul floored), keeping v > 0 in ascending column order.
 */
export function interpolate_sparse(mat1: Csr, mat2: Csr, columns: number, ratio: number): Csr {
  if (ratio === 0) return csrClone(mat1);
  if (ratio === ONE) return csrClone(mat2);
  const rows = mat1.rows;
  const out = csrEmpty(rows, mat1.ptr[rows] + mat2.ptr[mat2.rows]);
  const r1 = new Float64Array(columns);
  const r2 = new Float64Array(columns);
  const touched = new Uint8Array(columns);
  const cols: number[] = [];
  let k = 0;
  for (let i = 0; i < rows; i++) {
    cols.length = 0;
    for (let p = mat1.ptr[i]; p < mat1.ptr[i + 1]; p++) {
      const j = mat1.col[p];
      if (j >= columns) continue;
      r1[j] = mat1.val[p];
      if (!touched[j]) {
        touched[j] = 1;
        cols.push(j);
      }
    }
    if (i < mat2.rows) {
      for (let p = mat2.ptr[i]; p < mat2.ptr[i + 1]; p++) {
        const j = mat2.col[p];
        if (j >= columns) continue;
        r2[j] = mat2.val[p];
        if (!touched[j]) {
          touched[j] = 1;
          cols.push(j);
        }
      }
    }
    cols.sort((x, y) => x - y);
    for (const j of cols) {
      const v1 = r1[j];
      const v = v1 + mul(ratio, r2[j] - v1);
      if (v > 0) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
      r1[j] = 0;
      r2[j] = 0;
      touched[j] = 0;
    }
    out.ptr[i + 1] = k;
  }
  return out;
}

/**
 * mat_ema_sparse: per row, acc_j = Σ alpha*new_ij + Σ (1-alpha)*old_ij over j < rows (the
 * matrix is square), keeping acc > 0 in ascending column order.
 */
export function mat_ema_sparse(newM: Csr, old: Csr, alpha: number): Csr {
  const n = newM.rows;
  const oneMinus = ONE - alpha;
  const out = csrEmpty(n, newM.ptr[n] + old.ptr[old.rows]);
  const acc = new Float64Array(n);
  const touched = new Uint8Array(n);
  const cols: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    cols.length = 0;
    for (let p = newM.ptr[i]; p < newM.ptr[i + 1]; p++) {
      const j = newM.col[p];
      if (j >= n) continue;
      acc[j] += mul(alpha, newM.val[p]);
      if (!touched[j]) {
        touched[j] = 1;
        cols.push(j);
      }
    }
    if (i < old.rows) {
      for (let p = old.ptr[i]; p < old.ptr[i + 1]; p++) {
        const j = old.col[p];
        if (j >= n) continue;
        acc[j] += mul(oneMinus, old.val[p]);
        if (!touched[j]) {
          touched[j] = 1;
          cols.push(j);
        }
      }
    }
    cols.sort((x, y) => x - y);
    for (const j of cols) {
      const v = acc[j];
      if (v > 0) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
      acc[j] = 0;
      touched[j] = 0;
    }
    out.ptr[i + 1] = k;
  }
  return out;
}

/**
 * mat_ema_alpha_sparse with alpha_ij given by `alphaAt(i, j)` (the dense alpha matrix of
 * compute_liquid_alpha_values_sparse, evaluated only where it is read):
 * decayed_j = (1 - a_ij) * old_ij for the row's bond entries, then for each (j, w) of the new
 * row in its own order: val = min(decayed_j + max(a_ij * w, 0), 1), emitted when > 0. Bonds in
 * columns absent from the new row are dropped.
 */
export function mat_ema_alpha_sparse(newM: Csr, old: Csr, columns: number, alphaAt: (i: number, j: number) => number): Csr {
  const rows = newM.rows;
  const out = csrEmpty(rows, newM.ptr[rows]);
  const decayed = new Float64Array(columns);
  const dirty: number[] = [];
  let k = 0;
  for (let i = 0; i < rows; i++) {
    if (i < old.rows) {
      for (let p = old.ptr[i]; p < old.ptr[i + 1]; p++) {
        const j = old.col[p];
        if (j >= columns) continue;
        decayed[j] = mul(ONE - alphaAt(i, j), old.val[p]);
        dirty.push(j);
      }
    }
    for (let p = newM.ptr[i]; p < newM.ptr[i + 1]; p++) {
      const j = newM.col[p];
      if (j >= columns) continue;
      let inc = mul(alphaAt(i, j), newM.val[p]);
      if (inc < 0) inc = 0;
      let v = decayed[j] + inc;
      if (v > ONE) v = ONE;
      if (v > 0) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
    }
    for (const j of dirty) decayed[j] = 0;
    dirty.length = 0;
    out.ptr[i + 1] = k;
  }
  return out;
}

