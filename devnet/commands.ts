/**
 * Pure: the command lines of the devnet's child processes (the project's own CLI:
 * `subnet miner …`, `subnet validator …`), and the genesis spec of the local chain.
 */
import type { DevnetOptions, MinerKind } from './options';

export interface MinerLaunch {
  name: string;
  kind: MinerKind;
  walletsDir: string;
  port: number;
  model: string;
  handler?: string;
}

export interface ValidatorLaunch {
  name: string;
  walletsDir: string;
  db: string;
  model: string;
  scorer: string;
}

export function minerArgs(cli: string, chainUrl: string, netuid: number, m: MinerLaunch): string[] {
  const args = [
    cli,
    'miner',
    '--netuid', String(netuid),
    '--wallet.name', m.name,
    '--wallet.hotkey', 'default',
    '--wallet.path', m.walletsDir,
    '--axon.port', String(m.port),
    '--axon.ip', '127.0.0.1',
    '--axon.external_ip', '127.0.0.1',
    '--chain', chainUrl,
    '--model', m.model,
  ];
  if (m.handler) args.push('--handler', m.handler);
  return args;
}

export function validatorArgs(cli: string, chainUrl: string, o: DevnetOptions, v: ValidatorLaunch): string[] {
  return [
    cli,
    'validator',
    '--netuid', String(o.netuid),
    '--wallet.name', v.name,
    '--wallet.hotkey', 'default',
    '--wallet.path', v.walletsDir,
    '--chain', chainUrl,
    '--model', v.model,
    '--scorer', v.scorer,
    '--sample-size', String(o.validator.sample_size),
    '--timeout', String(o.validator.timeout_ms),
    '--alpha', String(o.validator.alpha),
    '--step-ms', String(o.validator.step_ms),
    '--db', v.db,
  ];
}

export interface GenesisNeuronSpec {
  coldkey: string;
  hotkey: string;
  stake?: string;
  axon?: { ip: string; port: number };
}

/** Subnet hyperparameters for a fast local subnet, by subtensor storage name. */
export function subnetHyperparameters(o: DevnetOptions): Record<string, number | boolean> {
  const h: Record<string, number | boolean> = {
    Tempo: o.subnet.tempo,
    WeightsSetRateLimit: o.subnet.weights_rate_limit,
    CommitRevealWeightsEnabled: false,
    MinAllowedWeights: 1,
    ServingRateLimit: 0,
    MaxRegistrationsPerBlock: 256,
    TargetRegistrationsPerInterval: 256,
    ImmunityPeriod: 5000,
  };
  if (o.subnet.kappa !== undefined) h.Kappa = o.subnet.kappa;
  if (o.subnet.activity_cutoff !== undefined) h.ActivityCutoff = o.subnet.activity_cutoff;
  if (o.subnet.bonds_moving_average !== undefined) h.BondsMovingAverage = o.subnet.bonds_moving_average;
  if (o.subnet.yuma3 !== undefined) h.Yuma3On = o.subnet.yuma3;
  if (o.subnet.max_allowed_validators !== undefined) h.MaxAllowedValidators = o.subnet.max_allowed_validators;
  return h;
}

/**
 * The genesis: one subnet owned by the first validator (its hotkey is uid 0, registered by
 * register_network), every other neuron registered in block 0 with its stake and its axon (so
 * validators see every miner from the first block), every coldkey funded.
 * The owner's stake cannot be added in genesis (it is registered by register_network): the
 * devnet adds it with one add_stake right after start.
 */
export function genesisSpec(
  o: DevnetOptions,
  owner: { coldkey: string; hotkey: string },
  neurons: GenesisNeuronSpec[],
  fundRao: bigint,
): Record<string, unknown> {
  const coldkeys = [owner.coldkey, ...neurons.map((n) => n.coldkey)];
  return {
    comment: 'written by subnet devnet',
    devAccounts: true,
    networkRateLimit: 0,
    accounts: coldkeys.map((c) => ({ account: c, balance: fundRao.toString() })),
    subnets: [
      {
        owner: owner.coldkey,
        ownerHotkey: owner.hotkey,
        hyperparameters: subnetHyperparameters(o),
        neurons: neurons.map((n) => ({ coldkey: n.coldkey, hotkey: n.hotkey, ...(n.stake ? { stake: n.stake } : {}), ...(n.axon ? { axon: n.axon } : {}) })),
      },
    ],
  };
}
