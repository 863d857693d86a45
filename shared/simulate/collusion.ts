/**
 * Collusion sweep. For each colluding stake fraction f, a fresh subnet runs `epochs` epochs:
 * colluding validators (holding f of the validator stake) put all their weight on one garbage
 * miner (the cheater, the last uid); honest validators weight every miner by its seeded quality
 * with noise (the cheater scores 0). The result is the cheater's share of incentive in the last
 * epoch. With `defect_epoch` > 0 the colluders evaluate honestly until then (bonds built up
 * honestly), so the run also shows how fast their dividends move after they defect. Every point
 * uses the same qualities, stake shapes and noise draws, so points differ only in f.
 */
import { Progress, range, settingsSummary } from './common';
import type { SimulateComponents, SimulateRunOptions } from './interface';
import { epochsToReach, shareOf } from './metrics';
import { groupSize, honestScores, minerQualities, minerUids, splitStakes } from './population';
import type { CollusionPoint, CollusionResult } from './result';
import { createRng } from './rng';
import type { CollusionScenario } from './scenario';
import { SimChain } from './simChain';
import { scoresToU16Row } from './weights';
import { defaultScenarioOptions } from './options';

export function runCollusion(sc: CollusionScenario, comps: SimulateComponents, opts: SimulateRunOptions = {}): CollusionResult {
  const V = sc.validators;
  const M = sc.miners;
  const miners = minerUids(V, M);
  const cheater = V + M - 1;
  const root = createRng(sc.seed);
  const qualities = minerQualities(root.fork(1), M, sc.quality_min);
  qualities[M - 1] = 0; // the cheater serves garbage
  const progress = new Progress(sc.colluding_stake.length * sc.epochs, opts);
  const points: CollusionPoint[] = [];

  for (const f of sc.colluding_stake) {
    const k = groupSize(V, f);
    const stake = [...splitStakes(root.fork(2), V, k, f, defaultScenarioOptions.total_validator_stake, sc.stake_sigma), ...new Array<number>(M).fill(0)];
    const colluders = range(0, k);
    const validators = range(0, V);
    const noise = root.fork(3);
    const chain = new SimChain(sc.consensus, stake, comps.yumaEpoch);
    const cheaterShare: number[] = [];
    const colluderDiv: number[] = [];
    for (let e = 0; e < sc.epochs; e++) {
      progress.check();
      for (let i = 0; i < V; i++) {
        const row = scoresToU16Row(miners, honestScores(noise, qualities, sc.noise));
        chain.setWeights(i, i < k && e >= sc.defect_epoch ? [[cheater, 65535]] : row);
      }
      const out = chain.runEpoch();
      cheaterShare.push(shareOf(out.incentive, [cheater]));
      colluderDiv.push(shareOf(out.dividends, colluders));
      progress.tick();
    }
    const last = sc.epochs - 1;
    const d = sc.defect_epoch;
    const before = d > 0 ? colluderDiv[d - 1] : 0;
    const vstake = validators.reduce((a, i) => a + stake[i], 0);
    points.push({
      colluding_stake: f,
      cheater_incentive_share: cheaterShare[last],
      actual_colluding_stake: vstake > 0 ? colluders.reduce((a, i) => a + stake[i], 0) / vstake : 0,
      colluders: k,
      colluder_dividend_share: colluderDiv[last],
      dividend_epochs_to_50: epochsToReach(colluderDiv, d, before, colluderDiv[last], 0.5),
      dividend_epochs_to_90: epochsToReach(colluderDiv, d, before, colluderDiv[last], 0.9),
      cheater_share_series: cheaterShare,
      colluder_dividend_series: colluderDiv,
    });
  }
  const sorted = [...points].sort((a, b) => a.colluding_stake - b.colluding_stake);
  const breaking = sorted.find((p) => p.cheater_incentive_share > 0.5);
  const breaks_at = breaking ? breaking.colluding_stake : null;
  const below = sorted.filter((p) => (breaks_at === null || p.colluding_stake < breaks_at) && p.cheater_incentive_share < 0.01);
  const safe_up_to = below.length ? below[below.length - 1].colluding_stake : null;
  return { kind: 'collusion', scenario: sc.name, settings: settingsSummary(sc), points, breaks_at, safe_up_to };
}
