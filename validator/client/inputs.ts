/**
 * Pure helpers of `subnet query`: request tensors from JSON, random tensors shaped like a
 * miner's advertised inputs, and short summaries of tensors for printing.
 */
import type { DType, TensorData, TensorSpec } from '../../shared/model/interface';
import { DTYPE_SIZE, isDType, tensorValues } from '../../shared/protocol/codec';
import type { Meta } from '../../shared/protocol/types';
import { mulberry32 } from '../../shared/random';

const ARRAYS: Record<DType, (n: number) => ArrayBufferView & { [i: number]: number | bigint; length: number }> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  int64: (n) => new BigInt64Array(n),
  uint8: (n) => new Uint8Array(n),
  int8: (n) => new Int8Array(n),
  uint16: (n) => new Uint16Array(n),
  int16: (n) => new Int16Array(n),
  bool: (n) => new Uint8Array(n),
};

function fill(dtype: DType, values: ArrayLike<unknown>): TensorData['data'] {
  const arr = ARRAYS[dtype](values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (dtype === 'int64') {
      if (typeof v !== 'number' && typeof v !== 'string') throw new Error(`element ${i} is not a number`);
      arr[i] = BigInt(v);
    } else {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`element ${i} is not a number`);
      arr[i] = Number(v);
    }
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

/**
 * Parses `{"tensors": {NAME: {"dtype", "shape", "data": [numbers]}}, "meta": {}}` (or the tensors map
 * alone). Throws Error with a clear message on anything else.
 */
export function parseInputJson(j: unknown): { tensors: Record<string, TensorData>; meta: Meta } {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error('input must be a JSON object');
  const o = j as Record<string, unknown>;
  const map = (o.tensors ?? o) as Record<string, unknown>;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error('"tensors" must be an object');
  const tensors: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(map)) {
    if (name === 'meta' && o.tensors === undefined) continue;
    if (typeof t !== 'object' || t === null) throw new Error(`tensor ${name} must be an object {dtype, shape, data}`);
    const { dtype = 'float32', shape, data } = t as { dtype?: unknown; shape?: unknown; data?: unknown };
    if (!isDType(dtype)) throw new Error(`tensor ${name}: unknown dtype ${String(dtype)}`);
    if (!Array.isArray(data)) throw new Error(`tensor ${name}: data must be an array of numbers`);
    const flat = (data as unknown[]).flat(16);
    const sh = shape === undefined ? [flat.length] : shape;
    if (!Array.isArray(sh) || !sh.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`tensor ${name}: shape must be non-negative integers`);
    const n = (sh as number[]).reduce((a, b) => a * b, 1);
    if (n !== flat.length) throw new Error(`tensor ${name}: shape ${JSON.stringify(sh)} needs ${n} values, got ${flat.length}`);
    tensors[name] = { dtype, shape: sh as number[], data: fill(dtype, flat) };
  }
  const meta = o.tensors !== undefined && typeof o.meta === 'object' && o.meta !== null ? (o.meta as Meta) : {};
  return { tensors, meta };
}

/** the inputs only need to be reproducible */
const rng = mulberry32;

/** Random tensors for the given specs (dynamic dims become 1): floats in [-1, 1), ints in [0, 10). */
export function randomInputs(specs: readonly TensorSpec[], seed = 1): Record<string, TensorData> {
  const r = rng(seed);
  const out: Record<string, TensorData> = {};
  for (const s of specs) {
    const shape = s.shape.map((d) => (d === null ? 1 : d));
    const n = shape.reduce((a, b) => a * b, 1);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(s.dtype.startsWith('float') ? r() * 2 - 1 : s.dtype === 'bool' ? (r() < 0.5 ? 0 : 1) : Math.floor(r() * 10));
    out[s.name] = { dtype: s.dtype, shape, data: fill(s.dtype, vals) };
  }
  return out;
}

export function summarize(tensors: Record<string, TensorData>, show: number): Record<string, { dtype: DType; shape: number[]; bytes: number; first: (number | string)[] }> {
  const out: Record<string, { dtype: DType; shape: number[]; bytes: number; first: (number | string)[] }> = {};
  for (const [name, t] of Object.entries(tensors)) {
    let first: (number | string)[] = [];
    if (t.data.length % DTYPE_SIZE[t.dtype] === 0) {
      const v = tensorValues(t);
      first = Array.from(v.subarray(0, show) as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? x.toString() : x));
    }
    out[name] = { dtype: t.dtype, shape: t.shape, bytes: t.data.length, first };
  }
  return out;
}
