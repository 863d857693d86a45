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

export interface ModelRunner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the model. Inputs are validated against `inputs`; a mismatch throws a SubnetError with a clear code. */
  run(inputs: Record<string, TensorData>, opts?: { signal?: AbortSignal }): Promise<Record<string, TensorData>>;
  close(): Promise<void>;
}
