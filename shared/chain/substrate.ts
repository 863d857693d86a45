/**
 * The chain client: ONE implementation of `ChainClient` over @polkadot/api's ApiPromise. It drives
 * the local chain (chain-mock/), a real subtensor node, and subtensor's runtime under chopsticks.
 *
 * - Connection: WsProvider without its own auto-connect; we connect with exponential backoff +
 *   jitter, give up in start() after connectTimeoutMs (CHAIN_UNREACHABLE), and after the first
 *   connection keep reconnecting until stop(). The provider resubscribes our subscriptions on
 *   reconnect; block subscribers also get the current head after each reconnect.
 * - Reads: one consistent snapshot per metagraph (all keys read at one block hash) in four
 *   round trips: header, per-subnet vectors + hyperparameters, per-uid keys, per-hotkey keys,
 *   each a single `state_queryStorageAt`.
 * - Writes: resolve to exactly one WriteResult: included (events), rejected (pallet error name
 *   via registry.findMetaError; or the 1010/1014 invalid-transaction reason; or Invalid/Dropped/
 *   Usurped), failed (transport, after retries with backoff). Never hang (submit timeout).
 *   Nonces: max(system_accountNextIndex, local tracker) per account, so two writes in a row do
 *   not collide. A watch cut by a dropped socket is resolved by looking the extrinsic up in the
 *   recent blocks; if its nonce is still unused it is re-signed and resubmitted.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec, ISubmittableResult, SignerPayloadJSON, SignerResult } from '@polkadot/types/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, encodeAddress, xxhashAsU8a } from '@polkadot/util-crypto';
import { SubnetError, errorMessage, isAbortError } from '../errors';
import { nullLogger, type Logger } from '../logger';
import type { Keypair } from '../keys/interface';
import { ChainErrorCode } from './errors';
import { HYPERPARAMS, adminCallsFor } from './hyperparams';
import type {
  AxonInfo,
  CallOptions,
  ChainClient,
  Hyperparameters,
  Metagraph,
  SudoHyperparameters,
  WriteOptions,
  WriteResult,
} from './interface';
import { intToIp, ipToInt } from './ip';
import { backoffDelay, defaultChainClientOptions, type ChainClientOptions } from './options';

export interface ChainClientComponents {
  logger?: Logger;
}

type Tx = SubmittableExtrinsic<'promise'>;
type Events = { section: string; method: string; data: unknown[] }[];

/** subtensor's CustomTransactionError (pallets/subtensor/src/lib.rs), for 1010 Custom(n) rejections. */
const SUBTENSOR_CUSTOM_ERRORS: Record<number, string> = {
  0: 'ColdkeyInSwapSchedule',
  1: 'StakeAmountTooLow',
  2: 'BalanceTooLow',
  3: 'SubnetDoesntExist',
  4: 'HotkeyAccountDoesntExist',
  5: 'NotEnoughStakeToWithdraw',
  6: 'RateLimitExceeded',
  7: 'InsufficientLiquidity',
  8: 'SlippageTooHigh',
  9: 'TransferDisallowed',
  255: 'BadRequest',
};

/** A transport problem: the write may be retried. */
class TransportError extends Error {
  constructor(message: string, readonly submitted: boolean) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The pool refused the nonce (stale / priority too low / already imported): resync and retry. */
class NonceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonceError';
  }
}

export class SubstrateChainClient implements ChainClient {
  readonly options: ChainClientOptions;
  private readonly log: Logger;
  private provider: WsProvider | null = null;
  private apiInstance: ApiPromise | null = null;
  private state: 'idle' | 'starting' | 'ready' | 'stopped' = 'idle';
  private connected = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly connectWaiters = new Set<() => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  private readonly blockSubscribers = new Set<(n: number) => void>();
  private lastBlockEmitted = -1;
  private genesisCheck: Promise<void> | null = null;
  private headUnsub: (() => void) | null = null;
  private everConnected = false;
  private readonly nonces = new Map<string, number>();
  private readonly nonceLocks = new Map<string, Promise<unknown>>();
  private readonly accountQueues = new Map<string, Promise<unknown>>();
  private readonly addressCache = new Map<string, string>();
  private readonly pkCache = new Map<string, Uint8Array>();
  private readonly keyInfo = new Map<string, { prefix: string; hashers: string[]; checked: boolean; ok: boolean }>();
  private readonly typeCache = new Map<string, { type: string; optional: boolean; fallback: string }>();

  constructor(options: Partial<ChainClientOptions> = {}, components: ChainClientComponents = {}) {
    this.options = { ...defaultChainClientOptions, ...stripUndefined(options) };
    this.log = (components.logger ?? nullLogger).child({ module: 'chain', endpoint: this.options.endpoint });
  }

