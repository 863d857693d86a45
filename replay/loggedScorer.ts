/** The logged scorer, when it is a built-in of the same version (used to verify the logged scores). */
import type { EpochLog } from '../shared/log/interface';
import { BUILTIN_SCORERS } from '../shared/scoring/builtins';
import type { Scorer } from '../shared/scoring/interface';

export function builtinScorerFor(log: EpochLog): Scorer | null {
  const s = BUILTIN_SCORERS[log.scorerName] ?? Object.values(BUILTIN_SCORERS).find((b) => b.name === log.scorerName);
  return s && s.version === log.scorerVersion ? s : null;
}
