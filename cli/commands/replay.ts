import type { Command } from 'commander';
import { CliError } from '../cliError';

interface ReplayCliOptions {
  db?: string;
  epoch?: string;
  from?: string;
  to?: string;
  scorer?: string;
  set: string[];
  json?: boolean;
  report?: string;
  exportVector?: string | boolean;
  manifest?: string;
  feedForward: boolean;
}

function intArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw new CliError(`${name} must be a positive integer, got "${v}"`, 2);
  return Number(v);
}

/**
 * `subnet replay --db FILE [--epoch N | --from A --to B] [--scorer NAME|MODULE] [--set K=V]...
 *  [--json] [--report FILE.html] [--export-vector [FILE]]`
 */
export function register(program: Command): void {
  program
    .command('replay')
    .description("replay logged epochs from a validator's database: verify them, or re-run them under another scorer or other consensus parameters")
    .option('--db <file>', "a validator's log (SQLite)")
    .option('--epoch <n>', 'one epoch')
    .option('--from <a>', 'first epoch of a range')
    .option('--to <b>', 'last epoch of a range')
    .option('--scorer <name|module>', 're-score the logged answers with this scorer (built-in name or a .js file)')
    .option('--set <name=value>', 'override a consensus parameter (repeatable): kappa, yuma3, bonds_moving_average, … (see docs/devnet-and-replay.md)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'one JSON object per epoch on stdout')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .option('--export-vector [file]', 'write the (last) epoch as a Yuma spec vector (stdout when no file)')
    .option('--manifest <file>', 'devnet manifest (devnet.json) to label miner kinds; found beside the db when omitted')
    .option('--no-feed-forward', 'with changes, use the logged bonds and permits for every epoch instead of the replayed ones')
    .action(async (o: ReplayCliOptions) => {
      if (!o.db) throw new CliError('--db FILE is required (a validator log)', 2);
      const epoch = intArg('--epoch', o.epoch);
      const from = intArg('--from', o.from);
      const to = intArg('--to', o.to);
      const json = !!o.json;
      // a closed pipe (`| head`) ends the output quietly
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      const [{ runReplay }, { SubnetError }] = await Promise.all([import('../../replay/run'), import('../../shared/errors')]);
      let bar: { start(t: number, v: number): void; update(v: number): void; stop(): void } | null = null;
      const vectorToStdout = o.exportVector === true;
      try {
        const res = await runReplay(
          {
            db: o.db,
            epoch,
            from,
            to,
            scorer: o.scorer,
            set: o.set,
            report: o.report,
            exportVector: o.exportVector,
            manifest: o.manifest,
            feedForward: o.feedForward,
          },
          {
            onStart: (total) => {
              if (total >= 20 && process.stderr.isTTY) {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const cp = require('cli-progress') as typeof import('cli-progress');
                bar = new cp.SingleBar({ stream: process.stderr, format: 'replay [{bar}] {value}/{total} epochs  {eta}s left', hideCursor: true }, cp.Presets.shades_classic);
                bar.start(total, 0);
              }
            },
            onProgress: (done) => bar?.update(done),
            onEpoch: (r) => {
              if (vectorToStdout) return;
              if (json) {
                process.stdout.write(`${JSON.stringify(r)}\n`);
                return;
              }
              const head = `epoch ${r.epoch} (block ${r.block}, n=${r.n})`;
              if (!r.changed) {
                if (r.identical) {
                  const c = Object.entries(r.checks).filter(([, v]) => v === 'equal').map(([k]) => k);
                  process.stdout.write(`${head}: identical — ${c.join(', ')} reproduced exactly${r.chain_agrees === false ? '; NOTE the chain reported different values' : r.chain_agrees ? '; chain agrees' : ''}\n`);
                } else {
                  const d = r.first_difference!;
                  process.stdout.write(`${head}: DIFFERS — first at ${d.field}: recorded ${JSON.stringify(d.recorded)}, recomputed ${JSON.stringify(d.recomputed)}\n`);
                }
              } else {
                const moved = r.deltas ?? [];
                process.stdout.write(`${head}: ${moved.length} uid(s) changed${r.identical ? ' (outputs identical)' : ''}\n`);
                const sg = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(4)}`;
                for (const d of moved.slice(0, 20)) {
                  const em = d.emission_before !== 0 || d.emission_after !== 0 ? `  emission ${d.emission_before} -> ${d.emission_after} rao` : '';
                  process.stdout.write(
                    `  uid ${String(d.uid).padStart(3)} ${(d.hotkey ?? '').slice(0, 8).padEnd(8)}  incentive ${d.incentive_before.toFixed(4)} -> ${d.incentive_after.toFixed(4)} (${sg(d.incentive_delta)})  dividends ${d.dividends_before.toFixed(4)} -> ${d.dividends_after.toFixed(4)} (${sg(d.dividends_delta)})${em}\n`,
                  );
                }
                if (moved.length > 20) process.stdout.write(`  … ${moved.length - 20} more\n`);
              }
              for (const n of r.notes ?? []) process.stderr.write(`  note (epoch ${r.epoch}): ${n}\n`);
            },
          },
        );
        (bar as { stop(): void } | null)?.stop();
        if (vectorToStdout && res.vector) process.stdout.write(`${JSON.stringify(res.vector, null, 1)}\n`);
        const s = res.summary;
        if (json) {
          if (res.changed && !vectorToStdout) process.stdout.write(`${JSON.stringify({ summary: { changes: res.changes, ...s } })}\n`);
        } else if (!vectorToStdout) {
          if (!res.changed) {
            process.stdout.write(s.differing === 0 ? `all ${s.epochs} epoch(s) reproduced exactly\n` : `${s.differing} of ${s.epochs} epoch(s) differ from the log\n`);
          } else {
            process.stdout.write(`summary over ${s.epochs} epoch(s) with ${res.changes}:\n`);
            const sg = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(4)}`;
            const order = [...s.top_gainers, ...[...s.top_losers].reverse()];
            const rest = s.totals.filter((t) => !order.includes(t.uid) && (t.incentive_delta_sum !== 0 || t.dividends_delta_sum !== 0 || t.emission_delta_sum !== 0)).map((t) => t.uid);
            for (const uid of [...s.top_gainers, ...rest, ...[...s.top_losers].reverse()].slice(0, 25)) {
              const t = s.totals.find((x) => x.uid === uid)!;
              const gain = s.top_gainers.includes(uid) ? 'gains' : s.top_losers.includes(uid) ? 'loses' : 'moves';
              const em = t.emission_delta_sum !== 0 ? `, emission ${t.emission_delta_sum > 0 ? '+' : ''}${t.emission_delta_sum} rao` : '';
              process.stdout.write(`  uid ${String(t.uid).padStart(3)}  ${gain}: incentive ${sg(t.incentive_delta_sum)}, dividends ${sg(t.dividends_delta_sum)} (summed over epochs)${em}\n`);
            }
            if (s.top_gainers.length + s.top_losers.length + rest.length === 0) process.stdout.write('  nobody gains or loses\n');
          }
        }
        if (res.reportFile) process.stderr.write(`report written to ${res.reportFile}\n`);
        if (res.vectorFile) process.stderr.write(`vector written to ${res.vectorFile}\n`);
        // a replay without changes that does not reproduce the log is a bug: non-zero exit
        if (!res.changed && res.summary.differing > 0) process.exitCode = 3;
      } catch (err) {
        (bar as { stop(): void } | null)?.stop();
        if (err instanceof SubnetError) throw new CliError(`${err.message} [${err.code}]`, 1);
        throw err;
      }
    });
}
