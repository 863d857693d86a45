/**
 * Local chain (chain-mock) figures:
 *  - start: startLocalChain() to listening, and to the first block in interval mode (250 ms);
 *    and `subnet chain` as a process to its ready line;
 *  - throughput: signed set_weights per second in instant mode (one block per extrinsic), many
 *    signers, pre-signed, submitted over a WebSocket (author_submitExtrinsic, pipelined), in
 *    memory and with SQLite persistence;
 *  - epoch: what a Yuma epoch at n = 256 (64 validators with full weight rows) adds to its block.
 * Targets (issue 3): first block < 1 s; >= 500 set_weights/s; epoch < 10 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { sr25519KeypairFromSeed, sr25519Sign } from '@polkadot/wasm-crypto';
import { u8aToHex } from '@polkadot/util';
import type { BenchModule, BenchOptions } from './harness';
import { summarize } from './harness';
import { startLocalChain, type RunningLocalChain } from '../chain-mock';
import { buildSignedExtrinsic } from '../chain-mock/extrinsic';
import { SPEC_VERSION, TRANSACTION_VERSION } from '../chain-mock/runtime/metadata';
import { State } from '../chain-mock/state';
import { Executive, defaultRuntimeOptions } from '../chain-mock/runtime/executive';
import { sharedRuntime } from '../chain-mock/chain';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function startFigures(log: (s: string) => void, runs: number): Promise<Record<string, unknown>> {
  const toListen: number[] = [];
  const toFirstBlock: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = await startLocalChain({ port: 0, blockMode: 'interval', blockMs: 250 });
    const t1 = performance.now();
    await new Promise<void>((resolve) => c.chain.once('block', () => resolve()));
    const t2 = performance.now();
    toListen.push(t1 - t0);
    toFirstBlock.push(t2 - t0);
    await c.close();
  }
  const proc: number[] = [];
  const cli = join(__dirname, '..', 'cli', 'index.js');
  for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'chain', '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (/chain listening on/.test(buf)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`subnet chain exited ${code}`)));
    });
    proc.push(performance.now() - t0);
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }
  log(`start: listening ${summarize(toListen).median_ms} ms, first block ${summarize(toFirstBlock).median_ms} ms (interval 250 ms), process ready ${summarize(proc).median_ms} ms`);
  return { start_to_listening: summarize(toListen), start_to_first_block: summarize(toFirstBlock), process_to_ready_line: summarize(proc) };
}

/** A chain with one subnet whose `validators` hotkeys may set weights at every block. */
interface Signer {
  publicKey: Uint8Array;
  address: string;
  sign(msg: Uint8Array): Uint8Array;
}

/** sr25519 keys signing through @polkadot/wasm-crypto (the client side of the benchmark). */
function wasmSigner(seed: string): Signer {
  const kp = sr25519KeypairFromSeed(blake2AsU8a(seed, 256));
  const secret = kp.slice(0, 64);
  const publicKey = kp.slice(64);
  return { publicKey, address: encodeAddress(publicKey, 42), sign: (m) => sr25519Sign(publicKey, secret, m) };
}

async function weightsChain(validators: number, dbPath: string | null): Promise<{ c: RunningLocalChain; hot: Signer[] }> {
  const hot = Array.from({ length: validators }, (_, i) => wasmSigner(`bench-validator-${i}`));
  const c = await startLocalChain({
    port: 0,
    blockMode: 'instant',
    dbPath,
    poolLimit: 1_000_000,
    futurePerAccount: 100_000,
    genesis: {
      networkRateLimit: 0,
      subnets: [
        {
          owner: '//Alice',
          ownerHotkey: '//Alice//hot',
          hyperparameters: { Tempo: 360, WeightsSetRateLimit: 0, CommitRevealWeightsEnabled: false, MaxAllowedValidators: 256 },
          neurons: hot.map((h, i) => ({ coldkey: `//Bench//c${i}`, hotkey: h.address, stake: String(1_000_000_000_000 + i) })),
        },
      ],
    },
  });
  // one epoch grants the permits (is_topk_nonzero over stake)
  c.chain.exec.runEpoch(1);
  return { c, hot };
}

