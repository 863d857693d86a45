/** What a simulation returns, per scenario kind. Shares are fractions in [0, 1]. */

export interface SettingsSummary {
  kappa_u16: number;
  kappa: number;
  yuma3: boolean;
  liquid_alpha: boolean;
  bonds_moving_average: number;
  bonds_penalty_u16: number;
  tempo: number;
  activity_cutoff: number;
  max_allowed_validators: number;
  validators: number;
  miners: number;
  epochs: number;
  seed: number;
}

export interface CollusionPoint {
  /** requested fraction of total validator stake held by the colluders */
  colluding_stake: number;
  /** the cheater's share of total incentive in the last epoch */
  cheater_incentive_share: number;
  /** fraction actually realised with integer stakes */
  actual_colluding_stake: number;
  colluders: number;
  /** colluders' share of total dividends in the last epoch */
  colluder_dividend_share: number;
  /**
   * epochs after the colluders start colluding (epoch 0, or defect_epoch) until their dividend
   * share covered 50% / 90% of its move from the level before (0, or the last honest epoch's) to
   * the last epoch's
   */
  dividend_epochs_to_50: number | null;
  dividend_epochs_to_90: number | null;
  /** per epoch */
  cheater_share_series: number[];
  colluder_dividend_series: number[];
}

export interface CollusionResult {
  kind: 'collusion';
  scenario: string;
  settings: SettingsSummary;
  points: CollusionPoint[];
  /** smallest swept colluding stake where the cheater takes > 50% of incentive (null: never) */
  breaks_at: number | null;
  /** largest swept colluding stake below breaks_at where the cheater gets < 1% */
  safe_up_to: number | null;
}

export interface CopyVariant {
  /** extra epochs before a consensus is visible to the copier (0 = copies last epoch's consensus) */
  delay: number;
  copier_uid: number;
  twin_uid: number;
  /** means over the second half of the run (u16 outputs / 65535) */
  copier_dividends: number;
  twin_dividends: number;
  /** copier_dividends / twin_dividends (same stake): > 1 means copying pays */
  dividend_ratio: number | null;
  copier_vtrust: number;
  twin_vtrust: number;
  /** mean over honest validators other than the twin, for reference */
  honest_vtrust: number;
  copier_dividend_series: number[];
  twin_dividend_series: number[];
  copier_vtrust_series: number[];
  twin_vtrust_series: number[];
}

export interface WeightCopyingResult {
  kind: 'weight-copying';
  scenario: string;
  settings: SettingsSummary;
  quality_drift: number;
  variants: CopyVariant[];
}

export interface InactiveResult {
  kind: 'inactive';
  scenario: string;
  settings: SettingsSummary;
  inactive_stake: number;
  stopped_uids: number[];
  stop_epoch: number;
  /** first epoch (0-based) at which the stopped validators are reported inactive, null if never */
  inactive_from_epoch: number | null;
  /** epochs after stopping until inactive (ceil(activity_cutoff / (tempo+1)) or so) */
  epochs_until_inactive: number | null;
  /** stopped validators' dividend share: mean over the epochs before stop_epoch, and in the last epoch */
  dividend_share_before: number;
  dividend_share_last: number;
  /** epochs after stop_epoch until their dividend share lost 50% / 90% of its way to the last level */
  dividend_epochs_to_50: number | null;
  dividend_epochs_to_90: number | null;
  /** stopped validators' share of all stored bond mass: before, last, and decay times */
  bond_share_before: number;
  bond_share_last: number;
  bond_epochs_to_50: number | null;
  bond_epochs_to_90: number | null;
  /** per epoch */
  active_series: number[];
  dividend_share_series: number[];
  bond_share_series: number[];
  vtrust_series: number[];
}

export interface FlipStat {
  /** epoch (0-based) of the flip */
  epoch: number;
  to: 'honest' | 'garbage';
  incentive_epochs_to_50: number | null;
  incentive_epochs_to_90: number | null;
  bond_epochs_to_50: number | null;
  bond_epochs_to_90: number | null;
}

export interface FlippingResult {
  kind: 'flipping';
  scenario: string;
  settings: SettingsSummary;
  flip_every: number;
  flipper_uids: number[];
  flips: FlipStat[];
  /** medians over flips, per direction */
  summary: {
    to_garbage: { incentive_epochs_to_50: number | null; incentive_epochs_to_90: number | null; bond_epochs_to_50: number | null; bond_epochs_to_90: number | null };
    to_honest: { incentive_epochs_to_50: number | null; incentive_epochs_to_90: number | null; bond_epochs_to_50: number | null; bond_epochs_to_90: number | null };
  };
  /** per epoch: the flippers' share of incentive, their mean stored bond level (/65535), honest-phase flag */
  incentive_share_series: number[];
  bond_level_series: number[];
  honest_series: number[];
}

export type SimulationResult = CollusionResult | WeightCopyingResult | InactiveResult | FlippingResult;
