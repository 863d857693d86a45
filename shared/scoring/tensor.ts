/**
 * Tensor helpers for scorers: decode raw little-endian tensor bytes to float64, and wrap a
 * `TensorData` record as `ScoreTensors` (values decoded lazily, once).
 */
import type { DType, TensorData } from '../model/interface';
import { SubnetError } from '../errors';
import type { ScoreTensor, ScoreTensors } from './interface';

export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  bool: 1,
};

/** Number of elements a shape holds (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Decodes `data` (little-endian, row-major) as `dtype` into float64. Throws TENSOR_INVALID when
 * the byte length is not a multiple of the element size.
 */
export function decodeValues(dtype: DType, data: Uint8Array): Float64Array {
  const size = DTYPE_SIZE[dtype];
  if (size === undefined) throw new SubnetError('TENSOR_INVALID', `unknown dtype ${String(dtype)}`, { dtype });
  if (data.byteLength % size !== 0) {
    throw new SubnetError('TENSOR_INVALID', `${data.byteLength} bytes is not a whole number of ${dtype} elements`, { dtype, bytes: data.byteLength });
  }
  const n = data.byteLength / size;
  const out = new Float64Array(n);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(i * 2, true);
      break;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true);
      break;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = data[i];
      break;
  }
  return out;
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