async function throughput(log: (s: string) => void, total: number, validators: number, dbPath: string | null): Promise<Record<string, unknown>> {
  const { c, hot } = await weightsChain(validators, dbPath);
  try {
    const rt = sharedRuntime();
    const n = validators + 1;
    const dests = Array.from({ length: n }, (_, i) => i);
    const tSign = performance.now();
    const txs: string[] = [];
    const perSigner = Math.ceil(total / validators);
    for (let k = 0; k < perSigner; k++) {
      for (let v = 0; v < validators && txs.length < total; v++) {
        const weights = dests.map((j) => 1 + ((j * 7919 + k * 31 + v) % 65535));
        txs.push(
          u8aToHex(
            buildSignedExtrinsic(rt, { pallet: 'SubtensorModule', call: 'set_weights', args: { netuid: 1, dests, weights, version_key: 0n } }, hot[v], {
              nonce: k,
              genesisHash: c.chain.genesisHash,
              specVersion: SPEC_VERSION,
              transactionVersion: TRANSACTION_VERSION,
            }),
          ),
        );
      }
    }
    const signMs = performance.now() - tSign;
    const ws = new WebSocket(c.url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const startBlock = c.chain.best.number;
    let errors = 0;
    let answered = 0;
    const done = new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { error?: unknown };
        if (m.error) errors++;
        if (++answered === txs.length) resolve();
      });
    });
    const t0 = performance.now();
    for (let i = 0; i < txs.length; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'author_submitExtrinsic', params: [txs[i]] }));
    await done;
    while (c.chain.best.number - startBlock < txs.length - errors) await new Promise((r) => setImmediate(r));
    const ms = performance.now() - t0;
    ws.close();
    const blocks = c.chain.best.number - startBlock;
    const perSec = Math.round(((txs.length - errors) / ms) * 1000);
    const weightsRow = c.chain.state.get<[number, number][]>('SubtensorModule', 'Weights', 1, 1);
    log(`set_weights ${dbPath ? 'with SQLite' : 'in memory'}: ${txs.length - errors}/${txs.length} included in ${blocks} blocks, ${Math.round(ms)} ms → ${perSec}/s (${validators} signers, rows of ${n}; pre-signing took ${Math.round(signMs)} ms)`);
    if (weightsRow.length !== n) throw new Error('weights were not stored');
    return { txs: txs.length, included: txs.length - errors, rejected: errors, blocks, ms: Math.round(ms), set_weights_per_s: perSec, signers: validators, row_len: n, presign_ms: Math.round(signMs), persistence: dbPath ? 'sqlite' : 'memory' };
  } finally {
    await c.close();
  }
}

export function epochFigures(log: (s: string) => void, runs: number): Record<string, unknown> {
  const rt = sharedRuntime();
  const keyring = new Keyring({ type: 'sr25519' });
  const st = new State(rt);
  const ex = new Executive(rt, st, { ...defaultRuntimeOptions });
  const pk = (s: string) => keyring.addFromUri(s).publicKey;
  ex.initializeBlock(1, new Uint8Array(32), 0);
  const alice = pk('//Alice');
  ex.mutateFree(alice, 10n ** 17n);
  ex.initNewNetwork(0, 100);
  const ok = (r: { success: boolean; errorName?: unknown }, what: string) => {
    if (!r.success) throw new Error(`${what}: ${JSON.stringify(r.errorName)}`);
  };
  ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: pk('//Alice//hot') } }), 'register_network');
  st.set('SubtensorModule', 'MaxRegistrationsPerBlock', [1], 65535);
  st.set('SubtensorModule', 'TargetRegistrationsPerInterval', [1], 65535);
  st.set('SubtensorModule', 'CommitRevealWeightsEnabled', [1], false);
  st.set('SubtensorModule', 'WeightsSetRateLimit', [1], 0);
  st.set('SubtensorModule', 'Tempo', [1], 360);
  const hot: Uint8Array[] = [pk('//Alice//hot')];
  for (let i = 1; i < 256; i++) {
    const h = pk(`//E//h${i}`);
    hot.push(h);
    ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: 1, hotkey: h } }), 'burned_register');
  }
  for (let v = 0; v < 64; v++) ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'add_stake', args: { hotkey: hot[v], netuid: 1, amount_staked: 1_000_000_000_000n + BigInt(v) } }), 'add_stake');
  ex.runEpoch(1); // permits
  const dests = Array.from({ length: 256 }, (_, j) => j);
  for (let v = 0; v < 64; v++)
    ok(
      ex.dispatchTransactional({ kind: 'signed', who: hot[v] }, { pallet: 'SubtensorModule', call: 'set_weights', args: { netuid: 1, dests, weights: dests.map((j) => 1 + ((j * 97 + v * 13) % 65535)), version_key: 0n } }),
      'set_weights',
    );
  st.sealBlock(1);
  const times: number[] = [];
  const blockTimes: number[] = [];
  const plainBlock: number[] = [];
  const warmup = 5;
  for (let i = 0; i < runs + warmup; i++) {
    if (i === warmup) {
      times.length = 0;
      blockTimes.length = 0;
      plainBlock.length = 0;
    }
    // an epoch block vs a block without epoch (same state transition otherwise)
    let t = performance.now();
    ex.initializeBlock(2 + 2 * i, new Uint8Array(32), 0);
    ex.finalizeBlock();
    st.sealBlock(2 + 2 * i);
    plainBlock.push(performance.now() - t);
    t = performance.now();
    ex.runEpoch(1);
    times.push(performance.now() - t);
    t = performance.now();
    ex.initializeBlock(3 + 2 * i, new Uint8Array(32), 0);
    ex.runEpoch(1);
    ex.finalizeBlock();
    st.sealBlock(3 + 2 * i);
    blockTimes.push(performance.now() - t);
  }
  const inc = st.get<number[]>('SubtensorModule', 'Incentive', 1);
  if (inc.length !== 256) throw new Error('epoch did not write Incentive');
  const s = summarize(times);
  log(`epoch n=256 (64 validators x 256 weights; after ${warmup} warm-up epochs): runEpoch ${s.median_ms} ms median (max ${s.max_ms}); block with epoch ${summarize(blockTimes).median_ms} ms vs without ${summarize(plainBlock).median_ms} ms`);
  return { epoch_n256: s, block_with_epoch: summarize(blockTimes), block_without_epoch: summarize(plainBlock), epoch_added_ms: r3(summarize(blockTimes).median_ms - summarize(plainBlock).median_ms) };
}

