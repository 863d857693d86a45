/**
 * Epoch-level properties on generated inputs (shared/yuma/generate.ts), the liquid-alpha cursor
 * merge against a literal port of compute_liquid_alpha_values_sparse, and input validation.
 */
import fc from 'fast-check';
import { validateEpochInput, yumaEpoch, type EpochInput } from '../../shared/yuma';
import { liquidAlphaLookup, alpha_sigmoid, raoVec } from '../../shared/yuma/epoch';
import { csrFromRows } from '../../shared/yuma/math';
import { generateEpochInput, Prng } from '../../shared/yuma/generate';
import { TWO32 } from '../../shared/yuma/fixed';
import { isSubnetError } from '../../shared/errors';

describe('yumaEpoch on generated inputs', () => {
  test('a stake drawn above 2^53 - 1 is capped, so the input survives JSON and validation (fast-check counterexample seed 296555, n 28)', () => {
    const input = generateEpochInput({ n: 28, seed: 296555, yuma3: true, liquidAlpha: false, stakedValidators: 7, maxAllowedValidators: 3, density: 0.3, warmupEpochs: 1 });
    expect(Math.max(...input.stake)).toBe(Number.MAX_SAFE_INTEGER);
    expect(validateEpochInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
  });

  const modes = [
    ['classic', false, false],
    ['yuma3', true, false],
    ['yuma3 + liquid alpha', true, true],
  ] as const;
  test.each(modes)('%s: shapes, emission bounds, permits, determinism', (_m, yuma3, liquidAlpha) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 40 }), (seed, n) => {
        const input = generateEpochInput({ n, seed, yuma3, liquidAlpha, stakedValidators: Math.max(1, n >> 2), maxAllowedValidators: Math.max(1, n >> 3), density: 0.3, warmupEpochs: 1 });
        expect(validateEpochInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
        const out = yumaEpoch(input);
        for (const f of ['active', 'rank', 'trust', 'consensus', 'incentive', 'dividends', 'validator_trust', 'pruning_scores', 'server_emission', 'validator_emission', 'bonds', 'emission', 'stake_weight', 'new_validator_permit'] as const) {
          expect(out[f]).toHaveLength(n);
        }
        const total = (a: number[]) => a.reduce((s, x) => s + x, 0);
        expect(total(out.server_emission) + total(out.validator_emission)).toBeLessThanOrEqual(input.rao_emission);
        expect(total(out.emission)).toBeLessThanOrEqual(input.rao_emission);
        expect(out.new_validator_permit.filter(Boolean).length).toBeLessThanOrEqual(input.max_allowed_validators + 1);
        out.bonds.forEach((row, i) => {
          if (!out.new_validator_permit[i]) expect(row).toEqual([]);
          for (const [j, v] of row) {
            expect(j).toBeLessThan(n);
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(65535);
          }
        });
        for (const u of [...out.consensus, ...out.incentive, ...out.dividends, ...out.stake_weight]) expect(u >= 0 && u <= 65535).toBe(true);
        expect(yumaEpoch(input)).toEqual(out);
      }),
      { numRuns: 25 },
    );
  });

  test('the input is not mutated', () => {
    const input = generateEpochInput({ n: 64, seed: 3, yuma3: true, liquidAlpha: true });
    const copy = JSON.parse(JSON.stringify(input)) as EpochInput;
    yumaEpoch(input);
    expect(input).toEqual(copy);
  });
});

