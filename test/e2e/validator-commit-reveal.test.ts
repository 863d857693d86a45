/**
 * Commit-reveal (CRv2) end to end: `subnet validator` processes against the REAL local chain
 * (chain-mock over JSON-RPC/WebSocket, CommitRevealWeightsEnabled = true, RevealPeriodEpochs = 3)
 * and real `subnet miner` processes. After commit and reveal, the chain's `Weights` row of the
 * validator is the prepared weights (max-upscaled); a kill -9 between commit and reveal is
 * revealed by the restarted process from its log.
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalChain, type RunningLocalChain } from '../../chain-mock';
import { SubstrateChainClient } from '../../shared/chain';
import { keysReady } from '../../shared/keys';
import { openLogStore, type LoggedWeightCommit } from '../../shared/log';
import { vecU16MaxUpscaleToU16 } from '../../shared/weights';
import { commitEpochIndex } from '../../validator/schedule';
import { freePort, spawnCli, stopChild, waitForOutput } from '../helpers/cli';

const TEMPO = 10;
const PERIOD = 3;
const NETUID = 1;

let dir: string;
let chain: RunningLocalChain;
const procs: ChildProcess[] = [];

beforeAll(async () => {
  await keysReady();
  dir = mkdtempSync(join(tmpdir(), 'validator-cr-e2e-'));
  const ports = [await freePort(), await freePort()];
  chain = await startLocalChain({
    port: 0,
    blockMode: 'interval',
    blockMs: 150,
    runtime: { allowLoopbackAxons: true },
    genesis: {
      subnets: [
        {
          owner: '//Alice',
          ownerHotkey: '//Bob',
          hyperparameters: { Tempo: TEMPO, WeightsSetRateLimit: 5, CommitRevealWeightsEnabled: true, RevealPeriodEpochs: PERIOD, MinAllowedWeights: 1, ImmunityPeriod: 5000 },
          neurons: [
            { coldkey: '//Charlie', hotkey: '//Dave', stake: '1000000000000' },
            { coldkey: '//Charlie', hotkey: '//Ferdie', stake: '1000000000000' },
            { coldkey: '//Eve', hotkey: '//m1', axon: { ip: '127.0.0.1', port: ports[0] } },
            { coldkey: '//Eve', hotkey: '//m2', axon: { ip: '127.0.0.1', port: ports[1] } },
          ],
        },
      ],
    },
  });
  for (let i = 0; i < 2; i++) {
    const m = spawnCli(['miner', '--dev', `m${i + 1}`, '--no-chain', '--axon.ip', '127.0.0.1', '--axon.port', String(ports[i]), '--log-level', 'warn']);
    procs.push(m);
    await waitForOutput(m, /miner listening/, 30_000);
  }
}, 60_000);

afterAll(async () => {
  for (const p of procs) await stopChild(p, 3000);
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
  // @polkadot/rpc-core unsubscribes with a delay (refCountDelay, 1.75 s) after ApiPromise.disconnect:
  // let those timers run out so nothing is left behind
  await new Promise((r) => setTimeout(r, 2000));
}, 30_000);

function startValidator(name: string, db: string, extra: string[] = []): ChildProcess & { output: () => string } {
  const c = spawnCli(['validator', '--netuid', String(NETUID), '--dev', name, '--chain', chain.url, '--db', db, '--step-ms', '150', '--timeout', '800', '--sync-every', '2', '--log-level', 'info', ...extra]) as ChildProcess & { output: () => string };
  procs.push(c);
  let out = '';
  c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  c.output = () => out;
  return c;
}

function waitExit(c: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, stdout });
    c.on('exit', (code) => resolve({ code, stdout }));
  });
}

function commitsOf(db: string): LoggedWeightCommit[] {
  const s = openLogStore(db, { readonly: true });
  try {
    return s.weightCommits();
  } finally {
    s.close();
  }
}

function checkRevealed(cs: LoggedWeightCommit[]): void {
  for (const c of cs.filter((x) => x.status === 'revealed')) {
    // included exactly in the reveal epoch: commit_epoch + RevealPeriodEpochs (read from the chain)
    expect(c.revealEpoch).toBe(c.commitEpoch! + PERIOD);
    expect(commitEpochIndex(c.commitBlock!, TEMPO, NETUID)).toBe(c.commitEpoch);
    expect(commitEpochIndex(c.revealBlock!, TEMPO, NETUID)).toBe(c.revealEpoch);
  }
}

/** the validators' hotkey addresses, as the processes report them */
const addresses = new Map<string, string>();

