/**
 * Simulated epochs per second (`subnet simulate`): each epoch = every validator builds its u16
 * weight row from noisy scores + one bit-exact yumaEpoch + feeding bonds/permits forward.
 * Shapes: n=64 (16 validators, 48 miners) and n=256 (64 validators, 192 miners), classic and
 * Yuma3, plus Yuma3 with liquid alpha at n=64.
 */
import type { BenchModule } from './harness';

interface Shape {
  label: string;
  validators: number;
  miners: number;
  yuma3: boolean;
  liquid_alpha?: boolean;
}

const SHAPES: Shape[] = [
  { label: 'n64_classic', validators: 16, miners: 48, yuma3: false },
  { label: 'n64_yuma3', validators: 16, miners: 48, yuma3: true },
  { label: 'n64_yuma3_liquid_alpha', validators: 16, miners: 48, yuma3: true, liquid_alpha: true },
  { label: 'n256_classic', validators: 64, miners: 192, yuma3: false },
  { label: 'n256_yuma3', validators: 64, miners: 192, yuma3: true },
];

export const bench: BenchModule = {
  name: 'simulate',
  description: 'adversarial simulation: epochs/s at n=64 and n=256 (classic, yuma3)',
  async run(opts) {
    const { runScenario, validateScenario } = await import('../shared/simulate');
    const { yumaEpoch } = await import('../shared/yuma');
    const result: Record<string, unknown> = {};
    for (const s of SHAPES) {
      const epochs = opts.quick ? 20 : s.validators + s.miners > 64 ? 100 : 300;
      const sc = validateScenario({
        name: s.label,
        kind: 'flipping',
        validators: s.validators,
        miners: s.miners,
        epochs,
        kappa: 0.5,
        yuma3: s.yuma3,
        liquid_alpha: !!s.liquid_alpha,
        flip_every: 10,
        seed: 1,
      });
      // warm-up (JIT), then the measured run
      runScenario({ ...sc, epochs: 5 }, { yumaEpoch });
      const t0 = process.hrtime.bigint();
      runScenario(sc, { yumaEpoch });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const eps = Math.round((epochs / (ms / 1000)) * 10) / 10;
      result[`${s.label}_epochs_per_s`] = eps;
      result[`${s.label}_ms_per_epoch`] = Math.round((ms / epochs) * 1000) / 1000;
      opts.log(`${s.label}: ${epochs} epochs in ${ms.toFixed(0)} ms = ${eps} epochs/s`);
    }
    return result;
  },
};
