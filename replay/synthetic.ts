/**
 * A synthetic validator log, written through shared/log's API exactly as a validator writes it:
 * real tensors, the real scorer and EMA, the real weight preparation and the real Yuma epoch for
 * the prediction. Used by replay's tests and by bench/replay.bench.ts (1,000 epochs of n=256).
 *
 * The subnet: uids 0..validators-1 are validators (stake, weights from noisy views of miner
 * quality), the rest miners of the devnet kinds; uid 0 is the validator that keeps the log.
 */
import type { Hyperparameters } from '../shared/chain/interface';
import type { LogStore, QueryRecord, StepRecord } from '../shared/log/interface';
import { encodeTensors } from '../shared/log/tensors';
import type { TensorData } from '../shared/model/interface';
import { relativeErrorScorer } from '../shared/scoring/builtins';
import { guardedScoreBatch } from '../shared/scoring/guard';
import type { Scorer } from '../shared/scoring/interface';
import { float32Tensor, toScoreTensors } from '../shared/scoring/tensor';
import { scoresToWeights } from '../shared/weights';
import { yumaEpoch } from '../shared/yuma';
import type { EpochInput, EpochOutput, SparseRowU16 } from '../shared/yuma/types';
import { mulberry32 } from '../shared/random';

export interface SyntheticLogOptions {
  n: number;
  validators: number;
  epochs: number;
  stepsPerEpoch: number;
  /** miners queried per step (sample size); all when >= n */
  sampleSize: number;
  tempo: number;
  alpha: number;
  seed: number;
  /** elements of the model output */
  outputSize: number;
  scorer: Scorer;
  /** log the chain-reported values equal to the prediction (true) or leave them out */
  reported: boolean;
}

export const defaultSyntheticLogOptions: SyntheticLogOptions = {
  n: 16,
  validators: 3,
  epochs: 3,
  stepsPerEpoch: 3,
  sampleSize: 1 << 30,
  tempo: 10,
  alpha: 0.3,
  seed: 1,
  outputSize: 4,
  scorer: relativeErrorScorer,
  reported: true,
};

export const SYNTHETIC_KINDS = ['honest', 'honest', 'noisy', 'quantised', 'slow', 'garbage'] as const;

const rng = mulberry32;

export function syntheticHyperparameters(tempo: number): Hyperparameters {
  return {
    tempo,
    kappa: 32767,
    activityCutoff: 5000,
    weightsSetRateLimit: 1,
    minAllowedWeights: 1,
    maxWeightsLimit: 65535,
    weightsVersionKey: 0,
    bondsMovingAverage: 900000,
    bondsPenalty: 65535,
    commitRevealWeightsEnabled: false,
    maxAllowedValidators: 64,
    maxAllowedUids: 4096,
    immunityPeriod: 5000,
    yuma3On: false,
    liquidAlphaOn: false,
    alphaLow: 45875,
    alphaHigh: 58982,
    alphaSigmoidSteepness: 1000,
    stakeThreshold: 0,
  };
}

/** hotkey label of uid i (not an ss58 address: replay treats hotkeys as opaque strings) */
export function syntheticHotkey(i: number): string {
  return `hk${String(i).padStart(4, '0')}`;
}

export function syntheticKind(uid: number, validators: number): string {
  return uid < validators ? 'validator' : SYNTHETIC_KINDS[(uid - validators) % SYNTHETIC_KINDS.length];
}

function answer(kind: string, ref: Float32Array, r: () => number): Float32Array | null {
  const out = new Float32Array(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const v = ref[i];
    switch (kind) {
      case 'honest':
        out[i] = v;
        break;
      case 'noisy':
        out[i] = v + (r() - 0.5) * 0.1 * (Math.abs(v) + 0.1);
        break;
      case 'quantised':
        out[i] = Math.round(v * 16) / 16;
        break;
      case 'garbage':
        out[i] = (r() - 0.5) * 10;
        break;
      default:
        return null;
    }
  }
  return out;
}

