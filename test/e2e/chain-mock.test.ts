/**
 * The local chain end to end: `subnet chain` as a real process driven by an unmodified
 * @polkadot/api (ApiPromise + WsProvider + Keyring signing), waiting for `finalized` on every
 * write (the acceptance flow), plus raw JSON-RPC abuse, pool rejections, persistence across a
 * restart, genesis files and block modes. Loopback only; every process/socket is closed.
 */
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import WebSocket from 'ws';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli';
import { startLocalChain, type RunningLocalChain } from '../../chain-mock';

jest.setTimeout(120_000);

const TAO = 1_000_000_000n;
const dir = mkdtempSync(join(tmpdir(), 'chain-mock-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let keyring: Keyring;
let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair, dave: KeyringPair, eve: KeyringPair, ferdie: KeyringPair;
beforeAll(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) => keyring.addFromUri(u));
});

/** storage queries without generated augmentation: plain codecs, typed loosely */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Q = (a: ApiPromise): any => a.query;

async function connect(url: string): Promise<{ api: ApiPromise; provider: WsProvider; close(): Promise<void> }> {
  const provider = new WsProvider(url, 1000);
  const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  return {
    api,
    provider,
    async close() {
      await api.disconnect();
    },
  };
}

interface Outcome {
  ok: boolean;
  error?: string;
  events: string[];
  data: Record<string, unknown[]>;
  blockHash: string;
}