  /** The underlying ApiPromise (escape hatch for tests and tools). */
  get api(): ApiPromise {
    if (!this.apiInstance || this.state === 'stopped') {
      throw new SubnetError(ChainErrorCode.NOT_STARTED, 'chain client is not started', {});
    }
    return this.apiInstance;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.state === 'ready') return;
    if (this.state !== 'idle') throw new SubnetError(ChainErrorCode.NOT_STARTED, `cannot start a client in state ${this.state}`, {});
    if (!/^wss?:\/\/./.test(this.options.endpoint)) {
      throw new SubnetError(ChainErrorCode.BAD_INPUT, `chain endpoint must be ws:// or wss://, got ${JSON.stringify(this.options.endpoint)}`, { endpoint: this.options.endpoint });
    }
    this.state = 'starting';
    const started = Date.now();
    const provider = new WsProvider(this.options.endpoint, false, {}, this.options.requestTimeoutMs);
    this.provider = provider;
    provider.on('connected', () => this.onConnected());
    provider.on('disconnected', () => this.onDisconnected());
    provider.on('error', () => {
      /* reported through 'disconnected'; the provider logs details itself */
    });
    const deadline = AbortSignal.timeout(this.options.connectTimeoutMs);
    try {
      this.tryConnect();
      await this.waitConnected(deadline);
      const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: false });
      this.apiInstance = api;
      await raceAbort(api.isReadyOrError, deadline);
      this.state = 'ready';
      this.log.info('chain connected', {
        ms: Date.now() - started,
        chain: api.runtimeVersion.specName.toString(),
        specVersion: api.runtimeVersion.specVersion.toNumber(),
      });
      await this.ensureHeadSubscription();
    } catch (err) {
      await this.teardown();
      this.state = 'idle';
      if (err instanceof SubnetError) throw err;
      throw new SubnetError(
        ChainErrorCode.UNREACHABLE,
        `chain at ${this.options.endpoint} is unreachable (${isAbortError(err) ? `no connection within ${this.options.connectTimeoutMs} ms` : errorMessage(err)})`,
        { endpoint: this.options.endpoint, timeoutMs: this.options.connectTimeoutMs },
        { cause: err },
      );
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const l of [...this.disconnectListeners]) l('client stopped');
    this.disconnectListeners.clear();
    if (this.headUnsub) {
      try {
        this.headUnsub();
      } catch {
        /* socket already gone */
      }
      this.headUnsub = null;
    }
    const api = this.apiInstance;
    const provider = this.provider;
    this.apiInstance = null;
    this.provider = null;
    this.connected = false;
    try {
      if (api) await api.disconnect();
      else if (provider) await provider.disconnect();
    } catch {
      /* already closed */
    }
    for (const w of [...this.connectWaiters]) w();
  }

  private tryConnect(): void {
    const p = this.provider;
    if (!p || this.state === 'stopped') return;
    p.connect().catch((err: unknown) => {
      this.log.debug('connect attempt failed', { error: errorMessage(err) });
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.state === 'stopped' || this.state === 'idle' || this.reconnectTimer) return;
    if (this.state === 'ready' && !this.options.reconnect) return;
    const delay = backoffDelay(this.reconnectAttempt++, this.options.backoffBaseMs, this.options.backoffMaxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.tryConnect();
    }, delay);
  }

  private onConnected(): void {
    this.connected = true;
    this.reconnectAttempt = 0;
    if (this.everConnected) {
      this.log.info('chain reconnected');
      // the chain may have restarted (or been reset): trust system_accountNextIndex again
      this.nonces.clear();
    }
    this.everConnected = true;
    for (const w of [...this.connectWaiters]) w();
    if (this.state === 'ready') {
      const check = this.checkGenesis();
      this.genesisCheck = check;
      void check.then(async () => {
        if (this.genesisCheck === check) this.genesisCheck = null;
        await this.resubscribeHeads();
        await this.emitCurrentHead();
      });
    }
  }

  private onDisconnected(): void {
    const was = this.connected;
    this.connected = false;
    if (was) this.log.warn('chain connection lost; reconnecting', {});
    for (const l of [...this.disconnectListeners]) l('disconnected');
    this.scheduleReconnect();
  }

  private waitConnected(signal: AbortSignal): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.state === 'stopped') return Promise.reject(notStarted());
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.connectWaiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        if (this.connected) resolve();
        else reject(notStarted());
      };
      const onAbort = () => {
        this.connectWaiters.delete(done);
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      this.connectWaiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits (bounded by connectTimeoutMs and opts.signal) for a live connection; CHAIN_UNREACHABLE otherwise. */
  private async ready(opts?: CallOptions): Promise<ApiPromise> {
    if (this.state !== 'ready' || !this.apiInstance) throw notStarted();
    if (!this.connected) {
      const signals = [AbortSignal.timeout(this.options.disconnectedWaitMs)];
      if (opts?.signal) signals.push(opts.signal);
      try {
        await this.waitConnected(AbortSignal.any(signals));
      } catch (err) {
        if (opts?.signal?.aborted) throw err;
        if (err instanceof SubnetError) throw err;
        throw new SubnetError(ChainErrorCode.UNREACHABLE, `chain at ${this.options.endpoint} is unreachable (reconnecting)`, { endpoint: this.options.endpoint }, { cause: err });
      }
    }
    if (this.genesisCheck) await this.genesisCheck;
    return this.apiInstance;
  }

  /** Raw JSON-RPC through the provider, with the caller's signal and a connection check. */
  private async rpc<T>(method: string, params: unknown[], opts?: CallOptions): Promise<T> {
    await this.ready(opts);
    const p = this.provider;
    if (!p) throw notStarted();
    try {
      return await raceAbort(p.send<T>(method, params), opts?.signal);
    } catch (err) {
      if (opts?.signal?.aborted) throw err;
      if (isTransportMessage(errorMessage(err))) {
        throw new SubnetError(ChainErrorCode.UNREACHABLE, `${method}: ${errorMessage(err)}`, { endpoint: this.options.endpoint, method }, { cause: err });
      }
      throw err;
    }
  }

  /** Any JSON-RPC method (e.g. dev_newBlock on chopsticks / the local chain), with the connection checks. */
  send<T = unknown>(method: string, params: unknown[] = [], opts?: CallOptions): Promise<T> {
    return this.rpc<T>(method, params, opts);
  }

  // ------------------------------------------------------------------ reads

  async currentBlock(opts?: CallOptions): Promise<number> {
    const h = await this.rpc<{ number: string }>('chain_getHeader', [], opts);
    return Number(BigInt(h.number));
  }

  async subscribeBlocks(cb: (block: number) => void): Promise<() => void> {
    await this.ready();
    this.blockSubscribers.add(cb);
    await this.ensureHeadSubscription();
    return () => {
      this.blockSubscribers.delete(cb);
    };
  }

  private async ensureHeadSubscription(): Promise<void> {
    if (this.headUnsub || !this.apiInstance) return;
    const unsub = await this.apiInstance.rpc.chain.subscribeNewHeads((header) => {
      this.emitBlock(header.number.toNumber());
    });
    if (this.state === 'stopped') {
      unsub();
      return;
    }
    this.headUnsub = unsub;
  }

  /**
   * The provider resubscribes by itself on reconnect, but a resubscription that fails (the socket
   * dropped again meanwhile) is lost for good; so every reconnect replaces the head subscription.
   * Duplicate deliveries are removed by emitBlock's dedupe.
   */
  private async resubscribeHeads(): Promise<void> {
    if (this.state !== 'ready' || !this.connected) return;
    const old = this.headUnsub;
    this.headUnsub = null;
    if (old) {
      try {
        old();
      } catch {
        /* the old subscription id died with the old socket */
      }
    }
    try {
      await this.ensureHeadSubscription();
    } catch (err) {
      this.log.debug('head resubscription failed; retried on the next reconnect', { error: errorMessage(err) });
    }
  }

  private emitBlock(n: number): void {
    if (n === this.lastBlockEmitted || this.state !== 'ready') return;
    this.lastBlockEmitted = n;
    for (const cb of [...this.blockSubscribers]) {
      try {
        cb(n);
      } catch (err) {
        this.log.error('block subscriber threw', { error: errorMessage(err) });
      }
    }
  }

  /**
   * After a reconnect: a dev chain restarted without its database has a new genesis. @polkadot/api
   * assumes the same chain on reconnect and would keep signing for the old genesis (BadProof), so
   * adopt the new genesis hash (the runtime-version subscription takes care of new metadata).
   */
  private async checkGenesis(): Promise<void> {
    const api = this.apiInstance;
    if (!api) return;
    try {
      const g = await this.provider!.send<string>('chain_getBlockHash', [0]);
      if (g && g !== api.genesisHash.toHex()) {
        this.log.warn('chain was reset (new genesis); adopting it', { old: api.genesisHash.toHex(), new: g });
        (api as unknown as { _genesisHash: unknown })._genesisHash = api.registry.createType('BlockHash', g);
        this.lastBlockEmitted = -1;
        this.nonces.clear();
      }
    } catch {
      /* next reconnect checks again */
    }
  }

  private async emitCurrentHead(): Promise<void> {
    try {
      this.emitBlock(await this.currentBlock());
    } catch {
      /* next reconnect will try again */
    }
  }

  async subnetExists(netuid: number, opts?: CallOptions): Promise<boolean> {
    checkU16(netuid, 'netuid');
    await this.ready(opts);
    const [v] = await this.queryAt([this.sKey('networksAdded', netuid)], undefined, opts);
    return this.decode('networksAdded', v ?? null)?.toJSON() === true;
  }

  async netuids(opts?: CallOptions): Promise<number[]> {
    await this.ready(opts);
    const entries = await raceAbort(this.api.query.subtensorModule.networksAdded.entries(), opts?.signal);
    return entries
      .filter(([, v]) => v.toJSON() === true)
      .map(([k]) => Number((k.args[0] as Codec).toString()))
      .sort((a, b) => a - b);
  }

  async balance(address: string, opts?: CallOptions): Promise<bigint> {
    const api = await this.ready(opts);
    const key = api.query.system.account.key(address);
    const hex = await this.rpc<string | null>('state_getStorage', [key], opts);
    if (!hex) return 0n;
    const meta = (api.query.system.account as unknown as { creator: { meta: { type: { asMap: { value: unknown } } } } }).creator.meta;
    const acct = api.registry.createType(api.registry.createLookupType(meta.type.asMap.value as never), hexToU8a(hex));
    return BigInt((acct as unknown as { data: { free: Codec } }).data.free.toString());
  }

  async uidOf(netuid: number, hotkey: string, opts?: CallOptions): Promise<number | null> {
    checkU16(netuid, 'netuid');
    await this.ready(opts);
    const [exists, uid] = await this.queryAt([this.sKey('networksAdded', netuid), this.sKey('uids', netuid, hotkey)], undefined, opts);
    if (this.decode('networksAdded', exists ?? null)?.toJSON() !== true) throw unknownNetuid(netuid);
    const v = this.decode('uids', uid ?? null);
    return v === null ? null : Number(v.toString());
  }

  async hyperparameters(netuid: number, opts?: CallOptions): Promise<Hyperparameters> {
    checkU16(netuid, 'netuid');
    await this.ready(opts);
    const { keys, read } = this.hyperparamKeys(netuid);
    const values = await this.queryAt([this.sKey('networksAdded', netuid), ...keys], undefined, opts);
    if (this.decode('networksAdded', values[0] ?? null)?.toJSON() !== true) throw unknownNetuid(netuid);
    return read(values.slice(1));
  }

  async metagraph(netuid: number, opts: CallOptions & { weights?: boolean; bonds?: boolean } = {}): Promise<Metagraph> {
    checkU16(netuid, 'netuid');
    const api = await this.ready(opts);
    // round 0: the block everything is read at
    const header = await this.rpc<Record<string, unknown>>('chain_getHeader', [], opts);
    const at = api.registry.createType('Header', header).hash.toHex();
    const block = Number(BigInt(header.number as string));

    // round 1: existence, size, per-subnet vectors, hyperparameters
    const vecNames = ['validatorPermit', 'active', 'lastUpdate', 'consensus', 'incentive', 'dividends', 'validatorTrust', 'emission'] as const;
    const present = vecNames.filter((n) => this.has(n));
    const hp = this.hyperparamKeys(netuid);
    const ownerKey = this.has('subnetOwner') ? this.sKey('subnetOwner', netuid) : null;
    const r1Keys = [this.sKey('networksAdded', netuid), this.sKey('subnetworkN', netuid), ...present.map((n) => this.sKey(n, netuid)), ...hp.keys];
    if (ownerKey) r1Keys.push(ownerKey);
    const r1 = await this.queryAt(r1Keys, at, opts);
    if (this.decode('networksAdded', r1[0] ?? null)?.toJSON() !== true) throw unknownNetuid(netuid);
    const n = Number(this.decode('subnetworkN', r1[1] ?? null)?.toString() ?? 0);
    const vec = new Map<string, (number | bigint | boolean)[]>();
    present.forEach((name, i) => {
      const hex = r1[2 + i] ?? null;
      const fast = fastVec(hex);
      if (fast) {
        vec.set(name, fast);
        return;
      }
      const c = this.decode(name, hex);
      if (c) vec.set(name, toArr(c).map((x) => (x.toRawType() === 'bool' ? x.toJSON() === true : BigInt(x.toString()))));
    });
    const hyperparameters = hp.read(r1.slice(2 + present.length, 2 + present.length + hp.keys.length));
    const ownerCodec = ownerKey ? this.decode('subnetOwner', r1[r1.length - 1] ?? null) : null;

    // round 2: per-uid keys
    const uids = Array.from({ length: n }, (_, i) => i);
    const r2Keys: string[] = [];
    for (const uid of uids) r2Keys.push(this.sKey('keys', netuid, uid));
    const hasBar = this.has('blockAtRegistration');
    if (hasBar) for (const uid of uids) r2Keys.push(this.sKey('blockAtRegistration', netuid, uid));
    if (opts.weights) for (const uid of uids) r2Keys.push(this.sKey('weights', netuid, uid));
    if (opts.bonds) for (const uid of uids) r2Keys.push(this.sKey('bonds', netuid, uid));
    const r2 = n > 0 ? await this.queryAt(r2Keys, at, opts) : [];
    const hotkeys = uids.map((i) => this.fastAccount('keys', r2[i] ?? null));
    let off = n;
    const blockAtRegistration = hasBar ? uids.map((i) => Number(this.fastUint('blockAtRegistration', r2[off + i] ?? null))) : uids.map(() => 0);
    if (hasBar) off += n;
    const readRows = (name: string) => {
      const rows = uids.map((i) => fastPairs(r2[off + i] ?? null) ?? pairs(this.decode(name, r2[off + i] ?? null)));
      off += n;
      return rows;
    };
    const weights = opts.weights ? readRows('weights') : undefined;
    const bonds = opts.bonds ? readRows('bonds') : undefined;

    // round 3: per-hotkey keys (coldkey, axon, stake)
    const stakeMode = this.has('totalHotkeyAlpha') ? 'alpha' : this.has('totalHotkeyStake') ? 'total' : 'none';
    const r3Keys: string[] = [];
    for (const hk of hotkeys) r3Keys.push(this.sKey('owner', hk));
    for (const hk of hotkeys) r3Keys.push(this.sKey('axons', netuid, hk));
    if (stakeMode === 'alpha') for (const hk of hotkeys) r3Keys.push(this.sKey('totalHotkeyAlpha', hk, netuid));
    if (stakeMode === 'total') for (const hk of hotkeys) r3Keys.push(this.sKey('totalHotkeyStake', hk));
    const r3 = n > 0 ? await this.queryAt(r3Keys, at, opts) : [];
    const coldkeys = uids.map((i) => this.fastAccount('owner', r3[i] ?? null));
    const axons = uids.map((i) => {
      const hex = r3[n + i] ?? null;
      return hex && hex.length === 2 + 34 * 2 ? fastAxon(hex) : decodeAxon(this.decode('axons', hex));
    });
    const stakeName = stakeMode === 'alpha' ? 'totalHotkeyAlpha' : 'totalHotkeyStake';
    const stake = uids.map((i) => (stakeMode === 'none' ? 0n : this.fastUint(stakeName, r3[2 * n + i] ?? null)));

    const nums = (name: string) => padTo(n, (vec.get(name) ?? []).map((x) => Number(x)), 0);
    const bools = (name: string) => padTo(n, (vec.get(name) ?? []).map((x) => x === true || x === 1 || x === 1n), false);
    return {
      netuid,
      block,
      blockHash: at,
      n,
      hotkeys,
      coldkeys,
      stake,
      axons,
      validatorPermit: bools('validatorPermit'),
      active: bools('active'),
      lastUpdate: nums('lastUpdate'),
      blockAtRegistration,
      consensus: nums('consensus'),
      incentive: nums('incentive'),
      dividends: nums('dividends'),
      validatorTrust: nums('validatorTrust'),
      emission: padTo(n, (vec.get('emission') ?? []).map((x) => BigInt(x as bigint | number)), 0n),
      weights,
      bonds,
      hyperparameters,
      owner: ownerCodec ? ownerCodec.toString() : undefined,
    };
  }

  private hyperparamKeys(netuid: number): { keys: string[]; read: (values: (string | null)[]) => Hyperparameters } {
    const items: { storage: string; key: string }[] = [];
    const seen = new Map<string, number>();
    for (const h of HYPERPARAMS) {
      if (!this.has(h.storage) || seen.has(h.storage)) continue;
      seen.set(h.storage, items.length);
      items.push({ storage: h.storage, key: h.global ? this.sKey(h.storage) : this.sKey(h.storage, netuid) });
    }
    return {
      keys: items.map((i) => i.key),
      read: (values) => {
        const out: Record<string, unknown> = {};
        for (const h of HYPERPARAMS) {
          const idx = seen.get(h.storage);
          let c: Codec | null = idx === undefined ? null : this.decode(h.storage, values[idx] ?? null);
          if (c && h.tupleIndex !== undefined) c = (c as unknown as Codec[])[h.tupleIndex] ?? null;
          if (!c) {
            out[h.field] = h.fallback;
            continue;
          }
          out[h.field] = h.kind === 'bool' ? c.toJSON() === true : h.kind === 'bigint' ? BigInt(c.toString()) : Number(c.toString());
        }
        return out as unknown as Hyperparameters;
      },
    };
  }

  /** AccountId32 values (Keys, Owner): ss58 without a codec round trip; cached (hotkeys repeat across syncs). */
  private fastAccount(name: string, hex: string | null): string {
    if (hex && hex.length === 66) {
      let a = this.addressCache.get(hex);
      if (!a) {
        a = encodeAddress(hexToU8a(hex), this.ss58);
        if (this.addressCache.size > 100_000) this.addressCache.clear();
        this.addressCache.set(hex, a);
      }
      return a;
    }
    return this.decode(name, hex)?.toString() ?? '';
  }

  /** u64 / u128 little-endian values (BlockAtRegistration, TotalHotkeyAlpha, …). */
  private fastUint(name: string, hex: string | null): bigint {
    if (hex && (hex.length === 18 || hex.length === 34)) return leUint(hex);
    return BigInt(this.decode(name, hex)?.toString() ?? '0');
  }

  private get ss58(): number {
    return this.api.registry.chainSS58 ?? 42;
  }

  /** True when SubtensorModule has the storage item in this runtime's metadata. */
  private has(name: string): boolean {
    return Boolean((this.api.query.subtensorModule as Record<string, unknown> | undefined)?.[name]);
  }

  /**
   * Storage key of SubtensorModule.<name>(...args). Built directly (twox128 prefix + the item's hashers
   * over u16 / AccountId32 args) because @polkadot's per-key codec path costs ~50 µs a key; the fast
   * path is checked once per item against entry.key() and disabled for that item on any mismatch.
   */
  private sKey(name: string, ...args: unknown[]): string {
    const entry = (this.api.query.subtensorModule as unknown as Record<string, { key(...a: unknown[]): string; creator: { meta: { type: { isMap: boolean; asMap: { hashers: { type: string }[] } } } } } | undefined>)[name];
    if (!entry) throw new SubnetError(ChainErrorCode.UNSUPPORTED, `this runtime has no SubtensorModule.${name}`, { storage: name });
    let info = this.keyInfo.get(name);
    if (!info) {
      const t = entry.creator.meta.type;
      const hashers = t.isMap ? t.asMap.hashers.map((h) => h.type) : [];
      const prefix = (entry as unknown as { keyPrefix(): string }).keyPrefix().slice(2, 2 + 64);
      info = { prefix, hashers, checked: false, ok: prefix.length === 64 };
      this.keyInfo.set(name, info);
    }
    if (!info.ok || args.length !== info.hashers.length) return entry.key(...args);
    let key = `0x${info.prefix}`;
    for (let i = 0; i < args.length; i++) {
      const part = this.hashArg(info.hashers[i]!, args[i]);
      if (part === null) return entry.key(...args);
      key += part;
    }
    if (!info.checked) {
      info.checked = true;
      if (key !== entry.key(...args)) {
        info.ok = false;
        this.log.debug('fast storage key mismatch; using @polkadot keys', { storage: name });
        return entry.key(...args);
      }
    }
    return key;
  }

  private hashArg(hasher: string, arg: unknown): string | null {
    let bytes: Uint8Array;
    if (typeof arg === 'number' && Number.isInteger(arg) && arg >= 0 && arg <= 0xffff) bytes = new Uint8Array([arg & 0xff, arg >> 8]);
    else if (typeof arg === 'string') {
      let pk = this.pkCache.get(arg);
      if (!pk) {
        try {
          pk = decodeAddress(arg);
        } catch {
          return null;
        }
        if (this.pkCache.size > 100_000) this.pkCache.clear();
        this.pkCache.set(arg, pk);
      }
      bytes = pk;
    } else return null;
    const hex = Buffer.from(bytes).toString('hex');
    switch (hasher) {
      case 'Identity':
        return hex;
      case 'Blake2_128Concat':
        return Buffer.from(blake2AsU8a(bytes, 128)).toString('hex') + hex;
      case 'Twox64Concat':
        return Buffer.from(xxhashAsU8a(bytes, 64)).toString('hex') + hex;
      default:
        return null;
    }
  }

  private decode(name: string, hex: string | null): Codec | null {
    let t = this.typeCache.get(name);
    const api = this.api;
    if (!t) {
      const entry = (api.query.subtensorModule as unknown as Record<string, { creator: { meta: { type: { isPlain: boolean; asPlain: unknown; asMap: { value: unknown } }; modifier: { isOptional: boolean }; fallback: Codec } } }>)[name];
      if (!entry) return null;
      const meta = entry.creator.meta;
      const id = meta.type.isPlain ? meta.type.asPlain : meta.type.asMap.value;
      t = { type: api.registry.createLookupType(id as never), optional: meta.modifier.isOptional, fallback: meta.fallback.toHex() };
      this.typeCache.set(name, t);
    }
    if (hex === null) {
      if (t.optional) return null;
      hex = t.fallback;
    }
    return api.registry.createType(t.type, hexToU8a(hex));
  }

  /** state_queryStorageAt over all keys (chunked, in parallel); values in key order (null = absent). */
  private async queryAt(keys: string[], at: string | undefined, opts?: CallOptions): Promise<(string | null)[]> {
    const CHUNK = 1024;
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
    const results = await Promise.all(
      chunks.map((c) => this.rpc<{ block: string; changes: [string, string | null][] }[]>('state_queryStorageAt', at ? [c, at] : [c], opts)),
    );
    const map = new Map<string, string | null>();
    for (const sets of results) for (const set of sets) for (const [k, v] of set.changes) map.set(k.toLowerCase(), v);
    return keys.map((k) => map.get(k.toLowerCase()) ?? null);
  }

  // ------------------------------------------------------------------ writes

  async setWeights(signer: Keypair, netuid: number, uids: number[], weights: number[], versionKey: bigint | number, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    uids.forEach((u) => checkU16(u, 'uid'));
    weights.forEach((w) => checkU16(w, 'weight'));
    return this.write(signer, () => this.api.tx.subtensorModule.setWeights(netuid, uids, weights, BigInt(versionKey)), opts);
  }

  async commitWeights(signer: Keypair, netuid: number, commitHash: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    if (commitHash.length !== 32) throw new SubnetError(ChainErrorCode.BAD_INPUT, 'commit hash must be 32 bytes', { length: commitHash.length });
    return this.write(signer, () => this.api.tx.subtensorModule.commitWeights(netuid, u8aToHex(commitHash)), opts);
  }

  async revealWeights(signer: Keypair, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint | number, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    [...uids, ...values, ...salt].forEach((u) => checkU16(u, 'value'));
    return this.write(signer, () => this.api.tx.subtensorModule.revealWeights(netuid, uids, values, salt, BigInt(versionKey)), opts);
  }

  async serveAxon(signer: Keypair, netuid: number, axon: { version: number; ip: string; port: number; protocol?: number }, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    checkU16(axon.port, 'port');
    const { ip, ipType } = ipToInt(axon.ip);
    return this.write(
      signer,
      () => this.api.tx.subtensorModule.serveAxon(netuid, axon.version, ip, axon.port, ipType, axon.protocol ?? 4, 0, 0),
      opts,
    );
  }

  async burnedRegister(coldkey: Keypair, netuid: number, hotkey: string, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    return this.write(coldkey, () => this.api.tx.subtensorModule.burnedRegister(netuid, hotkey), opts);
  }

  async addStake(coldkey: Keypair, hotkey: string, netuid: number, amountRao: bigint, opts?: WriteOptions): Promise<WriteResult> {
    checkU16(netuid, 'netuid');
    return this.write(coldkey, () => this.api.tx.subtensorModule.addStake(hotkey, netuid, amountRao), opts);
  }

  async transfer(from: Keypair, to: string, amountRao: bigint, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(from, () => this.api.tx.balances.transferKeepAlive(to, amountRao), opts);
  }

  async registerNetwork(coldkey: Keypair, hotkey: string, opts: WriteOptions & { startCall?: boolean } = {}): Promise<WriteResult & { netuid?: number }> {
    const api = await this.ready(opts);
    const call = api.tx.subtensorModule.registerNetwork;
    // spec 218: register_network(hotkey, mechid); newer: register_network(hotkey)
    const nargs = call.meta.args.length;
    const res = await this.write(coldkey, () => (nargs >= 2 ? call(hotkey, 1) : call(hotkey)), opts);
    if (res.status !== 'included') return res;
    const ev = res.events.find((e) => e.section === 'subtensorModule' && e.method === 'NetworkAdded');
    const netuid = ev ? Number(ev.data[0]) : undefined;
    if (netuid !== undefined && opts.startCall !== false && api.tx.subtensorModule.startCall) {
      const sc = await this.startCall(coldkey, netuid, opts);
      if (sc.status !== 'included') this.log.warn('startCall after registerNetwork did not succeed', { netuid, result: sc.status });
    }
    return { ...res, netuid };
  }

  async startCall(owner: Keypair, netuid: number, opts?: WriteOptions): Promise<WriteResult> {
    const api = await this.ready(opts);
    if (!api.tx.subtensorModule.startCall) return { status: 'rejected', error: 'Unsupported', message: 'this runtime has no SubtensorModule.start_call' };
    return this.write(owner, () => api.tx.subtensorModule.startCall(netuid), opts);
  }

  async sudoSetNetworkRateLimit(sudo: Keypair, limit: number, opts?: WriteOptions): Promise<WriteResult> {
    return this.sudoCall(sudo, 'adminUtils', 'sudoSetNetworkRateLimit', [limit], opts);
  }

  async sudoSetHyperparameters(sudo: Keypair, netuid: number, params: SudoHyperparameters, opts?: WriteOptions): Promise<WriteResult> {
    const api = await this.ready(opts);
    const calls = adminCallsFor(netuid, params);
    if (calls.length === 0) throw new SubnetError(ChainErrorCode.BAD_INPUT, 'no hyperparameters given', {});
    const admin = api.tx.adminUtils as unknown as Record<string, ((...a: unknown[]) => Tx) | undefined>;
    for (const c of calls) {
      if (!admin[c.method]) throw new SubnetError(ChainErrorCode.UNSUPPORTED, `this runtime has no adminUtils.${c.method} (for ${c.field})`, { method: c.method, field: c.field });
    }
    return this.write(sudo, () => {
      const inner = calls.map((c) => admin[c.method]!(...c.args));
      const call = inner.length === 1 ? inner[0]! : api.tx.utility.batchAll(inner);
      return api.tx.sudo.sudo(call);
    }, opts);
  }

  async sudoCall(sudo: Keypair, section: string, method: string, args: unknown[], opts?: WriteOptions): Promise<WriteResult> {
    const api = await this.ready(opts);
    const fn = (api.tx as unknown as Record<string, Record<string, ((...a: unknown[]) => Tx) | undefined> | undefined>)[section]?.[method];
    if (!fn) throw new SubnetError(ChainErrorCode.UNSUPPORTED, `this runtime has no ${section}.${method}`, { section, method });
    return this.write(sudo, () => api.tx.sudo.sudo(fn(...args)), opts);
  }

  /**
   * Signs and submits `build()` until it resolves. Attempts = retries + 1 for transport failures;
   * pool nonce conflicts resync the nonce and retry; every attempt is bounded by the submit timeout.
   */
  private write(signer: Keypair, build: () => Tx, opts: WriteOptions = {}): Promise<WriteResult> {
    // One write per account at a time: a pool that does not keep future nonces (chopsticks in
    // instant mode builds a block per extrinsic) would otherwise drop the second one as Invalid.
    const prev = this.accountQueues.get(signer.address) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(() => this.writeNow(signer, build, opts));
    const tail = run.catch(() => undefined);
    this.accountQueues.set(signer.address, tail);
    void tail.then(() => {
      if (this.accountQueues.get(signer.address) === tail) this.accountQueues.delete(signer.address);
    });
    return run;
  }

  /**
   * One logical write. Invariant: once an extrinsic has been signed and handed to the socket, every
   * retry of this write reuses the SAME nonce, so it can never be applied twice. Before a retry the
   * chain is asked whether that nonce was consumed; if so the outcome is looked up in the blocks.
   */
  private async writeNow(signer: Keypair, build: () => Tx, opts: WriteOptions): Promise<WriteResult> {
    const attempts = this.options.retries + 1;
    let lastReason = '';
    let nonceRetries = 0;
    let fixedNonce: number | undefined;
    const hashes: string[] = [];
    let startBlock = -1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      opts.signal?.throwIfAborted();
      let api: ApiPromise;
      try {
        api = await this.ready(opts);
      } catch (err) {
        if (opts.signal?.aborted || (err instanceof SubnetError && err.code === ChainErrorCode.NOT_STARTED)) throw err;
        lastReason = errorMessage(err);
        await this.sleepBackoff(attempt, opts.signal);
        continue;
      }
      let nonce = -1;
      let signed = false;
      try {
        if (fixedNonce !== undefined) {
          const outcome = await this.resolveAfterTransportLoss(signer.address, fixedNonce, hashes, startBlock, opts);
          if (outcome) return outcome;
        }
        const tx = build();
        if (startBlock < 0) startBlock = await this.currentBlock(opts);
        nonce = fixedNonce ?? (await this.nextNonce(signer.address, opts));
        await tx.signAsync(signer.address, { signer: this.signerFor(signer), nonce, era: this.options.eraPeriod, withSignedTransaction: false });
        signed = true;
        hashes.push(tx.hash.toHex());
        return await this.watch(api, tx, opts);
      } catch (err) {
        if (opts.signal?.aborted) {
          this.forgetNonce(signer.address);
          throw opts.signal.reason ?? err;
        }
        if (err instanceof NonceError && nonceRetries < 3) {
          nonceRetries++;
          attempt--; // a nonce resync is not a transport attempt
          this.forgetNonce(signer.address);
          // with a fixed nonce, "stale" means it was consumed: the next round looks the outcome up
          this.log.debug('nonce conflict; resyncing', { address: signer.address, nonce, error: err.message });
          continue;
        }
        if (err instanceof SubnetError && err.code === ChainErrorCode.TIMEOUT) {
          this.forgetNonce(signer.address);
          return { status: 'failed', reason: err.message, attempts: attempt };
        }
        if (err instanceof TransportError || err instanceof SubnetError || isTransportMessage(errorMessage(err))) {
          lastReason = errorMessage(err);
          this.forgetNonce(signer.address);
          if (signed) fixedNonce = nonce;
          this.log.warn('chain write: transport failure', { attempt, error: lastReason, nonce: fixedNonce });
          await this.sleepBackoff(attempt, opts.signal);
          continue;
        }
        throw err;
      }
    }
    if (fixedNonce !== undefined) {
      return { status: 'failed', reason: `${lastReason || 'transport failure'}; the write may or may not have been applied (nonce ${fixedNonce})`, attempts };
    }
    return { status: 'failed', reason: lastReason || 'transport failure', attempts };
  }

  private async sleepBackoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const ms = backoffDelay(attempt - 1, this.options.backoffBaseMs, this.options.backoffMaxMs);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort() {
        clearTimeout(t);
        reject(signal!.reason);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * After a cut watch: if the nonce is still unused, undefined (resubmit). If it was used, look for
   * the extrinsic in the blocks since submission and return its outcome; if absent, failed.
   */
  private async resolveAfterTransportLoss(address: string, nonce: number, txHashes: string[], startBlock: number, opts: WriteOptions): Promise<WriteResult | undefined> {
    const api = await this.ready(opts);
    const next = Number(BigInt(await this.rpc<number | string>('system_accountNextIndex', [address], opts)));
    if (next <= nonce) return undefined;
    const head = await this.currentBlock(opts);
    const from = Math.max(startBlock, head - this.options.lookbackBlocks, 0);
    // raw RPCs, not api.rpc: polkadot-js memoises calls by params and would replay an error cached
    // from the dropped socket (e.g. its own getBlock for the status it could not finish)
    const eventsKey = api.query.system.events.key();
    const eventsMeta = (api.query.system.events as unknown as { creator: { meta: { type: { asPlain: unknown } } } }).creator.meta;
    const eventsType = api.registry.createLookupType(eventsMeta.type.asPlain as never);
    for (let b = head; b >= from; b--) {
      const hash = await this.rpc<string>('chain_getBlockHash', [b], opts);
      const raw = await this.rpc<{ block: { extrinsics: string[] } }>('chain_getBlock', [hash], opts);
      const idx = raw.block.extrinsics.findIndex((x) => txHashes.includes(u8aToHex(blake2AsU8a(hexToU8a(x), 256))));
      if (idx < 0) continue;
      const evHex = await this.rpc<string | null>('state_getStorage', [eventsKey, hash], opts);
      const records = (evHex ? [...(api.registry.createType(eventsType, hexToU8a(evHex)) as unknown as Iterable<unknown>)] : []) as {
        phase: { isApplyExtrinsic: boolean; asApplyExtrinsic: Codec };
        event: { section: string; method: string; data: Codec[] & { toJSON(): unknown } };
      }[];
      const mine = records.filter((r) => r.phase.isApplyExtrinsic && Number(r.phase.asApplyExtrinsic.toString()) === idx);
      const events = mine.map((r) => ({ section: r.event.section, method: r.event.method, data: r.event.data.map((d) => d.toJSON()) }));
      const failed = mine.find((r) => r.event.section === 'system' && r.event.method === 'ExtrinsicFailed');
      if (failed) return this.rejection(api, failed.event.data[0] as unknown as DispatchError, b, events);
      const sudo = this.sudoFailure(api, mine.map((r) => r.event), b, events);
      if (sudo) return sudo;
      return { status: 'included', blockHash: hash, blockNumber: b, events };
    }
    return { status: 'failed', reason: `connection lost while waiting; nonce ${nonce} was used but the extrinsic (${txHashes.join(', ')}) was not found in blocks ${from}..${head}`, attempts: 1 };
  }

  /** Submits and watches one signed extrinsic. Resolves with included/rejected; throws TransportError/NonceError/CHAIN_TIMEOUT. */
  private watch(api: ApiPromise, tx: Tx, opts: WriteOptions): Promise<WriteResult> {
    const finality = opts.finality ?? this.options.finality;
    const timeoutMs = opts.timeoutMs ?? this.options.submitTimeoutMs;
    return new Promise<WriteResult>((resolve, reject) => {
      let settled = false;
      let unsub: (() => void) | null = null;
      let submitted = false;
      const cleanup = () => {
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.disconnectListeners.delete(onDisconnect);
        if (unsub) {
          try {
            unsub();
          } catch {
            /* socket gone */
          }
        }
      };
      const finish = (r: WriteResult) => {
        if (settled) return;
        cleanup();
        resolve(r);
      };
      const fail = (e: unknown) => {
        if (settled) return;
        cleanup();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(new SubnetError(ChainErrorCode.TIMEOUT, `write not ${finality} within ${timeoutMs} ms (timeout)`, { timeoutMs })),
        timeoutMs,
      );
      const onAbort = () => fail(opts.signal!.reason);
      const onDisconnect = (why: string) => fail(new TransportError(`connection lost while waiting for the write (${why})`, submitted));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.disconnectListeners.add(onDisconnect);
      if (!this.connected) return onDisconnect('not connected');

      let pending: Promise<void> | null = null;
      tx.send((res: ISubmittableResult) => {
        submitted = true;
        if (settled || pending) return;
        const s = res.status;
        if (s.isInvalid || s.isDropped || s.isUsurped) {
          const who = tx.signer.toString();
          const used = tx.nonce.toNumber();
          this.forgetNonce(who);
          const verdict: WriteResult = { status: 'rejected', error: s.type, message: `transaction ${s.type.toLowerCase()} by the pool (not included)` };
          // a nonce ahead of the chain (e.g. the chain was reset) is ours to fix: resync and retry
          pending = this.rpc<number | string>('system_accountNextIndex', [who])
            .then((next) => (Number(BigInt(next)) < used ? fail(new NonceError(`nonce ${used} ahead of the chain (${String(next)})`)) : finish(verdict)))
            .catch(() => finish(verdict));
          return;
        }
        if (s.isFinalityTimeout) return finish({ status: 'rejected', error: 'FinalityTimeout', message: 'transaction finality timeout' });
        const hit = s.isFinalized || (finality === 'inBlock' && s.isInBlock);
        if (!hit) return;
        const hash = s.isFinalized ? s.asFinalized : s.asInBlock;
        pending = this.outcome(api, res, hash.toHex())
          .then(finish)
          .catch((err) => fail(new TransportError(`reading the result: ${errorMessage(err)}`, true)));
      })
        .then((u) => {
          submitted = true;
          if (settled) {
            try {
              u();
            } catch {
              /* ignore */
            }
          } else unsub = u;
        })
        .catch((err: unknown) => {
          const msg = errorMessage(err);
          const pool = classifyPoolError(msg);
          if (pool.kind === 'nonce') return fail(new NonceError(msg));
          if (pool.kind === 'rejected') {
            this.forgetNonce(tx.signer.toString());
            return finish({ status: 'rejected', error: pool.error, section: 'InvalidTransaction', message: msg, ...(pool.code !== undefined ? { code: pool.code } : {}) } as WriteResult);
          }
          return fail(new TransportError(msg, false));
        });
    });
  }

  private async outcome(api: ApiPromise, res: ISubmittableResult, blockHash: string): Promise<WriteResult> {
    const header = await this.rpc<{ number: string }>('chain_getHeader', [blockHash]);
    const blockNumber = Number(BigInt(header.number));
    const events: Events = res.events.map(({ event }) => ({ section: event.section, method: event.method, data: event.data.map((d) => d.toJSON()) }));
    if (res.dispatchError) return this.rejection(api, res.dispatchError, blockNumber, events);
    const sudo = this.sudoFailure(api, res.events.map((r) => r.event), blockNumber, events);
    if (sudo) return sudo;
    return { status: 'included', blockHash, blockNumber, events };
  }

  /** sudo.sudo dispatches succeed as extrinsics; the inner result is in Sudid(Result). */
  private sudoFailure(api: ApiPromise, evs: { section: string; method: string; data: Codec[] }[], blockNumber: number, events: Events): WriteResult | null {
    const sudid = evs.find((e) => e.section === 'sudo' && e.method === 'Sudid');
    if (!sudid) return null;
    const result = sudid.data[0] as unknown as { isErr: boolean; asErr: DispatchError };
    if (!result?.isErr) return null;
    return this.rejection(api, result.asErr, blockNumber, events);
  }

  private rejection(api: ApiPromise, err: DispatchError, blockNumber: number, events: Events): WriteResult {
    if (err.isModule) {
      const meta = api.registry.findMetaError(err.asModule);
      return { status: 'rejected', error: meta.name, section: meta.section, blockNumber, message: meta.docs.join(' ') || `${meta.section}.${meta.name}`, events } as WriteResult;
    }
    const inner = (err as unknown as { value?: Codec }).value;
    const detail = inner && !(inner as unknown as { isEmpty?: boolean }).isEmpty ? `.${inner.toString()}` : '';
    return { status: 'rejected', error: `${err.type}${detail}`, blockNumber, message: err.toString(), events } as WriteResult;
  }

  private signerFor(kp: Keypair) {
    const registry = this.api.registry;
    const prefix = (kp as { type?: string }).type === 'ed25519' ? 0 : (kp as { type?: string }).type === 'ecdsa' ? 2 : 1;
    let id = 0;
    return {
      signPayload: async (payload: SignerPayloadJSON): Promise<SignerResult> => {
        const ext = registry.createType('ExtrinsicPayload', payload, { version: payload.version });
        const u8a = ext.toU8a({ method: true });
        const sig = kp.sign(u8a.length > 256 ? blake2AsU8a(u8a, 256) : u8a);
        return { id: ++id, signature: u8aToHex(u8aConcat(new Uint8Array([prefix]), sig)) };
      },
    };
  }

  // ------------------------------------------------------------------ nonces

  /** max(chain's next index, local tracker); serialised per account. */
  private async nextNonce(address: string, opts?: CallOptions): Promise<number> {
    const prev = this.nonceLocks.get(address) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(async () => {
      const chainNext = Number(BigInt(await this.rpc<number | string>('system_accountNextIndex', [address], opts)));
      const local = this.nonces.get(address);
      const n = local === undefined ? chainNext : Math.max(local, chainNext);
      this.nonces.set(address, n + 1);
      return n;
    });
    this.nonceLocks.set(address, run);
    try {
      return await run;
    } finally {
      if (this.nonceLocks.get(address) === run) this.nonceLocks.delete(address);
    }
  }

  private forgetNonce(address: string): void {
    this.nonces.delete(address);
  }
}

