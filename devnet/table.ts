/**
 * Pure rendering of the devnet's per-epoch table and its JSON summary.
 */
import type { MinerKind } from './options';

export type NeuronRole = 'miner' | 'validator';
export type NeuronKind = MinerKind | 'validator' | 'owner' | 'unknown';

export interface NeuronRow {
  uid: number;
  role: NeuronRole | 'owner' | 'unknown';
  kind: NeuronKind;
  hotkey: string;
  /** stake in rao */
  stake: bigint;
  /** u16 values as the chain stores them */
  consensus: number;
  incentive: number;
  dividends: number;
  validator_trust: number;
  /** rao */
  emission: bigint;
}

export interface SummaryNeuron {
  uid: number;
  role: string;
  kind: string;
  hotkey: string;
  stake_tao: number;
  consensus: number;
  incentive: number;
  dividends: number;
  emission: number;
  validator_trust: number;
}

export interface DevnetSummary {
  epochs: number;
  wall_s: number;
  time_to_first_epoch_s: number | null;
  run_dir: string;
  netuid: number;
  block: number;
  scenario?: string;
  neurons: SummaryNeuron[];
  /** a collusion scenario: the stake share of the colluders and the cheater's share of incentive (as `subnet simulate` reports it) */
  collusion?: { colluding_stake: number; colluders: number; cheater_uid: number; cheater_incentive_share: number };
  /** a weight-copying scenario: the copier, its honest twin (equal stake) and copier/twin dividends */
  copier?: { uid: number; delay: number; twin_uid: number | null; dividends: number; twin_dividends: number | null; dividends_ratio_vs_honest: number | null; last_update: number | null };
  /** the `kind` of a simulate-format scenario */
  scenario_kind?: string;
  /** a flipping scenario: phase length in epochs and ms, and the flipping miners (kind "flipping") */
  flipping?: { flip_every: number; period_ms: number; flipper_uids: number[] };
  /** an inactive scenario: the validators that stop, whether they were stopped, their share of dividends in the last epoch */
  inactive?: { inactive_stake: number; stop_epoch: number; stopped_uids: number[]; stopped: number[]; stopped_dividend_share: number };
  /** checks of the expected ordering (honest > degraded > slow/garbage) */
  checks: { honest_beats_degraded: boolean; slow_garbage_near_zero: boolean };
}

const U16 = 65535;

export function u16ToFloat(v: number): number {
  return Math.round((v / U16) * 1e6) / 1e6;
}

export function raoToTao(v: bigint): number {
  const whole = v / 1_000_000_000n;
  const frac = v % 1_000_000_000n;
  return Number(whole) + Number(frac) / 1e9;
}

export function summaryNeuron(r: NeuronRow): SummaryNeuron {
  return {
    uid: r.uid,
    role: r.role,
    kind: r.kind,
    hotkey: r.hotkey,
    stake_tao: Math.round(raoToTao(r.stake) * 1e6) / 1e6,
    consensus: u16ToFloat(r.consensus),
    incentive: u16ToFloat(r.incentive),
    dividends: u16ToFloat(r.dividends),
    emission: Math.round(raoToTao(r.emission) * 1e9) / 1e9,
    validator_trust: u16ToFloat(r.validator_trust),
  };
}

/**
 * The ordering the devnet must show: every honest miner has more incentive than every degraded
 * (noisy, quantised) miner, and slow and garbage miners have (almost) none (< 1% of the total).
 */
export function orderingChecks(rows: SummaryNeuron[]): DevnetSummary['checks'] {
  const inc = (k: string) => rows.filter((r) => r.kind === k).map((r) => r.incentive);
  const honest = inc('honest');
  const degraded = [...inc('noisy'), ...inc('quantised')];
  const bad = [...inc('slow'), ...inc('garbage')];
  const total = rows.reduce((s, r) => s + r.incentive, 0);
  const minHonest = honest.length ? Math.min(...honest) : 0;
  const maxDegraded = degraded.length ? Math.max(...degraded) : 0;
  return {
    honest_beats_degraded: honest.length > 0 && minHonest > maxDegraded,
    slow_garbage_near_zero: total > 0 && bad.every((v) => v < 0.01 * total),
  };
}

function fmt(v: number, digits = 4): string {
  return v.toFixed(digits);
}

/** A fixed-width text table; `header` is printed above it. */
export function renderTable(rows: NeuronRow[], header: string): string {
  const cols = ['uid', 'role', 'kind', 'stake(τ)', 'consensus', 'incentive', 'dividends', 'emission(τ)', 'vtrust'];
  const body = rows.map((r) => {
    const s = summaryNeuron(r);
    return [
      String(r.uid),
      r.role,
      r.kind,
      s.stake_tao.toFixed(2),
      fmt(s.consensus),
      fmt(s.incentive),
      fmt(s.dividends),
      s.emission.toFixed(4),
      fmt(s.validator_trust),
    ];
  });
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [header, line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}
