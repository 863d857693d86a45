/**
 * Replay's boundaries. The engine (./engine.ts) is pure apart from these: the logged epochs come
 * from a `ReplaySource` (a validator's SQLite log through shared/log's read API), Yuma and the
 * weight preparation are the shared, bit-exact functions, passed in so tests can count calls.
 */
import type { EpochLog, EpochSummary } from '../shared/log/interface';
import type { EpochInput, EpochOutput } from '../shared/yuma/types';
import type { Scorer } from '../shared/scoring/interface';
import type { FirstDifference, UidDelta } from './diff';
import type { ParamOverride } from './params';

/** The read side of shared/log's LogStore: all replay needs. */
export interface ReplaySource {
  listEpochs(): EpochSummary[];
  /** throws SubnetError LOG_EPOCH_MISSING when the epoch is not in the log */
  loadEpoch(epoch: number): EpochLog;
}

export interface ReplayComponents {
  source: ReplaySource;
  /** the bit-exact epoch (shared/yuma) */
  yumaEpoch: (input: EpochInput) => EpochOutput;
  /** scores (index = uid) → the u16 row sent to set_weights (shared/weights) */
  scoresToWeights: (scores: ArrayLike<number>, hyper: { n: number; minAllowedWeights?: number; maxWeightLimit?: number; excludeQuantile?: number }) => { uids: number[]; weights: number[] };
}

export interface ReplayOptions {
  /** re-score the logged answers with this scorer; undefined = keep the logged scores */
  scorer?: Scorer;
  /** consensus parameter overrides (`--set`) */
  params: ParamOverride[];
  /**
   * With changes, carry bonds and validator permits from one replayed epoch into the next
   * (as the chain would have) instead of using the logged ones. Default true.
   */
  feedForward: boolean;
  /** keep the recomputed EpochOutput on each result (reports, vector export) */
  keepOutputs: boolean;
}

export const defaultReplayOptions: ReplayOptions = { params: [], feedForward: true, keepOutputs: false };

export type CheckResult = 'equal' | 'differ' | 'skipped';

export interface EpochReplayResult {
  epoch: number;
  /** the block the chain epoch ran at */
  block: number | null;
  n: number;
  /** true when the recomputed weights and consensus equal the recorded ones */
  identical: boolean;
  /** any change requested (scorer or parameters) */
  changed: boolean;
  /** the first recorded value the recomputation does not reproduce, or null */
  first_difference: FirstDifference | null;
  checks: {
    /** re-scored answers vs logged scores (skipped when the logged scorer is not available) */
    scores: CheckResult;
    /** EMA rebuilt from the epoch's start vector vs the logged EMA after each step */
    ema: CheckResult;
    /** weights from the EMA vs the weights prepared */
    weights: CheckResult;
    /** yumaEpoch(snapshot) vs the logged prediction */
    consensus: CheckResult;
  };
  /** the logged prediction vs what the chain reported (null when the chain's values were not logged) */
  chain_agrees: boolean | null;
  chain_first_difference?: FirstDifference | null;
  /** with changes: every uid whose incentive, dividends or emission moved */
  deltas?: UidDelta[];
  /** notes on what could not be replayed */
  notes?: string[];
  /** the recomputed output (when keepOutputs) */
  output?: EpochOutput;
  /** the input yumaEpoch ran on (when keepOutputs) */
  input?: EpochInput;
  /** the logged snapshot input, before any change (when keepOutputs) */
  recordedInput?: EpochInput;
  /** the recorded prediction (when keepOutputs) */
  recorded?: EpochOutput;
  /** per-uid scores used this epoch: recomputed (when keepOutputs) */
  scores?: { uid: number; score: number; status: string }[];
  hotkeys?: string[];
}