// ------------------------------------------------------------------ helpers (pure)

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function notStarted(): SubnetError {
  return new SubnetError(ChainErrorCode.NOT_STARTED, 'chain client is not started (call start())', {});
}

function unknownNetuid(netuid: number): SubnetError {
  return new SubnetError(ChainErrorCode.UNKNOWN_NETUID, `subnet ${netuid} does not exist on this chain`, { netuid });
}

function checkU16(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new SubnetError(ChainErrorCode.BAD_INPUT, `${what} must be a u16, got ${n}`, { [what]: n });
}

function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function toArr(c: Codec | undefined): Codec[] {
  return c ? ([...(c as unknown as Iterable<Codec>)] as Codec[]) : [];
}

function padTo<T>(n: number, xs: T[], fill: T): T[] {
  if (xs.length >= n) return xs.slice(0, n);
  return [...xs, ...new Array<T>(n - xs.length).fill(fill)];
}

function pairs(c: Codec | null): [number, number][] {
  if (!c) return [];
  return (c.toJSON() as [number, number][]).map(([a, b]) => [Number(a), Number(b)]);
}

/** little-endian unsigned integer from hex */
function leUint(hex: string): bigint {
  let v = 0n;
  for (let i = hex.length - 2; i >= 2; i -= 2) v = (v << 8n) | BigInt(parseInt(hex.slice(i, i + 2), 16));
  return v;
}

