/** @jest-environment ./shared/model/testing/ortJestEnvironment.js */
/**
 * One compliance suite for every ModelRunner implementation (libp2p's interface-compliance-tests
 * habit): the ONNX runner, the fake, and the batching wrapper around each.
 */
import {
  BatchingModelRunner,
  FakeModelRunner,
  OnnxModelRunner,
  defaultModelBytes,
  float32Tensor,
  fromTypedArray,
  generateInput,
  toTypedArray,
  type ModelRunner,
  type TensorData,
} from '../../shared/model';
import { isSubnetError } from '../../shared/errors';

interface Factory {
  name: string;
  create(opts: { maxBatch?: number; nanPolicy?: 'reject' | 'allow' }): Promise<ModelRunner>;
}

const factories: Factory[] = [
  { name: 'OnnxModelRunner', create: (o) => OnnxModelRunner.create(defaultModelBytes('reference'), o) },
  { name: 'FakeModelRunner', create: async (o) => new FakeModelRunner(o) },
  { name: 'BatchingModelRunner(Onnx)', create: async (o) => new BatchingModelRunner(await OnnxModelRunner.create(defaultModelBytes('reference'), o), { ...o, maxWaitMs: 1 }) },
  { name: 'BatchingModelRunner(Fake)', create: async (o) => new BatchingModelRunner(new FakeModelRunner(o), { ...o, maxWaitMs: 1 }) },
];

async function errOf(p: Promise<unknown>): Promise<{ code?: string; context?: Record<string, unknown>; name?: string }> {
  try {
    await p;
  } catch (err) {
    if (isSubnetError(err)) return { code: err.code, context: err.context };
    return { name: (err as Error).name };
  }
  return {};
}

const x = (t: TensorData) => ({ x: t });

