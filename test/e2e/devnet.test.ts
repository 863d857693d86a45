/**
 * The devnet with real processes on loopback: `subnet devnet --epochs 2 --json --run-dir DIR`
 * (the acceptance form, two epochs to stay well under a minute), then replay on a validator
 * database it produced; and SIGTERM (also after a child was killed) leaves no process behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli';
import { processAlive } from '../../devnet/supervisor';
import { validateEpochInput, yumaEpoch } from '../../shared/yuma';

interface Manifest {
  neurons: { name: string; role: string; kind: string; pid: number | null; db: string | null; hotkey: string; uid: number }[];
}

function manifestPids(dir: string): number[] {
  const m = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8')) as Manifest;
  return m.neurons.map((n) => n.pid).filter((p): p is number => typeof p === 'number');
}

async function allGone(pids: number[], ms = 10_000): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const alive = pids.filter((p) => processAlive(p) || processAlive(-p));
    if (alive.length === 0 || Date.now() > end) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('subnet devnet (real processes)', () => {
  const dirs: string[] = [];
  const mk = () => {
    const base = mkdtempSync(join(tmpdir(), 'devnet-e2e-'));
    dirs.push(base);
    return join(base, 'run');
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  let runDir = '';
  let summary: {
    epochs: number;
    wall_s: number;
    time_to_first_epoch_s: number;
    neurons: { uid: number; role: string; kind: string; hotkey: string; incentive: number; dividends: number; emission: number; validator_trust: number }[];
    checks: Record<string, boolean>;
  };

  test('--epochs 2 --json: exits 0, prints the summary last, databases under DIR, honest miners ahead, nothing left running', async () => {
    runDir = mk();
    const r = await runCli(['devnet', '--epochs', '2', '--json', '--run-dir', runDir], { timeoutMs: 110_000 });
    if (r.code !== 0) throw new Error(`devnet exited ${r.code}\n${r.stderr.slice(-4000)}`);
    const lines = r.stdout.trim().split('\n');
    summary = JSON.parse(lines[lines.length - 1]);
    expect(summary.epochs).toBe(2);
    expect(summary.wall_s).toBeGreaterThan(0);
    const kinds = summary.neurons.map((n) => n.kind).sort();
    expect(kinds).toEqual(['garbage', 'honest', 'honest', 'noisy', 'quantised', 'slow', 'validator', 'validator', 'validator']);
    for (const n of summary.neurons) {
      expect(Object.keys(n)).toEqual(expect.arrayContaining(['uid', 'role', 'kind', 'hotkey', 'incentive', 'dividends', 'emission', 'validator_trust']));
      expect(n.role).toBe(n.kind === 'validator' ? 'validator' : 'miner');
    }
    const m = JSON.parse(readFileSync(join(runDir, 'devnet.json'), 'utf8')) as Manifest;
    for (const v of m.neurons.filter((n) => n.role === 'validator')) {
      expect(v.db!.startsWith(runDir)).toBe(true);
      expect(existsSync(v.db!)).toBe(true);
    }
    const inc = (k: string) => summary.neurons.filter((n) => n.kind === k).map((n) => n.incentive);
    const honest = Math.min(...inc('honest'));
    for (const d of [...inc('noisy'), ...inc('quantised')]) expect(honest).toBeGreaterThan(d);
    for (const b of [...inc('slow'), ...inc('garbage')]) expect(b).toBeLessThan(0.01);
    expect(summary.checks).toEqual({ honest_beats_degraded: true, slow_garbage_near_zero: true });
    expect(await allGone(manifestPids(runDir))).toEqual([]);
  }, 120_000);

  test('replay on a devnet database: identical without changes, a diff with --set kappa', async () => {
    const m = JSON.parse(readFileSync(join(runDir, 'devnet.json'), 'utf8')) as Manifest;
    const db = m.neurons.find((n) => n.role === 'validator')!.db!;
    const r = await runCli(['replay', '--db', db, '--json']);
    if (r.code !== 0) throw new Error(`replay exited ${r.code}: ${r.stderr}\n${r.stdout}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      expect(l.identical).toBe(true);
      expect(l.checks.consensus).toBe('equal');
      expect(l.checks.weights === 'equal' || l.checks.weights === 'skipped').toBe(true);
    }
    const k = await runCli(['replay', '--db', db, '--set', 'kappa=0.99', '--json']);
    expect(k.code).toBe(0);
    const kl = k.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const last = kl.filter((l) => l.epoch !== undefined).pop();
    expect(last.changed).toBe(true);
    expect(Array.isArray(last.deltas)).toBe(true);
    // a field epoch as a spec vector: the spec runner's check holds
    const vec = join(runDir, 'field-vector.json');
    const v = await runCli(['replay', '--db', db, '--epoch', String(lines[lines.length - 1].epoch), '--export-vector', vec]);
    expect(v.code).toBe(0);
    const vector = JSON.parse(readFileSync(vec, 'utf8'));
    expect(JSON.parse(JSON.stringify(yumaEpoch(validateEpochInput(vector.input))))).toEqual(vector.expected);
    expect(vector.meta.source.hotkeys).toHaveLength(9);
  }, 60_000);

  test('SIGTERM stops every child process group, also after a child was killed', async () => {
    const dir = mk();
    const child = spawnCli(['devnet', '--run-dir', dir, '--miners', 'honest,garbage', '--validators', '1']);
    try {
      await waitForOutput(child, /miners listening/, 60_000);
      const pids = manifestPids(dir);
      expect(pids.length).toBe(3);
      // a crashed miner: kill -9 one child; the devnet reports it and keeps running
      process.kill(pids[1], 'SIGKILL');
      await waitForOutput(child, /exited unexpectedly/, 10_000);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(await allGone(pids)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  test('kill -9 of the devnet, with its run folder deleted at once: the reaper still stops every child', async () => {
    const dir = mk();
    const child = spawnCli(['devnet', '--run-dir', dir, '--miners', 'honest', '--validators', '1']);
    try {
      await waitForOutput(child, /miners listening/, 60_000);
      const pids = manifestPids(dir);
      expect(pids.length).toBe(2);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      expect(await allGone(pids, 15_000)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
