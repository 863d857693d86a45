/**
 * Pure parsing of devnet settings: `--miners`, `--validators` strings and the JSON scenario file
 * (format in docs/devnet-and-replay.md). Every error is a SubnetError naming the field.
 */
import { SubnetError } from '../shared/errors';
import {
  DEFAULT_MINERS,
  DEFAULT_VALIDATOR_STAKES_TAO,
  MINER_KINDS,
  defaultDevnetOptions,
  isMinerKind,
  type DevnetOptions,
  type MinerKind,
  type MinerSpec,
  type ValidatorSpec,
} from './options';

function bad(field: string, message: string): SubnetError {
  return new SubnetError('DEVNET_BAD_OPTION', `${field}: ${message}`, { field });
}

const MAX_MINERS = 64;
const MAX_VALIDATORS = 16;
/** a simulate scenario's population on the live devnet */
export const LIVE_MAX_VALIDATORS = 6;
export const LIVE_MAX_MINERS = 8;

/**
 * `--miners`: a count N (the default mix honest,honest,noisy,quantised,slow,garbage repeated to
 * length N) or a comma list of kinds with optional counts: `honest=3,noisy,garbage=2`.
 */
export function parseMiners(s: string): MinerSpec[] {
  const t = s.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > MAX_MINERS) throw bad('--miners', `count must be 1..${MAX_MINERS}, got ${n}`);
    return Array.from({ length: n }, (_, i) => ({ kind: DEFAULT_MINERS[i % DEFAULT_MINERS.length] }));
  }
  const out: MinerSpec[] = [];
  for (const part of t.split(',')) {
    const m = /^\s*([a-z]+)\s*(?:=\s*(\d+))?\s*$/.exec(part);
    if (!m) throw bad('--miners', `cannot read "${part}" (expected KIND or KIND=COUNT)`);
    const kind = m[1];
    if (!isMinerKind(kind)) throw bad('--miners', `unknown miner kind "${kind}" (known: ${MINER_KINDS.join(', ')})`);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    for (let i = 0; i < count; i++) out.push({ kind });
  }
  if (out.length < 1 || out.length > MAX_MINERS) throw bad('--miners', `need 1..${MAX_MINERS} miners, got ${out.length}`);
  return out;
}

/**
 * `--validators`: a count N (stakes 1000, 500, 250, … TAO, halving) or a comma list of stakes in
 * TAO: `1000,400,100`.
 */
export function parseValidators(s: string): ValidatorSpec[] {
  const t = s.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > MAX_VALIDATORS) throw bad('--validators', `count must be 1..${MAX_VALIDATORS}, got ${n}`);
    return Array.from({ length: n }, (_, i) => ({
      stake_tao: i < DEFAULT_VALIDATOR_STAKES_TAO.length ? DEFAULT_VALIDATOR_STAKES_TAO[i] : Math.max(1, Math.round(1000 / 2 ** i)),
    }));
  }
  const out: ValidatorSpec[] = t.split(',').map((p) => {
    const v = Number(p.trim());
    if (!p.trim() || !Number.isFinite(v) || v <= 0) throw bad('--validators', `"${p}" is not a positive stake in TAO`);
    return { stake_tao: v };
  });
  if (out.length > MAX_VALIDATORS) throw bad('--validators', `at most ${MAX_VALIDATORS} validators, got ${out.length}`);
  return out;
}

export function parsePositiveInt(field: string, s: string | number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = typeof s === 'number' ? s : /^\s*\d+\s*$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(v) || v < min || v > max) throw bad(field, `expected an integer in ${min}..${max}, got ${JSON.stringify(s)}`);
  return v;
}

type Json = Record<string, unknown>;

const SCENARIO_KEYS = new Set([
  'name', 'description', 'miners', 'validators', 'tempo', 'block_ms', 'epochs', 'weights_rate_limit', 'kappa',
  'activity_cutoff', 'bonds_moving_average', 'yuma3', 'max_allowed_validators', 'validator', 'seed', 'slow_delay_ms',
  'netuid',
]);
const VALIDATOR_KEYS = new Set(['scorer', 'sample_size', 'timeout_ms', 'alpha', 'step_ms']);

