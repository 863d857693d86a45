/**
 * Yuma consensus, bit-exact with subtensor's on-chain epoch (opentensor/subtensor 14bc6f9f,
 * `epoch_mechanism`). See docs/yuma.md.
 *
 *   yumaEpoch(input)          the epoch: pure, synchronous, no I/O
 *   validateEpochInput(obj)   schema check of untrusted input (throws YUMA_INPUT_INVALID)
 */
import { epoch_mechanism } from './epoch';
import type { EpochInput, EpochOutput } from './types';

export type { EpochInput, EpochOutput, LiquidAlphaParams, CommitRevealState, SparseRowU16 } from './types';
export { EPOCH_OUTPUT_FIELDS } from './types';
export { validateEpochInput, YUMA_INPUT_INVALID, MAX_EPOCH_N } from './validate';

/** The subtensor commit whose epoch this reproduces. */
export const SUBTENSOR_COMMIT = '14bc6f9f964b9cc362e9635dd110a487fa5d15a0';

/** Runs one epoch. `input` must satisfy the schema (use validateEpochInput on untrusted data). */
export function yumaEpoch(input: EpochInput): EpochOutput {
  return epoch_mechanism(input);
}

/**
 * Hyperparameter defaults of a new subnet (SPEC §5: runtime defaults and init_new_network), for
 * callers that build an EpochInput from chain state.
 */
export const defaultEpochParams = {
  tempo: 360,
  activity_cutoff: 5000,
  kappa_u16: 32767,
  bonds_moving_average: 900000,
  bonds_penalty_u16: 65535,
  yuma3: true,
  liquid_alpha: null,
  max_allowed_validators: 64,
  stake_threshold: 0,
  tao_weight: '971718665099567868',
  commit_reveal: null,
  /** used when liquid alpha is switched on */
  liquid_alpha_values: { alpha_low: 45875, alpha_high: 58982, alpha_sigmoid_steepness: 1000 },
} as const;
