/**
 * Settings of the local chain, with their defaults in one place (the CLI reads them from here).
 */
import { defaultRuntimeOptions, type RuntimeOptions } from './runtime/executive';
import type { GenesisSpec } from './genesis';

export type BlockMode = 'interval' | 'instant' | 'manual';

export interface LocalChainOptions {
  host: string;
  /** 0 = pick a free port */
  port: number;
  blockMode: BlockMode;
  /** interval mode: one block every blockMs (empty blocks too, like a node) */
  blockMs: number;
  /** SQLite file for persistence; null = in memory */
  dbPath: string | null;
  genesis: GenesisSpec | null;
  /** recent blocks whose state stays queryable with `.at(hash)` */
  historyBlocks: number;
  /** recent block hashes kept for mortal-era checks (BlockHashCount) */
  blockHashCount: number;
  /** encoded extrinsic size limit (ExhaustsResources beyond) */
  maxExtrinsicBytes: number;
  /** JSON-RPC request size answered with -32007; larger WebSocket frames close the socket (1009) */
  maxRequestBytes: number;
  maxConnections: number;
  maxSubscriptionsPerConnection: number;
  /** transactions in the pool (ready + future) */
  poolLimit: number;
  /** future (nonce-gap) transactions kept per account */
  futurePerAccount: number;
  /** extrinsics per block in interval/manual mode */
  maxExtrinsicsPerBlock: number;
  runtime: RuntimeOptions;
}

export const defaultLocalChainOptions: LocalChainOptions = {
  host: '127.0.0.1',
  port: 9944,
  blockMode: 'interval',
  blockMs: 250,
  dbPath: null,
  genesis: null,
  historyBlocks: 256,
  blockHashCount: 4096,
  maxExtrinsicBytes: 4 * 1024 * 1024,
  maxRequestBytes: 15 * 1024 * 1024,
  maxConnections: 100,
  maxSubscriptionsPerConnection: 1024,
  poolLimit: 8192,
  futurePerAccount: 64,
  maxExtrinsicsPerBlock: 4096,
  runtime: defaultRuntimeOptions,
};

export function resolveOptions(opts: Partial<Omit<LocalChainOptions, 'runtime'>> & { runtime?: Partial<RuntimeOptions> } = {}): LocalChainOptions {
  const { runtime, ...rest } = opts;
  const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...defaultLocalChainOptions, ...clean, runtime: { ...defaultRuntimeOptions, ...(runtime ?? {}) } } as LocalChainOptions;
}
