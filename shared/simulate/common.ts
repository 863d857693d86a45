/** Helpers shared by the scenario runners. */
import type { SparseRowU16 } from '../yuma/types';
import type { SimulateRunOptions } from './interface';
import type { Scenario } from './scenario';
import type { SettingsSummary } from './result';

export function settingsSummary(sc: Scenario): SettingsSummary {
  const c = sc.consensus;
  return {
    kappa_u16: c.kappa_u16,
    kappa: c.kappa_u16 / 65535,
    yuma3: c.yuma3,
    liquid_alpha: c.liquid_alpha !== null,
    bonds_moving_average: c.bonds_moving_average,
    bonds_penalty_u16: c.bonds_penalty_u16,
    tempo: c.tempo,
    activity_cutoff: c.activity_cutoff,
    max_allowed_validators: c.max_allowed_validators,
    validators: sc.validators,
    miners: sc.miners,
    epochs: sc.epochs,
    seed: sc.seed,
  };
}

/** Counts epochs across a whole run and honours the abort signal between epochs. */
export class Progress {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly opts: SimulateRunOptions,
  ) {}
  check(): void {
    this.opts.signal?.throwIfAborted();
  }
  tick(): void {
    this.done++;
    this.opts.onProgress?.(this.done, this.total);
  }
}

/** Mean over `rows` of the stored bond value to column `j`, divided by 65535. */
export function columnBondLevel(bonds: readonly SparseRowU16[], rows: readonly number[], j: number): number {
  if (rows.length === 0) return 0;
  let s = 0;
  for (const i of rows) {
    const row = bonds[i];
    if (!row) continue;
    for (const e of row) if (e[0] === j) s += e[1];
  }
  return s / 65535 / rows.length;
}

/** Σ of stored bond values in the given rows (all columns). */
export function bondMass(bonds: readonly SparseRowU16[], rows: readonly number[]): number {
  let s = 0;
  for (const i of rows) {
    const row = bonds[i];
    if (!row) continue;
    for (const e of row) s += e[1];
  }
  return s;
}

export function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
}
