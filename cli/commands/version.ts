import type { Command } from 'commander';

/** `subnet info`: versions of the framework and its runtime, as JSON. */
export function register(program: Command): void {
  program
    .command('info')
    .description('print framework, node and dependency versions as JSON')
    .action(async () => {
      const { packageVersion } = await import('../../shared/paths');
      process.stdout.write(JSON.stringify({ subnet: packageVersion(), node: process.version, platform: `${process.platform}-${process.arch}` }) + '\n');
    });
}
