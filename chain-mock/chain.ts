/**
 * The local chain node: genesis or restore, the transaction pool (ready/future by nonce), block
 * production (interval, instant, manual), recent blocks and hashes, and persistence through a
 * ChainStore. The RPC server (rpc.ts) is a thin shell over this class.
 */
import { EventEmitter } from 'node:events';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { SubnetError } from '../shared/errors';
import { nullLogger, type Logger } from '../shared/logger';
import { Writer, Reader } from './scale';
import { Runtime, SPEC_NAME, SPEC_VERSION, TRANSACTION_VERSION } from './runtime/metadata';
import { Executive, type EpochFn } from './runtime/executive';
import { State } from './state';
import { parseExtrinsic, verifyExtrinsic, TxError, type ParsedExtrinsic } from './extrinsic';
import { applyGenesis, validateGenesis } from './genesis';
import type { ChainStore, StoredBlock } from './interface';
import type { LocalChainOptions } from './options';

export interface BlockRecord {
  number: number;
  hash: Uint8Array;
  hashHex: string;
  parentHashHex: string;
  stateRootHex: string;
  extrinsicsRootHex: string;
  header: Uint8Array;
  extrinsics: string[];
}

export type TxStatus = 'ready' | 'future' | 'invalid' | 'dropped' | { inBlock: string } | { finalized: string };
export type TxWatcher = (status: TxStatus) => void;

interface PoolTx {
  px: ParsedExtrinsic;
  hex: string;
  signer: string;
  watcher?: TxWatcher;
}

export interface LocalChainDeps {
  logger?: Logger;
  store?: ChainStore | null;
  /** the epoch function (default: yumaEpoch from shared/yuma) */
  epoch?: EpochFn;
  /** clock for block timestamps (ms) */
  now?: () => number;
}

let runtimeSingleton: Runtime | null = null;
/** One Runtime (codecs + metadata) per process: it is immutable. */
export function sharedRuntime(): Runtime {
  if (!runtimeSingleton) runtimeSingleton = new Runtime();
  return runtimeSingleton;
}

export function encodeHeader(parent: Uint8Array, number: number, stateRoot: Uint8Array, extrinsicsRoot: Uint8Array): Uint8Array {
  const w = new Writer(110);
  w.bytes(parent);
  w.compact(number);
  w.bytes(stateRoot);
  w.bytes(extrinsicsRoot);
  w.compact(0); // digest: no logs
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array): { parentHash: Uint8Array; number: number; stateRoot: Uint8Array; extrinsicsRoot: Uint8Array } {
  const r = new Reader(bytes);
  const parentHash = r.bytes(32).slice();
  const number = r.compactNum();
  const stateRoot = r.bytes(32).slice();
  const extrinsicsRoot = r.bytes(32).slice();
  return { parentHash, number, stateRoot, extrinsicsRoot };
}

function makeRecord(header: Uint8Array, extrinsics: string[]): BlockRecord {
  const h = decodeHeader(header);
  const hash = blake2AsU8a(header, 256);
  return {
    number: h.number,
    hash,
    hashHex: u8aToHex(hash),
    parentHashHex: u8aToHex(h.parentHash),
    stateRootHex: u8aToHex(h.stateRoot),
    extrinsicsRootHex: u8aToHex(h.extrinsicsRoot),
    header,
    extrinsics,
  };
}

export class LocalChain extends EventEmitter {
  readonly rt: Runtime;
  readonly state: State;
  readonly exec: Executive;
  readonly logger: Logger;
  genesisHash!: Uint8Array;
  genesisHashHex!: string;
  best!: BlockRecord;
  private readonly blocksByHash = new Map<string, BlockRecord>();
  private readonly blocksByNumber = new Map<number, BlockRecord>();
  private readonly hashByNumber = new Map<number, Uint8Array>();
  private ready: PoolTx[] = [];
  private readonly future = new Map<string, PoolTx[]>();
  private readonly pending = new Map<string, number>();
  private readonly poolHashes = new Set<string>();
  private futureCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private drainScheduled = false;
  private closed = false;
  private readonly store: ChainStore | null;
  private readonly now: () => number;
  private readonly keepBodies: number;
  private eventsKey = '';

  constructor(
    readonly opts: LocalChainOptions,
    deps: LocalChainDeps = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.rt = sharedRuntime();
    this.state = new State(this.rt, opts.historyBlocks);
    this.exec = new Executive(this.rt, this.state, opts.runtime, deps.epoch);
    this.logger = deps.logger ?? nullLogger;
    this.store = deps.store ?? null;
    this.now = deps.now ?? Date.now;
    this.keepBodies = Math.max(opts.historyBlocks, 64);
  }