/** Writes `opts.epochs` closed epochs into `store` (a fresh, writable log). Returns what it wrote, for tests. */
export function writeSyntheticLog(store: LogStore & { recordSteps?(s: StepRecord[]): void }, options: Partial<SyntheticLogOptions> = {}): { outputs: EpochOutput[]; inputs: EpochInput[] } {
  const o: SyntheticLogOptions = { ...defaultSyntheticLogOptions, ...options };
  const r = rng(o.seed);
  const n = o.n;
  const hotkeys = Array.from({ length: n }, (_, i) => syntheticHotkey(i));
  const kinds = Array.from({ length: n }, (_, i) => syntheticKind(i, o.validators));
  const hyper = syntheticHyperparameters(o.tempo);
  const logOptions: Record<string, unknown> = { alpha: o.alpha, timeoutMs: 1000, sampleSize: o.sampleSize, task: 'reference-model' };
  const runId = store.beginRun({ startedAt: 0, hotkey: hotkeys[0], netuid: 1, appVersion: 'synthetic', scorerName: o.scorer.name, scorerVersion: o.scorer.version, options: logOptions });
  const stake = Array.from({ length: n }, (_, i) => (i < o.validators ? Math.round(1e12 / (i + 1)) : 0));
  let permits = Array.from({ length: n }, (_, i) => i < o.validators);
  let bonds: SparseRowU16[] = Array.from({ length: n }, () => []);
  // other validators' quality views (fixed per run)
  const quality = kinds.map((k) => ({ honest: 1, noisy: 0.6, quantised: 0.8, slow: 0, garbage: 0, validator: 0 })[k] ?? 0);
  let ema = new Float64Array(n);
  let step = 0;
  const outputs: EpochOutput[] = [];
  const inputs: EpochInput[] = [];
  for (let e = 1; e <= o.epochs; e++) {
    const epochBlock = e * (o.tempo + 1);
    const startBlock = epochBlock - o.tempo;
    store.openEpoch({ epoch: e, runId, startStep: step + 1, startBlock, startedAt: e * 1000, options: logOptions, hyperparameters: hyper, scorerName: o.scorer.name, scorerVersion: o.scorer.version, emaStart: Float64Array.from(ema), hotkeysStart: hotkeys });
    const steps: StepRecord[] = [];
    for (let s = 0; s < o.stepsPerEpoch; s++) {
      step++;
      const seed = Math.floor(r() * 2 ** 32);
      const inputVals = Array.from({ length: 8 }, () => r() * 2 - 1);
      const refVals = Float32Array.from({ length: o.outputSize }, (_, i) => Math.tanh(inputVals[i % 8] * 1.5 + i * 0.1));
      const stepInputs: Record<string, TensorData> = { input: float32Tensor(inputVals, [1, 8]) };
      const reference: Record<string, TensorData> = { output: float32Tensor(refVals, [1, o.outputSize]) };
      // sample miners (and validators: they are queried too, and answer nothing useful)
      const uids: number[] = [];
      for (let u = 1; u < n; u++) if (n - 1 <= o.sampleSize || r() < o.sampleSize / (n - 1)) uids.push(u);
      const queries: QueryRecord[] = [];
      const ansBy = new Map<number, Record<string, TensorData>>();
      for (const u of uids) {
        const a = kinds[u] === 'validator' ? null : answer(kinds[u], refVals, r);
        if (a) ansBy.set(u, { output: float32Tensor(a, [1, o.outputSize]) });
      }
      const ok = uids.filter((u) => ansBy.has(u));
      const scored = guardedScoreBatch(
        o.scorer,
        { task: 'reference-model', seed, epoch: e, step, inputs: toScoreTensors(stepInputs) },
        toScoreTensors(reference),
        ok.map((u) => ({ uid: u, response: toScoreTensors(ansBy.get(u)!), timing: { latencyMs: 5, timeoutMs: 1000 } })),
      );
      const scoreOf = new Map(ok.map((u, i) => [u, scored[i].score]));
      for (const u of uids) {
        const sc = scoreOf.get(u) ?? 0;
        ema[u] = o.alpha * sc + (1 - o.alpha) * ema[u];
        const resp = ansBy.get(u);
        queries.push({
          uid: u,
          hotkey: hotkeys[u],
          status: resp ? 'ok' : kinds[u] === 'slow' ? 'timeout' : 'error',
          latencyMs: resp ? 5 : kinds[u] === 'slow' ? 1000 : 1,
          digest: null,
          proof: null,
          response: resp ? encodeTensors(resp) : null,
          error: resp ? null : kinds[u] === 'slow' ? 'timeout' : 'not a miner',
          score: sc,
          fault: null,
          ema: ema[u],
        });
      }
      steps.push({ step, epoch: e, block: startBlock + s, seed, startedAt: e * 1000 + s, durationMs: 5, n, inputs: encodeTensors(stepInputs), reference: encodeTensors(reference), faults: 0, queries, ema: Float64Array.from(ema), hotkeys });
    }
    if (store.recordSteps) store.recordSteps(steps);
    else for (const s of steps) store.recordStep(s);
    // weights
    const w = scoresToWeights(ema, { n, minAllowedWeights: 1, maxWeightLimit: 1, excludeQuantile: 0 });
    const pid = store.recordWeightsPrepared({ epoch: e, step, block: epochBlock - 2, scores: Float64Array.from(ema), uids: w.uids, values: w.weights, versionKey: 0 });
    store.recordWeightSet({ epoch: e, preparedId: pid, status: 'included', block: epochBlock - 2, scheduledFor: null, includedBlock: epochBlock - 1, error: null, attempts: 1, at: e * 1000 + 500 });
    // the chain snapshot: own row as set; others from noisy quality views
    const weights: SparseRowU16[] = Array.from({ length: n }, (_, i) => {
      if (i === 0) return w.uids.map((u, k) => [u, w.weights[k]] as [number, number]);
      if (i >= o.validators) return [];
      const vals = quality.map((q) => Math.max(0, q + (r() - 0.5) * 0.1 * q));
      const row = scoresToWeights(vals, { n, minAllowedWeights: 1, maxWeightLimit: 1, excludeQuantile: 0 });
      return row.uids.map((u, k) => [u, row.weights[k]] as [number, number]);
    });
    const input: EpochInput = {
      name: `synthetic_epoch${e}`,
      n,
      current_block: epochBlock,
      activity_cutoff: 5000,
      kappa_u16: 32767,
      bonds_moving_average: 900000,
      liquid_alpha: null,
      yuma3: false,
      stake,
      validator_permit: permits,
      last_update: Array.from({ length: n }, (_, i) => (i < o.validators ? epochBlock - 1 : 0)),
      block_at_registration: new Array(n).fill(0),
      weights,
      bonds,
      rao_emission: 1_000_000_000,
      tempo: o.tempo,
      last_mechanism_step_block: e === 1 ? 0 : epochBlock - o.tempo - 1,
      bonds_penalty_u16: 65535,
      max_allowed_validators: 64,
      stake_threshold: 0,
      owner_uid: null,
      tao_stake: null,
      tao_weight: '0',
      commit_reveal: null,
    };
    const out = yumaEpoch(input);
    store.recordSnapshot({ epoch: e, epochBlock, snapshotBlock: epochBlock - 1, exact: true, input, hyperparameters: hyper, hotkeys });
    store.recordPrediction({
      epoch: e,
      epochBlock,
      ownUid: 0,
      predicted: out,
      reported: o.reported ? { block: epochBlock, consensus: out.consensus, incentive: out.incentive, dividends: out.dividends, validatorTrust: out.validator_trust } : null,
      ownVtrustPredicted: out.validator_trust[0],
      ownVtrustReported: o.reported ? out.validator_trust[0] : null,
      maxAbsDiff: o.reported ? 0 : null,
    });
    store.closeEpoch(e, epochBlock);
    outputs.push(out);
    inputs.push(input);
    bonds = out.bonds;
    permits = out.new_validator_permit;
    ema = Float64Array.from(ema);
  }
  return { outputs, inputs };
}
