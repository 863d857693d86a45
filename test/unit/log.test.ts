import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APPLICATION_ID,
  LATEST_SCHEMA_VERSION,
  SqliteLogStore,
  decodeTensors,
  digestTensors,
  encodeTensors,
  openLogStore,
  type StepRecord,
  type QueryRecord,
} from '../../shared/log';
import { float32Tensor } from '../../shared/scoring';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const hotkeys = ['5A', '5B', '5C'];
function q(uid: number, over: Partial<QueryRecord> = {}): QueryRecord {
  const resp = encodeTensors({ out: float32Tensor([uid, 1]) });
  return { uid, hotkey: hotkeys[uid], status: 'ok', latencyMs: 5, digest: new Uint8Array(32).fill(uid), proof: new Uint8Array([1, 2]), response: resp, error: null, score: 0.5, fault: null, ema: 0.05, ...over };
}
function step(stepNo: number, epoch: number, over: Partial<StepRecord> = {}): StepRecord {
  return {
    step: stepNo,
    epoch,
    block: 100 + stepNo,
    seed: 1000 + stepNo,
    startedAt: 1,
    durationMs: 3,
    n: 3,
    inputs: encodeTensors({ x: float32Tensor([1, 2, 3]) }),
    reference: encodeTensors({ out: float32Tensor([0, 1]) }),
    faults: 0,
    queries: [q(0), q(1, { status: 'timeout', response: null, digest: null, proof: null, score: 0, latencyMs: 100 }), q(2)],
    ema: new Float64Array([0.05, 0, 0.05 * stepNo]),
    hotkeys,
    ...over,
  };
}
function open(p = join(dir, 'v.db'), o = {}) {
  return openLogStore(p, o);
}
function seed(store: SqliteLogStore, epochs: number, stepsPer = 2) {
  const run = store.beginRun({ startedAt: 1, hotkey: '5V', netuid: 1, appVersion: '0.1.0', scorerName: 'cosine', scorerVersion: '1.0.0', options: { alpha: 0.1 } });
  let s = 0;
  for (let e = 1; e <= epochs; e++) {
    store.openEpoch({ epoch: e, runId: run, startStep: s + 1, startBlock: e * 10, startedAt: 1, options: { alpha: 0.1 }, hyperparameters: null, scorerName: 'cosine', scorerVersion: '1.0.0', emaStart: new Float64Array(3), hotkeysStart: hotkeys });
    for (let i = 0; i < stepsPer; i++) store.recordStep(step(++s, e));
    if (e < epochs) store.closeEpoch(e, e * 10 + 9);
  }
  return s;
}