function num(o: Json, k: string, field: string, min: number, max: number, integer = true): number | undefined {
  if (o[k] === undefined) return undefined;
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "${field}" must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${JSON.stringify(v)}`, { field });
  }
  return v;
}

function scenarioMiners(v: unknown): MinerSpec[] {
  if (!Array.isArray(v)) throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "miners" must be an array', { field: 'miners' });
  const out: MinerSpec[] = [];
  v.forEach((m, i) => {
    const kind = typeof m === 'string' ? m : m && typeof m === 'object' ? (m as Json).kind : undefined;
    const count = m && typeof m === 'object' && (m as Json).count !== undefined ? (m as Json).count : 1;
    if (typeof kind !== 'string' || !isMinerKind(kind)) {
      throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "miners[${i}]": unknown miner kind ${JSON.stringify(kind)} (known: ${MINER_KINDS.join(', ')})`, { field: `miners[${i}]` });
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_MINERS) {
      throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "miners[${i}].count" must be an integer 0..${MAX_MINERS}`, { field: `miners[${i}].count` });
    }
    for (let c = 0; c < count; c++) out.push({ kind: kind as MinerKind });
  });
  if (out.length < 1 || out.length > MAX_MINERS) throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario needs 1..${MAX_MINERS} miners, got ${out.length}`, { field: 'miners' });
  return out;
}

function scenarioValidators(v: unknown): ValidatorSpec[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_VALIDATORS) {
    throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "validators" must be an array of 1..${MAX_VALIDATORS} entries`, { field: 'validators' });
  }
  return v.map((x, i) => {
    const o: Json = typeof x === 'number' ? { stake_tao: x } : x && typeof x === 'object' ? (x as Json) : {};
    const stake = o.stake_tao ?? o.stake;
    if (typeof stake !== 'number' || !Number.isFinite(stake) || stake <= 0) {
      throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "validators[${i}].stake_tao" must be a positive number`, { field: `validators[${i}].stake_tao` });
    }
    if (o.scorer !== undefined && typeof o.scorer !== 'string') {
      throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "validators[${i}].scorer" must be a string`, { field: `validators[${i}].scorer` });
    }
    if (o.collude !== undefined && typeof o.collude !== 'boolean') {
      throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "validators[${i}].collude" must be true or false`, { field: `validators[${i}].collude` });
    }
    return { stake_tao: stake, ...(o.scorer !== undefined ? { scorer: o.scorer as string } : {}), ...(o.collude ? { collude: true } : {}) };
  });
}

const SIMULATE_COLLUSION_KEYS = new Set([
  'name', 'description', 'kind', 'validators', 'miners', 'epochs', 'seed', 'kappa', 'yuma3', 'tempo', 'activity_cutoff',
  'bonds_moving_average', 'max_allowed_validators', 'colluding_stake', 'noise', 'stake_sigma', 'quality_min', 'bonds_penalty',
  'liquid_alpha', 'rao_emission', 'defect_epoch',
]);

/** kappa as `subnet simulate` reads it: a number <= 1 is a fraction (u16 = floor(f·65535)), an integer 2..65535 the u16 itself. */
export function kappaU16(v: number, field = 'kappa'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "${field}" must be a fraction in [0, 1] or a u16`, { field });
  if (v <= 1) return Math.floor(v * 65535);
  if (!Number.isInteger(v) || v > 65535) throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario field "${field}" must be a fraction in [0, 1] or a u16`, { field });
  return v;
}

/**
 * A `subnet simulate` collusion scenario run live: `validators` validators, `miners` miners of
 * which one is the cheater (a garbage miner) and the rest honest/noisy/quantised; colluding
 * validators (the first ones) hold one point of `colluding_stake` (the median entry: one devnet
 * run shows one point of the simulated curve) of the total validator stake and put all their
 * weight on the cheater (devnet/scorers/collude.ts); the others score honestly.
 */
