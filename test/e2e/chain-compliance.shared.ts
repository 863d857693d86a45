/**
 * The chain interface's behaviour, written ONCE. `defineChainCompliance(target)` defines the jest
 * tests; chain-compliance.test.ts runs them against the local chain (always) and against
 * subtensor's runtime under chopsticks (when SUBTENSOR_CHAIN_SPEC is set). Where the two disagree
 * the real runtime is right: expected error names here come from subtensor's source
 * (pallets/subtensor/src/subnets/weights.rs, serving.rs) and were checked on spec 218.
 *
 * The tests of one target run in order and share one chain (a subnet is built step by step).
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { SubstrateChainClient, weightsCommitHash, type WriteResult } from '../../shared/chain';

export interface ChainUnderTest {
  url: string;
  close(): Promise<void>;
}

export interface ComplianceTarget {
  name: string;
  /** starts a fresh chain (instant block mode, dev genesis: //Alice sudo, dev accounts funded) */
  start(): Promise<ChainUnderTest>;
  /** restarts the chain on the same URL; `keepsState` when it persists (local chain with --db) */
  restart?: { keepsState: boolean; run(prev: ChainUnderTest): Promise<ChainUnderTest> };
  /** a public IPv4 the runtime accepts for serve_axon (127.0.0.1 is rejected by subtensor) */
  publicIp?: string;
  /** jest timeout per test */
  timeoutMs?: number;
}

const TAO = 1_000_000_000n;

