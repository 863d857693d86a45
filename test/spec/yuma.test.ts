/**
 * One generic runner over every Yuma reference vector (../shared/yuma/vectors, or the copy in
 * test/spec/vectors/yuma when ../shared is absent). The vectors were produced by subtensor's own
 * epoch code at the commit pinned in their index.json (see the README beside them).
 *
 * - every file is listed in index.json with a known category, and its sha256 matches;
 * - every case: each field of `expected`, exactly;
 * - chains: step by step (above) and fed forward (step k+1 takes bonds and validator_permit
 *   from OUR step-k output), comparing the whole chain;
 * - set_weights_vectors.json: SDK process_weights + convert_weights_and_uids_for_emit and the
 *   chain's vec_u16_max_upscale_to_u16.
 * Skipped cases must carry a reason in SKIP (there are none).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SUBTENSOR_COMMIT, validateEpochInput, yumaEpoch, type EpochInput, type EpochOutput } from '../../shared/yuma';
import { convertWeightsAndUidsForEmit, processWeightsForNetuid, vecU16MaxUpscaleToU16 } from '../../shared/weights';

const SHARED_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'yuma', 'vectors');
const COPY_DIR = join(__dirname, 'vectors', 'yuma');
const DIR = existsSync(join(SHARED_DIR, 'index.json')) ? SHARED_DIR : COPY_DIR;

const KNOWN_CATEGORIES = new Set(['edge', 'random', 'large', 'chain']);
const NON_CASE_FILES = new Set(['index.json', 'README.md']);
/** case name -> written reason. Empty: nothing is skipped. */
const SKIP: Record<string, string> = {};

interface IndexCase {
  file: string;
  name: string;
  category: string;
  n: number;
  chain: { id: string; step: number; steps: number; prev: string | null } | null;
  sha256: string;
}
interface Index {
  subtensor_commit: string;
  count: number;
  cases: IndexCase[];
  aux: { file: string; sha256: string }[];
}
interface VectorFile {
  input: EpochInput;
  expected: EpochOutput;
  meta: Record<string, unknown>;
}

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as Index;
const raw = (f: string) => readFileSync(join(DIR, f));
const load = (f: string) => JSON.parse(raw(f).toString('utf8')) as VectorFile;

describe(`yuma vectors (${DIR === SHARED_DIR ? '../shared' : 'test copy'})`, () => {
  test('index pins the subtensor commit this port reads', () => {
    expect(index.subtensor_commit).toBe(SUBTENSOR_COMMIT);
    expect(index.cases.length).toBe(index.count);
  });

  test('every file is indexed, every category known, every sha256 matches', () => {
    const listed = new Set([...index.cases.map((c) => c.file), ...index.aux.map((a) => a.file)]);
    const unknown = readdirSync(DIR).filter((f) => !listed.has(f) && !NON_CASE_FILES.has(f));
    expect(unknown).toEqual([]);
    for (const c of index.cases) {
      expect(KNOWN_CATEGORIES.has(c.category)).toBe(true);
      expect(existsSync(join(DIR, c.file))).toBe(true);
      expect(createHash('sha256').update(raw(c.file)).digest('hex')).toBe(c.sha256);
    }
    for (const a of index.aux) expect(createHash('sha256').update(raw(a.file)).digest('hex')).toBe(a.sha256);
  });

  test('skips carry reasons', () => {
    for (const [name, reason] of Object.entries(SKIP)) expect(`${name}: ${reason}`.length).toBeGreaterThan(name.length + 10);
  });

  describe.each(index.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const run = SKIP[name] ? test.skip : test;
    run('every expected field, exactly', () => {
      const v = load(c.file);
      const out = yumaEpoch(validateEpochInput(v.input)) as unknown as Record<string, unknown>;
      const fields = Object.keys(v.expected);
      expect(fields.length).toBeGreaterThan(0);
      for (const f of fields) expect({ field: f, value: out[f] }).toEqual({ field: f, value: (v.expected as unknown as Record<string, unknown>)[f] });
      // and nothing the schema lacks
      expect(Object.keys(out).sort()).toEqual(fields.sort());
    });
  });

  const chains = new Map<string, IndexCase[]>();
  for (const c of index.cases) if (c.chain) chains.set(c.chain.id, [...(chains.get(c.chain.id) ?? []), c]);

  describe.each([...chains.entries()])('chain %s fed forward', (_id, steps) => {
    test('whole chain from our own outputs', () => {
      steps.sort((a, b) => a.chain!.step - b.chain!.step);
      expect(steps.length).toBe(steps[0].chain!.steps);
      let prev: EpochOutput | undefined;
      let prevExpected: EpochOutput | undefined;
      for (const c of steps) {
        const v = load(c.file);
        const input = validateEpochInput(v.input);
        if (prev && prevExpected) {
          // the file's own input was built from the previous expected output
          expect(input.bonds).toEqual(prevExpected.bonds);
          expect(input.validator_permit).toEqual(prevExpected.new_validator_permit);
          input.bonds = prev.bonds;
          input.validator_permit = prev.new_validator_permit;
        }
        const out = yumaEpoch(input);
        expect({ step: c.name, out }).toEqual({ step: c.name, out: v.expected });
        prev = out;
        prevExpected = v.expected;
      }
    });
  });
});

