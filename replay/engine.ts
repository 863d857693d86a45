/**
 * The replay engine. For each logged epoch it recomputes, from what the validator logged:
 *   1. the scores of the logged raw answers (with the logged scorer, or a new one),
 *   2. the EMA from the epoch's start vector, step by step,
 *   3. the weights prepared from the EMA (shared/weights),
 *   4. Yuma on the logged chain snapshot (shared/yuma), with `--set` overrides applied and,
 *      after a re-score, the validator's own weight row replaced by the re-derived one,
 * and compares each with what was recorded. Pure apart from the ReplaySource.
 */
import { SubnetError } from '../shared/errors';
import type { EpochLog, LoggedQuery, LoggedStep } from '../shared/log/interface';
import { decodeTensors } from '../shared/log/tensors';
import { emaUpdate } from '../shared/scoring/ema';
import { guardedScoreBatch } from '../shared/scoring/guard';
import type { ScoreChallenge, ScoreItem, ScoreTensors, Scorer } from '../shared/scoring/interface';
import { toScoreTensors } from '../shared/scoring/tensor';
import { EPOCH_OUTPUT_FIELDS, type EpochInput, type EpochOutput, type SparseRowU16 } from '../shared/yuma/types';
import { changedUids, firstDifference, uidDeltas, type FirstDifference } from './diff';
import { applyParams } from './params';
import type { CheckResult, EpochReplayResult, ReplayComponents, ReplayOptions } from './interface';
import { defaultReplayOptions } from './interface';

