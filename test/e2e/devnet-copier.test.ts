/**
 * A `subnet simulate` weight-copying scenario run live: 2 honest validators and 1 copier (a real
 * separate process, `subnet devnet-copier`, that never queries miners and sets the chain's
 * consensus as its weights), 3 miners, 3 epochs. The copier's set_weights land on chain and the
 * summary carries the copier block.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

describe('subnet devnet --scenario weight-copying', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'devnet-copier-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('2 honest validators + 1 copier, 3 miners, 3 epochs', async () => {
    const file = join(dir, 'wc.json');
    writeFileSync(file, JSON.stringify({ name: 'wc-small', kind: 'weight-copying', validators: 3, miners: 3, epochs: 3, kappa: 0.5, yuma3: true, seed: 1, copy_delays: [0] }));
    const runDir = join(dir, 'run');
    const r = await runCli(['devnet', '--scenario', file, '--epochs', '3', '--json', '--run-dir', runDir], { timeoutMs: 40_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/weight-copying: copier uid 2 \(delay 0\) dividends [\d.]+ vs honest twin uid 0 [\d.]+: ratio /);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ epochs: 3, scenario: 'wc-small', scenario_kind: 'weight-copying' });
    expect(summary.neurons.filter((n: { role: string }) => n.role === 'validator').map((n: { kind: string }) => n.kind)).toEqual(['validator', 'validator', 'validator']);
    const c = summary.copier;
    expect(c).toMatchObject({ uid: 2, delay: 0, twin_uid: 0 });
    // genesis neurons start with LastUpdate 0: the copier's own set_weights moved it
    expect(c.last_update).toBeGreaterThan(0);
    expect(typeof c.dividends_ratio_vs_honest === 'number' || c.dividends_ratio_vs_honest === null).toBe(true);
    // registered and staked like the others, with the same stake as its honest twin
    const manifest = JSON.parse(readFileSync(join(runDir, 'devnet.json'), 'utf8'));
    const stakeOf = (uid: number) => manifest.neurons.find((n: { uid: number }) => n.uid === uid).stake_tao;
    expect(stakeOf(2)).toBe(1000);
    expect(stakeOf(2)).toBe(stakeOf(0));
    // the copier process logged included set_weights and never ran a validator database
    const vdir = join(runDir, 'validators', 'validator-2');
    const log = readdirSync(vdir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(vdir, f), 'utf8')).join('');
    expect(log).toMatch(/copier: epoch at block \d+: set_weights copying consensus of 0 epoch\(s\) ago over uids \[[\d,]+\] -> included in block \d+/);
    expect(readdirSync(vdir).some((f) => f.endsWith('.db'))).toBe(false);
  }, 45_000);

  test.each([
    ['a missing wallet', ['--delay', '0'], /cannot load the copier hotkey: wallet not found/],
    ['a bad delay', ['--delay', 'x'], /--delay: not an integer >= 0: x/],
  ])('devnet-copier refuses %s with one line and exit 2', async (_n, extra, re) => {
    const r = await runCli(['devnet-copier', '--netuid', '1', '--wallet.name', 'nope', '--wallet.path', join(dir, 'no-wallets'), '--chain', 'ws://127.0.0.1:1', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  });
});