describe('tensor codec', () => {
  it('encodes canonically (sorted names) from literal bytes and round-trips', () => {
    const t = { b: { dtype: 'uint8' as const, shape: [2], data: new Uint8Array([7, 8]) }, a: { dtype: 'int8' as const, shape: [], data: new Uint8Array([255]) } };
    const enc = encodeTensors(t);
    expect(Array.from(enc)).toEqual([
      0x54, 0x4e, 0x53, 0x31, 2, 0, 0, 0,
      1, 0, 0x61, 5, 0, 1, 0, 0, 0, 255,
      1, 0, 0x62, 4, 1, 2, 0, 0, 0, 2, 0, 0, 0, 7, 8,
    ]);
    const dec = decodeTensors(enc);
    expect(dec.a.shape).toEqual([]);
    expect(Array.from(dec.b.data)).toEqual([7, 8]);
    expect(Buffer.from(digestTensors(t)).toString('hex')).toBe(Buffer.from(digestTensors({ a: t.a, b: t.b })).toString('hex'));
  });
  it('rejects garbage and truncation (TENSOR_INVALID)', () => {
    expect(() => decodeTensors(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(expect.objectContaining({ code: 'TENSOR_INVALID' }));
    const enc = encodeTensors({ x: float32Tensor([1, 2]) });
    expect(() => decodeTensors(enc.subarray(0, enc.length - 1))).toThrow(expect.objectContaining({ code: 'TENSOR_INVALID' }));
  });
});

describe('SqliteLogStore', () => {
  it('creates a new log: latest schema, our application_id, WAL', () => {
    const s = open();
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(s.applicationId).toBe(APPLICATION_ID);
    s.close();
    const db = new Database(join(dir, 'v.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('records steps and loads an epoch back for replay', () => {
    const s = open();
    seed(s, 2);
    const e = s.loadEpoch(1);
    expect(e.steps.map((x) => x.step)).toEqual([1, 2]);
    expect(e.queries).toHaveLength(6);
    expect(e.queries[1]).toMatchObject({ step: 1, uid: 1, status: 'timeout', response: null, score: 0, seed: 1001 });
    expect(decodeTensors(e.queries[0].response!).out.shape).toEqual([2]);
    expect(e.closed).toBe(true);
    expect(e.endBlock).toBe(19);
    expect(e.options).toEqual({ alpha: 0.1 });
    expect(s.listEpochs().map((x) => [x.epoch, x.steps, x.queries, x.closed])).toEqual([
      [1, 2, 6, true],
      [2, 2, 6, false],
    ]);
    s.close();
  });

  it('resumes the EMA vector, step counter and open epoch after reopening', () => {
    const p = join(dir, 'v.db');
    const s = open(p);
    seed(s, 2, 3);
    s.close();
    const r = open(p).resumeState()!;
    expect(r.step).toBe(6);
    expect(r.epoch).toBe(2);
    expect(r.epochOpen).toBe(true);
    expect(Array.from(r.ema)).toEqual([0.05, 0, 0.05 * 6]);
    expect(r.hotkeys).toEqual(hotkeys);
    expect(r.lastWeightBlock).toBeNull();
  });

  it('an empty log resumes nothing and has no run', () => {
    const s = open();
    expect(s.resumeState()).toBeNull();
    expect(s.lastRun()).toBeNull();
    seed(s, 1);
    expect(s.lastRun()).toMatchObject({ hotkey: '5V', netuid: 1, scorerName: 'cosine', options: { alpha: 0.1 } });
  });

  it('one transaction per step: a failing query row leaves no trace of the step', () => {
    const s = open();
    seed(s, 1, 1);
    const bad = step(2, 1, { queries: [q(0), q(1, { score: 2 })], ema: new Float64Array([9, 9, 9]) });
    expect(() => s.recordStep(bad)).toThrow(expect.objectContaining({ code: 'LOG_WRITE_FAILED' }));
    const e = s.loadEpoch(1);
    expect(e.steps.map((x) => x.step)).toEqual([1]);
    expect(e.queries.every((x) => x.step === 1)).toBe(true);
    expect(Array.from(s.resumeState()!.ema)).toEqual([0.05, 0, 0.05]);
    // a duplicate step is refused the same way
    expect(() => s.recordStep(step(1, 1))).toThrow(expect.objectContaining({ code: 'LOG_WRITE_FAILED' }));
  });

  it('weight sets: the last included or unanswered submitted block is resumed', () => {
    const s = open();
    seed(s, 1, 1);
    const pid = s.recordWeightsPrepared({ epoch: 1, step: 1, block: 50, scores: new Float64Array([0.1, 0, 0.2]), uids: [0, 2], values: [32767, 65535], versionKey: 0 });
    s.recordWeightSet({ epoch: 1, preparedId: pid, status: 'scheduled', block: 50, scheduledFor: 60, includedBlock: null, error: null, attempts: 0, at: 1 });
    const id = s.recordWeightSet({ epoch: 1, preparedId: pid, status: 'submitted', block: 60, scheduledFor: null, includedBlock: null, error: null, attempts: 1, at: 2 });
    expect(s.resumeState()!.lastWeightBlock).toBe(60);
    s.updateWeightSet(id, { status: 'included', includedBlock: 61 });
    expect(s.resumeState()!.lastWeightBlock).toBe(61);
    s.recordWeightSet({ epoch: 1, preparedId: pid, status: 'rejected', block: 70, scheduledFor: null, includedBlock: null, error: 'SettingWeightsTooFast', attempts: 1, at: 3 });
    expect(s.resumeState()!.lastWeightBlock).toBe(61);
    const e = s.loadEpoch(1);
    expect(e.weightsPrepared[0]).toMatchObject({ uids: [0, 2], values: [32767, 65535] });
    expect(Array.from(e.weightsPrepared[0].scores)).toEqual([0.1, 0, 0.2]);
    expect(e.weightSets.map((w) => w.status)).toEqual(['scheduled', 'included', 'rejected']);
    expect(e.weightSets[2].error).toBe('SettingWeightsTooFast');
  });

  it('snapshot and prediction round-trip (bigint tao_weight as a string)', () => {
    const s = open();
    seed(s, 1, 1);
    const input = { n: 1, current_block: 10, tao_weight: 5n } as never;
    s.recordSnapshot({ epoch: 1, epochBlock: 10, snapshotBlock: 9, exact: true, input, hyperparameters: { tempo: 9 } as never, hotkeys: ['5A'] });
    s.recordPrediction({ epoch: 1, epochBlock: 10, ownUid: 0, predicted: { incentive: [65535] } as never, reported: { block: 10, consensus: [1], incentive: [65535], dividends: [0], validatorTrust: [0] }, ownVtrustPredicted: 0, ownVtrustReported: 0, maxAbsDiff: 0 });
    const e = s.loadEpoch(1);
    expect(e.snapshot).toMatchObject({ epochBlock: 10, snapshotBlock: 9, exact: true, input: { n: 1, current_block: 10, tao_weight: '5' } });
    expect(e.prediction).toMatchObject({ ownUid: 0, maxAbsDiff: 0, reported: { incentive: [65535] } });
    expect(s.listEpochs()[0].hasSnapshot).toBe(true);
  });

  it('an epoch that is not in the log: LOG_EPOCH_MISSING', () => {
    const s = open();
    expect(() => s.loadEpoch(1)).toThrow(expect.objectContaining({ code: 'LOG_EPOCH_MISSING' }));
    seed(s, 2);
    expect(() => s.loadEpoch(7)).toThrow(expect.objectContaining({ code: 'LOG_EPOCH_MISSING', context: expect.objectContaining({ first: 1, last: 2 }) }));
  });

  it('prunes raw responses and inputs older than N epochs; digests and scores stay', () => {
    const s = open();
    seed(s, 5);
    expect(s.prune(5, 2)).toEqual({ responses: 3 * 2 * 2, steps: 3 * 2 });
    for (const ep of [1, 2, 3]) {
      const e = s.loadEpoch(ep);
      expect(e.queries.every((x) => x.response === null)).toBe(true);
      expect(e.steps.every((x) => x.inputs === null && x.reference !== null)).toBe(true);
      expect(e.queries.filter((x) => x.status === 'ok').every((x) => x.digest !== null && x.score === 0.5)).toBe(true);
    }
    for (const ep of [4, 5]) expect(s.loadEpoch(ep).queries.filter((x) => x.response !== null)).toHaveLength(4);
    expect(s.prune(5, 2)).toEqual({ responses: 0, steps: 0 });
    expect(s.prune(5, 0)).toEqual({ responses: 0, steps: 0 });
    expect(s.integrityCheck()).toBe('ok');
  });

  it('migrates an older log (v1) to the latest version, keeping its data', () => {
    const p = join(dir, 'old.db');
    const a = open(p, { migrateTo: 1 });
    expect(a.schemaVersion).toBe(1);
    seed(a, 1);
    a.close();
    const b = open(p);
    expect(b.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(b.loadEpoch(1).queries).toHaveLength(6);
    b.close();
    const db = new Database(p);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'queries_epoch'").get()).toBeTruthy();
    db.close();
  });

  it('migrates a v2 log to v3 (weight_commits), keeping its data; a v2 file also reads read-only (no commits)', () => {
    const p = join(dir, 'v2.db');
    const a = open(p, { migrateTo: 2 });
    expect(a.schemaVersion).toBe(2);
    seed(a, 2);
    const wp = a.recordWeightsPrepared({ epoch: 2, step: 3, block: 25, scores: new Float64Array([0, 1, 0.5]), uids: [1, 2], values: [65535, 32768], versionKey: 0 });
    a.recordWeightSet({ epoch: 2, preparedId: wp, status: 'included', block: 25, scheduledFor: null, includedBlock: 26, error: null, attempts: 1, at: 9 });
    a.close();
    const ro = open(p, { readonly: true });
    expect(ro.schemaVersion).toBe(2);
    expect(ro.weightCommits()).toEqual([]);
    expect(ro.pendingWeightCommits()).toEqual([]);
    expect(ro.loadEpoch(2).weightSets).toHaveLength(1);
    ro.close();
    const b = open(p);
    expect(b.schemaVersion).toBe(3);
    expect(LATEST_SCHEMA_VERSION).toBe(3);
    expect(b.listEpochs()).toHaveLength(2);
    expect(b.loadEpoch(1).queries).toHaveLength(6);
    expect(b.loadEpoch(2).weightsPrepared[0]).toMatchObject({ id: wp, uids: [1, 2], values: [65535, 32768] });
    expect(b.resumeState()!.lastWeightBlock).toBe(26);
    expect(b.weightCommits()).toEqual([]);
    b.close();
  });

  it('weight commits: a submitted row (with its salt) before the extrinsic, updated in place; pending ones listed; resume counts them', () => {
    const s = open();
    seed(s, 1);
    const wp = s.recordWeightsPrepared({ epoch: 1, step: 2, block: 30, scores: new Float64Array([0, 1, 0.5]), uids: [1, 2], values: [65535, 32768], versionKey: 4 });
    const rec = { epoch: 1, preparedId: wp, status: 'submitted' as const, block: 30, commitBlock: null, commitEpoch: null, revealEpoch: null, uids: [1, 2], values: [65535, 32768], salt: [1, 2, 3, 65535], versionKey: 4, hash: '0x' + 'ab'.repeat(32), revealBlock: null, error: null, attempts: 1, revealAttempts: 0, at: 5 };
    const id = s.recordWeightCommit(rec);
    expect(s.pendingWeightCommits()).toEqual([{ ...rec, id }]);
    expect(s.resumeState()!.lastWeightBlock).toBe(30);
    s.updateWeightCommit(id, { status: 'committed', commitBlock: 31, commitEpoch: 2, revealEpoch: 3, attempts: 2 });
    expect(s.pendingWeightCommits()[0]).toMatchObject({ status: 'committed', commitBlock: 31, commitEpoch: 2, revealEpoch: 3, attempts: 2, salt: [1, 2, 3, 65535] });
    expect(s.resumeState()!.lastWeightBlock).toBe(31);
    const id2 = s.recordWeightCommit({ ...rec, block: 40 });
    s.updateWeightCommit(id, { status: 'revealed', revealBlock: 42, revealAttempts: 1 });
    s.updateWeightCommit(id2, { status: 'reveal_rejected', error: 'subtensorModule.InvalidRevealCommitHashNotMatch' });
    expect(s.pendingWeightCommits()).toEqual([]);
    expect(s.weightCommits().map((c) => [c.id, c.status, c.revealBlock, c.error])).toEqual([
      [id, 'revealed', 42, null],
      [id2, 'reveal_rejected', null, 'subtensorModule.InvalidRevealCommitHashNotMatch'],
    ]);
    expect(() => s.updateWeightCommit(999, { status: 'expired' })).toThrow(expect.objectContaining({ code: 'LOG_WRITE_FAILED' }));
    expect(() => s.recordWeightCommit({ ...rec, status: 'bogus' as never })).toThrow(expect.objectContaining({ code: 'LOG_WRITE_FAILED' }));
    s.close();
  });

  it('read-only: a missing file is LOG_NOT_FOUND; an old schema is LOG_OLD_SCHEMA; a good one reads', () => {
    expect(() => open(join(dir, 'none.db'), { readonly: true })).toThrow(expect.objectContaining({ code: 'LOG_NOT_FOUND' }));
    const p = join(dir, 'old.db');
    const a = open(p, { migrateTo: 1 });
    a.close();
    expect(() => open(p, { readonly: true })).toThrow(expect.objectContaining({ code: 'LOG_OLD_SCHEMA' }));
    const g = join(dir, 'good.db');
    const w = open(g);
    seed(w, 1);
    w.close();
    const r = open(g, { readonly: true });
    expect(r.listEpochs()).toHaveLength(1);
    expect(() => r.recordStep(step(99, 1))).toThrow(expect.objectContaining({ code: 'LOG_WRITE_FAILED' }));
    r.close();
  });

  it('a newer schema is refused: LOG_NEWER_SCHEMA', () => {
    const p = join(dir, 'v.db');
    open(p).close();
    const db = new Database(p);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open(p)).toThrow(expect.objectContaining({ code: 'LOG_NEWER_SCHEMA' }));
  });

  it('foreign files: text, another SQLite database, an empty SQLite read-only, a directory: LOG_FOREIGN', () => {
    const t = join(dir, 't.db');
    writeFileSync(t, 'hello, this is not a database at all');
    expect(() => open(t)).toThrow(expect.objectContaining({ code: 'LOG_FOREIGN' }));
    const o = join(dir, 'o.db');
    const db = new Database(o);
    db.exec('CREATE TABLE users(id INTEGER)');
    db.close();
    expect(() => open(o)).toThrow(expect.objectContaining({ code: 'LOG_FOREIGN' }));
    expect(() => open(dir)).toThrow(expect.objectContaining({ code: 'LOG_FOREIGN' }));
    // the foreign file is untouched
    const db2 = new Database(o);
    expect(db2.pragma('user_version', { simple: true })).toBe(0);
    db2.close();
  });

  it('a corrupt log (garbled pages) is LOG_CORRUPT, not a crash', () => {
    const p = join(dir, 'v.db');
    const s = open(p);
    seed(s, 3, 20);
    s.close();
    const buf = readFileSync(p);
    expect(statSync(p).size).toBeGreaterThan(8192);
    for (let i = 4096; i < buf.length; i++) buf[i] = (i * 7919) & 0xff;
    writeFileSync(p, buf);
    expect(() => {
      const r = open(p);
      r.listEpochs();
      r.loadEpoch(1);
    }).toThrow(expect.objectContaining({ code: 'LOG_CORRUPT' }));
  });

  it('a truncated log is LOG_CORRUPT', () => {
    const p = join(dir, 'v.db');
    const s = open(p);
    seed(s, 3, 20);
    s.close();
    truncateSync(p, 5000);
    expect(() => {
      const r = open(p);
      r.loadEpoch(3);
    }).toThrow(expect.objectContaining({ code: 'LOG_CORRUPT' }));
  });

  it('a closed store refuses writes with LOG_CLOSED', () => {
    const s = open();
    s.close();
    expect(() => s.listEpochs()).toThrow(expect.objectContaining({ code: 'LOG_CLOSED' }));
  });
});
