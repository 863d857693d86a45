import type { Command } from 'commander';
import { CliError } from '../cliError';

interface SimulateOpts {
  json?: boolean;
  details?: boolean;
  report?: string;
  progress?: boolean;
}

/**
 * `subnet simulate FILE [--json] [--details] [--report FILE.html]`: runs an adversarial scenario
 * (collusion, weight-copying, inactive, flipping) over the bit-exact Yuma epoch. See docs/simulate.md.
 */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate an adversarial scenario (JSON file) over many bit-exact Yuma epochs')
    .argument('<file>', 'scenario JSON file (see examples/scenarios/)')
    .option('--json', 'print only one JSON object (last line)')
    .option('--details', 'with --json: the full result (series, bond timings) instead of the acceptance form')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (file: string, opts: SimulateOpts) => {
      const { readFileSync, writeFileSync } = await import('node:fs');
      const sim = await import('../../shared/simulate');
      const { formatResult, jsonResult } = await import('../../shared/simulate/format');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new CliError(`cannot read scenario file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, 2);
      }
      let scenario: ReturnType<typeof sim.parseScenario>;
      try {
        scenario = sim.parseScenario(text);
      } catch (err) {
        if (err instanceof sim.SimulateError) throw new CliError(`${file}: ${err.message} [${err.code}]`, 2);
        throw err;
      }
      const { yumaEpoch } = await import('../../shared/yuma');
      const total = sim.scenarioEpochs(scenario);
      const showProgress = opts.progress !== false && process.stderr.isTTY === true;
      let lastPct = -1;
      const t0 = Date.now();
      const result = sim.runScenario(
        scenario,
        { yumaEpoch },
        {
          onProgress: showProgress
            ? (done) => {
                const pct = Math.floor((done / total) * 100);
                if (pct !== lastPct) {
                  lastPct = pct;
                  process.stderr.write(`\rsimulating ${scenario.name}: ${done}/${total} epochs (${pct}%)`);
                }
              }
            : undefined,
        },
      );
      if (showProgress) process.stderr.write(`\rsimulated ${total} epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s${' '.repeat(20)}\n`);
      if (opts.report) {
        const { renderReport } = await import('../../shared/report');
        const { simulationReport } = await import('../../shared/simulate/report');
        try {
          writeFileSync(opts.report, renderReport(simulationReport([result])));
        } catch (err) {
          throw new CliError(`cannot write report ${opts.report}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 1);
        }
        if (!opts.json) process.stderr.write(`report written to ${opts.report}\n`);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(jsonResult(result, !!opts.details))}\n`);
      else process.stdout.write(formatResult(result));
    });
}
