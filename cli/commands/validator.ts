import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cliError';
import { defaultValidatorOptions as D } from '../../validator/options';

interface ValidatorCliOptions {
  netuid: string;
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
  walletName?: string;
  walletHotkey?: string;
  walletPath?: string;
  dev?: string | boolean;
  chain: string;
  scorer: string;
  sampleSize: string;
  timeout: string;
  alpha: string;
  db?: string;
  stepMs: string;
  pruneAfter: string;
  batch: string;
  model?: string;
  syncEvery: string;
  versionKey?: string;
  setWeights: boolean;
  requireProof?: boolean;
  maxSteps?: string;
  logLevel: string;
}

function num(name: string, v: string, opts: { int?: boolean; min?: number; max?: number; gt?: number } = {}): number {
  const x = Number(v);
  const bad = (why: string) => new CliError(`${name} ${why}, got "${v}"`, 2);
  if (v.trim() === '' || !Number.isFinite(x)) throw bad('must be a number');
  if (opts.int && !Number.isInteger(x)) throw bad('must be an integer');
  if (opts.min !== undefined && x < opts.min) throw bad(`must be >= ${opts.min}`);
  if (opts.max !== undefined && x > opts.max) throw bad(`must be <= ${opts.max}`);
  if (opts.gt !== undefined && !(x > opts.gt)) throw bad(`must be > ${opts.gt}`);
  return x;
}

