/**
 * Built-in scorers. All are pure functions of (reference, response, timing).
 *
 * Shape rule shared by all: the response must carry every output the reference has, with the
 * same shape (and, for `exact`, the same dtype and bytes). A missing output, a shape mismatch or
 * a non-finite element scores 0: it is a wrong answer, not a scorer fault.
 */
import type { ScoreChallenge, ScoreTensors, ScoreTiming, Scorer } from './interface';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Output names in a stable order (sorted), so concatenation does not depend on key order. */
function outputNames(reference: ScoreTensors): string[] {
  return Object.keys(reference).sort();
}

/** True when the response has every reference output with the same shape. */
export function shapesMatch(reference: ScoreTensors, response: ScoreTensors): boolean {
  for (const k of outputNames(reference)) {
    const r = response[k];
    if (!r || !sameShape(reference[k].shape, r.shape)) return false;
    if (r.values.length !== reference[k].values.length) return false;
  }
  return true;
}

/**
 * Sums over all outputs of dot(ref, resp), |ref|^2, |resp|^2 and |resp-ref|^2, computed on values
 * divided by the largest magnitude (the ratios the scorers use are scale-free, and this keeps
 * float32-range values from overflowing). null on a non-finite element.
 */
function moments(reference: ScoreTensors, response: ScoreTensors): { dot: number; rr: number; ss: number; dd: number } | null {
  const names = outputNames(reference);
  let maxAbs = 0;
  for (const k of names) {
    const a = reference[k].values;
    const b = response[k].values;
    for (let i = 0; i < a.length; i++) {
      const x = Math.abs(a[i]);
      const y = Math.abs(b[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
      if (x > maxAbs) maxAbs = x;
      if (y > maxAbs) maxAbs = y;
    }
  }
  const inv = maxAbs > 0 && Number.isFinite(1 / maxAbs) ? 1 / maxAbs : 1;
  let dot = 0;
  let rr = 0;
  let ss = 0;
  let dd = 0;
  for (const k of names) {
    const a = reference[k].values;
    const b = response[k].values;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] * inv;
      const y = b[i] * inv;
      dot += x * y;
      rr += x * x;
      ss += y * y;
      const d = y - x;
      dd += d * d;
    }
  }
  return { dot, rr, ss, dd };
}

function clamp01(x: number): number {
  if (Number.isNaN(x)) return 0;
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Cosine similarity of the concatenated outputs, clipped to [0, 1]. Two all-zero tensors score 1. */
export function cosineScore(reference: ScoreTensors, response: ScoreTensors): number {
  if (!shapesMatch(reference, response)) return 0;
  const m = moments(reference, response);
  if (!m) return 0;
  if (m.rr === 0 && m.ss === 0) return 1;
  if (m.rr === 0 || m.ss === 0) return 0;
  return clamp01(m.dot / Math.sqrt(m.rr * m.ss));
}

/** The relative L2 error |resp - ref| / |ref| (Infinity on a shape mismatch or a non-finite element). */
export function relativeError(reference: ScoreTensors, response: ScoreTensors): number {
  if (!shapesMatch(reference, response)) return Infinity;
  const m = moments(reference, response);
  if (!m) return Infinity;
  if (m.dd === 0) return 0;
  return Math.sqrt(m.dd) / Math.max(Math.sqrt(m.rr), 1e-12);
}

export interface RelativeErrorOptions {
  /** error scale: score = exp(-relErr / scale); 0.05 means a 5% error scores e^-1 ≈ 0.37 */
  scale: number;
}
export const defaultRelativeErrorOptions: RelativeErrorOptions = { scale: 0.05 };

/** score = exp(-relErr / scale): 1 for an exact answer, falling smoothly with the relative L2 error. */
export function createRelativeErrorScorer(opts: Partial<RelativeErrorOptions> = {}): Scorer {
  const { scale } = { ...defaultRelativeErrorOptions, ...opts };
  if (!(scale > 0)) throw new RangeError(`relative-error scale must be > 0, got ${scale}`);
  return {
    name: 'relative-error',
    version: '1.0.0',
    score(_c: ScoreChallenge, reference: ScoreTensors, response: ScoreTensors): number {
      const e = relativeError(reference, response);
      return e === Infinity ? 0 : Math.exp(-e / scale);
    },
  };
}

export const cosineScorer: Scorer = {
  name: 'cosine',
  version: '1.0.0',
  score(_c, reference, response) {
    return cosineScore(reference, response);
  },
};

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 1 when every reference output is present with the same dtype, shape and bytes; else 0. */
export const exactScorer: Scorer = {
  name: 'exact',
  version: '1.0.0',
  score(_c, reference, response) {
    for (const k of outputNames(reference)) {
      const a = reference[k];
      const b = response[k];
      if (!b || a.dtype !== b.dtype || !sameShape(a.shape, b.shape) || !bytesEqual(a.data, b.data)) return 0;
    }
    return 1;
  },
};

export interface LatencyOptions {
  /** how much of the score time can take away: score = closeness * (1 - weight * latency/timeout) */
  weight: number;
  /** the closeness term's relative-error scale */
  scale: number;
}
export const defaultLatencyOptions: LatencyOptions = { weight: 0.5, scale: 0.05 };

/** Latency-aware: closeness (relative error, as `relative-error`) times a linear time discount. */
export function createLatencyScorer(opts: Partial<LatencyOptions> = {}): Scorer {
  const o = { ...defaultLatencyOptions, ...opts };
  if (!(o.weight >= 0 && o.weight <= 1)) throw new RangeError(`latency weight must be in [0, 1], got ${o.weight}`);
  const closeness = createRelativeErrorScorer({ scale: o.scale });
  return {
    name: 'latency',
    version: '1.0.0',
    score(c, reference, response, timing: ScoreTiming) {
      const q = closeness.score(c, reference, response, timing);
      const t = timing.timeoutMs > 0 ? clamp01(timing.latencyMs / timing.timeoutMs) : 1;
      return q * (1 - o.weight * t);
    },
  };
}

export const relativeErrorScorer: Scorer = createRelativeErrorScorer();
export const latencyScorer: Scorer = createLatencyScorer();

/** The built-in scorers by name. */
export const BUILTIN_SCORERS: Readonly<Record<string, Scorer>> = Object.freeze({
  cosine: cosineScorer,
  'relative-error': relativeErrorScorer,
  exact: exactScorer,
  latency: latencyScorer,
});

export const DEFAULT_SCORER = 'relative-error';
