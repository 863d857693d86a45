/**
 * `subnet simulate`'s flipping and inactive scenarios translated for the live devnet, and the
 * flipping miner's wall-clock phase.
 */
import { applyScenario, checkDevnetOptions, defaultOptions, LIVE_MAX_EPOCHS, LIVE_MAX_MINERS, LIVE_MAX_VALIDATORS } from '../../devnet/scenario';
import { flipClock, honestAt, FLIP_PERIOD_ENV, FLIP_START_ENV } from '../../devnet/handlers/flipping';
import { isSubnetError } from '../../shared/errors';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isSubnetError(err) ? err.code : `not a SubnetError: ${String(err)}`;
  }
  return undefined;
}

describe('flipping scenarios on the devnet', () => {
  const sim = { name: 'f', kind: 'flipping', validators: 3, miners: 4, epochs: 6, kappa: 0.5, yuma3: true, flippers: 1, flip_every: 2, seed: 11 };
  test('the first `flippers` miners flip, the rest are honest/noisy/quantised; validators equal stake', () => {
    const o = checkDevnetOptions(applyScenario(defaultOptions(), sim));
    expect(o.scenarioKind).toBe('flipping');
    expect(o.scenarioName).toBe('f');
    expect(o.flipping).toEqual({ flip_every: 2 });
    expect(o.miners.map((m) => m.kind)).toEqual(['flipping', 'honest', 'noisy', 'quantised']);
    expect(o.validators).toEqual([{ stake_tao: 1000 }, { stake_tao: 1000 }, { stake_tao: 1000 }]);
    expect(o.subnet.kappa).toBe(32767);
    expect(o.subnet.yuma3).toBe(true);
    expect(o.epochs).toBe(6);
    expect(o.seed).toBe(11);
    expect(o.notes).toEqual([]);
  });
  test('defaults: 1 flipper, flip_every 10 (and a note that the run ends before the first flip)', () => {
    const { flippers: _f, flip_every: _k, ...rest } = sim;
    const o = applyScenario(defaultOptions(), rest);
    expect(o.miners.filter((m) => m.kind === 'flipping')).toHaveLength(1);
    expect(o.flipping).toEqual({ flip_every: 10 });
    expect(o.notes!.join(' ')).toMatch(/flip_every 10 >= 6 epochs/);
  });
  test('examples/scenarios/flipping.json is scaled down (processes, epochs), and says so', () => {
    const o = applyScenario(defaultOptions(), { name: 'flipping-miner', kind: 'flipping', validators: 12, miners: 48, epochs: 160, kappa: 0.5, yuma3: true, flippers: 1, flip_every: 40, seed: 11 });
    expect(o.validators).toHaveLength(LIVE_MAX_VALIDATORS);
    expect(o.miners).toHaveLength(LIVE_MAX_MINERS);
    expect(o.epochs).toBe(LIVE_MAX_EPOCHS);
    expect(o.notes!.join(' ')).toMatch(/scaled down to 6 validators and 8 miners/);
    expect(o.notes!.join(' ')).toMatch(/20 epochs instead of 160/);
  });
  test('flippers are capped below the scaled miner count', () => {
    const o = applyScenario(defaultOptions(), { ...sim, miners: 40, flippers: 20 });
    expect(o.miners.filter((m) => m.kind === 'flipping')).toHaveLength(LIVE_MAX_MINERS - 1);
    expect(o.notes!.join(' ')).toMatch(/7 flipping miners instead of 20/);
  });
  test.each([
    ['every miner flips', { ...sim, flippers: 4 }],
    ['flippers 0', { ...sim, flippers: 0 }],
    ['flip_every 0', { ...sim, flip_every: 0 }],
    ['flip_every not an integer', { ...sim, flip_every: 1.5 }],
    ['one miner', { ...sim, miners: 1 }],
    ['a field of another kind', { ...sim, inactive_stake: 0.3 }],
    ['bad kappa', { ...sim, kappa: 2.5 }],
  ])('%s is DEVNET_BAD_SCENARIO', (_n, raw) => {
    expect(code(() => applyScenario(defaultOptions(), raw))).toBe('DEVNET_BAD_SCENARIO');
  });
});

