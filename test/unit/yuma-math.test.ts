/**
 * math.rs primitives: BigInt reference ports (straight from the Rust, arrays of bigint bits)
 * against the fast CSR/float64 versions, plus the properties the epoch relies on.
 */
import fc from 'fast-check';
import { TWO32, divRef, mulRef } from '../../shared/yuma/fixed';
import {
  type Csr,
  col_clip_sparse,
  csrFromRows,
  inplace_col_normalize_sparse,
  inplace_normalize,
  inplace_row_normalize_sparse,
  interpolate_sparse,
  is_topk_nonzero,
  mask_diag_sparse,
  mask_diag_sparse_except_index,
  mask_rows_sparse,
  mat_ema_sparse,
  vec_mask_sparse_matrix,
  sum,
  vec_max_upscale_to_u16,
  vec_u16_max_upscale_to_u16,
  weighted_median,
  weighted_median_col_sparse,
} from '../../shared/yuma/math';
import { alpha_sigmoid, colNormalizeU16, emaAlpha, maskedWeights, rowNormalizeU16 } from '../../shared/yuma/epoch';
import { expSafeBig } from '../../shared/yuma/fixed';

const ONE = 1n << 32n;
const toRows = (m: Csr) => Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.ptr[i + 1] - m.ptr[i] }, (_, t) => [m.col[m.ptr[i] + t], m.val[m.ptr[i] + t]]));

// ---- BigInt references (direct ports of math.rs) ----
function roundRef(x: bigint): bigint {
  const fl = x >> 32n << 32n;
  const frac = x - fl;
  if (x >= 0n) return frac >= ONE / 2n ? fl + ONE : fl;
  return frac > ONE / 2n ? fl + ONE : fl;
}
const toU16Ref = (x: bigint) => (x <= 0n ? 0 : x >> 32n > 65535n ? 65535 : Number(x >> 32n));
function vecMaxUpscaleRef(v: bigint[]): number[] {
  if (v.length === 0) return [];
  const u16max = 65535n << 32n;
  const max = v.reduce((a, b) => (b > a ? b : a));
  if (max === 0n) return v.map((e) => toU16Ref(mulRef(e, u16max)));
  if (max > 32768n << 32n) return v.map((e) => toU16Ref(roundRef(mulRef(e, divRef(u16max, max)))));
  return v.map((e) => toU16Ref(roundRef(divRef(mulRef(e, u16max), max))));
}
function weightedMedianRef(stake: bigint[], score: bigint[], idx: number[], minority: bigint, lo: bigint, hi: bigint): bigint {
  let cur = idx.slice();
  let it = 0;
  for (;;) {
    if (cur.length === 0) return 0n;
    if (cur.length === 1) return score[cur[0]];
    const pivot = score[cur[cur.length >> 1]];
    let ls = 0n;
    let hs = 0n;
    const lower: number[] = [];
    const upper: number[] = [];
    for (const i of cur) {
      if (score[i] === pivot) continue;
      if (score[i] < pivot) {
        ls += stake[i];
        lower.push(i);
      } else {
        hs += stake[i];
        upper.push(i);
      }
    }
    if (minority < lo + ls && lower.length > 0) {
      cur = lower;
      hi = lo + ls;
    } else if (hi - hs <= minority && upper.length > 0) {
      cur = upper;
      lo = hi - hs;
    } else return pivot;
    if (++it > idx.length) return 0n;
  }
}

// ---- arbitraries ----
const u16 = fc.integer({ min: 0, max: 65535 });
const bitsUnit = fc.integer({ min: 0, max: TWO32 });
function sparseRows(n: number, maxLen: number) {
  return fc.array(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), bitsUnit), { selector: (e) => e[0], maxLength: maxLen }), {
    minLength: n,
    maxLength: n,
  });
}

