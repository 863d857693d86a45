/**
 * The validator's log: everything a validator saw and did, per epoch, so that any epoch can be
 * replayed without re-fetching anything (issue 5, consumed by replay in issue 6).
 *
 * Implemented over SQLite (better-sqlite3) in ./sqlite.ts; schema and migrations in ./schema.ts,
 * documented in docs/validator.md. Every write method is one transaction.
 *
 * Numbering: steps count from 1 and never repeat across restarts; epochs count from 1. A
 * validator epoch is the span of steps between two chain epochs: it opens when the validator
 * starts (or after the previous chain epoch) and closes when the chain runs its epoch, at which
 * point the snapshot the chain epoch ran on and the Yuma prediction are recorded under it.
 */
import type { Hyperparameters } from '../chain/interface';
import type { EpochInput, EpochOutput } from '../yuma/types';

export type QueryStatus =
  /** an answer arrived and was scored */
  | 'ok'
  /** no answer before the deadline */
  | 'timeout'
  /** the transport or the miner reported an error */
  | 'error'
  /** the answer arrived but is unusable (bad proof, malformed tensors); scored 0 */
  | 'invalid'
  /** the uid has no axon on chain: not contacted, scored 0 */
  | 'no_axon';

export interface RunRecord {
  startedAt: number;
  hotkey: string;
  netuid: number;
  appVersion: string;
  scorerName: string;
  scorerVersion: string;
  options: Record<string, unknown>;
}

export interface EpochOpenRecord {
  epoch: number;
  runId: number;
  /** first step of the epoch */
  startStep: number;
  /** chain block when the epoch opened */
  startBlock: number;
  startedAt: number;
  options: Record<string, unknown>;
  hyperparameters: Hyperparameters | null;
  scorerName: string;
  scorerVersion: string;
  /** EMA scores at the start of the epoch (replay re-scores from here) */
  emaStart: Float64Array;
  /** hotkeys the EMA vector belongs to, by uid */
  hotkeysStart: string[];
}

export interface QueryRecord {
  uid: number;
  hotkey: string;
  status: QueryStatus;
  /** round-trip ms (null when not contacted) */
  latencyMs: number | null;
  /** sha256 of the canonical response encoding (null without an answer) */
  digest: Uint8Array | null;
  /** the miner's signed proof, as bytes (null without one) */
  proof: Uint8Array | null;
  /** the raw response tensors, encoded with encodeTensors (null without an answer, or after pruning) */
  response: Uint8Array | null;
  error: string | null;
  /** the score in [0, 1] (0 for every non-ok status) */
  score: number;
  /** set when the scorer misbehaved (threw, NaN, out of range) and the score was forced to 0 */
  fault: string | null;
  /** the uid's EMA score after this step */
  ema: number;
}

export interface StepRecord {
  step: number;
  epoch: number;
  /** chain head when the step started */
  block: number;
  /** the challenge seed (u32) */
  seed: number;
  startedAt: number;
  durationMs: number;
  /** metagraph size the step ran on */
  n: number;
  /** the challenge inputs (encodeTensors), null when not kept; pruned with responses */
  inputs: Uint8Array | null;
  /** the reference outputs (encodeTensors) */
  reference: Uint8Array | null;
  /** number of scorer faults this step */
  faults: number;
  queries: QueryRecord[];
  /** the whole EMA vector after the step (resume state) */
  ema: Float64Array;
  hotkeys: string[];
}

export interface WeightsPreparedRecord {
  epoch: number;
  step: number;
  block: number;
  /** the scores the weights were made from */
  scores: Float64Array;
  uids: number[];
  /** u16 values, as sent */
  values: number[];
  versionKey: number;
}

export type WeightSetStatus = 'scheduled' | 'submitted' | 'included' | 'rejected' | 'failed';

export interface WeightSetRecord {
  epoch: number;
  preparedId: number | null;
  status: WeightSetStatus;
  /** head block when this row was written */
  block: number;
  /** for `scheduled`: the first block the rate limit allows */
  scheduledFor: number | null;
  /** for `included`: the block the extrinsic landed in */
  includedBlock: number | null;
  /** for `rejected`: the pallet error name; for `failed`: the transport reason */
  error: string | null;
  attempts: number;
  at: number;
}

/**
 * A hash-based (CRv2) weight commit and its reveal. `submitted`: commit_weights sent, outcome not
 * yet known (a kill -9 here leaves it so: the restarted validator still tries the reveal);
 * `committed`: included, pending reveal; `rejected` / `failed`: the commit did not land;
 * `revealed`: reveal_weights included; `reveal_rejected`: the chain refused the reveal (pallet
 * error name in `error`); `expired`: the reveal epoch passed without an included reveal.
 */
export type WeightCommitStatus = 'submitted' | 'committed' | 'rejected' | 'failed' | 'revealed' | 'reveal_rejected' | 'expired';

export interface WeightCommitRecord {
  /** validator epoch at commit time */
  epoch: number;
  preparedId: number | null;
  status: WeightCommitStatus;
  /** head block when the commit was sent */
  block: number;
  /** the block the commit landed in */
  commitBlock: number | null;
  /** the chain's epoch index of the commit block (⌊(block + netuid + 1) / (tempo + 1)⌋) */
  commitEpoch: number | null;
  /** commitEpoch + RevealPeriodEpochs: the only epoch the reveal is accepted in */
  revealEpoch: number | null;
  uids: number[];
  values: number[];
  salt: number[];
  versionKey: number;
  /** 0x-hex H256 committed */
  hash: string;
  revealBlock: number | null;
  /** pallet error name or transport reason of the last failure */
  error: string | null;
  /** commit_weights attempts */
  attempts: number;
  /** reveal_weights attempts */
  revealAttempts: number;
  at: number;
}

