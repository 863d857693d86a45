/**
 * `subnet replay` as a real process on a synthetic validator log (written through shared/log by
 * replay/synthetic.ts): the acceptance form, every bad input (one line, non-zero exit), the
 * exported vector, and the --report page rendered in headless Chromium.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogStore } from '../../shared/log';
import { yumaEpoch, validateEpochInput } from '../../shared/yuma';
import { writeSyntheticLog } from '../../replay/synthetic';
import { runCli } from '../helpers/cli';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));

describe('subnet replay (CLI)', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    db = join(dir, 'validator.db');
    const s = openLogStore(db);
    writeSyntheticLog(s, { n: 12, validators: 3, epochs: 3, stepsPerEpoch: 2, seed: 5 });
    s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('acceptance: --from 1 --to 3 --json prints one object per epoch with "epoch" and "identical"', async () => {
    const r = await runCli(['replay', '--db', db, '--from', '1', '--to', '3', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    for (const l of lines) expect(l.identical).toBe(true);
  });

  test('text output says the epochs were reproduced exactly', async () => {
    const r = await runCli(['replay', '--db', db, '--epoch', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/epoch 2 .*identical/);
    expect(r.stdout).toContain('all 1 epoch(s) reproduced exactly');
  });

  test('--set kappa=… prints a per-uid diff and a summary', async () => {
    const r = await runCli(['replay', '--db', db, '--from', '1', '--to', '3', '--set', 'kappa=0.95']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/uid\(s\) changed/);
    expect(r.stdout).toMatch(/incentive \d\.\d{4} -> \d\.\d{4}/);
    expect(r.stdout).toMatch(/summary over 3 epoch\(s\) with kappa=0\.95/);
    const j = await runCli(['replay', '--db', db, '--from', '1', '--to', '3', '--set', 'kappa=0.95', '--json']);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[3].summary.changes).toBe('kappa=0.95');
  });

  test('--export-vector FILE: the vector passes the spec runner check', async () => {
    const file = join(dir, 'v.json');
    const r = await runCli(['replay', '--db', db, '--epoch', '3', '--export-vector', file]);
    expect(r.code).toBe(0);
    const v = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.parse(JSON.stringify(yumaEpoch(validateEpochInput(v.input))))).toEqual(v.expected);
    // and without a file it goes to stdout
    const s = await runCli(['replay', '--db', db, '--epoch', '1', '--export-vector']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).meta.source.epoch).toBe(1);
  });

  test.each([
    ['missing database', ['--db', 'DIR/none.db'], /validator log not found/],
    ['foreign database', ['--db', 'DIR/foreign.txt'], /not a validator log/],
    ['epoch not in the log', ['--db', 'DB', '--epoch', '7'], /epoch 7 is not in the log/],
    ['unknown scorer', ['--db', 'DB', '--scorer', 'bogus'], /unknown scorer "bogus"/],
    ['unknown parameter', ['--db', 'DB', '--set', 'kapa=1'], /unknown parameter "kapa"/],
    ['bad parameter value', ['--db', 'DB', '--set', 'yuma3=maybe'], /yuma3=maybe: expected true or false/],
    ['no --db', [], /--db FILE is required/],
    ['bad epoch number', ['--db', 'DB', '--epoch', 'x'], /--epoch must be a positive integer/],
  ])('bad input: %s → one clear line, non-zero exit', async (_name, args, re) => {
    writeFileSync(join(dir, 'foreign.txt'), 'not a database\n');
    const a = args.map((x) => x.replace('DIR', dir).replace(/^DB$/, db));
    const r = await runCli(['replay', ...a]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
  });

  test('a long range is replayed on worker threads, in epoch order, with the same results as one thread', async () => {
    const long = join(dir, 'long.db');
    const st = openLogStore(long);
    writeSyntheticLog(st, { n: 8, validators: 2, epochs: 70, stepsPerEpoch: 1, seed: 9 });
    st.close();
    const par = await runCli(['replay', '--db', long, '--json']);
    expect(par.code).toBe(0);
    const lines = par.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    expect(lines.every((l) => l.identical)).toBe(true);
    const noFf = await runCli(['replay', '--db', long, '--json', '--set', 'kappa=0.8', '--no-feed-forward']);
    expect(noFf.code).toBe(0);
    expect(noFf.stdout.trim().split('\n').filter((l) => l.includes('"epoch"'))).toHaveLength(70);
  });

  (CHROMIUM ? test : test.skip)(`--report renders in headless Chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not installed)'}`, async () => {
    const html = join(dir, 'replay.html');
    const r = await runCli(['replay', '--db', db, '--from', '1', '--to', '3', '--set', 'kappa=0.9', '--report', html]);
    expect(r.code).toBe(0);
    const out = spawnSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${html}`], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out.status).toBe(0);
    for (const k of ['line', 'heatmap', 'box', 'histogram']) expect(out.stdout).toMatch(new RegExp(`<svg [^>]*data-kind="${k}"`));
    expect(out.stdout).toContain('Incentive per uid across epochs');
    expect(out.stdout).toContain('<table class="data">');
    expect((out.stdout.match(/<path class="line"/g) ?? []).length).toBeGreaterThan(1);
  });
});
