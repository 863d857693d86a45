/**
 * The devnet's colluding validator scorer (`--scorer <this file>`), for collusion scenarios: it
 * gives score 1 to the cheating miner (uid in DEVNET_CHEATER_UID) and 0 to every other answer,
 * so the validator puts all its weight on the cheater. A real scorer module, loaded by the real
 * validator process through shared/scoring's loader.
 */
import type { ScoreChallenge, ScoreItem, ScoreTensors, Scorer } from '../../shared/scoring/interface';

export const CHEATER_ENV = 'DEVNET_CHEATER_UID';

export function cheaterUid(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[CHEATER_ENV]);
  return Number.isInteger(v) && v >= 0 ? v : -1;
}

export const colludingScorer: Scorer = {
  name: 'devnet-collude',
  version: '1',
  // without the uid (single-answer form) nothing can be favoured
  score(): number {
    return 0;
  },
  scoreBatch(_c: ScoreChallenge, _r: ScoreTensors, items: readonly ScoreItem[]): number[] {
    const cheater = cheaterUid();
    return items.map((it) => (it.uid === cheater ? 1 : 0));
  },
};

export const name = colludingScorer.name;
export const version = colludingScorer.version;
export const score = colludingScorer.score;
export const scoreBatch = colludingScorer.scoreBatch;
export default colludingScorer;