/** signAndSend, resolving on `finalized` (rejecting on Invalid/Dropped), with the pallet error name. */
function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, who: KeyringPair): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no finalized within 20 s')), 20_000);
    tx.signAndSend(who, (r) => {
      if (r.status.isInvalid || r.status.isDropped || r.status.isUsurped) {
        clearTimeout(timer);
        reject(new Error(`status ${r.status.type}`));
      }
      if (!r.status.isFinalized) return;
      clearTimeout(timer);
      const events = r.events.map((e) => `${e.event.section}.${e.event.method}`);
      const data = Object.fromEntries(r.events.map((e) => [`${e.event.section}.${e.event.method}`, e.event.data.toJSON() as unknown[]]));
      let error: string | undefined;
      if (r.dispatchError) error = r.dispatchError.isModule ? api.registry.findMetaError(r.dispatchError.asModule).name : r.dispatchError.type;
      const sudid = r.events.find((e) => e.event.section === 'sudo' && e.event.method === 'Sudid');
      if (!error && sudid) {
        const res = (sudid.event.data as unknown as { sudoResult: { isErr: boolean; asErr: { isModule: boolean; asModule: never; type: string } } }).sudoResult;
        if (res.isErr) error = res.asErr.isModule ? api.registry.findMetaError(res.asErr.asModule).name : res.asErr.type;
      }
      resolve({ ok: !error, error, events, data, blockHash: r.status.asFinalized.toHex() });
    }).catch((e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function rawRpc(url: string): { call(payload: string | Buffer, binary?: boolean): Promise<any>; close(): void; ws: WebSocket; opened: Promise<void> } {
  const ws = new WebSocket(url);
  const queue: ((m: any) => void)[] = [];
  ws.on('message', (d) => queue.shift()?.(JSON.parse(d.toString())));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    opened,
    async call(payload, binary = false) {
      await opened;
      return new Promise((resolve) => {
        queue.push(resolve);
        ws.send(payload, { binary });
      });
    },
    close: () => ws.close(),
  };
}

describe('subnet chain (process) driven by @polkadot/api: the acceptance flow', () => {
  let child: ReturnType<typeof spawnCli>;
  let conn: Awaited<ReturnType<typeof connect>>;
  let api: ApiPromise;
  let url: string;
  let netuid: number;

  beforeAll(async () => {
    const port = await freePort();
    child = spawnCli(['chain', '--port', String(port), '--block-mode', 'instant', '--log-level', 'warn']);
    const line = await waitForOutput(child, /chain listening on ws:\/\/127\.0\.0\.1:\d+/, 20_000);
    url = line.replace('chain listening on ', '');
    conn = await connect(url);
    api = conn.api;
  });
  afterAll(async () => {
    await conn?.close();
    if (child) await stopChild(child);
  });

  test('chain properties and the runtime as @polkadot/api sees it', async () => {
    expect(api.runtimeVersion.specName.toString()).toBe('node-subtensor');
    const props = await api.rpc.system.properties();
    expect(props.ss58Format.unwrap().toNumber()).toBe(42);
    expect(props.tokenDecimals.unwrap()[0].toNumber()).toBe(9);
    expect(props.tokenSymbol.unwrap()[0].toString()).toBe('TAO');
    expect(api.tx.subtensorModule.setWeights.meta.args.map((a) => a.type.toString())).toEqual(['u16', 'Vec<u16>', 'Vec<u16>', 'u64']);
    expect(api.tx.subtensorModule.serveAxon.meta.args.map((a) => a.name.toString())).toEqual(['netuid', 'version', 'ip', 'port', 'ipType', 'protocol', 'placeholder1', 'placeholder2']);
    // storage defaults decode: an account that does not exist reads as AccountInfo::default()
    const nobody = keyring.addFromUri('//Nobody//at//all');
    const acc = await Q(api).system.account(nobody.address);
    expect(acc.nonce.toNumber()).toBe(0);
    expect(acc.data.free.toBigInt()).toBe(0n);
    expect((await Q(api).subtensorModule.tempo(999)).toNumber()).toBe(360);
    expect((await Q(api).subtensorModule.uids(999, nobody.address)).isNone).toBe(true);
  });

  test('transfer, sudo hyperparameters, register_network (NetworkAdded gives the netuid), start_call', async () => {
    const before = (await Q(api).system.account(dave.address)).data.free.toBigInt();
    expect((await send(api, api.tx.balances.transferKeepAlive(dave.address, 5n * TAO), alice)).ok).toBe(true);
    expect((await Q(api).system.account(dave.address)).data.free.toBigInt() - before).toBe(5n * TAO);
    expect((await send(api, api.tx.sudo.sudo(api.tx.adminUtils.sudoSetNetworkRateLimit(0)), alice)).ok).toBe(true);
    // a non-sudo signer
    const notSudo = await send(api, api.tx.sudo.sudo(api.tx.adminUtils.sudoSetNetworkRateLimit(0)), bob);
    expect(notSudo.error).toBe('RequireSudo');
    const reg = await send(api, api.tx.subtensorModule.registerNetwork(dave.address), alice);
    expect(reg.ok).toBe(true);
    netuid = Number(reg.data['subtensorModule.NetworkAdded'][0]);
    expect(netuid).toBeGreaterThan(0);
    expect((await Q(api).subtensorModule.subnetworkN(netuid)).toNumber()).toBe(1);
    expect((await send(api, api.tx.subtensorModule.startCall(netuid), alice)).ok).toBe(true);
    for (const tx of [
      api.tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 0),
      api.tx.adminUtils.sudoSetTempo(netuid, 3),
      api.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(netuid, false),
      api.tx.adminUtils.sudoSetTargetRegistrationsPerInterval(netuid, 100),
      api.tx.adminUtils.sudoSetMaxRegistrationsPerBlock(netuid, 100),
    ]) {
      const r = await send(api, api.tx.sudo.sudo(tx), alice);
      expect([tx.method.method, r.ok]).toEqual([tx.method.method, true]);
    }
    expect((await Q(api).subtensorModule.tempo(netuid)).toNumber()).toBe(3);
  });

  test('burned_register, add_stake, serve_axon (loopback rejected by default)', async () => {
    expect((await send(api, api.tx.subtensorModule.burnedRegister(netuid, eve.address), bob)).ok).toBe(true);
    expect((await send(api, api.tx.subtensorModule.burnedRegister(netuid, ferdie.address), charlie)).ok).toBe(true);
    expect((await Q(api).subtensorModule.subnetworkN(netuid)).toNumber()).toBe(3);
    expect((await Q(api).subtensorModule.keys(netuid, 1)).toString()).toBe(eve.address);
    const again = await send(api, api.tx.subtensorModule.burnedRegister(netuid, eve.address), bob);
    expect(again.error).toBe('HotKeyAlreadyRegisteredInSubNet');
    const st = await send(api, api.tx.subtensorModule.addStake(dave.address, netuid, 100n * TAO), alice);
    expect(st.events).toContain('subtensorModule.StakeAdded');
    expect((await Q(api).subtensorModule.totalHotkeyAlpha(dave.address, netuid)).toString()).toBe(String(100n * TAO));
    const ax = await send(api, api.tx.subtensorModule.serveAxon(netuid, 1, 16909060, 8091, 4, 0, 0, 0), eve);
    expect(ax.events).toContain('subtensorModule.AxonServed');
    const axon = (await Q(api).subtensorModule.axons(netuid, eve.address)).toJSON() as Record<string, unknown>;
    expect(axon).toMatchObject({ version: 1, ip: 16909060, port: 8091, ipType: 4 });
    const lo = await send(api, api.tx.subtensorModule.serveAxon(netuid, 1, 0x7f000001, 8091, 4, 0, 0, 0), ferdie);
    expect(lo.error).toBe('InvalidIpAddress');
  });

  test('set_weights: ok (max-upscaled), too fast, unregistered, duplicate uids, unequal lengths', async () => {
    const ok = await send(api, api.tx.subtensorModule.setWeights(netuid, [0, 1, 2], [10000, 30000, 25535], 0), dave);
    expect(ok.events).toContain('subtensorModule.WeightsSet');
    expect((await Q(api).subtensorModule.weights(netuid, 0)).toJSON()).toEqual([[0, 21845], [1, 65535], [2, 55781]]);
    expect((await send(api, api.tx.subtensorModule.setWeights(netuid, [0], [1], 0), bob)).error).toBe('HotKeyNotRegisteredInSubNet');
    expect((await send(api, api.tx.subtensorModule.setWeights(netuid, [1, 1], [1, 1], 0), dave)).error).toBe('DuplicateUids');
    expect((await send(api, api.tx.subtensorModule.setWeights(netuid, [0, 1], [1], 0), dave)).error).toBe('WeightVecNotEqualSize');
    expect((await send(api, api.tx.sudo.sudo(api.tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 100)), alice)).ok).toBe(true);
    expect((await send(api, api.tx.subtensorModule.setWeights(netuid, [0, 1], [1, 1], 0), dave)).error).toBe('SettingWeightsTooFast');
    expect((await send(api, api.tx.sudo.sudo(api.tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 0)), alice)).ok).toBe(true);
  });

  test('dev_newBlock runs epochs: Incentive, Dividends, permits, emission added to stake; new heads subscription', async () => {
    const heads: number[] = [];
    const unsub = await api.rpc.chain.subscribeNewHeads((h) => {
      heads.push(h.number.toNumber());
    });
    const stakeBefore = (await Q(api).subtensorModule.totalHotkeyAlpha(dave.address, netuid)).toBigInt();
    const start = (await api.rpc.chain.getHeader()).number.toNumber();
    const hash = await api.rpc('dev_newBlock' as never, { count: 8 } as never);
    expect(String(hash)).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await api.rpc.chain.getHeader()).number.toNumber()).toBe(start + 8);
    const incentive = (await Q(api).subtensorModule.incentive(netuid)).toJSON() as number[];
    const dividends = (await Q(api).subtensorModule.dividends(netuid)).toJSON() as number[];
    expect(incentive).toHaveLength(3);
    expect(incentive.reduce((a, b) => a + b, 0)).toBeGreaterThan(60000);
    expect(dividends[0]).toBeGreaterThan(0);
    // the staked owner has a permit (is_topk_nonzero: the others only once emissions gave them stake)
    expect(((await Q(api).subtensorModule.validatorPermit(netuid)).toJSON() as boolean[])[0]).toBe(true);
    expect((await Q(api).subtensorModule.totalHotkeyAlpha(dave.address, netuid)).toBigInt()).toBeGreaterThan(stakeBefore);
    await new Promise((r) => setTimeout(r, 200));
    unsub();
    expect(heads.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < heads.length; i++) expect(heads[i]).toBe(heads[i - 1] + 1);
  });

  test('commit/reveal: set_weights refused while CR is on, early reveal refused, reveal in the next epoch applies', async () => {
    expect((await send(api, api.tx.sudo.sudo(api.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(netuid, true)), alice)).ok).toBe(true);
    expect((await send(api, api.tx.subtensorModule.setWeights(netuid, [0, 1], [1, 1], 0), dave)).error).toBe('CommitRevealEnabled');
    const uids = [0, 1, 2];
    const values = [100, 200, 300];
    const salt = [1, 2, 3, 4];
    const enc = api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [dave.address, netuid, uids, values, salt, 7]).toU8a();
    const { blake2AsU8a } = await import('@polkadot/util-crypto');
    // keep the reveal off an epoch boundary: the next block must not start a new epoch
    const tempo = 3;
    const next = () => api.rpc.chain.getHeader().then((h) => h.number.toNumber() + 1);
    while (((await next()) + netuid + 1) % (tempo + 1) === 0 || ((await next()) + 1 + netuid + 1) % (tempo + 1) === 0) await api.rpc('dev_newBlock' as never, { count: 1 } as never);
    expect((await send(api, api.tx.subtensorModule.commitWeights(netuid, u8aToHex(blake2AsU8a(enc, 256))), dave)).events).toContain('subtensorModule.WeightsCommitted');
    expect((await send(api, api.tx.subtensorModule.revealWeights(netuid, uids, values, salt, 7), dave)).error).toBe('RevealTooEarly');
    await api.rpc('dev_newBlock' as never, { count: tempo + 1 } as never);
    let r = await send(api, api.tx.subtensorModule.revealWeights(netuid, uids, values, salt, 7), dave);
    for (let i = 0; i < 4 && r.error === 'RevealTooEarly'; i++) {
      await api.rpc('dev_newBlock' as never, { count: 1 } as never);
      r = await send(api, api.tx.subtensorModule.revealWeights(netuid, uids, values, salt, 7), dave);
    }
    expect(r.events).toContain('subtensorModule.WeightsRevealed');
    expect((await Q(api).subtensorModule.weights(netuid, 0)).toJSON()).toEqual([[0, 21845], [1, 43690], [2, 65535]]);
    expect((await send(api, api.tx.subtensorModule.revealWeights(netuid, uids, values, salt, 7), dave)).error).toBe('NoWeightsCommitFound');
  });

  test('pool: a stale nonce is 1010 outdated, a tampered signature is 1010 bad signature; the chain stays up', async () => {
    const nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    const stale = await api.tx.balances.transferKeepAlive(bob.address, 1n).signAsync(alice, { nonce: nonce - 1 });
    await expect(api.rpc.author.submitExtrinsic(stale)).rejects.toThrow('1010: Invalid Transaction: Transaction is outdated');
    const good = await api.tx.balances.transferKeepAlive(bob.address, 1n).signAsync(alice, { nonce });
    const bytes = good.toU8a();
    // [compact len: 2 bytes][0x84][0x00 + 32-byte signer][0x01 + 64-byte signature]
    bytes[2 + 1 + 33 + 1 + 5] ^= 0xff;
    const raw = rawRpc(url);
    const res = await raw.call(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'author_submitExtrinsic', params: [u8aToHex(bytes)] }));
    raw.close();
    expect(res.error.code).toBe(1010);
    expect(res.error.data).toBe('Transaction has a bad signature');
    expect((await api.rpc.system.health()).isSyncing.isFalse).toBe(true);
  });
});