  /** Loads the stored chain or builds genesis. */
  async init(): Promise<void> {
    await cryptoWaitReady();
    this.eventsKey = this.state.key('System', 'Events');
    const stored = this.store?.load() ?? null;
    if (stored) {
      this.state.load(stored.state);
      const rec = makeRecord(stored.best.header, stored.best.extrinsics);
      if (rec.hashHex !== stored.best.hash) throw new SubnetError('CHAIN_DB_CORRUPT', 'stored best block hash does not match its header', { number: rec.number });
      this.genesisHashHex = stored.genesisHash;
      this.genesisHash = hexToU8a(stored.genesisHash);
      for (const [n, h] of stored.recentHashes) this.hashByNumber.set(n, hexToU8a(h));
      this.hashByNumber.set(0, this.genesisHash);
      this.remember(rec);
      this.exec.blockNumber = rec.number;
      this.logger.info('chain restored', { best: rec.number, keys: this.state.size });
      return;
    }
    const spec = validateGenesis(this.opts.genesis ?? {});
    const now = this.now();
    this.exec.initializeBlock(0, new Uint8Array(32), now);
    applyGenesis(this.exec, spec);
    this.state.set('System', 'EventCount', [], 0);
    this.state.setRaw(this.state.key('System', 'Events'), new Uint8Array([0]), []);
    this.state.sealBlock(0);
    const stateRoot = blake2AsU8a(new TextEncoder().encode(`subnet-chain-mock:${SPEC_NAME}:${SPEC_VERSION}:${JSON.stringify(spec)}`), 256);
    const header = encodeHeader(new Uint8Array(32), 0, stateRoot, blake2AsU8a(new Uint8Array(0), 256));
    const rec = makeRecord(header, []);
    this.genesisHash = rec.hash;
    this.genesisHashHex = rec.hashHex;
    this.remember(rec);
    this.store?.init(rec.hashHex, { number: 0, hash: rec.hashHex, header, extrinsics: [] }, this.state.entries());
    this.logger.info('chain genesis', { genesis: rec.hashHex, keys: this.state.size });
  }

  private remember(rec: BlockRecord): void {
    this.best = rec;
    this.blocksByHash.set(rec.hashHex, rec);
    this.blocksByNumber.set(rec.number, rec);
    this.hashByNumber.set(rec.number, rec.hash);
    const old = rec.number - this.keepBodies;
    const gone = this.blocksByNumber.get(old);
    if (gone && old > 0) {
      this.blocksByNumber.delete(old);
      this.blocksByHash.delete(gone.hashHex);
    }
    const oldHash = rec.number - this.opts.blockHashCount;
    if (oldHash > 0) this.hashByNumber.delete(oldHash);
  }

  // ---- production -------------------------------------------------------------------------

