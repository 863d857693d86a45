/**
 * In-process fakes for the validator's boundaries (tests and benchmarks): a chain with a settable
 * metagraph and scripted set_weights results, and a miner pool whose miners are behaviours
 * (honest, noisy, slow, erroring, garbage). They implement the same interfaces as the real
 * chain client and client pool; nothing here is used by the validator itself.
 */
import type { AxonInfo, Hyperparameters, Metagraph, WriteResult } from '../shared/chain/interface';
import { weightsCommitHash } from '../shared/chain/commitHash';
import { defaultHyperparameters } from '../shared/chain/hyperparams';
import type { Keypair } from '../shared/keys/interface';
import type { ModelRunner, TensorData } from '../shared/model/interface';
import type { Clock, QueryPool, QueryRequest, QueryResult, QueryTarget, ValidatorChain } from './interface';

export function fakeAxon(port: number, ip = '10.0.0.1'): AxonInfo {
  const ipInt = ip.split('.').reduce((a, x) => (a << 8n) + BigInt(Number(x)), 0n);
  return { block: 1, version: 1, ip: ipInt, ipString: ip, port, ipType: 4, protocol: 4 };
}

export function fakeHyperparameters(over: Partial<Hyperparameters> = {}): Hyperparameters {
  return {
    ...defaultHyperparameters(),
    tempo: 10,
    weightsSetRateLimit: 5,
    minAllowedWeights: 1,
    maxWeightsLimit: 65535,
    activityCutoff: 5000,
    maxAllowedValidators: 64,
    commitRevealWeightsEnabled: false,
    yuma3On: false,
    ...over,
  };
}

/** A metagraph of `n` uids; uid i has hotkey `hotkeys[i]`, an axon on port 10000+i unless listed in `noAxon`. */
export function fakeMetagraph(hotkeys: string[], opts: { block?: number; stake?: bigint[]; noAxon?: number[]; validators?: number[]; hyper?: Partial<Hyperparameters> } = {}): Metagraph {
  const n = hotkeys.length;
  const validators = new Set(opts.validators ?? []);
  return {
    netuid: 1,
    block: opts.block ?? 1,
    n,
    hotkeys: [...hotkeys],
    coldkeys: hotkeys.map((h) => `cold-${h}`),
    stake: opts.stake ?? hotkeys.map((_, i) => (validators.has(i) ? 1_000_000_000_000n : 0n)),
    axons: hotkeys.map((_, i) => ((opts.noAxon ?? []).includes(i) ? null : fakeAxon(10000 + i))),
    validatorPermit: hotkeys.map((_, i) => validators.has(i)),
    active: hotkeys.map(() => true),
    lastUpdate: hotkeys.map(() => 0),
    blockAtRegistration: hotkeys.map(() => 0),
    consensus: hotkeys.map(() => 0),
    incentive: hotkeys.map(() => 0),
    dividends: hotkeys.map(() => 0),
    validatorTrust: hotkeys.map(() => 0),
    emission: hotkeys.map(() => 0n),
    weights: hotkeys.map(() => []),
    bonds: hotkeys.map(() => []),
    hyperparameters: fakeHyperparameters(opts.hyper),
  };
}

export interface SetWeightsCall {
  block: number;
  signer: string;
  uids: number[];
  weights: number[];
  versionKey: number;
}

export interface CommitCall {
  block: number;
  signer: string;
  hash: string;
}
export interface RevealCall {
  block: number;
  signer: string;
  uids: number[];
  values: number[];
  salt: number[];
  versionKey: number;
}

function rejected(error: string): WriteResult {
  return { status: 'rejected', error, section: 'subtensorModule' };
}

/**
 * A chain: `head` and `metagraph` are set by the test; setWeights stores the row (when included),
 * sets LastUpdate and answers from `script` (then "included" at head + 1). With
 * CommitRevealWeightsEnabled it behaves like subtensor's CRv2 (as chain-mock does): set_weights is
 * `CommitRevealEnabled`; commit_weights checks the rate limit on LastUpdate and ≤ 10 unrevealed;
 * reveal_weights is accepted only in epoch commit_epoch + RevealPeriodEpochs (`RevealTooEarly`,
 * `ExpiredWeightCommit`, `NoWeightsCommitFound`, `InvalidRevealCommitHashNotMatch`) and then
 * stores the row. Extrinsics land in head + 1. `commitScript` / `revealScript` override results.
 */
