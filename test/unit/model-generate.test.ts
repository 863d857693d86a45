/** @jest-environment ./shared/model/testing/ortJestEnvironment.js */
import { createHash } from 'node:crypto';
import { onnx } from 'onnx-proto';
import {
  DEFAULT_MODEL_SPEC,
  OnnxModelRunner,
  SeededRng,
  createModelBytes,
  defaultModelBytes,
  generateInput,
  generateInputs,
  readModelMetadata,
  referenceModelBytes,
  referenceWeights,
  toTypedArray,
  variantWeights,
} from '../../shared/model';
import { isSubnetError } from '../../shared/errors';

// pinned by this repository (first generated 2026-11-25); a new value means miners and validators of
// different versions would disagree about the reference model.
const REFERENCE_SHA256 = 'bbf7adeb3ff1078020d46cfceeb4298b4168a46fbc0a545f3a58986916531ab5';
const INPUT_1x2_SHA256 = '5224b30b7b5d0c59757a09954f2a9fef310d185cefa2ff51bd85df2c926e6b1e';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function outputs(bytes: Uint8Array, seed = 11, batch = 64): Promise<Float32Array> {
  const r = await OnnxModelRunner.create(bytes);
  try {
    const out = await r.run(generateInputs(seed, batch));
    return Float32Array.from(toTypedArray(out.y) as Float32Array);
  } finally {
    await r.close();
  }
}

/** ‖a − b‖ / ‖b‖ */
function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('seeded PRNG', () => {
  test('same seed → same stream; different seeds/streams differ', () => {
    const a = new SeededRng(7);
    const b = new SeededRng(7);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
    expect(new SeededRng(8).nextU32()).not.toBe(xs[0]);
    expect(new SeededRng(7, 1).nextU32()).not.toBe(xs[0]);
    expect(new SeededRng(2 ** 40).nextU32()).not.toBe(new SeededRng(0).nextU32());
  });

  test('uniform in [0,1), gaussian has mean ≈ 0 and sd ≈ 1', () => {
    const r = new SeededRng(1);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      const g = r.gaussian();
      s += g;
      s2 += g * g;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.05);
  });

  test('rejects bad seeds', () => {
    expect(() => new SeededRng(-1)).toThrow(RangeError);
    expect(() => new SeededRng(1.5)).toThrow(RangeError);
  });
});

