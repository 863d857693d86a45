/**
 * Request validation against a model's input specs, before anything reaches the model. Pure.
 * Every failure is a SubnetError with a MODEL_* code and context {input, expected, got}.
 */
import { SubnetError } from '../errors';
import type { TensorData, TensorSpec } from './interface';
import type { ValidationOptions } from './options';
import { DTYPE_BYTES, isDType } from './tensor';

function fail(code: string, message: string, context: Record<string, unknown>): never {
  throw new SubnetError(code, message, context);
}

function fmtShape(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** input names per spec list (a model's specs are one array for its lifetime) */
const specNames = new WeakMap<readonly TensorSpec[], ReadonlySet<string>>();

function isShape(shape: unknown): shape is number[] {
  if (!Array.isArray(shape)) return false;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!(Number.isSafeInteger(d) && (d as number) >= 0)) return false;
  }
  return true;
}

/**
 * Checks `inputs` against `specs`; returns the batch size (dim 0 of the inputs whose dim 0 is
 * dynamic), or undefined when no input has a dynamic dim 0.
 */
export function validateInputs(specs: readonly TensorSpec[], inputs: unknown, opts: ValidationOptions): number | undefined {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    fail('MODEL_BAD_REQUEST', 'inputs must be an object of named tensors', { expected: 'object', got: Array.isArray(inputs) ? 'array' : typeof inputs });
  }
  const rec = inputs as Record<string, unknown>;
  let names = specNames.get(specs);
  if (!names) specNames.set(specs, (names = new Set(specs.map((s) => s.name))));
  for (const name in rec) {
    if (!names.has(name) || !Object.prototype.hasOwnProperty.call(rec, name)) {
      const list = [...names];
      fail('MODEL_BAD_INPUT_NAME', `unknown input ${JSON.stringify(name)} (model inputs: ${list.join(', ')})`, { input: name, expected: list, got: name });
    }
  }
  let batch: number | undefined;
  let batchFrom: string | undefined;
  let total = 0;
  for (const spec of specs) {
    const t = rec[spec.name] as TensorData | undefined;
    if (t === undefined) fail('MODEL_MISSING_INPUT', `missing input ${JSON.stringify(spec.name)}`, { input: spec.name, expected: spec.name, got: null });
    if (typeof t !== 'object' || t === null) fail('MODEL_BAD_REQUEST', `input ${spec.name} is not a tensor`, { input: spec.name, expected: 'tensor', got: typeof t });
    if (!isDType(t.dtype)) fail('MODEL_BAD_DTYPE', `input ${spec.name}: unknown dtype ${JSON.stringify(t.dtype)}`, { input: spec.name, expected: spec.dtype, got: String(t.dtype) });
    if (t.dtype !== spec.dtype) fail('MODEL_BAD_DTYPE', `input ${spec.name}: dtype ${t.dtype}, expected ${spec.dtype}`, { input: spec.name, expected: spec.dtype, got: t.dtype });
    if (!(t.data instanceof Uint8Array)) fail('MODEL_BAD_REQUEST', `input ${spec.name}: data must be bytes`, { input: spec.name, expected: 'Uint8Array', got: typeof t.data });
    if (!isShape(t.shape)) {
      fail('MODEL_BAD_SHAPE', `input ${spec.name}: shape must be a list of non-negative integers`, { input: spec.name, expected: fmtShape(spec.shape), got: Array.isArray(t.shape as unknown) ? (t.shape as unknown[]).map(String) : typeof t.shape });
    }
    if (t.shape.length !== spec.shape.length) {
      fail('MODEL_BAD_SHAPE', `input ${spec.name}: rank ${t.shape.length}, expected ${spec.shape.length} ${fmtShape(spec.shape)}`, { input: spec.name, expected: spec.shape, got: t.shape });
    }
    for (let i = 0; i < spec.shape.length; i++) {
      const want = spec.shape[i];
      if (want !== null && t.shape[i] !== want) {
        fail('MODEL_BAD_SHAPE', `input ${spec.name}: dim ${i} is ${t.shape[i]}, expected ${want} ${fmtShape(spec.shape)}`, { input: spec.name, expected: spec.shape, got: t.shape, dim: i });
      }
      if (want === null && t.shape[i] === 0) {
        fail('MODEL_BAD_SHAPE', `input ${spec.name}: dynamic dim ${i} is 0`, { input: spec.name, expected: spec.shape, got: t.shape, dim: i });
      }
    }
    if (spec.shape.length > 0 && spec.shape[0] === null) {
      const b = t.shape[0];
      if (b > opts.maxBatch) fail('MODEL_BATCH_TOO_LARGE', `input ${spec.name}: batch ${b} exceeds the limit ${opts.maxBatch}`, { input: spec.name, expected: opts.maxBatch, got: b });
      if (batch !== undefined && b !== batch) {
        fail('MODEL_BAD_SHAPE', `input ${spec.name}: batch ${b} differs from ${batchFrom}'s ${batch}`, { input: spec.name, expected: batch, got: b, dim: 0 });
      }
      batch = b;
      batchFrom = spec.name;
    }
    let elements = 1;
    for (const d of t.shape) elements *= d;
    const bytes = elements * DTYPE_BYTES[t.dtype];
    total += t.data.byteLength;
    if (total > opts.maxInputBytes || bytes > opts.maxInputBytes) {
      fail('MODEL_INPUT_TOO_LARGE', `input ${spec.name}: ${Math.max(total, bytes)} bytes exceed the limit ${opts.maxInputBytes}`, { input: spec.name, expected: opts.maxInputBytes, got: Math.max(total, bytes) });
    }
    if (t.data.byteLength !== bytes) {
      fail('MODEL_BAD_LENGTH', `input ${spec.name}: ${t.data.byteLength} bytes for shape ${fmtShape(t.shape)} of ${t.dtype} (expected ${bytes})`, { input: spec.name, expected: bytes, got: t.data.byteLength });
    }
    if (opts.nanPolicy === 'reject' && (t.dtype === 'float32' || t.dtype === 'float64')) {
      const i = firstNonFinite(t.data, t.dtype === 'float32' ? 4 : 8);
      if (i >= 0) {
        const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
        const v = t.dtype === 'float32' ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
        fail('MODEL_NAN', `input ${spec.name}: element ${i} is ${v}`, { input: spec.name, expected: 'finite', got: String(v), index: i });
      }
    }
  }
  return batch;
}

/**
 * Index of the first NaN or ±Inf among little-endian IEEE floats of `size` bytes (4 or 8), -1 if
 * none: all exponent bits set. Reads the bytes where they are (any alignment, no copy).
 */
export function firstNonFinite(bytes: Uint8Array, size: 4 | 8): number {
  const n = bytes.length;
  if (size === 4) {
    for (let o = 0, i = 0; o < n; o += 4, i++) if ((bytes[o + 3] & 0x7f) === 0x7f && (bytes[o + 2] & 0x80) === 0x80) return i;
  } else {
    for (let o = 0, i = 0; o < n; o += 8, i++) if ((bytes[o + 7] & 0x7f) === 0x7f && (bytes[o + 6] & 0xf0) === 0xf0) return i;
  }
  return -1;
}
