/**
 * Chain client figures:
 *  - metagraph sync of a 256-uid subnet from the local chain (target < 100 ms), with and without
 *    the weights rows;
 *  - set_weights latency (submit → finalized) on the local chain (instant mode), 256 weights;
 *  - with `--runtime SPEC` (or SUBTENSOR_CHAIN_SPEC): set_weights latency and metagraph sync on
 *    subtensor's runtime under chopsticks.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { summarize, type BenchModule, type BenchOptions } from './harness';
import { SubstrateChainClient } from '../shared/chain';

const TAO = 1_000_000_000n;

async function localFigures(opts: BenchOptions): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startLocalChain } = require('../chain-mock') as typeof import('../chain-mock');
  const n = 256;
  const neurons = Array.from({ length: n - 1 }, (_, i) => ({
    coldkey: '//Alice',
    hotkey: `//Bench//hot${i + 1}`,
    stake: (1000n * TAO).toString(),
    axon: { ip: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 8000 + i },
  }));
  const t0 = performance.now();
  const chain = await startLocalChain({
    port: 0,
    blockMode: 'instant',
    genesis: {
      networkRateLimit: 0,
      subnets: [
        {
          owner: '//Alice',
          ownerHotkey: '//Bench//hot0',
          hyperparameters: { MaxAllowedUids: 256, Tempo: 2, CommitRevealWeightsEnabled: false, WeightsSetRateLimit: 0, MinAllowedWeights: 1, MaxAllowedValidators: 256, TargetRegistrationsPerInterval: 1000, MaxRegistrationsPerBlock: 1000 },
          neurons,
        },
      ],
    },
  });
  opts.log(`local chain with ${n} uids up in ${(performance.now() - t0).toFixed(0)} ms`);
  const client = new SubstrateChainClient({ endpoint: chain.url });
  try {
    await client.start();
    const netuid = (await client.netuids()).find((x) => x !== 0)!;
    await client.send('dev_newBlock', [{ count: 4 }]); // an epoch: validator permits
    const runs = opts.quick ? 5 : 30;
    const mg = await client.metagraph(netuid, { weights: true });
    if (mg.n !== n) throw new Error(`expected ${n} uids, got ${mg.n}`);
    const plain: number[] = [];
    const withWeights: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await client.metagraph(netuid);
      plain.push(performance.now() - t);
      t = performance.now();
      await client.metagraph(netuid, { weights: true });
      withWeights.push(performance.now() - t);
    }
    await cryptoWaitReady();
    const hot0 = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bench//hot0');
    const uids = Array.from({ length: n }, (_, i) => i);
    const latencies: number[] = [];
    const writes = opts.quick ? 10 : 50;
    for (let i = 0; i < writes; i++) {
      const weights = uids.map((u) => 1 + ((u * 7919 + i) % 65535));
      const t = performance.now();
      const r = await client.setWeights(hot0, netuid, uids, weights, 0);
      latencies.push(performance.now() - t);
      if (r.status !== 'included') throw new Error(`set_weights: ${JSON.stringify(r)}`);
    }
    return {
      uids: n,
      metagraph_sync: summarize(plain),
      metagraph_sync_with_weights: summarize(withWeights),
      set_weights_latency_256: summarize(latencies),
    };
  } finally {
    await client.stop();
    await chain.close();
  }
}

async function runtimeFigures(spec: string, opts: BenchOptions): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startRuntimeChain } = require('../chain-runtime') as typeof import('../chain-runtime');
  const t0 = performance.now();
  const chain = await startRuntimeChain({ spec, port: 0 });
  const startMs = performance.now() - t0;
  opts.log(`runtime ${chain.specName} ${chain.specVersion} up in ${startMs.toFixed(0)} ms (genesis ${chain.genesisMs} ms)`);
  const client = new SubstrateChainClient({ endpoint: chain.url });
  try {
    await client.start();
    await cryptoWaitReady();
    const kr = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) => kr.addFromUri(u));
    await client.sudoSetNetworkRateLimit(alice!, 0);
    const reg = await client.registerNetwork(alice!, dave!.address);
    const netuid = reg.netuid!;
    await client.sudoSetHyperparameters(alice!, netuid, { tempo: 2, weightsSetRateLimit: 0, minAllowedWeights: 1, targetRegistrationsPerInterval: 100, maxRegistrationsPerBlock: 100 });
    await client.burnedRegister(bob!, netuid, eve!.address);
    await client.burnedRegister(charlie!, netuid, ferdie!.address);
    await client.send('dev_newBlock', [{ count: 3 }]);
    const sync: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
      const t = performance.now();
      await client.metagraph(netuid, { weights: true });
      sync.push(performance.now() - t);
    }
    const latencies: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
      const t = performance.now();
      const r = await client.setWeights(dave!, netuid, [0, 1, 2], [100 + i, 200, 300], 0);
      latencies.push(performance.now() - t);
      if (r.status !== 'included') throw new Error(`set_weights: ${JSON.stringify(r)}`);
    }
    return { spec: `${chain.specName} ${chain.specVersion}`, start_ms: Math.round(startMs), genesis_ms: chain.genesisMs, uids: 3, metagraph_sync: summarize(sync), set_weights_latency: summarize(latencies) };
  } finally {
    await client.stop();
    await chain.close();
  }
}

export const bench: BenchModule = {
  name: 'chain-client',
  description: 'chain client: metagraph sync (256 uids) and set_weights latency on the local chain; on the real runtime with --runtime SPEC',
  async run(opts) {
    const i = opts.args.indexOf('--runtime');
    const spec = i >= 0 ? opts.args[i + 1] : process.env.SUBTENSOR_CHAIN_SPEC;
    const out: Record<string, unknown> = { local: await localFigures(opts) };
    if (spec) out.runtime = await runtimeFigures(spec, opts);
    else opts.log('runtime figures skipped: pass --runtime SPEC or set SUBTENSOR_CHAIN_SPEC');
    return out;
  },
};
