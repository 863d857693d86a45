import type { Command } from 'commander';
import { CliError } from '../cliError';
import { defaultMinerOptions as D } from '../../miner/options';

interface MinerCliOptions {
  netuid: string;
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
  'axon.port': string;
  'axon.ip': string;
  'axon.external_ip'?: string;
  'axon.external_port'?: string;
  'axon.max_connections': string;
  'axon.max_payload': string;
  'axon.concurrency': string;
  'axon.max_queue': string;
  'axon.rate_limit': string;
  'axon.rate_burst': string;
  'axon.handshake_timeout': string;
  'axon.idle_timeout': string;
  'axon.proof_batch': string;
  'axon.proof_flush': string;
  'axon.proof_flush_later': string;
  'axon.proof_idle': string;
  'axon.frame_messages': string;
  'blacklist.allow_unregistered'?: boolean;
  'blacklist.allow_non_validators'?: boolean;
  'blacklist.min_stake': string;
  chain: string | false;
  dev?: string | boolean;
  model?: string;
  handler?: string;
  batch?: boolean;
  'batch.max_rows'?: string;
  'batch.wait_ms'?: string;
  'metrics.port'?: string;
  trace?: string;
  logLevel: string;
}

function num(name: string, v: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
  const x = Number(v);
  const bad = (why: string) => new CliError(`${name} ${why}, got "${v}"`, 2);
  if (String(v).trim() === '' || !Number.isFinite(x)) throw bad('must be a number');
  if (opts.int && !Number.isInteger(x)) throw bad('must be an integer');
  if (opts.min !== undefined && x < opts.min) throw bad(`must be >= ${opts.min}`);
  if (opts.max !== undefined && x > opts.max) throw bad(`must be <= ${opts.max}`);
  return x;
}

