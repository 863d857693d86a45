/**
 * Loading user scorers in a real Node process (jest's sandbox cannot import ES modules): the
 * documented CommonJS and ESM examples, and the CLI's one-line errors for bad scorer modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import { runCli } from '../helpers/cli';

const dist = join(packageRoot(), 'dist');

function load(spec: string): { name: string; version: string; batch: boolean; exact: number; half: number } {
  const script = `
    const { loadScorer } = require(${JSON.stringify(join(dist, 'shared/scoring'))});
    const { toScoreTensors, float32Tensor } = require(${JSON.stringify(join(dist, 'shared/scoring'))});
    (async () => {
      const s = await loadScorer(${JSON.stringify(spec)}, { cwd: ${JSON.stringify(packageRoot())} });
      const c = { task: 't', seed: 1, epoch: 1, step: 1, inputs: {} };
      const ref = toScoreTensors({ y: float32Tensor([1, 0]) });
      const t = { latencyMs: 1, timeoutMs: 100 };
      process.stdout.write(JSON.stringify({ name: s.name, version: s.version, batch: typeof s.scoreBatch === 'function',
        exact: s.score(c, ref, ref, t), half: s.score(c, ref, toScoreTensors({ y: float32Tensor([1, 1]) }), t) }));
    })().catch((e) => { process.stderr.write(String(e.code) + ' ' + e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('user scorer modules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scorer-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the CommonJS example', () => {
    expect(load('./validator/examples/my-scorer.js')).toEqual({ name: 'max-abs-error', version: '1.0.0', batch: false, exact: 1, half: 0 });
  });
  it('loads the ES module example (export default, scoreBatch)', () => {
    const r = load('./validator/examples/my-scorer.mjs');
    expect(r).toMatchObject({ name: 'squared-cosine', version: '1.0.0', batch: true, exact: 1 });
    expect(r.half).toBeCloseTo(0.5, 6);
  });
  it('loads an ESM .js module with export default from a "type": "module" folder', () => {
    const d = join(dir, 'esm');
    require('node:fs').mkdirSync(d);
    writeFileSync(join(d, 'package.json'), '{"type":"module"}');
    writeFileSync(join(d, 's.js'), "export default { name: 'esm-js', version: '2', score: () => 0.25 };");
    expect(load(join(d, 's.js'))).toMatchObject({ name: 'esm-js', version: '2', exact: 0.25 });
  });
  it('the CLI refuses a bad scorer module with one line naming it (exit 1)', async () => {
    const bad = join(dir, 'bad.js');
    writeFileSync(bad, 'module.exports = { name: "x" };');
    const r = await runCli(['validator', '--dev', '--db', join(dir, 'v.db'), '--scorer', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\[SCORER_INVALID\]/);
    const missing = await runCli(['validator', '--dev', '--db', join(dir, 'v.db'), '--scorer', './nope.js']);
    expect(missing.stderr).toMatch(/\[SCORER_NOT_FOUND\]/);
    const unknown = await runCli(['validator', '--dev', '--db', join(dir, 'v.db'), '--scorer', 'nope']);
    expect(unknown.stderr).toMatch(/\[SCORER_UNKNOWN\]/);
  }, 60_000);
  it('the CLI refuses bad options with exit code 2', async () => {
    for (const args of [['--alpha', '0'], ['--timeout', 'x'], ['--sample-size', '-1'], ['--netuid', '70000'], ['--log-level', 'loud']]) {
      const r = await runCli(['validator', '--dev', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^subnet: /);
    }
    const dev = await runCli(['validator', '--dev', '--chain', 'ws://10.1.2.3:9944']);
    expect(dev.code).toBe(2);
  }, 60_000);
});