export function applySimulateCollusion(base: DevnetOptions, o: Json): DevnetOptions {
  for (const k of Object.keys(o)) {
    if (!SIMULATE_COLLUSION_KEYS.has(k)) throw new SubnetError('DEVNET_BAD_SCENARIO', `field "${k}" of a collusion scenario is not supported on the devnet`, { field: k });
  }
  // one OS process per neuron: a simulated population is scaled down to what one machine runs
  const vAsked = num(o, 'validators', 'validators', 2, 4096) ?? 4;
  const mAsked = num(o, 'miners', 'miners', 2, 4096) ?? 6;
  const v = Math.min(vAsked, LIVE_MAX_VALIDATORS);
  const m = Math.min(mAsked, LIVE_MAX_MINERS);
  const points = o.colluding_stake;
  if (!Array.isArray(points) || points.length === 0 || points.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) {
    throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "colluding_stake" must be a non-empty array of fractions in [0, 1]', { field: 'colluding_stake' });
  }
  const sorted = [...(points as number[])].sort((a, b) => a - b);
  const f = sorted[Math.floor((sorted.length - 1) / 2)];
  const out: DevnetOptions = { ...base, subnet: { ...base.subnet }, validator: { ...base.validator } };
  if (typeof o.name === 'string') out.scenarioName = o.name;
  // colluders: the smallest count that can hold f (at least one when f > 0, all when f = 1)
  const colluders = f === 0 ? 0 : f === 1 ? v : Math.min(v - 1, Math.max(1, Math.round(f * v)));
  const total = 1000 * v;
  out.validators = Array.from({ length: v }, (_, i) => {
    const share = i < colluders ? f / colluders : (1 - f) / (v - colluders);
    return { stake_tao: Math.max(0.001, Math.round(share * total * 1000) / 1000), ...(i < colluders ? { collude: true } : {}) };
  });
  const mix: MinerKind[] = ['honest', 'noisy', 'quantised'];
  out.miners = [{ kind: 'garbage' }, ...Array.from({ length: m - 1 }, (_, i) => ({ kind: mix[i % mix.length] }))];
  const epochs = num(o, 'epochs', 'epochs', 1, 1_000_000);
  if (epochs !== undefined) out.epochs = Math.min(epochs, 20);
  if (o.kappa !== undefined) out.subnet.kappa = kappaU16(o.kappa as number);
  if (o.yuma3 !== undefined) {
    if (typeof o.yuma3 !== 'boolean') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "yuma3" must be true or false', { field: 'yuma3' });
    out.subnet.yuma3 = o.yuma3;
  }
  const tempo = num(o, 'tempo', 'tempo', 2, 65535);
  if (tempo !== undefined) out.subnet.tempo = Math.min(tempo, 20);
  const seed = num(o, 'seed', 'seed', 0, 2 ** 31 - 1);
  if (seed !== undefined) out.seed = seed;
  out.collusion = { colluding_stake: f, from_points: points as number[] };
  out.notes = [
    ...(v < vAsked || m < mAsked ? [`scaled down to ${v} validators and ${m} miners (the scenario asks ${vAsked} and ${mAsked}; each is a process here)`] : []),
    ...(epochs !== undefined && epochs > 20 ? [`${Math.min(epochs, 20)} epochs instead of ${epochs}`] : []),
  ];
  return out;
}