describe('the flipping miner handler clock', () => {
  test('honest in phases 0, 2, 4 … and before the start; garbage in 1, 3 …', () => {
    const c = { periodMs: 1200, startMs: 10_000 };
    expect(honestAt(9_000, c)).toBe(true);
    expect(honestAt(10_000, c)).toBe(true);
    expect(honestAt(11_199, c)).toBe(true);
    expect(honestAt(11_200, c)).toBe(false);
    expect(honestAt(12_399, c)).toBe(false);
    expect(honestAt(12_400, c)).toBe(true);
    expect(honestAt(13_600, c)).toBe(false);
  });
  test('read from the environment; missing or bad values are errors', () => {
    expect(flipClock({ [FLIP_PERIOD_ENV]: '1200', [FLIP_START_ENV]: '5' })).toEqual({ periodMs: 1200, startMs: 5 });
    expect(() => flipClock({ [FLIP_START_ENV]: '5' })).toThrow(/DEVNET_FLIP_PERIOD_MS/);
    expect(() => flipClock({ [FLIP_PERIOD_ENV]: '0', [FLIP_START_ENV]: '5' })).toThrow(/DEVNET_FLIP_PERIOD_MS/);
    expect(() => flipClock({ [FLIP_PERIOD_ENV]: '100', [FLIP_START_ENV]: 'x' })).toThrow(/DEVNET_FLIP_START_MS/);
  });
});

describe('inactive scenarios on the devnet', () => {
  const sim = { name: 'i', kind: 'inactive', validators: 4, miners: 3, epochs: 8, kappa: 0.5, yuma3: true, inactive_stake: 0.3, stop_epoch: 3, seed: 3 };
  test('the first validators hold exactly inactive_stake and stop at stop_epoch; the others keep going', () => {
    const o = checkDevnetOptions(applyScenario(defaultOptions(), sim));
    expect(o.scenarioKind).toBe('inactive');
    expect(o.inactive).toEqual({ inactive_stake: 0.3, stop_epoch: 3 });
    const total = o.validators.reduce((s, v) => s + v.stake_tao, 0);
    const stopping = o.validators.filter((v) => v.stopAtEpoch !== undefined);
    expect(stopping).toHaveLength(1);
    expect(o.validators[0].stopAtEpoch).toBe(3);
    expect(stopping.reduce((s, v) => s + v.stake_tao, 0) / total).toBeCloseTo(0.3, 6);
    expect(o.miners.map((m) => m.kind)).toEqual(['honest', 'noisy', 'quantised']);
    // simulate's default activity cutoff for the live tempo (10): floor(13.889 · 10)
    expect(o.subnet.activity_cutoff).toBe(138);
  });
  test('activity_cutoff and tempo as given (tempo capped at 20)', () => {
    const o = applyScenario(defaultOptions(), { ...sim, activity_cutoff: 12, tempo: 5 });
    expect(o.subnet.activity_cutoff).toBe(12);
    expect(o.subnet.tempo).toBe(5);
    const big = applyScenario(defaultOptions(), { ...sim, tempo: 360 });
    expect(big.subnet.tempo).toBe(20);
    expect(big.subnet.activity_cutoff).toBe(277);
    expect(big.notes!.join(' ')).toMatch(/tempo 20 instead of 360/);
  });
  test('a stop epoch past the run is moved to its last-but-one epoch, and says so', () => {
    const o = applyScenario(defaultOptions(), { ...sim, stop_epoch: 10, epochs: 4 });
    expect(o.inactive!.stop_epoch).toBe(3);
    expect(o.validators[0].stopAtEpoch).toBe(3);
    expect(o.notes!.join(' ')).toMatch(/stop at epoch 3 instead of 10/);
  });
  test('a large share never stops every validator', () => {
    const o = applyScenario(defaultOptions(), { ...sim, inactive_stake: 0.99 });
    expect(o.validators.filter((v) => v.stopAtEpoch !== undefined)).toHaveLength(3);
    expect(o.validators[3].stopAtEpoch).toBeUndefined();
  });
  test.each([
    ['inactive_stake 0', { ...sim, inactive_stake: 0 }],
    ['inactive_stake 1', { ...sim, inactive_stake: 1 }],
    ['stop_epoch 0', { ...sim, stop_epoch: 0 }],
    ['one validator', { ...sim, validators: 1 }],
    ['a field of another kind', { ...sim, flip_every: 3 }],
    ['yuma3 not a boolean', { ...sim, yuma3: 'yes' }],
  ])('%s is DEVNET_BAD_SCENARIO', (_n, raw) => {
    expect(code(() => applyScenario(defaultOptions(), raw))).toBe('DEVNET_BAD_SCENARIO');
  });
});