describe('vec_max_upscale_to_u16 / vec_u16_max_upscale_to_u16', () => {
  test('u16 closed form equals the I32F32 reference', () => {
    fc.assert(
      fc.property(fc.array(u16, { maxLength: 40 }), (v) => {
        expect(vec_u16_max_upscale_to_u16(v)).toEqual(vecMaxUpscaleRef(v.map((x) => BigInt(x) << 32n)));
      }),
      { numRuns: 2000 },
    );
  });
  test('general bits version equals the reference', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 * TWO32 }), { maxLength: 30 }), (v) => {
        expect(vec_max_upscale_to_u16(v)).toEqual(vecMaxUpscaleRef(v.map(BigInt)));
      }),
      { numRuns: 2000 },
    );
  });
  test('the maximum becomes 65535, order is kept', () => {
    fc.assert(
      fc.property(fc.array(u16, { minLength: 1, maxLength: 40 }), (v) => {
        fc.pre(v.some((x) => x > 0));
        const out = vec_u16_max_upscale_to_u16(v);
        expect(Math.max(...out)).toBe(65535);
        for (let i = 0; i < v.length; i++) for (let j = 0; j < v.length; j++) if (v[i] <= v[j]) expect(out[i]).toBeLessThanOrEqual(out[j]);
      }),
    );
  });
});

describe('normalisation', () => {
  test('inplace_normalize: sum <= 1 and within n ulps of 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 64 }), (v) => {
        fc.pre(v.some((x) => x > 0));
        const x = Float64Array.from(v);
        inplace_normalize(x);
        const s = sum(x);
        expect(s).toBeLessThanOrEqual(TWO32);
        expect(s).toBeGreaterThanOrEqual(TWO32 - v.length);
        for (let i = 0; i < v.length; i++) expect(x[i]).toBe(Number(divRef(BigInt(v[i]), BigInt(v.reduce((a, b) => a + b, 0)))));
      }),
    );
  });
  test('row normalise: each non-empty row sums to (1 - len ulps .. 1]; monotone within a row', () => {
    fc.assert(
      fc.property(sparseRows(8, 8), (rows) => {
        const m = csrFromRows(rows, () => true, (v) => v);
        inplace_row_normalize_sparse(m);
        for (let i = 0; i < m.rows; i++) {
          const len = m.ptr[i + 1] - m.ptr[i];
          const orig = rows[i].reduce((a, e) => a + e[1], 0);
          let s = 0;
          for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) s += m.val[p];
          if (orig > 0) {
            expect(s).toBeLessThanOrEqual(TWO32);
            expect(s).toBeGreaterThanOrEqual(TWO32 - len);
          } else expect(s).toBe(0);
          for (let t = 0; t < len; t++)
            for (let u = 0; u < len; u++) if (rows[i][t][1] <= rows[i][u][1]) expect(m.val[m.ptr[i] + t]).toBeLessThanOrEqual(m.val[m.ptr[i] + u]);
        }
      }),
    );
  });
  test('column normalise equals the reference per entry', () => {
    fc.assert(
      fc.property(sparseRows(6, 6), (rows) => {
        const m = csrFromRows(rows, () => true, (v) => v);
        inplace_col_normalize_sparse(m, 6);
        const colSum = new Array(6).fill(0n);
        for (const r of rows) for (const [j, v] of r) colSum[j] += BigInt(v);
        expect(toRows(m)).toEqual(rows.map((r) => r.map(([j, v]) => [j, colSum[j] === 0n ? v : Number(divRef(BigInt(v), colSum[j]))])));
      }),
    );
  });
});

