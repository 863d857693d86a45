/** @jest-environment ./shared/model/testing/ortJestEnvironment.js */
import {
  BatchingModelRunner,
  FakeModelRunner,
  OnnxModelRunner,
  defaultModelBytes,
  float32Tensor,
  generateInput,
  type TensorData,
} from '../../shared/model';
import { isSubnetError } from '../../shared/errors';

const x = (t: TensorData) => ({ x: t });
const hex = (t: TensorData) => Buffer.from(t.data).toString('hex');

describe('BatchingModelRunner', () => {
  test('concurrent requests merge into batches and get exactly their unbatched outputs (onnxruntime)', async () => {
    const plain = await OnnxModelRunner.create(defaultModelBytes('reference'));
    const inner = await OnnxModelRunner.create(defaultModelBytes('reference'));
    let innerRuns = 0;
    const counted = { inputs: inner.inputs, outputs: inner.outputs, run: (i: Record<string, TensorData>) => (innerRuns++, inner.run(i)), close: () => inner.close() };
    const b = new BatchingModelRunner(counted, { maxBatchRows: 64, maxWaitMs: 5 });
    // 40 requests of 1..3 rows each, all in flight at once
    const reqs = Array.from({ length: 40 }, (_, i) => generateInput(1000 + i, 1 + (i % 3)));
    const expected = await Promise.all(reqs.map((r) => plain.run(x(r))));
    const got = await Promise.all(reqs.map((r) => b.run(x(r))));
    got.forEach((g, i) => {
      expect(g.y.shape).toEqual([reqs[i].shape[0], 16]);
      expect(hex(g.y)).toBe(hex(expected[i].y));
    });
    expect(innerRuns).toBeLessThan(10);
    expect(b.stats.batches).toBe(innerRuns);
    expect(b.stats.rows).toBe(reqs.reduce((a, r) => a + r.shape[0], 0));
    await b.close();
    await plain.close();
  });

  test('a batch never exceeds maxBatchRows; a request as large as the limit runs alone', async () => {
    const fake = new FakeModelRunner({ delayMs: 2 });
    const b = new BatchingModelRunner(fake, { maxBatchRows: 8, maxWaitMs: 50 });
    const reqs = Array.from({ length: 20 }, (_, i) => generateInput(i, 3));
    const big = generateInput(77, 8);
    const out = await Promise.all([...reqs.map((r) => b.run(x(r))), b.run(x(big))]);
    expect(Math.max(...fake.batchSizes)).toBeLessThanOrEqual(8);
    expect(fake.batchSizes).toContain(6); // two 3-row requests per batch
    expect(b.stats.passthrough).toBe(1);
    const direct = new FakeModelRunner();
    expect(hex(out[20].y)).toBe(hex((await direct.run(x(big))).y));
    for (let i = 0; i < 20; i++) expect(hex(out[i].y)).toBe(hex((await direct.run(x(reqs[i]))).y));
    await b.close();
  });

  test('a full batch runs without waiting for maxWaitMs', async () => {
    const b = new BatchingModelRunner(new FakeModelRunner(), { maxBatchRows: 4, maxWaitMs: 60_000 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 4 }, (_, i) => b.run(x(generateInput(i, 1)))));
    expect(Date.now() - t0).toBeLessThan(30_000);
    await b.close();
  });

  test('bad requests are rejected alone and do not poison the batch', async () => {
    const fake = new FakeModelRunner();
    const b = new BatchingModelRunner(fake, { maxBatchRows: 64, maxWaitMs: 5 });
    const results = await Promise.allSettled([
      b.run(x(generateInput(1, 1))),
      b.run(x(float32Tensor([1, 31], new Float32Array(31)))),
      b.run(x(float32Tensor([1, 32], new Float32Array(32).fill(NaN)))),
      b.run(x(generateInput(2, 2))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const codes = results.map((r) => (r.status === 'rejected' && isSubnetError(r.reason) ? r.reason.code : null));
    expect(codes).toEqual([null, 'MODEL_BAD_SHAPE', 'MODEL_NAN', null]);
    expect(fake.batchSizes).toEqual([3]);
    await b.close();
  });

  test('abort: a queued request leaves the queue; a running one rejects at once; others are unaffected', async () => {
    const fake = new FakeModelRunner({ delayMs: 200 });
    const b = new BatchingModelRunner(fake, { maxBatchRows: 64, maxWaitMs: 20 });
    const queued = new AbortController();
    const p1 = b.run(x(generateInput(1, 1)), { signal: queued.signal });
    const p2 = b.run(x(generateInput(2, 1)));
    queued.abort();
    await expect(p1).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.queued).toBe(1);
    const running = new AbortController();
    const p3 = b.run(x(generateInput(3, 1)), { signal: running.signal });
    await new Promise((r) => setTimeout(r, 60)); // the batch (p2, p3) is now in the model
    const t0 = Date.now();
    running.abort();
    await expect(p3).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - t0).toBeLessThan(150);
    const r2 = await p2;
    expect(r2.y.shape).toEqual([1, 16]);
    expect(fake.batchSizes).toEqual([2]); // p1 never reached the model
    await b.close();
  });

  test('timeout signals (AbortSignal.timeout) reject with TimeoutError', async () => {
    const b = new BatchingModelRunner(new FakeModelRunner({ delayMs: 300 }), { maxWaitMs: 1 });
    await expect(b.run(x(generateInput(1, 1)), { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ name: 'TimeoutError' });
    await b.close();
  });

  test('close rejects queued requests with MODEL_CLOSED, lets running ones finish, closes the inner runner', async () => {
    const fake = new FakeModelRunner({ delayMs: 50 });
    const b = new BatchingModelRunner(fake, { maxBatchRows: 2, maxWaitMs: 1000, concurrency: 1 });
    const running = [b.run(x(generateInput(1, 1))), b.run(x(generateInput(2, 1)))]; // full: runs now
    const queued = b.run(x(generateInput(3, 1))).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    await b.close();
    expect(await queued).toMatchObject({ code: 'MODEL_CLOSED' });
    expect((await Promise.all(running)).map((r) => r.y.shape[0])).toEqual([1, 1]);
    await expect(fake.run(x(generateInput(1, 1)))).rejects.toMatchObject({ code: 'MODEL_CLOSED' });
  });

  test('a model without a dynamic batch dim is passed straight through', async () => {
    const fake = new FakeModelRunner({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 32] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 16] }] });
    const b = new BatchingModelRunner(fake);
    await Promise.all([b.run(x(generateInput(1, 1))), b.run(x(generateInput(2, 1)))]);
    expect(b.stats.passthrough).toBe(2);
    expect(fake.batchSizes).toEqual([1, 1]);
    await b.close();
  });

  test('an inner failure rejects every request of that batch with its error', async () => {
    const fake = new FakeModelRunner({
      compute: () => {
        throw new Error('boom');
      },
    });
    const b = new BatchingModelRunner(fake, { maxWaitMs: 2 });
    const rs = await Promise.allSettled([b.run(x(generateInput(1, 1))), b.run(x(generateInput(2, 1)))]);
    expect(rs.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const ok = new BatchingModelRunner(new FakeModelRunner(), { maxWaitMs: 2 });
    expect((await ok.run(x(generateInput(1, 1)))).y.shape).toEqual([1, 16]);
    await Promise.all([b.close(), ok.close()]);
  });

  test('submit: the same outputs as run without a promise each; refusals are reported at once, in the same call', async () => {
    const fake = new FakeModelRunner();
    const b = new BatchingModelRunner(fake, { maxBatchRows: 64, maxWaitMs: 0 });
    const inputs = Array.from({ length: 5 }, (_, i) => generateInput(50 + i, 1 + (i % 2)));
    const expected = await Promise.all(inputs.map((t) => new FakeModelRunner().run(x(t))));
    const runsBefore = fake.runs;
    const got = await new Promise<(TensorData | undefined)[]>((resolve) => {
      const out: (TensorData | undefined)[] = new Array(inputs.length);
      let left = inputs.length;
      inputs.forEach((t, i) =>
        b.submit(x(t), (err, o) => {
          expect(err).toBeUndefined();
          out[i] = o?.y;
          if (--left === 0) resolve(out);
        }),
      );
    });
    got.forEach((g, i) => expect(hex(g!)).toBe(hex(expected[i].y)));
    expect(fake.runs - runsBefore).toBe(1); // one turn's submissions: one run
    const refused: unknown[] = [];
    b.submit({ x: { dtype: 'float32', shape: [1, 3], data: new Uint8Array(12) } }, (err) => refused.push(err));
    const ac = new AbortController();
    ac.abort();
    b.submit(x(generateInput(1, 1)), (err) => refused.push(err), ac.signal);
    expect(refused).toHaveLength(2); // reported before submit returned
    expect(refused[0]).toMatchObject({ code: 'MODEL_BAD_SHAPE' });
    expect(refused[1]).toMatchObject({ name: 'AbortError' });
    await b.close();
    b.submit(x(generateInput(1, 1)), (err) => refused.push(err));
    expect(refused[2]).toMatchObject({ code: 'MODEL_CLOSED' });
  });

  test('invalid options → MODEL_BAD_OPTIONS', () => {
    expect(() => new BatchingModelRunner(new FakeModelRunner(), { maxBatchRows: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_BAD_OPTIONS' }));
  });
});
