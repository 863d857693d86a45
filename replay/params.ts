/**
 * `--set NAME=VALUE` for replay: every consensus parameter of the Yuma `EpochInput`, plus a few
 * friendly aliases. Pure: parses into a list of overrides and applies them to an EpochInput.
 *
 * Names are the EpochInput field names (raw chain units), plus:
 *   kappa=0.6            fraction → kappa_u16 = round(0.6·65535)
 *   bonds_penalty=0.5    fraction → bonds_penalty_u16
 *   liquid_alpha=true    turns liquid alpha on with the chain defaults (0.7, 0.9, steepness 1000)
 *                        unless alpha_low / alpha_high / alpha_sigmoid_steepness are also set
 *   commit_reveal=false  drops the logged commit-reveal state (true is refused: commit blocks are not invented)
 */
import { SubnetError } from '../shared/errors';
import type { EpochInput } from '../shared/yuma/types';

export const DEFAULT_ALPHA_LOW = 45875;
export const DEFAULT_ALPHA_HIGH = 58982;
export const DEFAULT_ALPHA_SIGMOID_STEEPNESS = 1000;

type Kind =
  | { t: 'u16' }
  | { t: 'u64' }
  | { t: 'i16' }
  | { t: 'bool' }
  | { t: 'fraction'; target: 'kappa_u16' | 'bonds_penalty_u16' }
  | { t: 'u64string' };

const PARAMS: Record<string, { kind: Kind; help: string }> = {
  kappa: { kind: { t: 'fraction', target: 'kappa_u16' }, help: 'consensus majority quantile in [0,1] (Kappa/65535)' },
  kappa_u16: { kind: { t: 'u16' }, help: 'Kappa, raw u16' },
  yuma3: { kind: { t: 'bool' }, help: 'Yuma3On' },
  liquid_alpha: { kind: { t: 'bool' }, help: 'LiquidAlphaOn (only with yuma3)' },
  alpha_low: { kind: { t: 'u16' }, help: 'AlphaValues.low, u16' },
  alpha_high: { kind: { t: 'u16' }, help: 'AlphaValues.high, u16' },
  alpha_sigmoid_steepness: { kind: { t: 'i16' }, help: 'AlphaSigmoidSteepness, i16' },
  bonds_moving_average: { kind: { t: 'u64' }, help: 'BondsMovingAverage, parts per million' },
  bonds_penalty: { kind: { t: 'fraction', target: 'bonds_penalty_u16' }, help: 'BondsPenalty in [0,1]' },
  bonds_penalty_u16: { kind: { t: 'u16' }, help: 'BondsPenalty, raw u16' },
  activity_cutoff: { kind: { t: 'u64' }, help: 'activity cutoff in blocks' },
  max_allowed_validators: { kind: { t: 'u16' }, help: 'MaxAllowedValidators' },
  stake_threshold: { kind: { t: 'u64' }, help: 'StakeThreshold (rao)' },
  tao_weight: { kind: { t: 'u64string' }, help: 'TaoWeight, raw u64' },
  rao_emission: { kind: { t: 'u64' }, help: 'alpha emitted by the epoch (rao)' },
  tempo: { kind: { t: 'u16' }, help: 'Tempo' },
  commit_reveal: { kind: { t: 'bool' }, help: 'false drops the logged commit-reveal state' },
};

export const REPLAY_PARAM_NAMES = Object.keys(PARAMS);

export function paramHelp(): string {
  return REPLAY_PARAM_NAMES.map((k) => `${k}: ${PARAMS[k].help}`).join('\n');
}

export interface ParamOverride {
  name: string;
  /** the parsed value (number, boolean or decimal string for tao_weight) */
  value: number | boolean | string;
  /** as the user wrote it */
  raw: string;
}

function badValue(name: string, raw: string, expected: string): SubnetError {
  return new SubnetError('REPLAY_BAD_PARAM_VALUE', `--set ${name}=${raw}: expected ${expected}`, { name, value: raw });
}

function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw)) throw badValue(name, raw, `an integer in ${min}..${max}`);
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw badValue(name, raw, `an integer in ${min}..${max}`);
  return v;
}

