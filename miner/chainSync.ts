/**
 * With a chain: follow the metagraph (a sync every `syncEveryBlocks` blocks via subscribeBlocks,
 * at the next block after the policy refused a caller — registrations and permits change only
 * at blocks —, and at least every `syncIntervalMs`), feed it to the policy, and advertise the axon.
 */
import type { ChainClient, Metagraph, WriteResult } from '../shared/chain/interface';
import { errorMessage } from '../shared/errors';
import type { Keypair } from '../shared/keys/interface';
import { nullLogger, type Logger } from '../shared/logger';
import type { MetagraphPolicy } from './policy';

export interface MetagraphFollowerOptions {
  netuid: number;
  syncEveryBlocks: number;
  syncIntervalMs: number;
}

export class MetagraphFollower {
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private lastBlock = -Infinity;
  private stopped = false;
  metagraph?: Metagraph;

  constructor(
    private readonly chain: ChainClient,
    private readonly policy: MetagraphPolicy,
    private readonly opts: MetagraphFollowerOptions,
    private readonly log: Logger = nullLogger,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    this.unsubscribe = await this.chain.subscribeBlocks((block) => {
      if (block - this.lastBlock >= this.opts.syncEveryBlocks || (this.policy.refusedSinceUpdate && block > this.lastBlock)) void this.sync();
    });
    this.timer = setInterval(() => void this.sync(), this.opts.syncIntervalMs);
    this.timer.unref();
  }

  /** One metagraph refresh (overlapping calls share one). */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.syncing) {
      this.syncing = this.chain
        .metagraph(this.opts.netuid)
        .then((mg) => {
          this.metagraph = mg;
          this.lastBlock = mg.block;
          this.policy.update(mg);
          this.log.debug('metagraph synced', { block: mg.block, n: mg.n });
        })
        .catch((err: unknown) => this.log.warn('metagraph sync failed', { err: errorMessage(err) }))
        .finally(() => {
          this.syncing = undefined;
        });
    }
    return this.syncing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    // a sync stuck on a dead chain must not hold the shutdown
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.syncing, new Promise<void>((r) => (t = setTimeout(r, 1000)))]);
    clearTimeout(t);
  }
}

/** serve_axon with our external address; returns the chain's verdict. */
export async function advertiseAxon(chain: ChainClient, keypair: Keypair, netuid: number, axon: { ip: string; port: number; version: number }, log: Logger): Promise<WriteResult> {
  const r = await chain.serveAxon(keypair, netuid, { version: axon.version, ip: axon.ip, port: axon.port, protocol: 4 });
  if (r.status === 'included') log.info('axon advertised', { ip: axon.ip, port: axon.port, block: r.blockNumber });
  else log.warn('serve_axon did not go through', { ...r });
  return r;
}
