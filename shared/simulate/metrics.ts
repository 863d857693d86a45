/** Small pure measures over epoch outputs and series. */

/** Σ values[idx] / Σ values (0 when the total is 0). */
export function shareOf(values: readonly number[], idx: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  if (total === 0) return 0;
  let part = 0;
  for (const i of idx) part += values[i];
  return part / total;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Epochs after a change until a series covers `frac` of the way from `baseline` to `target`:
 * the first k >= 1 with (series[start + k - 1] - baseline) / (target - baseline) >= frac, where
 * series[start] is the first epoch after the change (so k = 1 means "in the first epoch").
 * Returns null when the move is negligible (|target - baseline| < minMove) or never reached.
 */
export function epochsToReach(series: readonly number[], start: number, baseline: number, target: number, frac: number, minMove = 1e-3): number | null {
  const move = target - baseline;
  if (!(Math.abs(move) >= minMove)) return null;
  for (let t = start; t < series.length; t++) {
    if ((series[t] - baseline) / move >= frac - 1e-12) return t - start + 1;
  }
  return null;
}

/** Rounds for display/JSON (keeps JSON short and stable). */
export function round(x: number, digits = 6): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