/** SCALE compact length prefix: [value, bytes] */
function compactLen(b: Buffer): [number, number] {
  const m = b[0]! & 3;
  if (m === 0) return [b[0]! >> 2, 1];
  if (m === 1) return [b.readUInt16LE(0) >> 2, 2];
  if (m === 2) return [b.readUInt32LE(0) >>> 2, 4];
  return [-1, 0];
}

/** Vec<bool> / Vec<u16> / Vec<u64> (element size from the length); null when ambiguous or absent. */
function fastVec(hex: string | null): (number | bigint)[] | null {
  if (hex === null) return null;
  const b = Buffer.from(hex.slice(2), 'hex');
  const [len, off] = compactLen(b);
  if (len < 0) return null;
  if (len === 0) return off === b.length ? [] : null;
  const size = (b.length - off) / len;
  if (size === 1) return Array.from(b.subarray(off), (x) => x);
  if (size === 2) return Array.from({ length: len }, (_, i) => b.readUInt16LE(off + 2 * i));
  if (size === 8) return Array.from({ length: len }, (_, i) => b.readBigUInt64LE(off + 8 * i));
  return null;
}

/** Vec<(u16,u16)> (Weights, Bonds) without codecs; null when the layout does not match. */
function fastPairs(hex: string | null): [number, number][] | null {
  if (hex === null) return [];
  const b = Buffer.from(hex.slice(2), 'hex');
  const [len, off] = compactLen(b);
  if (len < 0 || off + len * 4 !== b.length) return null;
  const out: [number, number][] = new Array(len);
  for (let i = 0; i < len; i++) out[i] = [b.readUInt16LE(off + 4 * i), b.readUInt16LE(off + 4 * i + 2)];
  return out;
}

