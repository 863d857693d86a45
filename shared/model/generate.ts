/**
 * The project's own default model, generated from code (never downloaded): a seeded MLP
 *   x float32 [batch, 32] → Gemm(32→64) → Relu → Gemm(64→64) → Relu → Gemm(64→16) → y float32 [batch, 16]
 * written as ONNX protobuf bytes with `onnx-proto` (IR version 8, opset 13, dynamic `batch` dim).
 *
 * Variants (all share the reference weights drawn from `referenceSeed`):
 *   reference  the exact reference weights
 *   noisy      every weight and bias + noise · N(0,1), σ = `noise` absolute (seeded by `seed`; the
 *              reference weights have rms ≈ 0.1–0.15, so the default 0.05 is a large error): outputs clearly differ
 *   quantised  each weight tensor rounded to `bits`-bit symmetric levels (max|W| / (2^(bits−1)−1)):
 *              close to the reference, not equal
 * The same options give byte-identical files (integer PRNG, float32 rounding, deterministic protobuf).
 */
import { onnx } from 'onnx-proto';
import { SubnetError } from '../errors';
import type { TensorData } from './interface';
import { SeededRng } from './rng';
import { fromTypedArray } from './tensor';

export type ModelKind = 'reference' | 'noisy' | 'quantised';
export const MODEL_KINDS: readonly ModelKind[] = ['reference', 'noisy', 'quantised'];

/** Shape of the default MLP. */
export const DEFAULT_MODEL_SPEC = Object.freeze({
  inputName: 'x',
  outputName: 'y',
  inputDim: 32,
  hidden: 64,
  outputDim: 16,
  opset: 13,
  irVersion: 8,
});

export interface ModelGenOptions {
  kind: ModelKind;
  /** seed of the reference weights (all variants derive from it); default 42 */
  referenceSeed: number;
  /** seed of the noise (noisy); default 1 */
  seed: number;
  /** noise standard deviation (noisy), absolute; default 0.05 */
  noise: number;
  /** quantisation bits (quantised), 2..16; default 4 */
  bits: number;
}

export const defaultModelGenOptions: Readonly<ModelGenOptions> = Object.freeze({ kind: 'reference', referenceSeed: 42, seed: 1, noise: 0.05, bits: 4 });

interface Layer {
  /** [in, out] row-major (Gemm B with transB = 0) */
  w: Float32Array;
  b: Float32Array;
  inDim: number;
  outDim: number;
}

/** The reference MLP weights for `referenceSeed` (Glorot-uniform weights, small uniform biases). */
export function referenceWeights(referenceSeed: number = defaultModelGenOptions.referenceSeed): Layer[] {
  const s = DEFAULT_MODEL_SPEC;
  const dims: [number, number][] = [
    [s.inputDim, s.hidden],
    [s.hidden, s.hidden],
    [s.hidden, s.outputDim],
  ];
  const rng = new SeededRng(referenceSeed, 0);
  return dims.map(([inDim, outDim]) => {
    const a = Math.sqrt(6 / (inDim + outDim));
    const w = new Float32Array(inDim * outDim);
    for (let i = 0; i < w.length; i++) w[i] = rng.range(-a, a);
    const b = new Float32Array(outDim);
    for (let i = 0; i < b.length; i++) b[i] = rng.range(-0.1, 0.1);
    return { w, b, inDim, outDim };
  });
}

function addNoise(a: Float32Array, sigma: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + sigma * rng.gaussian();
  return out;
}

function quantise(a: Float32Array, bits: number): Float32Array {
  const levels = 2 ** (bits - 1) - 1;
  let max = 0;
  for (const v of a) max = Math.max(max, Math.abs(v));
  const out = new Float32Array(a.length);
  if (max === 0) return out;
  const step = max / levels;
  for (let i = 0; i < a.length; i++) out[i] = Math.round(a[i] / step) * step;
  return out;
}

function checkOptions(o: ModelGenOptions): void {
  if (!MODEL_KINDS.includes(o.kind)) throw new SubnetError('MODEL_BAD_OPTIONS', `unknown model kind ${JSON.stringify(o.kind)} (reference, noisy, quantised)`, { kind: o.kind });
  for (const k of ['referenceSeed', 'seed'] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 0) throw new SubnetError('MODEL_BAD_OPTIONS', `${k} must be a non-negative integer`, { [k]: o[k] });
  }
  if (!Number.isFinite(o.noise) || o.noise < 0 || o.noise > 100) throw new SubnetError('MODEL_BAD_OPTIONS', 'noise must be a number in [0, 100]', { noise: o.noise });
  if (!Number.isInteger(o.bits) || o.bits < 2 || o.bits > 16) throw new SubnetError('MODEL_BAD_OPTIONS', 'bits must be an integer in 2..16', { bits: o.bits });
}

