/**
 * The NaN/Inf scan of request tensors reads IEEE bit patterns from the raw bytes (any alignment,
 * no copy): it must agree with Number.isFinite on every float, for float32 and float64.
 */
import fc from 'fast-check';
import { firstNonFinite } from '../../shared/model/validate';

function reference(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

describe('firstNonFinite', () => {
  it.each([4, 8] as const)('agrees with Number.isFinite on random bit patterns at any byte offset (%i-byte floats)', (size) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 * size }), fc.integer({ min: 0, max: 7 }), (raw, offset) => {
        const n = Math.floor(raw.length / size);
        const backing = new Uint8Array(offset + n * size);
        backing.set(raw.subarray(0, n * size), offset);
        const view = backing.subarray(offset);
        const aligned = new Uint8Array(view); // a copy at offset 0, for the typed-array reference
        const values = size === 4 ? new Float32Array(aligned.buffer) : new Float64Array(aligned.buffer);
        expect(firstNonFinite(view, size)).toBe(reference(values));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds NaN, +Inf and -Inf and passes the largest finite values and subnormals', () => {
    const f = (xs: number[]) => firstNonFinite(new Uint8Array(new Float32Array(xs).buffer), 4);
    const d = (xs: number[]) => firstNonFinite(new Uint8Array(new Float64Array(xs).buffer), 8);
    expect(f([1, 2, NaN])).toBe(2);
    expect(f([Infinity])).toBe(0);
    expect(f([0, -Infinity])).toBe(1);
    expect(f([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0])).toBe(-1);
    expect(d([Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, NaN])).toBe(3);
    expect(d([])).toBe(-1);
  });
});
