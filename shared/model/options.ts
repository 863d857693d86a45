import type { NanPolicy } from './interface';

/** Request validation limits, shared by every runner. */
export interface ValidationOptions {
  /** largest dim-0 (batch) size accepted for inputs whose dim 0 is dynamic */
  maxBatch: number;
  /** NaN/±Inf in float inputs: 'reject' (MODEL_NAN) or 'allow' */
  nanPolicy: NanPolicy;
  /** largest total input size in bytes per request */
  maxInputBytes: number;
}

export const defaultValidationOptions: Readonly<ValidationOptions> = Object.freeze({
  maxBatch: 1024,
  nanPolicy: 'reject',
  maxInputBytes: 64 * 1024 * 1024,
});

/** OnnxModelRunner settings. */
export interface OnnxRunnerOptions extends ValidationOptions {
  /**
   * onnxruntime intra-op threads. 1 by default: float results are then bit-identical run to run
   * for the same input (parallel reductions can change summation order), and several processes
   * share the cores without oversubscription.
   */
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
}

export const defaultOnnxRunnerOptions: Readonly<OnnxRunnerOptions> = Object.freeze({
  ...defaultValidationOptions,
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});

/** BatchingModelRunner settings. */
export interface BatchingOptions extends ValidationOptions {
  /** rows per merged batch (a larger single request runs alone) */
  maxBatchRows: number;
  /** how long the first queued request waits for others before its batch runs */
  maxWaitMs: number;
  /** merged batches running at once */
  concurrency: number;
  /** close the wrapped runner on close() */
  closeInner: boolean;
}

export const defaultBatchingOptions: Readonly<BatchingOptions> = Object.freeze({
  ...defaultValidationOptions,
  maxBatchRows: 64,
  maxWaitMs: 2,
  concurrency: 1,
  closeInner: true,
});