describe('is_topk_nonzero', () => {
  test('at most k, all non-zero, and none left out beats one kept; ties favour higher uids', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }), fc.integer({ min: 0, max: 35 }), (v, k) => {
        const r = is_topk_nonzero(v, k);
        expect(r.filter(Boolean).length).toBeLessThanOrEqual(Math.max(k, v.length < k ? v.length : k));
        for (let i = 0; i < v.length; i++) if (r[i]) expect(v[i]).not.toBe(0);
        if (v.length >= k)
          for (let i = 0; i < v.length; i++)
            for (let j = 0; j < v.length; j++)
              if (r[i] && !r[j] && v[j] !== 0) {
                expect(v[j] < v[i] || (v[j] === v[i] && j < i)).toBe(true);
              }
      }),
    );
  });
  test('fewer entries than k keeps every non-zero', () => {
    expect(is_topk_nonzero([0, 3, 1], 5)).toEqual([false, true, true]);
    expect(is_topk_nonzero([2, 2, 2, 2], 2)).toEqual([false, false, true, true]);
  });
});

describe('weighted median', () => {
  const col = fc.integer({ min: 1, max: 12 }).chain((k) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: k, maxLength: k }),
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }).map((x) => x * 2 ** 29), bitsUnit), { minLength: k, maxLength: k }),
      u16,
    ),
  );
  test('equals the BigInt port and picks a submitted value (or 0)', () => {
    fc.assert(
      fc.property(col, ([stakeRaw, score, kappa]) => {
        const stake = Float64Array.from(stakeRaw);
        inplace_normalize(stake);
        const s = sum(stake);
        const majority = Number(divRef(BigInt(kappa) << 32n, 65535n << 32n));
        const idx = Array.from({ length: stake.length }, (_, i) => i);
        const got = weighted_median(stake, score, idx, idx.length, s - majority, 0, s);
        const ref = weightedMedianRef([...stake].map(BigInt), score.map(BigInt), idx, BigInt(s - majority), 0n, BigInt(s));
        expect(got).toBe(Number(ref));
        expect(got === 0 || score.includes(got)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
  test('weighted_median_col_sparse equals the BigInt port column by column (sparse columns, zero stake rows, any kappa)', () => {
    const n = 9;
    const sparseCol = fc.array(
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }).map((x) => x * 2 ** 30), bitsUnit)), { selector: (e) => e[0], maxLength: 3 }),
      { minLength: n, maxLength: n },
    );
    fc.assert(
      fc.property(sparseCol, fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 30 })), { minLength: n, maxLength: n }), u16, (rows, st, kappa) => {
        const m = csrFromRows(rows, () => true, (v) => v);
        const stake = Float64Array.from(st);
        inplace_normalize(stake);
        const majority = Number(divRef(BigInt(kappa) << 32n, 65535n << 32n));
        const got = weighted_median_col_sparse(stake, m, n, majority);
        const pos = [...stake.keys()].filter((i) => stake[i] > 0);
        const use = Float64Array.from(pos.map((i) => stake[i]));
        inplace_normalize(use);
        const s = sum(use);
        for (let c = 0; c < n; c++) {
          const score = pos.map((i) => BigInt(rows[i].find((e) => e[0] === c)?.[1] ?? 0));
          const ref = pos.length === 0 ? 0n : weightedMedianRef([...use].map(BigInt), score, pos.map((_, k) => k), BigInt(s - majority), 0n, BigInt(s));
          expect(got[c]).toBe(Number(ref));
        }
      }),
      { numRuns: 2000 },
    );
  });
  test('kappa = 1 gives the column minimum over staked rows; kappa = 0 the maximum', () => {
    fc.assert(
      fc.property(sparseRows(5, 5), fc.array(fc.integer({ min: 1, max: 2 ** 30 }), { minLength: 5, maxLength: 5 }), (rows, st) => {
        const m = csrFromRows(rows, () => true, (v) => v);
        const stake = Float64Array.from(st);
        inplace_normalize(stake);
        const hi = weighted_median_col_sparse(stake, m, 5, TWO32);
        const lo = weighted_median_col_sparse(stake, m, 5, 0);
        for (let c = 0; c < 5; c++) {
          const vals = rows.map((r) => r.find((e) => e[0] === c)?.[1] ?? 0);
          expect(hi[c]).toBe(Math.min(...vals));
          expect(lo[c]).toBe(Math.max(...vals));
        }
      }),
    );
  });
});

