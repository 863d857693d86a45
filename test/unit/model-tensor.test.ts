import fc from 'fast-check';
import { concatBatch, defaultValidationOptions, float32Tensor, splitBatch, toTypedArray, validateInputs, type TensorData, type TensorSpec } from '../../shared/model';
import { fromCanonicalSecret, toCanonicalSecret } from '../../shared/keys';
import { SubnetError } from '../../shared/errors';

const spec: TensorSpec[] = [{ name: 'x', dtype: 'float32', shape: [null, 4] }];

describe('tensor helpers (properties)', () => {
  test('splitBatch(concatBatch(parts)) gives the parts back', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.float({ noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 }).chain((rows) => fc.constant(rows)), fc.integer({ min: 1, max: 4 }), (rows, k) => {
        const parts: TensorData[] = [];
        for (let i = 0; i < k; i++) parts.push(float32Tensor([rows.length, 4], rows.flat()));
        const merged = concatBatch(parts);
        expect(merged.shape).toEqual([rows.length * k, 4]);
        const back = splitBatch(merged, parts.map((p) => p.shape[0]));
        back.forEach((b, i) => {
          expect(b.shape).toEqual(parts[i].shape);
          expect(Buffer.from(b.data).equals(Buffer.from(parts[i].data))).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  test('toTypedArray copies only unaligned bytes and keeps values', () => {
    const t = float32Tensor([1, 4], [1, 2, 3, 4]);
    const buf = new Uint8Array(17);
    buf.set(t.data, 1);
    expect(Array.from(toTypedArray({ ...t, data: buf.subarray(1) }) as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(toTypedArray(t).buffer).toBe(t.data.buffer);
  });
});

describe('validateInputs never crashes (fuzz)', () => {
  const dtype = fc.constantFrom('float32', 'float64', 'int64', 'bool', 'nope', 7, null, undefined);
  const shape = fc.oneof(fc.array(fc.oneof(fc.integer({ min: -3, max: 70 }), fc.double(), fc.constant(1e300), fc.string()), { maxLength: 4 }), fc.string(), fc.constant(null));
  const data = fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.array(fc.integer(), { maxLength: 4 }), fc.constant(null), fc.string());
  const tensor = fc.oneof(fc.record({ dtype, shape, data }, { requiredKeys: [] }), fc.anything());
  const inputs = fc.oneof(fc.dictionary(fc.constantFrom('x', 'y', '__proto__', 'constructor'), tensor), fc.anything());

  test('every outcome is a batch size or a MODEL_* SubnetError', () => {
    fc.assert(
      fc.property(inputs, (inp) => {
        try {
          const b = validateInputs(spec, inp, defaultValidationOptions);
          expect(b === undefined || (Number.isInteger(b) && b > 0)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(SubnetError);
          expect((err as SubnetError).code).toMatch(/^MODEL_/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('sr25519 secret forms (properties)', () => {
  test('fromCanonicalSecret ∘ toCanonicalSecret = id on scalars × 8 (low 3 bits clear)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (s) => {
        const polka = Uint8Array.from(s);
        polka[0] &= 0xf8; // a multiple of 8, as @polkadot's form always is
        expect(Buffer.from(fromCanonicalSecret(toCanonicalSecret(polka))).equals(Buffer.from(polka))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('MODEL_INPUT_ERROR_CODES', () => {
  test('validation errors are input errors; load/run/closed are not', async () => {
    const { isModelInputError, MODEL_INPUT_ERROR_CODES } = await import('../../shared/model');
    expect(MODEL_INPUT_ERROR_CODES).toContain('MODEL_NAN');
    let err: unknown;
    try {
      validateInputs(spec, { x: float32Tensor([1, 3], [1, 2, 3]) }, defaultValidationOptions);
    } catch (e) {
      err = e;
    }
    expect(isModelInputError(err)).toBe(true);
    expect(isModelInputError(new SubnetError('MODEL_RUN_FAILED', 'x'))).toBe(false);
    expect(isModelInputError(null)).toBe(false);
  });
});
