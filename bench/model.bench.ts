/**
 * Model throughput on the default (reference) MLP, one intra-op thread:
 *   raw onnxruntime session.run (batch 1 and 64), through OnnxModelRunner (validation + tensor
 *   conversion), the validation alone, and through BatchingModelRunner with 64 concurrent
 *   single-row requests.
 */
import type { BenchModule } from './harness';

async function timeLoop(durationMs: number, inFlight: number, fn: () => Promise<unknown>): Promise<{ rps: number; runs: number }> {
  for (let i = 0; i < 20; i++) await fn();
  let runs = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await fn();
        runs++;
      }
    }),
  );
  return { rps: (runs * 1000) / (performance.now() - t0), runs };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Best of `rounds` runs: the machine is shared, and contention only ever slows a run down. */
async function best(rounds: number, fn: () => Promise<number>): Promise<number> {
  let b = 0;
  for (let i = 0; i < rounds; i++) b = Math.max(b, await fn());
  return b;
}

export const bench: BenchModule = {
  name: 'model',
  description: 'onnxruntime session.run vs the ModelRunner wrappers (validation, micro-batching) on the default MLP',
  async run(opts) {
    const m = await import('../shared/model');
    const duration = opts.quick ? 300 : 1000;
    const rounds = opts.quick ? 1 : 3;
    const out: Record<string, unknown> = { model: 'default MLP 32→64→64→16 float32', intra_op_threads: 1, round_ms: duration, rounds };

    const runner = await m.OnnxModelRunner.create(m.referenceModelBytes());
    const in1 = m.generateInputs(1, 1);
    const in64 = m.generateInputs(1, 64);
    const raw1 = await best(rounds, async () => (await m.measureRawOrtRps({ durationMs: duration, batch: 1 })).rps);
    const w1 = await best(rounds, async () => (await timeLoop(duration, 1, () => runner.run(in1))).rps);
    const raw64 = await best(rounds, async () => (await m.measureRawOrtRps({ durationMs: duration, batch: 64 })).rps);
    const w64 = await best(rounds, async () => (await timeLoop(duration, 1, () => runner.run(in64))).rps);
    out.raw_ort_rps_batch1 = r1(raw1);
    out.raw_ort_rps_batch64 = r1(raw64);
    out.raw_ort_rows_per_s_batch64 = r1(raw64 * 64);
    opts.log(`raw session.run   batch 1: ${r1(raw1)} run/s;  batch 64: ${r1(raw64)} run/s = ${r1(raw64 * 64)} rows/s`);
    out.runner_rps_batch1 = r1(w1);
    out.runner_rps_batch64 = r1(w64);
    out.runner_overhead_pct_batch1 = r1((raw1 / w1 - 1) * 100);
    out.runner_overhead_pct_batch64 = r1((raw64 / w64 - 1) * 100);
    opts.log(`OnnxModelRunner   batch 1: ${r1(w1)} run/s (${out.runner_overhead_pct_batch1}% slower than raw);  batch 64: ${r1(w64)} run/s (${out.runner_overhead_pct_batch64}%)`);

    // validation alone (pure, synchronous)
    for (const [label, inp] of [
      ['1', in1],
      ['64', in64],
    ] as const) {
      const n = opts.quick ? 20_000 : 200_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) runner.validate(inp);
      const us = ((performance.now() - t0) * 1000) / n;
      out[`validate_us_batch${label}`] = Math.round(us * 1000) / 1000;
      opts.log(`validate          batch ${label}: ${us.toFixed(3)} µs/request`);
    }

    // 64 concurrent single-row requests: unbatched vs micro-batched
    const un = await best(rounds, async () => (await timeLoop(duration, 64, () => runner.run(in1))).rps);
    out.runner_rps_64_in_flight = r1(un);
    const batching = new m.BatchingModelRunner(runner, { maxBatchRows: 64, maxWaitMs: 1, closeInner: false });
    const b = await best(rounds, async () => (await timeLoop(duration, 64, () => batching.run(in1))).rps);
    out.batching_rps_64_in_flight = r1(b);
    out.batching_mean_rows_per_batch = r1(batching.stats.rows / Math.max(1, batching.stats.batches));
    out.batching_vs_raw_batch1 = r1(b / raw1);
    opts.log(`64 in flight, 1 row each: runner ${r1(un)} req/s; batching ${r1(b)} req/s (mean ${out.batching_mean_rows_per_batch} rows/batch, ${out.batching_vs_raw_batch1}× raw batch-1)`);
    await batching.close();
    await runner.close();
    return out;
  },
};