describe('model generation', () => {
  test('same options → byte-identical model; different seeds → different bytes', () => {
    for (const kind of ['reference', 'noisy', 'quantised'] as const) {
      expect(sha(createModelBytes({ kind }))).toBe(sha(createModelBytes({ kind })));
    }
    expect(sha(createModelBytes({ kind: 'noisy', seed: 1 }))).not.toBe(sha(createModelBytes({ kind: 'noisy', seed: 2 })));
    expect(sha(createModelBytes({ kind: 'reference', referenceSeed: 1 }))).not.toBe(sha(createModelBytes({ kind: 'reference' })));
    expect(sha(createModelBytes({ kind: 'quantised', bits: 4 }))).not.toBe(sha(createModelBytes({ kind: 'quantised', bits: 8 })));
    // the noise seed does not change the reference
    expect(sha(createModelBytes({ kind: 'reference', seed: 5 }))).toBe(sha(createModelBytes({ kind: 'reference' })));
    expect(sha(defaultModelBytes('reference'))).toBe(sha(referenceModelBytes()));
  });

  test('the reference model and challenge inputs are pinned (changing them is a protocol change)', () => {
    expect(sha(referenceModelBytes())).toBe(REFERENCE_SHA256);
    expect(sha(generateInput(1, 2).data)).toBe(INPUT_1x2_SHA256);
  });

  test('valid ONNX: IR 8, opset 13, Gemm/Relu graph, dynamic batch dim, metadata', () => {
    const m = onnx.ModelProto.decode(createModelBytes({ kind: 'noisy', seed: 3, noise: 0.1 }));
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    expect(m.graph!.input![0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 32]);
    expect(readModelMetadata(createModelBytes({ kind: 'noisy', seed: 3, noise: 0.1 }))).toEqual({
      'subnet.kind': 'noisy',
      'subnet.reference_seed': '42',
      'subnet.seed': '3',
      'subnet.noise': '0.1',
    });
  });

  test('weights: noisy differs everywhere, quantised takes at most 2^bits − 1 levels', () => {
    const ref = referenceWeights();
    const noisy = variantWeights({ kind: 'noisy' });
    const q = variantWeights({ kind: 'quantised', bits: 3 });
    for (let l = 0; l < ref.length; l++) {
      let same = 0;
      for (let i = 0; i < ref[l].w.length; i++) if (ref[l].w[i] === noisy[l].w[i]) same++;
      expect(same).toBeLessThan(ref[l].w.length / 100);
      expect(new Set(q[l].w).size).toBeLessThanOrEqual(7);
    }
  });

  test('runs in onnxruntime; variants differ from the reference in the expected way', async () => {
    const ref = await outputs(defaultModelBytes('reference'));
    const noisy = await outputs(defaultModelBytes('noisy'));
    const q4 = await outputs(defaultModelBytes('quantised'));
    const q8 = await outputs(createModelBytes({ kind: 'quantised', bits: 8 }));
    expect(ref.length).toBe(64 * 16);
    expect(ref.every(Number.isFinite)).toBe(true);
    const eNoisy = relErr(noisy, ref);
    const eQ4 = relErr(q4, ref);
    const eQ8 = relErr(q8, ref);
    // noisy (σ = 0.05) clearly differs; quantised is close but not exact, 8 bits closer than 4
    expect(eNoisy).toBeGreaterThan(0.2);
    expect(eQ4).toBeGreaterThan(0);
    expect(eQ4).toBeLessThan(eNoisy);
    expect(eQ8).toBeGreaterThan(0);
    expect(eQ8).toBeLessThan(0.02);
    expect(eQ8).toBeLessThan(eQ4);
    // more noise, more error
    const noisier = await outputs(createModelBytes({ kind: 'noisy', noise: 0.2 }));
    expect(relErr(noisier, ref)).toBeGreaterThan(eNoisy);
  });

  test('reference outputs are bit-identical across runs and sessions (intra-op threads 1)', async () => {
    const a = await outputs(referenceModelBytes(), 21, 32);
    const b = await outputs(referenceModelBytes(), 21, 32);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const r = await OnnxModelRunner.create(referenceModelBytes());
    const first = Buffer.from((await r.run(generateInputs(21, 32))).y.data);
    for (let i = 0; i < 20; i++) expect(Buffer.from((await r.run(generateInputs(21, 32))).y.data).equals(first)).toBe(true);
    await r.close();
    expect(first.equals(Buffer.from(a.buffer))).toBe(true);
  });

  test.each([
    ['kind', { kind: 'bogus' as never }],
    ['negative seed', { seed: -1 }],
    ['noise NaN', { noise: NaN }],
    ['bits 1', { bits: 1 }],
    ['bits 17', { bits: 17 }],
  ])('bad options: %s → MODEL_BAD_OPTIONS', (_n, o) => {
    let code: string | undefined;
    try {
      createModelBytes(o);
    } catch (e) {
      code = isSubnetError(e) ? e.code : String(e);
    }
    expect(code).toBe('MODEL_BAD_OPTIONS');
  });
});

describe('seeded inputs', () => {
  test('generateInput is reproducible, prefix-stable, in [−1, 1)', () => {
    const a = generateInput(99, 4);
    expect(a.shape).toEqual([4, DEFAULT_MODEL_SPEC.inputDim]);
    expect(a.dtype).toBe('float32');
    expect(sha(a.data)).toBe(sha(generateInput(99, 4).data));
    expect(sha(a.data)).not.toBe(sha(generateInput(98, 4).data));
    expect(sha(generateInput(99, 2).data)).toBe(sha(a.data.subarray(0, 2 * 32 * 4)));
    const v = toTypedArray(a) as Float32Array;
    expect(v.every((x) => x >= -1 && x < 1)).toBe(true);
    expect(() => generateInput(1, 0)).toThrow();
  });
});

describe('loading', () => {
  test('garbage bytes and a missing file → MODEL_LOAD_FAILED', async () => {
    for (const src of [new Uint8Array([1, 2, 3, 4, 5]), '/nonexistent/model.onnx']) {
      const err = await OnnxModelRunner.create(src).catch((e: unknown) => e);
      expect(isSubnetError(err, 'MODEL_LOAD_FAILED')).toBe(true);
    }
  });
});
