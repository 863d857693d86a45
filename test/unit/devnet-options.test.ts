import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyScenario, checkDevnetOptions, defaultOptions, parseMiners, parseValidators, parsePositiveInt } from '../../devnet/scenario';
import { createRunDir, defaultRunDir, layoutFor, minerFiles, validatorFiles } from '../../devnet/runDir';
import { orderingChecks, renderTable, summaryNeuron, u16ToFloat, type NeuronRow } from '../../devnet/table';
import { isSubnetError } from '../../shared/errors';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isSubnetError(e) ? e.code : 'not-a-subnet-error';
  }
  return undefined;
}

describe('devnet --miners / --validators', () => {
  test('a count repeats the default mix', () => {
    expect(parseMiners('6').map((m) => m.kind)).toEqual(['honest', 'honest', 'noisy', 'quantised', 'slow', 'garbage']);
    expect(parseMiners('8').map((m) => m.kind).slice(6)).toEqual(['honest', 'honest']);
    expect(parseMiners('1').map((m) => m.kind)).toEqual(['honest']);
  });
  test('a kind list with counts', () => {
    expect(parseMiners('honest=3,garbage').map((m) => m.kind)).toEqual(['honest', 'honest', 'honest', 'garbage']);
    expect(parseMiners(' noisy , quantised=2 ').map((m) => m.kind)).toEqual(['noisy', 'quantised', 'quantised']);
  });
  test('bad miner specs are errors naming the option', () => {
    expect(code(() => parseMiners('0'))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parseMiners('honest,evil'))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parseMiners('honest=x'))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parseMiners('999'))).toBe('DEVNET_BAD_OPTION');
  });
  test('validators: a count gives halving stakes, a list gives stakes', () => {
    expect(parseValidators('3').map((v) => v.stake_tao)).toEqual([1000, 500, 250]);
    expect(parseValidators('4').map((v) => v.stake_tao)).toEqual([1000, 500, 250, 125]);
    expect(parseValidators('10,5.5').map((v) => v.stake_tao)).toEqual([10, 5.5]);
    expect(code(() => parseValidators('0'))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parseValidators('10,-1'))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parseValidators('10,,3'))).toBe('DEVNET_BAD_OPTION');
  });
  test('integers', () => {
    expect(parsePositiveInt('--tempo', '12', 2)).toBe(12);
    expect(code(() => parsePositiveInt('--tempo', '1', 2))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => parsePositiveInt('--epochs', '2.5'))).toBe('DEVNET_BAD_OPTION');
  });
});

