/**
 * Replay speed: a generated validator log of 1,000 epochs of a 256-uid subnet (one step per epoch
 * querying every uid, 64 validators in the snapshot), replayed three ways: nothing changed (every
 * check: re-score with the logged scorer, EMA, weights, Yuma), `--set kappa=0.6`, and
 * `--scorer exact`. Goal: each under 30 s for the 1,000 epochs.
 *
 *   subnet bench replay [--quick] [--json]      (--quick: 100 epochs)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchModule } from './harness';

export const bench: BenchModule = {
  name: 'replay',
  description: 'replay 1,000 epochs of a 256-uid subnet from a generated validator log (goal < 30 s)',
  async run(opts) {
    const { runReplay } = await import('../replay/run');
    const epochs = opts.quick ? 100 : 1000;
    const n = 256;
    const dir = mkdtempSync(join(tmpdir(), 'replay-bench-'));
    try {
      const db = join(dir, 'validator.db');
      const t0 = performance.now();
      // the log is generated in a child process, so the timed replays run on a fresh heap
      const gen = spawnSync(
        process.execPath,
        [
          '-e',
          `const {openLogStore}=require(${JSON.stringify(join(__dirname, '..', 'shared', 'log'))});` +
            `const {writeSyntheticLog}=require(${JSON.stringify(join(__dirname, '..', 'replay', 'synthetic'))});` +
            `const s=openLogStore(${JSON.stringify(db)});writeSyntheticLog(s,{n:${n},validators:64,epochs:${epochs},stepsPerEpoch:1,seed:3,outputSize:8});s.close();`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
      );
      if (gen.status !== 0) throw new Error(`log generation failed: ${gen.stderr}`);
      const genS = (performance.now() - t0) / 1000;
      opts.log(`generated ${epochs} epochs x ${n} uids in ${genS.toFixed(1)} s (${(statSync(db).size / 1e6).toFixed(1)} MB)`);
      const time = async (label: string, extra: { set?: string[]; scorer?: string; threads?: number; feedForward?: boolean }) => {
        const t = performance.now();
        const c0 = process.cpuUsage();
        const res = await runReplay({ db, from: 1, to: epochs, set: extra.set ?? [], scorer: extra.scorer, feedForward: extra.feedForward ?? true, threads: extra.threads });
        const s = (performance.now() - t) / 1000;
        const c = process.cpuUsage(c0);
        const cpu = (c.user + c.system) / 1e6;
        opts.log(`${label}: ${epochs} epochs in ${s.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU of this process (${((s * 1000) / epochs).toFixed(2)} ms/epoch), identical ${res.summary.identical}/${epochs}`);
        return { s, cpu, identical: res.summary.identical };
      };
      const par = await time('unchanged (worker threads)', {});
      const seq = await time('unchanged (one thread)', { threads: 1 });
      const kappa = await time('--set kappa=0.6 (bonds fed forward: sequential)', { set: ['kappa=0.6'] });
      const kappaNoFf = await time('--set kappa=0.6 --no-feed-forward (worker threads)', { set: ['kappa=0.6'], feedForward: false });
      const scorer = await time('--scorer exact (EMA carried: sequential)', { scorer: 'exact' });
      const goal = opts.quick ? 3 : 30;
      return {
        epochs,
        n,
        load_average_1m: round(loadavg()[0]),
        generate_s: round(genS),
        unchanged_s: round(par.s),
        unchanged_identical: par.identical,
        unchanged_one_thread_s: round(seq.s),
        unchanged_one_thread_cpu_s: round(seq.cpu),
        set_kappa_s: round(kappa.s),
        set_kappa_cpu_s: round(kappa.cpu),
        set_kappa_no_feed_forward_s: round(kappaNoFf.s),
        rescore_s: round(scorer.s),
        rescore_cpu_s: round(scorer.cpu),
        ms_per_epoch_unchanged: round((par.s * 1000) / epochs),
        goal_s: goal,
        meets_goal: Math.max(par.s, kappa.s, scorer.s) < goal,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
