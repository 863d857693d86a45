/**
 * I/O boundaries of the local chain: the block/state store (SQLite or none).
 */

export interface StoredBlock {
  number: number;
  hash: string;
  /** SCALE-encoded header */
  header: Uint8Array;
  /** hex extrinsics */
  extrinsics: string[];
}

export interface StoredHead {
  genesisHash: string;
  best: StoredBlock;
  /** recent block hashes by number (for mortal eras) */
  recentHashes: [number, string][];
  /** the full state at `best` */
  state: Iterable<[string, Uint8Array]>;
}

/** Persists the chain so a restart continues from the last block. */
export interface ChainStore {
  /** null when the store is empty (a new chain) */
  load(): StoredHead | null;
  /** the genesis block and its full state */
  init(genesisHash: string, genesis: StoredBlock, state: Iterable<[string, Uint8Array]>): void;
  /** one block: its record and the keys it changed (undefined = deleted) */
  commitBlock(block: StoredBlock, changes: Iterable<[string, Uint8Array | undefined]>): void;
  close(): void;
}

export interface PublicChainInfo {
  url: string;
  port: number;
  genesisHash: string;
}
