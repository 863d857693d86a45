/**
 * The model runner boundary: the ONNX implementation (onnxruntime-node) and a fake for tests
 * both implement it. Tensors travel as raw typed arrays with a dtype and a shape.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'bool';

export interface TensorData {
  dtype: DType;
  /** dims; -1 is never used in a concrete tensor */
  shape: number[];
  /** raw little-endian bytes of the elements, row-major */
  data: Uint8Array;
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  /** dims from the model; a symbolic or dynamic dim is `null` */
  shape: (number | null)[];
}

export interface RunOptions {
  signal?: AbortSignal;
  /**
   * The caller validated these inputs against `inputs` already (BatchingModelRunner's merged
   * batches: each request was checked on its own): a runner may skip its own checks. A runner
   * that still meets a bad input fails with MODEL_RUN_FAILED instead of a MODEL_* input code.
   */
  validated?: boolean;
}

export interface ModelRunner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the model. Inputs are validated against `inputs`; a mismatch throws a SubnetError with a clear code. */
  run(inputs: Record<string, TensorData>, opts?: RunOptions): Promise<Record<string, TensorData>>;
  close(): Promise<void>;
}

/** NaN/±Inf in float inputs: reject the request (MODEL_NAN) or pass it to the model. */
export type NanPolicy = 'reject' | 'allow';

/** Error codes of shared/model (SubnetError.code); context is `{input, expected, got}` where it applies. */
export type ModelErrorCode =
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_BAD_OPTIONS'
  | 'MODEL_BAD_REQUEST'
  | 'MODEL_BAD_INPUT_NAME'
  | 'MODEL_MISSING_INPUT'
  | 'MODEL_BAD_DTYPE'
  | 'MODEL_BAD_SHAPE'
  | 'MODEL_BAD_LENGTH'
  | 'MODEL_BATCH_TOO_LARGE'
  | 'MODEL_INPUT_TOO_LARGE'
  | 'MODEL_NAN'
  | 'MODEL_RUN_FAILED'
  | 'MODEL_CLOSED';

/** The codes that mean "this request does not fit the model" (the caller's fault, never the model's). */
export const MODEL_INPUT_ERROR_CODES: readonly ModelErrorCode[] = Object.freeze([
  'MODEL_BAD_REQUEST',
  'MODEL_BAD_INPUT_NAME',
  'MODEL_MISSING_INPUT',
  'MODEL_BAD_DTYPE',
  'MODEL_BAD_SHAPE',
  'MODEL_BAD_LENGTH',
  'MODEL_BATCH_TOO_LARGE',
  'MODEL_INPUT_TOO_LARGE',
  'MODEL_NAN',
] as const);

/** True when `err` is a request-validation error of shared/model. */
export function isModelInputError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (MODEL_INPUT_ERROR_CODES as readonly string[]).includes(code);
}
