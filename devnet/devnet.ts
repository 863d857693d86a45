/**
 * The devnet: a whole subnet on one machine. It starts the local chain in-process (chain-mock)
 * with a genesis that creates the subnet, funds every coldkey and registers, stakes and serves
 * every neuron in block 0; then launches every miner and validator as a separate OS process
 * (the project's own `subnet miner` / `subnet validator`), each with its own wallet, log and
 * database under one run folder; then follows the chain epoch by epoch.
 *
 * Lifecycle: start() → waitForEpochs(n) → stop(). stop() ends every child process group (see
 * ./supervisor.ts); a detached reaper (./reaper.ts) does the same if this process dies first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from '../shared/net';
import { join } from 'node:path';
import type { ChainClient, Metagraph } from '../shared/chain/interface';
import { SubnetError, errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { nullLogger } from '../shared/logger';
import { packageRoot } from '../shared/paths';
import { genesisSpec, minerArgs, validatorArgs } from './commands';
import { colluderPath, handlerPath } from './handlers';
import { FLIP_PERIOD_ENV, FLIP_START_ENV } from './handlers/flipping';
import { RAO_PER_TAO, type DevnetOptions, type MinerKind } from './options';
import { reaperScript } from './reaper';
import { createRunDir, layoutFor, minerFiles, minerName, validatorFiles, validatorName, type RunLayout } from './runDir';
import { Supervisor, type ChildState } from './supervisor';
import { orderingChecks, renderTable, summaryNeuron, type DevnetSummary, type NeuronRow } from './table';
import { createNeuronWallets, type NeuronWallet } from './wallets';
import type { DevnetComponents, DevnetSinks } from './interface';

export type { DevnetSinks, DevnetComponents } from './interface';

interface NeuronInfo {
  name: string;
  role: 'miner' | 'validator';
  kind: MinerKind | 'validator';
  wallet: NeuronWallet;
  port?: number;
  stakeRao: bigint;
  logFile: string;
  db?: string;
  uid?: number;
  pid?: number;
}

export interface EpochReport {
  /** counted epochs so far (1-based); 0 for warm-up epochs before consensus formed */
  epoch: number;
  block: number;
  rows: NeuronRow[];
  wall_s: number;
}

const nullSinks: DevnetSinks = { progress() {}, table() {} };



function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** subtensor's tempo schedule: the epoch of `netuid` runs in block b when (b + netuid + 1) mod (tempo + 1) == tempo. */
export function isEpochBlock(block: number, tempo: number, netuid: number): boolean {
  return tempo > 0 && (block + netuid + 1) % (tempo + 1) === tempo;
}

export class Devnet {
  readonly options: DevnetOptions;
  readonly layout: RunLayout;
  private readonly log: Logger;
  private readonly sinks: DevnetSinks;
  private readonly cli: string;
  private readonly supervisor: Supervisor;
  private chain: { url: string; port: number; close(): Promise<void> } | null = null;
  private client: (ChainClient & { stop(): Promise<void> }) | null = null;
  /** reads SubtensorModule.LastMechansimStepBlock(netuid): the block the subnet's last epoch ran in */
  private lastStepBlock: (() => Promise<number>) | null = null;
  private blockBusy = false;
  private pendingHead = -1;
  private reaper: ChildProcess | null = null;
  private neurons: NeuronInfo[] = [];
  private startedAt = 0;
  private firstEpochAt: number | null = null;
  private counted = 0;
  private lastReport: EpochReport | null = null;
  private unsubscribe: (() => void) | null = null;
  private epochWaiters: (() => void)[] = [];
  private lastEpochBlock = -1;
  private fatal: SubnetError | null = null;
  private validatorsStarted = false;
  /** block at which every miner was listening (null until then): weights set after it count */
  private minersReadyBlock: number | null = null;
  /** the run folder was created by this run (nothing is written into a folder that was refused) */
  created = false;
  private stopped = false;
  /** flipping miners: wall-clock time (ms since the Unix epoch) their first honest phase starts */
  private flipStartMs = 0;
  /** validators the devnet stopped on purpose (inactive scenarios) */
  private readonly stoppedOnPurpose = new Set<string>();

