import type { Command } from 'commander';
import { CliError } from '../cliError';

/**
 * `subnet yuma FILE...`               one JSON line per file: {"name", "output"}
 * `subnet yuma --bench RUNS FILE...`  times yumaEpoch alone (in process, after a warm-up):
 *                                     {"name", "runs", "median_ms", "min_ms", "max_ms"}
 * A FILE is an epoch input object, or a vector file with an `input` field.
 */
export function register(program: Command): void {
  program
    .command('yuma')
    .description('run the Yuma consensus epoch (bit-exact with subtensor) on input files; prints one JSON line per file')
    .argument('<files...>', 'epoch input JSON files (an input object, or a vector file with an "input" field)')
    .option('--bench <runs>', 'time the epoch function RUNS times per file instead of printing its output')
    .action(async (files: string[], opts: { bench?: string }) => {
      const { readFileSync } = await import('node:fs');
      const { validateEpochInput, yumaEpoch } = await import('../../shared/yuma');
      const { isSubnetError } = await import('../../shared/errors');
      let runs = 0;
      if (opts.bench !== undefined) {
        if (!/^[0-9]+$/.test(opts.bench) || Number(opts.bench) < 1 || Number(opts.bench) > 1_000_000) {
          throw new CliError(`--bench RUNS must be an integer from 1 to 1000000, got "${opts.bench}"`, 2);
        }
        runs = Number(opts.bench);
      }
      // read and validate every file first: a bad file fails the command before any output
      const inputs = files.map((file) => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new CliError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 1);
        }
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch (err) {
          throw new CliError(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`, 1);
        }
        const isVector = typeof obj === 'object' && obj !== null && !Array.isArray(obj) && 'input' in obj;
        const candidate = isVector ? (obj as { input: unknown }).input : obj;
        try {
          return { file, input: validateEpochInput(candidate) };
        } catch (err) {
          if (isSubnetError(err, 'YUMA_INPUT_INVALID')) {
            const field = String(err.context.field ?? 'input');
            const path = isVector && field !== 'input' ? `input.${field}` : field;
            throw new CliError(`${file}: invalid epoch input: field ${path}: ${err.message}`, 1);
          }
          throw err;
        }
      });
      for (const { file, input } of inputs) {
        const name = input.name ?? file;
        if (runs === 0) {
          process.stdout.write(`${JSON.stringify({ name, output: yumaEpoch(input) })}\n`);
          continue;
        }
        const warmup = Math.min(20, Math.max(3, runs));
        for (let i = 0; i < warmup; i++) yumaEpoch(input);
        const samples: number[] = new Array(runs);
        for (let i = 0; i < runs; i++) {
          const t0 = process.hrtime.bigint();
          yumaEpoch(input);
          samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
        }
        samples.sort((a, b) => a - b);
        const mid = runs >> 1;
        const median = runs % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
        const r = (x: number) => Math.round(x * 1000) / 1000;
        process.stdout.write(
          `${JSON.stringify({ name, runs, median_ms: r(median), min_ms: r(samples[0]), max_ms: r(samples[runs - 1]) })}\n`,
        );
      }
    });
}
