/** @jest-environment ./shared/model/testing/ortJestEnvironment.js */
/**
 * The ONNX runner serves any model: small one-node models built here with onnx-proto, with other
 * dtypes, several inputs, fixed and symbolic dims.
 */
import { onnx } from 'onnx-proto';
import { BatchingModelRunner, OnnxModelRunner, fromTypedArray, toTypedArray, type TensorData } from '../../shared/model';
import { isSubnetError } from '../../shared/errors';

const T = onnx.TensorProto.DataType;

function model(op: string, inputs: [string, number, (number | string)[]][], outputs: [string, number, (number | string)[]][], opset = 13): Uint8Array {
  const vi = ([name, elemType, dims]: [string, number, (number | string)[]]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: 'g', node: [{ opType: op, input: inputs.map((i) => i[0]), output: outputs.map((o) => o[0]) }], input: inputs.map(vi), output: outputs.map(vi) },
    }),
  ).finish();
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isSubnetError(e) ? e.code : String(e);
  }
  return undefined;
}

test('int64 Identity with a symbolic and a fixed dim', async () => {
  const r = await OnnxModelRunner.create(model('Identity', [['a', T.INT64, ['n', 2]]], [['b', T.INT64, ['n', 2]]]));
  expect(r.inputs).toEqual([{ name: 'a', dtype: 'int64', shape: [null, 2] }]);
  const a = fromTypedArray('int64', [2, 2], BigInt64Array.from([1n, -2n, 3n, 2n ** 62n]));
  const out = await r.run({ a });
  expect(out.b.dtype).toBe('int64');
  expect(Array.from(toTypedArray(out.b) as BigInt64Array)).toEqual([1n, -2n, 3n, 2n ** 62n]);
  expect(await codeOf(r.run({ a: fromTypedArray('int32', [2, 2], new Int32Array(4)) }))).toBe('MODEL_BAD_DTYPE');
  expect(await codeOf(r.run({ a: { dtype: 'int64', shape: [2, 2], data: new Uint8Array(31) } }))).toBe('MODEL_BAD_LENGTH');
  await r.close();
});

test('bool Not; NaN policy does not apply to non-float inputs', async () => {
  const r = await OnnxModelRunner.create(model('Not', [['p', T.BOOL, [3]]], [['q', T.BOOL, [3]]]));
  expect(r.inputs[0]).toEqual({ name: 'p', dtype: 'bool', shape: [3] });
  const out = await r.run({ p: { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) } });
  expect(Array.from(out.q.data)).toEqual([0, 1, 0]);
  expect(await codeOf(r.run({ p: { dtype: 'bool', shape: [4], data: new Uint8Array(4) } }))).toBe('MODEL_BAD_SHAPE');
  await r.close();
});

test('float64 Add of two inputs: both validated, batch sizes must agree, micro-batching works', async () => {
  const bytes = model('Add', [['a', T.DOUBLE, ['n', 3]], ['b', T.DOUBLE, ['n', 3]]], [['c', T.DOUBLE, ['n', 3]]]);
  const r = await OnnxModelRunner.create(bytes, { maxBatch: 4 });
  const t = (rows: number, v: number): TensorData => fromTypedArray('float64', [rows, 3], new Float64Array(rows * 3).fill(v));
  expect(Array.from(toTypedArray((await r.run({ a: t(1, 1.5), b: t(1, 2) })).c) as Float64Array)).toEqual([3.5, 3.5, 3.5]);
  expect(await codeOf(r.run({ a: t(1, 1), b: t(2, 1) }))).toBe('MODEL_BAD_SHAPE');
  expect(await codeOf(r.run({ a: t(1, 1) }))).toBe('MODEL_MISSING_INPUT');
  expect(await codeOf(r.run({ a: t(5, 1), b: t(5, 1) }))).toBe('MODEL_BATCH_TOO_LARGE');
  expect(await codeOf(r.run({ a: t(1, NaN), b: t(1, 1) }))).toBe('MODEL_NAN');
  const b = new BatchingModelRunner(r, { maxBatchRows: 4, maxWaitMs: 5, maxBatch: 4 });
  const res = await Promise.all([1, 2, 3].map((i) => b.run({ a: t(1, i), b: t(1, 10 * i) })));
  expect(res.map((o) => (toTypedArray(o.c) as Float64Array)[0])).toEqual([11, 22, 33]);
  expect(b.stats.batches).toBe(1);
  await b.close();
});

test('a model with an unsupported dtype (string) is refused at load with MODEL_LOAD_FAILED', async () => {
  const err = await OnnxModelRunner.create(model('Identity', [['s', T.STRING, [1]]], [['o', T.STRING, [1]]])).catch((e: unknown) => e);
  expect(isSubnetError(err, 'MODEL_LOAD_FAILED')).toBe(true);
});
