import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  BUILTIN_SCORERS,
  cosineScorer,
  createLatencyScorer,
  exactScorer,
  float32Tensor,
  guardedScore,
  guardedScoreBatch,
  loadScorer,
  relativeError,
  relativeErrorScorer,
  toScoreTensors,
  updateEma,
  emaUpdate,
  checkAlpha,
  decodeValues,
  type ScoreChallenge,
  type Scorer,
} from '../../shared/scoring';
import { isSubnetError } from '../../shared/errors';
import { packageRoot } from '../../shared/paths';

const challenge: ScoreChallenge = { task: 't', seed: 1, epoch: 1, step: 1, inputs: {} };
const timing = { latencyMs: 10, timeoutMs: 100 };
const ts = (v: number[], shape?: number[]) => toScoreTensors({ out: float32Tensor(v, shape) });

describe('tensor decoding', () => {
  it('decodes each dtype from literal little-endian bytes', () => {
    expect(Array.from(decodeValues('int32', new Uint8Array([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])))).toEqual([1, -1]);
    expect(Array.from(decodeValues('uint16', new Uint8Array([0x34, 0x12])))).toEqual([0x1234]);
    expect(Array.from(decodeValues('int8', new Uint8Array([0xfe])))).toEqual([-2]);
    expect(Array.from(decodeValues('float32', new Uint8Array([0, 0, 0x80, 0x3f])))).toEqual([1]);
    expect(Array.from(decodeValues('int64', new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0])))).toEqual([5]);
  });
  it('rejects a byte length that is not whole elements (TENSOR_INVALID)', () => {
    expect(() => decodeValues('float32', new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'TENSOR_INVALID' }));
  });
  it('decodes from an unaligned view', () => {
    const buf = new Uint8Array(9);
    buf.set([0, 0, 0x80, 0x3f], 1);
    expect(decodeValues('float32', buf.subarray(1, 5))[0]).toBe(1);
  });
});

describe('built-in scorers', () => {
  const ref = ts([1, 2, 3, 4]);
  it('score an exact answer 1 (all built-ins)', () => {
    for (const s of Object.values(BUILTIN_SCORERS)) {
      const t = s.name === 'latency' ? { latencyMs: 0, timeoutMs: 100 } : timing;
      expect(s.score(challenge, ref, ts([1, 2, 3, 4]), t)).toBeCloseTo(1, 12);
    }
  });
  it('score a missing output or a wrong shape 0 (all built-ins)', () => {
    for (const s of Object.values(BUILTIN_SCORERS)) {
      expect(s.score(challenge, ref, toScoreTensors({ other: float32Tensor([1, 2, 3, 4]) }), timing)).toBe(0);
      expect(s.score(challenge, ref, ts([1, 2, 3]), timing)).toBe(0);
      expect(s.score(challenge, ref, ts([1, 2, 3, 4], [2, 2]), timing)).toBe(0);
    }
  });
  it('score a NaN element 0', () => {
    for (const s of Object.values(BUILTIN_SCORERS)) expect(s.score(challenge, ref, ts([1, NaN, 3, 4]), timing)).toBe(0);
  });
  it('cosine: opposite direction scores 0, a scaled answer 1', () => {
    expect(cosineScorer.score(challenge, ref, ts([-1, -2, -3, -4]), timing)).toBe(0);
    expect(cosineScorer.score(challenge, ref, ts([2, 4, 6, 8]), timing)).toBeCloseTo(1, 6);
  });
  it('relative-error: exp(-err/0.05); 5% error scores e^-1', () => {
    const r = ts([3, 4]); // |ref| = 5
    const e = relativeError(r, ts([3, 4.25]));
    expect(e).toBeCloseTo(0.05, 6);
    expect(relativeErrorScorer.score(challenge, r, ts([3, 4.25]), timing)).toBeCloseTo(Math.exp(-1), 6);
  });
  it('exact: one differing bit scores 0', () => {
    expect(exactScorer.score(challenge, ref, ts([1, 2, 3, 4.000001]), timing)).toBe(0);
  });
  it('latency: slower answers score less, a perfect instant answer 1', () => {
    const s = createLatencyScorer({ weight: 0.5 });
    expect(s.score(challenge, ref, ref, { latencyMs: 0, timeoutMs: 100 })).toBe(1);
    expect(s.score(challenge, ref, ref, { latencyMs: 50, timeoutMs: 100 })).toBeCloseTo(0.75, 12);
    expect(s.score(challenge, ref, ref, { latencyMs: 500, timeoutMs: 100 })).toBeCloseTo(0.5, 12);
  });
  it('property: every built-in returns a value in [0, 1] for any finite or non-finite input', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 8 }), fc.array(fc.double(), { minLength: 1, maxLength: 8 }), fc.nat(1000), (a, b, lat) => {
        for (const s of Object.values(BUILTIN_SCORERS)) {
          const v = s.score(challenge, ts(a), ts(b), { latencyMs: lat, timeoutMs: 100 });
          if (!(v >= 0 && v <= 1)) return false;
        }
        return true;
      }),
    );
  });
  it('property: relative-error score decreases as the error grows', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (d1, d2) => {
        const r = ts([1, 1, 1]);
        const lo = Math.min(d1, d2);
        const hi = Math.max(d1, d2);
        return relativeErrorScorer.score(challenge, r, ts([1 + lo, 1, 1]), timing) >= relativeErrorScorer.score(challenge, r, ts([1 + hi, 1, 1]), timing);
      }),
    );
  });
});