describe('emission conversion (I96F32 share * rao, to u64)', () => {
  test('equals floor(share_bits * rao / 2^32) in BigInt', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 * TWO32 }), { maxLength: 20 }), fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (share, rao) => {
        const got = raoVec(Float64Array.from(share), rao);
        expect(got).toEqual(share.map((s) => Number((BigInt(s) * BigInt(rao)) >> 32n)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('liquid alpha: the cursor merge', () => {
  // literal port of compute_liquid_alpha_values_sparse's two peeking cursors
  function denseAlphas(w: [number, number][][], b: [number, number][][], cons: number[], low: number, high: number, sd: number): number[][] {
    return w.map((wr, i) => {
      const br = b[i];
      let wi = 0;
      let bi = 0;
      const row: number[] = [];
      for (let j = 0; j < cons.length; j++) {
        let weight = 0;
        while (wi < wr.length) {
          if (wr[wi][0] < j) wi++;
          else {
            if (wr[wi][0] === j) weight = wr[wi][1];
            break;
          }
        }
        let bond = 0;
        while (bi < br.length) {
          if (br[bi][0] < j) bi++;
          else {
            if (br[bi][0] === j) bond = br[bi][1];
            break;
          }
        }
        row.push(alpha_sigmoid(cons[j], weight, bond, low, high, sd));
      }
      return row;
    });
  }
  test('lazy lookup equals the dense matrix, for sorted and unsorted rows', () => {
    const n = 7;
    const entry = fc.tuple(fc.integer({ min: 0, max: n + 2 }), fc.integer({ min: 0, max: TWO32 }));
    const rows = fc.array(fc.uniqueArray(entry, { selector: (e) => e[0], maxLength: n }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(rows, rows, fc.array(fc.integer({ min: 0, max: TWO32 }), { minLength: n, maxLength: n }), (w, b, cons) => {
        const wv = w.map((r) => r.filter(([j]) => j < n)); // weights are filtered to j < n on chain; bonds are not
        const low = Math.floor((0.7 * TWO32));
        const high = Math.floor(0.9 * TWO32);
        const sd = -10 * TWO32;
        const dense = denseAlphas(wv, b, cons, low, high, sd);
        const lookup = liquidAlphaLookup(csrFromRows(wv, () => true, (v) => v), csrFromRows(b, () => true, (v) => v), Float64Array.from(cons), n, low, high, sd);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(lookup(i, j)).toBe(dense[i][j]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('validateEpochInput', () => {
  const base = () => JSON.parse(JSON.stringify(generateEpochInput({ n: 6, seed: 5, stakedValidators: 3, maxAllowedValidators: 2, warmupEpochs: 0 }))) as Record<string, unknown>;
  const bad: [string, (o: Record<string, unknown>) => void, string][] = [
    ['n negative', (o) => (o.n = -1), 'n'],
    ['stake not an array', (o) => (o.stake = 5), 'stake'],
    ['stake above 2^53', (o) => ((o.stake as number[])[2] = 2 ** 60), 'stake[2]'],
    ['permit not boolean', (o) => ((o.validator_permit as unknown[])[1] = 1), 'validator_permit[1]'],
    ['weight value > u16', (o) => ((o.weights as number[][][])[0] = [[1, 65536]]), 'weights[0][0][1]'],
    ['weight entry not a pair', (o) => ((o.weights as unknown[][])[1] = [[1]]), 'weights[1][0]'],
    ['duplicate uid in a bonds row', (o) => ((o.bonds as number[][][])[2] = [[1, 5], [1, 6]]), 'bonds[2][1][0]'],
    ['rows missing', (o) => (o.weights = []), 'weights'],
    ['steepness out of i16', (o) => (o.liquid_alpha = { alpha_low: 1, alpha_high: 2, alpha_sigmoid_steepness: 40000 }), 'liquid_alpha.alpha_sigmoid_steepness'],
    ['commit block wrong length', (o) => (o.commit_reveal = { commit_block: [1] }), 'commit_reveal.commit_block'],
    ['tao_weight too big', (o) => (o.tao_weight = '18446744073709551616'), 'tao_weight'],
    ['yuma3 a string', (o) => (o.yuma3 = 'yes'), 'yuma3'],
    ['fractional block', (o) => (o.current_block = 1.5), 'current_block'],
  ];
  test.each(bad.map(([l, m, f]) => [l, f, m] as const))('%s -> YUMA_INPUT_INVALID naming %s', (_l, field, mutate) => {
    const o = base();
    mutate(o);
    try {
      validateEpochInput(o);
      throw new Error('accepted');
    } catch (e) {
      expect(isSubnetError(e, 'YUMA_INPUT_INVALID')).toBe(true);
      if (isSubnetError(e)) expect(e.context.field).toBe(field);
    }
  });
  test('tao_weight as bigint or string; nullable fields may be omitted', () => {
    const o = base();
    delete o.liquid_alpha;
    delete o.commit_reveal;
    delete o.tao_stake;
    delete o.owner_uid;
    o.tao_weight = 971718665099567868n;
    const v = validateEpochInput(o);
    expect(v.liquid_alpha).toBeNull();
    expect(v.owner_uid).toBeNull();
    expect(yumaEpoch(v).stake_weight).toHaveLength(6);
  });
  test('Prng is deterministic', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b.next());
  });
});

describe('yumaEpoch on arbitrary valid inputs (extreme hyperparameters)', () => {
  const arbInput = fc.integer({ min: 1, max: 9 }).chain((n) => {
    const u64small = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const row = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n + 3 }), fc.oneof(fc.constant(0), fc.constant(65535), fc.integer({ min: 0, max: 65535 }))), { selector: (e) => e[0], maxLength: n + 2 });
    const vec = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: n, maxLength: n });
    return fc.record({
      n: fc.constant(n),
      current_block: fc.integer({ min: 0, max: 10000 }),
      activity_cutoff: fc.integer({ min: 0, max: 6000 }),
      kappa_u16: fc.oneof(fc.constant(0), fc.constant(65535), fc.integer({ min: 0, max: 65535 })),
      bonds_moving_average: fc.oneof(fc.constant(900000), fc.constant(0), fc.constant(1000000), fc.integer({ min: 0, max: 5_000_000 })),
      liquid_alpha: fc.option(fc.record({ alpha_low: fc.integer({ min: 0, max: 65535 }), alpha_high: fc.integer({ min: 0, max: 65535 }), alpha_sigmoid_steepness: fc.integer({ min: -32768, max: 32767 }) })),
      yuma3: fc.boolean(),
      stake: vec(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 50 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }))),
      validator_permit: vec(fc.boolean()),
      last_update: vec(fc.integer({ min: 0, max: 10000 })),
      block_at_registration: vec(fc.integer({ min: 0, max: 10000 })),
      weights: vec(row),
      bonds: vec(row),
      rao_emission: u64small,
      tempo: fc.integer({ min: 0, max: 65535 }),
      last_mechanism_step_block: fc.integer({ min: 0, max: 10000 }),
      bonds_penalty_u16: fc.oneof(fc.constant(0), fc.constant(65535), fc.integer({ min: 0, max: 65535 })),
      max_allowed_validators: fc.integer({ min: 0, max: 12 }),
      stake_threshold: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 52 })),
      owner_uid: fc.option(fc.integer({ min: 0, max: n + 1 })),
      tao_stake: fc.option(vec(fc.integer({ min: 0, max: 2 ** 52 }))),
      tao_weight: fc.oneof(fc.constant('0'), fc.constant('18446744073709551615'), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String)),
      commit_reveal: fc.option(fc.record({ commit_block: vec(fc.option(fc.integer({ min: 0, max: 10000 }))) })),
    });
  });
  test('never throws; outputs in range; emissions within rao', () => {
    fc.assert(
      fc.property(arbInput, (raw) => {
        const input = validateEpochInput(raw);
        const out = yumaEpoch(input);
        const total = (a: number[]) => a.reduce((s, x) => s + x, 0);
        expect(total(out.server_emission) + total(out.validator_emission)).toBeLessThanOrEqual(input.rao_emission);
        for (const f of ['rank', 'trust', 'consensus', 'incentive', 'dividends', 'validator_trust', 'pruning_scores', 'stake_weight'] as const) {
          for (const u of out[f]) expect(Number.isInteger(u) && u >= 0 && u <= 65535).toBe(true);
        }
        for (const row of out.bonds) for (const [j, v] of row) expect(j < input.n && v >= 0 && v <= 65535).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
