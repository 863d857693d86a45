/**
 * `subnet yuma` as a real process (the built CLI): the output contract on reference vectors,
 * bare input objects, --bench, and malformed input (clear error naming file and field, exit != 0).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'yuma', 'vectors');
const VECTORS = existsSync(join(SHARED, 'index.json')) ? SHARED : resolve(__dirname, '..', 'spec', 'vectors', 'yuma');
const vec = (name: string) => join(VECTORS, `${name}.json`);
const load = (name: string) => JSON.parse(readFileSync(vec(name), 'utf8')) as { input: Record<string, unknown>; expected: Record<string, unknown> };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yuma-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function lines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

describe('subnet yuma FILE...', () => {
  test('one JSON line per vector file with every expected field, exactly', async () => {
    const names = ['edge_02_single_neuron_owner_self_weight', 'edge_24_yuma3_liquid_alpha_unsorted_row', 'random_n32_yuma3_liquid_alpha', 'large_n256_classic'];
    const r = await runCli(['yuma', ...names.map(vec)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout) as { name: string; output: Record<string, unknown> }[];
    expect(out.map((o) => o.name)).toEqual(names);
    for (let k = 0; k < names.length; k++) {
      const { expected } = load(names[k]);
      expect(Object.keys(out[k]).sort()).toEqual(['name', 'output']);
      expect(Object.keys(out[k].output).sort()).toEqual(Object.keys(expected).sort());
      expect(out[k].output).toEqual(expected);
    }
  });

  test('a bare epoch input object works too (name from input.name)', async () => {
    const v = load('edge_21_tao_weighted_stake');
    const f = join(dir, 'bare.json');
    writeFileSync(f, JSON.stringify(v.input));
    const r = await runCli(['yuma', f]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([{ name: 'edge_21_tao_weighted_stake', output: v.expected }]);
  });

  test('--bench RUNS prints name, runs, median/min/max per file', async () => {
    const r = await runCli(['yuma', '--bench', '5', vec('edge_04_one_validator'), vec('large_n256_classic')]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout) as Record<string, unknown>[];
    expect(out.map((o) => o.name)).toEqual(['edge_04_one_validator', 'large_n256_classic']);
    for (const o of out) {
      expect(Object.keys(o).sort()).toEqual(['max_ms', 'median_ms', 'min_ms', 'name', 'runs']);
      expect(o.runs).toBe(5);
      const [mn, md, mx] = [o.min_ms, o.median_ms, o.max_ms] as number[];
      expect(mn).toBeGreaterThanOrEqual(0);
      expect(mn).toBeLessThanOrEqual(md);
      expect(md).toBeLessThanOrEqual(mx);
    }
  });
});

describe('subnet yuma: malformed input', () => {
  const cases: [string, (v: { input: Record<string, unknown> }) => unknown, RegExp][] = [
    ['missing field', (v) => ({ ...v, input: { ...v.input, kappa_u16: undefined } }), /kappa_u16/],
    ['u16 out of range deep in a weight row', (v) => {
      const w = JSON.parse(JSON.stringify(v.input.weights)) as number[][][];
      w[0][0][1] = 70000;
      return { ...v, input: { ...v.input, weights: w } };
    }, /input\.weights\[0\]\[0\]\[1\]/],
    ['array of the wrong length', (v) => ({ ...v, input: { ...v.input, stake: [1, 2] } }), /stake/],
    ['tao_weight not a u64 string', (v) => ({ ...v, input: { ...v.input, tao_weight: '-5' } }), /tao_weight/],
    ['not an object', () => [1, 2, 3], /input/],
  ];
  test.each(cases)('%s', async (label, mutate, fieldRe) => {
    const f = join(dir, `${label.replace(/\W+/g, '_')}.json`);
    writeFileSync(f, JSON.stringify(mutate(load('edge_04_one_validator'))));
    const r = await runCli(['yuma', f]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(fieldRe);
    expect(r.stderr).not.toMatch(/unexpected error|at .*\.js:/);
  });

  test('invalid JSON names the file', async () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"n": 3,');
    const r = await runCli(['yuma', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(/JSON/);
  });

  test('a missing file names the file', async () => {
    const f = join(dir, 'nope.json');
    const r = await runCli(['yuma', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(f);
  });

  test('one bad file among good ones: nothing printed, non-zero exit', async () => {
    const f = join(dir, 'broken2.json');
    writeFileSync(f, 'nope');
    const r = await runCli(['yuma', vec('edge_04_one_validator'), f]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(f);
  });

  test('--bench with a bad RUNS is a usage error', async () => {
    const r = await runCli(['yuma', '--bench', 'abc', vec('edge_04_one_validator')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bench/);
  });
});