/** the validator's Weights row as the chain reports it (read with the real chain client) */
async function chainRow(name: string): Promise<[number, number][]> {
  const client = new SubstrateChainClient({ endpoint: chain.url });
  await client.start();
  let mg;
  try {
    mg = await client.metagraph(NETUID, { weights: true });
  } finally {
    await client.stop();
  }
  const uid = mg.hotkeys.indexOf(addresses.get(name)!);
  expect(uid).toBeGreaterThanOrEqual(0);
  return (mg.weights![uid] ?? []).map(([u, w]) => [u, w] as [number, number]);
}

describe('subnet validator with commit-reveal on (local chain)', () => {
  it('commits, reveals in commit_epoch + RevealPeriodEpochs, and the chain Weights row equals the prepared weights', async () => {
    const db = join(dir, 'dave.db');
    const c = startValidator('dave', db, ['--max-steps', '80']);
    const line = await waitForOutput(c, /validator running: uid \d+, hotkey (\S+),/, 30_000);
    addresses.set('dave', /hotkey (\S+),/.exec(line)![1]);
    const { code, stdout } = await waitExit(c);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { weightCommits: { committed: number; revealed: number; revealRejected: number } };
    expect(summary.weightCommits.revealed).toBeGreaterThanOrEqual(1);
    expect(summary.weightCommits.revealRejected).toBe(0);
    expect(c.output()).not.toMatch(/CommitRevealEnabled|RevealTooEarly|set_weights rejected/);

    const cs = commitsOf(db);
    expect(cs.filter((x) => x.status === 'revealed').length).toBeGreaterThanOrEqual(1);
    expect(cs.filter((x) => x.status === 'reveal_rejected' || x.status === 'expired')).toEqual([]);
    checkRevealed(cs);
    // the last revealed commit is what the chain holds for us: the prepared weights, max-upscaled
    const last = cs.filter((x) => x.status === 'revealed').pop()!;
    const store = openLogStore(db, { readonly: true });
    const prepared = store
      .listEpochs()
      .flatMap((e) => store.loadEpoch(e.epoch).weightsPrepared)
      .find((w) => w.id === last.preparedId)!;
    const sets = store.listEpochs().flatMap((e) => store.loadEpoch(e.epoch).weightSets);
    store.close();
    expect([last.uids, last.values]).toEqual([prepared.uids, prepared.values]);
    expect(sets.some((w) => w.status === 'included' && w.preparedId === last.preparedId && w.includedBlock === last.revealBlock)).toBe(true);
    const up = vecU16MaxUpscaleToU16(prepared.values);
    const expected = prepared.uids.map((u, i) => [u, up[i]] as [number, number]);
    expect(await chainRow('dave')).toEqual(expected);
    expect(Math.max(...prepared.values)).toBe(65535);

    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
  }, 120_000);

  it('kill -9 between commit and reveal: the restarted validator reveals the commit from its log', async () => {
    const db = join(dir, 'ferdie.db');
    const a = startValidator('ferdie', db);
    const line = await waitForOutput(a, /validator running: uid \d+, hotkey (\S+),/, 30_000);
    addresses.set('ferdie', /hotkey (\S+),/.exec(line)![1]);
    await waitForOutput(a, /weights committed/, 30_000);
    a.kill('SIGKILL');
    await waitExit(a);
    const before = commitsOf(db);
    const pending = before.filter((x) => x.status === 'committed');
    expect(pending).toHaveLength(1);
    expect(before.filter((x) => x.status === 'revealed')).toEqual([]);
    const target = pending[0];

    const b = startValidator('ferdie', db);
    // the reveal window of the commit opens RevealPeriodEpochs (3) epochs later: wait for it
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const row = commitsOf(db).find((x) => x.id === target.id)!;
      if (row.status !== 'committed') break;
    }
    await stopChild(b, 5000);
    const after = commitsOf(db);
    const row = after.find((x) => x.id === target.id)!;
    expect(row).toMatchObject({ status: 'revealed', salt: target.salt, hash: target.hash });
    checkRevealed(after);
    const revealed = after.filter((x) => x.status === 'revealed').pop()!;
    const up = vecU16MaxUpscaleToU16(revealed.values);
    expect(await chainRow('ferdie')).toEqual(revealed.uids.map((u, i) => [u, up[i]]));
  }, 120_000);
});
