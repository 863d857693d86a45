/**
 * The score moving average, as in the subnet template: s <- alpha*r + (1 - alpha)*s, applied to
 * the uids answered this step only (a uid not sampled keeps its score).
 */
import { SubnetError } from '../errors';

export function checkAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha <= 1)) throw new SubnetError('OPTION_INVALID', `EMA alpha must be in (0, 1], got ${alpha}`, { alpha });
  return alpha;
}

/** One EMA update of one value. */
export function emaUpdate(prev: number, reward: number, alpha: number): number {
  return alpha * reward + (1 - alpha) * prev;
}

/** Updates `scores` in place at `uids` with `rewards` (aligned); returns `scores`. */
export function updateEma(scores: Float64Array, uids: readonly number[], rewards: readonly number[], alpha: number): Float64Array {
  if (uids.length !== rewards.length) {
    throw new SubnetError('SCORES_MISALIGNED', `${uids.length} uids but ${rewards.length} rewards`, { uids: uids.length, rewards: rewards.length });
  }
  for (let i = 0; i < uids.length; i++) {
    const u = uids[i];
    if (u < 0 || u >= scores.length) throw new SubnetError('SCORES_MISALIGNED', `uid ${u} outside 0..${scores.length - 1}`, { uid: u, n: scores.length });
    scores[u] = emaUpdate(scores[u], rewards[i], alpha);
  }
  return scores;
}