/** AxonInfo {block u64, version u32, ip u128, port u16, ip_type u8, protocol u8, placeholder1 u8, placeholder2 u8} (34 bytes). */
function fastAxon(hex: string): AxonInfo | null {
  const b = Buffer.from(hex.slice(2), 'hex');
  const block = Number(b.readBigUInt64LE(0));
  const version = b.readUInt32LE(8);
  const ip = b.readBigUInt64LE(12) | (b.readBigUInt64LE(20) << 64n);
  const port = b.readUInt16LE(28);
  const ipType = b[30]!;
  const protocol = b[31]!;
  if (ip === 0n && port === 0) return null;
  let ipString: string;
  try {
    ipString = intToIp(ip, ipType);
  } catch {
    ipString = ip.toString();
  }
  return { block, version, ip, ipString, port, ipType: ipType === 6 ? 6 : 4, protocol };
}

function decodeAxon(c: Codec | null): AxonInfo | null {
  if (!c) return null;
  const s = c as unknown as { get(k: string): Codec | undefined };
  const num = (k: string) => Number(s.get(k)?.toString() ?? 0);
  const ip = BigInt(s.get('ip')?.toString() ?? '0');
  const port = num('port');
  const ipType = num('ipType') || num('ip_type');
  if (ip === 0n && port === 0) return null;
  let ipString = '';
  try {
    ipString = intToIp(ip, ipType);
  } catch {
    ipString = ip.toString();
  }
  return { block: num('block'), version: num('version'), ip, ipString, port, ipType: ipType === 6 ? 6 : 4, protocol: num('protocol') };
}

