/**
 * The validator as a real OS process (`subnet validator`) against the real local chain
 * (chain-mock over JSON-RPC/WebSocket) and real miners (AxonServer over the wire protocol) on
 * loopback, with its real SQLite log. Includes kill -9 during the run and a restart.
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalChain, type RunningLocalChain } from '../../chain-mock';
import { openLogStore } from '../../shared/log';
import { keysReady } from '../../shared/keys';
import { createModelBytes } from '../../shared/model/generate';
import { freePort, runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli';

const TEMPO = 10;
const RATE_LIMIT = 15;
const VALIDATOR = 'dave';

let dir: string;
let chain: RunningLocalChain;
const minerProcs: ChildProcess[] = [];
const children: ChildProcess[] = [];
let ports: number[];

beforeAll(async () => {
  await keysReady();
  dir = mkdtempSync(join(tmpdir(), 'validator-e2e-'));
  ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  chain = await startLocalChain({
    port: 0,
    blockMode: 'interval',
    blockMs: 100,
    runtime: { allowLoopbackAxons: true },
    genesis: {
      subnets: [
        {
          owner: '//Alice',
          ownerHotkey: '//Bob',
          hyperparameters: { Tempo: TEMPO, WeightsSetRateLimit: RATE_LIMIT, CommitRevealWeightsEnabled: false, MinAllowedWeights: 1, ImmunityPeriod: 5000 },
          neurons: [
            { coldkey: '//Charlie', hotkey: `//${VALIDATOR[0].toUpperCase()}${VALIDATOR.slice(1)}`, stake: '1000000000000' },
            // honest, honest, noisy, and one whose axon nobody listens on
            { coldkey: '//Eve', hotkey: '//m1', axon: { ip: '127.0.0.1', port: ports[0] } },
            { coldkey: '//Eve', hotkey: '//m2', axon: { ip: '127.0.0.1', port: ports[1] } },
            { coldkey: '//Eve', hotkey: '//m3', axon: { ip: '127.0.0.1', port: ports[2] } },
            { coldkey: '//Eve', hotkey: '//m4', axon: { ip: '127.0.0.1', port: ports[3] } },
          ],
        },
      ],
    },
  });
  // miners as separate OS processes: `subnet miner` (two with the reference model, one noisy)
  const noisy = join(dir, 'noisy.onnx');
  writeFileSync(noisy, createModelBytes({ kind: 'noisy', noise: 0.2 }));
  for (let i = 0; i < 3; i++) {
    const args = ['miner', '--dev', `m${i + 1}`, '--no-chain', '--axon.ip', '127.0.0.1', '--axon.port', String(ports[i]), '--log-level', 'warn'];
    if (i === 2) args.push('--model', noisy);
    const m = spawnCli(args);
    minerProcs.push(m);
    await waitForOutput(m, /miner listening/, 30_000);
  }
}, 60_000);

afterAll(async () => {
  for (const c of children) await stopChild(c, 2000);
  for (const m of minerProcs) await stopChild(m, 3000);
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startValidator(db: string, extra: string[] = []): ChildProcess {
  const c = spawnCli(['validator', '--netuid', '1', '--dev', VALIDATOR, '--chain', chain.url, '--db', db, '--step-ms', '150', '--timeout', '800', '--alpha', '0.3', '--sync-every', '2', '--log-level', 'info', ...extra]);
  children.push(c);
  let out = '';
  c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  (c as ChildProcess & { output: () => string }).output = () => out;
  return c;
}

function waitExit(c: ChildProcess): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, signal: c.signalCode, stdout });
    c.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('subnet validator against the local chain and real miners', () => {
  it('queries, scores, sets weights, predicts each epoch and logs it all; honest miners beat the noisy and the absent one', async () => {
    const db = join(dir, 'v1.db');
    const c = startValidator(db, ['--max-steps', '25']);
    await waitForOutput(c, /validator running: uid 1/, 30_000);
    const exited = waitExit(c);
    // 25 steps at 150 ms ≈ 4 s ≈ 3 epochs of 11 blocks at 100 ms
    const { code, stdout } = await exited;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { step: number; predictions: number; weightSets: { included: number; rejected: number } };
    expect(summary.step).toBeGreaterThanOrEqual(25);
    expect(summary.predictions).toBeGreaterThanOrEqual(1);

    const store = openLogStore(db, { readonly: true });
    const epochs = store.listEpochs();
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    const closed = epochs.filter((e) => e.closed);
    expect(closed.length).toBeGreaterThanOrEqual(1);
    const e1 = store.loadEpoch(closed[0].epoch);
    expect(e1.snapshot).not.toBeNull();
    expect(e1.prediction).not.toBeNull();
    expect(e1.snapshot!.input.n).toBe(6);
    // every query of every step is there: 4 miners + the owner's hotkey (uid 0, no axon) per step
    for (const s of e1.steps) expect(e1.queries.filter((q) => q.step === s.step)).toHaveLength(5);
    const byUid = (uid: number) => e1.queries.filter((q) => q.uid === uid);
    expect(byUid(2).every((q) => q.status === 'ok' && q.score > 0.99)).toBe(true);
    expect(byUid(3).every((q) => q.status === 'ok' && q.proof !== null)).toBe(true);
    expect(byUid(4).every((q) => q.status === 'ok' && q.score < 0.5)).toBe(true);
    expect(byUid(5).every((q) => q.status === 'error' && q.score === 0)).toBe(true);
    expect(byUid(0).every((q) => q.status === 'no_axon')).toBe(true);
    // weights: prepared and included at least once over the run, honest > noisy
    const all = epochs.map((e) => store.loadEpoch(e.epoch));
    // predictions: the epoch block comes from the chain (LastMechansimStepBlock); a snapshot read at the
    // block before it predicts exactly what the chain then reports
    const predicted = all.filter((e) => e.snapshot && e.prediction);
    const exact = predicted.filter((e) => e.snapshot!.exact);
    expect(exact.length).toBeGreaterThanOrEqual(1);
    for (const e of exact) expect({ epoch: e.epoch, diff: e.prediction!.maxAbsDiff }).toEqual({ epoch: e.epoch, diff: 0 });
    const included = all.flatMap((e) => e.weightSets.filter((w) => w.status === 'included'));
    expect(included.length).toBeGreaterThanOrEqual(1);
    const prepared = all.flatMap((e) => e.weightsPrepared);
    const last = prepared[prepared.length - 1];
    const w = (uid: number) => last.values[last.uids.indexOf(uid)] ?? 0;
    expect(w(2)).toBeGreaterThan(w(4));
    expect(w(5)).toBe(0);
    store.close();
    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    // the log replays: with nothing changed, every closed epoch reproduces the recorded weights and consensus
    const lastClosed = closed[closed.length - 1].epoch;
    const rep = await runCli(['replay', '--db', db, '--from', '1', '--to', String(lastClosed), '--json'], { timeoutMs: 60_000 });
    expect(rep.code).toBe(0);
    const lines = rep.stdout.trim().split('\n').map((l) => JSON.parse(l) as { epoch?: number; identical?: boolean; first_difference?: unknown });
    const perEpoch = lines.filter((l) => typeof l.epoch === 'number');
    expect(perEpoch.map((l) => l.epoch)).toEqual(Array.from({ length: lastClosed }, (_, i) => i + 1));
    for (const l of perEpoch) expect({ epoch: l.epoch, identical: l.identical, diff: l.first_difference ?? null }).toEqual({ epoch: l.epoch, identical: true, diff: null });
  }, 90_000);

  it('kill -9 mid-run loses nothing committed; the restart resumes EMA and steps and never sets weights twice within the rate limit', async () => {
    const db = join(dir, 'v2.db');
    const a = startValidator(db);
    await waitForOutput(a, /validator running/, 30_000);
    // run until weights have been set once, then kill -9 in the middle of whatever it is doing
    for (let i = 0; i < 200; i++) {
      await sleep(50);
      if (/weights set/.test((a as ChildProcess & { output: () => string }).output())) break;
    }
    await sleep(170);
    a.kill('SIGKILL');
    await waitExit(a);

    const raw = new Database(db);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const before = openLogStore(db);
    const state = before.resumeState()!;
    before.close();
    expect(state.step).toBeGreaterThan(0);
    expect(state.lastWeightBlock).not.toBeNull();

    const b = startValidator(db, ['--max-steps', String(state.step + 15)]);
    const done = waitExit(b);
    const { code, stdout } = await done;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { step: number };
    expect(summary.step).toBeGreaterThanOrEqual(state.step + 15);

    const store = openLogStore(db, { readonly: true });
    const all = store.listEpochs().map((e) => store.loadEpoch(e.epoch));
    // steps continue without a gap or a repeat
    const steps = all.flatMap((e) => e.steps.map((s) => s.step));
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    // no two weight sets (included or possibly included) within the rate limit, and the chain never said too fast
    const sets = all.flatMap((e) => e.weightSets).filter((w) => w.status === 'included' || w.status === 'submitted');
    const blocks = sets.map((w) => w.includedBlock ?? w.block).sort((x, y) => x - y);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i] - blocks[i - 1]).toBeGreaterThanOrEqual(RATE_LIMIT);
    expect(all.flatMap((e) => e.weightSets).filter((w) => /TooFast/.test(w.error ?? ''))).toHaveLength(0);
    // the restart picked up the EMA: the first step after it starts from the state before the kill
    const firstAfter = all.flatMap((e) => e.queries).filter((q) => q.step === state.step + 1 && q.uid === 2)[0];
    expect(firstAfter.ema).toBeCloseTo(0.3 * firstAfter.score + 0.7 * state.ema[2], 12);
    store.close();
  }, 120_000);

  it('refuses a foreign database file with one clear line and exit code 1', async () => {
    const db = join(dir, 'foreign.db');
    const f = new Database(db);
    f.exec('CREATE TABLE t(x)');
    f.close();
    const c = startValidator(db);
    const { code } = await waitExit(c);
    expect(code).toBe(1);
    expect((c as ChildProcess & { output: () => string }).output()).toMatch(/not a validator log.*\[LOG_FOREIGN\]/);
  }, 30_000);
});
