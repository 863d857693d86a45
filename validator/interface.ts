/**
 * The validator's collaborators (the components bag) and the boundaries it talks through.
 * Concrete classes are picked by the composition root (cli/commands/validator.ts); tests pass
 * fakes here.
 */
import type { ChainClient } from '../shared/chain/interface';
import type { Keypair } from '../shared/keys/interface';
import type { LogStore } from '../shared/log/interface';
import type { Logger } from '../shared/logger';
import type { TensorData } from '../shared/model/interface';
import type { Scorer } from '../shared/scoring/interface';
import type { EpochInput, EpochOutput } from '../shared/yuma/types';
import type { EpochSchedule } from './schedule';
import type { EpochExtras } from './snapshot';

/** The part of the chain client the validator uses. */
export type ValidatorChain = Pick<ChainClient, 'currentBlock' | 'subscribeBlocks' | 'metagraph' | 'setWeights' | 'commitWeights' | 'revealWeights'>;

/** One miner to ask. */
export interface QueryTarget {
  uid: number;
  hotkey: string;
  host: string;
  port: number;
}

/** What every miner of a step is asked. */
export interface QueryRequest {
  synapse: string;
  tensors: Record<string, TensorData>;
  meta?: Record<string, unknown>;
}

export type QueryResultStatus = 'ok' | 'timeout' | 'error' | 'invalid';

/** One miner's answer (or why there is none). */
export interface QueryResult {
  status: QueryResultStatus;
  /** ms from send to answer (or to giving up) */
  latencyMs: number;
  outputs?: Record<string, TensorData>;
  error?: { code: string; message: string };
  /** digest of the outputs as the transport computed it (else the validator computes one) */
  digest?: Uint8Array;
  /** the miner's signed proof for this answer, serialised */
  proof?: Uint8Array;
}

/**
 * The query boundary (validator/client): results are aligned 1:1 with `targets`, one per target,
 * whatever happens; the call resolves by the deadline.
 */
export interface QueryPool {
  query(targets: readonly QueryTarget[], request: QueryRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<QueryResult[]>;
}

/** A challenge: the inputs every sampled miner gets, and the answer an honest miner returns. */
export interface Challenge {
  seed: number;
  inputs: Record<string, TensorData>;
  reference: Record<string, TensorData>;
}

/** The task: how a seed becomes a challenge and a request. */
export interface Task {
  readonly name: string;
  challenge(seed: number, opts?: { signal?: AbortSignal }): Promise<Challenge>;
  request(challenge: Challenge): QueryRequest;
}

export interface Clock {
  now(): number;
  sleep(ms: number, opts?: { signal?: AbortSignal }): Promise<void>;
}

/** Weight preparation: per-uid scores -> the u16 row for set_weights (shared/weights scoresToWeights). */
export type PrepareWeights = (
  scores: ArrayLike<number>,
  hyper: { n: number; minAllowedWeights: number; maxWeightLimit: number; excludeQuantile: number },
) => { uids: number[]; weights: number[] };

/**
 * Chain facts the metagraph lacks (optional): when the subnet's last epoch ran, and the EpochInput
 * values read at a given block. With it, epochs are detected from the chain itself
 * (LastMechansimStepBlock) instead of the tempo formula, and predictions use the chain's owner uid,
 * TaoWeight and last step block. The CLI builds one over the chain client's ApiPromise.
 */
export interface EpochSource {
  /** the block of the subnet's last epoch at the head (LastMechansimStepBlock); null when unknown */
  lastEpochBlock(netuid: number, opts?: { signal?: AbortSignal }): Promise<number | null>;
  /** EpochInput values the metagraph lacks, as stored at block `at` */
  extras(netuid: number, at: number, opts?: { signal?: AbortSignal }): Promise<EpochExtras>;
}

export interface ValidatorComponents {
  chain: ValidatorChain;
  pool: QueryPool;
  task: Task;
  scorer: Scorer;
  log: LogStore;
  logger: Logger;
  clock: Clock;
  /** the validator's hotkey */
  signer: Keypair;
  /** Yuma (shared/yuma yumaEpoch) */
  yuma: (input: EpochInput) => EpochOutput;
  prepareWeights: PrepareWeights;
  /** default: subtensor's tempo schedule */
  schedule?: EpochSchedule;
  /** challenge seeds (u32); default: crypto-random */
  seeds?: () => number;
  /** values the chain client does not expose (see snapshot.ts); a static fallback when there is no epochSource */
  epochExtras?: () => EpochExtras;
  /** epoch detection and EpochInput extras from the chain (see EpochSource) */
  epochSource?: EpochSource;
  appVersion?: string;
}
