import type { Command } from 'commander';
import { CliError } from '../cliError';

interface DevnetCliOptions {
  miners?: string;
  validators?: string;
  tempo?: string;
  blockMs?: string;
  epochs?: string;
  json?: boolean;
  scenario?: string;
  runDir?: string;
  scorer?: string;
  timeout?: string;
  keep?: boolean;
}

/**
 * `subnet devnet`: a local chain, a subnet, miners and validators as separate processes.
 * `npm start` runs it with the defaults.
 */
export function register(program: Command): void {
  program
    .command('devnet')
    .description('run a whole subnet on this machine: local chain, miners and validators as separate processes; a live table per epoch')
    .option('--miners <spec>', 'a count (the default mix repeated) or kinds with counts, e.g. honest=2,noisy,quantised,slow,garbage')
    .option('--validators <spec>', 'a count (stakes 1000, 500, 250, … TAO) or stakes in TAO, e.g. 1000,400,100')
    .option('--tempo <blocks>', 'subnet tempo in blocks (an epoch every tempo + 1 blocks)')
    .option('--block-ms <ms>', 'block interval of the local chain')
    .option('--epochs <n>', 'stop after n epochs with consensus (default: run until Ctrl-C)')
    .option('--scenario <file>', 'a JSON scenario file (see examples/devnet/)')
    .option('--run-dir <dir>', 'folder for wallets, logs and databases (default: a new folder under ./runs/)')
    .option('--scorer <name|module>', "the validators' scorer")
    .option('--timeout <ms>', "the validators' query timeout")
    .option('--json', 'print the final summary as one JSON object on stdout (tables go to stderr)')
    .action(async (o: DevnetCliOptions) => {
      const [{ applyScenario, checkDevnetOptions, defaultOptions, parseMiners, parseValidators, parsePositiveInt }, { defaultRunDir }, { SubnetError, errorMessage }] = await Promise.all([
        import('../../devnet/scenario'),
        import('../../devnet/runDir'),
        import('../../shared/errors'),
      ]);
      const json = !!o.json;
      let opts;
      try {
        opts = defaultOptions();
        if (o.scenario) {
          const { readFileSync } = await import('node:fs');
          let raw: unknown;
          try {
            raw = JSON.parse(readFileSync(o.scenario, 'utf8'));
          } catch (err) {
            throw new CliError(`cannot read scenario ${o.scenario}: ${errorMessage(err)}`, 2);
          }
          opts = applyScenario(opts, raw);
        }
        if (o.miners !== undefined) opts.miners = parseMiners(o.miners);
        if (o.validators !== undefined) opts.validators = parseValidators(o.validators);
        if (o.tempo !== undefined) opts.subnet.tempo = parsePositiveInt('--tempo', o.tempo, 2, 65535);
        if (o.blockMs !== undefined) opts.blockMs = parsePositiveInt('--block-ms', o.blockMs, 10, 60_000);
        if (o.epochs !== undefined) opts.epochs = parsePositiveInt('--epochs', o.epochs, 1);
        if (o.scorer !== undefined) opts.validator.scorer = o.scorer;
        if (o.timeout !== undefined) opts.validator.timeout_ms = parsePositiveInt('--timeout', o.timeout, 1, 600_000);
        opts.runDir = o.runDir ?? defaultRunDir(process.cwd());
        checkDevnetOptions(opts);
      } catch (err) {
        if (err instanceof SubnetError) throw new CliError(err.message, 2);
        throw err;
      }
      if (o.scorer !== undefined) {
        const { loadScorer } = await import('../../shared/scoring/loader');
        try {
          await loadScorer(o.scorer);
        } catch (err) {
          throw new CliError(`${errorMessage(err)}`, 2);
        }
      }

      const { Devnet } = await import('../../devnet/devnet');
      const tableOut = (s: string) => (json ? process.stderr : process.stdout).write(`${s}\n`);
      // warnings and errors of the devnet itself (child crashes are progress lines already)
      const { nullLogger } = await import('../../shared/logger');
      const line = (level: string) => (msg: string, ctx?: Record<string, unknown>) => process.stderr.write(`${level}: ${msg}${ctx && Object.keys(ctx).length ? ` ${JSON.stringify(ctx)}` : ''}\n`);
      const logger = { ...nullLogger, warn: line('warning'), error: line('error'), child: () => logger };
      const devnet = new Devnet(opts, {
        logger,
        sinks: { progress: (l) => process.stderr.write(`${l}\n`), table: tableOut },
      });
      const ac = new AbortController();
      let signalled: string | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        if (signalled) {
          // a second Ctrl-C: no more waiting
          devnet.killAllSync();
          process.exit(130);
        }
        signalled = sig;
        process.stderr.write(`\n${sig}: stopping every child process…\n`);
        ac.abort(new SubnetError('DEVNET_INTERRUPTED', `interrupted by ${sig}`));
      };
      const onExit = () => devnet.killAllSync();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);
      process.on('exit', onExit);
      let failure: unknown = null;
      try {
        await devnet.start({ signal: ac.signal });
        const target = opts.epochs ?? Number.MAX_SAFE_INTEGER;
        const last = await devnet.waitForEpochs(target, { signal: ac.signal });
        if (opts.epochs !== undefined) {
          const missing = await devnet.waitForValidatorLogs(last.block);
          if (missing.length) process.stderr.write(`note: ${missing.join(', ')} had not logged the last epoch's prediction yet\n`);
        }
      } catch (err) {
        failure = err;
      }
      const summary = devnet.summary();
      await devnet.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      process.off('exit', onExit);
      const { writeFileSync } = await import('node:fs');
      if (devnet.created) {
        try {
          writeFileSync(devnet.layout.summary, `${JSON.stringify(summary, null, 1)}\n`);
        } catch {
          /* the run folder was removed meanwhile */
        }
      }
      if (signalled) {
        process.stderr.write(`stopped after ${summary.epochs} epoch(s); run folder ${summary.run_dir}\n`);
        if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        process.exitCode = signalled === 'SIGINT' ? 130 : 143;
        return;
      }
      if (failure) {
        if (failure instanceof SubnetError) throw new CliError(`${failure.message} [${failure.code}]${devnet.created ? ` (run folder ${summary.run_dir})` : ''}`, 1);
        throw failure;
      }
      if (summary.flipping) {
        const total = summary.neurons.reduce((x, r) => x + r.incentive, 0);
        const share = summary.neurons.filter((r) => summary.flipping!.flipper_uids.includes(r.uid)).reduce((x, r) => x + r.incentive, 0);
        process.stderr.write(`flipping: miner uid(s) ${summary.flipping.flipper_uids.join(', ')} flip every ${summary.flipping.flip_every} epoch(s); their incentive share in the last epoch ${total > 0 ? Math.round((share / total) * 1e6) / 1e6 : 0}\n`);
      }
      if (summary.inactive) {
        process.stderr.write(`inactive: validator uid(s) ${summary.inactive.stopped.join(', ') || '(none yet)'} stopped at epoch ${summary.inactive.stop_epoch}; their dividend share in the last epoch ${summary.inactive.stopped_dividend_share}\n`);
      }
      if (summary.copier) {
        const c = summary.copier;
        process.stderr.write(`weight-copying: copier uid ${c.uid} (delay ${c.delay}) dividends ${c.dividends} vs honest twin uid ${c.twin_uid} ${c.twin_dividends}: ratio ${c.dividends_ratio_vs_honest}; copier LastUpdate ${c.last_update}\n`);
      }
      if (summary.collusion) {
        process.stderr.write(`collusion: colluding stake ${summary.collusion.colluding_stake}, cheater (uid ${summary.collusion.cheater_uid}) incentive share ${summary.collusion.cheater_incentive_share}\n`);
      } else if (!summary.checks.honest_beats_degraded || !summary.checks.slow_garbage_near_zero) {
        process.stderr.write(`warning: the expected incentive ordering does not hold: ${JSON.stringify(summary.checks)}\n`);
      }
      if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${summary.epochs} epoch(s) in ${summary.wall_s} s (first epoch with consensus after ${summary.time_to_first_epoch_s} s); run folder ${summary.run_dir}\n`);
    });

  // the copier of a weight-copying scenario: launched by the devnet as its own process
  program
    .command('devnet-copier', { hidden: true })
    .description('(devnet internal) a validator hotkey that copies the chain consensus as its weights')
    .requiredOption('--netuid <n>', 'subnet')
    .requiredOption('--wallet.name <name>', 'wallet name')
    .option('--wallet.hotkey <name>', 'hotkey name', 'default')
    .requiredOption('--wallet.path <dir>', 'wallets folder')
    .requiredOption('--chain <url>', 'chain endpoint')
    .option('--delay <epochs>', 'copy the consensus of this many epochs ago', '0')
    .action(async (o: Record<string, string>) => {
      const [{ runCopier }, { SubstrateChainClient }, { loadHotkey }, { nullLogger }, { errorMessage }] = await Promise.all([
        import('../../devnet/copier'),
        import('../../shared/chain'),
        import('../../shared/keys'),
        import('../../shared/logger'),
        import('../../shared/errors'),
      ]);
      const netuid = Number(o.netuid);
      const delay = Number(o.delay);
      if (!Number.isInteger(netuid) || netuid < 0) throw new CliError(`--netuid: not an integer: ${o.netuid}`, 2);
      if (!Number.isInteger(delay) || delay < 0) throw new CliError(`--delay: not an integer >= 0: ${o.delay}`, 2);
      let signer;
      try {
        signer = await loadHotkey({ name: o['wallet.name'] ?? o.walletName, hotkey: o['wallet.hotkey'] ?? o.walletHotkey ?? 'default', path: o['wallet.path'] ?? o.walletPath });
      } catch (err) {
        throw new CliError(`cannot load the copier hotkey: ${errorMessage(err)}`, 2);
      }
      const client = new SubstrateChainClient({ endpoint: o.chain, finality: 'inBlock', connectTimeoutMs: 10_000 }, { logger: nullLogger });
      try {
        await client.start();
      } catch (err) {
        throw new CliError(`cannot reach the chain at ${o.chain}: ${errorMessage(err)}`, 1);
      }
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      const log = (l: string) => process.stderr.write(`${new Date().toISOString()} copier: ${l}\n`);
      log(`hotkey ${signer.address}, subnet ${netuid}, delay ${delay}`);
      try {
        const n = await runCopier({ netuid, delay }, { client, signer, log }, { signal: ac.signal });
        log(`stopping; ${n} set_weights included`);
      } finally {
        await client.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
