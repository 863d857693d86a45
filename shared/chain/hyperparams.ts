/**
 * Subnet hyperparameters: the typed object (interface.ts `Hyperparameters`), where each field lives
 * in subtensor (storage item, AdminUtils setter), and a JSON codec (bigints as decimal strings).
 * Pure: no I/O.
 */
import { SubnetError } from '../errors';
import type { Hyperparameters, SudoHyperparameters } from './interface';

type Kind = 'number' | 'bool' | 'bigint';

export interface HyperparamSpec {
  field: keyof Hyperparameters;
  /** SubtensorModule storage item (camelCase as @polkadot/api decorates it); keyed by netuid unless `global` */
  storage: string;
  kind: Kind;
  global?: boolean;
  /** AdminUtils setter (camelCase), called under sudo; args (netuid, value) or (value) when global */
  admin?: string;
  /** the value is one half of a tuple item (AlphaValues) */
  tupleIndex?: number;
  /** required in the typed object (the original interface fields) */
  required: boolean;
  /** subtensor's default (pallets/subtensor/src/lib.rs) used when the runtime lacks the item */
  fallback: number | boolean | bigint;
}

/** Field table. Storage and call names are subtensor's (spec 218 … 425). */
export const HYPERPARAMS: readonly HyperparamSpec[] = [
  { field: 'tempo', storage: 'tempo', kind: 'number', admin: 'sudoSetTempo', required: true, fallback: 360 },
  { field: 'kappa', storage: 'kappa', kind: 'number', admin: 'sudoSetKappa', required: true, fallback: 32767 },
  { field: 'activityCutoff', storage: 'activityCutoff', kind: 'number', admin: 'sudoSetActivityCutoff', required: true, fallback: 5000 },
  { field: 'weightsSetRateLimit', storage: 'weightsSetRateLimit', kind: 'number', admin: 'sudoSetWeightsSetRateLimit', required: true, fallback: 100 },
  { field: 'minAllowedWeights', storage: 'minAllowedWeights', kind: 'number', admin: 'sudoSetMinAllowedWeights', required: true, fallback: 1024 },
  { field: 'maxWeightsLimit', storage: 'maxWeightsLimit', kind: 'number', admin: 'sudoSetMaxWeightLimit', required: true, fallback: 65535 },
  { field: 'weightsVersionKey', storage: 'weightsVersionKey', kind: 'number', admin: 'sudoSetWeightsVersionKey', required: true, fallback: 0 },
  { field: 'bondsMovingAverage', storage: 'bondsMovingAverage', kind: 'number', admin: 'sudoSetBondsMovingAverage', required: true, fallback: 900000 },
  { field: 'bondsPenalty', storage: 'bondsPenalty', kind: 'number', admin: 'sudoSetBondsPenalty', required: true, fallback: 65535 },
  { field: 'commitRevealWeightsEnabled', storage: 'commitRevealWeightsEnabled', kind: 'bool', admin: 'sudoSetCommitRevealWeightsEnabled', required: true, fallback: false },
  { field: 'maxAllowedValidators', storage: 'maxAllowedValidators', kind: 'number', admin: 'sudoSetMaxAllowedValidators', required: true, fallback: 128 },
  { field: 'maxAllowedUids', storage: 'maxAllowedUids', kind: 'number', admin: 'sudoSetMaxAllowedUids', required: true, fallback: 256 },
  { field: 'immunityPeriod', storage: 'immunityPeriod', kind: 'number', admin: 'sudoSetImmunityPeriod', required: true, fallback: 4096 },
  { field: 'yuma3On', storage: 'yuma3On', kind: 'bool', admin: 'sudoSetYuma3Enabled', required: true, fallback: false },
  { field: 'liquidAlphaOn', storage: 'liquidAlphaOn', kind: 'bool', admin: 'sudoSetLiquidAlphaEnabled', required: true, fallback: false },
  { field: 'alphaLow', storage: 'alphaValues', kind: 'number', tupleIndex: 0, required: true, fallback: 45875 },
  { field: 'alphaHigh', storage: 'alphaValues', kind: 'number', tupleIndex: 1, required: true, fallback: 58982 },
  { field: 'alphaSigmoidSteepness', storage: 'alphaSigmoidSteepness', kind: 'number', admin: 'sudoSetAlphaSigmoidSteepness', required: true, fallback: 1000 },
  { field: 'stakeThreshold', storage: 'stakeThreshold', kind: 'number', global: true, admin: 'sudoSetStakeThreshold', required: true, fallback: 0 },
  { field: 'rho', storage: 'rho', kind: 'number', admin: 'sudoSetRho', required: false, fallback: 10 },
  { field: 'servingRateLimit', storage: 'servingRateLimit', kind: 'number', admin: 'sudoSetServingRateLimit', required: false, fallback: 50 },
  { field: 'targetRegistrationsPerInterval', storage: 'targetRegistrationsPerInterval', kind: 'number', admin: 'sudoSetTargetRegistrationsPerInterval', required: false, fallback: 2 },
  { field: 'maxRegistrationsPerBlock', storage: 'maxRegistrationsPerBlock', kind: 'number', admin: 'sudoSetMaxRegistrationsPerBlock', required: false, fallback: 1 },
  { field: 'adjustmentInterval', storage: 'adjustmentInterval', kind: 'number', admin: 'sudoSetAdjustmentInterval', required: false, fallback: 100 },
  { field: 'registrationAllowed', storage: 'networkRegistrationAllowed', kind: 'bool', admin: 'sudoSetNetworkRegistrationAllowed', required: false, fallback: true },
  { field: 'revealPeriodEpochs', storage: 'revealPeriodEpochs', kind: 'number', admin: 'sudoSetCommitRevealWeightsInterval', required: false, fallback: 1 },
  { field: 'burn', storage: 'burn', kind: 'bigint', required: false, fallback: 100_000_000n },
  { field: 'minBurn', storage: 'minBurn', kind: 'bigint', admin: 'sudoSetMinBurn', required: false, fallback: 500_000n },
  { field: 'maxBurn', storage: 'maxBurn', kind: 'bigint', admin: 'sudoSetMaxBurn', required: false, fallback: 100_000_000_000n },
  { field: 'difficulty', storage: 'difficulty', kind: 'bigint', admin: 'sudoSetDifficulty', required: false, fallback: 10_000_000n },
];