  constructor(options: DevnetOptions, components: DevnetComponents = {}) {
    this.options = options;
    this.layout = layoutFor(options.runDir!);
    this.log = components.logger ?? nullLogger;
    this.sinks = components.sinks ?? nullSinks;
    this.cli = components.cliPath ?? join(packageRoot(), 'dist', 'cli', 'index.js');
    this.supervisor = new Supervisor({ pidFile: this.layout.pidFile, graceMs: 4000 }, { logger: this.log });
    this.supervisor.onExit((s) => this.onChildExit(s));
  }

  /** Everything up: chain, subnet, wallets, miners, validators. */
  async start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const o = this.options;
    const signal = opts.signal;
    this.startedAt = performance.now();
    const minerNames = o.miners.map((_, i) => minerName(i));
    const validatorNames = o.validators.map((_, i) => validatorName(i));
    createRunDir(this.layout, minerNames, validatorNames);
    this.created = true;
    this.progress(`run folder ${this.layout.root}`);
    for (const note of o.notes ?? []) this.progress(`scenario: ${note}`);

    // reaper first: from here on, child processes exist
    this.startReaper();

    // wallets, models, ports
    const wallets = await createNeuronWallets(this.layout.walletsDir, [...validatorNames, ...minerNames]);
    const byName = new Map(wallets.map((w) => [w.name, w]));
    const models = await this.writeModels();
    const ports = await Promise.all(o.miners.map(() => freePort()));
    this.neurons = [
      ...o.validators.map((v, i): NeuronInfo => {
        const f = validatorFiles(this.layout, validatorNames[i]);
        return { name: validatorNames[i], role: 'validator', kind: 'validator', wallet: byName.get(validatorNames[i])!, stakeRao: BigInt(Math.round(v.stake_tao * 1e9)), logFile: f.log, db: f.db };
      }),
      ...o.miners.map((m, i): NeuronInfo => ({ name: minerNames[i], role: 'miner', kind: m.kind, wallet: byName.get(minerNames[i])!, port: ports[i], stakeRao: 0n, logFile: minerFiles(this.layout, minerNames[i]).log })),
    ];
    this.progress(`${wallets.length} wallets, models ${Object.keys(models).join('/')} written`);

    // chain with the subnet in its genesis
    const owner = this.neurons[0];
    const genesis = genesisSpec(
      o,
      { coldkey: owner.wallet.coldkey.address, hotkey: owner.wallet.hotkey.address },
      this.neurons.slice(1).map((n) => ({
        coldkey: n.wallet.coldkey.address,
        hotkey: n.wallet.hotkey.address,
        ...(n.stakeRao > 0n ? { stake: n.stakeRao.toString() } : {}),
        ...(n.port ? { axon: { ip: '127.0.0.1', port: n.port } } : {}),
      })),
      100_000n * RAO_PER_TAO,
    );
    writeFileSync(this.layout.genesis, JSON.stringify(genesis, null, 1));
    const { startLocalChain } = await import('../chain-mock');
    this.chain = await startLocalChain({
      host: '127.0.0.1',
      port: 0,
      blockMode: 'interval',
      blockMs: o.blockMs,
      dbPath: this.layout.chainDb,
      genesis: genesis as never,
      runtime: { allowLoopbackAxons: true },
    });
    // the chain produces block b about b · blockMs after this; the flippers' first phase starts
    // with the subnet's first epoch block
    const chainStartMs = Date.now();
    let firstEpochBlock = 1;
    while (!isEpochBlock(firstEpochBlock, o.subnet.tempo, o.netuid)) firstEpochBlock++;
    this.flipStartMs = chainStartMs + firstEpochBlock * o.blockMs;
    this.progress(`local chain at ${this.chain.url} (block every ${o.blockMs} ms)`);
    // uids follow the genesis: the owner (validator-0) is uid 0, then every neuron in genesis order
    this.neurons.forEach((n, i) => (n.uid = i));
    // Launch every miner and validator now, all at once, while the devnet itself connects: a
    // process needs a few seconds to boot, and by then the first epoch (block tempo - netuid - 1,
    // under 2 s) has granted the validator permits that miners require of callers. A miner that
    // is still booting when a validator's first step reaches it scores 0 for that step, as on a
    // real subnet.
    for (const n of this.neurons.filter((x) => x.role === 'miner')) this.launchMiner(n, models);
    for (const n of this.neurons.filter((x) => x.role === 'validator')) this.launchValidator(n, models.reference);
    this.writeManifest();
    this.progress(`${o.miners.length} miners and ${o.validators.length} validators launched`);

