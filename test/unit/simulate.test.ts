/**
 * Simulator: scenario validation (error codes and named fields), seeded determinism, and the
 * physics of each scenario on the real bit-exact yumaEpoch (shared/yuma).
 */
import { yumaEpoch } from '../../shared/yuma';
import {
  SimulateError,
  SimulateErrorCode,
  parseScenario,
  runScenario,
  validateScenario,
  type CollusionResult,
  type FlippingResult,
  type InactiveResult,
  type WeightCopyingResult,
} from '../../shared/simulate';
import { jsonResult, formatResult } from '../../shared/simulate/format';
import { epochsToReach, shareOf } from '../../shared/simulate/metrics';
import { createRng } from '../../shared/simulate/rng';
import { SimChain, initialPermits } from '../../shared/simulate/simChain';
import type { EpochInput } from '../../shared/yuma/types';
import { scoresToU16Row } from '../../shared/simulate/weights';

const comps = { yumaEpoch };

const base = {
  name: 't',
  kind: 'collusion',
  validators: 8,
  miners: 16,
  epochs: 8,
  kappa: 0.5,
  yuma3: false,
  colluding_stake: [0, 0.25, 0.5, 0.75, 1],
  seed: 1,
};

function codeAndField(fn: () => unknown): { code: string; field: unknown } {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimulateError) return { code: err.code, field: err.context.field };
    throw err;
  }
  throw new Error('no error thrown');
}

