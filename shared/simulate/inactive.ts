/**
 * Validators that stop setting weights. A group holding `inactive_stake` of the validator stake
 * (uids 0..k-1) evaluates honestly until `stop_epoch`, then never sets weights again: its stored
 * weights go stale while miner qualities drift, until `last_update + activity_cutoff <
 * current_block` marks it inactive (SPEC.md §4.1). Measures when that happens, and how fast the
 * group's dividends and bonds fall away.
 */
import { Progress, bondMass, range, settingsSummary } from './common';
import type { SimulateComponents, SimulateRunOptions } from './interface';
import { epochsToReach, mean, shareOf } from './metrics';
import { defaultScenarioOptions } from './options';
import { driftQualities, groupSize, honestScores, minerQualities, minerUids, splitStakes } from './population';
import type { InactiveResult } from './result';
import { createRng } from './rng';
import type { InactiveScenario } from './scenario';
import { SimChain } from './simChain';
import { scoresToU16Row } from './weights';

export function runInactive(sc: InactiveScenario, comps: SimulateComponents, opts: SimulateRunOptions = {}): InactiveResult {
  const V = sc.validators;
  const M = sc.miners;
  const miners = minerUids(V, M);
  const root = createRng(sc.seed);
  const k = groupSize(V, sc.inactive_stake);
  const stake = [...splitStakes(root.fork(2), V, k, sc.inactive_stake, defaultScenarioOptions.total_validator_stake, sc.stake_sigma), ...new Array<number>(M).fill(0)];
  const stopped = range(0, k);
  const validators = range(0, V);
  const qualities = minerQualities(root.fork(1), M, sc.quality_min);
  const drift = root.fork(4);
  const noise = root.fork(3);
  const progress = new Progress(sc.epochs, opts);
  const chain = new SimChain(sc.consensus, stake, comps.yumaEpoch);

  const activeS: number[] = [];
  const divS: number[] = [];
  const bondS: number[] = [];
  const vtS: number[] = [];
  for (let e = 0; e < sc.epochs; e++) {
    progress.check();
    if (e > 0) driftQualities(drift, qualities, sc.quality_drift);
    for (let i = 0; i < V; i++) {
      const row = scoresToU16Row(miners, honestScores(noise, qualities, sc.noise));
      if (i >= k || e < sc.stop_epoch) chain.setWeights(i, row);
    }
    const out = chain.runEpoch();
    activeS.push(stopped.every((i) => out.active[i]) ? 1 : stopped.some((i) => out.active[i]) ? 0.5 : 0);
    divS.push(shareOf(out.dividends, stopped));
    const all = bondMass(out.bonds, validators);
    bondS.push(all > 0 ? bondMass(out.bonds, stopped) / all : 0);
    vtS.push(mean(stopped.map((i) => out.validator_trust[i] / 65535)));
    progress.tick();
  }
  const s = sc.stop_epoch;
  const firstInactive = activeS.findIndex((a, e) => e >= s && a === 0);
  const before = (xs: number[]): number => (s > 0 ? mean(xs.slice(0, s)) : xs[0]);
  const last = sc.epochs - 1;
  const divBefore = before(divS);
  const bondBefore = before(bondS);
  return {
    kind: 'inactive',
    scenario: sc.name,
    settings: settingsSummary(sc),
    inactive_stake: sc.inactive_stake,
    stopped_uids: stopped,
    stop_epoch: s,
    inactive_from_epoch: firstInactive >= 0 ? firstInactive : null,
    epochs_until_inactive: firstInactive >= 0 ? firstInactive - s + 1 : null,
    dividend_share_before: divBefore,
    dividend_share_last: divS[last],
    dividend_epochs_to_50: epochsToReach(divS, s, divBefore, divS[last], 0.5),
    dividend_epochs_to_90: epochsToReach(divS, s, divBefore, divS[last], 0.9),
    bond_share_before: bondBefore,
    bond_share_last: bondS[last],
    bond_epochs_to_50: epochsToReach(bondS, s, bondBefore, bondS[last], 0.5),
    bond_epochs_to_90: epochsToReach(bondS, s, bondBefore, bondS[last], 0.9),
    active_series: activeS,
    dividend_share_series: divS,
    bond_share_series: bondS,
    vtrust_series: vtS,
  };
}