/** fields every simulate kind has (accepted here; those without a live meaning are ignored, as for collusion) */
const SIMULATE_COMMON_KEYS = [
  'name', 'description', 'kind', 'validators', 'miners', 'epochs', 'seed', 'kappa', 'yuma3', 'tempo', 'activity_cutoff',
  'bonds_moving_average', 'max_allowed_validators', 'noise', 'stake_sigma', 'quality_min', 'bonds_penalty', 'liquid_alpha',
  'rao_emission',
];
const SIMULATE_FLIPPING_KEYS = new Set([...SIMULATE_COMMON_KEYS, 'flippers', 'flip_every']);
const SIMULATE_INACTIVE_KEYS = new Set([...SIMULATE_COMMON_KEYS, 'inactive_stake', 'stop_epoch', 'quality_drift']);
/** the live devnet runs at most this many epochs of a simulate scenario */
export const LIVE_MAX_EPOCHS = 20;
/** and a tempo of at most this many blocks */
export const LIVE_MAX_TEMPO = 20;

const SIMULATE_COPYING_KEYS = new Set([...SIMULATE_COMMON_KEYS, 'copy_delays', 'quality_drift']);

/** The parts of a simulate scenario every kind shares: population scaled down, epochs/tempo capped, kappa/yuma3/seed. */
function simulateCommon(base: DevnetOptions, o: Json, keys: Set<string>, kind: string): { out: DevnetOptions; v: number; m: number; notes: string[] } {
  for (const k of Object.keys(o)) {
    if (!keys.has(k)) throw new SubnetError('DEVNET_BAD_SCENARIO', `field "${k}" of a ${kind} scenario is not supported on the devnet`, { field: k });
  }
  const vAsked = num(o, 'validators', 'validators', 1, 4096) ?? 4;
  const mAsked = num(o, 'miners', 'miners', 1, 4096) ?? 6;
  const v = Math.min(vAsked, LIVE_MAX_VALIDATORS);
  const m = Math.min(mAsked, LIVE_MAX_MINERS);
  const out: DevnetOptions = { ...base, subnet: { ...base.subnet }, validator: { ...base.validator } };
  out.scenarioKind = kind;
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "name" must be a string', { field: 'name' });
    out.scenarioName = o.name;
  }
  const notes: string[] = [];
  if (v < vAsked || m < mAsked) notes.push(`scaled down to ${v} validators and ${m} miners (the scenario asks ${vAsked} and ${mAsked}; each is a process here)`);
  const epochs = num(o, 'epochs', 'epochs', 1, 1_000_000);
  if (epochs !== undefined) {
    out.epochs = Math.min(epochs, LIVE_MAX_EPOCHS);
    if (epochs > LIVE_MAX_EPOCHS) notes.push(`${LIVE_MAX_EPOCHS} epochs instead of ${epochs}`);
  }
  if (o.kappa !== undefined) out.subnet.kappa = kappaU16(o.kappa as number);
  if (o.yuma3 !== undefined) {
    if (typeof o.yuma3 !== 'boolean') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "yuma3" must be true or false', { field: 'yuma3' });
    out.subnet.yuma3 = o.yuma3;
  }
  const tempo = num(o, 'tempo', 'tempo', 2, 65535);
  if (tempo !== undefined) {
    out.subnet.tempo = Math.min(tempo, LIVE_MAX_TEMPO);
    if (tempo > LIVE_MAX_TEMPO) notes.push(`tempo ${LIVE_MAX_TEMPO} instead of ${tempo}`);
  }
  const bma = num(o, 'bonds_moving_average', 'bonds_moving_average', 0, 1_000_000);
  if (bma !== undefined) out.subnet.bonds_moving_average = bma;
  const mav = num(o, 'max_allowed_validators', 'max_allowed_validators', 1, 65535);
  if (mav !== undefined) out.subnet.max_allowed_validators = mav;
  const seed = num(o, 'seed', 'seed', 0, 2 ** 31 - 1);
  if (seed !== undefined) out.seed = seed;
  return { out, v, m, notes };
}

/**
 * A `subnet simulate` flipping scenario run live: the first `flippers` miners (default 1, fewer
 * than `miners`) are flipping miners (devnet/handlers/flipping.ts: the reference model for
 * `flip_every` epochs, then garbage for as many, phase taken from the wall clock); the others are
 * honest/noisy/quantised; every validator scores honestly with equal stake.
 */
