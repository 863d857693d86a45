/**
 * Scoring plug-ins. A scorer is a small PURE module: no I/O, no clock, no randomness. It turns
 * one miner answer into a number in [0, 1]:
 *
 *   score(challenge, reference, response, timing) -> number in [0, 1]
 *
 * plus an optional batch form. The validator calls it only for answers that arrived (status
 * `ok`); a timeout, a transport error or a miner without an axon scores 0 as such and is logged
 * with its status, never dropped. A scorer that throws, returns NaN or a value outside [0, 1] is
 * reported by name (see guard.ts) and that answer scores 0.
 */
import type { DType } from '../model/interface';

/** A tensor as a scorer sees it: the raw bytes plus its elements decoded to float64 (lazily). */
export interface ScoreTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** raw little-endian bytes, row-major */
  readonly data: Uint8Array;
  /** the elements as float64 (int64 is converted with Number()); decoded on first access */
  readonly values: Float64Array;
}

/** Named tensors (a model's inputs or outputs). */
export type ScoreTensors = Readonly<Record<string, ScoreTensor>>;

export interface ScoreChallenge {
  /** the task name (the default task is `reference-model`) */
  readonly task: string;
  /** the seed the challenge inputs were generated from (u32) */
  readonly seed: number;
  readonly epoch: number;
  readonly step: number;
  /** the inputs sent to every miner in this step */
  readonly inputs: ScoreTensors;
}

export interface ScoreTiming {
  /** round-trip latency measured by the validator, in ms */
  readonly latencyMs: number;
  /** the query deadline, in ms */
  readonly timeoutMs: number;
}

/** One answer to score in a batch. */
export interface ScoreItem {
  readonly uid: number;
  readonly response: ScoreTensors;
  readonly timing: ScoreTiming;
}

export interface Scorer {
  /** short stable name, logged with every epoch (`cosine`, `my-subnet-scorer`, ...) */
  readonly name: string;
  /** version string, logged with every epoch; bump it when the function's results change */
  readonly version: string;
  score(challenge: ScoreChallenge, reference: ScoreTensors, response: ScoreTensors, timing: ScoreTiming): number;
  /** optional: score all answers of one step at once (same contract, one number per item, in order) */
  scoreBatch?(challenge: ScoreChallenge, reference: ScoreTensors, items: readonly ScoreItem[]): number[];
}

/** Why an answer's score was forced to 0 by the guard. */
export type ScoreFault = 'threw' | 'nan' | 'not_number' | 'out_of_range' | 'batch_length';

export interface GuardedScore {
  /** always a finite number in [0, 1] */
  score: number;
  /** set when the scorer misbehaved and the score was forced to 0 */
  fault?: ScoreFault;
  /** the scorer's error message or the offending value, for the log */
  detail?: string;
}
