/**
 * The scorer guard: whatever a (user) scorer does, the validator gets a finite score in [0, 1]
 * for every answer. A throw, NaN, a non-number or a value outside [0, 1] becomes 0 with a
 * `fault` naming what happened; the caller logs it with the scorer's name and counts it.
 */
import { errorMessage } from '../errors';
import type { GuardedScore, ScoreChallenge, ScoreItem, ScoreTensors, ScoreTiming, Scorer } from './interface';

/** Checks one value a scorer returned. */
export function checkScore(value: unknown): GuardedScore {
  if (typeof value !== 'number') return { score: 0, fault: 'not_number', detail: `returned ${typeof value}` };
  if (Number.isNaN(value)) return { score: 0, fault: 'nan', detail: 'returned NaN' };
  if (!(value >= 0 && value <= 1)) return { score: 0, fault: 'out_of_range', detail: `returned ${value}` };
  return { score: value };
}

/** Calls `scorer.score` and guards the result. Never throws. */
export function guardedScore(scorer: Scorer, challenge: ScoreChallenge, reference: ScoreTensors, response: ScoreTensors, timing: ScoreTiming): GuardedScore {
  let v: unknown;
  try {
    v = scorer.score(challenge, reference, response, timing);
  } catch (err) {
    return { score: 0, fault: 'threw', detail: errorMessage(err) };
  }
  return checkScore(v);
}

/**
 * Scores a batch: with `scoreBatch`, one call guarded as a whole (a throw or a wrong-length result
 * faults every item) and each value guarded on its own; without it, `score` per item.
 * Never throws; the result is aligned 1:1 with `items`.
 */
export function guardedScoreBatch(scorer: Scorer, challenge: ScoreChallenge, reference: ScoreTensors, items: readonly ScoreItem[]): GuardedScore[] {
  if (items.length === 0) return [];
  if (typeof scorer.scoreBatch === 'function') {
    let vs: unknown;
    try {
      vs = scorer.scoreBatch(challenge, reference, items);
    } catch (err) {
      const detail = errorMessage(err);
      return items.map(() => ({ score: 0, fault: 'threw' as const, detail }));
    }
    if (!Array.isArray(vs) || vs.length !== items.length) {
      const detail = `scoreBatch returned ${Array.isArray(vs) ? `${vs.length} values` : typeof vs} for ${items.length} answers`;
      return items.map(() => ({ score: 0, fault: 'batch_length' as const, detail }));
    }
    return (vs as unknown[]).map((v) => checkScore(v));
  }
  return items.map((it) => guardedScore(scorer, challenge, reference, it.response, it.timing));
}
