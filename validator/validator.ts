/**
 * The validator: query loop, scoring, EMA scores, weights each tempo, Yuma prediction after each
 * chain epoch, and the log that makes every epoch replayable. See docs/validator.md.
 *
 * Two activities run side by side and share only the metagraph and the score book:
 * - the step loop (every `stepMs`): challenge -> query the sampled miners with a deadline ->
 *   score every answer -> EMA -> one log transaction;
 * - the block handler (on each new head): metagraph sync on schedule, snapshot before each chain
 *   epoch, prediction after it, weights when due (scheduled when the rate limit says too soon).
 */
import { randomInt } from 'node:crypto';
import { weightsCommitHash } from '../shared/chain/commitHash';
import type { Hyperparameters, Metagraph, WriteResult } from '../shared/chain/interface';
import { SubnetError, errorMessage, isAbortError } from '../shared/errors';
import type { LoggedWeightCommit, LogStore, QueryRecord, QueryStatus } from '../shared/log/interface';
import { digestTensors, encodeTensors } from '../shared/log/tensors';
import type { Logger } from '../shared/logger';
import { checkAlpha } from '../shared/scoring/ema';
import { guardedScoreBatch } from '../shared/scoring/guard';
import type { GuardedScore, ScoreChallenge, ScoreItem } from '../shared/scoring/interface';
import { toScoreTensors } from '../shared/scoring/tensor';
import type { EpochInput } from '../shared/yuma/types';
import type { QueryResult, QueryTarget, ValidatorComponents } from './interface';
import { defaultValidatorOptions, type ValidatorOptions } from './options';
import { sampleUids } from './sampler';
import { commitEpochIndex, decideReveal, decideWeights, firstBlockOfEpochIndex, subtensorEpochSchedule, type EpochSchedule } from './schedule';
import { ScoreBook } from './scoreBook';
import { epochInputFromMetagraph, maxAbsDiff, reportedFromMetagraph } from './snapshot';

export interface StepSummary {
  step: number;
  epoch: number;
  seed: number;
  queried: number;
  ok: number;
  faults: number;
  durationMs: number;
}

export interface ValidatorStatus {
  running: boolean;
  ownUid: number | null;
  step: number;
  epoch: number;
  head: number;
  n: number;
  lastSetBlock: number | null;
  scheduledFor: number | null;
  scorerFaults: number;
  weightSets: { included: number; rejected: number; failed: number; scheduled: number };
  /** commit-reveal (CRv2): commits included / rejected / failed, reveals included / rejected, commits expired unrevealed, still pending */
  weightCommits: { committed: number; rejected: number; failed: number; revealed: number; revealRejected: number; expired: number; pending: number };
  predictions: number;
}

/** RevealPeriodEpochs when the chain does not report it (subtensor's default). */
export const DEFAULT_REVEAL_PERIOD_EPOCHS = 1;

/** True for an axon a miner can be reached at (an unset axon reads as ip 0 / port 0). */
function servable(ax: Metagraph['axons'][number]): ax is NonNullable<Metagraph['axons'][number]> {
  return !!ax && ax.port > 0 && ax.ip !== 0n && ax.ipString !== '0.0.0.0' && ax.ipString !== '';
}

function proofBytes(p: unknown): Uint8Array | null {
  if (p === undefined || p === null) return null;
  if (p instanceof Uint8Array) return p;
  return new TextEncoder().encode(JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v)));
}

export class Validator {
  readonly options: Readonly<ValidatorOptions>;
  private readonly c: ValidatorComponents;
  private readonly log: LogStore;
  private readonly logger: Logger;
  private readonly schedule: EpochSchedule;
  private readonly seeds: () => number;

  private book = new ScoreBook();
  private metagraph: Metagraph | null = null;
  private hyper: Hyperparameters | null = null;
  private ownUid: number | null = null;
  private step = 0;
  private epoch = 1;
  private runId = 0;
  private head = 0;
  private processedBlock = 0;
  private lastSyncBlock = -Infinity;
  private lastSetBlock: number | null = null;
  private lastAttemptBlock: number | null = null;
  private scheduledFor: number | null = null;
  private stepsScored = 0;
  private scorerFaults = 0;
  private predictions = 0;
  private readonly weightCounts = { included: 0, rejected: 0, failed: 0, scheduled: 0 };
  private readonly commitCounts = { committed: 0, rejected: 0, failed: 0, revealed: 0, revealRejected: 0, expired: 0 };
  /** CRv2 commits still to reveal (from the log at start, then this process's), oldest first */
  private pendingCommits: LoggedWeightCommit[] = [];
  /** the chain's LastMechansimStepBlock as last seen (with an epochSource); undefined before the first read */
  private chainLastEpoch: number | null | undefined = undefined;
  /** snapshots taken just before an epoch block, by epoch block */
  private readonly snapshots = new Map<number, Metagraph>();