describe('scenario validation', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['unknown kind', { ...base, kind: 'sybil' }, 'kind'],
    ['kind missing', { ...base, kind: undefined }, 'kind'],
    ['name missing', { ...base, name: undefined }, 'name'],
    ['empty name', { ...base, name: ' ' }, 'name'],
    ['validators missing', { ...base, validators: undefined }, 'validators'],
    ['validators < 1', { ...base, validators: 0 }, 'validators'],
    ['validators not an integer', { ...base, validators: 2.5 }, 'validators'],
    ['miners missing', { ...base, miners: undefined }, 'miners'],
    ['miners < 2 for collusion', { ...base, miners: 1 }, 'miners'],
    ['epochs missing', { ...base, epochs: undefined }, 'epochs'],
    ['epochs 0', { ...base, epochs: 0 }, 'epochs'],
    ['seed missing', { ...base, seed: undefined }, 'seed'],
    ['seed negative', { ...base, seed: -1 }, 'seed'],
    ['kappa missing', { ...base, kappa: undefined }, 'kappa'],
    ['kappa negative', { ...base, kappa: -0.1 }, 'kappa'],
    ['kappa fractional above 1', { ...base, kappa: 1.5 }, 'kappa'],
    ['kappa above u16', { ...base, kappa: 70000 }, 'kappa'],
    ['kappa a string', { ...base, kappa: '0.5' }, 'kappa'],
    ['yuma3 missing', { ...base, yuma3: undefined }, 'yuma3'],
    ['yuma3 not boolean', { ...base, yuma3: 'yes' }, 'yuma3'],
    ['colluding_stake missing', { ...base, colluding_stake: undefined }, 'colluding_stake'],
    ['colluding_stake empty', { ...base, colluding_stake: [] }, 'colluding_stake'],
    ['colluding_stake above 1', { ...base, colluding_stake: [0.2, 1.2] }, 'colluding_stake[1]'],
    ['colluding_stake negative', { ...base, colluding_stake: [-0.1] }, 'colluding_stake[0]'],
    ['colluding_stake not numbers', { ...base, colluding_stake: ['half'] }, 'colluding_stake[0]'],
    ['one validator cannot split stake', { ...base, validators: 1, colluding_stake: [0, 0.5, 1] }, 'validators'],
    ['unknown field (typo)', { ...base, kapa: 0.5 }, 'kapa'],
    ['field of another kind', { ...base, flip_every: 3 }, 'flip_every'],
    ['uids above the limit', { ...base, validators: 4000, miners: 200 }, 'miners'],
    ['liquid_alpha low > high', { ...base, liquid_alpha: { alpha_low: 60000, alpha_high: 50000 } }, 'liquid_alpha.alpha_low'],
    ['tempo 0', { ...base, tempo: 0 }, 'tempo'],
    ['defect_epoch beyond the run', { ...base, defect_epoch: 8 }, 'defect_epoch'],
    ['weight-copying with 2 validators', { ...base, kind: 'weight-copying', colluding_stake: undefined, validators: 2 }, 'validators'],
    ['copy_delays negative', { ...base, kind: 'weight-copying', colluding_stake: undefined, copy_delays: [0, -1] }, 'copy_delays[1]'],
    ['inactive_stake 1', { ...base, kind: 'inactive', colluding_stake: undefined, inactive_stake: 1 }, 'inactive_stake'],
    ['stop_epoch beyond epochs', { ...base, kind: 'inactive', colluding_stake: undefined, stop_epoch: 8 }, 'stop_epoch'],
    ['every miner flipping', { ...base, kind: 'flipping', colluding_stake: undefined, flippers: 16 }, 'flippers'],
    ['flip_every 0', { ...base, kind: 'flipping', colluding_stake: undefined, flip_every: 0 }, 'flip_every'],
  ];
  it.each(bad)('%s -> SIMULATE_BAD_SCENARIO naming the field', (_name, obj, field) => {
    const raw = JSON.parse(JSON.stringify(obj)) as unknown; // drops undefined fields
    const r = codeAndField(() => validateScenario(raw));
    expect(r.code).toBe(SimulateErrorCode.BAD_SCENARIO);
    expect(r.field).toBe(field);
  });

  it('errors are one line and name the field', () => {
    try {
      validateScenario({ ...base, colluding_stake: [2] });
    } catch (err) {
      expect((err as Error).message).toContain('colluding_stake[0]');
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('rejects non-objects and bad JSON with their own codes', () => {
    expect(codeAndField(() => validateScenario([1, 2])).code).toBe(SimulateErrorCode.BAD_SCENARIO);
    expect(codeAndField(() => validateScenario(null)).code).toBe(SimulateErrorCode.BAD_SCENARIO);
    expect(codeAndField(() => parseScenario('{"name": ')).code).toBe(SimulateErrorCode.BAD_JSON);
  });

  it.each([
    [0.5, 32767, 'fraction 0.5 -> the chain default'],
    [1, 65535, 'fraction 1 -> u16 max (not u16 1)'],
    [0, 0, 'zero'],
    [0.8, 52428, 'fraction 0.8 -> floor(0.8*65535)'],
    [32767, 32767, 'u16 taken as is'],
    [2, 2, 'smallest u16 above 1'],
    [65535, 65535, 'u16 max'],
  ])('kappa %p -> u16 %p (%s)', (k, u16) => {
    expect(validateScenario({ ...base, kappa: k }).consensus.kappa_u16).toBe(u16);
  });

  it('fills documented defaults', () => {
    const s = validateScenario({ ...base, tempo: 100 });
    expect(s.consensus.activity_cutoff).toBe(Math.floor((13889 * 100) / 1000));
    expect(s.consensus.bonds_moving_average).toBe(900000);
    expect(s.consensus.bonds_penalty_u16).toBe(65535);
    expect(s.consensus.liquid_alpha).toBeNull();
    expect(validateScenario({ ...base, liquid_alpha: true }).consensus.liquid_alpha).toEqual({ alpha_low: 45875, alpha_high: 58982, alpha_sigmoid_steepness: 1000 });
  });
});

describe('pure parts', () => {
  it('rng: same seed same stream, different seed different stream', () => {
    const a = createRng(5);
    const b = createRng(5);
    const c = createRng(6);
    const xa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xa);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('scoresToU16Row: max -> 65535, zeros dropped, ascending uids', () => {
    expect(scoresToU16Row([9, 7, 8], [0.5, 1, 0])).toEqual([
      [7, 65535],
      [9, 32768], // round-half-even(32767.5) = 32768
    ]);
    expect(scoresToU16Row([1, 2], [0, 0])).toEqual([]);
  });

  it('initialPermits: top-k non-zero stake, ties drop lower uids first', () => {
    expect(initialPermits([5, 0, 5, 1], 2)).toEqual([true, false, true, false]);
    expect(initialPermits([3, 3, 3, 0], 2)).toEqual([false, true, true, false]);
    expect(initialPermits([1, 0], 4)).toEqual([true, false]);
  });

  it('epochsToReach and shareOf', () => {
    const s = [0, 0.3, 0.6, 0.9, 1];
    expect(epochsToReach(s, 1, 0, 1, 0.5)).toBe(2);
    expect(epochsToReach(s, 1, 0, 1, 0.9)).toBe(3);
    expect(epochsToReach([1, 0.5, 0.1, 0], 1, 1, 0, 0.5)).toBe(1);
    expect(epochsToReach(s, 1, 0.5, 0.5, 0.5)).toBeNull();
    expect(shareOf([1, 3], [1])).toBe(0.75);
    expect(shareOf([0, 0], [1])).toBe(0);
  });
});

function collusion(over: Record<string, unknown> = {}): CollusionResult {
  return runScenario(validateScenario({ ...base, ...over }), comps) as CollusionResult;
}

describe('chain feed-forward (SPEC.md §2)', () => {
  it('feeds bonds and new permits forward, advances tempo+1 blocks, sets last_update at set_weights', () => {
    const sc = validateScenario({ ...base, tempo: 99, max_allowed_validators: 2 });
    const seen: EpochInput[] = [];
    // records every input and hands it to the real epoch
    const chain = new SimChain(sc.consensus, [30, 20, 10, 0], (inp) => {
      seen.push(JSON.parse(JSON.stringify(inp)) as EpochInput);
      return yumaEpoch(inp);
    });
    expect(chain.permits).toEqual([true, true, false, false]);
    chain.setWeights(0, [[3, 65535]]);
    chain.setWeights(1, [[3, 65535]]);
    const o1 = chain.runEpoch();
    chain.setWeights(1, [[3, 65535]]);
    const o2 = chain.runEpoch();
    chain.runEpoch();
    expect(seen.map((i) => i.current_block)).toEqual([1000, 1100, 1200]);
    expect(seen.map((i) => i.last_mechanism_step_block)).toEqual([0, 1000, 1100]);
    expect(seen[0].last_update).toEqual([999, 999, 0, 0]);
    expect(seen[1].last_update).toEqual([999, 1099, 0, 0]);
    expect(seen[2].last_update).toEqual([999, 1099, 0, 0]);
    expect(seen[1].bonds).toEqual(o1.bonds);
    expect(seen[2].bonds).toEqual(o2.bonds);
    expect(seen[1].validator_permit).toEqual(o1.new_validator_permit);
    expect(seen[0].weights[2]).toEqual([]); // validator 2 never set weights
    expect(o1.bonds[0].length).toBeGreaterThan(0);
    expect(seen.every((i) => i.n === 4 && i.tempo === 99 && i.kappa_u16 === 32767 && i.commit_reveal === null)).toBe(true);
  });
});

describe('collusion (real yumaEpoch)', () => {
  it('same seed -> identical result; another seed -> different honest evaluations', () => {
    const a = collusion();
    const b = collusion();
    expect(b).toEqual(a);
    const c = runScenario(validateScenario({ ...base, kind: 'flipping', colluding_stake: undefined, seed: 2 }), comps) as FlippingResult;
    const d = runScenario(validateScenario({ ...base, kind: 'flipping', colluding_stake: undefined, seed: 3 }), comps) as FlippingResult;
    expect(c.incentive_share_series).not.toEqual(d.incentive_share_series);
  });

  it.each([false, true])('kappa 0.5, yuma3=%p: 0 at 0%%, 1 at 100%%, takes over just above 50%%, monotone', (yuma3) => {
    const fr = [0, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49, 0.51, 0.55, 0.6, 0.8, 1];
    const r = collusion({ yuma3, validators: 10, colluding_stake: fr });
    const share = r.points.map((p) => p.cheater_incentive_share);
    expect(share[0]).toBe(0);
    expect(share[share.length - 1]).toBe(1);
    for (let i = 1; i < share.length; i++) expect(share[i]).toBeGreaterThanOrEqual(share[i - 1] - 0.02);
    for (const p of r.points) {
      if (p.colluding_stake < 0.5) expect(p.cheater_incentive_share).toBeLessThan(0.01);
      if (p.colluding_stake > 0.5) expect(p.cheater_incentive_share).toBeGreaterThan(0.99);
      expect(Math.abs(p.actual_colluding_stake - p.colluding_stake)).toBeLessThan(1e-6);
    }
    expect(r.breaks_at).toBe(0.51);
    expect(r.safe_up_to).toBe(0.49);
  });

  it('the break point follows kappa: at kappa 0.8 the cheater needs more than 80% of stake', () => {
    const r = collusion({ kappa: 0.8, colluding_stake: [0.3, 0.7, 0.75, 0.85, 0.9] });
    const at = (f: number) => r.points.find((p) => p.colluding_stake === f)!.cheater_incentive_share;
    expect(at(0.3)).toBe(0);
    expect(at(0.75)).toBe(0);
    expect(at(0.85)).toBe(1);
    expect(r.breaks_at).toBe(0.85);
  });

  it('colluders that defect after honest epochs lose their dividends at the bond EMA pace below kappa, at once above it', () => {
    for (const yuma3 of [false, true]) {
      const r = collusion({ yuma3, epochs: 50, defect_epoch: 20, colluding_stake: [0.3, 0.7] });
      const [below, above] = r.points;
      expect(below.colluder_dividend_series[19]).toBeGreaterThan(0.2); // honest so far: dividends ~ stake
      expect(below.colluder_dividend_share).toBeLessThan(0.02);
      expect(below.dividend_epochs_to_50).toBeGreaterThanOrEqual(5);
      expect(below.dividend_epochs_to_50).toBeLessThanOrEqual(12);
      expect(above.colluder_dividend_share).toBe(1);
      expect(above.dividend_epochs_to_50).toBe(1);
      expect(above.cheater_share_series[19]).toBe(0);
      expect(above.cheater_share_series[20]).toBe(1);
    }
  });

  it('--json form has exactly the acceptance keys', () => {
    const r = collusion({ colluding_stake: [0, 1] });
    const j = jsonResult(r);
    expect(Object.keys(j)).toEqual(['scenario', 'points']);
    for (const p of j.points as Record<string, unknown>[]) expect(Object.keys(p)).toEqual(['colluding_stake', 'cheater_incentive_share']);
    expect(formatResult(r)).toContain('cheater');
  });
});

describe('other kinds (real yumaEpoch)', () => {
  it('weight-copying: copier and twin metrics per delay; the copier is no better with a longer delay', () => {
    const sc = validateScenario({ ...base, kind: 'weight-copying', colluding_stake: undefined, yuma3: true, validators: 6, miners: 16, epochs: 30, copy_delays: [0, 3], quality_drift: 0.08 });
    const r = runScenario(sc, comps) as WeightCopyingResult;
    expect(r.variants.map((v) => v.delay)).toEqual([0, 3]);
    for (const v of r.variants) {
      expect(v.copier_uid).toBe(5);
      expect(v.twin_uid).toBe(0);
      expect(v.copier_dividend_series).toHaveLength(30);
      expect(v.copier_dividends).toBeGreaterThan(0);
      expect(v.twin_dividends).toBeGreaterThan(0);
      expect(v.dividend_ratio).toBeCloseTo(v.copier_dividends / v.twin_dividends, 12);
      expect(v.copier_vtrust).toBeGreaterThan(0);
      expect(v.copier_vtrust).toBeLessThanOrEqual(1);
      // no consensus to copy yet in the first epoch: the copier has set no weights
      expect(v.copier_vtrust_series[0]).toBe(0);
    }
    // the honest twin does not depend on the copier's delay much; the copier loses trust with staler copies
    expect(r.variants[1].copier_vtrust).toBeLessThan(r.variants[0].copier_vtrust);
    expect(r.variants[1].dividend_ratio!).toBeLessThan(r.variants[0].dividend_ratio!);
  });

  it('inactive: goes inactive exactly when last_update + activity_cutoff < block, then earns no dividends (yuma3)', () => {
    const sc = validateScenario({ ...base, kind: 'inactive', colluding_stake: undefined, yuma3: true, epochs: 30, stop_epoch: 4, tempo: 100, activity_cutoff: 450, inactive_stake: 0.25 });
    const r = runScenario(sc, comps) as InactiveResult;
    // k epochs after the last set: inactive once k*(tempo+1) > cutoff + 1
    const k = Math.floor((450 + 1) / 101) + 1;
    expect(r.epochs_until_inactive).toBe(k);
    expect(r.inactive_from_epoch).toBe(4 + k - 1);
    expect(r.active_series.slice(0, r.inactive_from_epoch!)).toEqual(new Array(r.inactive_from_epoch).fill(1));
    expect(r.active_series[r.inactive_from_epoch!]).toBe(0);
    expect(r.dividend_share_before).toBeGreaterThan(0.15);
    expect(r.dividend_share_series[r.inactive_from_epoch!]).toBe(0);
    expect(r.dividend_share_last).toBe(0);
  });

  it('flipping: incentive follows in one epoch; yuma3 bonds decay like the 0.1 EMA (about 7 epochs to 50%)', () => {
    const sc = validateScenario({ ...base, kind: 'flipping', colluding_stake: undefined, yuma3: true, epochs: 90, flip_every: 30 });
    const r = runScenario(sc, comps) as FlippingResult;
    expect(r.flips.map((f) => [f.epoch, f.to])).toEqual([
      [30, 'garbage'],
      [60, 'honest'],
    ]);
    for (const f of r.flips) {
      expect(f.incentive_epochs_to_50).toBe(1);
      expect(f.incentive_epochs_to_90).toBe(1);
    }
    const g = r.flips[0];
    // pure EMA with alpha 0.1: 0.9^k <= 0.5 at k = 7, <= 0.1 at k = 22
    expect(g.bond_epochs_to_50).toBeGreaterThanOrEqual(5);
    expect(g.bond_epochs_to_50).toBeLessThanOrEqual(8);
    expect(g.bond_epochs_to_90).toBeGreaterThanOrEqual(15);
    expect(g.bond_epochs_to_90).toBeLessThanOrEqual(24);
    expect(r.incentive_share_series[35]).toBe(0);
  });

  it('aborts between epochs', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => runScenario(validateScenario(base), comps, { signal: ac.signal })).toThrow();
  });
});