export function applySimulateFlipping(base: DevnetOptions, o: Json): DevnetOptions {
  const { out, v, m, notes } = simulateCommon(base, o, SIMULATE_FLIPPING_KEYS, 'flipping');
  if (m < 2) throw new SubnetError('DEVNET_BAD_SCENARIO', 'a flipping scenario needs at least 2 miners', { field: 'miners' });
  const fAsked = num(o, 'flippers', 'flippers', 1, 4096) ?? 1;
  const flippers = Math.min(fAsked, m - 1);
  if (fAsked >= (num(o, 'miners', 'miners', 1, 4096) ?? 6)) throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "flippers" must be fewer than "miners"', { field: 'flippers' });
  if (flippers < fAsked) notes.push(`${flippers} flipping miners instead of ${fAsked}`);
  const flipEvery = num(o, 'flip_every', 'flip_every', 1, 1_000_000) ?? 10;
  out.flipping = { flip_every: flipEvery };
  out.validators = Array.from({ length: v }, () => ({ stake_tao: 1000 }));
  const mix: MinerKind[] = ['honest', 'noisy', 'quantised'];
  out.miners = [
    ...Array.from({ length: flippers }, (): MinerSpec => ({ kind: 'flipping' })),
    ...Array.from({ length: m - flippers }, (_, i): MinerSpec => ({ kind: mix[i % mix.length] })),
  ];
  if (out.epochs !== undefined && flipEvery >= out.epochs) notes.push(`flip_every ${flipEvery} >= ${out.epochs} epochs: the run ends before the first flip`);
  out.notes = notes;
  return out;
}

/**
 * A `subnet simulate` inactive scenario run live: the first validators, holding `inactive_stake`
 * (default 0.25, strictly between 0 and 1) of the validator stake, stop setting weights at
 * counted epoch `stop_epoch` (default 5; at most epochs − 1): the devnet stops their processes
 * then, on purpose (not a crash). Miners are honest/noisy/quantised. Without `activity_cutoff`
 * the chain gets simulate's default for the live tempo, floor(13.889 · tempo) blocks.
 */
export function applySimulateInactive(base: DevnetOptions, o: Json): DevnetOptions {
  const { out, v, m, notes } = simulateCommon(base, o, SIMULATE_INACTIVE_KEYS, 'inactive');
  if (v < 2) throw new SubnetError('DEVNET_BAD_SCENARIO', 'an inactive scenario needs at least 2 validators', { field: 'validators' });
  const f = num(o, 'inactive_stake', 'inactive_stake', 0, 1, false) ?? 0.25;
  if (!(f > 0 && f < 1)) throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "inactive_stake" must be strictly between 0 and 1', { field: 'inactive_stake' });
  const stopAsked = num(o, 'stop_epoch', 'stop_epoch', 1, 1_000_000) ?? 5;
  const epochs = out.epochs;
  const stop = epochs !== undefined ? Math.min(stopAsked, Math.max(1, epochs - 1)) : stopAsked;
  if (stop !== stopAsked) notes.push(`validators stop at epoch ${stop} instead of ${stopAsked} (the run has ${epochs} epochs)`);
  const stopped = Math.min(v - 1, Math.max(1, Math.round(f * v)));
  const total = 1000 * v;
  out.validators = Array.from({ length: v }, (_, i) => {
    const share = i < stopped ? f / stopped : (1 - f) / (v - stopped);
    return { stake_tao: Math.max(0.001, Math.round(share * total * 1000) / 1000), ...(i < stopped ? { stopAtEpoch: stop } : {}) };
  });
  const mix: MinerKind[] = ['honest', 'noisy', 'quantised'];
  out.miners = Array.from({ length: m }, (_, i) => ({ kind: mix[i % mix.length] }));
  const ac = num(o, 'activity_cutoff', 'activity_cutoff', 1, 65535);
  out.subnet.activity_cutoff = ac ?? Math.max(1, Math.floor((13889 * out.subnet.tempo) / 1000));
  out.inactive = { inactive_stake: f, stop_epoch: stop };
  out.notes = notes;
  return out;
}