describe('raw JSON-RPC abuse: errors, never a crash', () => {
  let chain: RunningLocalChain;
  beforeAll(async () => {
    chain = await startLocalChain({ port: 0, blockMode: 'manual', maxRequestBytes: 4096, maxConnections: 3 });
  });
  afterAll(async () => chain?.close());

  test.each([
    ['bad JSON', '{"jsonrpc":"2.0",', -32700],
    ['not an object', '42', -32600],
    ['missing method', '{"jsonrpc":"2.0","id":1}', -32600],
    ['unknown method', '{"jsonrpc":"2.0","id":1,"method":"nope_nope","params":[]}', -32601],
    ['params not an array', '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":"x"}', -32602],
    ['bad block hash', '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":["0x12"]}', -32602],
    ['bad storage key', '{"jsonrpc":"2.0","id":1,"method":"state_getStorage","params":["zz"]}', -32602],
    ['keysPaged count too large', '{"jsonrpc":"2.0","id":1,"method":"state_getKeysPaged","params":["0x",100000]}', -32602],
    ['garbage extrinsic', '{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["0x1234"]}', 1001],
    ['dev_newBlock bad count', '{"jsonrpc":"2.0","id":1,"method":"dev_newBlock","params":[{"count":-1}]}', -32602],
    ['unknown block at', `{"jsonrpc":"2.0","id":1,"method":"state_getStorage","params":["0x00","0x${'ab'.repeat(32)}"]}`, 4003],
    ['empty batch', '[]', -32600],
  ])('%s → error %s', async (_name, payload, code) => {
    const c = rawRpc(chain.url);
    const res = await c.call(payload);
    c.close();
    expect(res.error.code).toBe(code);
  });

  test('binary frames, oversized requests, batches; connection limit closes with 4008; still serving after all of it', async () => {
    const c = rawRpc(chain.url);
    expect((await c.call(Buffer.from([1, 2, 3]), true)).error.code).toBe(-32600);
    expect((await c.call(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_name', params: ['x'.repeat(5000)] }))).error.code).toBe(-32007);
    const batch = await c.call(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'system_name' }, { jsonrpc: '2.0', id: 2, method: 'nope' }]));
    expect(batch.map((r: { id: number; result?: unknown; error?: { code: number } }) => [r.id, r.result ?? r.error!.code])).toEqual([[1, 'subnet-chain-mock'], [2, -32601]]);
    const extra = [rawRpc(chain.url), rawRpc(chain.url)];
    await Promise.all(extra.map((e) => e.opened));
    const fourth = new WebSocket(chain.url);
    const code = await new Promise<number>((resolve) => fourth.on('close', (cc) => resolve(cc)));
    expect(code).toBe(4008);
    extra.forEach((e) => e.close());
    const h = await c.call(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'chain_getHeader', params: [] }));
    expect(h.result.number).toBe('0x0');
    c.close();
  });

  test('manual mode makes no block by itself; dev_newBlock makes them', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(chain.chain.best.number).toBe(0);
    const c = rawRpc(chain.url);
    const res = await c.call(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'dev_newBlock', params: [{ count: 3 }] }));
    c.close();
    expect(res.result).toBe(chain.chain.best.hashHex);
    expect(chain.chain.best.number).toBe(3);
  });
});

