/**
 * Weight copying. Validator V-1 (the copier) does not evaluate: it sets as weights the miners'
 * consensus of an earlier epoch (epoch t-1-delay). Validator 0 (its twin) has exactly the same
 * stake and evaluates honestly, with noise, like validators 1..V-2. Miner qualities drift (a
 * random walk), so a stale consensus is worth less than a fresh evaluation. delay = 0 is copying
 * the last epoch's consensus; a commit-reveal-like scheme that hides weights for d epochs is
 * modelled as delay = d (the copier sees consensus d epochs later than without it).
 */
import { Progress, range, settingsSummary } from './common';
import type { SimulateComponents, SimulateRunOptions } from './interface';
import { mean } from './metrics';
import { defaultScenarioOptions } from './options';
import { driftQualities, groupStakes, honestScores, minerQualities, minerUids } from './population';
import type { CopyVariant, WeightCopyingResult } from './result';
import { createRng } from './rng';
import type { WeightCopyingScenario } from './scenario';
import { SimChain } from './simChain';
import { scoresToU16Row } from './weights';

export function runWeightCopying(sc: WeightCopyingScenario, comps: SimulateComponents, opts: SimulateRunOptions = {}): WeightCopyingResult {
  const V = sc.validators;
  const M = sc.miners;
  const miners = minerUids(V, M);
  const copier = V - 1;
  const twin = 0;
  const root = createRng(sc.seed);
  const stakeV = groupStakes(root.fork(2), V, defaultScenarioOptions.total_validator_stake, sc.stake_sigma);
  stakeV[copier] = stakeV[twin];
  const stake = [...stakeV, ...new Array<number>(M).fill(0)];
  const others = range(1, V - 1);
  const progress = new Progress(sc.copy_delays.length * sc.epochs, opts);
  const variants: CopyVariant[] = [];

  for (const delay of sc.copy_delays) {
    const qualities = minerQualities(root.fork(1), M, sc.quality_min);
    const drift = root.fork(4);
    const noise = root.fork(3);
    const chain = new SimChain(sc.consensus, stake, comps.yumaEpoch);
    const consensusHistory: number[][] = [];
    const cDiv: number[] = [];
    const tDiv: number[] = [];
    const cVt: number[] = [];
    const tVt: number[] = [];
    const oVt: number[] = [];
    for (let e = 0; e < sc.epochs; e++) {
      progress.check();
      if (e > 0) driftQualities(drift, qualities, sc.quality_drift);
      for (let i = 0; i < V - 1; i++) chain.setWeights(i, scoresToU16Row(miners, honestScores(noise, qualities, sc.noise)));
      const seen = e - 1 - delay;
      if (seen >= 0) {
        const cons = consensusHistory[seen];
        const row = scoresToU16Row(miners, miners.map((u) => cons[u]));
        if (row.length > 0) chain.setWeights(copier, row);
      }
      const out = chain.runEpoch();
      consensusHistory.push(out.consensus.slice());
      cDiv.push(out.dividends[copier] / 65535);
      tDiv.push(out.dividends[twin] / 65535);
      cVt.push(out.validator_trust[copier] / 65535);
      tVt.push(out.validator_trust[twin] / 65535);
      oVt.push(others.length ? mean(others.map((i) => out.validator_trust[i] / 65535)) : NaN);
      progress.tick();
    }
    const half = Math.floor(sc.epochs / 2);
    const cd = mean(cDiv.slice(half));
    const td = mean(tDiv.slice(half));
    variants.push({
      delay,
      copier_uid: copier,
      twin_uid: twin,
      copier_dividends: cd,
      twin_dividends: td,
      dividend_ratio: td > 0 ? cd / td : null,
      copier_vtrust: mean(cVt.slice(half)),
      twin_vtrust: mean(tVt.slice(half)),
      honest_vtrust: mean(oVt.slice(half)),
      copier_dividend_series: cDiv,
      twin_dividend_series: tDiv,
      copier_vtrust_series: cVt,
      twin_vtrust_series: tVt,
    });
  }
  return { kind: 'weight-copying', scenario: sc.name, settings: settingsSummary(sc), quality_drift: sc.quality_drift, variants };
}
