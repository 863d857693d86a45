/**
 * Weight preparation (SDK process_weights / convert_weights_and_uids_for_emit, chain max-upscale).
 * Expected values marked "numpy" were computed with numpy 2.4 running the SDK's own functions
 * (bittensor bb526e6d weight_utils.py); the vector file covers the rest (test/spec/yuma.test.ts).
 */
import fc from 'fast-check';
import {
  convertWeightsAndUidsForEmit,
  numpyPairwiseSum,
  processWeightsForNetuid,
  pyRound,
  scoresToWeights,
  vecU16MaxUpscaleToU16,
} from '../../shared/weights';
import { isSubnetError } from '../../shared/errors';

describe('pyRound (Python round: half to even)', () => {
  test.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [2.4999, 2],
    [32767.5, 32768],
    [32768.5, 32768],
    [65534.5, 65534],
  ])('round(%d) = %d', (x, r) => expect(pyRound(x)).toBe(r));
});

describe('numpy pairwise sum', () => {
  test('float32 sums (numpy: np.float32 arrays .sum())', () => {
    // numpy: np.array([0.1]*10, np.float32).sum() == np.float32(1.0) (a sequential float32 sum gives 1.0000001)
    expect(numpyPairwiseSum(new Array(10).fill(Math.fround(0.1)), true)).toBe(1);
    // numpy: np.random.default_rng(3).lognormal(size=37).astype(np.float32).sum() == np.float32(80.73656)
    const a = [7.697680950164795, 0.0776405781507492, 1.5190708637237549, 0.5667881965637207, 0.6359411478042603, 0.8060599565505981, 0.13265730440616608, 0.7929997444152832, 0.420961856842041, 27.74344253540039, 1.2533081769943237, 0.7028366327285767, 0.7548113465309143, 0.5127092599868774, 0.34814000129699707, 0.6765148043632507, 1.6192213296890259, 0.7877664566040039, 2.605849504470825, 0.818892776966095, 1.024556279182434, 4.691821098327637, 1.724790334701538, 0.6033675670623779, 0.8329022526741028, 1.7169082164764404, 6.92465353012085, 0.7636693716049194, 0.7838335037231445, 2.7245781421661377, 0.4121120870113373, 0.7469775080680847, 2.4170286655426025, 1.7866636514663696, 1.0958350896835327, 1.9544413089752197, 0.059121400117874146];
    expect(numpyPairwiseSum(a, true)).toBe(Math.fround(80.73656));
    // numpy: np.arange(1, 200, dtype=np.float32).sum() == 19900.0 (exact integers)
    expect(numpyPairwiseSum(Array.from({ length: 199 }, (_, i) => i + 1), true)).toBe(19900);
  });
  test('float64 small arrays are a sequential sum', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 7 }), (a) => {
        let s = 0;
        for (const x of a) s += x;
        expect(numpyPairwiseSum(a, false)).toBe(s);
      }),
    );
  });
});

describe('convertWeightsAndUidsForEmit', () => {
  test('max becomes 65535, zeros dropped, uid order kept', () => {
    expect(convertWeightsAndUidsForEmit([3, 1, 2], [0.5, 0, 0.25])).toEqual({ uids: [3, 2], weights: [65535, 32768] });
  });
  test('all-zero weights set nothing', () => {
    expect(convertWeightsAndUidsForEmit([0, 1], [0, 0])).toEqual({ uids: [], weights: [] });
  });
  test('negative weights and uids are rejected with WEIGHTS_INVALID', () => {
    for (const [u, w] of [
      [[0, 1], [0.5, -0.1]],
      [[-1, 1], [0.5, 0.1]],
      [[0], [0.5, 0.1]],
    ] as [number[], number[]][]) {
      try {
        convertWeightsAndUidsForEmit(u, w);
        throw new Error('accepted');
      } catch (e) {
        expect(isSubnetError(e, 'WEIGHTS_INVALID')).toBe(true);
      }
    }
  });
  test('the result is a fixed point of the chain max-upscale', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 50 }), (w) => {
        const e = convertWeightsAndUidsForEmit(w.map((_, i) => i), w);
        if (e.weights.length === 0) return;
        expect(Math.max(...e.weights)).toBe(65535);
        expect(vecU16MaxUpscaleToU16(e.weights)).toEqual(e.weights);
      }),
    );
  });
});

describe('processWeightsForNetuid', () => {
  test('normalised output sums to ~1 in float32 and keeps the non-zero uids', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 80 }), (s) => {
        const uids = s.map((_, i) => i);
        const p = processWeightsForNetuid(uids, s, { n: s.length, minAllowedWeights: 1, maxWeightLimit: 1, excludeQuantile: 0 });
        const nz = uids.filter((i) => Math.fround(s[i]) > 0);
        if (nz.length === 0) {
          expect(p.uids).toEqual(uids);
          expect(p.dtype).toBe('float64');
          return;
        }
        expect(p.uids).toEqual(nz);
        expect(p.dtype).toBe('float32');
        const sum = p.weights.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        for (const w of p.weights) expect(Math.fround(w)).toBe(w);
      }),
    );
  });
  test('max weight limit caps the largest share (numpy: [0.39999982714653015, 0.15000005066394806 x4])', () => {
    const p = processWeightsForNetuid([0, 1, 2, 3, 4], [10, 1, 1, 1, 1], { n: 5, minAllowedWeights: 1, maxWeightLimit: 0.4, excludeQuantile: 0 });
    expect(p.weights).toEqual([0.39999982714653015, 0.15000005066394806, 0.15000005066394806, 0.15000005066394806, 0.15000005066394806]);
  });
  test('mismatched lengths are rejected', () => {
    expect(() => processWeightsForNetuid([0, 1], [1], { n: 2, minAllowedWeights: 1, maxWeightLimit: 1, excludeQuantile: 0 })).toThrow();
  });
});

describe('scoresToWeights', () => {
  test('the whole path: scores -> u16 row with max 65535, zero scores omitted', () => {
    expect(scoresToWeights([0, 0.5, 0, 0.25, 0.125, 0])).toEqual({ uids: [1, 3, 4], weights: [65535, 32768, 16384] });
  });
  test('all-zero scores: uniform weights to every uid (SDK behaviour)', () => {
    expect(scoresToWeights([0, 0, 0])).toEqual({ uids: [0, 1, 2], weights: [65535, 65535, 65535] });
  });
  test('bad scores are rejected with WEIGHTS_INVALID naming the index', () => {
    for (const bad of [NaN, -1, Infinity]) {
      try {
        scoresToWeights([1, bad]);
        throw new Error('accepted');
      } catch (e) {
        expect(isSubnetError(e, 'WEIGHTS_INVALID')).toBe(true);
        if (isSubnetError(e)) expect(e.context.field).toBe('scores[1]');
      }
    }
  });
  test('monotone: a higher score never gets a lower u16 weight', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 10, noNaN: true }), { minLength: 2, maxLength: 40 }), (s) => {
        const w = scoresToWeights(s);
        const byUid = new Map(w.uids.map((u, k) => [u, w.weights[k]]));
        for (let i = 0; i < s.length; i++)
          for (let j = 0; j < s.length; j++) if (Math.fround(s[i]) <= Math.fround(s[j])) expect(byUid.get(i) ?? 0).toBeLessThanOrEqual(byUid.get(j) ?? 0);
      }),
    );
  });
});
