/**
 * Defaults of every optional scenario field (one place; the CLI help and docs/simulate.md read
 * them from here). Chain values follow ../shared/yuma/SPEC.md §5.
 */
export const defaultScenarioOptions = {
  /** Tempo in blocks (chain default 360); epochs are tempo + 1 blocks apart */
  tempo: 360,
  /** ActivityCutoffFactorMilli; activity_cutoff = max(1, floor(factor * tempo / 1000)) unless given */
  activity_cutoff_factor_milli: 13889,
  /** BondsMovingAverage (ppm), EMA alpha = 1 - bma/1e6 */
  bonds_moving_average: 900_000,
  /** BondsPenalty as u16 (65535 = 1: bonds follow clipped weights) */
  bonds_penalty_u16: 65535,
  /** MaxAllowedValidators (init_new_network sets 64) */
  max_allowed_validators: 64,
  /** alpha (rao) distributed per epoch */
  rao_emission: 1_000_000_000,
  /** relative evaluation noise of honest validators: score = quality * max(0, 1 + noise * N(0,1)) */
  noise: 0.1,
  /** lognormal sigma of validator stakes (0 = all equal) */
  stake_sigma: 0.5,
  /** honest miners' qualities are uniform in [quality_min, 1] */
  quality_min: 0.2,
  /** liquid alpha values used when `liquid_alpha: true` (chain defaults) */
  liquid_alpha: { alpha_low: 45875, alpha_high: 58982, alpha_sigmoid_steepness: 1000 },
  /** total validator stake (rao) split among validators; stays far below 2^53 */
  total_validator_stake: 1e15,
  // kind-specific
  /** weight-copying: extra epochs of delay before the copier sees a consensus (commit-reveal-like) */
  copy_delays: [0, 1, 2] as number[],
  /** weight-copying / inactive: per-epoch sd of the random walk of miner quality */
  quality_drift: 0.05,
  /** inactive: fraction of validator stake that stops setting weights */
  inactive_stake: 0.25,
  /** inactive: the epoch (0-based) from which they stop */
  stop_epoch: 5,
  /** flipping: number of flipping miners */
  flippers: 1,
  /** flipping: a flipper switches honest <-> garbage every k epochs */
  flip_every: 10,
} as const;

/** activity_cutoff in blocks for a tempo, as subtensor computes it. */
export function defaultActivityCutoff(tempo: number): number {
  return Math.max(1, Math.floor((defaultScenarioOptions.activity_cutoff_factor_milli * tempo) / 1000));
}

/** Hard limits that keep a run bounded (2 shared cores). */
export const scenarioLimits = {
  maxUids: 4096,
  maxEpochs: 100_000,
  maxSweepPoints: 201,
  maxDelays: 16,
} as const;