const BY_FIELD = new Map<string, HyperparamSpec>(HYPERPARAMS.map((h) => [h.field, h]));

export function hyperparamSpec(field: string): HyperparamSpec | undefined {
  return BY_FIELD.get(field);
}

/** subtensor's defaults (used by tests and as the fallback for items a runtime lacks). */
export function defaultHyperparameters(): Hyperparameters {
  const out: Record<string, unknown> = {};
  for (const h of HYPERPARAMS) out[h.field] = h.fallback;
  return out as unknown as Hyperparameters;
}

/** Encodes to a JSON string: stable key order (the table's), bigints as decimal strings. */
export function hyperparamsToJSON(h: Hyperparameters): string {
  const out: Record<string, unknown> = {};
  for (const spec of HYPERPARAMS) {
    const v = (h as unknown as Record<string, unknown>)[spec.field];
    if (v === undefined) continue;
    out[spec.field] = typeof v === 'bigint' ? v.toString() : v;
  }
  return JSON.stringify(out);
}

/** Decodes and validates (CHAIN_BAD_INPUT on unknown fields, wrong types, missing required fields). */
export function hyperparamsFromJSON(json: string | unknown): Hyperparameters {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (err) {
      throw new SubnetError('CHAIN_BAD_INPUT', `hyperparameters: not JSON (${(err as Error).message})`, {});
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new SubnetError('CHAIN_BAD_INPUT', 'hyperparameters: expected a JSON object', {});
  }
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    if (!BY_FIELD.has(key)) throw new SubnetError('CHAIN_BAD_INPUT', `hyperparameters: unknown field ${key}`, { field: key });
  }
  for (const spec of HYPERPARAMS) {
    const v = src[spec.field];
    if (v === undefined) {
      if (spec.required) throw new SubnetError('CHAIN_BAD_INPUT', `hyperparameters: missing ${spec.field}`, { field: spec.field });
      continue;
    }
    out[spec.field] = checkValue(spec, v);
  }
  return out as unknown as Hyperparameters;
}

function checkValue(spec: HyperparamSpec, v: unknown): number | boolean | bigint {
  const bad = () => new SubnetError('CHAIN_BAD_INPUT', `hyperparameters: ${spec.field} must be ${spec.kind}, got ${JSON.stringify(v)}`, { field: spec.field });
  switch (spec.kind) {
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad();
      return v;
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
      throw bad();
  }
}

/** The AdminUtils calls for a partial update, in table order: [method, args-after-netuid or full args, global]. */
export function adminCallsFor(netuid: number, params: SudoHyperparameters): { field: string; method: string; args: unknown[] }[] {
  const calls: { field: string; method: string; args: unknown[] }[] = [];
  const p = params as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!BY_FIELD.has(key)) throw new SubnetError('CHAIN_BAD_INPUT', `unknown hyperparameter ${key}`, { field: key });
  }
  for (const spec of HYPERPARAMS) {
    const v = p[spec.field];
    if (v === undefined) continue;
    if (!spec.admin) throw new SubnetError('CHAIN_BAD_INPUT', `hyperparameter ${spec.field} has no sudo setter`, { field: spec.field });
    const value = checkValue({ ...spec, kind: spec.kind === 'number' && typeof v === 'bigint' ? 'bigint' : spec.kind }, v);
    calls.push({ field: spec.field, method: spec.admin, args: spec.global ? [value] : [netuid, value] });
  }
  return calls;
}
