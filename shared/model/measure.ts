/**
 * Raw onnxruntime throughput (session.run alone, no validation, no wrapper), used by
 * bench/model.bench.ts and by the miner benchmark's `raw_ort_rps`.
 */
import { defaultModelBytes, generateInput, DEFAULT_MODEL_SPEC } from './generate';
import { ort, ortSessionOptions } from './onnxRunner';
import { defaultOnnxRunnerOptions } from './options';
import { toTypedArray } from './tensor';

export interface RawOrtMeasureOptions {
  /** how long to run (after warm-up) */
  durationMs: number;
  /** rows per session.run */
  batch: number;
  /** model bytes (default: the reference default model; its input must be x float32 [batch, 32]) */
  modelBytes?: Uint8Array;
  /** concurrent session.run loops on one session (default 1) */
  inFlight?: number;
  /** onnxruntime intra-op threads (default 1, as the runner) */
  intraOpNumThreads?: number;
  /** warm-up runs before timing (default 20) */
  warmup?: number;
  /** and then the measured loop itself for this long before timing (default 0) */
  warmupMs?: number;
}

export interface RawOrtMeasurement {
  /** session.run calls per second */
  rps: number;
  /** rows (samples) per second = rps × batch */
  rows_per_s: number;
  runs: number;
  batch: number;
  in_flight: number;
  elapsed_ms: number;
}

export async function measureRawOrtRps(opts: RawOrtMeasureOptions): Promise<RawOrtMeasurement> {
  const O = ort();
  const session = await O.InferenceSession.create(
    opts.modelBytes ?? defaultModelBytes('reference'),
    ortSessionOptions({ ...defaultOnnxRunnerOptions, ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}) }),
  );
  try {
    const input = generateInput(1, opts.batch);
    const feeds = { [DEFAULT_MODEL_SPEC.inputName]: new O.Tensor('float32', toTypedArray(input) as Float32Array, input.shape) };
    for (let i = 0; i < (opts.warmup ?? 20); i++) await session.run(feeds);
    const inFlight = Math.max(1, opts.inFlight ?? 1);
    const loop = async (until: number): Promise<number> => {
      let n = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < until) {
            await session.run(feeds);
            n++;
          }
        }),
      );
      return n;
    };
    if (opts.warmupMs) await loop(performance.now() + opts.warmupMs);
    const t0 = performance.now();
    const runs = await loop(t0 + opts.durationMs);
    const elapsed = performance.now() - t0;
    const rps = (runs * 1000) / elapsed;
    return { rps, rows_per_s: rps * opts.batch, runs, batch: opts.batch, in_flight: inFlight, elapsed_ms: elapsed };
  } finally {
    await session.release();
  }
}