describe('clipping, interpolation, EMA', () => {
  test('col_clip_sparse: result <= original and <= consensus; entries dropped only when consensus is 0', () => {
    fc.assert(
      fc.property(sparseRows(6, 6), fc.array(bitsUnit, { minLength: 6, maxLength: 6 }), (rows, cons) => {
        const m = csrFromRows(rows, () => true, (v) => v);
        const c = col_clip_sparse(m, cons);
        const got = toRows(c);
        rows.forEach((r, i) => {
          const kept = r.filter(([j, v]) => !(cons[j] < v && cons[j] <= 0));
          expect(got[i].map((e) => e[0])).toEqual(kept.map((e) => e[0]));
          got[i].forEach(([j, v], t) => {
            expect(v).toBeLessThanOrEqual(kept[t][1]);
            expect(v <= cons[j] || v === kept[t][1]).toBe(true);
          });
        });
      }),
    );
  });
  test('interpolate_sparse equals the reference (negative differences floor toward -inf)', () => {
    fc.assert(
      fc.property(sparseRows(6, 6), fc.array(bitsUnit, { minLength: 6, maxLength: 6 }), u16, (rows, cons, p) => {
        const w = csrFromRows(rows, () => true, (v) => v);
        const c = col_clip_sparse(w, cons);
        const ratio = Number(divRef(BigInt(p) << 32n, 65535n << 32n));
        const got = toRows(interpolate_sparse(w, c, 6, ratio));
        if (ratio === 0) return expect(got).toEqual(toRows(w));
        if (ratio === TWO32) return expect(got).toEqual(toRows(c));
        const cr = toRows(c);
        const ref = rows.map((r, i) => {
          const out: number[][] = [];
          for (let j = 0; j < 6; j++) {
            const v1 = BigInt(r.find((e) => e[0] === j)?.[1] ?? 0);
            const v2 = BigInt(cr[i].find((e) => e[0] === j)?.[1] ?? 0);
            const v = v1 + mulRef(BigInt(ratio), v2 - v1);
            if (v > 0n) out.push([j, Number(v)]);
          }
          return out;
        });
        expect(got).toEqual(ref);
      }),
    );
  });
  test('mat_ema_sparse equals the reference; ascending columns, positive values', () => {
    fc.assert(
      fc.property(sparseRows(6, 6), sparseRows(6, 6), fc.integer({ min: 0, max: 1_000_000 }), (a, b, bma) => {
        const alpha = TWO32 - Number((BigInt(bma) << 32n) / 1000000n);
        const got = toRows(mat_ema_sparse(csrFromRows(a, () => true, (v) => v), csrFromRows(b, () => true, (v) => v), alpha));
        const ref = a.map((r, i) => {
          const out: number[][] = [];
          for (let j = 0; j < 6; j++) {
            let acc = 0n;
            for (const [jj, v] of r) if (jj === j) acc += mulRef(BigInt(alpha), BigInt(v));
            for (const [jj, v] of b[i]) if (jj === j) acc += mulRef(BigInt(TWO32 - alpha), BigInt(v));
            if (acc > 0n) out.push([j, Number(acc)]);
          }
          return out;
        });
        expect(got).toEqual(ref);
      }),
    );
  });
});

