/**
 * ModelRunner over onnxruntime-node (CPU). Input/output names, dtypes and shapes come from the
 * session's metadata; every request is validated (validate.ts) before session.run, so a bad
 * request is a SubnetError, never a crash.
 */
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import { SubnetError, errorMessage } from '../errors';
import type { DType, ModelRunner, RunOptions, TensorData, TensorSpec } from './interface';
import { defaultOnnxRunnerOptions, type OnnxRunnerOptions } from './options';
import { isDType, toTypedArray } from './tensor';
import { validateInputs } from './validate';

let ortModule: typeof Ort | undefined;
/** onnxruntime-node, loaded on first use (keeps CLI start-up fast). */
export function ort(): typeof Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!ortModule) ortModule = require('onnxruntime-node') as typeof Ort;
  return ortModule;
}

/** The error an aborted signal stands for: its reason (AbortError, TimeoutError, …) or a new AbortError. */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  // DOMException (AbortSignal.timeout's TimeoutError) is not an Error in every realm: test the shape
  if (typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string') return r as Error;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** Rejects with the signal's reason when it aborts before `p` settles (p keeps running). */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function specsFrom(meta: readonly Ort.InferenceSession.ValueMetadata[], kind: 'input' | 'output'): TensorSpec[] {
  return meta.map((m) => {
    if (!m.isTensor) throw new SubnetError('MODEL_LOAD_FAILED', `model ${kind} ${m.name} is not a tensor`, { [kind]: m.name });
    if (!isDType(m.type)) throw new SubnetError('MODEL_LOAD_FAILED', `model ${kind} ${m.name} has unsupported dtype ${m.type}`, { [kind]: m.name, got: m.type });
    return { name: m.name, dtype: m.type as DType, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) };
  });
}

/** onnxruntime session options from runner options (CPU, sequential execution). */
export function ortSessionOptions(opts: Pick<OnnxRunnerOptions, 'intraOpNumThreads' | 'interOpNumThreads' | 'graphOptimizationLevel'>): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.intraOpNumThreads,
    interOpNumThreads: opts.interOpNumThreads,
    graphOptimizationLevel: opts.graphOptimizationLevel,
    executionMode: 'sequential',
  };
}

export class OnnxModelRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly options: Readonly<OnnxRunnerOptions>;
  private session: Ort.InferenceSession | undefined;
  private readonly outputNames: string[];

  private constructor(session: Ort.InferenceSession, options: OnnxRunnerOptions) {
    this.session = session;
    this.options = Object.freeze({ ...options });
    this.inputs = Object.freeze(specsFrom(session.inputMetadata, 'input'));
    this.outputs = Object.freeze(specsFrom(session.outputMetadata, 'output'));
    this.outputNames = this.outputs.map((o) => o.name);
  }

  /** Loads a model from a file path or ONNX bytes. Failure → MODEL_LOAD_FAILED naming the source. */
  static async create(source: string | Uint8Array, options: Partial<OnnxRunnerOptions> = {}): Promise<OnnxModelRunner> {
    const opts: OnnxRunnerOptions = { ...defaultOnnxRunnerOptions, ...options };
    const what = typeof source === 'string' ? source : `<${source.byteLength} bytes>`;
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = await readFile(source);
      } catch (err) {
        throw new SubnetError('MODEL_LOAD_FAILED', `cannot read model ${source}: ${errorMessage(err)}`, { path: source }, { cause: err });
      }
    } else bytes = source;
    let session: Ort.InferenceSession;
    try {
      session = await ort().InferenceSession.create(bytes, ortSessionOptions(opts));
    } catch (err) {
      throw new SubnetError('MODEL_LOAD_FAILED', `cannot load model ${what}: ${errorMessage(err)}`, { path: what }, { cause: err });
    }
    try {
      return new OnnxModelRunner(session, opts);
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /** Validates a request (throws the MODEL_* error); returns its batch size. */
  validate(inputs: Record<string, TensorData>): number | undefined {
    return validateInputs(this.inputs, inputs, this.options);
  }

  async run(inputs: Record<string, TensorData>, opts: RunOptions = {}): Promise<Record<string, TensorData>> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const session = this.session;
    if (!session) throw new SubnetError('MODEL_CLOSED', 'model runner is closed', {});
    if (!opts.validated) this.validate(inputs);
    const O = ort();
    const feeds: Record<string, Ort.Tensor> = {};
    for (const spec of this.inputs) {
      const t = inputs[spec.name];
      feeds[spec.name] = new O.Tensor(spec.dtype, toTypedArray(t) as never, t.shape);
    }
    let result: Ort.InferenceSession.ReturnType;
    try {
      result = await raceAbort(session.run(feeds), opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new SubnetError('MODEL_RUN_FAILED', `model run failed: ${errorMessage(err)}`, {}, { cause: err });
    }
    const out: Record<string, TensorData> = {};
    for (const name of this.outputNames) {
      const v = result[name];
      const data = v.data as ArrayBufferView;
      out[name] = { dtype: v.type as DType, shape: v.dims.map(Number), data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    }
    return out;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await s.release();
  }
}