function isLoopback(endpoint: string): boolean {
  try {
    const h = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return h === '127.0.0.1' || h === 'localhost' || h === '::1' || h.startsWith('127.');
  } catch {
    return false;
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/**
 * `subnet validator --netuid N (--wallet.name W --wallet.hotkey H | --dev [NAME]) [--chain ws://…]
 *  [--scorer NAME|MODULE] [--sample-size K] [--timeout MS] [--alpha A] [--db FILE] …`
 * Runs until SIGINT/SIGTERM (or --max-steps), then prints a JSON summary on stdout.
 */
export function register(program: Command): void {
  program
    .command('validator')
    .description('run a validator: query miners, score them, set weights each tempo, predict Yuma, log every epoch to SQLite')
    .option('--netuid <n>', 'subnet to validate', String(D.netuid))
    .option('--wallet.name <name>', 'wallet name (BT_WALLET_NAME; default "default")')
    .option('--wallet.hotkey <name>', 'hotkey name (BT_WALLET_HOTKEY; default "default")')
    .option('--wallet.path <dir>', 'wallets folder (BT_WALLET_PATH; default ~/.bittensor/wallets)')
    .option('--dev [name]', 'use a well-known development key (//Alice, //Bob, … or //NAME): local chains only')
    .option('--chain <url>', 'chain endpoint (ws://…)', 'ws://127.0.0.1:9944')
    .option('--scorer <name|module>', 'built-in scorer (cosine, relative-error, exact, latency) or a path to a JS module', 'relative-error')
    .option('--sample-size <k>', 'miners queried per step (0 = all)', String(D.sampleSize))
    .option('--timeout <ms>', 'query deadline per step, ms', String(D.timeoutMs))
    .option('--alpha <a>', 'score moving-average factor in (0, 1]', String(D.alpha))
    .option('--db <file>', 'the SQLite log (default ~/.bittensor/miners/<wallet>/<hotkey>/netuid<N>/validator/log.db)')
    .option('--step-ms <ms>', 'interval between query steps, ms', String(D.stepMs))
    .option('--prune-after <epochs>', 'drop raw responses older than this many epochs (0 = keep all)', String(D.pruneAfterEpochs))
    .option('--batch <rows>', 'rows per challenge input', String(D.batch))
    .option('--model <file.onnx>', 'reference model (default: the generated reference model)')
    .option('--sync-every <blocks>', 'metagraph resync interval, blocks', String(D.syncEveryBlocks))
    .option('--version-key <n>', 'weights version key (default: the chain\'s WeightsVersionKey)')
    .option('--no-set-weights', 'prepare and log weights but do not send them')
    .option('--require-proof', 'score an answer 0 (status invalid) unless it carries a valid signed proof')
    .option('--max-steps <n>', 'stop after this many steps (default: run until stopped)')
    .option('--log-level <level>', `log level (${LEVELS.join(', ')})`, 'info')
    .action(async (o: ValidatorCliOptions) => {
      const netuid = num('--netuid', o.netuid, { int: true, min: 0, max: 65535 });
      const options = {
        netuid,
        sampleSize: num('--sample-size', o.sampleSize, { int: true, min: 0 }),
        timeoutMs: num('--timeout', o.timeout, { gt: 0 }),
        alpha: num('--alpha', o.alpha, { gt: 0, max: 1 }),
        stepMs: num('--step-ms', o.stepMs, { min: 0 }),
        pruneAfterEpochs: num('--prune-after', o.pruneAfter, { int: true, min: 0 }),
        batch: num('--batch', o.batch, { int: true, min: 1 }),
        syncEveryBlocks: num('--sync-every', o.syncEvery, { int: true, min: 1 }),
        versionKey: o.versionKey !== undefined ? num('--version-key', o.versionKey, { int: true, min: 0 }) : null,
        setWeights: o.setWeights,
      };
      const maxSteps = o.maxSteps !== undefined ? num('--max-steps', o.maxSteps, { int: true, min: 1 }) : undefined;
      if (!LEVELS.includes(o.logLevel)) throw new CliError(`--log-level must be one of ${LEVELS.join(', ')}, got "${o.logLevel}"`, 2);
      const devName = o.dev === undefined ? undefined : o.dev === true ? 'alice' : String(o.dev);
      if (devName !== undefined && !isLoopback(o.chain)) throw new CliError(`--dev keys are for local chains only; ${o.chain} is not a loopback address`, 2);
      const walletName = o['wallet.name'] ?? o.walletName;
      const walletHotkey = o['wallet.hotkey'] ?? o.walletHotkey;
      const walletPath = o['wallet.path'] ?? o.walletPath;
      if (devName !== undefined && (walletName || walletHotkey)) throw new CliError('give either --dev or --wallet.*, not both', 2);

      const [{ default: pino }, logger, keys, scoring, logMod, model, chainMod, client, v, weights, yuma, paths] = await Promise.all([
        import('pino'),
        import('../../shared/logger'),
        import('../../shared/keys'),
        import('../../shared/scoring'),
        import('../../shared/log'),
        import('../../shared/model'),
        import('../../shared/chain'),
        import('../../validator/client'),
        import('../../validator'),
        import('../../shared/weights'),
        import('../../shared/yuma'),
        import('../../shared/paths'),
      ]);
      const log = logger.fromPino(pino({ level: o.logLevel, base: { role: 'validator' } }, pino.destination(2)));

      // keys
      await keys.keysReady();
      let signer: import('../../shared/keys').Sr25519Keypair;
      let dbDefault: string;
      if (devName !== undefined) {
        signer = keys.devKeypair(devName);
        dbDefault = join(homedir(), '.bittensor', 'miners', `dev-${devName}`, `netuid${netuid}`, 'validator', 'log.db');
      } else {
        const loc = keys.resolveWalletLocation({ name: walletName, hotkey: walletHotkey, path: walletPath });
        signer = await keys.loadHotkey(loc);
        dbDefault = join(keys.expandPath(loc.path), '..', 'miners', loc.name, loc.hotkey, `netuid${netuid}`, 'validator', 'log.db');
      }
      const dbPath = o.db ?? dbDefault;
      const { mkdirSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(dbPath), { recursive: true });

      const scorer = await scoring.loadScorer(o.scorer);
      const store = logMod.openLogStore(dbPath);
      const closers: (() => Promise<void> | void)[] = [() => store.close()];
      const closeAll = async () => {
        for (const c of closers.splice(0).reverse()) {
          try {
            await c();
          } catch (err) {
            log.warn('close failed', { error: String(err) });
          }
        }
      };
      let validator: import('../../validator').Validator | undefined;
      try {
        const runner = await model.OnnxModelRunner.create(o.model ?? model.defaultModelBytes('reference'));
        closers.push(() => runner.close());
        const chain = new chainMod.SubstrateChainClient({ endpoint: o.chain, finality: 'inBlock' }, { logger: log });
        await chain.start();
        closers.push(() => chain.stop());
        const wire = new client.ClientPool({ keypair: signer, logger: log.child({ module: 'client' }) });
        closers.push(() => wire.close());
        validator = new v.Validator(
          {
            chain,
            pool: new v.ClientPoolAdapter(wire, { requireProof: !!o.requireProof }),
            task: new v.ReferenceTask(runner, model.generateInputs, { batch: options.batch, synapse: D.synapse }),
            scorer,
            log: store,
            logger: log,
            clock: v.systemClock,
            signer,
            yuma: yuma.yumaEpoch,
            prepareWeights: weights.scoresToWeights,
            epochSource: new v.ApiEpochSource(() => chain.api as unknown as import('../../validator').ApiLike),
            appVersion: paths.packageVersion(),
          },
          options,
        );
        const vv = validator;
        closers.push(() => vv.stop());
        const done = new Promise<string>((resolve) => {
          const onSignal = (s: string) => resolve(s);
          process.once('SIGINT', () => onSignal('SIGINT'));
          process.once('SIGTERM', () => onSignal('SIGTERM'));
          if (maxSteps !== undefined) {
            const t = setInterval(() => {
              if (vv.status().step >= maxSteps) {
                clearInterval(t);
                resolve('max-steps');
              }
            }, 50);
            closers.push(() => clearInterval(t));
          }
        });
        await validator.start();
        const fatal = vv.fatal.then((e) => {
          throw e;
        });
        void fatal.catch(() => undefined);
        process.stderr.write(`validator running: uid ${vv.status().ownUid}, hotkey ${signer.address}, netuid ${netuid}, scorer ${scorer.name}@${scorer.version}, db ${dbPath}\n`);
        const why = await Promise.race([done, fatal]);
        log.info('stopping', { reason: why });
        await closeAll();
        process.stdout.write(`${JSON.stringify({ reason: why, db: dbPath, ...vv.status(), running: false })}\n`);
      } catch (err) {
        await closeAll();
        throw err;
      }
    });
}
