/**
 * Adversarial scenarios over the bit-exact Yuma epoch, without processes: pure and seeded (the
 * same scenario and seed give the same result). The epoch function comes in the components bag.
 */
import { runCollusion } from './collusion';
import { runFlipping } from './flipping';
import { runInactive } from './inactive';
import type { SimulateComponents, SimulateRunOptions } from './interface';
import type { SimulationResult } from './result';
import type { Scenario } from './scenario';
import { runWeightCopying } from './weightCopying';

export * from './errors';
export * from './interface';
export * from './result';
export * from './scenario';
export { defaultScenarioOptions } from './options';
export { runCollusion, runFlipping, runInactive, runWeightCopying };

/** Total epochs a scenario will simulate (for progress bars and benchmarks). */
export function scenarioEpochs(sc: Scenario): number {
  switch (sc.kind) {
    case 'collusion':
      return sc.epochs * sc.colluding_stake.length;
    case 'weight-copying':
      return sc.epochs * sc.copy_delays.length;
    default:
      return sc.epochs;
  }
}

export function runScenario(sc: Scenario, comps: SimulateComponents, opts: SimulateRunOptions = {}): SimulationResult {
  switch (sc.kind) {
    case 'collusion':
      return runCollusion(sc, comps, opts);
    case 'weight-copying':
      return runWeightCopying(sc, comps, opts);
    case 'inactive':
      return runInactive(sc, comps, opts);
    case 'flipping':
      return runFlipping(sc, comps, opts);
  }
}
