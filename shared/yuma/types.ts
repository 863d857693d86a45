/**
 * Yuma epoch input and output, field for field the `input` and `expected` schemas of the
 * reference vectors (../shared/yuma/vectors/README.md). snake_case on purpose: a vector file's
 * `input` object is an `EpochInput`, and an `EpochOutput` serialises to its `expected` object.
 *
 * Integer ranges: u16 fields are 0..65535; u64 fields are JavaScript numbers and must be
 * non-negative safe integers (< 2^53). `validateEpochInput` rejects anything larger, except
 * `tao_weight`, which is a raw u64 and is accepted as a decimal string or a bigint.
 */

/** One stored sparse row: `[dest_uid, value_u16]` pairs, in stored order. */
export type SparseRowU16 = [number, number][];

export interface LiquidAlphaParams {
  /** AlphaValues.low (u16), alpha = low/65535 */
  alpha_low: number;
  /** AlphaValues.high (u16) */
  alpha_high: number;
  /** AlphaSigmoidSteepness (i16) */
  alpha_sigmoid_steepness: number;
}

export interface CommitRevealState {
  /** each uid's earliest unexpired commit block, or null for none (u64::MAX) */
  commit_block: (number | null)[];
}

export interface EpochInput {
  /** case id; echoed by the CLI */
  name?: string;
  /** SubnetworkN; uids are 0..n-1 */
  n: number;
  /** block at which the epoch runs (u64) */
  current_block: number;
  /** effective activity cutoff in blocks (u64) */
  activity_cutoff: number;
  /** Kappa (u16) */
  kappa_u16: number;
  /** BondsMovingAverage (u64, parts per million) */
  bonds_moving_average: number;
  /** null = LiquidAlphaOn false */
  liquid_alpha: LiquidAlphaParams | null;
  /** Yuma3On */
  yuma3: boolean;
  /** alpha stake per uid (u64) */
  stake: number[];
  /** ValidatorPermit stored by the previous epoch */
  validator_permit: boolean[];
  /** LastUpdate per uid (u64) */
  last_update: number[];
  /** BlockAtRegistration per uid (u64) */
  block_at_registration: number[];
  /** Weights rows as stored (max-upscaled u16, caller's order; dest uids >= n may occur) */
  weights: SparseRowU16[];
  /** Bonds rows as stored */
  bonds: SparseRowU16[];
  /** alpha (rao) distributed by this epoch (u64) */
  rao_emission: number;
  /** Tempo (u16) */
  tempo: number;
  /** LastMechansimStepBlock (u64) */
  last_mechanism_step_block: number;
  /** BondsPenalty (u16) */
  bonds_penalty_u16: number;
  /** MaxAllowedValidators (u16) */
  max_allowed_validators: number;
  /** StakeThreshold (u64) */
  stake_threshold: number;
  /** uid of SubnetOwnerHotkey, or null */
  owner_uid: number | null;
  /** root TAO stake per uid (u64), null = all zero */
  tao_stake: number[] | null;
  /** raw TaoWeight u64 (decimal string or bigint); total = alpha + tao*tao_weight/u64::MAX */
  tao_weight: string | bigint;
  /** null = CommitRevealWeightsEnabled false */
  commit_reveal: CommitRevealState | null;
}

export interface EpochOutput {
  /** Active */
  active: boolean[];
  /** legacy Rank (no longer written on chain) */
  rank: number[];
  /** legacy Trust (no longer written on chain) */
  trust: number[];
  consensus: number[];
  incentive: number[];
  dividends: number[];
  validator_trust: number[];
  /** legacy PruningScores (no longer written on chain) */
  pruning_scores: number[];
  /**
   * alpha to each uid as miner (u64 rao), a JavaScript number. Always exact: every share is
   * <= 1, so each emission is <= rao_emission, which validateEpochInput keeps below 2^53.
   * (A chain emitting >= 2^53 rao per epoch is outside this API; it would need bigint fields.)
   */
  server_emission: number[];
  /** alpha to each uid as validator (u64 rao), same number caveat as server_emission */
  validator_emission: number[];
  /** Bonds after the epoch; rows of uids without a new permit are [] */
  bonds: SparseRowU16[];
  /** Emission: combined rao per uid (u64), same number caveat */
  emission: number[];
  /** StakeWeight (u16) */
  stake_weight: number[];
  /** ValidatorPermit written by this epoch */
  new_validator_permit: boolean[];
}

/** The u16 / u64 output fields, in the order of the vectors' `expected` schema table. */
export const EPOCH_OUTPUT_FIELDS = [
  'active',
  'rank',
  'trust',
  'consensus',
  'incentive',
  'dividends',
  'validator_trust',
  'pruning_scores',
  'server_emission',
  'validator_emission',
  'bonds',
  'emission',
  'stake_weight',
  'new_validator_permit',
] as const satisfies readonly (keyof EpochOutput)[];
