/**
 * Yuma epoch speed on generated, realistic inputs (shared/yuma/generate.ts: lognormal stake,
 * sparse rows from the SDK weight path, bonds from warm-up epochs), side by side with the
 * figures of subtensor's own Rust epoch (release build, same machine class) from
 * ../shared/yuma/vectors/README.md. Also times the one large reference vector.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { summarize, type BenchModule } from './harness';
import { packageRoot } from '../shared/paths';
import { validateEpochInput, yumaEpoch, type EpochInput } from '../shared/yuma';
import { benchShape, generateEpochInput } from '../shared/yuma/generate';

type Mode = 'classic' | 'yuma3' | 'yuma3_liquid_alpha';

/** Rust sparse epoch medians, ms [low, high] over repeats (vectors/README "Performance anchor"). */
const RUST_MS: Record<string, [number, number] | undefined> = {
  n256_classic: [0.52, 0.83],
  n256_yuma3_liquid_alpha: [22.9, 23.3],
  n1024_classic: [1.94, 3.23],
  n1024_yuma3: [2.2, 3.6],
  n1024_yuma3_liquid_alpha: [362, 367],
  n4096_classic: [28.6, 28.6],
  n4096_yuma3: [27.0, 27.0],
};

/** Wall-clock ms per run; `cpu` receives this process's CPU ms per run (user + system). */
function time(input: EpochInput, runs: number, cpu: number[] = []): number[] {
  for (let i = 0; i < Math.max(5, runs >> 3); i++) yumaEpoch(input);
  const out: number[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    yumaEpoch(input);
    out[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return out;
}

export const bench: BenchModule = {
  name: 'yuma',
  description: 'Yuma epoch (bit-exact) at n=256/1024/4096, classic / Yuma3 / Yuma3+liquid alpha, vs subtensor Rust',
  async run(opts) {
    const cases: Record<string, unknown>[] = [];
    opts.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    const sizes = [256, 1024, 4096];
    const modes: Mode[] = ['classic', 'yuma3', 'yuma3_liquid_alpha'];
    for (const n of sizes) {
      for (const mode of modes) {
        const key = `n${n}_${mode}`;
        const input = generateEpochInput({ n, ...benchShape(n), seed: 2026, yuma3: mode !== 'classic', liquidAlpha: mode === 'yuma3_liquid_alpha' });
        const runs = opts.quick ? 5 : n <= 256 ? 101 : n <= 1024 ? 51 : 21;
        // like the Rust figures: a median per repeat, 3 repeats; all samples summarised together
        const repeats = opts.quick ? 1 : 3;
        const all: number[] = [];
        const cpu: number[] = [];
        const repeatMedians: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const t = time(input, runs, cpu);
          all.push(...t);
          repeatMedians.push(summarize(t).median_ms);
        }
        const s = summarize(all);
        const rust = RUST_MS[key];
        const rustMid = rust ? (rust[0] + rust[1]) / 2 : null;
        const row = {
          case: key,
          n,
          weights: input.weights.reduce((a, r) => a + r.length, 0),
          bonds: input.bonds.reduce((a, r) => a + r.length, 0),
          permits: input.validator_permit.filter(Boolean).length,
          ...s,
          repeat_medians_ms: repeatMedians,
          // CPU time excludes waiting for a core when other processes compete for it
          cpu_median_ms: summarize(cpu).median_ms,
          rust_ms: rust ?? null,
          ratio_vs_rust: rustMid ? Math.round((s.median_ms / rustMid) * 100) / 100 : null,
          cpu_ratio_vs_rust: rustMid ? Math.round((summarize(cpu).median_ms / rustMid) * 100) / 100 : null,
        };
        cases.push(row);
        opts.log(
          `${key.padEnd(26)} weights=${String(row.weights).padStart(6)}  median ${s.median_ms.toFixed(3).padStart(8)} ms  cpu ${row.cpu_median_ms.toFixed(3).padStart(8)} ms  (repeats ${repeatMedians.map((m) => m.toFixed(2)).join('/')}; min ${s.min_ms.toFixed(3)}, max ${s.max_ms.toFixed(3)})` +
            (rust ? `   rust ${rust[0]}-${rust[1]} ms   ratio ${row.ratio_vs_rust}x (cpu ${row.cpu_ratio_vs_rust}x)` : '   rust: no figure'),
        );
      }
    }
    // the reference vector itself (same input the Rust figure was measured on)
    const vecFile = [join(packageRoot(), '..', 'shared', 'yuma', 'vectors', 'large_n256_classic.json'), join(packageRoot(), 'test', 'spec', 'vectors', 'yuma', 'large_n256_classic.json')].find((f) => existsSync(f));
    if (vecFile) {
      const input = validateEpochInput((JSON.parse(readFileSync(vecFile, 'utf8')) as { input: unknown }).input);
      const s = summarize(time(input, opts.quick ? 5 : 101));
      const rust = RUST_MS.n256_classic!;
      const ratio = Math.round((s.median_ms / ((rust[0] + rust[1]) / 2)) * 100) / 100;
      cases.push({ case: 'vector_large_n256_classic', n: 256, ...s, rust_ms: rust, ratio_vs_rust: ratio });
      opts.log(`${'vector large_n256_classic'.padEnd(26)} median ${s.median_ms.toFixed(3).padStart(8)} ms  (min ${s.min_ms.toFixed(3)}, max ${s.max_ms.toFixed(3)})   rust ${rust[0]}-${rust[1]} ms   ratio ${ratio}x`);
    }
    // other processes share the cores: the load average says how far to trust the figures
    return { node: process.version, loadavg_1m: Math.round(loadavg()[0] * 100) / 100, cases };
  },
};