/** Network-level failures (retry) as opposed to answers from the chain. */
export function isTransportMessage(msg: string): boolean {
  return /disconnected|not connected|No response received|ECONNREFUSED|ECONNRESET|socket hang up|WebSocket|Abnormal Closure|connection lost|EPIPE/i.test(msg);
}

/**
 * Classifies a submit error from the pool. 1010 = invalid transaction (rejected, with its reason),
 * 1014 priority too low / 1013 already imported / stale = nonce conflict (resync and retry).
 */
export function classifyPoolError(msg: string): { kind: 'nonce' } | { kind: 'rejected'; error: string; code?: number } | { kind: 'other' } {
  if (/\b1014\b|Priority is too low|\b1013\b|already imported|outdated|"stale"|\bstale\b/i.test(msg)) return { kind: 'nonce' };
  if (/\b1010\b|Invalid Transaction|"invalid"/i.test(msg)) {
    const custom = /Custom(?: error)?[:(\s"]*\s*(\d+)/i.exec(msg) ?? /"custom":\s*(\d+)/i.exec(msg);
    if (custom) {
      const code = Number(custom[1]);
      return { kind: 'rejected', error: `Custom:${SUBTENSOR_CUSTOM_ERRORS[code] ?? code}`, code };
    }
    const table: [RegExp, string][] = [
      [/bad signature|badProof/i, 'BadProof'],
      [/pay some fees|payment|balance too low/i, 'Payment'],
      [/future/i, 'Future'],
      [/ancient birth block|ancientBirthBlock/i, 'AncientBirthBlock'],
      [/exhaust|exhaustsResources/i, 'ExhaustsResources'],
      [/call is not expected|"call"/i, 'Call'],
      [/bad signer|badSigner/i, 'BadSigner'],
      [/mandatory/i, 'BadMandatory'],
    ];
    for (const [re, name] of table) if (re.test(msg)) return { kind: 'rejected', error: name };
    return { kind: 'rejected', error: 'InvalidTransaction' };
  }
  if (/\b1012\b|temporarily banned/i.test(msg)) return { kind: 'rejected', error: 'TemporarilyBanned' };
  if (/\b1002\b|Verification Error|Could not decode|\b1011\b|Unknown Transaction/i.test(msg)) return { kind: 'rejected', error: 'InvalidTransaction' };
  return { kind: 'other' };
}