describe.each(factories)('$name', (f) => {
  let runner: ModelRunner;
  beforeAll(async () => {
    runner = await f.create({ maxBatch: 8 });
  });
  afterAll(async () => {
    await runner.close();
  });

  test('specs: x float32 [?, 32] → y float32 [?, 16]', () => {
    expect(runner.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [null, 32] }]);
    expect(runner.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: [null, 16] }]);
  });

  test('runs batch 1 and batch 8 with the right output shape; same input → same bytes', async () => {
    for (const b of [1, 8]) {
      const out = await runner.run(x(generateInput(3, b)));
      expect(out.y.dtype).toBe('float32');
      expect(out.y.shape).toEqual([b, 16]);
      expect(out.y.data.byteLength).toBe(b * 16 * 4);
      const again = await runner.run(x(generateInput(3, b)));
      expect(Buffer.from(again.y.data).equals(Buffer.from(out.y.data))).toBe(true);
    }
  });

  test('rows are independent: row i of a batch equals the same row run alone', async () => {
    const batch = await runner.run(x(generateInput(5, 4)));
    const one = await runner.run(x(generateInput(5, 1)));
    expect(Array.from(toTypedArray(batch.y) as Float32Array).slice(0, 16)).toEqual(Array.from(toTypedArray(one.y) as Float32Array));
  });

  test('accepts unaligned input bytes', async () => {
    const t = generateInput(9, 2);
    const buf = new Uint8Array(t.data.byteLength + 1);
    buf.set(t.data, 1);
    const out = await runner.run(x({ ...t, data: buf.subarray(1) }));
    const ref = await runner.run(x(t));
    expect(Buffer.from(out.y.data).equals(Buffer.from(ref.y.data))).toBe(true);
  });

  const good = () => generateInput(1, 2);
  const cases: [string, () => unknown, string, Record<string, unknown> | undefined][] = [
    ['unknown input name', () => ({ x: good(), z: good() }), 'MODEL_BAD_INPUT_NAME', { input: 'z', got: 'z' }],
    ['missing input', () => ({}), 'MODEL_MISSING_INPUT', { input: 'x' }],
    ['dtype mismatch', () => x(fromTypedArray('float64', [2, 32], new Float64Array(64))), 'MODEL_BAD_DTYPE', { input: 'x', expected: 'float32', got: 'float64' }],
    ['unknown dtype', () => x({ dtype: 'complex64', shape: [2, 32], data: new Uint8Array(256) } as unknown as TensorData), 'MODEL_BAD_DTYPE', undefined],
    ['rank', () => x(float32Tensor([64], new Float32Array(64))), 'MODEL_BAD_SHAPE', { input: 'x', expected: [null, 32], got: [64] }],
    ['fixed dim', () => x(float32Tensor([2, 31], new Float32Array(62))), 'MODEL_BAD_SHAPE', { input: 'x', expected: [null, 32], got: [2, 31] }],
    ['zero batch', () => x(float32Tensor([0, 32], new Float32Array(0))), 'MODEL_BAD_SHAPE', undefined],
    ['negative dim', () => x({ dtype: 'float32', shape: [-1, 32], data: new Uint8Array(128) }), 'MODEL_BAD_SHAPE', undefined],
    ['fractional dim', () => x({ dtype: 'float32', shape: [1.5, 32], data: new Uint8Array(128) }), 'MODEL_BAD_SHAPE', undefined],
    ['batch over the limit', () => x(generateInput(1, 9)), 'MODEL_BATCH_TOO_LARGE', { input: 'x', expected: 8, got: 9 }],
    ['absurd shape', () => x({ dtype: 'float32', shape: [8, 1e15], data: new Uint8Array(128) }), 'MODEL_BAD_SHAPE', undefined],
    ['short data', () => x({ dtype: 'float32', shape: [2, 32], data: new Uint8Array(255) }), 'MODEL_BAD_LENGTH', { input: 'x', expected: 256, got: 255 }],
    ['long data', () => x({ dtype: 'float32', shape: [1, 32], data: new Uint8Array(129) }), 'MODEL_BAD_LENGTH', undefined],
    ['NaN', () => x(float32Tensor([1, 32], Array.from({ length: 32 }, (_, i) => (i === 7 ? NaN : 0)))), 'MODEL_NAN', { input: 'x', index: 7 }],
    ['Infinity', () => x(float32Tensor([1, 32], Array.from({ length: 32 }, (_, i) => (i === 3 ? -Infinity : 0)))), 'MODEL_NAN', { input: 'x', index: 3 }],
    ['inputs not an object', () => null, 'MODEL_BAD_REQUEST', undefined],
    ['tensor not an object', () => ({ x: 5 }), 'MODEL_BAD_REQUEST', undefined],
    ['data not bytes', () => x({ dtype: 'float32', shape: [1, 32], data: [1, 2, 3] } as unknown as TensorData), 'MODEL_BAD_REQUEST', undefined],
    ['shape not an array', () => x({ dtype: 'float32', shape: '1,32', data: new Uint8Array(128) } as unknown as TensorData), 'MODEL_BAD_SHAPE', undefined],
  ];
  test.each(cases)('bad input: %s', async (_n, make, code, ctx) => {
    const e = await errOf(runner.run(make() as Record<string, TensorData>));
    expect(e.code).toBe(code);
    if (ctx) expect(e.context).toMatchObject(ctx);
  });

  test('still serves after bad requests', async () => {
    const out = await runner.run(x(generateInput(2, 1)));
    expect(out.y.shape).toEqual([1, 16]);
  });

  test('an already-aborted signal rejects with AbortError', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await errOf(runner.run(x(generateInput(1, 1)), { signal: ac.signal }))).name).toBe('AbortError');
  });

  test("nanPolicy 'allow' lets NaN through", async () => {
    const r = await f.create({ nanPolicy: 'allow' });
    const out = await r.run(x(float32Tensor([1, 32], Array.from({ length: 32 }, (_, i) => (i === 0 ? NaN : 0.5)))));
    expect(out.y.shape).toEqual([1, 16]);
    await r.close();
  });

  test('run after close → MODEL_CLOSED', async () => {
    const r = await f.create({});
    await r.close();
    expect((await errOf(r.run(x(generateInput(1, 1))))).code).toBe('MODEL_CLOSED');
  });
});