  start(): void {
    if (this.opts.blockMode === 'interval' && !this.timer) {
      this.timer = setInterval(() => {
        try {
          this.produceBlock();
        } catch (e) {
          this.logger.error('block production failed', { err: String(e) });
        }
      }, this.opts.blockMs);
    }
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const tx of [...this.ready, ...[...this.future.values()].flat()]) tx.watcher?.('dropped');
    this.ready = [];
    this.future.clear();
    this.poolHashes.clear();
    this.store?.close();
  }

  /** Builds and seals one block with up to `maxExtrinsicsPerBlock` ready transactions. */
  produceBlock(maxTxs = this.opts.blockMode === 'instant' ? 1 : this.opts.maxExtrinsicsPerBlock): BlockRecord {
    if (this.closed) throw new SubnetError('CHAIN_CLOSED', 'the chain is stopped');
    const number = this.best.number + 1;
    const parent = this.best.hash;
    this.exec.initializeBlock(number, parent, this.now());
    const included: PoolTx[] = [];
    const invalid: PoolTx[] = [];
    const take = this.ready.splice(0, maxTxs);
    for (const tx of take) {
      this.poolHashes.delete(tx.px.hash);
      this.decPending(tx.signer);
      try {
        this.exec.applyExtrinsic(tx.px, included.length);
        included.push(tx);
      } catch (e) {
        if (!(e instanceof TxError)) throw e;
        invalid.push(tx);
      }
    }
    this.exec.finalizeBlock();
    const changes = this.state.sealBlock(number);
    const exts = included.map((t) => t.hex);
    const ew = new Writer(256);
    for (const t of included) ew.bytes(t.px.bytes);
    const extrinsicsRoot = blake2AsU8a(ew.finish(), 256);
    // not a trie root: a digest of the parent root, this block's extrinsics and its events
    const sw = new Writer(128);
    sw.bytes(hexToU8a(this.best.stateRootHex));
    sw.bytes(extrinsicsRoot);
    sw.uint(changes.size, 4);
    const events = this.state.getRaw(this.eventsKey);
    if (events) sw.bytes(events);
    const stateRoot = blake2AsU8a(sw.finish(), 256);
    const header = encodeHeader(parent, number, stateRoot, extrinsicsRoot);
    const rec = makeRecord(header, exts);
    this.remember(rec);
    if (this.store) {
      const stored: StoredBlock = { number, hash: rec.hashHex, header, extrinsics: exts };
      const kv = (function* (st: State) {
        for (const k of changes.keys()) yield [k, st.getRaw(k)] as [string, Uint8Array | undefined];
      })(this.state);
      this.store.commitBlock(stored, kv);
    }
    for (const tx of invalid) tx.watcher?.('invalid');
    for (const tx of included) tx.watcher?.({ inBlock: rec.hashHex });
    this.emit('block', rec, changes);
    for (const tx of included) tx.watcher?.({ finalized: rec.hashHex });
    this.promoteFuture();
    return rec;
  }

  /** dev_newBlock: produces `count` blocks (including pending transactions). */
  newBlocks(count = 1): BlockRecord {
    let rec = this.best;
    for (let i = 0; i < count; i++) rec = this.produceBlock(this.opts.maxExtrinsicsPerBlock);
    return rec;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.opts.blockMode !== 'instant') return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      let guard = 0;
      while (!this.closed && this.ready.length && guard++ < 10_000) {
        try {
          this.produceBlock(1);
        } catch (e) {
          this.logger.error('block production failed', { err: String(e) });
          break;
        }
      }
    });
  }

  // ---- pool -------------------------------------------------------------------------------

  private decPending(signer: string): void {
    const n = (this.pending.get(signer) ?? 1) - 1;
    if (n <= 0) this.pending.delete(signer);
    else this.pending.set(signer, n);
  }

  /** Validates and queues an extrinsic. Throws TxError with the node's error when invalid. */
  submit(bytes: Uint8Array, watcher?: TxWatcher): { hash: string; status: 'ready' | 'future' } {
    if (this.closed) throw new TxError('PoolFull', 'the chain is stopping');
    const px = parseExtrinsic(this.rt, bytes, this.opts.maxExtrinsicBytes);
    if (this.poolHashes.has(px.hash)) throw new TxError('AlreadyImported');
    verifyExtrinsic(px, {
      genesisHash: this.genesisHash,
      specVersion: SPEC_VERSION,
      transactionVersion: TRANSACTION_VERSION,
      current: this.best.number + 1,
      blockHash: (n) => this.hashByNumber.get(n),
    });
    const signer = u8aToHex(px.signer);
    const account = this.exec.account(px.signer);
    const paysNo = px.call.pallet === 'SubtensorModule' && ['set_weights', 'commit_weights', 'reveal_weights', 'serve_axon'].includes(px.call.call);
    if (!paysNo && account.providers === 0 && account.sufficients === 0) throw new TxError('Payment');
    if (px.nonce < account.nonce) throw new TxError('Stale');
    const expected = account.nonce + (this.pending.get(signer) ?? 0);
    if (px.nonce < expected) throw new TxError('TooLowPriority');
    if (this.ready.length + this.futureCount >= this.opts.poolLimit) throw new TxError('PoolFull');
    const tx: PoolTx = { px, hex: u8aToHex(bytes), signer, watcher };
    this.poolHashes.add(px.hash);
    if (px.nonce > expected) {
      const list = this.future.get(signer) ?? [];
      if (list.some((t) => t.px.nonce === px.nonce)) {
        this.poolHashes.delete(px.hash);
        throw new TxError('TooLowPriority');
      }
      if (list.length >= this.opts.futurePerAccount) {
        this.poolHashes.delete(px.hash);
        throw new TxError('PoolFull', 'too many future transactions for this account');
      }
      list.push(tx);
      list.sort((a, b) => a.px.nonce - b.px.nonce);
      this.future.set(signer, list);
      this.futureCount++;
      return { hash: px.hash, status: 'future' };
    }
    this.ready.push(tx);
    this.pending.set(signer, (this.pending.get(signer) ?? 0) + 1);
    this.promoteFutureOf(signer);
    this.scheduleDrain();
    return { hash: px.hash, status: 'ready' };
  }

  private promoteFutureOf(signer: string): void {
    const list = this.future.get(signer);
    if (!list) return;
    const pk = hexToU8a(signer);
    for (;;) {
      const expected = this.exec.account(pk).nonce + (this.pending.get(signer) ?? 0);
      while (list.length && list[0].px.nonce < expected) {
        const stale = list.shift()!;
        this.futureCount--;
        this.poolHashes.delete(stale.px.hash);
        stale.watcher?.('invalid');
      }
      if (!list.length || list[0].px.nonce !== expected) break;
      const tx = list.shift()!;
      this.futureCount--;
      this.ready.push(tx);
      this.pending.set(signer, (this.pending.get(signer) ?? 0) + 1);
      tx.watcher?.('ready');
    }
    if (!list.length) this.future.delete(signer);
    this.scheduleDrain();
  }

  private promoteFuture(): void {
    for (const signer of [...this.future.keys()]) this.promoteFutureOf(signer);
  }

  /** Removes a watcher (author_unwatchExtrinsic); the transaction stays in the pool. */
  unwatch(hash: string): void {
    for (const tx of this.ready) if (tx.px.hash === hash) tx.watcher = undefined;
    for (const list of this.future.values()) for (const tx of list) if (tx.px.hash === hash) tx.watcher = undefined;
  }

  pendingExtrinsics(): string[] {
    return [...this.ready.map((t) => t.hex), ...[...this.future.values()].flat().map((t) => t.hex)];
  }

  /** system_accountNextIndex: the account nonce plus its ready transactions in the pool. */
  accountNextIndex(pk: Uint8Array): number {
    return this.exec.account(pk).nonce + (this.pending.get(u8aToHex(pk)) ?? 0);
  }

  // ---- queries ----------------------------------------------------------------------------

  blockByHash(hash: string): BlockRecord | undefined {
    return this.blocksByHash.get(hash.toLowerCase());
  }

  blockByNumber(n: number): BlockRecord | undefined {
    return this.blocksByNumber.get(n);
  }

  hashOf(n: number): string | null {
    const h = this.hashByNumber.get(n);
    return h ? u8aToHex(h) : null;
  }

  /** Block number of a hash given as `at`, or the best block when `at` is absent. */
  resolveAt(at: string | null | undefined): number {
    if (at === null || at === undefined) return this.best.number;
    const rec = this.blocksByHash.get(String(at).toLowerCase());
    if (!rec) throw new SubnetError('CHAIN_UNKNOWN_BLOCK', `UnknownBlock: State already discarded for ${at}`, { at });
    return rec.number;
  }

  storageAt(key: string, at?: string | null): Uint8Array | undefined {
    const n = this.resolveAt(at);
    const r = this.state.getRawAt(key.toLowerCase(), n, this.best.number);
    if (!r.known) throw new SubnetError('CHAIN_UNKNOWN_BLOCK', `UnknownBlock: State already discarded for ${at}`, { at });
    return r.value;
  }

  keysPaged(prefix: string, count: number, startKey: string | null | undefined, at?: string | null): string[] {
    const n = this.resolveAt(at);
    const keys = this.state.keysWithPrefix(prefix.toLowerCase(), n, this.best.number);
    const start = startKey ? startKey.toLowerCase() : null;
    const out: string[] = [];
    for (const k of keys) {
      if (start !== null && k <= start) continue;
      out.push(k);
      if (out.length >= count) break;
    }
    return out;
  }

  runtimeVersion(): Record<string, unknown> {
    return {
      specName: SPEC_NAME,
      implName: SPEC_NAME,
      authoringVersion: 1,
      specVersion: SPEC_VERSION,
      implVersion: 1,
      apis: [['0x37e397fc7c91f5e4', 2]],
      transactionVersion: TRANSACTION_VERSION,
      stateVersion: 1,
    };
  }

  headerJson(rec: BlockRecord): Record<string, unknown> {
    return {
      parentHash: rec.parentHashHex,
      number: '0x' + rec.number.toString(16),
      stateRoot: rec.stateRootHex,
      extrinsicsRoot: rec.extrinsicsRootHex,
      digest: { logs: [] },
    };
  }
}
