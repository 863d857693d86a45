/**
 * A `subnet simulate` flipping scenario run live by `subnet devnet --scenario`: a real flipping
 * miner process (devnet/handlers/flipping.ts) among honest ones; the run completes and the
 * summary keeps its acceptance form, with the flipper reported as kind "flipping". And an
 * inactive scenario: a validator stopped on purpose mid-run is not a crash.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

describe('subnet devnet --scenario (simulate kinds)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'devnet-scen-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('flipping: 2 validators, 3 miners (1 flipper), 3 epochs', async () => {
    const file = join(dir, 'flip.json');
    writeFileSync(file, JSON.stringify({ name: 'flip-small', kind: 'flipping', validators: 2, miners: 3, epochs: 3, kappa: 0.5, yuma3: true, flippers: 1, flip_every: 1, tempo: 5, seed: 5 }));
    const runDir = join(dir, 'run');
    const r = await runCli(['devnet', '--scenario', file, '--epochs', '3', '--json', '--run-dir', runDir], { timeoutMs: 40_000 });
    expect(r.stderr).toMatch(/\[flipping\] flipping scenario: miner uid\(s\) 2 answer honestly for 1 epoch\(s\)/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ epochs: 3, run_dir: runDir, netuid: 1, scenario: 'flip-small', scenario_kind: 'flipping' });
    expect(summary.flipping).toEqual({ flip_every: 1, period_ms: 200 * 6, flipper_uids: [2] });
    expect(summary.neurons.map((n: { uid: number; role: string; kind: string }) => `${n.uid}:${n.role}:${n.kind}`)).toEqual([
      '0:validator:validator', '1:validator:validator', '2:miner:flipping', '3:miner:honest', '4:miner:noisy',
    ]);
    for (const n of summary.neurons) for (const k of ['consensus', 'incentive', 'dividends', 'validator_trust']) expect(n[k]).toBeGreaterThanOrEqual(0);
    expect(Object.keys(summary.checks).sort()).toEqual(['honest_beats_degraded', 'slow_garbage_near_zero']);
    // the flipper's miner process got its clock and ran the flipping handler
    const manifest = JSON.parse(readFileSync(join(runDir, 'devnet.json'), 'utf8'));
    expect(manifest.neurons.find((n: { uid: number }) => n.uid === 2).kind).toBe('flipping');
    // every epoch was logged with the flipper in it
    const epochs = readFileSync(join(runDir, 'epochs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(epochs.filter((e) => e.epoch > 0).map((e) => e.epoch)).toEqual([1, 2, 3]);
  }, 45_000);

  test('inactive: the validator holding 30% of stake is stopped on purpose at epoch 2, the run goes on', async () => {
    const file = join(dir, 'inactive.json');
    writeFileSync(file, JSON.stringify({ name: 'inact-small', kind: 'inactive', validators: 3, miners: 3, epochs: 4, kappa: 0.5, yuma3: true, inactive_stake: 0.3, stop_epoch: 2, tempo: 5, activity_cutoff: 12, seed: 3 }));
    const runDir = join(dir, 'run-inactive');
    const r = await runCli(['devnet', '--scenario', file, '--json', '--run-dir', runDir], { timeoutMs: 40_000 });
    expect(r.stderr).toMatch(/\[inactive\] epoch 2: stopping validator-0 \(uid 0\) on purpose/);
    expect(r.stderr).not.toMatch(/exited unexpectedly/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ epochs: 4, scenario: 'inact-small', scenario_kind: 'inactive' });
    expect(summary.inactive).toMatchObject({ inactive_stake: 0.3, stop_epoch: 2, stopped_uids: [0], stopped: [0] });
    expect(summary.neurons.map((n: { kind: string }) => n.kind)).toEqual(['validator', 'validator', 'validator', 'honest', 'noisy', 'quantised']);
  }, 45_000);
});
