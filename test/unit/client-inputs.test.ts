/** Pure helpers of the client and `subnet query`: JSON inputs, random inputs from specs, summaries; pool keys. */
import { parseInputJson, randomInputs, summarize, targetKey } from '../../validator/client';
import { tensorValues } from '../../shared/protocol';

describe('parseInputJson', () => {
  it('reads {tensors:{name:{dtype,shape,data}}, meta}', () => {
    const r = parseInputJson({ tensors: { x: { dtype: 'float32', shape: [1, 3], data: [[1, 2, 3]] }, n: { dtype: 'int64', shape: [2], data: [1, '9007199254740993'] } }, meta: { a: 1 } });
    expect(r.meta).toEqual({ a: 1 });
    expect(Array.from(tensorValues(r.tensors.x) as Float32Array)).toEqual([1, 2, 3]);
    expect(Array.from(tensorValues(r.tensors.n) as BigInt64Array)).toEqual([1n, 9007199254740993n]);
    expect(r.tensors.x.data.length).toBe(12);
  });
  it('accepts the tensors map alone; dtype defaults to float32 and shape to [n]', () => {
    const r = parseInputJson({ x: { data: [1, 2] } });
    expect(r.tensors.x.dtype).toBe('float32');
    expect(r.tensors.x.shape).toEqual([2]);
  });
  const bad: [string, unknown][] = [
    ['not an object', [1]],
    ['unknown dtype', { x: { dtype: 'complex', data: [1] } }],
    ['data not an array', { x: { data: 'abc' } }],
    ['shape/data mismatch', { x: { shape: [2, 2], data: [1, 2, 3] } }],
    ['negative dim', { x: { shape: [-1], data: [] } }],
    ['non-number element', { x: { data: [1, 'a'] } }],
  ];
  it.each(bad)('rejects %s', (_n, v) => expect(() => parseInputJson(v)).toThrow());
});

describe('randomInputs', () => {
  it('shapes tensors by spec (dynamic dims → 1) and is reproducible by seed', () => {
    const specs = [{ name: 'x', dtype: 'float32' as const, shape: [null, 4] }, { name: 'k', dtype: 'int32' as const, shape: [2] }];
    const a = randomInputs(specs, 3);
    const b = randomInputs(specs, 3);
    expect(a.x.shape).toEqual([1, 4]);
    expect(a.x.data.length).toBe(16);
    expect(a.k.data.length).toBe(8);
    expect(Buffer.from(a.x.data).equals(Buffer.from(b.x.data))).toBe(true);
    expect(Buffer.from(randomInputs(specs, 4).x.data).equals(Buffer.from(a.x.data))).toBe(false);
    for (const v of tensorValues(a.x) as Float32Array) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });
});

describe('summarize', () => {
  it('shows dtype, shape, bytes and the first values', () => {
    const t = parseInputJson({ x: { shape: [4], data: [1, 2, 3, 4] } }).tensors;
    expect(summarize(t, 2)).toEqual({ x: { dtype: 'float32', shape: [4], bytes: 16, first: [1, 2] } });
  });
});

describe('targetKey', () => {
  it('keys connections by expected hotkey and endpoint', () => {
    expect(targetKey({ endpoint: 'ws://a:1', hotkey: '5X' })).toBe('5X@ws://a:1');
    expect(targetKey({ endpoint: 'ws://a:1' })).toBe('*@ws://a:1');
  });
});
