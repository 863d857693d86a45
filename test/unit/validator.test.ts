import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../shared/logger';
import { openLogStore, type SqliteLogStore } from '../../shared/log';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { BUILTIN_SCORERS, type Scorer } from '../../shared/scoring';
import { scoresToWeights } from '../../shared/weights';
import { yumaEpoch } from '../../shared/yuma';
import { ReferenceTask, Validator, type ValidatorOptions } from '../../validator';
import { FakeChain, FakeMinerPool, ManualClock, fakeMetagraph, fakeSigner, type MinerBehaviour } from '../../validator/testing';

const HOTKEYS = ['5Val', '5M1', '5M2', '5M3', '5M4', '5M5'];

interface Rig {
  v: Validator;
  chain: FakeChain;
  pool: FakeMinerPool;
  log: SqliteLogStore;
  logger: MemoryLogger;
  clock: ManualClock;
  path: string;
}

let dir: string;
const open: Rig[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'validator-'));
});
afterEach(async () => {
  for (const r of open.splice(0)) {
    await r.v.stop();
    r.log.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** moves the fake chain's head and lets the validator handle it */
async function adv(r: Rig, block: number): Promise<void> {
  r.chain.head = block;
  await r.v.advance(block);
}

function rig(opts: {
  behaviours?: Record<number, MinerBehaviour>;
  options?: Partial<ValidatorOptions>;
  scorer?: Scorer;
  chain?: FakeChain;
  path?: string;
  noAxon?: number[];
  seeds?: () => number;
} = {}): Rig {
  const model = new FakeModelRunner();
  const chain = opts.chain ?? new FakeChain(fakeMetagraph(HOTKEYS, { validators: [0], noAxon: opts.noAxon }), 100);
  const pool = new FakeMinerPool(model, opts.behaviours ?? {});
  const path = opts.path ?? join(dir, 'v.db');
  const log = openLogStore(path);
  const logger = new MemoryLogger();
  const clock = new ManualClock();
  let s = 1;
  const v = new Validator(
    {
      chain,
      pool,
      task: new ReferenceTask(model, generateInputs, { batch: 2, synapse: 'infer' }),
      scorer: opts.scorer ?? BUILTIN_SCORERS['relative-error'],
      log,
      logger,
      clock,
      signer: fakeSigner('5Val'),
      yuma: yumaEpoch,
      prepareWeights: scoresToWeights,
      seeds: opts.seeds ?? (() => s++),
      appVersion: 'test',
    },
    { netuid: 1, alpha: 0.5, stepMs: 5, ...opts.options },
  );
  const r = { v, chain, pool, log, logger, clock, path };
  open.push(r);
  return r;
}

describe('Validator step', () => {
  it('scores every sampled uid, aligned: timeouts, errors and missing axons score 0 and are logged, never dropped', async () => {
    const r = rig({ behaviours: { 2: { kind: 'timeout' }, 3: { kind: 'error' }, 4: { kind: 'garbage' } }, noAxon: [5] });
    await r.v.init();
    const s = await r.v.runStep();
    expect(s).toMatchObject({ step: 1, epoch: 1, queried: 5, ok: 2 });
    const e = r.log.loadEpoch(1);
    expect(e.queries.map((q) => [q.uid, q.hotkey, q.status, q.score])).toEqual([
      [1, '5M1', 'ok', 1],
      [2, '5M2', 'timeout', 0],
      [3, '5M3', 'error', 0],
      [4, '5M4', 'ok', 0],
      [5, '5M5', 'no_axon', 0],
    ]);
    expect(e.queries[1].error).toMatch(/timeout/);
    expect(e.queries[2].error).toMatch(/unreachable/);
    expect(e.queries[0].digest).toHaveLength(32);
    expect(e.queries[0].proof).not.toBeNull();
    expect(e.queries[0].response).not.toBeNull();
    expect(e.queries[1].response).toBeNull();
    // EMA with alpha 0.5 from 0
    expect(Array.from(r.v.scores())).toEqual([0, 0.5, 0, 0, 0, 0]);
    expect(e.queries.map((q) => q.ema)).toEqual([0.5, 0, 0, 0, 0]);
    expect(e.steps[0]).toMatchObject({ step: 1, seed: 1, n: 6 });
    expect(e.steps[0].inputs).not.toBeNull();
  });

  it('EMA accumulates over steps: s = a*r + (1-a)*s', async () => {
    const r = rig({ behaviours: { 2: { kind: 'timeout' } } });
    await r.v.init();
    for (let i = 0; i < 3; i++) await r.v.runStep();
    const sc = r.v.scores();
    expect(sc[1]).toBeCloseTo(0.875, 12);
    expect(sc[2]).toBe(0);
    expect(r.log.resumeState()!.step).toBe(3);
  });

  it('a scorer that throws, returns NaN or > 1 is reported by name and counted; those answers score 0; the loop keeps running', async () => {
    const bad: Scorer = {
      name: 'flaky',
      version: '9.9',
      score: (_c, _r, resp) => {
        const v = resp.y.values[0];
        if (v > 0.5) throw new Error('boom');
        if (v < -0.5) return NaN;
        return 1.5;
      },
    };
    const r = rig({ scorer: bad });
    await r.v.init();
    const s1 = await r.v.runStep();
    expect(s1.faults).toBe(5);
    const s2 = await r.v.runStep();
    expect(s2.step).toBe(2);
    const e = r.log.loadEpoch(1);
    expect(e.steps.map((x) => x.faults)).toEqual([5, 5]);
    expect(e.queries.every((q) => q.score === 0 && q.fault !== null)).toBe(true);
    expect(e.queries.every((q) => ['threw', 'nan', 'out_of_range'].includes(q.fault!))).toBe(true);
    expect(e.queries.some((q) => q.fault === 'threw')).toBe(true);
    const warns = r.logger.records.filter((x) => x.msg.startsWith('scorer fault'));
    expect(warns).toHaveLength(10);
    expect(warns[0].ctx).toMatchObject({ scorer: 'flaky', version: '9.9' });
    expect(r.v.status().scorerFaults).toBe(10);
    expect(e.scorerName).toBe('flaky');
    expect(e.scorerVersion).toBe('9.9');
  });

  it('samples sample-size miners by seed, never itself; over many steps every miner is asked', async () => {
    const r = rig({ options: { sampleSize: 2 } });
    await r.v.init();
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const s = await r.v.runStep();
      expect(s.queried).toBe(2);
    }
    for (const q of r.log.loadEpoch(1).queries) seen.add(q.uid);
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('a pool that returns fewer results than targets: POOL_MISALIGNED and nothing is logged or credited', async () => {
    const r = rig();
    await r.v.init();
    r.pool.dropResults = 1;
    await expect(r.v.runStep()).rejects.toMatchObject({ code: 'POOL_MISALIGNED' });
    expect(r.log.loadEpoch(1).steps).toHaveLength(0);
    expect(Array.from(r.v.scores()).every((x) => x === 0)).toBe(true);
  });

  it('an unregistered hotkey: VALIDATOR_NOT_REGISTERED', async () => {
    const chain = new FakeChain(fakeMetagraph(['5A', '5B']), 10);
    const r = rig({ chain });
    await expect(r.v.init()).rejects.toMatchObject({ code: 'VALIDATOR_NOT_REGISTERED' });
  });

  it('rejects bad options with OPTION_INVALID', () => {
    expect(() => rig({ options: { alpha: 0 } })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(() => rig({ options: { timeoutMs: 0 } })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(() => rig({ options: { sampleSize: -1 } })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
  });
});

describe('Validator metagraph sync', () => {
  it('a uid whose hotkey changed has its score reset; growth adds uids at 0; shrinking drops them', async () => {
    const r = rig({ options: { syncEveryBlocks: 1, setWeights: false } });
    await r.v.init();
    await r.v.runStep();
    await r.v.runStep();
    expect(r.v.scores()[3]).toBeCloseTo(0.75, 12);
    r.chain.mg.hotkeys[3] = '5New';
    r.chain.mg.hotkeys.push('5M6');
    r.chain.mg.axons.push(r.chain.mg.axons[1]);
    for (const k of ['validatorPermit', 'active', 'lastUpdate', 'blockAtRegistration', 'consensus', 'incentive', 'dividends', 'validatorTrust'] as const) {
      (r.chain.mg[k] as unknown[]).push(r.chain.mg[k][0]);
    }
    r.chain.mg.stake.push(0n);
    r.chain.mg.emission.push(0n);
    r.chain.mg.coldkeys.push('c');
    r.chain.mg.weights!.push([]);
    r.chain.mg.bonds!.push([]);
    r.chain.mg.n = 7;
    await adv(r, 101);
    const sc = r.v.scores();
    expect(sc).toHaveLength(7);
    expect(sc[3]).toBe(0);
    expect(sc[1]).toBeCloseTo(0.75, 12);
    expect(sc[6]).toBe(0);
    expect(r.logger.records.some((x) => x.msg === 'metagraph changed' && (x.ctx.reset as number[]).includes(3))).toBe(true);
    const s = await r.v.runStep();
    expect(s.queried).toBe(6);
    // shrink to 4 uids
    const mg = r.chain.mg;
    mg.n = 4;
    for (const k of ['hotkeys', 'coldkeys', 'stake', 'axons', 'validatorPermit', 'active', 'lastUpdate', 'blockAtRegistration', 'consensus', 'incentive', 'dividends', 'validatorTrust', 'emission', 'weights', 'bonds'] as const) {
      (mg as unknown as Record<string, unknown[]>)[k] = (mg as unknown as Record<string, unknown[]>)[k].slice(0, 4);
    }
    await adv(r, 102);
    expect(r.v.scores()).toHaveLength(4);
    const s2 = await r.v.runStep();
    expect(s2.queried).toBe(3);
    expect(r.log.resumeState()!.hotkeys).toEqual(['5Val', '5M1', '5M2', '5New']);
  });
});

describe('Validator weights', () => {
  it('sets weights once scores exist, with the chain version key, and logs prepared + included', async () => {
    const r = rig({ behaviours: { 2: { kind: 'timeout' } } });
    r.chain.mg.hyperparameters.weightsVersionKey = 7;
    await r.v.init();
    await adv(r, 101); // no scores yet: nothing
    expect(r.chain.calls).toHaveLength(0);
    await r.v.runStep();
    await adv(r, 102);
    expect(r.chain.calls).toHaveLength(1);
    const c = r.chain.calls[0];
    expect(c.versionKey).toBe(7);
    expect(c.uids).toEqual([1, 3, 4, 5]);
    expect(c.weights).toEqual([65535, 65535, 65535, 65535]);
    const e = r.log.loadEpoch(1);
    expect(e.weightsPrepared).toHaveLength(1);
    expect(e.weightsPrepared[0]).toMatchObject({ uids: [1, 3, 4, 5], versionKey: 7, step: 1 });
    expect(e.weightSets.map((w) => [w.status, w.includedBlock])).toEqual([['included', 103]]);
    expect(r.v.status().lastSetBlock).toBe(103);
    // not again within the tempo
    await r.v.runStep();
    await adv(r, 105);
    expect(r.chain.calls).toHaveLength(1);
  });

  it('too soon for the rate limit: scheduled for the first allowed block, logged, then set there (never skipped)', async () => {
    const r = rig();
    r.chain.mg.lastUpdate[0] = 99; // set at 99; rate limit 5 -> allowed from 104
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    expect(r.chain.calls).toHaveLength(0);
    let e = r.log.loadEpoch(1);
    expect(e.weightSets.map((w) => [w.status, w.scheduledFor])).toEqual([['scheduled', 104]]);
    expect(r.logger.records.some((x) => x.msg.startsWith('weights too soon') && x.ctx.scheduledFor === 104)).toBe(true);
    await adv(r, 102);
    await adv(r, 103);
    expect(r.chain.calls).toHaveLength(0);
    e = r.log.loadEpoch(1);
    expect(e.weightSets).toHaveLength(1); // scheduled once, not every block
    await adv(r, 104);
    expect(r.chain.calls).toHaveLength(1);
    expect(r.chain.calls[0].block).toBe(104);
    expect(r.log.loadEpoch(1).weightSets.map((w) => w.status)).toEqual(['scheduled', 'included']);
  });

  it('a rejected extrinsic is logged with its pallet error name', async () => {
    const r = rig();
    r.chain.script.push(() => ({ status: 'rejected', error: 'SettingWeightsTooFast', section: 'subtensorModule', blockNumber: 102 }));
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    const ws = r.log.loadEpoch(1).weightSets;
    expect(ws.map((w) => [w.status, w.error])).toEqual([['rejected', 'subtensorModule.SettingWeightsTooFast']]);
    expect(r.logger.records.some((x) => x.level === 'error' && x.ctx.error === 'subtensorModule.SettingWeightsTooFast')).toBe(true);
    expect(r.v.status().weightSets.rejected).toBe(1);
  });

  it('a transport failure is retried with backoff, then included', async () => {
    const r = rig({ options: { weightRetryBaseMs: 100 } });
    r.chain.script.push(
      () => {
        throw new Error('ws closed');
      },
      () => ({ status: 'failed', reason: 'timeout', attempts: 3 }),
    );
    await r.v.init();
    await r.v.runStep();
    r.clock.sleeps.length = 0;
    await adv(r, 101);
    expect(r.chain.calls).toHaveLength(3);
    expect(r.clock.sleeps).toEqual([100, 200]);
    const ws = r.log.loadEpoch(1).weightSets;
    expect(ws.map((w) => [w.status, w.attempts])).toEqual([['included', 3]]);
  });

  it('transport failures beyond the retries end as failed, logged', async () => {
    const r = rig({ options: { weightRetries: 1, weightRetryBaseMs: 1 } });
    r.chain.script.push(
      () => ({ status: 'failed', reason: 'econnreset', attempts: 1 }),
      () => ({ status: 'failed', reason: 'econnreset', attempts: 1 }),
    );
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101);
    expect(r.log.loadEpoch(1).weightSets.map((w) => [w.status, w.error, w.attempts])).toEqual([['failed', 'econnreset', 2]]);
  });
});

describe('Validator epochs and prediction', () => {
  it('snapshots the block before the chain epoch, predicts with Yuma, logs it next to what the chain reports, closes the epoch', async () => {
    // netuid 1, tempo 10: epoch blocks b with (b + 2) % 11 == 10 -> 107, 118, ...
    const r = rig();
    r.chain.mg.validatorPermit[0] = true;
    await r.v.init();
    await r.v.runStep();
    await adv(r, 101); // weights set (included at 102)
    expect(r.chain.calls).toHaveLength(1);
    await r.v.runStep();
    await adv(r, 106); // block before the epoch: snapshot
    // the "chain" runs its epoch: report what Yuma says about the snapshot state
    const expected = yumaEpoch({
      ...(await import('../../validator/snapshot')).epochInputFromMetagraph(await r.chain.metagraph(1, { weights: true, bonds: true }), 107),
    });
    r.chain.mg.consensus = expected.consensus;
    r.chain.mg.incentive = expected.incentive;
    r.chain.mg.dividends = expected.dividends;
    r.chain.mg.validatorTrust = expected.validator_trust;
    await adv(r, 107);
    const e1 = r.log.loadEpoch(1);
    expect(e1.closed).toBe(true);
    expect(e1.endBlock).toBe(107);
    expect(e1.snapshot).toMatchObject({ epochBlock: 107, snapshotBlock: 106, exact: true });
    expect(e1.snapshot!.input.weights[0]).toEqual(r.chain.calls[0].uids.map((u, i) => [u, r.chain.calls[0].weights[i]]));
    expect(e1.prediction!.maxAbsDiff).toBe(0);
    expect(e1.prediction!.ownUid).toBe(0);
    expect(e1.prediction!.ownVtrustPredicted).toBe(expected.validator_trust[0]);
    expect(e1.prediction!.ownVtrustPredicted).toBeGreaterThan(0);
    expect(e1.prediction!.predicted.incentive.slice(1).every((x) => x > 0)).toBe(true);
    // the next epoch is open and gets the next steps
    const s = await r.v.runStep();
    expect(s.epoch).toBe(2);
    expect(r.log.listEpochs().map((x) => [x.epoch, x.closed, x.startStep])).toEqual([
      [1, true, 1],
      [2, false, 3],
    ]);
  });

  it('missed the block before the epoch: the prediction is logged as inexact', async () => {
    const r = rig();
    await r.v.init();
    await r.v.runStep();
    await adv(r, 108);
    const e1 = r.log.loadEpoch(1);
    expect(e1.snapshot).toMatchObject({ epochBlock: 107, exact: false });
    expect(e1.closed).toBe(true);
  });
});

describe('Validator epochs from an EpochSource', () => {
  it('detects the epoch from the chain (LastMechansimStepBlock), snapshots the block before the next one, uses the chain extras', async () => {
    // a chain whose epochs run at (b + netuid + 1) % (tempo + 1) == 0: 97, 108, 119 (one block later than the formula)
    let chainLast = 97;
    const extrasAt: number[] = [];
    const r = rig();
    (r.v as unknown as { c: { epochSource: unknown } }).c.epochSource = {
      lastEpochBlock: async () => chainLast,
      extras: async (_n: number, at: number) => {
        extrasAt.push(at);
        return { lastMechanismStepBlock: chainLast, ownerUid: 0, taoWeight: '123' };
      },
    };
    await r.v.init();
    await r.v.runStep();
    await adv(r, 106);
    await adv(r, 107); // the formula's snapshot block would be 106; the chain's is 107
    await adv(r, 108);
    expect(r.log.loadEpoch(1).closed).toBe(false); // the chain has not said so yet
    chainLast = 108;
    await adv(r, 109);
    const e1 = r.log.loadEpoch(1);
    expect(e1.closed).toBe(true);
    expect(e1.snapshot).toMatchObject({ epochBlock: 108, snapshotBlock: 107, exact: true });
    expect(e1.snapshot!.input).toMatchObject({ current_block: 108, owner_uid: 0, tao_weight: '123', last_mechanism_step_block: 108 });
    expect(extrasAt).toEqual([107]);
  });
});

describe('Validator restart', () => {
  it('resumes EMA, step counter and open epoch from the log and does not set weights again within the rate limit', async () => {
    const path = join(dir, 'r.db');
    const a = rig({ path });
    a.chain.mg.hyperparameters.weightsSetRateLimit = 50;
    await a.v.init();
    await a.v.runStep();
    await a.v.runStep();
    await adv(a, 101);
    expect(a.chain.calls).toHaveLength(1);
    const scores = a.v.scores();
    // simulate a crash: the chain forgot our LastUpdate (e.g. a fresh read that lags); only the log knows
    a.log.close();
    open.splice(open.indexOf(a), 1);
    a.chain.mg.lastUpdate[0] = 0;
    const b = rig({ path, chain: a.chain });
    await b.v.init();
    expect(Array.from(b.v.scores())).toEqual(Array.from(scores));
    expect(b.v.status()).toMatchObject({ step: 2, epoch: 1, lastSetBlock: 102 });
    const s = await b.v.runStep();
    expect(s.step).toBe(3);
    await adv(b, 103);
    expect(a.chain.calls).toHaveLength(1); // scheduled instead
    const ws = b.log.loadEpoch(1).weightSets;
    expect(ws[ws.length - 1]).toMatchObject({ status: 'scheduled', scheduledFor: 152 });
  });
});

describe('Validator restart with other scoring settings', () => {
  it('closes the open epoch and opens a new one when the scorer or alpha changed', async () => {
    const path = join(dir, 'chg.db');
    const a = rig({ path });
    await a.v.init();
    await a.v.runStep();
    a.log.close();
    open.splice(open.indexOf(a), 1);
    const same = rig({ path, chain: a.chain });
    await same.v.init();
    expect(same.v.status().epoch).toBe(1);
    same.log.close();
    open.splice(open.indexOf(same), 1);
    const b = rig({ path, chain: a.chain, scorer: BUILTIN_SCORERS.cosine });
    await b.v.init();
    expect(b.v.status().epoch).toBe(2);
    const s = await b.v.runStep();
    expect(s).toMatchObject({ step: 2, epoch: 2 });
    expect(b.log.listEpochs().map((e) => [e.epoch, e.closed, e.scorerName])).toEqual([
      [1, true, 'relative-error'],
      [2, false, 'cosine'],
    ]);
  });
});

describe('Validator log ownership', () => {
  it('a log written by another hotkey or for another subnet is refused: LOG_MISMATCH', async () => {
    const path = join(dir, 'own.db');
    const a = rig({ path });
    await a.v.init();
    a.log.close();
    open.splice(open.indexOf(a), 1);
    const b = rig({ path, options: { netuid: 2 } });
    await expect(b.v.init()).rejects.toMatchObject({ code: 'LOG_MISMATCH' });
  });
});

describe('Validator start/stop', () => {
  it('runs the step loop and block handler until stop(); stop is idempotent and unsubscribes', async () => {
    const r = rig({ options: { stepMs: 1 } });
    await r.v.start();
    expect(r.chain.subscribers).toBe(1);
    for (let i = 0; i < 50 && r.v.status().step < 3; i++) await new Promise((res) => setTimeout(res, 5));
    r.chain.produce(101);
    await new Promise((res) => setTimeout(res, 20));
    await r.v.stop();
    await r.v.stop();
    expect(r.chain.subscribers).toBe(0);
    const st = r.v.status();
    expect(st.running).toBe(false);
    expect(st.step).toBeGreaterThanOrEqual(3);
    expect(r.log.resumeState()!.step).toBe(st.step);
    expect(r.chain.calls.length).toBe(1);
  });
});

describe('Validator fatal errors', () => {
  it('a log that cannot be written stops the loop and resolves `fatal` with the LOG_ error (no unhandled rejection)', async () => {
    const r = rig({ options: { stepMs: 1 } });
    await r.v.start();
    for (let i = 0; i < 50 && r.v.status().step < 1; i++) await new Promise((res) => setTimeout(res, 5));
    r.log.close();
    const err = await r.v.fatal;
    expect((err as { code?: string }).code).toBe('LOG_CLOSED');
    expect(r.logger.records.some((x) => x.msg === 'validator stopped on a fatal error')).toBe(true);
    await r.v.stop();
  });
});
