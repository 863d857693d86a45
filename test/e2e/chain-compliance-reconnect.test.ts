/**
 * The client across a dropped socket, on the local chain (manual block mode + SQLite, so the chain
 * can be stopped with a write pending and restarted on the same port with its state):
 *  - a write whose watch is cut before inclusion is re-signed and resubmitted after the reconnect,
 *    and ends `included` exactly once (the nonce shows it was applied once);
 *  - a write that WAS included while the socket dropped is found in the blocks (same nonce kept, so
 *    it can never be applied twice) and reported `included`;
 *  - a write while the chain is down waits for the reconnect (bounded) instead of failing at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SubstrateChainClient } from '../../shared/chain';
import { MemoryLogger } from '../../shared/logger';
import { waitFor } from './chain-compliance.shared';

type Running = { url: string; port: number; close(): Promise<void>; newBlocks(n?: number): number };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startLocalChain } = require('../../chain-mock') as { startLocalChain: (o: Record<string, unknown>) => Promise<Running> };

const TAO = 1_000_000_000n;

describe('chain client: writes across a dropped socket (local chain)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chain-reconnect-'));
  const dbPath = join(dir, 'chain.db');
  let chain: Running;
  let client: SubstrateChainClient;
  const logger = new MemoryLogger();

  beforeAll(async () => {
    await cryptoWaitReady();
    chain = await startLocalChain({ port: 0, blockMode: 'manual', dbPath });
    client = new SubstrateChainClient({ endpoint: chain.url, backoffBaseMs: 50, backoffMaxMs: 300, connectTimeoutMs: 8_000, submitTimeoutMs: 20_000 }, { logger });
    await client.start();
  }, 30_000);

  afterAll(async () => {
    await client?.stop();
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 1900));
  }, 30_000);

  test('a pending write is resubmitted after the chain restarts and is applied once', async () => {
    const kr = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const alice = kr.addFromUri('//Alice');
    const dest = kr.addFromUri('//ReconnectDest').address;
    const nonceBefore = Number((await client.api.rpc.system.accountNextIndex(alice.address)).toString());
    const pending = client.transfer(alice, dest, TAO);
    // the tx sits in the manual-mode pool; drop the chain under it
    await new Promise((r) => setTimeout(r, 300));
    await chain.close();
    chain = await startLocalChain({ port: chain.port, blockMode: 'instant', dbPath });
    const r = await pending;
    expect(r.status).toBe('included');
    expect(await client.balance(dest)).toBe(TAO);
    const nonceAfter = Number((await client.api.rpc.system.accountNextIndex(alice.address)).toString());
    expect(nonceAfter).toBe(nonceBefore + 1);
    expect(logger.records.some((x) => x.msg === 'chain write: transport failure')).toBe(true);
  }, 60_000);

  test('a write included while the socket drops is found in the blocks, not resubmitted', async () => {
    const kr = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const charlie = kr.addFromUri('//Charlie');
    const dest = kr.addFromUri('//ReconnectDest3').address;
    const port = chain.port;
    await chain.close();
    chain = await startLocalChain({ port, blockMode: 'manual', dbPath });
    await waitFor(() => client.isConnected, 10_000);
    const nonceBefore = Number((await client.api.rpc.system.accountNextIndex(charlie.address)).toString());
    const mark = logger.records.length;
    const pending = client.transfer(charlie, dest, TAO);
    await new Promise((r) => setTimeout(r, 300));
    // seal the block and drop every socket in the same tick: the client never sees the status
    chain.newBlocks(1);
    const closing = chain.close();
    await closing;
    chain = await startLocalChain({ port, blockMode: 'instant', dbPath });
    const r = await pending;
expect(r.status).toBe('included');
    expect(await client.balance(dest)).toBe(TAO);
    const nonceAfter = Number((await client.api.rpc.system.accountNextIndex(charlie.address)).toString());
    expect(nonceAfter).toBe(nonceBefore + 1);
    expect(logger.records.slice(mark).some((x) => x.msg === 'chain write: transport failure')).toBe(true);
  }, 60_000);

  test('a write issued while the chain is down completes once it is back', async () => {
    const kr = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const bob = kr.addFromUri('//Bob');
    const dest = kr.addFromUri('//ReconnectDest2').address;
    const port = chain.port;
    await chain.close();
    await waitFor(() => !client.isConnected, 5_000);
    const pending = client.transfer(bob, dest, TAO);
    await new Promise((r) => setTimeout(r, 500));
    chain = await startLocalChain({ port, blockMode: 'instant', dbPath });
    const r = await pending;
    expect(r.status).toBe('included');
    expect(await client.balance(dest)).toBe(TAO);
  }, 60_000);

  test('after stop() every call is CHAIN_NOT_STARTED', async () => {
    const c = new SubstrateChainClient({ endpoint: chain.url });
    await c.start();
    await c.stop();
    await expect(c.currentBlock()).rejects.toMatchObject({ code: 'CHAIN_NOT_STARTED' });
    const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
    await expect(c.transfer(alice, alice.address, 1n)).rejects.toMatchObject({ code: 'CHAIN_NOT_STARTED' });
  }, 30_000);
});