describe('liquid-alpha sigmoid', () => {
  function sigmoidRef(c: bigint, w: bigint, b: bigint, low: bigint, high: bigint, steep: number): bigint {
    const clamp = (v: bigint, lo: bigint, hi: bigint) => (v > hi ? hi : v < lo ? lo : v);
    const buy = clamp(w - c, 0n, ONE);
    const sell = clamp(b - w, 0n, ONE);
    const d = w >= b ? buy : sell;
    const steepDiv = divRef(BigInt(steep) << 32n, -100n << 32n);
    const x = mulRef(steepDiv, d - ONE / 2n);
    let den = ONE + expSafeBig(x);
    if (den > (1n << 63n) - 1n) den = (1n << 63n) - 1n;
    const sig = divRef(ONE, den);
    return clamp(low + mulRef(sig, high - low), low, high);
  }
  test('equals the BigInt reference, stays within [low, high]', () => {
    fc.assert(
      fc.property(bitsUnit, bitsUnit, bitsUnit, u16, u16, fc.integer({ min: -32768, max: 32767 }), (c, w, b, l, h, s) => {
        const low = Number(divRef(BigInt(Math.min(l, h)) << 32n, 65535n << 32n));
        const high = Number(divRef(BigInt(Math.max(l, h)) << 32n, 65535n << 32n));
        const steepDiv = Number(divRef(BigInt(s) << 32n, -100n << 32n));
        const got = alpha_sigmoid(c, w, b, low, high, steepDiv);
        expect(got).toBe(Number(sigmoidRef(BigInt(c), BigInt(w), BigInt(b), BigInt(low), BigInt(high), s)));
        expect(got).toBeGreaterThanOrEqual(low);
        expect(got).toBeLessThanOrEqual(high);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('weight masks', () => {
  test('the fused one-pass mask in epoch.ts equals the math.rs functions applied in turn', () => {
    const n = 7;
    const entry = fc.tuple(fc.integer({ min: 0, max: n + 2 }), u16);
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(entry, { selector: (e) => e[0], maxLength: n + 2 }), { minLength: n, maxLength: n }),
        fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        fc.option(fc.integer({ min: 0, max: n })),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
        fc.option(fc.array(fc.option(fc.integer({ min: 0, max: 20 })), { minLength: n, maxLength: n })),
        (rows, forbids, owner, lastUpdate, reg, cb) => {
          let m = csrFromRows(rows, (j) => j < n, (v) => v);
          m = mask_rows_sparse(forbids, m);
          m = owner !== null ? mask_diag_sparse_except_index(m, owner) : mask_diag_sparse(m);
          m = vec_mask_sparse_matrix(m, lastUpdate, reg, (u, r) => u <= r);
          if (cb) m = vec_mask_sparse_matrix(m, cb.map((x) => (x === null ? Infinity : x)), reg, (c, r) => c < r);
          expect(toRows(maskedWeights(rows as [number, number][][], n, forbids, owner, lastUpdate, reg, cb))).toEqual(toRows(m));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('closed forms on raw u16 (epoch.ts) equal the I32F32 functions on u16 bits', () => {
  const u16rows = fc.array(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), u16), { selector: (e) => e[0], maxLength: 8 }), { minLength: 6, maxLength: 6 });
  test('rowNormalizeU16 = inplace_row_normalize_sparse(I32F32(u16))', () => {
    fc.assert(
      fc.property(u16rows, (rows) => {
        const a = csrFromRows(rows, () => true, (v) => v);
        rowNormalizeU16(a);
        const b = csrFromRows(rows, () => true, (v) => v * TWO32);
        inplace_row_normalize_sparse(b);
        expect(toRows(a)).toEqual(toRows(b));
      }),
    );
  });
  test('colNormalizeU16 = inplace_col_normalize_sparse(I32F32(u16)), columns >= n left as I32F32(u16)', () => {
    fc.assert(
      fc.property(u16rows, (rows) => {
        const a = csrFromRows(rows, () => true, (v) => v);
        colNormalizeU16(a, 6);
        const b = csrFromRows(rows, () => true, (v) => v * TWO32);
        inplace_col_normalize_sparse(b, 6);
        expect(toRows(a)).toEqual(toRows(b));
      }),
    );
  });
  test('emaAlpha = 1 - I32F32(I64F64(bma) / 1e6)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (bma) => {
        // I64F64 bits floor(bma * 2^64 / 1e6), floored to I32F32 (>> 32)
        const ref = (1n << 32n) - (((BigInt(bma) << 128n) / (1000000n << 64n)) >> 32n);
        expect(emaAlpha(bma)).toBe(Number(ref));
      }),
    );
  });
});
