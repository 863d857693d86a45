/**
 * `subnet devnet` bad input: one clear line on stderr, a non-zero exit, no process started and
 * nothing written into a folder that was refused.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

describe('subnet devnet: bad input', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'devnet-cli-'));
    writeFileSync(join(dir, 'bad-field.json'), JSON.stringify({ tempoo: 3 }));
    writeFileSync(join(dir, 'not-json.json'), '{ nope');
    writeFileSync(join(dir, 'copying.json'), JSON.stringify({ name: 'w', kind: 'weight-copying', validators: 3, miners: 4, epochs: 2, kappa: 0.5, yuma3: true, seed: 1, copy_delays: [-1] }));
    writeFileSync(join(dir, 'flip-all.json'), JSON.stringify({ name: 'f', kind: 'flipping', validators: 3, miners: 4, epochs: 2, flippers: 4, flip_every: 1 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['unknown miner kind', ['--miners', 'honest,evil'], 2, /--miners: unknown miner kind "evil"/],
    ['tempo out of range', ['--tempo', '1'], 2, /--tempo: expected an integer in 2\.\.65535/],
    ['no validators', ['--validators', '0'], 2, /--validators: count must be 1\.\./],
    ['epochs not a number', ['--epochs', 'x'], 2, /--epochs: expected an integer/],
    ['missing scenario file', ['--scenario', 'DIR/none.json'], 2, /cannot read scenario .*none\.json/],
    ['scenario not JSON', ['--scenario', 'DIR/not-json.json'], 2, /cannot read scenario .*not-json\.json/],
    ['unknown scenario field', ['--scenario', 'DIR/bad-field.json'], 2, /unknown scenario field "tempoo"/],
    ['a weight-copying scenario with a bad delay', ['--scenario', 'DIR/copying.json'], 2, /"copy_delays" must be a non-empty array of integers/],
    ['a flipping scenario where every miner flips', ['--scenario', 'DIR/flip-all.json'], 2, /"flippers" must be fewer than "miners"/],
    ['unknown scorer', ['--scorer', 'bogus'], 2, /unknown scorer "bogus"/],
  ])('%s', async (_name, args, exit, re) => {
    const r = await runCli(['devnet', '--run-dir', join(dir, 'run-never'), ...args.map((a) => a.replace('DIR', dir))]);
    expect(r.code).toBe(exit);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).not.toContain('run-never');
  });

  test('a run folder that is not empty is refused and left untouched', async () => {
    const full = mkdtempSync(join(dir, 'full-'));
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const r = await runCli(['devnet', '--epochs', '1', '--run-dir', full]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is not empty; give a new or empty --run-dir \[DEVNET_RUN_DIR_NOT_EMPTY\]/);
    expect(readdirSync(full)).toEqual(['keep.txt']);
  });
});