/** The variant's weights. */
export function variantWeights(opts: Partial<ModelGenOptions> = {}): Layer[] {
  const o: ModelGenOptions = { ...defaultModelGenOptions, ...opts };
  checkOptions(o);
  const ref = referenceWeights(o.referenceSeed);
  if (o.kind === 'reference') return ref;
  if (o.kind === 'noisy') {
    const rng = new SeededRng(o.seed, 1);
    return ref.map((l) => ({ ...l, w: addNoise(l.w, o.noise, rng), b: addNoise(l.b, o.noise, rng) }));
  }
  return ref.map((l) => ({ ...l, w: quantise(l.w, o.bits), b: quantise(l.b, o.bits) }));
}

function f32Initializer(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** ONNX bytes of a model variant. Same options → identical bytes. */
export function createModelBytes(opts: Partial<ModelGenOptions> = {}): Uint8Array {
  const o: ModelGenOptions = { ...defaultModelGenOptions, ...opts };
  const layers = variantWeights(o);
  const s = DEFAULT_MODEL_SPEC;
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let prev: string = s.inputName;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const gemmOut = last ? s.outputName : `h${i}`;
    inits.push(f32Initializer(`W${i}`, [l.inDim, l.outDim], l.w), f32Initializer(`B${i}`, [l.outDim], l.b));
    nodes.push({ name: `gemm${i}`, opType: 'Gemm', input: [prev, `W${i}`, `B${i}`], output: [gemmOut] });
    if (!last) {
      nodes.push({ name: `relu${i}`, opType: 'Relu', input: [gemmOut], output: [`r${i}`] });
      prev = `r${i}`;
    }
  });
  const meta: [string, string][] = [
    ['subnet.kind', o.kind],
    ['subnet.reference_seed', String(o.referenceSeed)],
  ];
  if (o.kind === 'noisy') meta.push(['subnet.seed', String(o.seed)], ['subnet.noise', String(o.noise)]);
  if (o.kind === 'quantised') meta.push(['subnet.bits', String(o.bits)]);
  const model: onnx.IModelProto = {
    irVersion: s.irVersion,
    opsetImport: [{ domain: '', version: s.opset }],
    producerName: 'subnet-ts',
    producerVersion: '1',
    modelVersion: 1,
    docString: 'subnet-ts default MLP (generated, not trained)',
    graph: {
      name: 'subnet_mlp',
      node: nodes,
      initializer: inits,
      input: [valueInfo(s.inputName, ['batch', s.inputDim])],
      output: [valueInfo(s.outputName, ['batch', s.outputDim])],
    },
    metadataProps: meta.map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

const cache = new Map<string, Uint8Array>();

/** In-memory default model of a kind (default options otherwise), for processes without `--model`. Returns a copy. */
export function defaultModelBytes(kind: ModelKind = 'reference'): Uint8Array {
  let b = cache.get(kind);
  if (!b) {
    b = createModelBytes({ kind });
    cache.set(kind, b);
  }
  return Uint8Array.from(b);
}

/** The reference model validators compare miners against. */
export function referenceModelBytes(referenceSeed: number = defaultModelGenOptions.referenceSeed): Uint8Array {
  return referenceSeed === defaultModelGenOptions.referenceSeed ? defaultModelBytes('reference') : createModelBytes({ kind: 'reference', referenceSeed });
}

/** Metadata our generator writes (`subnet.*` keys), read back from ONNX bytes; {} for other models. */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  let m: onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new SubnetError('MODEL_LOAD_FAILED', `not an ONNX model: ${(err as Error).message}`, {});
  }
  const out: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}

/**
 * A reproducible challenge input for the default model: float32 [batch, 32], uniform in [−1, 1),
 * from `seed` (row i of a larger batch equals row i of a smaller one with the same seed).
 */
export function generateInput(seed: number, batch = 1, dim: number = DEFAULT_MODEL_SPEC.inputDim): TensorData {
  if (!Number.isInteger(batch) || batch < 1) throw new SubnetError('MODEL_BAD_OPTIONS', 'batch must be a positive integer', { batch });
  const rng = new SeededRng(seed, 2);
  const a = new Float32Array(batch * dim);
  for (let i = 0; i < a.length; i++) a[i] = rng.range(-1, 1);
  return fromTypedArray('float32', [batch, dim], a);
}

/** `generateInput` as the runner's input record `{x: …}`. */
export function generateInputs(seed: number, batch = 1): Record<string, TensorData> {
  return { [DEFAULT_MODEL_SPEC.inputName]: generateInput(seed, batch) };
}