/** Parses one `NAME=VALUE`. Unknown names and bad values are SubnetErrors naming the problem. */
export function parseParam(s: string): ParamOverride {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new SubnetError('REPLAY_BAD_PARAM', `--set ${s}: expected NAME=VALUE`, { arg: s });
  const name = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1).trim();
  const spec = PARAMS[name];
  if (!spec) {
    throw new SubnetError('REPLAY_UNKNOWN_PARAM', `unknown parameter "${name}" (known: ${REPLAY_PARAM_NAMES.join(', ')})`, { name });
  }
  const k = spec.kind;
  switch (k.t) {
    case 'u16':
      return { name, raw, value: parseInteger(name, raw, 0, 65535) };
    case 'i16':
      return { name, raw, value: parseInteger(name, raw, -32768, 32767) };
    case 'u64':
      return { name, raw, value: parseInteger(name, raw, 0, Number.MAX_SAFE_INTEGER) };
    case 'u64string': {
      if (!/^\d+$/.test(raw) || BigInt(raw) > 0xffff_ffff_ffff_ffffn) throw badValue(name, raw, 'an integer in 0..2^64-1');
      return { name, raw, value: BigInt(raw).toString() };
    }
    case 'bool':
      if (raw === 'true' || raw === '1') return { name, raw, value: true };
      if (raw === 'false' || raw === '0') return { name, raw, value: false };
      throw badValue(name, raw, 'true or false');
    case 'fraction': {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || v < 0 || v > 1) throw badValue(name, raw, 'a number in [0, 1]');
      return { name, raw, value: v };
    }
  }
}

export function parseParams(list: readonly string[]): ParamOverride[] {
  const out = list.map(parseParam);
  const cr = out.find((o) => o.name === 'commit_reveal');
  if (cr && cr.value === true) {
    throw new SubnetError('REPLAY_BAD_PARAM_VALUE', '--set commit_reveal=true: replay cannot invent commit blocks; only false is allowed', { name: 'commit_reveal' });
  }
  return out;
}

/** The fraction → u16 conversion the chain's setters use for kappa/bonds penalty entered as a fraction. */
export function fractionToU16(f: number): number {
  return Math.min(65535, Math.max(0, Math.round(f * 65535)));
}

/** Applies overrides to a copy of `input` (later overrides win). The input is not modified. */
export function applyParams(input: EpochInput, overrides: readonly ParamOverride[]): EpochInput {
  const out: EpochInput = { ...input, liquid_alpha: input.liquid_alpha ? { ...input.liquid_alpha } : null };
  let la: EpochInput['liquid_alpha'] = out.liquid_alpha;
  let laTouched = false;
  const ensureLa = () => {
    if (!la) la = { alpha_low: DEFAULT_ALPHA_LOW, alpha_high: DEFAULT_ALPHA_HIGH, alpha_sigmoid_steepness: DEFAULT_ALPHA_SIGMOID_STEEPNESS };
    laTouched = true;
    return la;
  };
  for (const o of overrides) {
    switch (o.name) {
      case 'kappa':
        out.kappa_u16 = fractionToU16(o.value as number);
        break;
      case 'bonds_penalty':
        out.bonds_penalty_u16 = fractionToU16(o.value as number);
        break;
      case 'liquid_alpha':
        if (o.value) ensureLa();
        else {
          la = null;
          laTouched = true;
        }
        break;
      case 'alpha_low':
        ensureLa().alpha_low = o.value as number;
        break;
      case 'alpha_high':
        ensureLa().alpha_high = o.value as number;
        break;
      case 'alpha_sigmoid_steepness':
        ensureLa().alpha_sigmoid_steepness = o.value as number;
        break;
      case 'commit_reveal':
        out.commit_reveal = null;
        break;
      case 'tao_weight':
        out.tao_weight = o.value as string;
        break;
      default:
        (out as unknown as Record<string, unknown>)[o.name] = o.value;
    }
  }
  if (laTouched) out.liquid_alpha = la;
  return out;
}

/** "kappa=0.6, yuma3=true" for headings. */
export function describeParams(overrides: readonly ParamOverride[]): string {
  return overrides.map((o) => `${o.name}=${o.raw}`).join(', ');
}
