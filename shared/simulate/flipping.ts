/**
 * Flipping miners. The first `flippers` miners serve honestly (their seeded quality) for
 * `flip_every` epochs, then garbage (quality 0) for `flip_every` epochs, and so on; every
 * validator evaluates honestly each epoch. Measures, after each flip, how many epochs the
 * flippers' incentive share and their bonds take to cover 50% / 90% of the way to the level they
 * reach by the end of that phase.
 */
import { Progress, columnBondLevel, range, settingsSummary } from './common';
import type { SimulateComponents, SimulateRunOptions } from './interface';
import { epochsToReach, mean, median, shareOf } from './metrics';
import { defaultScenarioOptions } from './options';
import { groupStakes, honestScores, minerQualities, minerUids } from './population';
import type { FlipStat, FlippingResult } from './result';
import { createRng } from './rng';
import type { FlippingScenario } from './scenario';
import { SimChain } from './simChain';
import { scoresToU16Row } from './weights';

export function runFlipping(sc: FlippingScenario, comps: SimulateComponents, opts: SimulateRunOptions = {}): FlippingResult {
  const V = sc.validators;
  const M = sc.miners;
  const miners = minerUids(V, M);
  const flippers = range(V, V + sc.flippers);
  const validators = range(0, V);
  const root = createRng(sc.seed);
  const stake = [...groupStakes(root.fork(2), V, defaultScenarioOptions.total_validator_stake, sc.stake_sigma), ...new Array<number>(M).fill(0)];
  const honestQ = minerQualities(root.fork(1), M, sc.quality_min);
  const noise = root.fork(3);
  const progress = new Progress(sc.epochs, opts);
  const chain = new SimChain(sc.consensus, stake, comps.yumaEpoch);
  const incS: number[] = [];
  const bondS: number[] = [];
  const honestS: number[] = [];
  for (let e = 0; e < sc.epochs; e++) {
    progress.check();
    const honest = Math.floor(e / sc.flip_every) % 2 === 0;
    const q = honestQ.map((x, j) => (j < sc.flippers && !honest ? 0 : x));
    for (let i = 0; i < V; i++) chain.setWeights(i, scoresToU16Row(miners, honestScores(noise, q, sc.noise)));
    const out = chain.runEpoch();
    incS.push(shareOf(out.incentive, flippers));
    bondS.push(mean(flippers.map((j) => columnBondLevel(out.bonds, validators, j))));
    honestS.push(honest ? 1 : 0);
    progress.tick();
  }
  const flips: FlipStat[] = [];
  for (let e = sc.flip_every; e < sc.epochs; e += sc.flip_every) {
    const end = Math.min(e + sc.flip_every, sc.epochs) - 1;
    const series = (xs: number[]) => xs.slice(0, end + 1);
    flips.push({
      epoch: e,
      to: honestS[e] === 1 ? 'honest' : 'garbage',
      incentive_epochs_to_50: epochsToReach(series(incS), e, incS[e - 1], incS[end], 0.5),
      incentive_epochs_to_90: epochsToReach(series(incS), e, incS[e - 1], incS[end], 0.9),
      bond_epochs_to_50: epochsToReach(series(bondS), e, bondS[e - 1], bondS[end], 0.5),
      bond_epochs_to_90: epochsToReach(series(bondS), e, bondS[e - 1], bondS[end], 0.9),
    });
  }
  const med = (to: 'honest' | 'garbage', key: keyof Omit<FlipStat, 'epoch' | 'to'>): number | null => {
    const xs = flips.filter((f) => f.to === to).map((f) => f[key]).filter((x): x is number => x !== null);
    return xs.length ? median(xs) : null;
  };
  const dir = (to: 'honest' | 'garbage') => ({
    incentive_epochs_to_50: med(to, 'incentive_epochs_to_50'),
    incentive_epochs_to_90: med(to, 'incentive_epochs_to_90'),
    bond_epochs_to_50: med(to, 'bond_epochs_to_50'),
    bond_epochs_to_90: med(to, 'bond_epochs_to_90'),
  });
  return {
    kind: 'flipping',
    scenario: sc.name,
    settings: settingsSummary(sc),
    flip_every: sc.flip_every,
    flipper_uids: flippers,
    flips,
    summary: { to_garbage: dir('garbage'), to_honest: dir('honest') },
    incentive_share_series: incS,
    bond_level_series: bondS,
    honest_series: honestS,
  };
}