describe('persistence, genesis files, block modes (CLI)', () => {
  test('a restarted chain (--db) keeps its subnets and continues its block numbers', async () => {
    const db = join(dir, 'persist.db');
    const port = await freePort();
    const start = async () => {
      const child = spawnCli(['chain', '--port', String(port), '--block-mode', 'instant', '--db', db, '--log-level', 'warn']);
      await waitForOutput(child, /chain listening on/, 20_000);
      return child;
    };
    let child = await start();
    let conn = await connect(`ws://127.0.0.1:${port}`);
    const genesis = conn.api.genesisHash.toHex();
    await send(conn.api, conn.api.tx.sudo.sudo(conn.api.tx.adminUtils.sudoSetNetworkRateLimit(0)), alice);
    const reg = await send(conn.api, conn.api.tx.subtensorModule.registerNetwork(bob.address), alice);
    const netuid = Number(reg.data['subtensorModule.NetworkAdded'][0]);
    const head = (await conn.api.rpc.chain.getHeader()).number.toNumber();
    await conn.close();
    await stopChild(child);

    child = await start();
    conn = await connect(`ws://127.0.0.1:${port}`);
    expect(conn.api.genesisHash.toHex()).toBe(genesis);
    expect((await conn.api.rpc.chain.getHeader()).number.toNumber()).toBe(head);
    expect((await Q(conn.api).subtensorModule.networksAdded(netuid)).isTrue).toBe(true);
    expect((await Q(conn.api).subtensorModule.keys(netuid, 0)).toString()).toBe(bob.address);
    // the nonce carried over: a new write is accepted and makes block head + 1
    const r = await send(conn.api, conn.api.tx.balances.transferKeepAlive(charlie.address, TAO), alice);
    expect(r.ok).toBe(true);
    expect((await conn.api.rpc.chain.getHeader()).number.toNumber()).toBe(head + 1);
    await conn.close();
    await stopChild(child);
  });

  test('a corrupt or foreign --db file is a clear error, and the file is left as it was', async () => {
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database at all');
    const r1 = await runCli(['chain', '--port', '0', '--db', corrupt], { timeoutMs: 20_000 });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/CHAIN_DB_CORRUPT/);
    const foreign = join(dir, 'foreign.db');
    const d = new Database(foreign);
    d.exec('CREATE TABLE people (name TEXT)');
    d.close();
    const r2 = await runCli(['chain', '--port', '0', '--db', foreign], { timeoutMs: 20_000 });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/CHAIN_DB_FOREIGN/);
    const again = new Database(foreign);
    expect(again.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all()).toEqual([{ name: 'people' }]);
    again.close();
  });

  test('bad options and a bad genesis file are one-line errors', async () => {
    const r = await runCli(['chain', '--block-mode', 'sometimes'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--block-mode/);
    const r3 = await runCli(['chain', '--runtime', join(dir, 'no-such-spec.json'), '--port', '0'], { timeoutMs: 20_000 });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/^subnet: .*runtime/im);
    const r4 = await runCli(['chain', '--runtime', 'x.json', '--db', 'y.db'], { timeoutMs: 20_000 });
    expect(r4.code).toBe(2);
    const g = join(dir, 'bad-genesis.json');
    writeFileSync(g, '{"subnets": [{"owner": "//Alice"}]}');
    const r2 = await runCli(['chain', '--port', '0', '--genesis', g], { timeoutMs: 20_000 });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/CHAIN_GENESIS_INVALID/);
  });

  test('a genesis file creates a subnet with staked, served neurons; interval mode makes blocks by itself', async () => {
    const g = join(dir, 'genesis.json');
    writeFileSync(
      g,
      JSON.stringify({
        networkRateLimit: 0,
        subnets: [
          {
            owner: '//Alice',
            ownerHotkey: '//Alice//hot',
            hyperparameters: { Tempo: 5, WeightsSetRateLimit: 0, CommitRevealWeightsEnabled: false },
            neurons: [
              { coldkey: '//Bob', hotkey: '//Bob//hot', stake: '5000000000', axon: { ip: '10.0.0.2', port: 9000 } },
              { coldkey: '//Charlie', hotkey: '//Charlie//hot' },
            ],
          },
        ],
      }),
    );
    const port = await freePort();
    const child = spawnCli(['chain', '--port', String(port), '--genesis', g, '--block-mode', 'interval', '--block-ms', '50', '--log-level', 'warn']);
    try {
      await waitForOutput(child, /chain listening on/, 20_000);
      const conn = await connect(`ws://127.0.0.1:${port}`);
      const api = conn.api;
      expect((await Q(api).subtensorModule.subnetworkN(1)).toNumber()).toBe(3);
      expect((await Q(api).subtensorModule.keys(1, 1)).toString()).toBe(keyring.addFromUri('//Bob//hot').address);
      // 5 TAO staked at genesis, plus whatever epochs emitted since (interval mode runs on its own)
      expect((await Q(api).subtensorModule.totalHotkeyAlpha(keyring.addFromUri('//Bob//hot').address, 1)).toBigInt()).toBeGreaterThanOrEqual(5_000_000_000n);
      expect((await Q(api).subtensorModule.axons(1, keyring.addFromUri('//Bob//hot').address)).toJSON()).toMatchObject({ port: 9000, ipType: 4 });
      expect((await Q(api).subtensorModule.tempo(1)).toNumber()).toBe(5);
      const h0 = (await api.rpc.chain.getHeader()).number.toNumber();
      await new Promise((r) => setTimeout(r, 600));
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBeGreaterThan(h0 + 2);
      await conn.close();
    } finally {
      await stopChild(child);
    }
  });
});
