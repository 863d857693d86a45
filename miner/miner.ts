/**
 * The miner process: an AxonServer plus, with a chain, a metagraph follower (policy) and the
 * serve_axon advertisement. Composition of concrete classes happens in cli/commands/miner.ts.
 */
import type { ChainClient } from '../shared/chain/interface';
import { SubnetError } from '../shared/errors';
import type { Keypair } from '../shared/keys/interface';
import { nullLogger, type Logger } from '../shared/logger';
import type { ModelRunner } from '../shared/model/interface';
import { advertiseAxon, MetagraphFollower } from './chainSync';
import { nullMinerMetrics, type Handler, type MinerMetrics, type Policy } from './interface';
import { defaultMinerOptions, type MinerOptions } from './options';
import { AllowAllPolicy, MetagraphPolicy } from './policy';
import { AxonServer } from './server';

export interface MinerComponents {
  keypair: Keypair;
  handler: Handler;
  runner?: ModelRunner;
  /** absent = --no-chain: any authenticated hotkey is served */
  chain?: ChainClient;
  /** overrides the default policy (pluggable blacklist/priority) */
  policy?: Policy;
  metrics?: MinerMetrics;
  logger?: Logger;
}

export class Miner {
  readonly options: Readonly<MinerOptions>;
  readonly axon: AxonServer;
  private readonly follower?: MetagraphFollower;
  private readonly c: MinerComponents;
  private readonly log: Logger;

  constructor(components: MinerComponents, options: Partial<MinerOptions> = {}) {
    this.options = Object.freeze({ ...defaultMinerOptions, ...options });
    this.c = components;
    this.log = components.logger ?? nullLogger;
    let policy = components.policy;
    if (!policy) {
      if (components.chain) {
        const mp = new MetagraphPolicy(this.options);
        this.follower = new MetagraphFollower(components.chain, mp, this.options, this.log);
        policy = mp;
      } else policy = new AllowAllPolicy();
    }
    this.axon = new AxonServer(
      { keypair: components.keypair, handler: components.handler, policy, runner: components.runner, metrics: components.metrics ?? nullMinerMetrics, logger: this.log },
      this.options,
    );
  }

  async start(): Promise<void> {
    const chain = this.c.chain;
    const ip = this.options.externalIp ?? (this.options.host !== '0.0.0.0' && this.options.host !== '::' ? this.options.host : undefined);
    if (chain && !ip) throw new SubnetError('miner.no_external_ip', 'with a chain, --axon.external_ip is required to advertise the axon', {});
    if (this.follower) await this.follower.start();
    await this.axon.start();
    if (chain && ip) {
      const mg = this.follower?.metagraph;
      if (mg && !mg.hotkeys.includes(this.c.keypair.address)) this.log.warn('this hotkey is not registered on the subnet', { hotkey: this.c.keypair.address, netuid: this.options.netuid });
      await advertiseAxon(chain, this.c.keypair, this.options.netuid, { ip, port: this.options.externalPort ?? this.axon.port, version: this.options.axonVersion }, this.log);
    }
  }

  /** Stops accepting, drains in-flight work, closes connections, stops following the chain. */
  async stop(): Promise<void> {
    await this.axon.stop();
    await this.follower?.stop();
  }
}
