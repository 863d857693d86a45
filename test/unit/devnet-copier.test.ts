import { applyScenario, defaultOptions } from '../../devnet/scenario';
import { copiedWeights } from '../../devnet/copier';
import { SubnetError } from '../../shared/errors';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof SubnetError ? e.code : String(e);
  }
  return undefined;
};

const sim = { name: 'wc', kind: 'weight-copying', validators: 12, miners: 48, epochs: 60, kappa: 0.5, yuma3: true, seed: 3, quality_drift: 0.05, copy_delays: [0, 1, 2, 4] };

describe('weight-copying scenario translation', () => {
  test('scaled down; the last validator is the copier with the same stake as every honest one; median delay', () => {
    const o = applyScenario(defaultOptions(), sim);
    expect(o.scenarioKind).toBe('weight-copying');
    expect(o.validators.length).toBe(6);
    expect(o.miners.length).toBe(8);
    expect(o.validators.map((v) => v.stake_tao)).toEqual(Array(6).fill(1000));
    expect(o.validators.filter((v) => v.copier)).toHaveLength(1);
    expect(o.validators[5].copier).toEqual({ delay: 1 });
    expect(o.weightCopying).toEqual({ delay: 1, from_delays: [0, 1, 2, 4] });
    expect(o.epochs).toBe(20);
    expect(o.subnet.kappa).toBe(Math.floor(0.5 * 65535));
    expect(o.notes!.join(' ')).toMatch(/scaled down/);
    expect(o.miners.every((m) => ['honest', 'noisy', 'quantised'].includes(m.kind))).toBe(true);
  });
  test('small population: 2 honest + 1 copier, default delays [0,1,2] give delay 1', () => {
    const o = applyScenario(defaultOptions(), { name: 'w', kind: 'weight-copying', validators: 3, miners: 3, epochs: 3, kappa: 0.5, yuma3: true, seed: 1 });
    expect(o.validators).toEqual([{ stake_tao: 1000 }, { stake_tao: 1000 }, { stake_tao: 1000, copier: { delay: 1 } }]);
    expect(o.miners).toHaveLength(3);
  });
  test.each([
    ['negative delay', { copy_delays: [-1] }],
    ['empty delays', { copy_delays: [] }],
    ['non-integer delay', { copy_delays: [0.5] }],
    ['one validator', { validators: 1 }],
    ['unsupported field', { colluding_stake: [0.3] }],
  ])('%s is DEVNET_BAD_SCENARIO', (_n, extra) => {
    expect(code(() => applyScenario(defaultOptions(), { ...sim, ...extra }))).toBe('DEVNET_BAD_SCENARIO');
  });
});

describe('copiedWeights', () => {
  const c1 = [0, 0, 0, 0.5, 0.3, 0.2];
  const c2 = [0, 0, 0, 0.1, 0.1, 0.8];
  test('delay 0 copies the last consensus as u16 (max-upscaled), without validators and itself', () => {
    expect(copiedWeights([c1], 0, 2)).toEqual({ uids: [3, 4, 5], weights: [65535, 39321, 26214] });
    expect(copiedWeights([c1, c2], 0, 2)).toEqual({ uids: [3, 4, 5], weights: [8192, 8192, 65535] });
  });
  test('delay d copies the consensus seen d epochs earlier, nothing before d + 1 epochs', () => {
    expect(copiedWeights([c1], 1, 2)).toBeNull();
    expect(copiedWeights([c1, c2], 1, 2)).toEqual(copiedWeights([c1], 0, 2));
    expect(copiedWeights([c1, c2, c2], 2, 2)).toEqual(copiedWeights([c1], 0, 2));
  });
  test('an all-zero consensus (no consensus yet) sets nothing; its own uid is skipped', () => {
    expect(copiedWeights([[0, 0, 0, 0]], 0, 0)).toBeNull();
    expect(copiedWeights([[0, 0, 1]], 0, 2)).toBeNull();
    expect(copiedWeights([[0, 0.2, 1]], 0, 2)).toEqual({ uids: [1], weights: [65535] });
  });
});
