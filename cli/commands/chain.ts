import type { Command } from 'commander';
import { CliError } from '../cliError';

/**
 * `subnet chain`: the local subtensor-compatible chain (chain-mock/), or with `--runtime SPEC`
 * subtensor's own runtime under chopsticks (chain-runtime/). Prints
 * `chain listening on ws://HOST:PORT` on stdout when ready; logs go to stderr.
 */
export function register(program: Command): void {
  program
    .command('chain')
    .description('run a local subtensor-compatible chain (Substrate JSON-RPC over ws) for development and tests')
    .option('--port <n>', 'port (0 = any free port)', '9944')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--block-mode <mode>', 'interval | instant (one block per extrinsic) | manual (dev_newBlock only)', 'interval')
    .option('--block-ms <ms>', 'interval mode: milliseconds per block', '250')
    .option('--db <file>', 'SQLite file: the chain keeps its state across restarts')
    .option('--genesis <file>', 'genesis/scenario JSON: accounts, sudo, subnets, neurons (docs/chain-mock.md)')
    .option('--runtime <spec>', "run subtensor's runtime (raw chain spec or wasm) under chopsticks instead of the local chain")
    .option('--allow-loopback-axons', 'accept 127.0.0.1 / ::1 in serve_axon (subtensor rejects them with InvalidIpAddress)', false)
    .option('--tempo <n>', 'tempo given to subnets created by register_network', '10')
    .option('--log-level <level>', 'debug | info | warn | error', 'info')
    .action(async (raw: Record<string, string | boolean | undefined>) => {
      const int = (name: string, v: unknown, min: number, max: number): number => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer in ${min}..${max} (got ${String(v)})`, 2);
        return n;
      };
      const port = int('port', raw.port, 0, 65535);
      const host = String(raw.host);
      const blockMode = String(raw.blockMode);
      if (!['interval', 'instant', 'manual'].includes(blockMode)) throw new CliError(`--block-mode must be interval, instant or manual (got ${blockMode})`, 2);
      const blockMs = int('block-ms', raw.blockMs, 1, 3_600_000);
      const tempo = int('tempo', raw.tempo, 0, 65535);
      const logLevel = String(raw.logLevel);
      if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new CliError(`--log-level must be debug, info, warn or error`, 2);

      const [{ default: pino }, loggerMod, paths] = await Promise.all([import('pino'), import('../../shared/logger'), import('../../shared/paths')]);
      const log = loggerMod.fromPino(pino({ level: logLevel, base: { role: 'chain' } }, pino.destination(2)));

      let close: () => Promise<void>;
      let url: string;
      if (raw.runtime) {
        if (raw.db || raw.genesis) throw new CliError('--db and --genesis apply to the local chain, not to --runtime', 2);
        let mod: { startRuntimeChain(o: { spec: string; host?: string; port?: number; blockMode?: 'instant' | 'batch' | 'manual' }): Promise<{ url: string; close(): Promise<void> }> };
        try {
          mod = await import('../../chain-runtime');
        } catch (e) {
          throw new CliError(`--runtime is not available in this build: ${(e as Error).message}`);
        }
        const c = await mod.startRuntimeChain({ spec: String(raw.runtime), host, port, blockMode: blockMode === 'interval' ? 'batch' : (blockMode as 'instant' | 'manual') });
        url = c.url;
        close = () => c.close();
      } else {
        const { startLocalChain, readGenesisFile } = await import('../../chain-mock');
        const genesis = raw.genesis ? readGenesisFile(String(raw.genesis)) : null;
        const c = await startLocalChain(
          {
            host,
            port,
            blockMode: blockMode as 'interval' | 'instant' | 'manual',
            blockMs,
            dbPath: raw.db ? String(raw.db) : null,
            genesis,
            runtime: { allowLoopbackAxons: Boolean(raw.allowLoopbackAxons), defaultTempo: tempo },
          },
          { logger: log, version: paths.packageVersion() },
        );
        url = c.url;
        close = () => c.close();
        log.info('chain ready', { url, genesis: c.genesisHash, best: c.chain.best.number, blockMode });
      }
      process.stdout.write(`chain listening on ${url}\n`);

      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write('chain stopping\n');
      await close();
    });
}