export class FakeChain implements ValidatorChain {
  head: number;
  mg: Metagraph;
  readonly calls: SetWeightsCall[] = [];
  /** results to return, in order (a function may throw to simulate a transport error) */
  script: ((call: SetWeightsCall) => WriteResult)[] = [];
  metagraphReads = 0;
  readonly commitCalls: CommitCall[] = [];
  readonly revealCalls: RevealCall[] = [];
  commitScript: ((call: CommitCall) => WriteResult)[] = [];
  revealScript: ((call: RevealCall) => WriteResult)[] = [];
  /** unrevealed commits per signer address: [hash hex, commit epoch] */
  readonly commits = new Map<string, { hash: string; epoch: number }[]>();
  private subs: ((b: number) => void)[] = [];

  constructor(mg: Metagraph, head = 100) {
    this.mg = mg;
    this.head = head;
  }

  async currentBlock(): Promise<number> {
    return this.head;
  }
  async subscribeBlocks(cb: (block: number) => void): Promise<() => void> {
    this.subs.push(cb);
    return () => {
      this.subs = this.subs.filter((s) => s !== cb);
    };
  }
  /** moves the head and notifies subscribers */
  produce(block = this.head + 1): void {
    this.head = block;
    for (const s of this.subs) s(block);
  }
  get subscribers(): number {
    return this.subs.length;
  }
  async metagraph(_netuid: number, opts: { weights?: boolean; bonds?: boolean } = {}): Promise<Metagraph> {
    this.metagraphReads++;
    const m = structuredClone(this.mg);
    m.block = this.head;
    if (!opts.weights) delete m.weights;
    if (!opts.bonds) delete m.bonds;
    return m;
  }
  async setWeights(signer: Keypair, _netuid: number, uids: number[], weights: number[], versionKey: bigint | number): Promise<WriteResult> {
    const call: SetWeightsCall = { block: this.head, signer: signer.address, uids: [...uids], weights: [...weights], versionKey: Number(versionKey) };
    this.calls.push(call);
    const next = this.script.shift();
    const res: WriteResult = next
      ? next(call)
      : this.mg.hyperparameters.commitRevealWeightsEnabled
        ? rejected('CommitRevealEnabled')
        : { status: 'included', blockHash: '0x00', blockNumber: this.head + 1, events: [] };
    if (res.status === 'included') {
      const uid = this.mg.hotkeys.indexOf(signer.address);
      if (uid >= 0) {
        this.mg.lastUpdate[uid] = res.blockNumber;
        if (this.mg.weights) this.mg.weights[uid] = uids.map((u, i) => [u, weights[i]]);
      }
    }
    return res;
  }

  /** subtensor's epoch index of `block` for this subnet */
  epochIndex(block: number): number {
    return Math.floor((block + this.mg.netuid + 1) / (this.mg.hyperparameters.tempo + 1));
  }

  async commitWeights(signer: Keypair, _netuid: number, commitHash: Uint8Array): Promise<WriteResult> {
    const call: CommitCall = { block: this.head, signer: signer.address, hash: `0x${Buffer.from(commitHash).toString('hex')}` };
    this.commitCalls.push(call);
    const next = this.commitScript.shift();
    if (next) return next(call);
    const h = this.mg.hyperparameters;
    const at = this.head + 1;
    if (!h.commitRevealWeightsEnabled) return rejected('CommitRevealDisabled');
    const uid = this.mg.hotkeys.indexOf(signer.address);
    if (uid < 0) return rejected('HotKeyNotRegisteredInSubNet');
    const last = this.mg.lastUpdate[uid] ?? 0;
    if (!(last === 0 || at - last >= h.weightsSetRateLimit)) return rejected('CommittingWeightsTooFast');
    const epoch = this.epochIndex(at);
    const period = h.revealPeriodEpochs ?? 1;
    const list = (this.commits.get(signer.address) ?? []).filter((c) => epoch <= c.epoch + period);
    if (list.length >= 10) return rejected('TooManyUnrevealedCommits');
    list.push({ hash: call.hash, epoch });
    this.commits.set(signer.address, list);
    this.mg.lastUpdate[uid] = at;
    return { status: 'included', blockHash: '0x00', blockNumber: at, events: [] };
  }

