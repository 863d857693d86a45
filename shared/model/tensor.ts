/**
 * Tensor helpers: dtype sizes, raw bytes ⇄ typed arrays, and concatenation/splitting along dim 0
 * (for micro-batching). Pure; little-endian hosts only (x86-64, arm64).
 */
import type { DType, TensorData } from './interface';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'uint16', 'int16', 'bool'];

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
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

export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A typed-array view of the tensor's bytes (copied only when the bytes are not aligned). */
export function toTypedArray(t: TensorData): TypedArray {
  const size = DTYPE_BYTES[t.dtype];
  let bytes = t.data;
  if (bytes.byteOffset % size !== 0) bytes = new Uint8Array(bytes); // one memcpy into a fresh, aligned buffer
  const n = bytes.byteLength / size;
  switch (t.dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case 'float64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, n);
    case 'int32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    case 'int64':
      return new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(bytes.buffer, bytes.byteOffset, n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, n);
    case 'uint16':
      return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    case 'int16':
      return new Int16Array(bytes.buffer, bytes.byteOffset, n);
  }
}

/** Wraps a typed array (no copy). */
export function fromTypedArray(dtype: DType, shape: number[], arr: ArrayBufferView): TensorData {
  return { dtype, shape: [...shape], data: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

/** A float32 tensor from numbers. */
export function float32Tensor(shape: number[], values: ArrayLike<number>): TensorData {
  return fromTypedArray('float32', shape, Float32Array.from(values));
}

/** Concatenates tensors of the same dtype and trailing dims along dim 0. */
export function concatBatch(parts: readonly TensorData[]): TensorData {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  let rows = 0;
  let bytes = 0;
  for (const p of parts) {
    rows += p.shape[0];
    bytes += p.data.byteLength;
  }
  const data = new Uint8Array(bytes);
  let off = 0;
  for (const p of parts) {
    data.set(p.data, off);
    off += p.data.byteLength;
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

/** Splits a tensor along dim 0 into pieces of `rows[i]` rows (views, no copy). */
export function splitBatch(t: TensorData, rows: readonly number[]): TensorData[] {
  const rowBytes = t.shape[0] === 0 ? 0 : t.data.byteLength / t.shape[0];
  const out: TensorData[] = [];
  let off = 0;
  for (const r of rows) {
    const len = r * rowBytes;
    out.push({ dtype: t.dtype, shape: [r, ...t.shape.slice(1)], data: t.data.subarray(off, off + len) });
    off += len;
  }
  return out;
}
