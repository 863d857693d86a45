/**
 * The miner with a chain (an in-memory ChainClient fake injected through the components bag):
 * advertises its axon with the external address, follows the metagraph on new blocks, and its
 * default policy refuses unregistered / permit-less callers until the metagraph says otherwise.
 */
import type { ChainClient, Metagraph, WriteResult } from '../../shared/chain/interface';
import { devKeypair, keysReady } from '../../shared/keys';
import { FakeModelRunner, generateInputs } from '../../shared/model';
import { protocolReady } from '../../shared/protocol';
import { Miner, modelHandler } from '../../miner';
import { ClientPool } from '../../validator/client';

jest.setTimeout(30_000);

class FakeChain {
  block = 100;
  hotkeys: string[] = [];
  permits: boolean[] = [];
  stake: bigint[] = [];
  served: { netuid: number; ip: string; port: number }[] = [];
  metagraphCalls = 0;
  private subs: ((b: number) => void)[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async subscribeBlocks(cb: (b: number) => void): Promise<() => void> {
    this.subs.push(cb);
    return () => (this.subs = this.subs.filter((s) => s !== cb));
  }
  advance(n: number): void {
    this.block += n;
    for (const s of this.subs) s(this.block);
  }
  async metagraph(netuid: number): Promise<Metagraph> {
    this.metagraphCalls++;
    return { netuid, block: this.block, n: this.hotkeys.length, hotkeys: [...this.hotkeys], validatorPermit: [...this.permits], stake: [...this.stake] } as unknown as Metagraph;
  }
  async serveAxon(_s: unknown, netuid: number, axon: { ip: string; port: number }): Promise<WriteResult> {
    this.served.push({ netuid, ip: axon.ip, port: axon.port });
    return { status: 'included', blockHash: '0x00', blockNumber: this.block, events: [] };
  }
}

beforeAll(async () => {
  await Promise.all([keysReady(), protocolReady()]);
});

it('advertises, follows the metagraph and blacklists by it', async () => {
  const chain = new FakeChain();
  const validator = devKeypair('alice');
  const runner = new FakeModelRunner();
  const miner = new Miner(
    { keypair: devKeypair('bob'), handler: modelHandler(runner), runner, chain: chain as unknown as ChainClient },
    { netuid: 7, host: '127.0.0.1', port: 0, externalIp: '10.0.0.5', syncEveryBlocks: 5, rateLimitPerSec: 0 },
  );
  await miner.start();
  const pool = new ClientPool({ keypair: validator });
  try {
    expect(chain.served).toEqual([{ netuid: 7, ip: '10.0.0.5', port: miner.axon.port }]);
    const req = { synapse: 'infer', tensors: generateInputs(1, 1) };
    // not registered: refused right after the handshake
    const r1 = await pool.request({ endpoint: miner.axon.url }, req);
    expect(r1.error?.code).toBe('protocol.blacklisted');
    expect(r1.error?.context.reason).toBe('unregistered');
    // registered without a validator permit
    chain.hotkeys = [validator.address];
    chain.permits = [false];
    chain.stake = [10n ** 12n];
    chain.advance(5);
    await new Promise((r) => setTimeout(r, 100));
    // (a refused handshake puts the target in the pool's reconnect backoff: use a fresh pool)
    const pool2 = new ClientPool({ keypair: validator });
    const r2 = await pool2.request({ endpoint: miner.axon.url }, req);
    expect(r2.error?.context.reason).toBe('no_validator_permit');
    // permit granted: the refusal above makes the miner re-read the metagraph at the very next
    // block (registrations and permits change only at blocks), not syncEveryBlocks later
    chain.permits = [true];
    const calls = chain.metagraphCalls;
    chain.advance(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(chain.metagraphCalls).toBe(calls + 1);
    // no refusal since: blocks below syncEveryBlocks do not resync; the interval does
    chain.advance(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(chain.metagraphCalls).toBe(calls + 1);
    chain.advance(4);
    await new Promise((r) => setTimeout(r, 100));
    expect(chain.metagraphCalls).toBe(calls + 2);
    await pool2.close();
    const pool3 = new ClientPool({ keypair: validator });
    const r3 = await pool3.request({ endpoint: miner.axon.url }, req);
    expect(r3.status).toBe('ok');
    await pool3.close();
  } finally {
    await pool.close();
    await miner.stop();
  }
});

it('refuses to start with a chain but no external address to advertise', async () => {
  const chain = new FakeChain();
  const runner = new FakeModelRunner();
  const miner = new Miner({ keypair: devKeypair('bob'), handler: modelHandler(runner), runner, chain: chain as unknown as ChainClient }, { host: '0.0.0.0', port: 0 });
  await expect(miner.start()).rejects.toMatchObject({ code: 'miner.no_external_ip' });
  expect(chain.served).toEqual([]);
});
