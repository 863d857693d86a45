/**
 * Benchmarks: each `bench/<name>.bench.ts` exports `bench: BenchModule`. `npm run bench` runs them
 * all and prints their figures; `subnet bench NAME [--json]` runs one. Speed targets are checked
 * here, never by timed assertions in tests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchOptions {
  /** machine-readable output wanted: write nothing but the result object */
  json: boolean;
  /** a shorter run (CI smoke) */
  quick: boolean;
  /** human progress lines (stderr) */
  log: (line: string) => void;
  /** extra arguments after the bench name */
  args: string[];
}

export interface BenchModule {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<Record<string, unknown>>;
}

export function listBenches(): BenchModule[] {
  const out: BenchModule[] = [];
  for (const f of readdirSync(__dirname).sort()) {
    if (!/\.bench\.(js|ts)$/.test(f) || f.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(__dirname, f)) as { bench?: BenchModule };
    if (mod.bench) out.push(mod.bench);
  }
  return out;
}

export function findBench(name: string): BenchModule | undefined {
  return listBenches().find((b) => b.name === name);
}

/** Median, min, max of a sample (ms). */
export function summarize(samples: number[]): { median_ms: number; min_ms: number; max_ms: number; runs: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { runs: s.length, median_ms: r(median), min_ms: r(s[0]), max_ms: r(s[s.length - 1]) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
