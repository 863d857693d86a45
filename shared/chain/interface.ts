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
  // Added by the chain lane (optional so existing literals stay valid; the client always fills them).
  rho?: number;
  servingRateLimit?: number;
  targetRegistrationsPerInterval?: number;
  maxRegistrationsPerBlock?: number;
  adjustmentInterval?: number;
  registrationAllowed?: boolean;
  revealPeriodEpochs?: number;
  /** registration burn in rao */
  burn?: bigint;
  minBurn?: bigint;
  maxBurn?: bigint;
  difficulty?: bigint;
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
  /** hash of the block every value was read at (one consistent snapshot) */
  blockHash?: string;
  /** subnet owner coldkey (SubnetOwner), when the runtime has it */
  owner?: string;
}

/** How a write ended. Transport failures are retried inside the client and end as `failed`. */
export type WriteResult =
  | { status: 'included'; blockHash: string; blockNumber: number; events: { section: string; method: string; data: unknown[] }[] }
  | {
      status: 'rejected';
      /** pallet error name (e.g. SettingWeightsTooFast), a pool verdict (Invalid, Dropped, Usurped, BadProof, Payment,
       *  Custom:<subtensor CustomTransactionError>, …) or a non-module DispatchError (BadOrigin, Token.FundsUnavailable, …) */
      error: string;
      /** pallet (e.g. subtensorModule) for module errors; 'InvalidTransaction' for 1010 pool rejections */
      section?: string;
      blockNumber?: number;
      message?: string;
      /** 1010 Custom(n) code */
      code?: number;
      /** events of the failed extrinsic, when it was included */
      events?: { section: string; method: string; data: unknown[] }[];
    }
  | { status: 'failed'; reason: string; attempts: number };

export interface CallOptions {
  signal?: AbortSignal;
}

/** Per-write options (all optional; defaults in ./options.ts). */
export interface WriteOptions extends CallOptions {
  /** resolve at 'inBlock' or 'finalized' (default from the client's options: finalized) */
  finality?: 'inBlock' | 'finalized';
  /** overrides the client's submitTimeoutMs for this write */
  timeoutMs?: number;
}

/** Hyperparameters settable by the dev sudo key through AdminUtils (sudo(adminUtils.sudoSet...)). */
export type SudoHyperparameters = Partial<{
  tempo: number;
  kappa: number;
  rho: number;
  activityCutoff: number;
  weightsSetRateLimit: number;
  minAllowedWeights: number;
  maxWeightsLimit: number;
  weightsVersionKey: number;
  bondsMovingAverage: number;
  bondsPenalty: number;
  commitRevealWeightsEnabled: boolean;
  revealPeriodEpochs: number;
  maxAllowedValidators: number;
  maxAllowedUids: number;
  immunityPeriod: number;
  yuma3On: boolean;
  liquidAlphaOn: boolean;
  servingRateLimit: number;
  targetRegistrationsPerInterval: number;
  maxRegistrationsPerBlock: number;
  adjustmentInterval: number;
  registrationAllowed: boolean;
  minBurn: bigint;
  maxBurn: bigint;
  difficulty: bigint;
  stakeThreshold: bigint;
}>;

export interface ChainClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  currentBlock(opts?: CallOptions): Promise<number>;
  /** calls `cb` with each new block number; returns an unsubscribe function. Survives reconnects. */
  subscribeBlocks(cb: (block: number) => void): Promise<() => void>;
  metagraph(netuid: number, opts?: CallOptions & { weights?: boolean; bonds?: boolean }): Promise<Metagraph>;
  hyperparameters(netuid: number, opts?: CallOptions): Promise<Hyperparameters>;
  uidOf(netuid: number, hotkey: string, opts?: CallOptions): Promise<number | null>;

  setWeights(signer: Keypair, netuid: number, uids: number[], weights: number[], versionKey: bigint | number, opts?: WriteOptions): Promise<WriteResult>;
  commitWeights(signer: Keypair, netuid: number, commitHash: Uint8Array, opts?: WriteOptions): Promise<WriteResult>;
  revealWeights(signer: Keypair, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint | number, opts?: WriteOptions): Promise<WriteResult>;
  serveAxon(signer: Keypair, netuid: number, axon: { version: number; ip: string; port: number; protocol?: number }, opts?: WriteOptions): Promise<WriteResult>;
  burnedRegister(coldkey: Keypair, netuid: number, hotkey: string, opts?: WriteOptions): Promise<WriteResult>;
  addStake(coldkey: Keypair, hotkey: string, netuid: number, amountRao: bigint, opts?: WriteOptions): Promise<WriteResult>;

  // ---- added by the chain lane: what a local subnet needs (owner / sudo / funding) ----
  /** SubtensorModule.NetworksAdded(netuid) */
  subnetExists(netuid: number, opts?: CallOptions): Promise<boolean>;
  /** every netuid with NetworksAdded = true */
  netuids(opts?: CallOptions): Promise<number[]>;
  /** free balance in rao (System.Account) */
  balance(address: string, opts?: CallOptions): Promise<bigint>;
  /** balances.transferKeepAlive */
  transfer(from: Keypair, to: string, amountRao: bigint, opts?: WriteOptions): Promise<WriteResult>;
  /** subtensorModule.registerNetwork(hotkey) (+ startCall when the runtime has it); netuid from NetworkAdded */
  registerNetwork(coldkey: Keypair, hotkey: string, opts?: WriteOptions & { startCall?: boolean }): Promise<WriteResult & { netuid?: number }>;
  /** subtensorModule.startCall(netuid), where the runtime has it (rejected 'Unsupported' otherwise) */
  startCall(owner: Keypair, netuid: number, opts?: WriteOptions): Promise<WriteResult>;
  /** sudo(adminUtils.sudoSet...) for each given field, in one batch; rejected with the first failing call's error */
  sudoSetHyperparameters(sudo: Keypair, netuid: number, params: SudoHyperparameters, opts?: WriteOptions): Promise<WriteResult>;
  /** sudo(adminUtils.sudoSetNetworkRateLimit(limit)) */
  sudoSetNetworkRateLimit(sudo: Keypair, limit: number, opts?: WriteOptions): Promise<WriteResult>;
  /** sudo.sudo(api.tx[section][method](...args)): any other root call */
  sudoCall(sudo: Keypair, section: string, method: string, args: unknown[], opts?: WriteOptions): Promise<WriteResult>;
}
