/**
 * Hash-based commit-reveal (CRv2) in the validator, against the in-process FakeChain that applies
 * subtensor's rules (rate limit on commits, reveal only in commit_epoch + RevealPeriodEpochs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightsCommitHash } from '../../shared/chain/commitHash';
import { openLogStore, type SqliteLogStore } from '../../shared/log';
import { MemoryLogger } from '../../shared/logger';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { BUILTIN_SCORERS } from '../../shared/scoring';
import { scoresToWeights } from '../../shared/weights';
import { yumaEpoch } from '../../shared/yuma';
import { ReferenceTask, Validator, type ValidatorOptions } from '../../validator';
import { commitEpochIndex, decideReveal, firstBlockOfEpochIndex } from '../../validator/schedule';
import { FakeChain, FakeMinerPool, ManualClock, fakeMetagraph, fakeSigner } from '../../validator/testing';

const HOTKEYS = ['5Val', '5M1', '5M2', '5M3'];

interface Rig {
  v: Validator;
  chain: FakeChain;
  log: SqliteLogStore;
  logger: MemoryLogger;
}

let dir: string;
const open: Rig[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'validator-cr-'));
});
afterEach(async () => {
  for (const r of open.splice(0)) {
    await r.v.stop();
    r.log.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

function crChain(head = 100): FakeChain {
  return new FakeChain(fakeMetagraph(HOTKEYS, { validators: [0], hyper: { commitRevealWeightsEnabled: true, revealPeriodEpochs: 1, tempo: 10, weightsSetRateLimit: 5 } }), head);
}

function rig(opts: { chain?: FakeChain; path?: string; options?: Partial<ValidatorOptions> } = {}): Rig {
  const model = new FakeModelRunner();
  const chain = opts.chain ?? crChain();
  const log = openLogStore(opts.path ?? join(dir, 'v.db'));
  const logger = new MemoryLogger();
  let s = 1;
  const v = new Validator(
    {
      chain,
      pool: new FakeMinerPool(model, { 2: { kind: 'timeout' } }),
      task: new ReferenceTask(model, generateInputs, { batch: 2, synapse: 'infer' }),
      scorer: BUILTIN_SCORERS['relative-error'],
      log,
      logger,
      clock: new ManualClock(),
      signer: fakeSigner('5Val'),
      yuma: yumaEpoch,
      prepareWeights: scoresToWeights,
      seeds: () => s++,
      appVersion: 'test',
    },
    { netuid: 1, alpha: 0.5, stepMs: 5, weightRetryBaseMs: 10, ...opts.options },
  );
  const r = { v, chain, log, logger };
  open.push(r);
  return r;
}

async function adv(r: Rig, block: number): Promise<void> {
  r.chain.head = block;
  await r.v.advance(block);
}

// netuid 1, tempo 10: epoch index = floor((b + 2) / 11); index 10 starts at block 108, 11 at 119
describe('commit-reveal schedule (pure)', () => {
  it('epoch index and the first block of a reveal window follow subtensor', () => {
    expect(commitEpochIndex(102, 10, 1)).toBe(9);
    expect(commitEpochIndex(107, 10, 1)).toBe(9);
    expect(commitEpochIndex(108, 10, 1)).toBe(10);
    expect(firstBlockOfEpochIndex(10, 10, 1)).toBe(108);
    for (let e = 1; e < 50; e++) {
      const f = firstBlockOfEpochIndex(e, 10, 1);
      expect([commitEpochIndex(f - 1, 10, 1), commitEpochIndex(f, 10, 1)]).toEqual([e - 1, e]);
    }
    // the extrinsic lands in head + 1: reveal from head 107 (lands in 108) to head 117 (lands in 118)
    expect(decideReveal(106, 10, 10, 1)).toEqual({ action: 'wait', at: 107 });
    expect(decideReveal(107, 10, 10, 1)).toEqual({ action: 'reveal' });
    expect(decideReveal(117, 10, 10, 1)).toEqual({ action: 'reveal' });
    expect(decideReveal(118, 10, 10, 1)).toEqual({ action: 'expired' });
  });
});

describe('Validator commit-reveal (CRv2)', () => {
  it('commits (never set_weights), logs the pending commit with its salt, reveals at the first block of commit_epoch + 1; the chain row equals the prepared weights', async () => {
    const r = rig();
    r.chain.mg.hyperparameters.weightsVersionKey = 3;
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    expect(r.chain.calls).toHaveLength(0); // no set_weights on a CR subnet
    expect(r.chain.commitCalls).toHaveLength(1);
    const [c] = r.log.weightCommits();
    expect(c).toMatchObject({ status: 'committed', block: 101, commitBlock: 102, commitEpoch: 9, revealEpoch: 10, versionKey: 3, attempts: 1 });
    expect(c.salt).toHaveLength(8);
    expect(c.salt.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535)).toBe(true);
    // the hash sent is subtensor's get_commit_hash of exactly what is logged
    const expected = `0x${Buffer.from(weightsCommitHash(new Uint8Array(32), 1, c.uids, c.values, c.salt, 3)).toString('hex')}`;
    expect(c.hash).toBe(expected);
    expect(r.chain.commitCalls[0].hash).toBe(expected);
    const wp = r.log.loadEpoch(1).weightsPrepared;
    expect(wp).toHaveLength(1);
    expect(c.preparedId).toBe(wp[0].id);
    expect([c.uids, c.values]).toEqual([wp[0].uids, wp[0].values]);
    // too early: never attempted
    for (let b = 102; b <= 106; b++) {
      await adv(r, b);
      expect(r.chain.revealCalls).toHaveLength(0);
    }
    await adv(r, 107);
    expect(r.chain.revealCalls).toHaveLength(1);
    expect(r.chain.revealCalls[0]).toMatchObject({ block: 107, uids: c.uids, values: c.values, salt: c.salt, versionKey: 3 });
    expect(r.chain.mg.weights![0]).toEqual(c.uids.map((u, i) => [u, c.values[i]]));
    const [done] = r.log.weightCommits();
    expect(done).toMatchObject({ status: 'revealed', revealBlock: 108, revealAttempts: 1 });
    const sets = [1, 2].flatMap((e) => r.log.loadEpoch(e).weightSets);
    expect(sets.map((w) => [w.status, w.preparedId, w.includedBlock])).toEqual([['included', wp[0].id, 108]]);
    expect(r.v.status().weightCommits).toMatchObject({ committed: 1, revealed: 1, pending: 0, rejected: 0, expired: 0 });
    expect(r.v.status().lastSetBlock).toBe(102); // the commit's block: LastUpdate is not moved by the reveal
    expect(r.chain.mg.lastUpdate[0]).toBe(102);
  });

  it('over many tempos every reveal lands in exactly its reveal epoch (never early, never rejected)', async () => {
    const r = rig();
    await r.v.init();
    for (let b = 101; b <= 170; b++) {
      await r.v.runStep();
      await adv(r, b);
    }
    const commits = r.log.weightCommits();
    expect(commits.length).toBeGreaterThanOrEqual(4);
    for (const c of commits) {
      if (c.status === 'committed') continue; // the last one, still waiting
      expect(c.status).toBe('revealed');
      expect(commitEpochIndex(c.revealBlock!, 10, 1)).toBe(c.commitEpoch! + 1);
    }
    // one reveal per commit: none was tried early (the fake chain would say RevealTooEarly) or twice
    expect(r.chain.revealCalls).toHaveLength(commits.filter((c) => c.status === 'revealed').length);
    expect(r.logger.records.some((x) => x.level === 'error')).toBe(false);
    expect(r.v.status().weightCommits.revealRejected).toBe(0);
  });

  it('restart between commit and reveal: the new process reveals from the log', async () => {
    const path = join(dir, 'r.db');
    const a = rig({ path });
    await a.v.init();
    await a.v.runStep();
    await adv(a, 101);
    expect(a.chain.commitCalls).toHaveLength(1);
    // the process dies (no stop: nothing more is written)
    a.log.close();
    open.splice(open.indexOf(a), 1);
    const b = rig({ path, chain: a.chain });
    await b.v.init();
    expect(b.v.status().weightCommits.pending).toBe(1);
    await adv(b, 104);
    expect(a.chain.revealCalls).toHaveLength(0);
    await adv(b, 107);
    expect(a.chain.revealCalls).toHaveLength(1);
    expect(b.log.weightCommits()[0]).toMatchObject({ status: 'revealed', revealBlock: 108 });
    expect(a.chain.mg.weights![0].length).toBeGreaterThan(0);
  });

  it('killed while the commit was in flight (row still `submitted`): the restart assumes it landed in block + 1 and reveals it there', async () => {
    const path = join(dir, 's.db');
    const a = rig({ path, options: { weightRetries: 0 } });
    await a.v.init();
    await a.v.runStep();
    // what a process killed inside commit_weights leaves: the chain got the commit, the log only the submitted row
    a.chain.commitScript.push(() => {
      throw new Error('killed');
    });
    await adv(a, 101);
    const [c0] = a.log.weightCommits();
    expect(c0.status).toBe('failed'); // this process saw a transport failure...
    a.log.close();
    open.splice(open.indexOf(a), 1);
    const raw = openLogStore(path);
    raw.updateWeightCommit(c0.id, { status: 'submitted', error: null }); // ...a killed one would have left `submitted`
    raw.close();
    const list = a.chain.commits.get('5Val') ?? [];
    list.push({ hash: c0.hash, epoch: a.chain.epochIndex(102) });
    a.chain.commits.set('5Val', list);
    a.chain.mg.lastUpdate[0] = 102;
    const b = rig({ path, chain: a.chain });
    await b.v.init();
    expect(b.v.status().lastSetBlock).toBe(102);
    await adv(b, 106);
    expect(a.chain.revealCalls).toHaveLength(0);
    await adv(b, 107);
    expect(b.log.weightCommits()[0]).toMatchObject({ status: 'revealed', commitEpoch: 9, revealEpoch: 10, revealBlock: 108 });
  });

  it('CommittingWeightsTooFast: the commit is logged rejected and scheduled for the first allowed block, then made there', async () => {
    const r = rig();
    await r.v.init();
    r.chain.mg.lastUpdate[0] = 100; // set by something the validator has not read yet
    await r.v.runStep();
    await adv(r, 101);
    expect(r.chain.commitCalls).toHaveLength(1);
    let cs = r.log.weightCommits();
    expect(cs.map((c) => [c.status, c.error])).toEqual([['rejected', 'subtensorModule.CommittingWeightsTooFast']]);
    const ws = r.log.loadEpoch(1).weightSets;
    expect(ws.map((w) => [w.status, w.scheduledFor, w.error])).toEqual([['scheduled', 105, 'subtensorModule.CommittingWeightsTooFast']]);
    for (let b = 102; b <= 104; b++) await adv(r, b);
    expect(r.chain.commitCalls).toHaveLength(1);
    await adv(r, 105);
    expect(r.chain.commitCalls).toHaveLength(2);
    cs = r.log.weightCommits();
    expect(cs[1]).toMatchObject({ status: 'committed', commitBlock: 106, revealEpoch: 10 });
  });

  it('a rejected reveal is logged with its pallet error name; a commit whose window passed is logged expired', async () => {
    const r = rig();
    r.chain.revealScript.push(() => ({ status: 'rejected', error: 'InvalidRevealCommitHashNotMatch', section: 'subtensorModule', blockNumber: 108 }));
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    await adv(r, 107);
    expect(r.log.weightCommits()[0]).toMatchObject({ status: 'reveal_rejected', error: 'subtensorModule.InvalidRevealCommitHashNotMatch' });
    expect(r.logger.records.some((x) => x.level === 'error' && x.msg.startsWith('reveal_weights rejected') && x.ctx.error === 'subtensorModule.InvalidRevealCommitHashNotMatch')).toBe(true);
    expect(r.v.status().weightCommits).toMatchObject({ revealRejected: 1, pending: 0 });

    const path = join(dir, 'x.db');
    const e = rig({ path, chain: crChain() });
    await e.v.init();
    await e.v.runStep();
    await adv(e, 101);
    await adv(e, 120); // the window (blocks 108..118) went by unseen
    expect(e.chain.revealCalls).toHaveLength(0);
    expect(e.log.weightCommits()[0]).toMatchObject({ status: 'expired' });
    expect(e.logger.records.some((x) => x.level === 'error' && x.msg === 'weight commit expired unrevealed')).toBe(true);
    // the same head makes the next commit (the expired one does not block it)
    expect(e.v.status().weightCommits).toMatchObject({ expired: 1, committed: 2, pending: 1 });
    expect(e.log.weightCommits()[1]).toMatchObject({ status: 'committed', block: 120 });
  });

  it('a reveal that fails in transport is retried with backoff, then at the next block while the window is open', async () => {
    const r = rig({ options: { weightRetries: 1 } });
    const fail = () => ({ status: 'failed' as const, reason: 'ws closed', attempts: 1 });
    r.chain.revealScript.push(fail, fail);
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    await adv(r, 107);
    expect(r.chain.revealCalls).toHaveLength(2);
    expect(r.log.weightCommits()[0]).toMatchObject({ status: 'committed', error: 'ws closed', revealAttempts: 2 });
    await adv(r, 108);
    expect(r.chain.revealCalls).toHaveLength(3);
    expect(r.log.weightCommits()[0]).toMatchObject({ status: 'revealed', revealBlock: 109, revealAttempts: 3 });
  });

  it('a v2 log (written before commit-reveal) is migrated on start and the validator commits into it', async () => {
    const path = join(dir, 'old.db');
    openLogStore(path, { migrateTo: 2 }).close();
    const r = rig({ path });
    expect(r.log.schemaVersion).toBe(3);
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    expect(r.log.weightCommits()).toHaveLength(1);
  });
});