/** Reads a number option the validator logged under any of `keys`. */
export function optNumber(options: Record<string, unknown>, keys: readonly string[], fallback: number): number {
  for (const k of keys) {
    const v = options[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return fallback;
}

export function optString(options: Record<string, unknown>, keys: readonly string[], fallback: string): string {
  for (const k of keys) {
    const v = options[k];
    if (typeof v === 'string') return v;
  }
  return fallback;
}

/** The validator's EMA alpha, as logged with the epoch. */
export function emaAlphaOf(log: EpochLog): number {
  return optNumber(log.options, ['alpha', 'emaAlpha', 'ema_alpha'], 0.1);
}

export function timeoutOf(log: EpochLog): number {
  return optNumber(log.options, ['timeoutMs', 'timeout_ms', 'timeout'], 0);
}

export function taskOf(log: EpochLog): string {
  return optString(log.options, ['task'], 'reference-model');
}

/** The weight-preparation hyperparameters the validator used for this epoch. */
export function weightHyperOf(log: EpochLog, n: number): { n: number; minAllowedWeights: number; maxWeightLimit: number; excludeQuantile: number } {
  const h = log.hyperparameters;
  return {
    n,
    minAllowedWeights: h ? h.minAllowedWeights : 1,
    maxWeightLimit: h ? h.maxWeightsLimit / 65535 : 1,
    excludeQuantile: optNumber(log.options, ['excludeQuantile', 'exclude_quantile'], 0),
  };
}

interface StepGroup {
  step: LoggedStep;
  queries: LoggedQuery[];
}

function groupSteps(log: EpochLog): StepGroup[] {
  const byStep = new Map<number, StepGroup>();
  for (const s of log.steps) byStep.set(s.step, { step: s, queries: [] });
  for (const q of log.queries) {
    let g = byStep.get(q.step);
    if (!g) {
      // a query whose step row is missing (should not happen): keep it with a minimal step
      g = { step: { step: q.step, epoch: q.epoch, block: 0, seed: q.seed, startedAt: 0, durationMs: 0, n: 0, inputs: null, reference: null, faults: 0 }, queries: [] };
      byStep.set(q.step, g);
    }
    g.queries.push(q);
  }
  return [...byStep.values()].sort((a, b) => a.step.step - b.step.step);
}

function grow(a: Float64Array, n: number): Float64Array {
  if (a.length >= n) return a;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** The challenge inputs of a step: as logged, or regenerated from the seed on first access (validators keep them only with keepInputs). */
function challengeOf(g: StepGroup, log: EpochLog): ScoreChallenge {
  const s = g.step;
  const base = { task: taskOf(log), seed: s.seed, epoch: s.epoch, step: s.step };
  if (s.inputs) return { ...base, inputs: toScoreTensors(decodeTensors(s.inputs)) };
  let cached: ScoreTensors | undefined;
  const batch = optNumber(log.options, ['batch'], 1);
  return Object.defineProperty(base, 'inputs', {
    enumerable: true,
    get: (): ScoreTensors => {
      if (!cached) {
        // the default task's generator (shared/model); loaded only when a scorer reads the inputs
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { generateInputs } = require('../shared/model/generate') as typeof import('../shared/model/generate');
        cached = toScoreTensors(generateInputs(s.seed, batch));
      }
      return cached;
    },
  }) as ScoreChallenge;
}

/** Re-scores one step's answers; null when the step's reference or an answer was not kept (pruned). */
function rescoreStep(g: StepGroup, log: EpochLog, scorer: Scorer): number[] | null {
  const s = g.step;
  if (!s.reference) return null;
  const okIdx: number[] = [];
  for (let i = 0; i < g.queries.length; i++) if (g.queries[i].status === 'ok') okIdx.push(i);
  if (okIdx.some((i) => g.queries[i].response === null)) return null;
  const scores = new Array<number>(g.queries.length).fill(0);
  if (okIdx.length === 0) return scores;
  const challenge = challengeOf(g, log);
  const reference: ScoreTensors = toScoreTensors(decodeTensors(s.reference));
  const timeoutMs = timeoutOf(log);
  const items: ScoreItem[] = okIdx.map((i) => {
    const q = g.queries[i];
    return { uid: q.uid, response: toScoreTensors(decodeTensors(q.response!)), timing: { latencyMs: q.latencyMs ?? 0, timeoutMs } };
  });
  const res = guardedScoreBatch(scorer, challenge, reference, items);
  okIdx.forEach((qi, k) => (scores[qi] = res[k].score));
  return scores;
}

function fitLength(a: Float64Array, n: number): Float64Array {
  if (a.length === n) return a;
  const b = new Float64Array(n);
  b.set(a.subarray(0, Math.min(n, a.length)));
  return b;
}

function sameRow(a: SparseRowU16 | undefined, uids: number[], values: number[]): boolean {
  if (!a || a.length !== uids.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== uids[i] || a[i][1] !== values[i]) return false;
  return true;
}

export interface ReplayContext {
  /** the previous epoch's recomputed output, for feed-forward of bonds and permits */
  prev?: { epoch: number; output: EpochOutput } | null;
  /** a scorer to verify the logged scores with when no new scorer is given (the logged one, when loadable) */
  loggedScorer?: Scorer | null;
  /** the EMA state after the previous epoch's last step, as replayed (carried across a range) */
  prevState?: EmaState | null;
  /** loads an earlier epoch of the log (for steps committed across the epoch boundary) */
  loadPrevious?: (epoch: number) => EpochLog | null;
  /** receives the EMA state after this epoch's last step */
  emaOut?: (s: EmaState) => void;
}

export interface EmaState {
  epoch: number;
  ema: Float64Array;
  owner: string[];
  /** [step, EMA after it] of the recent steps (weights may be prepared from an earlier step's EMA) */
  history: [number, Float64Array][];
}

/** Replays one logged epoch. Throws REPLAY_EPOCH_INCOMPLETE when the epoch has no snapshot or prediction. */
export function replayEpoch(log: EpochLog, comps: Omit<ReplayComponents, 'source'>, options: Partial<ReplayOptions> = {}, ctx: ReplayContext = {}): EpochReplayResult {
  const opts: ReplayOptions = { ...defaultReplayOptions, ...options };
  if (!log.snapshot || !log.prediction) {
    throw new SubnetError(
      'REPLAY_EPOCH_INCOMPLETE',
      `epoch ${log.epoch} has no ${!log.snapshot ? 'chain snapshot' : 'Yuma prediction'} in the log (the validator stopped before the chain ran that epoch)`,
      { epoch: log.epoch },
    );
  }
  const changed = !!opts.scorer || opts.params.length > 0;
  const notes: string[] = [];
  const checks: EpochReplayResult['checks'] = { scores: 'skipped', ema: 'skipped', weights: 'skipped', consensus: 'skipped' };
  let firstDiff = null as FirstDifference | null;
  const note = (c: keyof EpochReplayResult['checks'], d: FirstDifference | null) => {
    if (d) {
      checks[c] = 'differ';
      if (!firstDiff) firstDiff = d;
    } else if (checks[c] !== 'differ') checks[c] = 'equal';
  };

  // ---- 1 + 2: scores and EMA ----
  const alpha = emaAlphaOf(log);
  const scorer = opts.scorer ?? ctx.loggedScorer ?? null;
  // The EMA before this epoch's first step: carried from the previous replayed epoch (a range),
  // else the logged start vector plus any step that the validator labelled with the previous
  // epoch but committed after this epoch opened (its log records emaStart before that step).
  let ema: Float64Array;
  // the hotkey each score belongs to: a uid that changed hands starts again from 0 (validator ScoreBook)
  let owner: string[];
  const carried = ctx.prevState && ctx.prevState.epoch === log.epoch - 1 ? ctx.prevState : null;
  const own = groupSteps(log);
  let orphans: StepGroup[] = [];
  if (carried) {
    ema = Float64Array.from(carried.ema);
    owner = [...carried.owner];
  } else {
    ema = Float64Array.from(log.emaStart);
    owner = [...log.hotkeysStart];
    const firstOwn = own.length ? own[0].step.step : Infinity;
    if (firstOwn > log.startStep && ctx.loadPrevious) {
      const prevLog = ctx.loadPrevious(log.epoch - 1);
      if (prevLog) orphans = groupSteps(prevLog).filter((g) => g.step.step >= log.startStep && g.step.step < firstOwn);
      if (orphans.length) notes.push(`${orphans.length} step(s) of epoch ${log.epoch - 1} were committed after epoch ${log.epoch} opened: applied before its first step`);
    }
  }
  // EMA states in step order: [step, ema after it]. The starting state is the one after the
  // previous epoch's steps (carried: with their history) or after step startStep - 1 (emaStart).
  const emaStates: [number, Float64Array][] = carried ? [...carried.history] : [[log.startStep - 1, Float64Array.from(ema)]];
  const emaAt = (step: number): Float64Array | undefined => {
    let best: Float64Array | undefined;
    for (const [st, e] of emaStates) if (st <= step) best = e;
    return best;
  };
  let rescoredAll = scorer !== null;
  const perUidScores: { uid: number; score: number; status: string }[] = [];
  const ownSet = new Set(own);
  for (const g of [...orphans, ...own]) {
    const mine = ownSet.has(g);
    const logged = g.queries.map((q) => q.score);
    let scores = logged;
    if (scorer && (mine || opts.scorer)) {
      const r = rescoreStep(g, log, scorer);
      if (r === null) {
        rescoredAll = false;
      } else {
        if (!opts.scorer && mine) {
          // verification with the logged scorer
          let d: FirstDifference | null = null;
          for (let i = 0; i < r.length && !d; i++) {
            if (r[i] !== logged[i]) d = { field: `scores[step ${g.step.step}, uid ${g.queries[i].uid}]`, recorded: logged[i], recomputed: r[i] };
          }
          note('scores', d);
        }
        scores = r;
      }
    }
    const uids = g.queries.map((q) => q.uid);
    const maxUid = uids.reduce((m, u) => Math.max(m, u), -1);
    ema = grow(ema, Math.max(g.step.n, maxUid + 1));
    for (let i = 0; i < uids.length; i++) {
      const u = uids[i];
      const hk = g.queries[i].hotkey;
      if (owner[u] !== undefined && owner[u] !== hk) ema[u] = 0;
      owner[u] = hk;
      ema[u] = emaUpdate(ema[u], scores[i], alpha);
      if (mine) perUidScores.push({ uid: u, score: scores[i], status: g.queries[i].status });
    }
    if (!changed) {
      let d: FirstDifference | null = null;
      for (let i = 0; i < uids.length && !d; i++) {
        if (ema[uids[i]] !== g.queries[i].ema) d = { field: `ema[step ${g.step.step}, uid ${uids[i]}]`, recorded: g.queries[i].ema, recomputed: ema[uids[i]] };
      }
      note('ema', d);
    }
    emaStates.push([g.step.step, Float64Array.from(ema)]);
  }
  ctx.emaOut?.({ epoch: log.epoch, ema: Float64Array.from(ema), owner: [...owner], history: emaStates.slice(-64) });
  if (opts.scorer && !rescoredAll) notes.push('some steps had no kept challenge/reference or response (pruned): their logged scores were used');
  if (!opts.scorer && !ctx.loggedScorer) notes.push(`logged scorer "${log.scorerName}" not loadable here: scores taken as logged`);

  // ---- 3: weights ----
  const newRows = new Map<number, { uids: number[]; weights: number[] }>();
  for (const wp of log.weightsPrepared) {
    // the EMA after step wp.step (which may be a step of the previous epoch: weights are often prepared right after an epoch opens)
    const recomputedScores = emaAt(wp.step);
    if (!changed) {
      // the scores the weights were made from = the EMA after that step
      if (recomputedScores) {
        let d: FirstDifference | null = null;
        const m = Math.max(recomputedScores.length, wp.scores.length);
        for (let u = 0; u < m && !d; u++) {
          const a = wp.scores[u] ?? 0;
          const b = recomputedScores[u] ?? 0;
          if (a !== b) d = { field: `weights_prepared[${wp.id}].scores[${u}]`, recorded: a, recomputed: b };
        }
        note('ema', d);
      }
      const w = comps.scoresToWeights(wp.scores, weightHyperOf(log, wp.scores.length));
      note('weights', firstDifference({ uids: wp.uids, values: wp.values }, { uids: w.uids, values: w.weights }, ['uids', 'values'], `weights_prepared[${wp.id}]`));
    } else {
      const base = opts.scorer && recomputedScores ? fitLength(recomputedScores, wp.scores.length) : wp.scores;
      newRows.set(wp.id, comps.scoresToWeights(base, weightHyperOf(log, base.length)));
    }
  }

  // ---- 4: Yuma on the snapshot ----
  const snap = log.snapshot;
  const recorded = log.prediction.predicted;
  let input: EpochInput = snap.input;
  const ownUid = log.prediction.ownUid;
  if (changed) {
    input = applyParams(input, opts.params);
    if (opts.scorer && ownUid !== null && ownUid < input.n) {
      // the weights that were on chain for this epoch: the last prepared set included before the epoch block
      const included = log.weightSets
        .filter((s) => s.status === 'included' && s.preparedId !== null && (s.includedBlock ?? Infinity) <= snap.epochBlock)
        .sort((a, b) => (a.includedBlock ?? 0) - (b.includedBlock ?? 0));
      const last = included[included.length - 1];
      const row = last ? newRows.get(last.preparedId!) : undefined;
      const wp = last ? log.weightsPrepared.find((w) => w.id === last.preparedId) : undefined;
      if (row && wp && sameRow(input.weights[ownUid], wp.uids, wp.values)) {
        const weights = input.weights.slice();
        weights[ownUid] = row.uids.map((u, i) => [u, row.weights[i]] as [number, number]).filter(([u]) => u < 65536);
        input = { ...input, weights };
      } else if (!row) {
        notes.push('no weights of this validator were included before this epoch: its on-chain row is used as logged');
      } else {
        notes.push('the on-chain row of this validator is not the logged weights (set earlier): used as logged');
      }
    }
    if (opts.feedForward && ctx.prev && ctx.prev.epoch === log.epoch - 1 && ctx.prev.output.bonds.length === input.n) {
      input = { ...input, bonds: ctx.prev.output.bonds, validator_permit: ctx.prev.output.new_validator_permit };
    }
  }
  const output = comps.yumaEpoch(input);
  note('consensus', firstDifference(recorded as unknown as Record<string, unknown>, output as unknown as Record<string, unknown>, EPOCH_OUTPUT_FIELDS));

  // ---- chain agreement (informational) ----
  let chainAgrees: boolean | null = null;
  let chainDiff: FirstDifference | null | undefined;
  const rep = log.prediction.reported;
  if (rep) {
    chainDiff = firstDifference(
      { consensus: recorded.consensus, incentive: recorded.incentive, dividends: recorded.dividends, validator_trust: recorded.validator_trust },
      { consensus: rep.consensus, incentive: rep.incentive, dividends: rep.dividends, validator_trust: rep.validatorTrust },
      ['consensus', 'incentive', 'dividends', 'validator_trust'],
    );
    chainAgrees = chainDiff === null;
  }

  const result: EpochReplayResult = {
    epoch: log.epoch,
    block: snap.epochBlock,
    n: input.n,
    identical: firstDiff === null,
    changed,
    first_difference: firstDiff,
    checks,
    chain_agrees: chainAgrees,
  };
  if (chainDiff !== undefined) result.chain_first_difference = chainDiff;
  if (changed) result.deltas = changedUids(uidDeltas(recorded, output, { hotkeys: snap.hotkeys }));
  if (notes.length) result.notes = notes;
  if (opts.keepOutputs) {
    result.output = output;
    result.input = input;
    result.recorded = recorded;
    result.recordedInput = snap.input;
    result.scores = perUidScores;
    result.hotkeys = snap.hotkeys;
  }
  return result;
}

export interface RangeSpec {
  from: number;
  to: number;
}

/** Epochs in [from, to] that the log holds; LOG_EPOCH_MISSING-style errors name the first absent one. */
export function resolveRange(source: { listEpochs(): { epoch: number }[] }, range: RangeSpec): number[] {
  if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to < range.from) {
    throw new SubnetError('REPLAY_BAD_RANGE', `bad epoch range ${range.from}..${range.to}`, { ...range });
  }
  const have = new Set(source.listEpochs().map((e) => e.epoch));
  if (have.size === 0) throw new SubnetError('REPLAY_EPOCH_MISSING', 'the log holds no epochs', {});
  const out: number[] = [];
  for (let e = range.from; e <= range.to; e++) {
    if (!have.has(e)) {
      const sorted = [...have].sort((a, b) => a - b);
      throw new SubnetError('REPLAY_EPOCH_MISSING', `epoch ${e} is not in the log (it holds epochs ${sorted[0]}..${sorted[sorted.length - 1]})`, { epoch: e });
    }
    out.push(e);
  }
  return out;
}

/** Replays a range, calling `onEpoch` after each (progress, streaming output). */
export function replayRange(
  comps: ReplayComponents,
  epochs: readonly number[],
  options: Partial<ReplayOptions> = {},
  hooks: { loggedScorer?: (log: EpochLog) => Scorer | null; onEpoch?: (r: EpochReplayResult, i: number) => void } = {},
): EpochReplayResult[] {
  const out: EpochReplayResult[] = [];
  let prev: { epoch: number; output: EpochOutput } | null = null;
  let prevState: EmaState | null = null;
  const keep = options.keepOutputs ?? false;
  const loadPrevious = (e: number): EpochLog | null => {
    try {
      return comps.source.loadEpoch(e);
    } catch {
      return null;
    }
  };
  epochs.forEach((e, i) => {
    const log = comps.source.loadEpoch(e);
    const r = replayEpoch(log, comps, { ...options, keepOutputs: true }, {
      prev,
      prevState,
      loadPrevious,
      emaOut: (st) => (prevState = st),
      loggedScorer: hooks.loggedScorer ? hooks.loggedScorer(log) : null,
    });
    prev = { epoch: e, output: r.output! };
    if (!keep) {
      delete r.output;
      delete r.input;
      delete r.recorded;
      delete r.recordedInput;
      delete r.scores;
      delete r.hotkeys;
    }
    out.push(r);
    hooks.onEpoch?.(r, i);
  });
  return out;
}