  private running = false;
  private abort: AbortController | null = null;
  private unsubscribe: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private blockWork: Promise<void> | null = null;
  private weightsInFlight: Promise<void> | null = null;
  private fatalResolve!: (err: Error) => void;
  /** Resolves with the error that stopped the loop on its own (a log write failure); never rejects. */
  readonly fatal: Promise<Error> = new Promise<Error>((resolve) => {
    this.fatalResolve = resolve;
  });

  constructor(components: ValidatorComponents, options: Partial<ValidatorOptions> = {}) {
    this.c = components;
    this.options = Object.freeze({ ...defaultValidatorOptions, ...options });
    checkAlpha(this.options.alpha);
    if (!(this.options.timeoutMs > 0)) throw new SubnetError('OPTION_INVALID', `timeout must be > 0 ms, got ${this.options.timeoutMs}`, { timeoutMs: this.options.timeoutMs });
    if (!(this.options.sampleSize >= 0) || !Number.isInteger(this.options.sampleSize)) {
      throw new SubnetError('OPTION_INVALID', `sample size must be a non-negative integer (0 = all), got ${this.options.sampleSize}`, {});
    }
    this.log = components.log;
    this.logger = components.logger.child({ module: 'validator', netuid: this.options.netuid });
    this.schedule = components.schedule ?? subtensorEpochSchedule;
    this.seeds = components.seeds ?? (() => randomInt(0, 2 ** 32 - 1));
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Resumes from the log, syncs the metagraph, checks registration, then runs the step loop and
   * the block handler until stop(). Errors: VALIDATOR_NOT_REGISTERED, chain errors, LOG_*.
   */
  async start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.running) return;
    this.abort = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
    await this.init(signal);
    this.running = true;
    this.unsubscribe = await this.c.chain.subscribeBlocks((b) => this.onHead(b));
    this.loopDone = this.stepLoop(signal).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      this.logger.error('validator stopped on a fatal error', { error: e.message, code: (e as { code?: string }).code });
      this.fatalResolve(e);
    });
  }

  /** Stops the loops, waits for the step and weight-set in flight, and leaves the log consistent. Idempotent. */
  async stop(): Promise<void> {
    if (!this.abort) return;
    this.running = false;
    this.abort.abort(new SubnetError('VALIDATOR_STOPPED', 'validator stopped', {}));
    try {
      this.unsubscribe?.();
    } catch {
      /* the chain may already be gone */
    }
    this.unsubscribe = null;
    await this.loopDone?.catch(() => undefined);
    await this.blockWork?.catch(() => undefined);
    await this.weightsInFlight?.catch(() => undefined);
    this.loopDone = null;
    this.abort = null;
  }

  status(): ValidatorStatus {
    return {
      running: this.running,
      ownUid: this.ownUid,
      step: this.step,
      epoch: this.epoch,
      head: this.head,
      n: this.book.n,
      lastSetBlock: this.lastSetBlock,
      scheduledFor: this.scheduledFor,
      scorerFaults: this.scorerFaults,
      weightSets: { ...this.weightCounts },
      weightCommits: { ...this.commitCounts, pending: this.pendingCommits.length },
      predictions: this.predictions,
    };
  }

  /** The EMA scores (a copy), index = uid. */
  scores(): Float64Array {
    return this.book.scores();
  }

  /** Resume + first sync + run/epoch rows. Public for tests that drive steps and blocks by hand. */
  async init(signal?: AbortSignal): Promise<void> {
    const prev = this.log.lastRun();
    if (prev && (prev.hotkey !== this.c.signer.address || prev.netuid !== this.options.netuid)) {
      throw new SubnetError(
        'LOG_MISMATCH',
        `${this.log.path} belongs to hotkey ${prev.hotkey} on subnet ${prev.netuid}, not ${this.c.signer.address} on subnet ${this.options.netuid}; use another --db`,
        { path: this.log.path, hotkey: prev.hotkey, netuid: prev.netuid },
      );
    }
    const resume = this.log.resumeState();
    if (resume) {
      this.book = new ScoreBook(resume.ema, resume.hotkeys);
      this.step = resume.step;
      this.epoch = resume.epoch;
      this.lastSetBlock = resume.lastWeightBlock;
      this.stepsScored = resume.step > 0 ? 1 : 0;
    }
    // commits made before a restart (or kill -9) are revealed from the log
    this.pendingCommits = this.log.pendingWeightCommits();
    this.head = await this.c.chain.currentBlock({ signal });
    await this.sync(this.head, { signal, weights: false });
    if (this.ownUid === null) {
      throw new SubnetError('VALIDATOR_NOT_REGISTERED', `hotkey ${this.c.signer.address} is not registered on subnet ${this.options.netuid}; register it first`, {
        hotkey: this.c.signer.address,
        netuid: this.options.netuid,
      });
    }
    this.runId = this.log.beginRun({
      startedAt: this.c.clock.now(),
      hotkey: this.c.signer.address,
      netuid: this.options.netuid,
      appVersion: this.c.appVersion ?? 'unknown',
      scorerName: this.c.scorer.name,
      scorerVersion: this.c.scorer.version,
      options: { ...this.options },
    });
    let open = !!resume && resume.epochOpen;
    if (resume && open && prev) {
      // an open epoch is replayed with one scorer and one set of scoring settings: if they changed
      // across the restart, that epoch ends here (without a chain snapshot) and a new one starts
      const e = this.log.listEpochs().find((x) => x.epoch === resume.epoch);
      const o = prev.options;
      const changed =
        (e && (e.scorerName !== this.c.scorer.name || e.scorerVersion !== this.c.scorer.version)) ||
        o.alpha !== this.options.alpha ||
        o.timeoutMs !== this.options.timeoutMs ||
        o.excludeQuantile !== this.options.excludeQuantile;
      if (changed) {
        this.logger.info('scoring settings changed: the open epoch ends without a chain snapshot', { epoch: resume.epoch });
        this.log.closeEpoch(resume.epoch, this.head);
        this.epoch = resume.epoch + 1;
        open = false;
      }
    }
    if (!open) this.openEpoch(this.head);
    this.processedBlock = this.head;
    this.logger.info('validator started', {
      uid: this.ownUid,
      hotkey: this.c.signer.address,
      step: this.step,
      epoch: this.epoch,
      resumed: !!resume,
      lastSetBlock: this.lastSetBlock,
      scorer: `${this.c.scorer.name}@${this.c.scorer.version}`,
      n: this.book.n,
    });
  }

  private openEpoch(block: number): void {
    this.log.openEpoch({
      epoch: this.epoch,
      runId: this.runId,
      startStep: this.step + 1,
      startBlock: block,
      startedAt: this.c.clock.now(),
      options: { ...this.options },
      hyperparameters: this.hyper,
      scorerName: this.c.scorer.name,
      scorerVersion: this.c.scorer.version,
      emaStart: this.book.scores(),
      hotkeysStart: [...this.book.hotkeys],
    });
  }

  // ---------------------------------------------------------------- metagraph

  /** Reads the metagraph and aligns the score book (hotkey changes reset, growth, shrinking). */
  async sync(block: number, opts: { signal?: AbortSignal; weights: boolean }): Promise<Metagraph> {
    const mg = await this.c.chain.metagraph(this.options.netuid, { signal: opts.signal, weights: opts.weights, bonds: opts.weights });
    this.applyMetagraph(mg);
    this.lastSyncBlock = block;
    return mg;
  }

  private applyMetagraph(mg: Metagraph): void {
    const ch = this.book.sync(mg.hotkeys);
    if (ch.reset.length || ch.added.length || ch.removed.length) {
      this.logger.info('metagraph changed', { block: mg.block, n: mg.n, reset: ch.reset, added: ch.added.length, removed: ch.removed.length });
    }
    this.metagraph = mg;
    this.hyper = mg.hyperparameters;
    const uid = mg.hotkeys.indexOf(this.c.signer.address);
    if (uid < 0 && this.ownUid !== null) this.logger.error('our hotkey is no longer registered: weights will not be set', { hotkey: this.c.signer.address });
    this.ownUid = uid < 0 ? null : uid;
    if (this.ownUid !== null) {
      const lu = mg.lastUpdate[this.ownUid] ?? 0;
      if (lu > 0 && (this.lastSetBlock === null || lu > this.lastSetBlock)) this.lastSetBlock = lu;
    }
  }

  // ---------------------------------------------------------------- steps

  private async stepLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const t0 = this.c.clock.now();
      try {
        await this.runStep(signal);
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        this.logger.error('step failed', { step: this.step, error: errorMessage(err), code: (err as { code?: string }).code });
        if ((err as { code?: string }).code?.startsWith('LOG_')) {
          // the log is the validator's memory: do not keep running without it
          this.running = false;
          throw err;
        }
      }
      const wait = this.options.stepMs - (this.c.clock.now() - t0);
      try {
        await this.c.clock.sleep(Math.max(0, wait), { signal });
      } catch {
        break;
      }
    }
  }

  /**
   * One step: challenge, query the sample, score every answer (non-answers score 0 with their
   * status), EMA, one log transaction. Public so tests and benches can drive steps directly.
   */
  async runStep(signal?: AbortSignal): Promise<StepSummary> {
    const mg = this.metagraph;
    if (!mg) throw new SubnetError('VALIDATOR_NOT_STARTED', 'runStep before init', {});
    const t0 = performance.now();
    const startedAt = this.c.clock.now();
    const step = this.step + 1;
    const epoch = this.epoch;
    const seed = this.seeds() >>> 0;
    const block = this.head;
    const n = mg.n;

    const candidates: number[] = [];
    for (let uid = 0; uid < n; uid++) if (uid !== this.ownUid) candidates.push(uid);
    const uids = sampleUids(candidates, this.options.sampleSize, seed);

    const challenge = await this.c.task.challenge(seed, { signal });
    const targets: QueryTarget[] = [];
    const targetIndex = new Map<number, number>();
    for (const uid of uids) {
      const ax = mg.axons[uid];
      if (servable(ax)) {
        targetIndex.set(uid, targets.length);
        targets.push({ uid, hotkey: mg.hotkeys[uid], host: ax.ipString, port: ax.port });
      }
    }
    const results: QueryResult[] = targets.length
      ? await this.c.pool.query(targets, this.c.task.request(challenge), { timeoutMs: this.options.timeoutMs, signal })
      : [];
    if (results.length !== targets.length) {
      // never credit an answer to the wrong uid
      throw new SubnetError('POOL_MISALIGNED', `the query pool returned ${results.length} results for ${targets.length} targets`, { results: results.length, targets: targets.length });
    }

    // score every answer that arrived, in one batch
    const scoreChallenge: ScoreChallenge = { task: this.c.task.name, seed, epoch, step, inputs: toScoreTensors(challenge.inputs) };
    const reference = toScoreTensors(challenge.reference);
    const items: ScoreItem[] = [];
    const itemOf = new Map<number, number>();
    for (let i = 0; i < targets.length; i++) {
      const r = results[i];
      if (r.status === 'ok' && r.outputs) {
        itemOf.set(targets[i].uid, items.length);
        items.push({ uid: targets[i].uid, response: toScoreTensors(r.outputs), timing: { latencyMs: r.latencyMs, timeoutMs: this.options.timeoutMs } });
      }
    }
    const scored: GuardedScore[] = guardedScoreBatch(this.c.scorer, scoreChallenge, reference, items);

    const queries: QueryRecord[] = [];
    let ok = 0;
    let faults = 0;
    for (const uid of uids) {
      const hotkey = mg.hotkeys[uid];
      const ti = targetIndex.get(uid);
      let status: QueryStatus;
      let latencyMs: number | null = null;
      let response: Uint8Array | null = null;
      let digest: Uint8Array | null = null;
      let proof: Uint8Array | null = null;
      let error: string | null = null;
      let score = 0;
      let fault: string | null = null;
      if (ti === undefined) {
        status = 'no_axon';
      } else {
        const r = results[ti];
        latencyMs = r.latencyMs;
        proof = proofBytes(r.proof);
        if (r.error) error = `${r.error.code}: ${r.error.message}`;
        if (r.status === 'ok' && r.outputs) {
          status = 'ok';
          ok++;
          response = encodeTensors(r.outputs);
          digest = r.digest ?? digestTensors(r.outputs);
          const g = scored[itemOf.get(uid)!];
          score = g.score;
          if (g.fault) {
            fault = g.fault;
            faults++;
            this.logger.warn('scorer fault: answer scored 0', { scorer: this.c.scorer.name, version: this.c.scorer.version, fault: g.fault, detail: g.detail, uid, step });
          }
        } else {
          status = r.status === 'ok' ? 'invalid' : r.status;
          if (r.status === 'ok') error = error ?? 'answer without outputs';
        }
      }
      const ema = this.book.apply(uid, hotkey, score, this.options.alpha);
      if (ema === null) error = error ?? 'stale: the uid changed hotkey during the step; not credited';
      queries.push({ uid, hotkey, status, latencyMs, digest, proof, response, error, score, fault, ema: ema ?? (uid < this.book.n ? this.book.score(uid) : 0) });
    }
    this.scorerFaults += faults;

    const durationMs = performance.now() - t0;
    this.log.recordStep({
      step,
      epoch,
      block,
      seed,
      startedAt,
      durationMs,
      n,
      inputs: this.options.keepInputs ? encodeTensors(challenge.inputs) : null,
      reference: encodeTensors(challenge.reference),
      faults,
      queries,
      ema: this.book.scores(),
      hotkeys: [...this.book.hotkeys],
    });
    // committed: only now does the step count
    this.step = step;
    this.stepsScored++;
    this.logger.debug('step', { step, epoch, queried: uids.length, ok, faults, ms: Math.round(durationMs) });
    return { step, epoch, seed, queried: uids.length, ok, faults, durationMs };
  }

  // ---------------------------------------------------------------- blocks

  private onHead(block: number): void {
    if (block > this.head) this.head = block;
    if (!this.running || this.blockWork) return;
    this.blockWork = this.processBlocks()
      .catch((err: unknown) => {
        if (!isAbortError(err) && this.running) this.logger.error('block handling failed', { block: this.head, error: errorMessage(err) });
      })
      .finally(() => {
        this.blockWork = null;
        if (this.running && this.head > this.processedBlock) this.onHead(this.head);
      });
  }

  /** Moves the head to `block` and handles it (tests and tools driving the validator by hand). */
  async advance(block: number): Promise<void> {
    if (block > this.head) this.head = block;
    await this.processBlocks();
    await this.settled();
  }

  /** Handles every head up to the latest. */
  async processBlocks(): Promise<void> {
    const signal = this.abort?.signal;
    while (this.processedBlock < this.head) {
      const from = this.processedBlock;
      const b = this.head;
      this.processedBlock = b;
      await this.handleBlock(from, b, signal);
    }
  }

  private async handleBlock(from: number, b: number, signal?: AbortSignal): Promise<void> {
    const h = this.hyper;
    if (!h) return;
    const netuid = this.options.netuid;
    // 1. an epoch ran in (from, b]: close the validator epoch with the snapshot and the prediction
    let epochBlock: number | null = null;
    let next: number;
    const src = this.c.epochSource;
    const last = src ? await src.lastEpochBlock(netuid, { signal }) : null;
    if (src && last !== null) {
      // the chain says when it ran its epoch
      if (this.chainLastEpoch !== undefined && this.chainLastEpoch !== null && last > this.chainLastEpoch) epochBlock = last;
      this.chainLastEpoch = last;
      next = last > 0 ? last + h.tempo + 1 : this.schedule.nextEpochBlockAfter(b, h.tempo, netuid);
      while (next <= b) next += h.tempo + 1;
    } else {
      for (let x = Math.max(from + 1, b - h.tempo - 1); x <= b; x++) if (this.schedule.isEpochBlock(x, h.tempo, netuid)) epochBlock = x;
      next = this.schedule.nextEpochBlockAfter(b, h.tempo, netuid);
    }
    if (epochBlock !== null) await this.finishEpoch(epochBlock, signal);
    // 2. the next block is an epoch block: snapshot the state it will run on
    if (next === b + 1 && this.options.predict && !this.snapshots.has(next)) {
      const mg = await this.sync(b, { signal, weights: true });
      this.snapshots.set(next, mg);
    } else if (b - this.lastSyncBlock >= this.options.syncEveryBlocks) {
      await this.sync(b, { signal, weights: false });
    }
    // 3. a due reveal first (its window is short), else weights (set or commit)
    if (!this.maybeReveal(b)) this.maybeSetWeights(b);
  }

  private async finishEpoch(epochBlock: number, signal?: AbortSignal): Promise<void> {
    const mgAfter = await this.sync(this.head, { signal, weights: true });
    let snap = this.snapshots.get(epochBlock) ?? null;
    for (const k of [...this.snapshots.keys()]) if (k <= epochBlock) this.snapshots.delete(k);
    if (this.options.predict) {
      let exact = true;
      if (!snap) {
        // we did not see the block before the epoch: the closest state we have is after it
        snap = mgAfter;
        exact = false;
      } else exact = snap.block === epochBlock - 1;
      try {
        const extras = this.c.epochSource ? await this.c.epochSource.extras(this.options.netuid, snap.block, { signal }) : (this.c.epochExtras?.() ?? {});
        const input: EpochInput = epochInputFromMetagraph(snap, epochBlock, extras);
        const predicted = this.c.yuma(input);
        const reported = mgAfter.block >= epochBlock ? reportedFromMetagraph(mgAfter) : null;
        const own = this.ownUid;
        const diff = reported ? maxAbsDiff(predicted, reported) : null;
        this.log.recordSnapshot({ epoch: this.epoch, epochBlock, snapshotBlock: snap.block, exact, input, hyperparameters: snap.hyperparameters, hotkeys: [...snap.hotkeys] });
        this.log.recordPrediction({
          epoch: this.epoch,
          epochBlock,
          ownUid: own,
          predicted,
          reported,
          ownVtrustPredicted: own !== null ? (predicted.validator_trust[own] ?? null) : null,
          ownVtrustReported: own !== null && reported ? (reported.validatorTrust[own] ?? null) : null,
          maxAbsDiff: diff,
        });
        this.predictions++;
        this.logger.info('epoch', {
          epoch: this.epoch,
          epochBlock,
          exact,
          ownVtrustPredicted: own !== null ? predicted.validator_trust[own] : null,
          ownVtrustReported: own !== null && reported ? reported.validatorTrust[own] : null,
          maxAbsDiff: diff,
        });
      } catch (err) {
        this.logger.error('yuma prediction failed', { epoch: this.epoch, epochBlock, error: errorMessage(err) });
      }
    }
    this.log.closeEpoch(this.epoch, epochBlock);
    if (this.options.pruneAfterEpochs > 0) {
      const p = this.log.prune(this.epoch, this.options.pruneAfterEpochs);
      if (p.responses) this.logger.debug('pruned raw responses', { upToEpoch: this.epoch - this.options.pruneAfterEpochs, ...p });
    }
    this.epoch++;
    this.openEpoch(epochBlock);
  }

  // ---------------------------------------------------------------- weights

  private maybeSetWeights(b: number): void {
    const h = this.hyper;
    if (!h || this.weightsInFlight || this.ownUid === null) return;
    const d = decideWeights({
      block: b,
      tempo: h.tempo,
      rateLimit: h.weightsSetRateLimit,
      lastSetBlock: this.lastSetBlock,
      lastAttemptBlock: this.lastAttemptBlock,
      scheduledFor: this.scheduledFor,
      hasScores: this.stepsScored > 0,
    });
    if (d.action === 'wait') return;
    if (d.action === 'schedule') {
      if (this.scheduledFor !== d.at) {
        this.scheduledFor = d.at;
        this.lastAttemptBlock = b;
        this.weightCounts.scheduled++;
        this.log.recordWeightSet({ epoch: this.epoch, preparedId: null, status: 'scheduled', block: b, scheduledFor: d.at, includedBlock: null, error: null, attempts: 0, at: this.c.clock.now() });
        this.logger.info('weights too soon: scheduled for the first allowed block', { block: b, scheduledFor: d.at, lastSetBlock: this.lastSetBlock, rateLimit: h.weightsSetRateLimit });
      }
      return;
    }
    this.lastAttemptBlock = b;
    this.scheduledFor = null;
    this.weightsInFlight = this.setWeightsNow(b, h).finally(() => {
      this.weightsInFlight = null;
    });
  }

  /** Prepares weights from the current scores and sets them (retrying transport failures). */
  private async setWeightsNow(b: number, h: Hyperparameters): Promise<void> {
    const mg = this.metagraph!;
    const own = this.ownUid!;
    const scores = this.book.scores();
    if (own < scores.length) scores[own] = 0;
    const { uids, weights } = this.c.prepareWeights(scores, {
      n: mg.n,
      minAllowedWeights: h.minAllowedWeights,
      maxWeightLimit: h.maxWeightsLimit / 65535,
      excludeQuantile: this.options.excludeQuantile,
    });
    const versionKey = this.options.versionKey ?? h.weightsVersionKey;
    const preparedId = this.log.recordWeightsPrepared({ epoch: this.epoch, step: this.step, block: b, scores, uids, values: weights, versionKey });
    if (!this.options.setWeights) {
      this.logger.info('weights prepared (setting disabled)', { block: b, n: uids.length });
      return;
    }
    if (h.commitRevealWeightsEnabled) {
      await this.commitNow(b, h, preparedId, uids, weights, versionKey);
      return;
    }
    const rowId = this.log.recordWeightSet({ epoch: this.epoch, preparedId, status: 'submitted', block: b, scheduledFor: null, includedBlock: null, error: null, attempts: 1, at: this.c.clock.now() });
    const signal = this.abort?.signal;
    let attempt = 0;
    let res: WriteResult;
    for (;;) {
      attempt++;
      try {
        res = await this.c.chain.setWeights(this.c.signer, this.options.netuid, uids, weights, versionKey, { signal });
      } catch (err) {
        if (signal?.aborted) {
          this.log.updateWeightSet(rowId, { status: 'failed', error: 'stopped while submitting', attempts: attempt, at: this.c.clock.now() });
          return;
        }
        res = { status: 'failed', reason: errorMessage(err), attempts: 1 };
      }
      if (res.status !== 'failed' || attempt > this.options.weightRetries) break;
      const delay = Math.min(this.options.weightRetryMaxMs, this.options.weightRetryBaseMs * 2 ** (attempt - 1));
      this.logger.warn('set_weights transport failure: retrying', { attempt, reason: res.reason, delayMs: delay });
      try {
        await this.c.clock.sleep(delay, { signal });
      } catch {
        this.log.updateWeightSet(rowId, { status: 'failed', error: `stopped during retry: ${res.reason}`, attempts: attempt, at: this.c.clock.now() });
        return;
      }
    }
    const now = this.c.clock.now();
    if (res.status === 'included') {
      this.lastSetBlock = res.blockNumber;
      this.weightCounts.included++;
      this.log.updateWeightSet(rowId, { status: 'included', includedBlock: res.blockNumber, attempts: attempt, at: now });
      this.logger.info('weights set', { block: res.blockNumber, n: uids.length, versionKey, epoch: this.epoch });
    } else if (res.status === 'rejected') {
      this.weightCounts.rejected++;
      const name = res.section ? `${res.section}.${res.error}` : res.error;
      this.log.updateWeightSet(rowId, { status: 'rejected', error: name, attempts: attempt, at: now });
      this.logger.error('set_weights rejected by the chain', { error: name, message: res.message, block: b });
    } else {
      this.weightCounts.failed++;
      this.log.updateWeightSet(rowId, { status: 'failed', error: res.reason, attempts: attempt, at: now });
      this.logger.error('set_weights failed after retries', { reason: res.reason, attempts: attempt });
    }
  }

  // ---------------------------------------------------------------- commit-reveal (CRv2)

  private revealPeriod(h: Hyperparameters): number {
    return h.revealPeriodEpochs ?? DEFAULT_REVEAL_PERIOD_EPOCHS;
  }

  /**
   * Sends a write, retrying transport failures with the set_weights backoff. Resolves null when
   * the validator was stopped meanwhile (the outcome is then unknown).
   */
  private async writeWithRetry(what: string, send: (signal?: AbortSignal) => Promise<WriteResult>): Promise<{ res: WriteResult; attempts: number } | null> {
    const signal = this.abort?.signal;
    let attempt = 0;
    for (;;) {
      attempt++;
      let res: WriteResult;
      try {
        res = await send(signal);
      } catch (err) {
        if (signal?.aborted) return null;
        res = { status: 'failed', reason: errorMessage(err), attempts: 1 };
      }
      if (res.status !== 'failed' || attempt > this.options.weightRetries) return { res, attempts: attempt };
      const delay = Math.min(this.options.weightRetryMaxMs, this.options.weightRetryBaseMs * 2 ** (attempt - 1));
      this.logger.warn(`${what} transport failure: retrying`, { attempt, reason: res.reason, delayMs: delay });
      try {
        await this.c.clock.sleep(delay, { signal });
      } catch {
        return null;
      }
    }
  }

  /**
   * Commit instead of set: random salt, subtensor's commit hash, a `submitted` commit row (with the
   * salt) before the extrinsic, then its result. CommittingWeightsTooFast is scheduled like a
   * too-soon set.
   */
  private async commitNow(b: number, h: Hyperparameters, preparedId: number, uids: number[], values: number[], versionKey: number): Promise<void> {
    const netuid = this.options.netuid;
    const salt = Array.from({ length: this.options.saltLength }, () => randomInt(0, 0x10000));
    const hash = `0x${Buffer.from(weightsCommitHash(this.c.signer.publicKey, netuid, uids, values, salt, versionKey)).toString('hex')}`;
    const id = this.log.recordWeightCommit({
      epoch: this.epoch,
      preparedId,
      status: 'submitted',
      block: b,
      commitBlock: null,
      commitEpoch: null,
      revealEpoch: null,
      uids,
      values,
      salt,
      versionKey,
      hash,
      revealBlock: null,
      error: null,
      attempts: 1,
      revealAttempts: 0,
      at: this.c.clock.now(),
    });
    const out = await this.writeWithRetry('commit_weights', (signal) =>
      this.c.chain.commitWeights(this.c.signer, netuid, Buffer.from(hash.slice(2), 'hex'), { signal }),
    );
    if (!out) {
      // stopped: the commit may have landed; the row stays `submitted` and a restart tries its reveal
      this.lastSetBlock = Math.max(this.lastSetBlock ?? 0, b);
      return;
    }
    const { res, attempts } = out;
    const now = this.c.clock.now();
    if (res.status === 'included') {
      const commitEpoch = commitEpochIndex(res.blockNumber, h.tempo, netuid);
      const revealEpoch = commitEpoch + this.revealPeriod(h);
      this.log.updateWeightCommit(id, { status: 'committed', commitBlock: res.blockNumber, commitEpoch, revealEpoch, attempts, at: now });
      this.lastSetBlock = res.blockNumber;
      this.commitCounts.committed++;
      const row = this.log.pendingWeightCommits().find((c) => c.id === id);
      if (row) this.pendingCommits.push(row);
      this.logger.info('weights committed', {
        block: res.blockNumber,
        commitEpoch,
        revealEpoch,
        revealFrom: firstBlockOfEpochIndex(revealEpoch, h.tempo, netuid),
        n: uids.length,
        hash,
      });
    } else if (res.status === 'rejected') {
      const name = res.section ? `${res.section}.${res.error}` : res.error;
      this.commitCounts.rejected++;
      this.log.updateWeightCommit(id, { status: 'rejected', error: name, attempts, at: now });
      if (res.error === 'CommittingWeightsTooFast') {
        // the chain's LastUpdate is newer than we knew: reread it and schedule, never skip
        try {
          await this.sync(b, { signal: this.abort?.signal, weights: false });
        } catch {
          /* keep what we know */
        }
        const at = Math.max(b + 1, (this.lastSetBlock ?? b) + h.weightsSetRateLimit);
        this.scheduledFor = at;
        this.weightCounts.scheduled++;
        this.log.recordWeightSet({ epoch: this.epoch, preparedId, status: 'scheduled', block: b, scheduledFor: at, includedBlock: null, error: name, attempts: 0, at: now });
        this.logger.warn('commit too soon (CommittingWeightsTooFast): scheduled', { block: b, scheduledFor: at, lastSetBlock: this.lastSetBlock });
      } else {
        this.logger.error('commit_weights rejected by the chain', { error: name, message: res.message, block: b });
      }
    } else {
      this.commitCounts.failed++;
      this.log.updateWeightCommit(id, { status: 'failed', error: res.reason, attempts, at: now });
      this.logger.error('commit_weights failed after retries', { reason: res.reason, attempts });
    }
  }

  /**
   * Reveals the oldest pending commit whose reveal epoch has come (first block of the window),
   * marks the ones whose window passed as expired. True when a reveal was started.
   */
  private maybeReveal(b: number): boolean {
    const h = this.hyper;
    if (!h || this.weightsInFlight || this.pendingCommits.length === 0) return false;
    const netuid = this.options.netuid;
    for (const c of [...this.pendingCommits]) {
      if (c.revealEpoch === null) {
        // sent but never answered (kill -9 while submitting): assume it landed in the next block
        c.commitEpoch = commitEpochIndex(c.block + 1, h.tempo, netuid);
        c.revealEpoch = c.commitEpoch + this.revealPeriod(h);
        this.log.updateWeightCommit(c.id, { commitEpoch: c.commitEpoch, revealEpoch: c.revealEpoch });
      }
      const d = decideReveal(b, c.revealEpoch, h.tempo, netuid);
      if (d.action === 'wait') continue;
      if (d.action === 'expired') {
        this.pendingCommits = this.pendingCommits.filter((x) => x !== c);
        this.commitCounts.expired++;
        this.log.updateWeightCommit(c.id, { status: 'expired', at: this.c.clock.now() });
        this.logger.error('weight commit expired unrevealed', { id: c.id, commitEpoch: c.commitEpoch, revealEpoch: c.revealEpoch, block: b, lastError: c.error });
        continue;
      }
      this.weightsInFlight = this.revealNow(c, b).finally(() => {
        this.weightsInFlight = null;
      });
      return true;
    }
    return false;
  }

  private async revealNow(c: LoggedWeightCommit, b: number): Promise<void> {
    const out = await this.writeWithRetry('reveal_weights', (signal) =>
      this.c.chain.revealWeights(this.c.signer, this.options.netuid, c.uids, c.values, c.salt, c.versionKey, { signal }),
    );
    if (!out) return; // stopped: still pending (a restart reveals it if the window is still open)
    const { res, attempts } = out;
    const now = this.c.clock.now();
    c.revealAttempts += attempts;
    if (res.status === 'included') {
      this.pendingCommits = this.pendingCommits.filter((x) => x !== c);
      this.log.updateWeightCommit(c.id, { status: 'revealed', revealBlock: res.blockNumber, revealAttempts: c.revealAttempts, error: null, at: now });
      // the weights are on chain from here: the weight-set log says so like for a set
      this.log.recordWeightSet({ epoch: this.epoch, preparedId: c.preparedId, status: 'included', block: b, scheduledFor: null, includedBlock: res.blockNumber, error: null, attempts, at: now });
      // LastUpdate is not touched by a reveal under commit-reveal (the commit set it): lastSetBlock stays
      this.commitCounts.revealed++;
      this.weightCounts.included++;
      this.logger.info('weights revealed', { block: res.blockNumber, commitEpoch: c.commitEpoch, revealEpoch: c.revealEpoch, n: c.uids.length, versionKey: c.versionKey });
    } else if (res.status === 'rejected') {
      const name = res.section ? `${res.section}.${res.error}` : res.error;
      this.pendingCommits = this.pendingCommits.filter((x) => x !== c);
      this.log.updateWeightCommit(c.id, { status: 'reveal_rejected', error: name, revealAttempts: c.revealAttempts, at: now });
      this.commitCounts.revealRejected++;
      this.logger.error('reveal_weights rejected by the chain', { error: name, message: res.message, block: b, commitEpoch: c.commitEpoch, revealEpoch: c.revealEpoch });
    } else {
      // transport: stays pending, the next head retries while the window is open (then `expired`)
      c.error = res.reason;
      this.log.updateWeightCommit(c.id, { error: res.reason, revealAttempts: c.revealAttempts, at: now });
      this.logger.error('reveal_weights failed after retries: retrying at the next block while the window is open', { reason: res.reason, attempts });
    }
  }

  /** Waits for a weight-set in flight (tests). */
  async settled(): Promise<void> {
    await this.blockWork?.catch(() => undefined);
    await this.weightsInFlight?.catch(() => undefined);
  }
}