    const { SubstrateChainClient } = await import('../shared/chain');
    const client = new SubstrateChainClient({ endpoint: this.chain.url, finality: 'inBlock', connectTimeoutMs: 10_000 }, { logger: this.log });
    await client.start();
    this.client = client;
    this.lastStepBlock = async () => {
      const v = await client.api.query.subtensorModule.lastMechansimStepBlock(o.netuid);
      return Number(v.toString());
    };
    const netuids = (await client.netuids()).filter((n) => n !== 0);
    if (!netuids.includes(o.netuid)) {
      throw new SubnetError('DEVNET_SUBNET_MISSING', `the genesis created subnet(s) ${netuids.join(', ')}, expected ${o.netuid}`, { netuids });
    }
    // the owner (validator-0) was registered by register_network: stake it now (one block)
    if (owner.stakeRao > 0n) {
      const r = await client.addStake(owner.wallet.coldkey, owner.wallet.hotkey.address, o.netuid, owner.stakeRao);
      if (r.status !== 'included') throw new SubnetError('DEVNET_SETUP_FAILED', `add_stake for ${owner.name} ${r.status}: ${'error' in r ? r.error : 'reason' in r ? r.reason : ''}`, { result: r });
    }
    await this.resolveUids();
    if (o.flipping) {
      this.progress(`flipping scenario: miner uid(s) ${this.neurons.filter((n) => n.kind === 'flipping').map((n) => n.uid).join(', ')} answer honestly for ${o.flipping.flip_every} epoch(s), then garbage for as many (${this.flipPeriodMs()} ms per phase by the wall clock)`);
    }
    if (o.inactive) {
      this.progress(`inactive scenario: validator uid(s) ${this.stoppingValidators().map((n) => n.uid).join(', ')} (${(o.inactive.inactive_stake * 100).toFixed(0)}% of validator stake) stop setting weights at epoch ${o.inactive.stop_epoch}`);
    }
    if (o.collusion) {
      const c = o.validators.filter((v) => v.collude).length;
      this.progress(`collusion scenario: ${c} of ${o.validators.length} validators (${(o.collusion.colluding_stake * 100).toFixed(0)}% of validator stake, the median point of [${o.collusion.from_points.join(', ')}]) put all weight on miner uid ${this.cheater()?.uid}`);
    }
    this.progress(`subnet ${o.netuid}: ${this.neurons.length} neurons registered and staked (${this.neurons.map((n) => `${n.uid}:${n.kind}`).join(' ')})`);
    this.validatorsStarted = true;
    this.lastEpochBlock = -1;
    this.unsubscribe = await client.subscribeBlocks((b) => this.onBlock(b));
    await this.waitForMiners(signal);
    this.minersReadyBlock = await client.currentBlock();
    this.progress(`${o.miners.length} miners listening; waiting for the first epoch with consensus (tempo ${o.subnet.tempo})`);
  }

  private progress(line: string): void {
    const t = ((performance.now() - (this.startedAt || performance.now())) / 1000).toFixed(1);
    if (this.options.scenarioKind) line = `[${this.options.scenarioKind}] ${line}`;
    this.sinks.progress(`[${t.padStart(5)} s] ${line}`);
    try {
      appendFileSync(this.layout.devnetLog, `${new Date().toISOString()} ${line}\n`);
    } catch {
      /* the run folder may not exist yet */
    }
  }

  private startReaper(): void {
    try {
      this.reaper = spawn(process.execPath, [reaperScript(), String(process.pid), this.layout.pidFile], { stdio: 'ignore', detached: true });
      this.reaper.unref();
    } catch (err) {
      this.log.warn('reaper not started', { error: errorMessage(err) });
    }
  }

  private async writeModels(): Promise<Record<'reference' | 'noisy' | 'quantised', string>> {
    const { createModelBytes } = await import('../shared/model/generate');
    const out = {} as Record<'reference' | 'noisy' | 'quantised', string>;
    for (const kind of ['reference', 'noisy', 'quantised'] as const) {
      const file = join(this.layout.modelsDir, `${kind}.onnx`);
      writeFileSync(file, createModelBytes({ kind, seed: this.options.seed }));
      out[kind] = file;
    }
    return out;
  }

  private async resolveUids(): Promise<void> {
    const mg = await this.client!.metagraph(this.options.netuid);
    const uidOf = new Map(mg.hotkeys.map((h, i) => [h, i]));
    for (const n of this.neurons) {
      const uid = uidOf.get(n.wallet.hotkey.address);
      if (uid === undefined) throw new SubnetError('DEVNET_SETUP_FAILED', `${n.name} (${n.wallet.hotkey.address}) is not registered on subnet ${this.options.netuid}`, { name: n.name });
      if (n.uid !== undefined && n.uid !== uid) throw new SubnetError('DEVNET_SETUP_FAILED', `${n.name} got uid ${uid}, expected ${n.uid} from the genesis order`, { name: n.name, uid, expected: n.uid });
      n.uid = uid;
    }
  }

  private launchMiner(n: NeuronInfo, models: Record<'reference' | 'noisy' | 'quantised', string>): void {
    const model = n.kind === 'noisy' ? models.noisy : n.kind === 'quantised' ? models.quantised : models.reference;
    const handler = n.kind === 'slow' || n.kind === 'garbage' || n.kind === 'flipping' ? handlerPath(n.kind) : undefined;
    const args = minerArgs(this.cli, this.chain!.url, this.options.netuid, { name: n.name, kind: n.kind as MinerKind, walletsDir: this.layout.walletsDir, port: n.port!, model, handler });
    const env = { ...process.env, DEVNET_SLOW_MS: String(this.options.slowDelayMs), DEVNET_GARBAGE_SEED: String(this.options.seed + (n.uid ?? 0)),
      ...(n.kind === 'flipping' ? { [FLIP_PERIOD_ENV]: String(this.flipPeriodMs()), [FLIP_START_ENV]: String(this.flipStartMs) } : {}),
    };
    const st = this.supervisor.start({ name: n.name, command: process.execPath, args, logFile: n.logFile, env });
    n.pid = st.pid;
  }

  /** one phase of a flipping miner: block_ms × (tempo + 1) × flip_every */
  private flipPeriodMs(): number {
    return this.options.blockMs * (this.options.subnet.tempo + 1) * (this.options.flipping?.flip_every ?? 1);
  }

  /** validators an inactive scenario stops */
  private stoppingValidators(): NeuronInfo[] {
    return this.neurons.filter((n) => n.role === 'validator' && this.options.validators[Number(n.name.split('-')[1])]?.stopAtEpoch !== undefined);
  }

  /** Inactive scenarios: stop (SIGTERM through the supervisor, not a crash) the validators whose epoch has come. */
  private stopDueValidators(): void {
    for (const n of this.stoppingValidators()) {
      const at = this.options.validators[Number(n.name.split('-')[1])].stopAtEpoch!;
      if (this.counted < at || this.stoppedOnPurpose.has(n.name)) continue;
      this.stoppedOnPurpose.add(n.name);
      this.progress(`epoch ${this.counted}: stopping ${n.name} (uid ${n.uid}) on purpose: it sets no more weights`);
      void this.supervisor.stopChild(n.name).catch((err) => this.log.warn('stopping a validator failed', { name: n.name, error: errorMessage(err) }));
    }
  }

  /** the copier's LastUpdate at the last epoch report (weight-copying scenarios) */
  private copierLastUpdate: number | null = null;

  private isCopier(n: NeuronInfo): boolean {
    return n.role === 'validator' && this.options.validators[Number(n.name.split('-')[1])]?.copier !== undefined;
  }

  /** the cheating miner of a collusion run: the first garbage miner */
  private cheater(): NeuronInfo | undefined {
    return this.neurons.find((x) => x.kind === 'garbage');
  }

  private launchValidator(n: NeuronInfo, referenceModel: string): void {
    const spec = this.options.validators[Number(n.name.split('-')[1])];
    if (spec.copier) {
      // the copier: a separate process that never queries miners (devnet/copier.ts)
      const args = [this.cli, 'devnet-copier', '--netuid', String(this.options.netuid), '--wallet.name', n.name, '--wallet.hotkey', 'default', '--wallet.path', this.layout.walletsDir, '--chain', this.chain!.url, '--delay', String(spec.copier.delay)];
      const st = this.supervisor.start({ name: n.name, command: process.execPath, args, logFile: n.logFile, env: { ...process.env } });
      n.pid = st.pid;
      return;
    }
    const scorer = spec.collude ? colluderPath() : spec.scorer ?? this.options.validator.scorer;
    const args = validatorArgs(this.cli, this.chain!.url, this.options, { name: n.name, walletsDir: this.layout.walletsDir, db: n.db!, model: referenceModel, scorer });
    const env = { ...process.env, ...(spec.collude ? { DEVNET_CHEATER_UID: String(this.cheater()?.uid ?? -1) } : {}) };
    const st = this.supervisor.start({ name: n.name, command: process.execPath, args, logFile: n.logFile, env });
    n.pid = st.pid;
  }

  private async waitForMiners(signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + this.options.startupTimeoutMs;
    const pending = new Set(this.neurons.filter((n) => n.role === 'miner'));
    while (pending.size > 0) {
      this.throwIfFatal();
      for (const n of [...pending]) {
        // a miner that crashed is reported by onChildExit; the run goes on without it
        if (this.supervisor.state(n.name)?.exited || (await portOpen(n.port!))) pending.delete(n);
      }
      if (pending.size === 0) break;
      if (performance.now() > deadline) {
        throw new SubnetError('DEVNET_STARTUP_TIMEOUT', `miners not listening after ${this.options.startupTimeoutMs} ms: ${[...pending].map((n) => `${n.name} (log ${n.logFile})`).join(', ')}`, {});
      }
      await sleep(100, signal);
    }
  }

  private onChildExit(s: ChildState): void {
    if (this.stopped) return;
    if (s.stoppedOnPurpose) this.progress(`${s.name} stopped on purpose (code ${s.exitCode}, signal ${s.signal})`);
    if (!s.crashed) return;
    const n = this.neurons.find((x) => x.name === s.name);
    this.progress(`${s.name} exited unexpectedly (code ${s.exitCode}, signal ${s.signal}); log: ${s.logFile}`);
    // a validator or every miner gone: the run cannot show what it should; fail it
    if (n?.role === 'validator' || this.supervisor.states().filter((x) => x.name.startsWith('miner-')).every((x) => x.exited)) {
      this.fatal = new SubnetError('DEVNET_CHILD_CRASHED', `${s.name} crashed (exit ${s.exitCode ?? s.signal}); see ${s.logFile}`, { name: s.name, log: s.logFile });
      this.wake();
    }
  }

  private throwIfFatal(): void {
    if (this.fatal) throw this.fatal;
  }

  private wake(): void {
    const w = this.epochWaiters;
    this.epochWaiters = [];
    for (const f of w) f();
  }

  /**
   * On each head: has the subnet's epoch run (LastMechansimStepBlock moved)? The chain says when,
   * rather than a formula, so the table always shows the epoch that just ran.
   */
  private onBlock(block: number): void {
    this.pendingHead = Math.max(this.pendingHead, block);
    if (this.blockBusy || this.stopped) return;
    this.blockBusy = true;
    void (async () => {
      try {
        while (!this.stopped) {
          const head = this.pendingHead;
          const ran = await this.lastStepBlock!();
          if (ran > this.lastEpochBlock && ran > 0) {
            const first = this.lastEpochBlock < 0;
            this.lastEpochBlock = ran;
            // the genesis epoch state before the devnet watched is not an epoch of this run
            if (!first || this.validatorsStarted) await this.reportEpoch(ran);
          }
          if (this.pendingHead === head) break;
        }
      } catch (err) {
        if (!this.stopped) this.log.warn('epoch check failed', { block, error: errorMessage(err) });
      } finally {
        this.blockBusy = false;
      }
    })();
  }

  private async reportEpoch(block: number): Promise<void> {
    const mg = await this.client!.metagraph(this.options.netuid);
    const rows = this.rowsOf(mg);
    const hasConsensus = rows.some((r) => r.incentive > 0);
    // Consensus counts once every validator has set weights after all miners were listening:
    // before that, a validator's weights may still reflect miners that were booting (scored 0).
    const ready = this.minersReadyBlock;
    const validatorsCurrent =
      ready !== null && this.neurons.filter((n) => n.role === 'validator' && !this.isCopier(n)).every((n) => n.uid !== undefined && (mg.lastUpdate[n.uid] ?? 0) > ready);
    const cp = this.neurons.find((n) => this.isCopier(n));
    if (cp?.uid !== undefined) this.copierLastUpdate = mg.lastUpdate[cp.uid] ?? 0;
    if (hasConsensus && validatorsCurrent && this.firstEpochAt === null) this.firstEpochAt = performance.now();
    if (this.firstEpochAt !== null) this.counted++;
    if (this.firstEpochAt !== null) this.stopDueValidators();
    const wall = (performance.now() - this.startedAt) / 1000;
    const report: EpochReport = { epoch: this.firstEpochAt !== null ? this.counted : 0, block, rows, wall_s: wall };
    this.lastReport = report;
    const head = report.epoch > 0 ? `epoch ${report.epoch}${this.options.epochs ? `/${this.options.epochs}` : ''} at block ${block} (${wall.toFixed(1)} s)` : `warm-up epoch at block ${block} (no consensus yet: validators have no permits or weights) (${wall.toFixed(1)} s)`;
    this.sinks.table(renderTable(rows, head));
    appendFileSync(this.layout.epochsLog, `${JSON.stringify({ epoch: report.epoch, block, wall_s: wall, neurons: rows.map(summaryNeuron) })}\n`);
    this.wake();
  }

  private rowsOf(mg: Metagraph): NeuronRow[] {
    const byHotkey = new Map(this.neurons.map((n) => [n.wallet.hotkey.address, n]));
    return mg.hotkeys.map((hk, uid) => {
      const n = byHotkey.get(hk);
      return {
        uid,
        role: n?.role ?? 'unknown',
        kind: n?.kind ?? 'unknown',
        hotkey: hk,
        stake: mg.stake[uid] ?? 0n,
        consensus: mg.consensus[uid] ?? 0,
        incentive: mg.incentive[uid] ?? 0,
        dividends: mg.dividends[uid] ?? 0,
        validator_trust: mg.validatorTrust[uid] ?? 0,
        emission: mg.emission[uid] ?? 0n,
      };
    });
  }

  /** Resolves after `n` counted epochs (the first counted one is the first with consensus). */
  async waitForEpochs(n: number, opts: { signal?: AbortSignal } = {}): Promise<EpochReport> {
    const firstDeadline = performance.now() + this.options.startupTimeoutMs;
    let lastProgress = performance.now();
    let lastCount = this.counted;
    while (this.counted < n) {
      this.throwIfFatal();
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (this.firstEpochAt === null && performance.now() > firstDeadline) {
        throw new SubnetError('DEVNET_NO_CONSENSUS', `no epoch with consensus after ${this.options.startupTimeoutMs} ms; see the validator logs under ${this.layout.validatorsDir}`, {});
      }
      if (this.counted !== lastCount) {
        lastCount = this.counted;
        lastProgress = performance.now();
      } else if (this.firstEpochAt !== null && performance.now() - lastProgress > this.options.epochTimeoutMs) {
        throw new SubnetError('DEVNET_EPOCH_TIMEOUT', `no epoch for ${this.options.epochTimeoutMs} ms (chain stalled?)`, {});
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250);
        this.epochWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lastReport!;
  }

  /** Waits (bounded) until every validator's log holds its prediction for `epochBlock`, so replay finds that epoch complete. */
  async waitForValidatorLogs(epochBlock: number, timeoutMs = 6000): Promise<string[]> {
    const { openLogStore } = await import('../shared/log/sqlite');
    const deadline = performance.now() + timeoutMs;
    // a validator stopped on purpose (inactive scenario) logs no more epochs
    // nor does the copier (it keeps no validator database)
    const missing = new Set(this.neurons.filter((n) => n.role === 'validator' && !this.stoppedOnPurpose.has(n.name) && !this.isCopier(n)));
    while (missing.size > 0 && performance.now() < deadline) {
      for (const n of [...missing]) {
        try {
          const store = openLogStore(n.db!, { readonly: true, integrityCheck: 'off' });
          try {
            const eps = store.listEpochs().filter((e) => e.hasSnapshot);
            const last = eps[eps.length - 1];
            if (last && store.loadEpoch(last.epoch).prediction?.epochBlock !== undefined && (store.loadEpoch(last.epoch).prediction!.epochBlock >= epochBlock)) missing.delete(n);
          } finally {
            store.close();
          }
        } catch {
          /* not there yet */
        }
      }
      if (missing.size) await sleep(150);
    }
    return [...missing].map((n) => n.name);
  }

  summary(): DevnetSummary {
    const rows = this.lastReport?.rows ?? [];
    const neurons = rows.map(summaryNeuron);
    const cheater = this.cheater();
    const totalIncentive = neurons.reduce((a, r) => a + r.incentive, 0);
    const collusion = this.options.collusion && cheater?.uid !== undefined
      ? {
          colluding_stake: this.options.collusion.colluding_stake,
          colluders: this.options.validators.filter((v) => v.collude).length,
          cheater_uid: cheater.uid,
          cheater_incentive_share: totalIncentive > 0 ? Math.round(((neurons.find((r) => r.uid === cheater.uid)?.incentive ?? 0) / totalIncentive) * 1e6) / 1e6 : 0,
        }
      : undefined;
    const flipping = this.options.flipping
      ? { flip_every: this.options.flipping.flip_every, period_ms: this.flipPeriodMs(), flipper_uids: this.neurons.filter((n) => n.kind === 'flipping').map((n) => n.uid!) }
      : undefined;
    const stoppedUids = this.stoppingValidators().map((n) => n.uid!);
    const totalDividends = neurons.reduce((a, r) => a + r.dividends, 0);
    const inactive = this.options.inactive
      ? {
          inactive_stake: this.options.inactive.inactive_stake,
          stop_epoch: this.options.inactive.stop_epoch,
          stopped_uids: stoppedUids,
          stopped: this.stoppingValidators().filter((n) => this.stoppedOnPurpose.has(n.name)).map((n) => n.uid!),
          stopped_dividend_share: totalDividends > 0 ? Math.round((neurons.filter((r) => stoppedUids.includes(r.uid)).reduce((a, r) => a + r.dividends, 0) / totalDividends) * 1e6) / 1e6 : 0,
        }
      : undefined;
    const copierN = this.neurons.find((n) => this.isCopier(n));
    const twin = copierN ? this.neurons.find((n) => n.role === 'validator' && !this.isCopier(n) && n.stakeRao === copierN.stakeRao) : undefined;
    const divOf = (uid: number | undefined) => neurons.find((r) => r.uid === uid)?.dividends ?? 0;
    const copier = copierN?.uid !== undefined
      ? {
          uid: copierN.uid,
          delay: this.options.validators[Number(copierN.name.split('-')[1])].copier!.delay,
          twin_uid: twin?.uid ?? null,
          dividends: divOf(copierN.uid),
          twin_dividends: twin ? divOf(twin.uid) : null,
          dividends_ratio_vs_honest: twin && divOf(twin.uid) > 0 ? Math.round((divOf(copierN.uid) / divOf(twin.uid)) * 1e6) / 1e6 : null,
          last_update: this.copierLastUpdate,
        }
      : undefined;
    return {
      ...(this.options.scenarioKind ? { scenario_kind: this.options.scenarioKind } : {}),
      ...(copier ? { copier } : {}),
      ...(collusion ? { collusion } : {}),
      ...(flipping ? { flipping } : {}),
      ...(inactive ? { inactive } : {}),
      epochs: this.counted,
      wall_s: Math.round(((performance.now() - this.startedAt) / 1000) * 1000) / 1000,
      time_to_first_epoch_s: this.firstEpochAt === null ? null : Math.round(((this.firstEpochAt - this.startedAt) / 1000) * 1000) / 1000,
      run_dir: this.layout.root,
      netuid: this.options.netuid,
      block: this.lastReport?.block ?? 0,
      ...(this.options.scenarioName ? { scenario: this.options.scenarioName } : {}),
      neurons,
      checks: orderingChecks(neurons),
    };
  }

  private writeManifest(): void {
    const body = {
      run_dir: this.layout.root,
      chain: this.chain ? { url: this.chain.url } : null,
      netuid: this.options.netuid,
      options: { ...this.options, runDir: undefined },
      neurons: this.neurons.map((n) => ({
        name: n.name,
        role: n.role,
        kind: n.kind,
        uid: n.uid ?? null,
        hotkey: n.wallet.hotkey.address,
        coldkey: n.wallet.coldkey.address,
        wallet: { path: n.wallet.path, name: n.wallet.name, hotkey: n.wallet.hotkeyName },
        stake_tao: Number(n.stakeRao) / 1e9,
        port: n.port ?? null,
        pid: n.pid ?? null,
        log: n.logFile,
        db: n.db ?? null,
      })),
    };
    writeFileSync(this.layout.manifest, JSON.stringify(body, null, 1));
  }

  /** Stops everything, children first (process groups), then the client, then the chain. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    try {
      this.unsubscribe?.();
    } catch {
      /* ignore */
    }
    await this.supervisor.stop();
    try {
      await this.client?.stop();
    } catch (err) {
      this.log.warn('chain client stop failed', { error: errorMessage(err) });
    }
    try {
      await this.chain?.close();
    } catch (err) {
      this.log.warn('chain close failed', { error: errorMessage(err) });
    }
    if (this.reaper && this.reaper.exitCode === null) {
      try {
        this.reaper.kill('SIGTERM');
      } catch {
        /* gone */
      }
    }
  }

  /** Synchronous last resort (process 'exit'): SIGKILL every child group. */
  killAllSync(): void {
    this.supervisor.killAllSync();
  }

  pids(): number[] {
    return this.supervisor.pids();
  }
}