/** The realistic client path: @polkadot/api signAndSend, waiting for `finalized`, sequential per signer. */
async function apiRoundTrips(log: (s: string) => void, perSigner: number, signers: number): Promise<Record<string, unknown>> {
  const { ApiPromise, WsProvider } = await import('@polkadot/api');
  const keyring = new Keyring({ type: 'sr25519' });
  const hot = Array.from({ length: signers }, (_, i) => keyring.addFromUri(`//Bench//api${i}`));
  const c = await startLocalChain({
    port: 0,
    blockMode: 'instant',
    genesis: {
      networkRateLimit: 0,
      subnets: [
        {
          owner: '//Alice',
          ownerHotkey: '//Alice//hot',
          hyperparameters: { WeightsSetRateLimit: 0, CommitRevealWeightsEnabled: false },
          neurons: hot.map((h, i) => ({ coldkey: `//Bench//apic${i}`, hotkey: h.address, stake: '1000000000000' })),
        },
      ],
    },
  });
  const provider = new WsProvider(c.url);
  const t0 = performance.now();
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  const createMs = performance.now() - t0;
  c.chain.exec.runEpoch(1);
  const lat: number[] = [];
  try {
    const dests = Array.from({ length: signers + 1 }, (_, i) => i);
    const t1 = performance.now();
    await Promise.all(
      hot.map(async (pair, v) => {
        for (let k = 0; k < perSigner; k++) {
          const ts = performance.now();
          await new Promise<void>((resolve, reject) => {
            api.tx.subtensorModule
              .setWeights(1, dests, dests.map((j) => 1 + j + k + v), 0)
              .signAndSend(pair, (r) => {
                if (r.status.isFinalized) resolve();
                if (r.status.isInvalid || r.status.isDropped) reject(new Error(r.status.type));
              })
              .catch(reject);
          });
          lat.push(performance.now() - ts);
        }
      }),
    );
    const ms = performance.now() - t1;
    const s = summarize(lat);
    const perSec = Math.round((lat.length / ms) * 1000);
    log(`ApiPromise signAndSend→finalized: ${lat.length} set_weights from ${signers} signers in ${Math.round(ms)} ms (${perSec}/s), latency median ${s.median_ms} ms; ApiPromise.create ${Math.round(createMs)} ms`);
    return { txs: lat.length, signers, ms: Math.round(ms), per_s: perSec, latency: s, api_create_ms: Math.round(createMs) };
  } finally {
    await api.disconnect();
    await c.close();
  }
}

export const bench: BenchModule = {
  name: 'chain',
  description: 'local chain: start to first block, signed set_weights/s in instant mode, epoch cost at n=256',
  async run(opts: BenchOptions): Promise<Record<string, unknown>> {
    await cryptoWaitReady();
    const log = opts.log;
    const start = await startFigures(log, opts.quick ? 2 : 5);
    const total = opts.quick ? 1000 : 4000;
    const mem = await throughput(log, total, 64, null);
    const dir = mkdtempSync(join(tmpdir(), 'chain-bench-'));
    let sqlite: Record<string, unknown>;
    try {
      sqlite = await throughput(log, total, 64, join(dir, 'bench.db'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const epoch = epochFigures(log, opts.quick ? 10 : 30);
    const viaApi = await apiRoundTrips(log, opts.quick ? 5 : 20, 8);
    return {
      ...start,
      set_weights_instant_memory: mem,
      set_weights_instant_sqlite: sqlite,
      ...epoch,
      api_signandsend_finalized: viaApi,
      targets: { first_block_ms: 1000, set_weights_per_s: 500, epoch_added_ms: 10 },
    };
  },
};