/**
 * A `subnet simulate` weight-copying scenario run live: the last validator is the copier (a
 * separate process, devnet/copier.ts) that sets the chain's consensus of `delay` epochs ago as
 * its weights and never queries a miner; `delay` is the median entry of `copy_delays` (default
 * [0, 1, 2]: one devnet run shows one variant). Every validator has the same stake, so validator
 * 0 is the copier's honest twin. Miners are honest/noisy/quantised.
 */
export function applySimulateWeightCopying(base: DevnetOptions, o: Json): DevnetOptions {
  const { out, v, m, notes } = simulateCommon(base, o, SIMULATE_COPYING_KEYS, 'weight-copying');
  if (v < 2) throw new SubnetError('DEVNET_BAD_SCENARIO', 'a weight-copying scenario needs at least 2 validators (an honest twin and the copier)', { field: 'validators' });
  const raw = o.copy_delays ?? [0, 1, 2];
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 1000)) {
    throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "copy_delays" must be a non-empty array of integers 0..1000', { field: 'copy_delays' });
  }
  const sorted = [...(raw as number[])].sort((a, b) => a - b);
  const delay = sorted[Math.floor((sorted.length - 1) / 2)];
  if (sorted.length > 1) notes.push(`copier delay ${delay} (the median of copy_delays [${(raw as number[]).join(', ')}]; one run per delay)`);
  out.validators = Array.from({ length: v }, (_, i) => ({ stake_tao: 1000, ...(i === v - 1 ? { copier: { delay } } : {}) }));
  const mix: MinerKind[] = ['honest', 'noisy', 'quantised'];
  out.miners = Array.from({ length: m }, (_, i) => ({ kind: mix[i % mix.length] }));
  out.weightCopying = { delay, from_delays: raw as number[] };
  out.notes = notes;
  return out;
}