export function expectIncluded(r: WriteResult): asserts r is Extract<WriteResult, { status: 'included' }> {
  if (r.status !== 'included') throw new Error(`expected included, got ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
}

export function expectRejected(r: WriteResult, error: string | RegExp): void {
  if (r.status !== 'rejected') throw new Error(`expected rejected ${String(error)}, got ${JSON.stringify(r)}`);
  if (typeof error === 'string') expect(r.error).toBe(error);
  else expect(r.error).toMatch(error);
}

function eventNames(r: WriteResult): string[] {
  return r.status === 'included' ? r.events.map((e) => `${e.section}.${e.method}`) : [];
}

export function defineChainCompliance(target: ComplianceTarget): void {
  const T = target.timeoutMs ?? 60_000;
  const publicIp = target.publicIp ?? '1.2.3.4';
  describe(`chain compliance: ${target.name}`, () => {
    let chain: ChainUnderTest;
    let client: SubstrateChainClient;
    let keyring: Keyring;
    let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair;
    let dave: KeyringPair, eve: KeyringPair, ferdie: KeyringPair;
    let netuid = -1;
    const newBlocks = (count: number) => client.send('dev_newBlock', [{ count }]);

    beforeAll(async () => {
      await cryptoWaitReady();
      keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
      [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) => keyring.addFromUri(u));
      chain = await target.start();
      client = new SubstrateChainClient({ endpoint: chain.url, submitTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
      await client.start();
    }, 120_000);

    afterAll(async () => {
      await client?.stop();
      await chain?.close();
      // polkadot-js ends its delayed (1.75 s) rxjs unsubscribe after disconnect; let it run out
      await new Promise((r) => setTimeout(r, 1900));
    }, 30_000);

    test('several writes in a row from one account (concurrently) are all included: nonces do not collide', async () => {
      const amount = 1_000n * TAO;
      const before = await Promise.all([dave, eve, ferdie].map((k) => client.balance(k.address)));
      const results = await Promise.all([dave, eve, ferdie].map((k) => client.transfer(alice, k.address, amount)));
      results.forEach((r) => expectIncluded(r));
      expect(eventNames(results[0]!)).toContain('balances.Transfer');
      const after = await Promise.all([dave, eve, ferdie].map((k) => client.balance(k.address)));
      after.forEach((b, i) => expect(b - before[i]!).toBe(amount));
      // and sequentially
      expectIncluded(await client.transfer(alice, dave.address, TAO));
      expectIncluded(await client.transfer(alice, dave.address, TAO));
    }, T);

    test('sudo: network rate limit; a non-sudo signer is rejected with RequireSudo', async () => {
      expectIncluded(await client.sudoSetNetworkRateLimit(alice, 0));
      expectRejected(await client.sudoSetNetworkRateLimit(bob, 0), 'RequireSudo');
    }, T);

    test('register_network: NetworkAdded gives the netuid; the owner hotkey is uid 0', async () => {
      const r = await client.registerNetwork(alice, dave.address);
      expectIncluded(r);
      expect(eventNames(r)).toContain('subtensorModule.NetworkAdded');
      expect(typeof r.netuid).toBe('number');
      netuid = r.netuid!;
      expect(await client.subnetExists(netuid)).toBe(true);
      expect(await client.netuids()).toContain(netuid);
      expect(await client.uidOf(netuid, dave.address)).toBe(0);
    }, T);

    test('sudo hyperparameters (one batch) read back through hyperparameters()', async () => {
      const r = await client.sudoSetHyperparameters(alice, netuid, {
        tempo: 3,
        weightsSetRateLimit: 0,
        targetRegistrationsPerInterval: 100,
        maxRegistrationsPerBlock: 100,
        commitRevealWeightsEnabled: false,
        minAllowedWeights: 1,
        activityCutoff: 5000,
        kappa: 32767,
      });
      expectIncluded(r);
      const hp = await client.hyperparameters(netuid);
      expect(hp).toMatchObject({ tempo: 3, weightsSetRateLimit: 0, targetRegistrationsPerInterval: 100, maxRegistrationsPerBlock: 100, commitRevealWeightsEnabled: false, minAllowedWeights: 1, activityCutoff: 5000, kappa: 32767 });
      expect(typeof hp.maxAllowedUids).toBe('number');
      expectRejected(await client.sudoSetHyperparameters(bob, netuid, { tempo: 5 }), 'RequireSudo');
    }, T);

    test('burned_register: two neurons get uids 1 and 2; an unknown netuid is rejected', async () => {
      expectIncluded(await client.burnedRegister(bob, netuid, eve.address));
      expectIncluded(await client.burnedRegister(charlie, netuid, ferdie.address));
      expect(await client.uidOf(netuid, eve.address)).toBe(1);
      expect(await client.uidOf(netuid, ferdie.address)).toBe(2);
      expect(await client.uidOf(netuid, bob.address)).toBeNull();
      const bad = await client.burnedRegister(bob, 999, charlie.address);
      expect(bad.status).toBe('rejected');
    }, T);

    test('add_stake: stake shows in the metagraph', async () => {
      const r = await client.addStake(alice, dave.address, netuid, 100n * TAO);
      expectIncluded(r);
      expect(eventNames(r)).toContain('subtensorModule.StakeAdded');
      // every neuron staked, so validator permits do not depend on is_topk (spec 218) vs is_topk_nonzero (newer).
      // (On spec 218 with a dev genesis the fresh subnet's pool is empty: StakeAdded reports 0 alpha, so only
      // the owner's registration alpha shows; the amounts are runtime economics, not asserted here.)
      expectIncluded(await client.addStake(bob, eve.address, netuid, 10n * TAO));
      expectIncluded(await client.addStake(charlie, ferdie.address, netuid, 10n * TAO));
      const mg = await client.metagraph(netuid);
      expect(mg.stake[0]!).toBeGreaterThan(0n);
      expect(mg.stake[0]!).toBeGreaterThanOrEqual(mg.stake[1]!);
    }, T);

    test('serve_axon: a public IP is stored and read back; 127.0.0.1 is rejected (InvalidIpAddress)', async () => {
      const r = await client.serveAxon(eve, netuid, { version: 1, ip: publicIp, port: 8091, protocol: 4 });
      expectIncluded(r);
      expect(eventNames(r)).toContain('subtensorModule.AxonServed');
      const mg = await client.metagraph(netuid);
      expect(mg.axons[1]).toMatchObject({ ipString: publicIp, port: 8091, ipType: 4, version: 1 });
      expectRejected(await client.serveAxon(ferdie, netuid, { version: 1, ip: '127.0.0.1', port: 8091 }), 'InvalidIpAddress');
    }, T);

    test('epochs grant validator permits (dev_newBlock)', async () => {
      await newBlocks(5);
      const mg = await client.metagraph(netuid);
      expect(mg.validatorPermit).toEqual([true, true, true]);
    }, T);

    test('set_weights: included with WeightsSet; Weights read back max-upscaled', async () => {
      const r = await client.setWeights(dave, netuid, [0, 1, 2], [10000, 30000, 25535], 0);
      expectIncluded(r);
      expect(eventNames(r)).toContain('subtensorModule.WeightsSet');
      const mg = await client.metagraph(netuid, { weights: true });
      expect(mg.weights![0]).toEqual([[0, 21845], [1, 65535], [2, 55781]]);
      expect(mg.lastUpdate[0]).toBe(r.blockNumber);
    }, T);

    test('set_weights rejections carry subtensor error names', async () => {
      // unregistered hotkey (a funded coldkey that has no uid)
      expectRejected(await client.setWeights(bob, netuid, [0], [65535], 0), 'HotKeyNotRegisteredInSubNet');
      // duplicate uids
      expectRejected(await client.setWeights(dave, netuid, [1, 1], [100, 100], 0), 'DuplicateUids');
      // unequal lengths
      expectRejected(await client.setWeights(dave, netuid, [0, 1], [100], 0), 'WeightVecNotEqualSize');
      // uid out of range
      expectRejected(await client.setWeights(dave, netuid, [0, 7], [100, 100], 0), 'UidVecContainInvalidOne');
      // too fast
      expectIncluded(await client.sudoSetHyperparameters(alice, netuid, { weightsSetRateLimit: 100 }));
      expectRejected(await client.setWeights(dave, netuid, [0, 1], [100, 100], 0), 'SettingWeightsTooFast');
      expectIncluded(await client.sudoSetHyperparameters(alice, netuid, { weightsSetRateLimit: 0 }));
    }, T);

    test('commit/reveal (hash-based CRv2): set_weights is refused, reveal too early is refused, reveal in the next epoch applies', async () => {
      expectIncluded(await client.sudoSetHyperparameters(alice, netuid, { commitRevealWeightsEnabled: true }));
      expectRejected(await client.setWeights(dave, netuid, [0, 1], [100, 100], 0), 'CommitRevealEnabled');
      const uids = [0, 1, 2];
      const values = [100, 200, 300];
      const salt = Array.from(randomAsU8a(8)).map((b) => b * 7);
      const hash = weightsCommitHash(dave.address, netuid, uids, values, salt, 0);
      // subtensor: epoch(b) = (b + netuid + 1) / (tempo + 1); a reveal is allowed only in epoch(commit) + 1.
      // Instant mode: the commit lands in head+1, the first reveal in head+2 — keep both in one epoch.
      const tempo = (await client.hyperparameters(netuid)).tempo;
      const epochOf = (b: number) => Math.floor((b + netuid + 1) / (tempo + 1));
      for (let head = await client.currentBlock(); epochOf(head + 1) !== epochOf(head + 2); head = await client.currentBlock()) await newBlocks(1);
      expectIncluded(await client.commitWeights(dave, netuid, hash));
      expectRejected(await client.revealWeights(dave, netuid, uids, values, salt, 0), 'RevealTooEarly');
      // each failed reveal is included (ExtrinsicFailed), i.e. one block per attempt: the next epoch is reached in <= tempo + 1
      let last: WriteResult | undefined;
      for (let i = 0; i < tempo + 2; i++) {
        last = await client.revealWeights(dave, netuid, uids, values, salt, 0);
        if (!(last.status === 'rejected' && last.error === 'RevealTooEarly')) break;
      }
      expectIncluded(last!);
      const mg = await client.metagraph(netuid, { weights: true });
      expect(mg.weights![0]).toEqual([[0, 21845], [1, 43690], [2, 65535]]);
      // a reveal that matches no commit
      expectRejected(await client.revealWeights(dave, netuid, uids, [1, 2, 3], salt, 0), /NoWeightsCommitFound|InvalidRevealCommitHashNotMatch/);
      expectIncluded(await client.sudoSetHyperparameters(alice, netuid, { commitRevealWeightsEnabled: false }));
    }, T * 2);

    test('metagraph read-back is one consistent snapshot of the subnet', async () => {
      const mg = await client.metagraph(netuid, { weights: true, bonds: true });
      expect(mg.netuid).toBe(netuid);
      expect(mg.n).toBe(3);
      expect(mg.hotkeys).toEqual([dave.address, eve.address, ferdie.address]);
      expect(mg.coldkeys).toEqual([alice.address, bob.address, charlie.address]);
      expect(mg.block).toBeGreaterThan(0);
      expect(mg.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
      for (const k of ['validatorPermit', 'active', 'lastUpdate', 'blockAtRegistration', 'consensus', 'incentive', 'dividends', 'validatorTrust', 'emission', 'stake', 'axons'] as const) {
        expect(mg[k]).toHaveLength(3);
      }
      expect(mg.axons[0]).toBeNull();
      expect(mg.blockAtRegistration[1]).toBeGreaterThan(0);
      expect(mg.weights).toHaveLength(3);
      expect(mg.bonds).toHaveLength(3);
      expect(mg.hyperparameters.tempo).toBe(3);
      await expect(client.metagraph(999)).rejects.toMatchObject({ code: 'CHAIN_UNKNOWN_NETUID' });
      await expect(client.hyperparameters(999)).rejects.toMatchObject({ code: 'CHAIN_UNKNOWN_NETUID' });
      await expect(client.uidOf(999, dave.address)).rejects.toMatchObject({ code: 'CHAIN_UNKNOWN_NETUID' });
    }, T);

    test('block subscription sees new blocks in order; unsubscribe stops it', async () => {
      const seen: number[] = [];
      const unsub = await client.subscribeBlocks((n) => seen.push(n));
      const start = await client.currentBlock();
      await newBlocks(2);
      await waitFor(() => seen.some((n) => n >= start + 2), 10_000);
      unsub();
      const count = seen.length;
      await newBlocks(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.length).toBe(count);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    }, T);

    test('an aborted write throws an AbortError and sends nothing', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(client.setWeights(dave, netuid, [0], [1], 0, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    }, T);

    test('a write against a stopped chain ends as failed (bounded), reads are CHAIN_UNREACHABLE', async () => {
      const other = await target.start();
      const c = new SubstrateChainClient({ endpoint: other.url, connectTimeoutMs: 30_000, disconnectedWaitMs: 800, retries: 1, backoffBaseMs: 50, backoffMaxMs: 200 });
      await c.start();
      await other.close();
      const t0 = Date.now();
      const r = await c.transfer(alice, bob.address, TAO);
      expect(r.status).toBe('failed');
      expect(Date.now() - t0).toBeLessThan(15_000);
      await expect(c.currentBlock()).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE' });
      await c.stop();
      const fresh = new SubstrateChainClient({ endpoint: other.url, connectTimeoutMs: 800 });
      await expect(fresh.start()).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE' });
      await fresh.stop();
    }, T);

    const restartTest = target.restart ? test : test.skip;
    restartTest('reconnect after the chain restarts: reads, writes and the block subscription resume', async () => {
      const seen: number[] = [];
      const unsub = await client.subscribeBlocks((n) => seen.push(n));
      chain = await target.restart!.run(chain);
      await waitFor(() => client.isConnected, 20_000);
      const head = await client.currentBlock();
      if (target.restart!.keepsState) expect(await client.subnetExists(netuid)).toBe(true);
      expectIncluded(await client.transfer(alice, bob.address, TAO));
      await waitFor(() => seen.some((n) => n > head), 10_000);
      unsub();
    }, T * 2);
  });
}

export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