export interface LoggedWeightCommit extends WeightCommitRecord {
  id: number;
}

export type WeightCommitPatch = Partial<
  Pick<WeightCommitRecord, 'status' | 'commitBlock' | 'commitEpoch' | 'revealEpoch' | 'revealBlock' | 'error' | 'attempts' | 'revealAttempts' | 'at'>
>;

export interface SnapshotRecord {
  epoch: number;
  /** the block the chain epoch ran at (EpochInput.current_block) */
  epochBlock: number;
  /** the block the snapshot was read at */
  snapshotBlock: number;
  /** true when the snapshot was read at epochBlock - 1 exactly */
  exact: boolean;
  /** exactly what yumaEpoch takes */
  input: EpochInput;
  hyperparameters: Hyperparameters;
  hotkeys: string[];
}

export interface ChainReported {
  block: number;
  consensus: number[];
  incentive: number[];
  dividends: number[];
  validatorTrust: number[];
}

export interface PredictionRecord {
  epoch: number;
  epochBlock: number;
  ownUid: number | null;
  predicted: EpochOutput;
  reported: ChainReported | null;
  ownVtrustPredicted: number | null;
  ownVtrustReported: number | null;
  /** largest |predicted - reported| over consensus, incentive, dividends, validator trust (u16 units) */
  maxAbsDiff: number | null;
}

export interface EpochSummary {
  epoch: number;
  startStep: number;
  startBlock: number;
  endBlock: number | null;
  steps: number;
  queries: number;
  closed: boolean;
  hasSnapshot: boolean;
  scorerName: string;
  scorerVersion: string;
}

export interface LoggedStep extends Omit<StepRecord, 'queries' | 'ema' | 'hotkeys'> {}

export interface LoggedQuery extends QueryRecord {
  step: number;
  epoch: number;
  seed: number;
}

export interface LoggedWeightsPrepared extends WeightsPreparedRecord {
  id: number;
}

export interface LoggedWeightSet extends WeightSetRecord {
  id: number;
}

/** Everything the log holds about one epoch: what replay needs, nothing it must re-fetch. */
export interface EpochLog {
  epoch: number;
  startStep: number;
  startBlock: number;
  endBlock: number | null;
  closed: boolean;
  options: Record<string, unknown>;
  hyperparameters: Hyperparameters | null;
  scorerName: string;
  scorerVersion: string;
  emaStart: Float64Array;
  hotkeysStart: string[];
  steps: LoggedStep[];
  /** ordered by step, then uid */
  queries: LoggedQuery[];
  weightsPrepared: LoggedWeightsPrepared[];
  weightSets: LoggedWeightSet[];
  snapshot: SnapshotRecord | null;
  prediction: PredictionRecord | null;
}

/** What a restarted validator resumes from. */
export interface ResumeState {
  /** last committed step (the next one is step + 1) */
  step: number;
  /** the epoch that is open (not closed), or the last epoch + 1 if all are closed */
  epoch: number;
  epochOpen: boolean;
  ema: Float64Array;
  hotkeys: string[];
  /** highest block at which weights may have been set: an included block, or a submission without a recorded result */
  lastWeightBlock: number | null;
}

export interface LogStore {
  readonly path: string;
  /** PRAGMA user_version of the open database */
  readonly schemaVersion: number;
  beginRun(r: RunRecord): number;
  openEpoch(e: EpochOpenRecord): void;
  /** one transaction: the step row, every query row, and the EMA state */
  recordStep(s: StepRecord): void;
  recordWeightsPrepared(w: WeightsPreparedRecord): number;
  recordWeightSet(w: WeightSetRecord): number;
  /** a `submitted` row gets its result */
  updateWeightSet(id: number, patch: Partial<Pick<WeightSetRecord, 'status' | 'includedBlock' | 'error' | 'attempts' | 'block' | 'at'>>): void;
  /** one transaction: a commit row (written before commit_weights is sent, salt included) */
  recordWeightCommit(c: WeightCommitRecord): number;
  updateWeightCommit(id: number, patch: WeightCommitPatch): void;
  /** commits still to reveal (`submitted` or `committed`), oldest first; [] on a v2 log */
  pendingWeightCommits(): LoggedWeightCommit[];
  /** every commit row, oldest first; [] on a v2 log */
  weightCommits(): LoggedWeightCommit[];
  recordSnapshot(s: SnapshotRecord): void;
  recordPrediction(p: PredictionRecord): void;
  closeEpoch(epoch: number, endBlock: number): void;
  /** drops raw responses and challenge inputs of epochs <= currentEpoch - keepEpochs; digests and scores stay */
  prune(currentEpoch: number, keepEpochs: number): { responses: number; steps: number };
  resumeState(): ResumeState | null;
  /** the most recent run (who wrote this log, for which subnet), or null for a new log */
  lastRun(): RunRecord | null;
  listEpochs(): EpochSummary[];
  /** LOG_EPOCH_MISSING when the epoch is not in the log */
  loadEpoch(epoch: number): EpochLog;
  close(): void;
}