interface SdkCase {
  name: string;
  input: { uids: number[]; scores_f32: number[]; num_neurons: number; min_allowed_weights: number; max_weight_limit: number; exclude_quantile: number };
  sdk: { processed_uids: number[]; processed_weights_f32: number[]; emit_uids: number[]; emit_values: number[] };
  chain: { stored_row: [number, number][] };
}
interface SetWeightsVectors {
  sdk_to_chain: SdkCase[];
  chain_max_upscale: { values: number[]; stored: number[] }[];
}

describe('set_weights vectors', () => {
  const sw = JSON.parse(raw('set_weights_vectors.json').toString('utf8')) as SetWeightsVectors;

  test('file has both sections', () => {
    expect(Object.keys(sw).sort()).toEqual(['chain_max_upscale', 'meta', 'sdk_to_chain']);
    expect(sw.sdk_to_chain.length).toBeGreaterThan(0);
    expect(sw.chain_max_upscale.length).toBeGreaterThan(0);
  });

  describe.each(sw.sdk_to_chain.map((c) => [c.name, c] as const))('sdk_to_chain %s', (_name, c) => {
    test('processed, emit, stored_row', () => {
      const i = c.input;
      const p = processWeightsForNetuid(i.uids, i.scores_f32, {
        n: i.num_neurons,
        minAllowedWeights: i.min_allowed_weights,
        maxWeightLimit: i.max_weight_limit,
        excludeQuantile: i.exclude_quantile,
      });
      expect(p.uids).toEqual(c.sdk.processed_uids);
      // the vectors print the SDK's arrays as float32
      expect(p.weights.map((x) => Math.fround(x))).toEqual(c.sdk.processed_weights_f32);
      const e = convertWeightsAndUidsForEmit(p.uids, p.weights);
      expect(e.uids).toEqual(c.sdk.emit_uids);
      expect(e.weights).toEqual(c.sdk.emit_values);
      const stored = vecU16MaxUpscaleToU16(e.weights);
      expect(e.uids.map((u, k) => [u, stored[k]])).toEqual(c.chain.stored_row);
    });
  });

  test.each(sw.chain_max_upscale.map((c) => [JSON.stringify(c.values), c] as const))('chain_max_upscale %s', (_n, c) => {
    expect(vecU16MaxUpscaleToU16(c.values)).toEqual(c.stored);
  });
});

describe('vector copy travels with the project', () => {
  test('test/spec/vectors holds only known folders', () => {
    // a new folder needs a runner; an unknown one fails here rather than going untested
    expect(readdirSync(join(__dirname, 'vectors')).sort()).toEqual(['weights', 'yuma']);
    expect(readdirSync(join(__dirname, 'vectors', 'weights')).sort()).toEqual(['make_sdk_cases.py', 'sdk_numpy_cases.json']);
  });

  test('test/spec/vectors/yuma matches its own index (and ../shared when present)', () => {
    const copyIndex = JSON.parse(readFileSync(join(COPY_DIR, 'index.json'), 'utf8')) as Index;
    for (const c of [...copyIndex.cases, ...copyIndex.aux]) {
      expect(createHash('sha256').update(readFileSync(join(COPY_DIR, c.file))).digest('hex')).toBe(c.sha256);
    }
    if (DIR === SHARED_DIR) expect(copyIndex).toEqual(index);
  });
});

interface SdkNumpyCase {
  scores_f32: number[];
  n: number;
  min_allowed_weights: number;
  max_weight_limit: number;
  exclude_quantile: number;
  processed_uids: number[];
  processed_weights: number[];
  dtype: 'float32' | 'float64';
  emit_uids: number[];
  emit_values: number[];
}

describe('SDK weight functions under numpy (test/spec/vectors/weights/sdk_numpy_cases.json)', () => {
  // produced by make_sdk_cases.py beside the data: the SDK's own process_weights and
  // convert_weights_and_uids_for_emit on seeded random scores, numpy 2.4
  const d = JSON.parse(readFileSync(join(__dirname, 'vectors', 'weights', 'sdk_numpy_cases.json'), 'utf8')) as { cases: SdkNumpyCase[] };
  test('has cases', () => expect(d.cases.length).toBeGreaterThan(100));
  test.each(d.cases.map((c, k) => [k, c] as const))('case %i: processed (exact doubles, dtype) and emitted', (_k, c) => {
    const p = processWeightsForNetuid(c.scores_f32.map((_, i) => i), c.scores_f32, {
      n: c.n,
      minAllowedWeights: c.min_allowed_weights,
      maxWeightLimit: c.max_weight_limit,
      excludeQuantile: c.exclude_quantile,
    });
    expect(p.uids).toEqual(c.processed_uids);
    expect(p.weights).toEqual(c.processed_weights);
    expect(p.dtype).toBe(c.dtype);
    expect(convertWeightsAndUidsForEmit(p.uids, p.weights)).toEqual({ uids: c.emit_uids, weights: c.emit_values });
  });
});