describe('devnet scenario files', () => {
  test('a full scenario applies over the defaults', () => {
    const o = applyScenario(defaultOptions(), {
      name: 'small',
      miners: [{ kind: 'honest', count: 2 }, 'garbage'],
      validators: [100, { stake_tao: 50, scorer: 'exact' }],
      tempo: 12,
      block_ms: 150,
      epochs: 4,
      kappa: 40000,
      yuma3: true,
      validator: { timeout_ms: 500, alpha: 0.5 },
      slow_delay_ms: 2000,
    });
    expect(o.scenarioName).toBe('small');
    expect(o.miners.map((m) => m.kind)).toEqual(['honest', 'honest', 'garbage']);
    expect(o.validators).toEqual([{ stake_tao: 100 }, { stake_tao: 50, scorer: 'exact' }]);
    expect(o.subnet.tempo).toBe(12);
    expect(o.subnet.kappa).toBe(40000);
    expect(o.subnet.yuma3).toBe(true);
    expect(o.blockMs).toBe(150);
    expect(o.epochs).toBe(4);
    expect(o.validator.timeout_ms).toBe(500);
    expect(o.validator.alpha).toBe(0.5);
    expect(o.validator.scorer).toBe(defaultOptions().validator.scorer);
    // the defaults object is not modified
    expect(defaultOptions().subnet.tempo).not.toBe(12);
  });
  test.each([
    ['not an object', [1, 2]],
    ['unknown field', { tempoo: 3 }],
    ['unknown miner kind', { miners: ['cheater'] }],
    ['bad count', { miners: [{ kind: 'honest', count: -1 }] }],
    ['no miners', { miners: [] }],
    ['bad stake', { validators: [{ stake_tao: 0 }] }],
    ['tempo too small', { tempo: 1 }],
    ['tempo not integer', { tempo: 2.5 }],
    ['unknown validator field', { validator: { scorerr: 'x' } }],
    ['alpha out of range', { validator: { alpha: 2 } }],
    ['yuma3 not a bool', { yuma3: 'yes' }],
  ])('%s is DEVNET_BAD_SCENARIO', (_name, raw) => {
    expect(code(() => applyScenario(defaultOptions(), raw))).toBe('DEVNET_BAD_SCENARIO');
  });
  test('a slow miner must outlast the timeout', () => {
    const o = defaultOptions();
    o.slowDelayMs = o.validator.timeout_ms;
    expect(code(() => checkDevnetOptions(o))).toBe('DEVNET_BAD_OPTION');
    expect(code(() => checkDevnetOptions(defaultOptions()))).toBeUndefined();
  });
  test('the example scenarios parse', () => {
    const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
    const dir = join(__dirname, '..', '..', 'examples', 'devnet');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) checkDevnetOptions(applyScenario(defaultOptions(), JSON.parse(readFileSync(join(dir, f), 'utf8'))));
  });
});

describe('devnet run folder', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'devnet-rundir-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('layout and creation', () => {
    const l = layoutFor(join(base, 'run'));
    createRunDir(l, ['miner-0', 'miner-1'], ['validator-0']);
    expect(existsSync(minerFiles(l, 'miner-1').dir)).toBe(true);
    expect(validatorFiles(l, 'validator-0').db).toBe(join(base, 'run', 'validators', 'validator-0', 'validator.db'));
    expect(existsSync(l.walletsDir)).toBe(true);
    expect(existsSync(l.chainDir)).toBe(true);
  });
  test('an empty existing folder is accepted, a used one is refused', () => {
    const dir = join(base, 'used');
    mkdirSync(dir);
    createRunDir(layoutFor(dir), [], []);
    const dir2 = join(base, 'used2');
    mkdirSync(dir2);
    writeFileSync(join(dir2, 'x'), '');
    expect(code(() => createRunDir(layoutFor(dir2), [], []))).toBe('DEVNET_RUN_DIR_NOT_EMPTY');
  });
  test('default run folder name', () => {
    expect(defaultRunDir('/x', new Date('2026-01-02T03:04:05.678Z'), 42)).toBe('/x/runs/20260102T030405Z-42');
  });
});

describe('devnet table', () => {
  const row = (uid: number, kind: NeuronRow['kind'], incentive: number): NeuronRow => ({
    uid,
    role: kind === 'validator' ? 'validator' : 'miner',
    kind,
    hotkey: `5H${uid}`,
    stake: kind === 'validator' ? 1000n * 1_000_000_000n : 0n,
    consensus: incentive,
    incentive,
    dividends: kind === 'validator' ? 65535 : 0,
    validator_trust: kind === 'validator' ? 60000 : 0,
    emission: 123_456_789n,
  });
  test('summary values are fractions and TAO', () => {
    const s = summaryNeuron(row(0, 'validator', 0));
    expect(s).toMatchObject({ uid: 0, role: 'validator', kind: 'validator', stake_tao: 1000, dividends: 1, validator_trust: u16ToFloat(60000), emission: 0.123456789 });
  });
  test('renders one line per neuron plus header lines', () => {
    const t = renderTable([row(0, 'validator', 0), row(1, 'honest', 30000), row(2, 'garbage', 0)], 'epoch 1');
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('epoch 1');
    expect(lines[1]).toMatch(/^uid\s+role\s+kind\s+stake/);
    expect(lines[4]).toMatch(/^1\s+miner\s+honest\s+0\.00\s+0\.4578\s+0\.4578/);
  });
  test('ordering checks', () => {
    const good = [row(1, 'honest', 20000), row(2, 'honest', 21000), row(3, 'noisy', 15000), row(4, 'quantised', 19000), row(5, 'slow', 0), row(6, 'garbage', 10)].map(summaryNeuron);
    expect(orderingChecks(good)).toEqual({ honest_beats_degraded: true, slow_garbage_near_zero: true });
    const bad = [row(1, 'honest', 20000), row(3, 'noisy', 25000), row(6, 'garbage', 5000)].map(summaryNeuron);
    expect(orderingChecks(bad)).toEqual({ honest_beats_degraded: false, slow_garbage_near_zero: false });
    expect(orderingChecks([])).toEqual({ honest_beats_degraded: false, slow_garbage_near_zero: false });
  });
});

