import type { Command } from 'commander';
import { CliError } from '../cliError';

/** `subnet bench NAME [--json] [--quick] [ARGS...]`: runs one benchmark from bench/. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('run a benchmark (list them with `subnet bench --list`)')
    .argument('[name]', 'benchmark name')
    .argument('[args...]', 'extra arguments for the benchmark')
    .option('--json', 'print only the result as one JSON object')
    .option('--quick', 'a shorter run')
    .option('--list', 'list benchmarks')
    .allowUnknownOption(true)
    .action(async (name: string | undefined, args: string[], opts: { json?: boolean; quick?: boolean; list?: boolean }) => {
      const { listBenches, findBench } = await import('../../bench/harness');
      if (opts.list || !name) {
        for (const b of listBenches()) process.stdout.write(`${b.name.padEnd(12)} ${b.description}\n`);
        return;
      }
      const b = findBench(name);
      if (!b) throw new CliError(`unknown benchmark "${name}" (known: ${listBenches().map((x) => x.name).join(', ')})`, 2);
      const json = !!opts.json;
      const result = await b.run({ json, quick: !!opts.quick, args, log: (l) => { if (!json) process.stderr.write(`${l}\n`); } });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