  async revealWeights(signer: Keypair, _netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint | number): Promise<WriteResult> {
    const call: RevealCall = { block: this.head, signer: signer.address, uids: [...uids], values: [...values], salt: [...salt], versionKey: Number(versionKey) };
    this.revealCalls.push(call);
    const next = this.revealScript.shift();
    if (next) return next(call);
    const h = this.mg.hyperparameters;
    const at = this.head + 1;
    if (!h.commitRevealWeightsEnabled) return rejected('CommitRevealDisabled');
    const epoch = this.epochIndex(at);
    const period = h.revealPeriodEpochs ?? 1;
    const stored = this.commits.get(signer.address);
    if (!stored) return rejected('NoWeightsCommitFound');
    const hash = `0x${Buffer.from(weightsCommitHash(signer.publicKey, this.mg.netuid, uids, values, salt, versionKey)).toString('hex')}`;
    const live = stored.filter((c) => epoch <= c.epoch + period);
    const expired = stored.filter((c) => epoch > c.epoch + period).some((c) => c.hash === hash);
    if (live.length === 0) return rejected(expired ? 'ExpiredWeightCommit' : 'NoWeightsCommitFound');
    const pos = live.findIndex((c) => c.hash === hash);
    if (pos < 0) return rejected(expired ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch');
    if (epoch !== live[pos].epoch + period) return rejected('RevealTooEarly');
    this.commits.set(signer.address, live.slice(pos + 1));
    const uid = this.mg.hotkeys.indexOf(signer.address);
    // as subtensor: with commit-reveal on, LastUpdate was set by the commit, not by the reveal
    if (uid >= 0 && this.mg.weights) this.mg.weights[uid] = uids.map((u, i) => [u, values[i]]);
    return { status: 'included', blockHash: '0x00', blockNumber: at, events: [] };
  }
}

export type MinerBehaviour =
  | { kind: 'honest'; latencyMs?: number }
  | { kind: 'noisy'; sigma: number; latencyMs?: number }
  | { kind: 'timeout' }
  | { kind: 'error'; code?: string }
  | { kind: 'garbage' }
  | { kind: 'wrong-shape' };

function addNoise(t: TensorData, sigma: number, seed: number): TensorData {
  const src = new Float32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  let s = seed >>> 0 || 1;
  for (let i = 0; i < src.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    src[i] += sigma * ((s / 4294967296) * 2 - 1);
  }
  return { dtype: 'float32', shape: [...t.shape], data: new Uint8Array(src.buffer) };
}

/**
 * Miners as behaviours, keyed by uid: the honest ones run the same model as the validator. No
 * sockets: for the real transport use validator/client.
 */
export class FakeMinerPool implements QueryPool {
  readonly behaviours = new Map<number, MinerBehaviour>();
  readonly model: ModelRunner;
  queries = 0;
  /** when set, returns this many fewer results than targets (misalignment tests) */
  dropResults = 0;

  constructor(model: ModelRunner, behaviours: Record<number, MinerBehaviour> = {}) {
    this.model = model;
    for (const [k, v] of Object.entries(behaviours)) this.behaviours.set(Number(k), v);
  }

  async query(targets: readonly QueryTarget[], request: QueryRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<QueryResult[]> {
    this.queries++;
    const out = await Promise.all(
      targets.map(async (t): Promise<QueryResult> => {
        const b = this.behaviours.get(t.uid) ?? { kind: 'honest' };
        switch (b.kind) {
          case 'timeout':
            return { status: 'timeout', latencyMs: opts.timeoutMs, error: { code: 'timeout', message: 'no answer before the deadline' } };
          case 'error':
            return { status: 'error', latencyMs: 1, error: { code: b.code ?? 'unreachable', message: 'connection refused' } };
          case 'garbage': {
            const y = await this.model.run(request.tensors);
            const out: Record<string, TensorData> = {};
            for (const [k, v] of Object.entries(y)) out[k] = { ...v, data: new Uint8Array(v.data.byteLength).fill(0x7f) };
            return { status: 'ok', latencyMs: 1, outputs: out, proof: new Uint8Array([1]) };
          }
          case 'wrong-shape': {
            return { status: 'ok', latencyMs: 1, outputs: { y: { dtype: 'float32', shape: [1], data: new Uint8Array(4) } } };
          }
          case 'noisy': {
            const y = await this.model.run(request.tensors);
            const out: Record<string, TensorData> = {};
            for (const [k, v] of Object.entries(y)) out[k] = addNoise(v, b.sigma, t.uid + 1);
            return { status: 'ok', latencyMs: b.latencyMs ?? 1, outputs: out, proof: new Uint8Array([2]) };
          }
          case 'honest':
          default: {
            const y = await this.model.run(request.tensors);
            return { status: 'ok', latencyMs: (b as { latencyMs?: number }).latencyMs ?? 1, outputs: y, proof: new Uint8Array([3]) };
          }
        }
      }),
    );
    return this.dropResults ? out.slice(0, Math.max(0, out.length - this.dropResults)) : out;
  }
}

/** A manual clock: now() advances only when told; sleep() resolves on the next macrotask. */
export class ManualClock implements Clock {
  t: number;
  readonly sleeps: number[] = [];
  constructor(t = 1_700_000_000_000) {
    this.t = t;
  }
  now(): number {
    return this.t;
  }
  sleep(ms: number, opts: { signal?: AbortSignal } = {}): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason as Error);
      setImmediate(resolve);
    });
  }
}

/** A keypair stand-in with a given address (signing is the chain client's business). */
export function fakeSigner(address: string): Keypair {
  return { address, publicKey: new Uint8Array(32), sign: () => new Uint8Array(64) };
}