describe('collusion scenarios (subnet simulate format) on the devnet', () => {
  const sim = { name: 'c', kind: 'collusion', validators: 4, miners: 5, epochs: 3, kappa: 0.5, yuma3: false, colluding_stake: [0, 0.6, 1], seed: 1 };
  test('the median point: colluders hold exactly that share of validator stake; one garbage cheater', () => {
    const o = checkDevnetOptions(applyScenario(defaultOptions(), sim));
    expect(o.collusion).toEqual({ colluding_stake: 0.6, from_points: [0, 0.6, 1] });
    const total = o.validators.reduce((s, v) => s + v.stake_tao, 0);
    const coll = o.validators.filter((v) => v.collude).reduce((s, v) => s + v.stake_tao, 0);
    expect(coll / total).toBeCloseTo(0.6, 6);
    expect(o.validators.filter((v) => v.collude)).toHaveLength(2);
    expect(o.miners.map((m) => m.kind)).toEqual(['garbage', 'honest', 'noisy', 'quantised', 'honest']);
    expect(o.subnet.kappa).toBe(32767);
    expect(o.subnet.yuma3).toBe(false);
    expect(o.epochs).toBe(3);
  });
  test('0 and 1: nobody, everybody colludes', () => {
    expect(applyScenario(defaultOptions(), { ...sim, colluding_stake: [0] }).validators.some((v) => v.collude)).toBe(false);
    expect(applyScenario(defaultOptions(), { ...sim, colluding_stake: [1] }).validators.every((v) => v.collude)).toBe(true);
  });
  test('a large simulated population is scaled down, and says so', () => {
    const o = applyScenario(defaultOptions(), { ...sim, validators: 16, miners: 48, epochs: 30 });
    expect(o.validators.length).toBeLessThanOrEqual(6);
    expect(o.miners.length).toBeLessThanOrEqual(8);
    expect(o.notes!.join(' ')).toMatch(/scaled down/);
  });
  test.each([
    ['a simulate kind the devnet cannot run', { ...sim, kind: 'sybil' }],
    ['bad colluding_stake', { ...sim, colluding_stake: [2] }],
    ['empty colluding_stake', { ...sim, colluding_stake: [] }],
    ['unsupported field', { ...sim, copy_delays: [1] }],
    ['bad kappa', { ...sim, kappa: 1.5 }],
  ])('%s is DEVNET_BAD_SCENARIO', (_n, raw) => {
    expect(code(() => applyScenario(defaultOptions(), raw))).toBe('DEVNET_BAD_SCENARIO');
  });
  test('colluding validators need a garbage miner', () => {
    const o = defaultOptions();
    o.miners = [{ kind: 'honest' }];
    o.validators = [{ stake_tao: 1, collude: true }];
    expect(code(() => checkDevnetOptions(o))).toBe('DEVNET_BAD_OPTION');
  });
});