describe('scorer guard', () => {
  const ref = ts([1]);
  const mk = (f: () => unknown): Scorer => ({ name: 'bad', version: '0', score: f as () => number });
  const rows: [string, () => unknown, string][] = [
    ['throws', () => { throw new Error('boom'); }, 'threw'],
    ['returns NaN', () => NaN, 'nan'],
    ['returns 1.5', () => 1.5, 'out_of_range'],
    ['returns -0.1', () => -0.1, 'out_of_range'],
    ['returns Infinity', () => Infinity, 'out_of_range'],
    ['returns a string', () => '0.5', 'not_number'],
    ['returns undefined', () => undefined, 'not_number'],
  ];
  it.each(rows)('a scorer that %s scores 0 with fault %s', (_n, f, fault) => {
    const g = guardedScore(mk(f), challenge, ref, ref, timing);
    expect(g.score).toBe(0);
    expect(g.fault).toBe(fault);
  });
  it('passes 0 and 1 through', () => {
    expect(guardedScore(mk(() => 0), challenge, ref, ref, timing)).toEqual({ score: 0 });
    expect(guardedScore(mk(() => 1), challenge, ref, ref, timing)).toEqual({ score: 1 });
  });
  it('batch: aligned 1:1, bad elements faulted individually', () => {
    const s: Scorer = { name: 'b', version: '0', score: () => 0, scoreBatch: () => [0.5, NaN, 2] };
    const items = [0, 1, 2].map((uid) => ({ uid, response: ref, timing }));
    const g = guardedScoreBatch(s, challenge, ref, items);
    expect(g.map((x) => x.score)).toEqual([0.5, 0, 0]);
    expect(g.map((x) => x.fault)).toEqual([undefined, 'nan', 'out_of_range']);
  });
  it('batch: a throw or a wrong length faults every item', () => {
    const items = [0, 1].map((uid) => ({ uid, response: ref, timing }));
    const t: Scorer = { name: 'b', version: '0', score: () => 0, scoreBatch: () => { throw new Error('x'); } };
    expect(guardedScoreBatch(t, challenge, ref, items).map((x) => x.fault)).toEqual(['threw', 'threw']);
    const l: Scorer = { name: 'b', version: '0', score: () => 0, scoreBatch: () => [1] };
    expect(guardedScoreBatch(l, challenge, ref, items).map((x) => x.fault)).toEqual(['batch_length', 'batch_length']);
  });
  it('batch without scoreBatch calls score per item', () => {
    let calls = 0;
    const s: Scorer = { name: 'b', version: '0', score: () => (++calls, 0.25) };
    expect(guardedScoreBatch(s, challenge, ref, [{ uid: 0, response: ref, timing }, { uid: 1, response: ref, timing }]).map((x) => x.score)).toEqual([0.25, 0.25]);
    expect(calls).toBe(2);
  });
});

