/**
 * Scenario files: JSON in, a validated `Scenario` out. Every failure is a SimulateError with code
 * SIMULATE_BAD_SCENARIO and `context.field` naming the offending field.
 *
 * Kappa (and bonds_penalty) may be given as a fraction or as the chain's u16: a number <= 1 is a
 * fraction and maps to u16 = floor(f * 65535) (so 0.5 -> 32767, the chain default, and 1 -> 65535);
 * an integer in 2..65535 is taken as the u16 itself. Non-integers above 1 are rejected.
 */
import type { LiquidAlphaParams } from '../yuma/types';
import { SimulateError, SimulateErrorCode, badScenario } from './errors';
import { defaultActivityCutoff, defaultScenarioOptions as D, scenarioLimits } from './options';

export const SCENARIO_KINDS = ['collusion', 'weight-copying', 'inactive', 'flipping'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/** Consensus and network settings shared by every kind (all resolved, u16 where the chain has u16). */
export interface ConsensusSettings {
  kappa_u16: number;
  yuma3: boolean;
  tempo: number;
  activity_cutoff: number;
  bonds_moving_average: number;
  bonds_penalty_u16: number;
  liquid_alpha: LiquidAlphaParams | null;
  max_allowed_validators: number;
  rao_emission: number;
}

export interface ScenarioBase {
  name: string;
  description?: string;
  validators: number;
  miners: number;
  epochs: number;
  seed: number;
  noise: number;
  stake_sigma: number;
  quality_min: number;
  consensus: ConsensusSettings;
}

export interface CollusionScenario extends ScenarioBase {
  kind: 'collusion';
  colluding_stake: number[];
  /** colluders evaluate honestly before this epoch (0 = collude from the start) */
  defect_epoch: number;
}
export interface WeightCopyingScenario extends ScenarioBase {
  kind: 'weight-copying';
  copy_delays: number[];
  quality_drift: number;
}
export interface InactiveScenario extends ScenarioBase {
  kind: 'inactive';
  inactive_stake: number;
  stop_epoch: number;
  quality_drift: number;
}
export interface FlippingScenario extends ScenarioBase {
  kind: 'flipping';
  flippers: number;
  flip_every: number;
}
export type Scenario = CollusionScenario | WeightCopyingScenario | InactiveScenario | FlippingScenario;

const COMMON_FIELDS = [
  'name', 'description', 'kind', 'validators', 'miners', 'epochs', 'seed', 'kappa', 'yuma3',
  'tempo', 'activity_cutoff', 'bonds_moving_average', 'bonds_penalty', 'liquid_alpha',
  'max_allowed_validators', 'rao_emission', 'noise', 'stake_sigma', 'quality_min',
];
const KIND_FIELDS: Record<ScenarioKind, string[]> = {
  collusion: ['colluding_stake', 'defect_epoch'],
  'weight-copying': ['copy_delays', 'quality_drift'],
  inactive: ['inactive_stake', 'stop_epoch', 'quality_drift'],
  flipping: ['flippers', 'flip_every'],
};

type Obj = Record<string, unknown>;

function has(o: Obj, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
}

function req(o: Obj, k: string): unknown {
  if (!has(o, k)) throw badScenario(k, 'missing');
  return o[k];
}

function int(o: Obj, k: string, lo: number, hi: number, dflt?: number): number {
  if (!has(o, k)) {
    if (dflt === undefined) throw badScenario(k, 'missing');
    return dflt;
  }
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badScenario(k, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < lo || v > hi) throw badScenario(k, `must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

function num(o: Obj, k: string, lo: number, hi: number, dflt?: number): number {
  if (!has(o, k)) {
    if (dflt === undefined) throw badScenario(k, 'missing');
    return dflt;
  }
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badScenario(k, `must be a number, got ${JSON.stringify(v)}`);
  if (v < lo || v > hi) throw badScenario(k, `must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

function bool(o: Obj, k: string, dflt?: boolean): boolean {
  if (!has(o, k)) {
    if (dflt === undefined) throw badScenario(k, 'missing');
    return dflt;
  }
  const v = o[k];
  if (typeof v !== 'boolean') throw badScenario(k, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** A fraction (<= 1) or a u16 (integer 2..65535) -> u16. */
export function fractionOrU16(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badScenario(field, `must be a fraction in [0, 1] or a u16 integer in [2, 65535], got ${JSON.stringify(v)}`);
  if (v < 0) throw badScenario(field, `must not be negative, got ${v}`);
  if (v <= 1) return Math.floor(v * 65535);
  if (!Number.isInteger(v) || v > 65535) throw badScenario(field, `above 1 it must be a u16 integer in [2, 65535], got ${v}`);
  return v;
}

function fractions(o: Obj, k: string, maxLen: number): number[] {
  const v = req(o, k);
  if (!Array.isArray(v) || v.length === 0) throw badScenario(k, 'must be a non-empty array of fractions in [0, 1]');
  if (v.length > maxLen) throw badScenario(k, `at most ${maxLen} entries, got ${v.length}`);
  return v.map((x: unknown, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw badScenario(`${k}[${i}]`, `must be a number, got ${JSON.stringify(x)}`);
    if (x < 0 || x > 1) throw badScenario(`${k}[${i}]`, `must be a fraction in [0, 1], got ${x}`);
    return x;
  });
}

function liquidAlpha(o: Obj): LiquidAlphaParams | null {
  if (!has(o, 'liquid_alpha')) return null;
  const v = o.liquid_alpha;
  if (v === false || v === null) return null;
  if (v === true) return { ...D.liquid_alpha };
  if (typeof v !== 'object' || Array.isArray(v)) throw badScenario('liquid_alpha', 'must be true, false or {"alpha_low", "alpha_high", "alpha_sigmoid_steepness"}');
  const la = v as Obj;
  for (const key of Object.keys(la)) {
    if (!(key in D.liquid_alpha)) throw badScenario(`liquid_alpha.${key}`, 'unknown field');
  }
  const low = int(la, 'alpha_low', 1638, 65535, D.liquid_alpha.alpha_low);
  const high = int(la, 'alpha_high', 1638, 65535, D.liquid_alpha.alpha_high);
  if (low > high) throw badScenario('liquid_alpha.alpha_low', `must be <= alpha_high (${low} > ${high})`);
  const steep = int(la, 'alpha_sigmoid_steepness', -32768, 32767, D.liquid_alpha.alpha_sigmoid_steepness);
  return { alpha_low: low, alpha_high: high, alpha_sigmoid_steepness: steep };
}

/** Validates a parsed scenario object. Throws SimulateError(SIMULATE_BAD_SCENARIO, {field}). */
export function validateScenario(raw: unknown): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SimulateError(SimulateErrorCode.BAD_SCENARIO, 'scenario must be a JSON object', { field: '' });
  }
  const o = raw as Obj;
  const kindRaw = req(o, 'kind');
  if (typeof kindRaw !== 'string' || !(SCENARIO_KINDS as readonly string[]).includes(kindRaw)) {
    throw badScenario('kind', `unknown kind ${JSON.stringify(kindRaw)} (known: ${SCENARIO_KINDS.join(', ')})`);
  }
  const kind = kindRaw as ScenarioKind;
  const allowed = new Set([...COMMON_FIELDS, ...KIND_FIELDS[kind]]);
  for (const k of Object.keys(o)) {
    if (o[k] !== undefined && !allowed.has(k)) throw badScenario(k, `unknown field for kind "${kind}"`);
  }
  const name = req(o, 'name');
  if (typeof name !== 'string' || name.trim() === '') throw badScenario('name', 'must be a non-empty string');
  let description: string | undefined;
  if (has(o, 'description')) {
    if (typeof o.description !== 'string') throw badScenario('description', 'must be a string');
    description = o.description;
  }
  const validators = int(o, 'validators', 1, scenarioLimits.maxUids);
  const miners = int(o, 'miners', 1, scenarioLimits.maxUids);
  if (validators + miners > scenarioLimits.maxUids) throw badScenario('miners', `validators + miners must be <= ${scenarioLimits.maxUids}`);
  const epochs = int(o, 'epochs', 1, scenarioLimits.maxEpochs);
  const seed = int(o, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const kappa_u16 = fractionOrU16('kappa', req(o, 'kappa'));
  const yuma3 = bool(o, 'yuma3');
  const tempo = int(o, 'tempo', 1, 65535, D.tempo);
  const activity_cutoff = int(o, 'activity_cutoff', 1, Number.MAX_SAFE_INTEGER, defaultActivityCutoff(tempo));
  const bonds_moving_average = int(o, 'bonds_moving_average', 0, 1_000_000, D.bonds_moving_average);
  const bonds_penalty_u16 = has(o, 'bonds_penalty') ? fractionOrU16('bonds_penalty', o.bonds_penalty) : D.bonds_penalty_u16;
  const liquid_alpha = liquidAlpha(o);
  const max_allowed_validators = int(o, 'max_allowed_validators', 1, 65535, D.max_allowed_validators);
  const rao_emission = int(o, 'rao_emission', 0, Number.MAX_SAFE_INTEGER, D.rao_emission);
  const noise = num(o, 'noise', 0, 10, D.noise);
  const stake_sigma = num(o, 'stake_sigma', 0, 5, D.stake_sigma);
  const quality_min = num(o, 'quality_min', 0, 1, D.quality_min);
  const base: ScenarioBase = {
    name,
    ...(description !== undefined ? { description } : {}),
    validators,
    miners,
    epochs,
    seed,
    noise,
    stake_sigma,
    quality_min,
    consensus: {
      kappa_u16,
      yuma3,
      tempo,
      activity_cutoff,
      bonds_moving_average,
      bonds_penalty_u16,
      liquid_alpha,
      max_allowed_validators,
      rao_emission,
    },
  };
  switch (kind) {
    case 'collusion': {
      const colluding_stake = fractions(o, 'colluding_stake', scenarioLimits.maxSweepPoints);
      if (validators < 2) {
        const i = colluding_stake.findIndex((f) => f > 0 && f < 1);
        if (i >= 0) throw badScenario('validators', `must be >= 2 to split stake ${colluding_stake[i]} between colluding and honest validators`);
      }
      if (miners < 2) throw badScenario('miners', 'collusion needs >= 2 miners (one cheater and at least one honest miner)');
      const defect_epoch = int(o, 'defect_epoch', 0, Math.max(0, epochs - 1), 0);
      return { ...base, kind, colluding_stake, defect_epoch };
    }
    case 'weight-copying': {
      if (validators < 3) throw badScenario('validators', 'weight-copying needs >= 3 validators (a copier, its honest twin and at least one more honest validator)');
      const d = has(o, 'copy_delays') ? o.copy_delays : D.copy_delays;
      if (!Array.isArray(d) || d.length === 0 || d.length > scenarioLimits.maxDelays) throw badScenario('copy_delays', `must be a non-empty array (at most ${scenarioLimits.maxDelays}) of epoch delays`);
      const copy_delays = d.map((x: unknown, i) => {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 1000) throw badScenario(`copy_delays[${i}]`, `must be an integer in [0, 1000], got ${JSON.stringify(x)}`);
        return x;
      });
      const quality_drift = num(o, 'quality_drift', 0, 1, D.quality_drift);
      return { ...base, kind, copy_delays, quality_drift };
    }
    case 'inactive': {
      if (validators < 2) throw badScenario('validators', 'inactive needs >= 2 validators (some stop, some keep going)');
      const inactive_stake = num(o, 'inactive_stake', 0, 1, D.inactive_stake);
      if (inactive_stake <= 0 || inactive_stake >= 1) throw badScenario('inactive_stake', `must be a fraction strictly between 0 and 1, got ${inactive_stake}`);
      const stop_epoch = int(o, 'stop_epoch', 0, Math.max(0, epochs - 1), Math.min(D.stop_epoch, epochs - 1));
      const quality_drift = num(o, 'quality_drift', 0, 1, D.quality_drift);
      return { ...base, kind, inactive_stake, stop_epoch, quality_drift };
    }
    case 'flipping': {
      const flippers = int(o, 'flippers', 1, miners, Math.min(D.flippers, miners));
      if (flippers >= miners) throw badScenario('flippers', `must leave at least one steady miner (flippers < miners = ${miners})`);
      const flip_every = int(o, 'flip_every', 1, scenarioLimits.maxEpochs, D.flip_every);
      return { ...base, kind, flippers, flip_every };
    }
  }
}

/** Parses scenario JSON text (a SIMULATE_BAD_JSON error names the position) and validates it. */
export function parseScenario(text: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SimulateError(SimulateErrorCode.BAD_JSON, `scenario is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {});
  }
  return validateScenario(raw);
}

/** kappa as a fraction of 65535 (for display) */
export function u16ToFraction(x: number): number {
  return x / 65535;
}