function isLoopbackUrl(endpoint: string): boolean {
  try {
    const h = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || h.startsWith('127.');
  } catch {
    return false;
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/**
 * `subnet miner [--netuid N] (--wallet.* | --dev [NAME]) [--axon.port P] [--chain URL | --no-chain]
 *  [--model FILE.onnx] [--handler MODULE] [--batch] [--metrics.port P]`: serves the model until
 * SIGINT/SIGTERM, then drains in-flight requests and exits 0.
 */
export function register(program: Command): void {
  program
    .command('miner')
    .description('run a miner (axon): serve an ONNX model (or a custom handler) over the authenticated wire protocol')
    .option('--netuid <n>', 'subnet', String(D.netuid))
    .option('--wallet.name <name>', 'wallet name (BT_WALLET_NAME; default "default")')
    .option('--wallet.hotkey <name>', 'hotkey name (BT_WALLET_HOTKEY; default "default")')
    .option('--wallet.path <dir>', 'wallets folder (BT_WALLET_PATH; default ~/.bittensor/wallets)')
    .option('--dev [name]', 'use a well-known development key (//Bob by default, or //NAME) instead of a wallet: local only')
    .option('--axon.port <port>', 'listen port (0 = any free port)', String(D.port))
    .option('--axon.ip <addr>', 'bind address', D.host)
    .option('--axon.external_ip <addr>', 'address advertised on chain (serve_axon); required with a chain')
    .option('--axon.external_port <port>', 'port advertised on chain (default: the listen port)')
    .option('--axon.max_connections <n>', 'open connections at once', String(D.maxConnections))
    .option('--axon.max_payload <bytes>', 'largest message accepted', String(D.maxPayload))
    .option('--axon.concurrency <n>', 'forward calls running at once', String(D.concurrency))
    .option('--axon.max_queue <n>', 'requests waiting at most (more are answered "overloaded")', String(D.maxQueue))
    .option('--axon.rate_limit <per_s>', 'per-hotkey requests per second (0 = off)', String(D.rateLimitPerSec))
    .option('--axon.rate_burst <n>', 'per-hotkey burst', String(D.rateLimitBurst))
    .option('--axon.handshake_timeout <ms>', 'handshake deadline', String(D.handshakeTimeoutMs))
    .option('--axon.idle_timeout <ms>', 'close connections idle this long', String(D.idleTimeoutMs))
    .option('--axon.proof_batch <n>', 'sign a proof batch once it holds this many answers', String(D.proofBatchMax))
    .option('--axon.proof_flush <ms>', 'sign an answer whose client waits for its proof at most this long after it is sent', String(D.proofFlushMs))
    .option('--axon.proof_flush_later <ms>', 'sign answers nobody waits for (pipelined) at least this often (never below --axon.proof_flush)', String(D.proofFlushLaterMs))
    .option('--axon.frame_messages <n>', 'a batch frame of answers leaves once it holds this many', String(D.frameMessages))
    .option('--axon.proof_idle <ms>', 'when idle with answers a client waits for, sign after this quiet time (0: at once)', String(D.proofIdleMs))
    .option('--blacklist.allow_unregistered', 'serve hotkeys not registered on the subnet (with a chain)')
    .option('--blacklist.allow_non_validators', 'serve hotkeys without a validator permit (with a chain)')
    .option('--blacklist.min_stake <tao>', 'minimum caller stake, TAO (with a chain)', '0')
    .option('--chain <url>', 'chain endpoint (ws://…)', 'ws://127.0.0.1:9944')
    .option('--no-chain', 'no chain: accept any authenticated hotkey (local work)')
    .option('--model <file.onnx>', 'ONNX model to serve (default: the generated reference model)')
    .option('--handler <module>', 'JS module exporting forward(request, ctx) (and optionally synapses) instead of the model')
    .option('--batch', 'dynamic micro-batching of concurrent requests')
    .option('--batch.max_rows <n>', 'rows per merged batch (default: --axon.frame_messages)')
    .option('--batch.wait_ms <ms>', 'how long the first request may wait for others (default 0: batches form while the model is busy, no added wait)')
    .option('--metrics.port <port>', 'serve Prometheus metrics on this port (default: off)')
    .option('--trace <file>', 'record a timeline of frames and model runs; written to FILE (JSON) when the miner stops')
    .option('--log-level <level>', `log level (${LEVELS.join(', ')})`, 'info')
    .action(async (o: MinerCliOptions) => {
      const netuid = num('--netuid', o.netuid, { int: true, min: 0, max: 65535 });
      const port = num('--axon.port', o['axon.port'], { int: true, min: 0, max: 65535 });
      if (!LEVELS.includes(o.logLevel)) throw new CliError(`--log-level must be one of ${LEVELS.join(', ')}, got "${o.logLevel}"`, 2);
      const options = {
        netuid,
        host: o['axon.ip'],
        port,
        externalIp: o['axon.external_ip'],
        externalPort: o['axon.external_port'] !== undefined ? num('--axon.external_port', o['axon.external_port'], { int: true, min: 1, max: 65535 }) : undefined,
        maxConnections: num('--axon.max_connections', o['axon.max_connections'], { int: true, min: 1 }),
        maxPayload: num('--axon.max_payload', o['axon.max_payload'], { int: true, min: 1024 }),
        concurrency: num('--axon.concurrency', o['axon.concurrency'], { int: true, min: 1 }),
        maxQueue: num('--axon.max_queue', o['axon.max_queue'], { int: true, min: 0 }),
        rateLimitPerSec: num('--axon.rate_limit', o['axon.rate_limit'], { min: 0 }),
        rateLimitBurst: num('--axon.rate_burst', o['axon.rate_burst'], { min: 1 }),
        handshakeTimeoutMs: num('--axon.handshake_timeout', o['axon.handshake_timeout'], { min: 1 }),
        idleTimeoutMs: num('--axon.idle_timeout', o['axon.idle_timeout'], { min: 1 }),
        proofBatchMax: num('--axon.proof_batch', o['axon.proof_batch'], { int: true, min: 1 }),
        proofFlushMs: num('--axon.proof_flush', o['axon.proof_flush'], { min: 1 }),
        proofFlushLaterMs: num('--axon.proof_flush_later', o['axon.proof_flush_later'], { min: 1 }),
        proofIdleMs: num('--axon.proof_idle', o['axon.proof_idle'], { min: 0 }),
        frameMessages: num('--axon.frame_messages', o['axon.frame_messages'], { int: true, min: 1 }),
        requireRegistered: !o['blacklist.allow_unregistered'],
        requireValidatorPermit: !o['blacklist.allow_non_validators'],
        minStakeRao: BigInt(Math.round(num('--blacklist.min_stake', o['blacklist.min_stake'], { min: 0 }) * 1e9)),
      };
      const metricsPort = o['metrics.port'] !== undefined ? num('--metrics.port', o['metrics.port'], { int: true, min: 0, max: 65535 }) : undefined;
      const devName = o.dev === undefined ? undefined : o.dev === true ? 'bob' : String(o.dev);
      const walletName = o['wallet.name'];
      const walletHotkey = o['wallet.hotkey'];
      if (devName !== undefined && (walletName || walletHotkey)) throw new CliError('give either --dev or --wallet.*, not both', 2);
      if (devName !== undefined && o.chain !== false && !isLoopbackUrl(o.chain)) throw new CliError(`--dev keys are for local chains only; ${o.chain} is not a loopback address`, 2);

      const [{ default: pino }, logger, keys, model, minerMod, protocol] = await Promise.all([
        import('pino'),
        import('../../shared/logger'),
        import('../../shared/keys'),
        import('../../shared/model'),
        import('../../miner'),
        import('../../shared/protocol'),
      ]);
      const log = logger.fromPino(pino({ level: o.logLevel, base: { role: 'miner' } }, pino.destination(2)));
      await Promise.all([keys.keysReady(), protocol.protocolReady()]);
      const keypair = devName !== undefined ? keys.devKeypair(devName) : await keys.loadHotkey(keys.resolveWalletLocation({ name: walletName, hotkey: walletHotkey, path: o['wallet.path'] }));

      const closers: (() => Promise<void> | void)[] = [];
      const closeAll = async () => {
        for (const c of closers.splice(0).reverse()) {
          try {
            await c();
          } catch (err) {
            log.warn('close failed', { err: String(err) });
          }
        }
      };
      try {
        let runner: import('../../shared/model').ModelRunner | undefined;
        const onnx = await model.OnnxModelRunner.create(o.model ?? model.defaultModelBytes('reference'));
        runner = onnx;
        closers.push(() => onnx.close());
        if (o.batch) {
          const batching = new model.BatchingModelRunner(onnx, {
            closeInner: false,
            // default: one frame of answers per run (see --axon.frame_messages)
            maxBatchRows: o['batch.max_rows'] !== undefined ? num('--batch.max_rows', o['batch.max_rows'], { int: true, min: 1 }) : options.frameMessages,
            maxWaitMs: o['batch.wait_ms'] !== undefined ? num('--batch.wait_ms', o['batch.wait_ms'], { min: 0 }) : 0,
          });
          runner = batching;
          closers.push(() => batching.close());
        }
        // the model handler batches (what arrives together shares one session.run): hand it up to
        // 256 requests at once, so 64 in flight make one run instead of two; a custom --handler
        // keeps the default. Beyond that the axon's stake-ordered queue decides who goes first.
        if ((o.batch || !o.handler) && o['axon.concurrency'] === String(D.concurrency)) options.concurrency = 256;
        const handler = o.handler ? await minerMod.loadHandler(o.handler, runner) : minerMod.modelHandler(runner, undefined, { maxBatchRows: options.frameMessages });

        let metrics: import('../../miner/promMetrics').PromMinerMetrics | undefined;
        if (metricsPort !== undefined) {
          const { PromMinerMetrics } = await import('../../miner/promMetrics');
          const m = new PromMinerMetrics();
          const bound = await m.listen(metricsPort, options.host);
          closers.push(() => m.close());
          metrics = m;
          process.stderr.write(`metrics on http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${bound}/metrics\n`);
        }

        let chain: import('../../shared/chain/interface').ChainClient | undefined;
        if (o.chain !== false) {
          const chainMod = await import('../../shared/chain');
          const c = new chainMod.SubstrateChainClient({ endpoint: o.chain, finality: 'inBlock' }, { logger: log.child({ module: 'chain' }) });
          await c.start();
          closers.push(() => c.stop());
          chain = c;
        }
        const trace = o.trace ? (await import('../../shared/trace')).recordTrace() : undefined;
        const miner = new minerMod.Miner({ keypair, handler, runner, chain, metrics, logger: log.child({ module: 'axon' }) }, options);
        const done = new Promise<string>((resolve) => {
          process.once('SIGINT', () => resolve('SIGINT'));
          process.once('SIGTERM', () => resolve('SIGTERM'));
        });
        await miner.start();
        closers.push(() => miner.stop());
        process.stderr.write(`miner listening on ${miner.axon.url} hotkey=${keypair.address} netuid=${netuid} chain=${o.chain === false ? 'none' : o.chain}\n`);
        const why = await done;
        log.info('stopping: draining in-flight requests', { reason: why, ...miner.axon.load });
        await closeAll();
        if (trace && o.trace) {
          const { writeFileSync } = await import('node:fs');
          writeFileSync(o.trace, JSON.stringify({ events: trace.stop(), dropped: trace.dropped() }));
        }
        process.stderr.write(`miner stopped (${why})\n`);
      } catch (err) {
        await closeAll();
        throw err;
      }
    });
}
