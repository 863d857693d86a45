/**
 * Replay over a synthetic validator log written through shared/log's API (replay/synthetic.ts:
 * real scorer, EMA, weight preparation and Yuma). Expected values come from what the generator
 * wrote; the tamper tests change one logged value and expect replay to name it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogStore } from '../../shared/log';
import { yumaEpoch, validateEpochInput, EPOCH_OUTPUT_FIELDS } from '../../shared/yuma';
import { isSubnetError } from '../../shared/errors';
import { runReplay } from '../../replay/run';
import { writeSyntheticLog, syntheticHotkey, syntheticKind } from '../../replay/synthetic';
import { chunk } from '../../replay/parallel';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isSubnetError(e) ? e.code : `not a SubnetError: ${String(e)}`;
  }
  return undefined;
}

test('ranges split into contiguous chunks for worker threads', () => {
  expect(chunk([1, 2, 3, 4, 5, 6, 7], 2)).toEqual([[1, 2, 3, 4], [5, 6, 7]]);
  expect(chunk([1, 2], 4)).toEqual([[1], [2]]);
  expect(chunk([], 2)).toEqual([]);
});

describe('replay on a synthetic log', () => {
  let dir: string;
  let db: string;
  let written: ReturnType<typeof writeSyntheticLog>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'replay-'));
    db = join(dir, 'validator.db');
    const store = openLogStore(db);
    written = writeSyntheticLog(store, { n: 14, validators: 3, epochs: 4, stepsPerEpoch: 3, seed: 11 });
    store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base = { set: [] as string[], feedForward: true };

  test('nothing changed: every epoch is reproduced exactly, with every check run', async () => {
    const res = await runReplay({ ...base, db, from: 1, to: 4 });
    expect(res.results.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    for (const r of res.results) {
      expect(r).toMatchObject({ identical: true, changed: false, first_difference: null, chain_agrees: true });
      expect(r.checks).toEqual({ scores: 'equal', ema: 'equal', weights: 'equal', consensus: 'equal' });
    }
    expect(res.summary).toMatchObject({ epochs: 4, identical: 4, differing: 0 });
  });

  test('--epoch N alone, and the default range (all epochs with a snapshot)', async () => {
    expect((await runReplay({ ...base, db, epoch: 2 })).results.map((r) => r.epoch)).toEqual([2]);
    expect((await runReplay({ ...base, db })).results.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
  });

  test('--set kappa changes consensus and names who gains and loses', async () => {
    const res = await runReplay({ ...base, db, from: 1, to: 4, set: ['kappa=0.95'] });
    expect(res.changed).toBe(true);
    expect(res.changes).toBe('kappa=0.95');
    const last = res.results[3];
    expect(last.identical).toBe(false);
    expect(last.first_difference).not.toBeNull();
    expect(last.deltas!.length).toBeGreaterThan(0);
    for (const d of last.deltas!) {
      expect(d.hotkey).toBe(syntheticHotkey(d.uid));
      expect(d.incentive_delta).toBeCloseTo(d.incentive_after - d.incentive_before, 5);
    }
    // emission is conserved up to rounding: gains and losses roughly cancel
    const net = last.deltas!.reduce((s, d) => s + d.emission_delta, 0);
    expect(Math.abs(net)).toBeLessThan(1000);
  });

  test('a parameter equal to the logged value changes nothing', async () => {
    const res = await runReplay({ ...base, db, from: 1, to: 4, set: ['kappa_u16=32767', 'yuma3=false'] });
    for (const r of res.results) {
      expect(r.identical).toBe(true);
      expect(r.deltas).toEqual([]);
    }
  });

  test('--scorer exact re-scores the logged answers: the noisy and quantised miners lose their weight', async () => {
    const res = await runReplay({ ...base, db, from: 1, to: 4, scorer: 'exact' });
    const last = res.results[3];
    expect(last.changed).toBe(true);
    const byKind = (k: string) => last.deltas!.filter((d) => syntheticKind(d.uid, 3) === k);
    expect(byKind('noisy').length + byKind('quantised').length).toBeGreaterThan(0);
    for (const d of [...byKind('noisy'), ...byKind('quantised')]) expect(d.incentive_delta).toBeLessThanOrEqual(0);
    expect(res.summary.totals.length).toBeGreaterThan(0);
  });

  test('a tampered prediction is reported with the first field that differs', async () => {
    const copy = join(dir, 'tampered.db');
    writeFileSync(copy, readFileSync(db));
    const raw = new Database(copy);
    const row = raw.prepare('SELECT predicted_json FROM predictions WHERE epoch = 3').get() as { predicted_json: string };
    const p = JSON.parse(row.predicted_json);
    p.incentive[5] += 1;
    raw.prepare('UPDATE predictions SET predicted_json = ? WHERE epoch = 3').run(JSON.stringify(p));
    raw.close();
    const res = await runReplay({ ...base, db: copy, from: 1, to: 4 });
    expect(res.results.map((r) => r.identical)).toEqual([true, true, false, true]);
    expect(res.results[2].first_difference).toEqual({ field: 'incentive[5]', recorded: written.outputs[2].incentive[5] + 1, recomputed: written.outputs[2].incentive[5] });
    expect(res.results[2].checks.consensus).toBe('differ');
    // the chain's values were logged equal to the untampered prediction
    expect(res.results[2].chain_agrees).toBe(false);
  });

  test('a tampered score and weight row are named too', async () => {
    const copy = join(dir, 'tampered2.db');
    writeFileSync(copy, readFileSync(db));
    const raw = new Database(copy);
    const q = raw.prepare("SELECT step, uid FROM queries WHERE epoch = 2 AND status = 'ok' ORDER BY step, uid LIMIT 1").get() as { step: number; uid: number };
    raw.prepare('UPDATE queries SET score = score * 0.5 WHERE step = ? AND uid = ?').run(q.step, q.uid);
    raw.prepare('UPDATE weights_prepared SET values_json = ? WHERE epoch = 4').run(JSON.stringify([1, 2, 3]));
    raw.close();
    const res = await runReplay({ ...base, db: copy, from: 1, to: 4 });
    expect(res.results[1].first_difference!.field).toBe(`scores[step ${q.step}, uid ${q.uid}]`);
    expect(res.results[3].first_difference!.field).toMatch(/^weights_prepared\[\d+\]\.values/);
    expect(res.results[3].checks.weights).toBe('differ');
  });

  test('a step labelled with the previous epoch but committed after the epoch opened (the validator\'s step/epoch race) is still reproduced', async () => {
    // as seen on a real devnet log: epoch 3 opens at start_step S with ema_start taken before
    // step S, but step S is recorded under epoch 2
    const copy = join(dir, 'race.db');
    writeFileSync(copy, readFileSync(db));
    const raw = new Database(copy);
    const { start_step: s } = raw.prepare('SELECT start_step FROM epochs WHERE epoch = 3').get() as { start_step: number };
    raw.prepare('UPDATE steps SET epoch = 2 WHERE step = ?').run(s);
    raw.prepare('UPDATE queries SET epoch = 2 WHERE step = ?').run(s);
    raw.close();
    const single = await runReplay({ ...base, db: copy, epoch: 3 });
    expect(single.results[0]).toMatchObject({ identical: true });
    expect(single.results[0].notes!.join(' ')).toMatch(/committed after epoch 3 opened/);
    const range = await runReplay({ ...base, db: copy, from: 1, to: 4 });
    expect(range.results.map((r) => r.identical)).toEqual([true, true, true, true]);
  });

  test('--export-vector: the schema of the reference vectors, and yumaEpoch(input) deep-equals expected', async () => {
    const file = join(dir, 'vec.json');
    const res = await runReplay({ ...base, db, epoch: 3, exportVector: file });
    expect(res.vectorFile).toBe(file);
    const v = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(v).sort()).toEqual(['expected', 'input', 'meta']);
    expect(Object.keys(v.expected).sort()).toEqual([...EPOCH_OUTPUT_FIELDS].sort());
    expect(typeof v.input.tao_weight).toBe('string');
    expect(v.input.name).toMatch(/^field_.*epoch3$/);
    expect(v.meta).toMatchObject({ category: 'field', chain_agrees: true, dense_epoch_differs_in: [] });
    // what the spec runner does with a vector file
    const input = validateEpochInput(v.input);
    expect(JSON.parse(JSON.stringify(yumaEpoch(input)))).toEqual(v.expected);
    expect(v.expected).toEqual(JSON.parse(JSON.stringify(written.outputs[2])));
  });

  test('--report writes a self-contained page with the three chart groups', async () => {
    const file = join(dir, 'r.html');
    const res = await runReplay({ ...base, db, from: 1, to: 4, set: ['kappa=0.9'], report: file });
    expect(res.reportFile).toBe(file);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Incentive per uid across epochs');
    expect(html).toContain('Weight matrix');
    expect(html).toContain('Score distributions per miner kind');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']?https?:/i);
  });

  describe('bad input: one clear error with a code', () => {
    test('missing database', async () => {
      expect(await code(runReplay({ ...base, db: join(dir, 'nope.db') }))).toBe('LOG_NOT_FOUND');
    });
    test('a file that is not a database', async () => {
      const f = join(dir, 'text.db');
      writeFileSync(f, 'hello, not sqlite at all\n');
      expect(await code(runReplay({ ...base, db: f }))).toBe('LOG_FOREIGN');
    });
    test('an SQLite database that is not a validator log', async () => {
      const f = join(dir, 'other.db');
      const d = new Database(f);
      d.exec('CREATE TABLE t(x)');
      d.close();
      expect(await code(runReplay({ ...base, db: f }))).toBe('LOG_FOREIGN');
    });
    test('an epoch that is not in the log', async () => {
      expect(await code(runReplay({ ...base, db, epoch: 9 }))).toBe('REPLAY_EPOCH_MISSING');
      expect(await code(runReplay({ ...base, db, from: 3, to: 7 }))).toBe('REPLAY_EPOCH_MISSING');
    });
    test('an unknown scorer', async () => {
      expect(await code(runReplay({ ...base, db, scorer: 'nonsense' }))).toBe('SCORER_UNKNOWN');
      expect(await code(runReplay({ ...base, db, scorer: './missing-scorer.js' }))).toBe('SCORER_NOT_FOUND');
    });
    test('an unknown parameter, and a bad value', async () => {
      expect(await code(runReplay({ ...base, db, set: ['kapa=0.5'] }))).toBe('REPLAY_UNKNOWN_PARAM');
      expect(await code(runReplay({ ...base, db, set: ['kappa=2'] }))).toBe('REPLAY_BAD_PARAM_VALUE');
    });
    test('an epoch the chain has not run yet (no snapshot) is named; the default range skips it', async () => {
      const copy = join(dir, 'open.db');
      writeFileSync(copy, readFileSync(db));
      const st = openLogStore(copy);
      st.openEpoch({ epoch: 5, runId: 1, startStep: 100, startBlock: 60, startedAt: 0, options: {}, hyperparameters: null, scorerName: 'relative-error', scorerVersion: '1.0.0', emaStart: new Float64Array(14), hotkeysStart: [] });
      st.close();
      expect(await code(runReplay({ ...base, db: copy, epoch: 5 }))).toBe('REPLAY_EPOCH_INCOMPLETE');
      expect((await runReplay({ ...base, db: copy })).results.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    });
    test('--epoch with --from', async () => {
      expect(await code(runReplay({ ...base, db, epoch: 1, from: 1 }))).toBe('REPLAY_BAD_RANGE');
    });
  });
});
