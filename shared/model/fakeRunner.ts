/**
 * A ModelRunner for tests: a fixed, deterministic function of the input with the same specs and
 * the same validation as the ONNX runner (default: the default MLP's x [batch, 32] → y [batch, 16]).
 */
import { SubnetError } from '../errors';
import type { ModelRunner, TensorData, TensorSpec } from './interface';
import { abortError, raceAbort } from './onnxRunner';
import { defaultValidationOptions, type ValidationOptions } from './options';
import { DEFAULT_MODEL_SPEC } from './generate';
import { fromTypedArray, toTypedArray } from './tensor';
import { validateInputs } from './validate';

export interface FakeModelRunnerOptions extends ValidationOptions {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** the model function; default: y = x · C with a fixed small-integer matrix C (x float32 [b, n] → y float32 [b, m]) */
  compute?: (inputs: Record<string, TensorData>) => Record<string, TensorData>;
  /** simulated model time per run (ms), for latency/abort tests */
  delayMs: number;
}

export const defaultFakeModelRunnerOptions: Readonly<FakeModelRunnerOptions> = Object.freeze<FakeModelRunnerOptions>({
  ...defaultValidationOptions,
  inputs: [{ name: DEFAULT_MODEL_SPEC.inputName, dtype: 'float32', shape: [null, DEFAULT_MODEL_SPEC.inputDim] }],
  outputs: [{ name: DEFAULT_MODEL_SPEC.outputName, dtype: 'float32', shape: [null, DEFAULT_MODEL_SPEC.outputDim] }],
  delayMs: 0,
});

/** Coefficient of the fake linear map: small integers / 16, exact in float32. */
export function fakeCoefficient(i: number, j: number): number {
  return (((i * 7 + j * 13) % 11) - 5) / 16;
}

export class FakeModelRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly options: Readonly<FakeModelRunnerOptions>;
  /** number of run() calls that reached the model function (after validation) */
  runs = 0;
  /** rows processed per run (batch sizes seen), for batching tests */
  readonly batchSizes: number[] = [];
  private closed = false;

  constructor(options: Partial<FakeModelRunnerOptions> = {}) {
    this.options = Object.freeze({ ...defaultFakeModelRunnerOptions, ...options });
    this.inputs = Object.freeze(this.options.inputs.map((s) => ({ ...s, shape: [...s.shape] })));
    this.outputs = Object.freeze(this.options.outputs.map((s) => ({ ...s, shape: [...s.shape] })));
  }

  validate(inputs: Record<string, TensorData>): number | undefined {
    return validateInputs(this.inputs, inputs, this.options);
  }

  private computeDefault(inputs: Record<string, TensorData>): Record<string, TensorData> {
    const inSpec = this.inputs[0];
    const outSpec = this.outputs[0];
    const x = toTypedArray(inputs[inSpec.name]) as Float32Array;
    const [b, n] = inputs[inSpec.name].shape;
    const m = outSpec.shape[1] ?? n;
    const y = new Float32Array(b * m);
    for (let r = 0; r < b; r++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[r * n + i] * fakeCoefficient(i, j);
        y[r * m + j] = s;
      }
    }
    return { [outSpec.name]: fromTypedArray('float32', [b, m], y) };
  }

  async run(inputs: Record<string, TensorData>, opts: { signal?: AbortSignal } = {}): Promise<Record<string, TensorData>> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (this.closed) throw new SubnetError('MODEL_CLOSED', 'model runner is closed', {});
    const batch = this.validate(inputs);
    this.runs++;
    this.batchSizes.push(batch ?? 1);
    const work = (async () => {
      if (this.options.delayMs > 0) await new Promise((r) => setTimeout(r, this.options.delayMs));
      return this.options.compute ? this.options.compute(inputs) : this.computeDefault(inputs);
    })();
    return raceAbort(work, opts.signal);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
