/**
 * Structural validation of an epoch input (a vector's `input` object, or JSON from a user).
 * Every failure is `SubnetError('YUMA_INPUT_INVALID', ...)` whose message and `context.field`
 * name the offending field path (e.g. `weights[3][1][0]`).
 */
import { SubnetError } from '../errors';
import type { CommitRevealState, EpochInput, LiquidAlphaParams, SparseRowU16 } from './types';

export const YUMA_INPUT_INVALID = 'YUMA_INPUT_INVALID';

/**
 * Largest subnet size accepted. Subtensor caps a subnet at 4096 uids (MaxAllowedUids); the
 * epoch's u16 column sums stay far below the I32F32 range up to 32767 uids, so 16384 leaves room
 * without ever reaching the wrapping sums a release build would produce there.
 */
export const MAX_EPOCH_N = 16384;

const U64_MAX = (1n << 64n) - 1n;

function fail(field: string, message: string): never {
  throw new SubnetError(YUMA_INPUT_INVALID, `${field}: ${message}`, { field });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function uint(x: unknown, field: string, max: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) fail(field, `expected an integer, got ${JSON.stringify(x)}`);
  if (x < 0 || x > max) fail(field, `${x} is out of range 0..${max}`);
  return x;
}
const u16 = (x: unknown, f: string) => uint(x, f, 65535);
const u64 = (x: unknown, f: string) => uint(x, f, Number.MAX_SAFE_INTEGER);

function bool(x: unknown, field: string): boolean {
  if (typeof x !== 'boolean') fail(field, `expected a boolean, got ${JSON.stringify(x)}`);
  return x;
}

function arrayOfN(x: unknown, field: string, n: number): unknown[] {
  if (!Array.isArray(x)) fail(field, 'expected an array');
  if (x.length !== n) fail(field, `expected ${n} entries (n), got ${x.length}`);
  return x;
}

function sparseRows(x: unknown, field: string, n: number): SparseRowU16[] {
  const rows = arrayOfN(x, field, n);
  const out: SparseRowU16[] = new Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const rf = `${field}[${i}]`;
    if (!Array.isArray(row)) fail(rf, 'expected an array of [uid, u16] pairs');
    const r: [number, number][] = new Array(row.length);
    seen.clear();
    for (let k = 0; k < row.length; k++) {
      const e = row[k];
      if (!Array.isArray(e) || e.length !== 2) fail(`${rf}[${k}]`, 'expected a [uid, u16] pair');
      const j = u16(e[0], `${rf}[${k}][0]`);
      const v = u16(e[1], `${rf}[${k}][1]`);
      // the chain never stores a row with a repeated uid (set_weights rejects duplicates)
      if (seen.has(j)) fail(`${rf}[${k}][0]`, `duplicate uid ${j} in one row`);
      seen.add(j);
      r[k] = [j, v];
    }
    out[i] = r;
  }
  return out;
}

function taoWeight(x: unknown, field: string): string | bigint {
  if (typeof x === 'bigint') {
    if (x < 0n || x > U64_MAX) fail(field, 'must be a u64');
    return x;
  }
  if (typeof x === 'string') {
    if (!/^[0-9]{1,20}$/.test(x) || BigInt(x) > U64_MAX) fail(field, `expected a u64 decimal string, got ${JSON.stringify(x)}`);
    return x;
  }
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return String(x);
  return fail(field, 'expected a u64 as a decimal string');
}

/**
 * Checks `obj` against the `input` schema and returns a clean copy. Nullable fields
 * (`liquid_alpha`, `owner_uid`, `tao_stake`, `commit_reveal`) may be omitted (= null); `name`
 * is optional; every other field is required.
 */
export function validateEpochInput(obj: unknown): EpochInput {
  if (!isObject(obj)) fail('input', 'expected a JSON object');
  const o = obj;
  let name: string | undefined;
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') fail('name', 'expected a string');
    name = o.name;
  }
  const n = uint(o.n, 'n', MAX_EPOCH_N);

  let liquid_alpha: LiquidAlphaParams | null = null;
  if (o.liquid_alpha !== undefined && o.liquid_alpha !== null) {
    const la = o.liquid_alpha;
    if (!isObject(la)) fail('liquid_alpha', 'expected null or {alpha_low, alpha_high, alpha_sigmoid_steepness}');
    const s = la.alpha_sigmoid_steepness;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < -32768 || s > 32767) {
      fail('liquid_alpha.alpha_sigmoid_steepness', `expected an i16, got ${JSON.stringify(s)}`);
    }
    liquid_alpha = {
      alpha_low: u16(la.alpha_low, 'liquid_alpha.alpha_low'),
      alpha_high: u16(la.alpha_high, 'liquid_alpha.alpha_high'),
      alpha_sigmoid_steepness: s,
    };
  }

  let owner_uid: number | null = null;
  if (o.owner_uid !== undefined && o.owner_uid !== null) owner_uid = u16(o.owner_uid, 'owner_uid');

  let tao_stake: number[] | null = null;
  if (o.tao_stake !== undefined && o.tao_stake !== null) {
    tao_stake = arrayOfN(o.tao_stake, 'tao_stake', n).map((x, i) => u64(x, `tao_stake[${i}]`));
  }

  let commit_reveal: CommitRevealState | null = null;
  if (o.commit_reveal !== undefined && o.commit_reveal !== null) {
    const cr = o.commit_reveal;
    if (!isObject(cr)) fail('commit_reveal', 'expected null or {commit_block: [...]}');
    commit_reveal = {
      commit_block: arrayOfN(cr.commit_block, 'commit_reveal.commit_block', n).map((x, i) =>
        x === null ? null : u64(x, `commit_reveal.commit_block[${i}]`),
      ),
    };
  }

  const input: EpochInput = {
    n,
    current_block: u64(o.current_block, 'current_block'),
    activity_cutoff: u64(o.activity_cutoff, 'activity_cutoff'),
    kappa_u16: u16(o.kappa_u16, 'kappa_u16'),
    bonds_moving_average: u64(o.bonds_moving_average, 'bonds_moving_average'),
    liquid_alpha,
    yuma3: bool(o.yuma3, 'yuma3'),
    stake: arrayOfN(o.stake, 'stake', n).map((x, i) => u64(x, `stake[${i}]`)),
    validator_permit: arrayOfN(o.validator_permit, 'validator_permit', n).map((x, i) => bool(x, `validator_permit[${i}]`)),
    last_update: arrayOfN(o.last_update, 'last_update', n).map((x, i) => u64(x, `last_update[${i}]`)),
    block_at_registration: arrayOfN(o.block_at_registration, 'block_at_registration', n).map((x, i) =>
      u64(x, `block_at_registration[${i}]`),
    ),
    weights: sparseRows(o.weights, 'weights', n),
    bonds: sparseRows(o.bonds, 'bonds', n),
    rao_emission: u64(o.rao_emission, 'rao_emission'),
    tempo: u16(o.tempo, 'tempo'),
    last_mechanism_step_block: u64(o.last_mechanism_step_block, 'last_mechanism_step_block'),
    bonds_penalty_u16: u16(o.bonds_penalty_u16, 'bonds_penalty_u16'),
    max_allowed_validators: u16(o.max_allowed_validators, 'max_allowed_validators'),
    stake_threshold: u64(o.stake_threshold, 'stake_threshold'),
    owner_uid,
    tao_stake,
    tao_weight: taoWeight(o.tao_weight, 'tao_weight'),
    commit_reveal,
  };
  if (name !== undefined) input.name = name;
  return input;
}
