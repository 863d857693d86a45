/**
 * The local subtensor-compatible chain: `startLocalChain(opts)` starts the node and its
 * JSON-RPC server; `subnet chain` (cli/commands/chain.ts) is a thin shell over it.
 */
import { nullLogger, type Logger } from '../shared/logger';
import { LocalChain, type LocalChainDeps } from './chain';
import { RpcServer } from './rpc';
import { resolveOptions, type LocalChainOptions } from './options';
import { SqliteChainStore } from './sqliteStore';
import { SPEC_NAME, SPEC_VERSION } from './runtime/metadata';
import type { RuntimeOptions } from './runtime/executive';

export { LocalChain } from './chain';
export type { BlockRecord, TxStatus } from './chain';
export { defaultLocalChainOptions, resolveOptions } from './options';
export type { LocalChainOptions, BlockMode } from './options';
export { defaultRuntimeOptions, isValidIpAddress, Executive } from './runtime/executive';
export type { RuntimeOptions, EpochFn } from './runtime/executive';
export { readGenesisFile, validateGenesis, DEV_ACCOUNTS } from './genesis';
export type { GenesisSpec, GenesisSubnet, GenesisNeuron } from './genesis';
export { TxError } from './extrinsic';
export { CLOSE_CODES } from './rpc';

export type StartLocalChainOptions = Partial<Omit<LocalChainOptions, 'runtime'>> & { runtime?: Partial<RuntimeOptions> };

export interface RunningLocalChain {
  url: string;
  port: number;
  host: string;
  genesisHash: string;
  chain: LocalChain;
  /** produces `count` blocks now (like dev_newBlock) */
  newBlocks(count?: number): number;
  close(): Promise<void>;
}

/** Starts the chain and its RPC server (port 0 picks a free port). */
export async function startLocalChain(
  opts: StartLocalChainOptions = {},
  deps: LocalChainDeps & { logger?: Logger; version?: string } = {},
): Promise<RunningLocalChain> {
  const o = resolveOptions(opts);
  const logger = deps.logger ?? nullLogger;
  const store = deps.store !== undefined ? deps.store : o.dbPath ? new SqliteChainStore(o.dbPath, { keepBlocks: o.blockHashCount, runtimeTag: `${SPEC_NAME}/${SPEC_VERSION}` }) : null;
  const chain = new LocalChain(o, { ...deps, logger, store });
  try {
    await chain.init();
  } catch (e) {
    store?.close();
    throw e;
  }
  const rpc = new RpcServer(chain, o, logger, deps.version ?? '0.1.0');
  try {
    await rpc.start();
  } catch (e) {
    chain.stop();
    throw e;
  }
  chain.start();
  const url = `ws://${o.host.includes(':') ? `[${o.host}]` : o.host}:${rpc.port}`;
  let closed: Promise<void> | null = null;
  return {
    url,
    port: rpc.port,
    host: o.host,
    genesisHash: chain.genesisHashHex,
    chain,
    newBlocks: (count = 1) => chain.newBlocks(count).number,
    close() {
      if (!closed) {
        closed = (async () => {
          chain.stop();
          await rpc.stop();
        })();
      }
      return closed;
    },
  };
}