describe('EMA', () => {
  it('updates only the given uids: s = a*r + (1-a)*s', () => {
    const s = new Float64Array([0, 0.5, 1]);
    updateEma(s, [0, 2], [1, 0], 0.1);
    expect(Array.from(s)).toEqual([0.1, 0.5, 0.9]);
  });
  it('misaligned uids/rewards or a uid out of range throw SCORES_MISALIGNED', () => {
    expect(() => updateEma(new Float64Array(2), [0], [1, 1], 0.1)).toThrow(expect.objectContaining({ code: 'SCORES_MISALIGNED' }));
    expect(() => updateEma(new Float64Array(2), [2], [1], 0.1)).toThrow(expect.objectContaining({ code: 'SCORES_MISALIGNED' }));
  });
  it('alpha must be in (0, 1]', () => {
    for (const a of [0, -1, 1.1, NaN]) expect(() => checkAlpha(a)).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(checkAlpha(1)).toBe(1);
  });
  it('property: EMA stays in [0, 1] and converges to a constant reward', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (s0, a, r) => {
        let s = s0;
        for (let i = 0; i < 2000; i++) {
          s = emaUpdate(s, r, a);
          if (s < -1e-12 || s > 1 + 1e-12) return false;
        }
        return Math.abs(s - r) < 1e-6;
      }),
    );
  });
});

describe('loadScorer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scorer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns built-ins by name', async () => {
    expect(await loadScorer('cosine')).toBe(cosineScorer);
    expect((await loadScorer('latency')).name).toBe('latency');
  });
  it('unknown name: SCORER_UNKNOWN; missing file: SCORER_NOT_FOUND', async () => {
    await expect(loadScorer('nope')).rejects.toMatchObject({ code: 'SCORER_UNKNOWN' });
    await expect(loadScorer('./nope.js', { cwd: dir })).rejects.toMatchObject({ code: 'SCORER_NOT_FOUND' });
  });
  it('loads the documented CommonJS example and it scores', async () => {
    const s = await loadScorer('./validator/examples/my-scorer.js', { cwd: packageRoot() });
    expect(s.name).toBe('max-abs-error');
    expect(s.score(challenge, ts([1, 2]), ts([1, 2]), timing)).toBe(1);
    expect(s.score(challenge, ts([1, 2]), ts([1, 2.005]), timing)).toBeCloseTo(1 - 0.004 / 0.009, 3);
    expect(s.score(challenge, ts([1, 2]), ts([1, 3]), timing)).toBe(0);
  });
  it('loads a CommonJS module with exports.default', async () => {
    const f = join(dir, 'd.js');
    writeFileSync(f, "exports.default = { name: 'd', version: '1', score: () => 0.5 };");
    expect((await loadScorer(f)).name).toBe('d');
  });
  it('a module without a scorer: SCORER_INVALID; a syntax error: SCORER_LOAD_FAILED', async () => {
    const f = join(dir, 'bad.js');
    writeFileSync(f, "module.exports = { name: 'x', version: '1' };");
    await expect(loadScorer(f)).rejects.toMatchObject({ code: 'SCORER_INVALID' });
    const g = join(dir, 'syntax.js');
    writeFileSync(g, 'module.exports = {');
    await expect(loadScorer(g)).rejects.toMatchObject({ code: 'SCORER_LOAD_FAILED' });
    const e = await loadScorer(g).catch((x: unknown) => x);
    expect(isSubnetError(e)).toBe(true);
  });
});

