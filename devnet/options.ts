/**
 * Devnet settings: one options object with defaults. The CLI (`subnet devnet`) takes its
 * defaults from here; a scenario file (./scenario.ts) overrides them, CLI flags override both.
 */

export const MINER_KINDS = ['honest', 'noisy', 'quantised', 'slow', 'garbage', 'flipping'] as const;
export type MinerKind = (typeof MINER_KINDS)[number];

export function isMinerKind(s: string): s is MinerKind {
  return (MINER_KINDS as readonly string[]).includes(s);
}

export interface MinerSpec {
  kind: MinerKind;
}

export interface ValidatorSpec {
  /** alpha stake added to the validator's hotkey, in TAO (1 TAO = 1e9 rao) */
  stake_tao: number;
  /** `--scorer` for this validator; the devnet default when undefined */
  scorer?: string;
  /** a colluding validator (collusion scenarios): it puts all its weight on the cheating miner */
  collude?: boolean;
  /** an inactive scenario: the devnet stops this validator's process once this many epochs were counted */
  stopAtEpoch?: number;
  /** a weight-copying scenario: this validator is the copier (devnet/copier.ts), copying the consensus of `delay` epochs ago */
  copier?: { delay: number };
}

/** Subnet hyperparameters the devnet sets with sudo before anything registers. */
export interface DevnetSubnetParams {
  tempo: number;
  weights_rate_limit: number;
  kappa?: number;
  activity_cutoff?: number;
  bonds_moving_average?: number;
  yuma3?: boolean;
  max_allowed_validators?: number;
  /** commit-reveal stays off on the devnet: validators set weights directly */
  commit_reveal: false;
}

export interface DevnetValidatorParams {
  scorer: string;
  sample_size: number;
  timeout_ms: number;
  alpha: number;
  /** interval between query steps */
  step_ms: number;
}

export interface DevnetOptions {
  /** where wallets, logs, databases and the manifest go; a fresh folder when undefined */
  runDir?: string;
  miners: MinerSpec[];
  validators: ValidatorSpec[];
  subnet: DevnetSubnetParams;
  validator: DevnetValidatorParams;
  /** block interval of the local chain */
  blockMs: number;
  /** stop after this many completed epochs; run until signalled when undefined */
  epochs?: number;
  /** how a slow miner sleeps before answering (must exceed validator.timeout_ms) */
  slowDelayMs: number;
  /** stop with an error if the first epoch has not completed after this long */
  startupTimeoutMs: number;
  /** whole-run limit per epoch: an epoch that takes longer than this fails the run */
  epochTimeoutMs: number;
  /** the scenario's name, echoed in the summary */
  scenarioName?: string;
  /** seed for the garbage miners and noisy models */
  seed: number;
  /** netuid the devnet creates */
  netuid: number;
  /** a collusion scenario (from `subnet simulate`'s format): the point of the curve this run shows */
  collusion?: { colluding_stake: number; from_points: number[] };
  /** the `kind` of a simulate-format scenario (collusion, flipping, inactive), shown in progress lines */
  scenarioKind?: string;
  /** a flipping scenario: flippers answer honestly for `flip_every` epochs, then garbage for as many */
  flipping?: { flip_every: number };
  /** an inactive scenario: the stake share that stops and the counted epoch it stops at */
  inactive?: { inactive_stake: number; stop_epoch: number };
  /** a weight-copying scenario: the copier's delay (the median of `copy_delays`) */
  weightCopying?: { delay: number; from_delays: number[] };
  /** what the scenario translation changed (shown as progress lines) */
  notes?: string[];
}

export const DEFAULT_MINERS: MinerKind[] = ['honest', 'honest', 'noisy', 'quantised', 'slow', 'garbage'];
export const DEFAULT_VALIDATOR_STAKES_TAO = [1000, 500, 250];

export const defaultDevnetOptions: DevnetOptions = {
  miners: DEFAULT_MINERS.map((kind) => ({ kind })),
  validators: DEFAULT_VALIDATOR_STAKES_TAO.map((stake_tao) => ({ stake_tao })),
  subnet: { tempo: 10, weights_rate_limit: 1, commit_reveal: false },
  validator: { scorer: 'relative-error', sample_size: 0, timeout_ms: 1000, alpha: 0.3, step_ms: 500 },
  blockMs: 200,
  epochs: undefined,
  slowDelayMs: 3000,
  startupTimeoutMs: 60_000,
  epochTimeoutMs: 60_000,
  seed: 7,
  netuid: 1,
};

export const RAO_PER_TAO = 1_000_000_000n;
