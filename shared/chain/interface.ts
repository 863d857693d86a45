/**
 * The chain boundary. ONE implementation over @polkadot/api's ApiPromise drives the local chain
 * (chain-mock/), a real subtensor node and subtensor's runtime under chopsticks; tests may also
 * use an in-memory fake that passes the same compliance suite.
 *
 * Names follow subtensor's SubtensorModule (calls, storage, errors).
 * Owned by the chain lane (issue 3); consumers: miner/, validator/, cli/.
 */
import type { Keypair } from '../keys/interface';

export interface AxonInfo {
  block: number;
  version: number;
  /** ip as a bigint (u128 on chain); `ipString` is the dotted/colon form */
  ip: bigint;
  ipString: string;
  port: number;
  ipType: 4 | 6;
  protocol: number;
}

/** Subnet hyperparameters: one typed object with a JSON codec (see hyperparams.ts). */
export interface Hyperparameters {
  tempo: number;
  kappa: number;
  activityCutoff: number;
  weightsSetRateLimit: number;
  minAllowedWeights: number;
  maxWeightsLimit: number;
  weightsVersionKey: number;
  bondsMovingAverage: number;
  bondsPenalty: number;
  commitRevealWeightsEnabled: boolean;
  maxAllowedValidators: number;
  maxAllowedUids: number;
  immunityPeriod: number;
  yuma3On: boolean;
  liquidAlphaOn: boolean;
  alphaLow: number;
  alphaHigh: number;
  alphaSigmoidSteepness: number;
  stakeThreshold: number;
}

export interface Metagraph {
  netuid: number;
  block: number;
  n: number;
  hotkeys: string[];
  coldkeys: string[];
  /** alpha stake per uid, in rao */
  stake: bigint[];
  axons: (AxonInfo | null)[];
  validatorPermit: boolean[];
  active: boolean[];
  lastUpdate: number[];
  blockAtRegistration: number[];
  consensus: number[];
  incentive: number[];
  dividends: number[];
  validatorTrust: number[];
  emission: bigint[];
  /** rows of [dest uid, u16] as stored; present when fetched with {weights: true} */
  weights?: [number, number][][];
  bonds?: [number, number][][];
  hyperparameters: Hyperparameters;
}

/** How a write ended. Transport failures are retried inside the client and end as `failed`. */
export type WriteResult =
  | { status: 'included'; blockHash: string; blockNumber: number; events: { section: string; method: string; data: unknown[] }[] }
  | { status: 'rejected'; error: string; section?: string; blockNumber?: number; message?: string }
  | { status: 'failed'; reason: string; attempts: number };

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ChainClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  currentBlock(opts?: CallOptions): Promise<number>;
  /** calls `cb` with each new block number; returns an unsubscribe function. Survives reconnects. */
  subscribeBlocks(cb: (block: number) => void): Promise<() => void>;
  metagraph(netuid: number, opts?: CallOptions & { weights?: boolean; bonds?: boolean }): Promise<Metagraph>;
  hyperparameters(netuid: number, opts?: CallOptions): Promise<Hyperparameters>;
  uidOf(netuid: number, hotkey: string, opts?: CallOptions): Promise<number | null>;

  setWeights(signer: Keypair, netuid: number, uids: number[], weights: number[], versionKey: bigint | number, opts?: CallOptions): Promise<WriteResult>;
  commitWeights(signer: Keypair, netuid: number, commitHash: Uint8Array, opts?: CallOptions): Promise<WriteResult>;
  revealWeights(signer: Keypair, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint | number, opts?: CallOptions): Promise<WriteResult>;
  serveAxon(signer: Keypair, netuid: number, axon: { version: number; ip: string; port: number; protocol?: number }, opts?: CallOptions): Promise<WriteResult>;
  burnedRegister(coldkey: Keypair, netuid: number, hotkey: string, opts?: CallOptions): Promise<WriteResult>;
  addStake(coldkey: Keypair, hotkey: string, netuid: number, amountRao: bigint, opts?: CallOptions): Promise<WriteResult>;
}
