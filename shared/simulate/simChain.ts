/**
 * The chain state one epoch needs, fed forward the way subtensor does it (SPEC.md §2): only
 * `Bonds` and `ValidatorPermit` of an epoch's outputs feed the next epoch; the block advances by
 * tempo + 1 between epochs; `LastMechansimStepBlock` becomes the epoch's block; a validator's
 * `LastUpdate` is the block at which it last set weights (commit-reveal off).
 */
import type { EpochInput, EpochOutput, SparseRowU16 } from '../yuma/types';
import { SimulateError, SimulateErrorCode } from './errors';
import type { EpochFunction } from './interface';
import type { ConsensusSettings } from './scenario';

/** Raw TaoWeight default (SPEC.md §5); irrelevant here because tao_stake is null. */
const TAO_WEIGHT_DEFAULT = '971718665099567868';

export class SimChain {
  readonly n: number;
  /** block at which the next epoch runs */
  block: number;
  private lms = 0;
  readonly weights: SparseRowU16[];
  bonds: SparseRowU16[];
  permits: boolean[];
  readonly lastUpdate: number[];
  readonly stake: number[];
  epochsRun = 0;

  constructor(
    private readonly settings: ConsensusSettings,
    stake: readonly number[],
    private readonly epochFn: EpochFunction,
  ) {
    this.n = stake.length;
    this.stake = stake.slice();
    // A running subnet: genesis well in the past, every uid registered at block 0.
    this.block = 10 * (settings.tempo + 1);
    this.weights = Array.from({ length: this.n }, () => []);
    this.bonds = Array.from({ length: this.n }, () => []);
    this.lastUpdate = new Array<number>(this.n).fill(0);
    this.permits = initialPermits(this.stake, settings.max_allowed_validators);
  }

  /** A validator sets weights during this epoch's interval (one block before the epoch). */
  setWeights(uid: number, row: SparseRowU16): void {
    this.weights[uid] = row;
    this.lastUpdate[uid] = this.block - 1;
  }

  input(): EpochInput {
    const s = this.settings;
    return {
      n: this.n,
      current_block: this.block,
      activity_cutoff: s.activity_cutoff,
      kappa_u16: s.kappa_u16,
      bonds_moving_average: s.bonds_moving_average,
      liquid_alpha: s.liquid_alpha,
      yuma3: s.yuma3,
      stake: this.stake.slice(),
      validator_permit: this.permits.slice(),
      last_update: this.lastUpdate.slice(),
      block_at_registration: new Array<number>(this.n).fill(0),
      weights: this.weights.map((r) => r.map((e) => [e[0], e[1]] as [number, number])),
      bonds: this.bonds,
      rao_emission: s.rao_emission,
      tempo: s.tempo,
      last_mechanism_step_block: this.lms,
      bonds_penalty_u16: s.bonds_penalty_u16,
      max_allowed_validators: s.max_allowed_validators,
      stake_threshold: 0,
      owner_uid: null,
      tao_stake: null,
      tao_weight: TAO_WEIGHT_DEFAULT,
      commit_reveal: null,
    };
  }

  /** Runs one epoch and feeds its bonds and new permits forward. */
  runEpoch(): EpochOutput {
    const out = this.epochFn(this.input());
    if (!out || !Array.isArray(out.bonds) || out.bonds.length !== this.n || !Array.isArray(out.new_validator_permit) || !Array.isArray(out.incentive)) {
      throw new SimulateError(SimulateErrorCode.BAD_EPOCH_OUTPUT, 'the epoch function returned an output without n bonds rows / permits / incentive', { n: this.n });
    }
    this.bonds = out.bonds;
    this.permits = out.new_validator_permit.slice();
    this.lms = this.block;
    this.block += this.settings.tempo + 1;
    this.epochsRun++;
    return out;
  }
}

/**
 * Permits the subnet would hold after earlier epochs: top-k non-zero stake, ties favouring higher
 * uids (`is_topk_nonzero`, SPEC.md §4.3). Only the starting state; later permits come from the
 * epoch function itself.
 */
export function initialPermits(stake: readonly number[], k: number): boolean[] {
  const n = stake.length;
  const result = stake.map((s) => s !== 0);
  if (n < k) return result;
  const idx = stake.map((_, i) => i);
  idx.sort((a, b) => stake[a] - stake[b] || a - b); // stable ascending; ties keep uid order
  for (let r = 0; r < n - k; r++) result[idx[r]] = false;
  return result;
}
