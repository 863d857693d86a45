/**
 * Deterministic generator of realistic epoch inputs (benchmarks, simulations, property tests):
 * lognormal (heavy-tailed) stake, a few hundred staked validators of which the top ones hold
 * permits, sparse weight rows built the way validators build them (scores -> SDK weight prep ->
 * chain max-upscale), recent registrations, stale validators, and bonds from warm-up epochs.
 * Same options + seed -> same input (sfc32 integer PRNG, no Math.random; the lognormal draws use
 * Math.exp/log/cos, which V8 computes with its own fdlibm port, identically on every platform).
 */
import { scoresToWeights } from '../weights';
import { epoch_mechanism } from './epoch';
import type { EpochInput, SparseRowU16 } from './types';

/** sfc32: small, fast, 128-bit state PRNG; `next()` in [0, 1). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  /** uniform in [0, 1) with 32 random bits */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }
}

export interface GenerateOptions {
  n: number;
  seed: number;
  /** uids with non-zero stake (validators) */
  stakedValidators: number;
  /** MaxAllowedValidators */
  maxAllowedValidators: number;
  /** mean fraction of the n columns a validator's weight row covers */
  density: number;
  yuma3: boolean;
  liquidAlpha: boolean;
  /** warm-up epochs run to produce realistic bonds and permits */
  warmupEpochs: number;
  raoEmission: number;
}

export const defaultGenerateOptions: Omit<GenerateOptions, 'n'> = {
  seed: 1,
  stakedValidators: 90,
  maxAllowedValidators: 64,
  density: 0.13,
  yuma3: false,
  liquidAlpha: false,
  warmupEpochs: 2,
  raoEmission: 1_249_089_752_244,
};

/** Shapes of the benchmark table (vectors/README "Performance anchor"). */
export function benchShape(n: number): Pick<GenerateOptions, 'stakedValidators' | 'maxAllowedValidators' | 'density'> {
  if (n <= 256) return { stakedValidators: 90, maxAllowedValidators: 64, density: 0.18 }; // ~3.1k weights
  if (n <= 1024) return { stakedValidators: 90, maxAllowedValidators: 64, density: 0.225 }; // ~14.6k weights
  return { stakedValidators: 512, maxAllowedValidators: 256, density: 0.067 }; // 512 rows x ~270 columns: ~105k weights (docs/yuma.md)
}

/** Builds one epoch input; `warmupEpochs` epochs are run on it so bonds/permits are realistic. */
export function generateEpochInput(opts: Partial<GenerateOptions> & { n: number }): EpochInput {
  const o: GenerateOptions = { ...defaultGenerateOptions, ...opts };
  const { n } = o;
  const rng = new Prng(o.seed);
  const tempo = 360;
  const block0 = 5_000_000;
  const nVal = Math.min(o.stakedValidators, n);
  // validators are spread over the uid range
  const isVal = new Array<boolean>(n).fill(false);
  const valUids: number[] = [];
  while (valUids.length < nVal) {
    const u = rng.int(0, n);
    if (!isVal[u]) {
      isVal[u] = true;
      valUids.push(u);
    }
  }
  valUids.sort((a, b) => a - b);
  const stake = new Array<number>(n).fill(0);
  // rao, heavy tail; capped at 2^53 - 1 (the largest stake an epoch input may carry as a JSON
  // number), which a lognormal draw exceeds about once in a thousand validators
  for (const u of valUids) stake[u] = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(rng.lognormal(Math.log(2e13), 2.0)));
  // recent registrations and stale validators
  const reg = Array.from({ length: n }, () => (rng.next() < 0.03 ? block0 - rng.int(0, 2 * tempo) : rng.int(1000, block0 - 100_000)));
  const lastUpdate = Array.from({ length: n }, (_, i) => (isVal[i] ? (rng.next() < 0.1 ? block0 - 8000 - rng.int(0, 4000) : block0 - rng.int(0, 400)) : reg[i]));
  // a hidden "true quality" per miner; validators observe it with noise
  const quality = Array.from({ length: n }, () => rng.lognormal(0, 1));
  // validators mostly agree on which miners matter: 85% of a row's picks come from a shared
  // "popular" set (the best miners by quality), the rest are random
  const byQuality = Array.from({ length: n }, (_, i) => i).sort((a, b) => quality[b] - quality[a]);
  const popular = byQuality.slice(0, Math.max(1, Math.round(n * o.density * 1.2)));
  const weights: SparseRowU16[] = Array.from({ length: n }, () => []);
  for (const u of valUids) {
    const k = Math.max(1, Math.min(n - 1, Math.round(n * o.density * (0.5 + rng.next()))));
    const scores = new Array<number>(n).fill(0);
    for (let t = 0; t < k; t++) {
      const j = rng.next() < 0.85 ? popular[rng.int(0, popular.length)] : rng.int(0, n);
      scores[j] = quality[j] * rng.lognormal(0, 0.3);
    }
    const w = scoresToWeights(scores, { n, minAllowedWeights: 1, maxWeightLimit: 1, excludeQuantile: 0 });
    // a few validators submit rows in their own (unsorted) order, as the chain allows
    const row: [number, number][] = w.uids.map((j, t) => [j, w.weights[t]]);
    if (rng.next() < 0.05) row.reverse();
    weights[u] = row;
  }
  const stakeRank = valUids.slice().sort((a, b) => stake[b] - stake[a] || b - a);
  const permit = new Array<boolean>(n).fill(false);
  for (const u of stakeRank.slice(0, o.maxAllowedValidators)) permit[u] = true;
  let input: EpochInput = {
    name: `generated_n${n}_${o.yuma3 ? (o.liquidAlpha ? 'yuma3_liquid_alpha' : 'yuma3') : 'classic'}_seed${o.seed}`,
    n,
    current_block: block0,
    activity_cutoff: 5000,
    kappa_u16: 32767,
    bonds_moving_average: 900000,
    liquid_alpha: o.liquidAlpha ? { alpha_low: 45875, alpha_high: 58982, alpha_sigmoid_steepness: 1000 } : null,
    yuma3: o.yuma3,
    stake,
    validator_permit: permit,
    last_update: lastUpdate,
    block_at_registration: reg,
    weights,
    bonds: Array.from({ length: n }, () => []),
    rao_emission: o.raoEmission,
    tempo,
    last_mechanism_step_block: block0 - tempo,
    bonds_penalty_u16: 65535,
    max_allowed_validators: o.maxAllowedValidators,
    stake_threshold: 0,
    owner_uid: valUids[0] ?? null,
    tao_stake: null,
    tao_weight: '0',
    commit_reveal: null,
  };
  for (let e = 0; e < o.warmupEpochs; e++) {
    const out = epoch_mechanism(input);
    input = {
      ...input,
      bonds: out.bonds,
      validator_permit: out.new_validator_permit,
      last_mechanism_step_block: input.current_block,
      current_block: input.current_block + tempo,
    };
  }
  return input;
}
