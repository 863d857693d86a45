#!/usr/bin/env node
/**
 * The `subnet` CLI: the composition root. Each file in ./commands registers one command
 * (`export function register(program: Command): void`) and imports heavy modules lazily
 * inside its action, so `subnet yuma` does not pay for @polkadot/api or onnxruntime.
 */
import { Command, CommanderError } from 'commander';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cliError';
import { SubnetError } from '../shared/errors';
import { packageVersion } from '../shared/paths';

export function buildProgram(): Command {
  const program = new Command('subnet')
    .description('Bittensor-style subnets in TypeScript: miners, validators, Yuma consensus, a local chain')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  const dir = join(__dirname, 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.map'))
    .sort();
  for (const f of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, f)) as { register?: (p: Command) => void };
    if (typeof mod.register === 'function') mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return err.exitCode;
    }
    if (err instanceof CliError) {
      process.stderr.write(`subnet: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof SubnetError) {
      process.stderr.write(`subnet: ${err.message} [${err.code}]\n`);
      return 1;
    }
    process.stderr.write(`subnet: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`subnet: ${String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