/** A scenario object (already JSON-parsed) applied over `base`. Unknown keys are errors. */
export function applyScenario(base: DevnetOptions, raw: unknown): DevnetOptions {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SubnetError('DEVNET_BAD_SCENARIO', 'a scenario must be a JSON object', {});
  const o = raw as Json;
  if (o.kind !== undefined) {
    if (o.kind === 'collusion') return { ...applySimulateCollusion(base, o), scenarioKind: 'collusion' };
    if (o.kind === 'flipping') return applySimulateFlipping(base, o);
    if (o.kind === 'inactive') return applySimulateInactive(base, o);
    if (o.kind === 'weight-copying') return applySimulateWeightCopying(base, o);
    throw new SubnetError('DEVNET_BAD_SCENARIO', `scenario kind ${JSON.stringify(o.kind)} does not run on the devnet (known: collusion, flipping, inactive, weight-copying)`, { field: 'kind' });
  }
  for (const k of Object.keys(o)) {
    if (!SCENARIO_KEYS.has(k)) throw new SubnetError('DEVNET_BAD_SCENARIO', `unknown scenario field "${k}" (known: ${[...SCENARIO_KEYS].join(', ')})`, { field: k });
  }
  const out: DevnetOptions = { ...base, subnet: { ...base.subnet }, validator: { ...base.validator } };
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "name" must be a string', { field: 'name' });
    out.scenarioName = o.name;
  }
  if (o.miners !== undefined) out.miners = scenarioMiners(o.miners);
  if (o.validators !== undefined) out.validators = scenarioValidators(o.validators);
  const tempo = num(o, 'tempo', 'tempo', 2, 65535);
  if (tempo !== undefined) out.subnet.tempo = tempo;
  const blockMs = num(o, 'block_ms', 'block_ms', 10, 60_000);
  if (blockMs !== undefined) out.blockMs = blockMs;
  const epochs = num(o, 'epochs', 'epochs', 1, 1_000_000);
  if (epochs !== undefined) out.epochs = epochs;
  const wrl = num(o, 'weights_rate_limit', 'weights_rate_limit', 0, 1_000_000);
  if (wrl !== undefined) out.subnet.weights_rate_limit = wrl;
  const kappa = num(o, 'kappa', 'kappa', 0, 65535);
  if (kappa !== undefined) out.subnet.kappa = kappa;
  const ac = num(o, 'activity_cutoff', 'activity_cutoff', 1, 65535);
  if (ac !== undefined) out.subnet.activity_cutoff = ac;
  const bma = num(o, 'bonds_moving_average', 'bonds_moving_average', 0, 1_000_000);
  if (bma !== undefined) out.subnet.bonds_moving_average = bma;
  const mav = num(o, 'max_allowed_validators', 'max_allowed_validators', 1, 65535);
  if (mav !== undefined) out.subnet.max_allowed_validators = mav;
  if (o.yuma3 !== undefined) {
    if (typeof o.yuma3 !== 'boolean') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "yuma3" must be true or false', { field: 'yuma3' });
    out.subnet.yuma3 = o.yuma3;
  }
  const seed = num(o, 'seed', 'seed', 0, 2 ** 31 - 1);
  if (seed !== undefined) out.seed = seed;
  const slow = num(o, 'slow_delay_ms', 'slow_delay_ms', 1, 600_000);
  if (slow !== undefined) out.slowDelayMs = slow;
  const netuid = num(o, 'netuid', 'netuid', 1, 65535);
  if (netuid !== undefined) out.netuid = netuid;
  if (o.validator !== undefined) {
    const v = o.validator as Json;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "validator" must be an object', { field: 'validator' });
    for (const k of Object.keys(v)) {
      if (!VALIDATOR_KEYS.has(k)) throw new SubnetError('DEVNET_BAD_SCENARIO', `unknown scenario field "validator.${k}" (known: ${[...VALIDATOR_KEYS].join(', ')})`, { field: `validator.${k}` });
    }
    if (v.scorer !== undefined) {
      if (typeof v.scorer !== 'string') throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "validator.scorer" must be a string', { field: 'validator.scorer' });
      out.validator.scorer = v.scorer;
    }
    const ss = num(v, 'sample_size', 'validator.sample_size', 0, 4096);
    if (ss !== undefined) out.validator.sample_size = ss;
    const to = num(v, 'timeout_ms', 'validator.timeout_ms', 1, 600_000);
    if (to !== undefined) out.validator.timeout_ms = to;
    const al = num(v, 'alpha', 'validator.alpha', 0, 1, false);
    if (al !== undefined) {
      if (al === 0) throw new SubnetError('DEVNET_BAD_SCENARIO', 'scenario field "validator.alpha" must be in (0, 1]', { field: 'validator.alpha' });
      out.validator.alpha = al;
    }
    const sm = num(v, 'step_ms', 'validator.step_ms', 0, 600_000);
    if (sm !== undefined) out.validator.step_ms = sm;
  }
  return out;
}

/** Cross-field checks once everything is merged. */
export function checkDevnetOptions(o: DevnetOptions): DevnetOptions {
  if (o.slowDelayMs <= o.validator.timeout_ms) {
    throw bad('slow_delay_ms', `a slow miner must sleep longer than the validator timeout (${o.slowDelayMs} <= ${o.validator.timeout_ms} ms)`);
  }
  if (o.miners.length + o.validators.length > 256) throw bad('--miners', 'at most 256 neurons');
  if (o.validators.some((v) => v.collude) && !o.miners.some((m) => m.kind === 'garbage')) {
    throw bad('validators', 'colluding validators need a cheating miner: add a garbage miner');
  }
  return o;
}

export function defaultOptions(): DevnetOptions {
  return { ...defaultDevnetOptions, subnet: { ...defaultDevnetOptions.subnet }, validator: { ...defaultDevnetOptions.validator } };
}
