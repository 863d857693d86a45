/**
 * Tensor helpers for scorers: decode raw little-endian tensor bytes to float64, and wrap a
 * `TensorData` record as `ScoreTensors` (values decoded lazily, once).
 */
import type { DType, TensorData } from '../model/interface';
import { DTYPE_BYTES, toTypedArray } from '../model/tensor';
import { SubnetError } from '../errors';
import type { ScoreTensor, ScoreTensors } from './interface';

/**
 * Decodes `data` (little-endian, row-major) as `dtype` into float64 (int64 through Number()).
 * Throws TENSOR_INVALID for an unknown dtype or a byte length that is not whole elements.
 */
export function decodeValues(dtype: DType, data: Uint8Array): Float64Array {
  const size = DTYPE_BYTES[dtype];
  if (size === undefined) throw new SubnetError('TENSOR_INVALID', `unknown dtype ${String(dtype)}`, { dtype });
  if (data.byteLength % size !== 0) {
    throw new SubnetError('TENSOR_INVALID', `${data.byteLength} bytes is not a whole number of ${dtype} elements`, { dtype, bytes: data.byteLength });
  }
  const ta = toTypedArray({ dtype, shape: [data.byteLength / size], data });
  if (ta instanceof BigInt64Array) {
    const out = new Float64Array(ta.length);
    for (let i = 0; i < ta.length; i++) out[i] = Number(ta[i]);
    return out;
  }
  return Float64Array.from(ta);
}

class LazyScoreTensor implements ScoreTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
  private decoded: Float64Array | undefined;
  constructor(t: TensorData) {
    this.dtype = t.dtype;
    this.shape = Object.freeze([...t.shape]);
    this.data = t.data;
  }
  get values(): Float64Array {
    if (!this.decoded) this.decoded = decodeValues(this.dtype, this.data);
    return this.decoded;
  }
}

/** Wraps one tensor for scorers. */
export function toScoreTensor(t: TensorData): ScoreTensor {
  return new LazyScoreTensor(t);
}

/** Wraps named tensors for scorers. */
export function toScoreTensors(ts: Readonly<Record<string, TensorData>>): ScoreTensors {
  const out: Record<string, ScoreTensor> = {};
  for (const k of Object.keys(ts)) out[k] = new LazyScoreTensor(ts[k]);
  return Object.freeze(out);
}

/** Float32 values as a little-endian TensorData (tests, examples, fakes). */
export function float32Tensor(values: ArrayLike<number>, shape?: number[]): TensorData {
  const f = Float32Array.from(values);
  return { dtype: 'float32', shape: shape ?? [f.length], data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}
