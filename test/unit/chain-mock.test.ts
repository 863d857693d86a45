/**
 * Local chain (chain-mock) pure parts: SCALE, metadata, storage keys, extrinsic parsing and
 * verification on literal bytes, and the set_weights checks in subtensor's order.
 * Expected values come from @polkadot/types / @polkadot/keyring (the client's own encoders), from
 * well-known Substrate keys, or from subtensor's source (noted per row).
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, blake2AsU8a } from '@polkadot/util-crypto';
import { u8aToHex, hexToU8a, compactStripLength } from '@polkadot/util';
import { Metadata } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata';
import { Runtime, storageKey, SPEC_VERSION, TRANSACTION_VERSION } from '../../chain-mock/runtime/metadata';
import { Writer, Reader, encode, decode, vec, u16 } from '../../chain-mock/scale';
import { State } from '../../chain-mock/state';
import { Executive, defaultRuntimeOptions, isValidIpAddress } from '../../chain-mock/runtime/executive';
import { parseExtrinsic, verifyExtrinsic, buildSignedExtrinsic, eraBirth, TxError, type VerifyContext } from '../../chain-mock/extrinsic';
import { validateGenesis, DEV_PUBLIC_KEYS } from '../../chain-mock/genesis';

let rt: Runtime;
let keyring: Keyring;
beforeAll(async () => {
  await cryptoWaitReady();
  rt = new Runtime();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
});

describe('SCALE codec', () => {
  test.each([
    ['0', 0n, '0x00'],
    ['1', 1n, '0x04'],
    ['63', 63n, '0xfc'],
    ['64', 64n, '0x0101'],
    ['16383', 16383n, '0xfdff'],
    ['16384', 16384n, '0x02000100'],
    ['2^30', 1n << 30n, '0x0300000040'],
    ['u64 max', (1n << 64n) - 1n, '0x13ffffffffffffffff'],
  ])('compact %s (SCALE spec examples)', (_n, v, hex) => {
    const w = new Writer();
    w.compact(v);
    expect(u8aToHex(w.finish())).toBe(hex);
    expect(new Reader(hexToU8a(hex)).compact()).toBe(v);
  });
  test('Vec<u16> round trip and truncated input is SCALE_DECODE', () => {
    const bytes = encode(vec(u16), [1, 65535]);
    expect(u8aToHex(bytes)).toBe('0x080100ffff');
    expect(decode(vec(u16), bytes)).toEqual([1, 65535]);
    expect(() => decode(vec(u16), bytes.subarray(0, 4))).toThrow(expect.objectContaining({ code: 'SCALE_DECODE' }));
  });
});

describe('metadata', () => {
  test('decodes with @polkadot/types; real pallet indices, call indices and error indices (subtensor 14bc6f9)', () => {
    const reg = rt.registry();
    const md = reg.metadata;
    const idx = Object.fromEntries(md.pallets.map((p) => [p.name.toString(), p.index.toNumber()]));
    expect(idx).toMatchObject({ System: 0, Timestamp: 2, Balances: 5, SubtensorModule: 7, Utility: 11, Sudo: 12, AdminUtils: 19 });
    const call = reg.createType('Call', { callIndex: [7, 0], args: { netuid: 1, dests: [0], weights: [1], version_key: 0 } });
    expect(call.section).toBe('subtensorModule');
    expect(call.method).toBe('setWeights');
    expect(call.meta.args.map((a) => `${a.name.toString()}:${a.type.toString()}`)).toEqual(['netuid:u16', 'dests:Vec<u16>', 'weights:Vec<u16>', 'versionKey:u64']);
    // dispatches.rs call indices
    const tx = expandMetadata(reg, new Metadata(reg, rt.metadata())).tx;
    expect(tx.subtensorModule.serveAxon.callIndex).toEqual(new Uint8Array([7, 4]));
    expect(tx.subtensorModule.burnedRegister.callIndex).toEqual(new Uint8Array([7, 7]));
    expect(tx.subtensorModule.registerNetwork.callIndex).toEqual(new Uint8Array([7, 59]));
    expect(tx.subtensorModule.registerNetworkWithIdentity.callIndex).toEqual(new Uint8Array([7, 79]));
    expect(tx.subtensorModule.commitWeights.callIndex).toEqual(new Uint8Array([7, 96]));
    expect(tx.adminUtils.sudoSetTempo.callIndex).toEqual(new Uint8Array([19, 30]));
    expect(tx.adminUtils.sudoSetNetworkRateLimit.callIndex).toEqual(new Uint8Array([19, 29]));
    expect(tx.balances.transferKeepAlive.callIndex).toEqual(new Uint8Array([5, 3]));
    // errors.rs declaration order
    expect(reg.findMetaError({ index: new (reg.createClass('u8'))(reg, 7), error: new (reg.createClass('u8'))(reg, 16) } as never).name).toBe('WeightVecNotEqualSize');
    expect(rt.moduleError('SubtensorModule', 'HotKeyNotRegisteredInSubNet')).toEqual({ index: 7, error: 4 });
    expect(rt.moduleError('SubtensorModule', 'CommitRevealEnabled')).toEqual({ index: 7, error: 53 });
  });

  test('storage keys equal those @polkadot/types derives from the metadata', () => {
    const reg = rt.registry();
    const q = expandMetadata(reg, new Metadata(reg, rt.metadata())).query;
    const alice = keyring.addFromUri('//Alice').publicKey;
    // the well-known System.Account key of //Alice
    expect(u8aToHex(storageKey(rt.storageItem('System', 'Account'), [alice]))).toBe(
      '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    );
    const rows: [string, string, unknown[]][] = [
      ['Weights', 'weights', [1, 0]],
      ['Keys', 'keys', [3, 7]],
      ['Uids', 'uids', [1, alice]],
      ['Axons', 'axons', [2, alice]],
      ['TotalHotkeyAlpha', 'totalHotkeyAlpha', [alice, 1]],
      ['Yuma3On', 'yuma3On', [1]],
      ['WeightCommits', 'weightCommits', [1, alice]],
      ['SubnetworkN', 'subnetworkN', [1]],
      ['NetworkRateLimit', 'networkRateLimit', []],
    ];
    for (const [name, js, args] of rows) {
      const mine = u8aToHex(storageKey(rt.storageItem('SubtensorModule', name), args));
      const theirs = u8aToHex(compactStripLength((q.subtensorModule[js] as unknown as { (...a: unknown[]): Uint8Array })(...args))[1]);
      expect([name, mine]).toEqual([name, theirs]);
    }
  });
});

describe('extrinsic verification (literal bytes from @polkadot/types)', () => {
  const genesisHash = new Uint8Array(32).fill(7);
  const birth = new Uint8Array(32).fill(9);
  const ctx = (current: number, hashes: Record<number, Uint8Array> = { 8: birth }): VerifyContext => ({
    genesisHash,
    specVersion: SPEC_VERSION,
    transactionVersion: TRANSACTION_VERSION,
    current,
    blockHash: (n) => hashes[n],
  });
  /** signs like @polkadot/api: ExtrinsicPayload → keypair.sign → Extrinsic.addSignature */
  function polkadotSigned(opts: { nonce: number; era?: { period: number; current: number }; method?: string }): Uint8Array {
    const reg = rt.registry();
    const pair = keyring.addFromUri('//Alice');
    const method = opts.method ?? reg.createType('Call', { callIndex: [7, 0], args: { netuid: 1, dests: [0, 1], weights: [1, 2], version_key: 0 } }).toHex();
    const era = opts.era ? reg.createType('ExtrinsicEra', { current: opts.era.current, period: opts.era.period }) : reg.createType('ExtrinsicEra', '0x00');
    const payload = reg.createType('ExtrinsicPayload', {
      method,
      era,
      nonce: opts.nonce,
      tip: 0,
      specVersion: SPEC_VERSION,
      transactionVersion: TRANSACTION_VERSION,
      genesisHash: u8aToHex(genesisHash),
      blockHash: u8aToHex(opts.era ? birth : genesisHash),
      mode: 0,
      metadataHash: undefined,
    }, { version: 4 });
    const sig = pair.sign(payload.toU8a({ method: true }), { withType: true });
    const xt = reg.createType('Extrinsic', reg.createType('Call', method), { version: 4 });
    xt.addSignature(pair.address, sig, payload.toHex());
    return xt.toU8a();
  }

  test('a @polkadot/types signed set_weights parses and verifies (immortal and mortal)', () => {
    const imm = parseExtrinsic(rt, polkadotSigned({ nonce: 5 }), 1 << 20);
    expect(imm.nonce).toBe(5);
    expect(imm.call).toMatchObject({ pallet: 'SubtensorModule', call: 'set_weights', args: { netuid: 1, dests: [0, 1], weights: [1, 2], version_key: 0n } });
    expect(() => verifyExtrinsic(imm, ctx(10))).not.toThrow();
    const mortal = parseExtrinsic(rt, polkadotSigned({ nonce: 0, era: { period: 4, current: 8 } }), 1 << 20);
    expect(mortal.era).toEqual({ immortal: false, period: 4, phase: 0 });
    expect(eraBirth(mortal.era, 9)).toBe(8);
    expect(() => verifyExtrinsic(mortal, ctx(9))).not.toThrow();
  });

  test('a tampered signature is 1010 bad signature', () => {
    const bytes = polkadotSigned({ nonce: 0 });
    // [len(2)] [0x84] [0x00 + 32 account] [0x01 + 64 signature]: flip a signature byte
    const t = bytes.slice();
    t[2 + 1 + 33 + 1 + 10] ^= 0xff;
    const e = catchTx(() => verifyExtrinsic(parseExtrinsic(rt, t, 1 << 20), ctx(10)));
    expect(e.kind).toBe('BadProof');
    expect(e.toRpc()).toEqual({ code: 1010, message: 'Invalid Transaction', data: 'Transaction has a bad signature' });
  });

  test('a tampered call (signature over other bytes) is 1010 bad signature', () => {
    const bytes = polkadotSigned({ nonce: 0 });
    const t = bytes.slice();
    t[t.length - 1] ^= 0x01; // version_key's last byte
    expect(catchTx(() => verifyExtrinsic(parseExtrinsic(rt, t, 1 << 20), ctx(10))).kind).toBe('BadProof');
  });

  test('an expired mortal era: the birth moves on, the signature no longer matches (as in Substrate); a pruned birth block is AncientBirthBlock', () => {
    const px = parseExtrinsic(rt, polkadotSigned({ nonce: 0, era: { period: 4, current: 8 } }), 1 << 20);
    expect(catchTx(() => verifyExtrinsic(px, ctx(13, { 8: birth, 12: new Uint8Array(32).fill(1) }))).kind).toBe('BadProof');
    const e = catchTx(() => verifyExtrinsic(px, ctx(9, {})));
    expect(e.kind).toBe('AncientBirthBlock');
    expect(e.message).toBe('1010: Invalid Transaction: Transaction has an ancient birth block');
  });

  test('malformed bytes are 1001; unsigned is 1011; oversized is ExhaustsResources', () => {
    expect(catchTx(() => parseExtrinsic(rt, hexToU8a('0x1234'), 1 << 20)).code).toBe(1001);
    const good = polkadotSigned({ nonce: 0 });
    expect(catchTx(() => parseExtrinsic(rt, good.subarray(0, good.length - 3), 1 << 20)).code).toBe(1001);
    const unsigned = hexToU8a('0x' + '0c' + '04' + '0000');
    expect(catchTx(() => parseExtrinsic(rt, unsigned, 1 << 20)).code).toBe(1011);
    const e = catchTx(() => parseExtrinsic(rt, good, 50));
    expect(e.kind).toBe('ExhaustsResources');
    expect(e.code).toBe(1010);
  });

  test('buildSignedExtrinsic (bench pre-signing) produces what the parser verifies', () => {
    const pair = keyring.addFromUri('//Bob');
    const bytes = buildSignedExtrinsic(rt, { pallet: 'SubtensorModule', call: 'set_weights', args: { netuid: 1, dests: [0], weights: [65535], version_key: 0 } }, pair, {
      nonce: 3,
      genesisHash,
      specVersion: SPEC_VERSION,
      transactionVersion: TRANSACTION_VERSION,
    });
    const px = parseExtrinsic(rt, bytes, 1 << 20);
    expect(() => verifyExtrinsic(px, ctx(10))).not.toThrow();
    // and @polkadot/types decodes it the same way
    const xt = rt.registry().createType('Extrinsic', bytes);
    expect(xt.signer.toString()).toBe(pair.address);
    expect(xt.nonce.toNumber()).toBe(3);
    expect(xt.method.method).toBe('setWeights');
  });
});

function catchTx(fn: () => unknown): TxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TxError) return e;
    throw e;
  }
  throw new Error('expected a TxError');
}

describe('set_weights checks in subtensor order (subnets/weights.rs internal_set_weights)', () => {
  let exec: Executive;
  const pk = (uri: string) => keyring.addFromUri(uri).publicKey;
  const NET = 1;
  function setup(): Executive {
    const st = new State(rt);
    const ex = new Executive(rt, st, { ...defaultRuntimeOptions }, () => {
      throw new Error('no epoch in this test');
    });
    ex.initializeBlock(1, new Uint8Array(32), 0);
    for (const uri of ['//Alice', '//Bob', '//Charlie', '//Dave']) ex.mutateFree(pk(uri), 10_000_000_000_000n);
    st.set('Sudo', 'Key', [], pk('//Alice'));
    ex.initNewNetwork(0, 100);
    const ok = (r: { success: boolean; errorName?: unknown }) => expect(r).toMatchObject({ success: true });
    ok(ex.dispatchTransactional({ kind: 'signed', who: pk('//Alice') }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: pk('//Alice//hot') } }));
    for (const [call, args] of [
      ['sudo_set_commit_reveal_weights_enabled', { netuid: NET, enabled: false }],
      ['sudo_set_max_registrations_per_block', { netuid: NET, max_registrations_per_block: 10 }],
      ['sudo_set_min_allowed_weights', { netuid: NET, min_allowed_weights: 2 }],
    ] as const)
      ok(ex.dispatchTransactional({ kind: 'root' }, { pallet: 'AdminUtils', call, args }));
    ok(ex.dispatchTransactional({ kind: 'signed', who: pk('//Bob') }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: NET, hotkey: pk('//Bob//hot') } }));
    ok(ex.dispatchTransactional({ kind: 'signed', who: pk('//Charlie') }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: NET, hotkey: pk('//Charlie//hot') } }));
    ex.initializeBlock(2, new Uint8Array(32), 0);
    return ex;
  }
  const setW = (ex: Executive, who: string, netuid: number, dests: number[], weights: number[], version_key = 0) =>
    ex.dispatchTransactional({ kind: 'signed', who: pk(who) }, { pallet: 'SubtensorModule', call: 'set_weights', args: { netuid, dests, weights, version_key } });

  beforeEach(() => {
    exec = setup();
  });

  // Each row also violates later checks, so only the first failing check may answer.
  test.each<[string, (ex: Executive) => void, string, number, number[], number[], number, string]>([
    ['commit-reveal on (dispatch-level, before everything)', (ex) => ex.state.set('SubtensorModule', 'CommitRevealWeightsEnabled', [NET], true), '//Dave//hot', NET, [0, 1], [1], 0, 'CommitRevealEnabled'],
    ['root netuid', (ex) => ex.state.set('SubtensorModule', 'CommitRevealWeightsEnabled', [0], false), '//Dave//hot', 0, [0, 1], [1], 0, 'CanNotSetRootNetworkWeights'],
    ['unequal lengths (also unregistered)', () => {}, '//Dave//hot', NET, [0, 1], [1], 0, 'WeightVecNotEqualSize'],
    ['subnet missing (also unregistered)', (ex) => ex.state.set('SubtensorModule', 'CommitRevealWeightsEnabled', [9], false), '//Dave//hot', 9, [0], [1], 0, 'MechanismDoesNotExist'],
    ['more uids than neurons (also unregistered)', () => {}, '//Dave//hot', NET, [0, 1, 2, 3], [1, 1, 1, 1], 0, 'UidsLengthExceedUidsInSubNet'],
    ['unregistered hotkey (also duplicate uids)', () => {}, '//Dave//hot', NET, [1, 1], [1, 1], 0, 'HotKeyNotRegisteredInSubNet'],
    ['stake below StakeThreshold (also bad version key)', (ex) => {
      ex.state.set('SubtensorModule', 'StakeThreshold', [], 1000);
      ex.state.set('SubtensorModule', 'WeightsVersionKey', [NET], 5);
    }, '//Bob//hot', NET, [1, 1], [1, 1], 0, 'NotEnoughStakeToSetWeights'],
    ['version key below WeightsVersionKey (also too fast)', (ex) => ex.state.set('SubtensorModule', 'WeightsVersionKey', [NET], 5), '//Bob//hot', NET, [1, 1], [1, 1], 4, 'IncorrectWeightVersionKey'],
    ['rate limit (LastUpdate = registration block 1, limit 100; also no permit)', () => {}, '//Bob//hot', NET, [1, 1], [1, 1], 0, 'SettingWeightsTooFast'],
    ['no validator permit (also duplicates)', (ex) => ex.state.set('SubtensorModule', 'WeightsSetRateLimit', [NET], 0), '//Bob//hot', NET, [0, 0], [1, 1], 0, 'NeuronNoValidatorPermit'],
    ['duplicate uids (also invalid uid)', (ex) => ex.state.set('SubtensorModule', 'WeightsSetRateLimit', [NET], 0), '//Alice//hot', NET, [2, 2], [1, 1], 0, 'DuplicateUids'],
    ['uid that does not exist (also too short)', (ex) => ex.state.set('SubtensorModule', 'WeightsSetRateLimit', [NET], 0), '//Alice//hot', NET, [5], [1], 0, 'UidVecContainInvalidOne'],
    ['fewer weights than min(MinAllowedWeights=2, n)', (ex) => ex.state.set('SubtensorModule', 'WeightsSetRateLimit', [NET], 0), '//Alice//hot', NET, [1], [1], 0, 'WeightVecLengthIsLow'],
  ])('%s → %s', (_name, prep, who, netuid, dests, weights, vk, expected) => {
    prep(exec);
    const r = setW(exec, who, netuid, dests, weights, vk);
    expect(r.success).toBe(false);
    expect(r.errorName).toEqual({ pallet: 'SubtensorModule', name: expected });
  });

  test('success: stored max-upscaled in the caller order, LastUpdate set, WeightsSet emitted; a failure leaves no trace', () => {
    exec.state.set('SubtensorModule', 'WeightsSetRateLimit', [NET], 0);
    const bad = setW(exec, '//Alice//hot', NET, [2, 2], [1, 1]);
    expect(bad.success).toBe(false);
    const r = setW(exec, '//Alice//hot', NET, [2, 0, 1], [25535, 10000, 30000]);
    expect(r.success).toBe(true);
    // max-upscale as in chain-notes §2 (the real runtime read back [[0,21845],[1,65535],[2,55781]])
    expect(exec.state.get('SubtensorModule', 'Weights', NET, 0)).toEqual([[2, 55781], [0, 21845], [1, 65535]]);
    expect(exec.state.get<number[]>('SubtensorModule', 'LastUpdate', NET)[0]).toBe(2);
    expect(exec.events.map((e) => `${e.event.pallet}.${e.event.name}`)).toContain('SubtensorModule.WeightsSet');
    // a single self-weight needs no validator permit and passes the length check (check_validator_permit, check_length)
    expect(setW(exec, '//Bob//hot', NET, [1], [7]).success).toBe(true);
    expect(exec.state.get('SubtensorModule', 'Weights', NET, 1)).toEqual([[1, 65535]]);
  });

  test('commit hash is BlakeTwo256 of SCALE (who, netuid_index, uids, values, salt, version_key) (weights.rs get_commit_hash)', () => {
    const reg = rt.registry();
    const who = pk('//Alice');
    const enc = reg.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [who, 3, [0, 1], [10, 20], [7, 8, 9], 42]).toU8a();
    expect(u8aToHex(Executive.commitHash(who, 3, [0, 1], [10, 20], [7, 8, 9], 42))).toBe(u8aToHex(blake2AsU8a(enc, 256)));
  });
});

describe('serve_axon ip validation (serving.rs is_valid_ip_address)', () => {
  test.each([
    [4, 0x01020304n, false, true],
    [4, 0x7f000001n, false, false],
    [4, 0x7f000001n, true, true],
    [4, 0xffffffffn, false, false],
    [6, 1n, false, false],
    [6, 1n, true, true],
    [6, (1n << 128n) - 1n, true, false],
  ])('type %d ip %s loopback-allowed %s → %s', (t, ip, allow, ok) => {
    expect(isValidIpAddress(t, ip, allow)).toBe(ok);
  });
});

describe('genesis validation', () => {
  test('the built-in dev public keys are the //Name derivations (@polkadot/keyring)', () => {
    for (const [uri, hex] of Object.entries(DEV_PUBLIC_KEYS)) expect([uri, u8aToHex(keyring.addFromUri(uri).publicKey)]).toEqual([uri, '0x' + hex]);
  });
  test.each([
    ['not an object', [], /JSON object/],
    ['unknown field', { foo: 1 }, /unknown field "foo"/],
    ['negative balance', { accounts: [{ account: '//Alice', balance: -1 }] }, /non-negative integer/],
    ['unknown hyperparameter', { subnets: [{ owner: '//Alice', ownerHotkey: '//Bob', hyperparameters: { Nope: 1 } }] }, /unknown hyperparameter/],
  ])('%s is CHAIN_GENESIS_INVALID', (_n, g, re) => {
    expect(() => validateGenesis(g)).toThrow(expect.objectContaining({ code: 'CHAIN_GENESIS_INVALID', message: expect.stringMatching(re) }));
  });
});

describe('state: transactional layers and reads at older blocks', () => {
  test('rollback restores values; sealed blocks answer getRawAt; history is bounded', () => {
    const st = new State(rt, 3);
    const k = st.key('SubtensorModule', 'Tempo', [1]);
    st.set('SubtensorModule', 'Tempo', [1], 10);
    st.sealBlock(1);
    st.begin();
    st.set('SubtensorModule', 'Tempo', [1], 20);
    st.rollback();
    expect(st.get('SubtensorModule', 'Tempo', 1)).toBe(10);
    st.begin();
    st.set('SubtensorModule', 'Tempo', [1], 30);
    st.commit();
    st.sealBlock(2);
    st.remove('SubtensorModule', 'Tempo', 1);
    st.sealBlock(3);
    expect(st.get('SubtensorModule', 'Tempo', 1)).toBe(360); // the storage default once removed
    expect(st.getRawAt(k, 1, 3).value).toEqual(encode(u16, 10));
    expect(st.getRawAt(k, 2, 3).value).toEqual(encode(u16, 30));
    expect(st.getRawAt(k, 3, 3).value).toBeUndefined();
    expect(st.keysWithPrefix(st.item('SubtensorModule', 'Tempo').prefixHex, 2, 3)).toEqual([k]);
    expect(st.keysWithPrefix(st.item('SubtensorModule', 'Tempo').prefixHex, 3, 3)).toEqual([]);
    for (let b = 4; b <= 8; b++) st.sealBlock(b);
    expect(st.getRawAt(k, 1, 8).known).toBe(false);
  });
});

describe('registration when the subnet is full, stake, epochs (Executive)', () => {
  const pk = (uri: string) => keyring.addFromUri(uri).publicKey;
  test('a full subnet replaces the non-immune neuron with the lowest emission and clears it (clear_neuron)', () => {
    const st = new State(rt);
    const ex = new Executive(rt, st, { ...defaultRuntimeOptions, minNonImmuneUids: 0 });
    ex.initializeBlock(1, new Uint8Array(32), 0);
    const alice = pk('//Alice');
    ex.mutateFree(alice, 10n ** 16n);
    ex.initNewNetwork(0, 100);
    const ok = (r: { success: boolean; errorName?: unknown }) => expect(r).toMatchObject({ success: true });
    ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: pk('//A//owner') } }));
    for (const [k, v] of [['MaxAllowedUids', 3], ['ImmunityPeriod', 0], ['MaxRegistrationsPerBlock', 10], ['TargetRegistrationsPerInterval', 10], ['WeightsSetRateLimit', 0], ['CommitRevealWeightsEnabled', false], ['MaxAllowedValidators', 3]] as const)
      st.set('SubtensorModule', k, [1], v);
    ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: 1, hotkey: pk('//A//n1') } }));
    ok(ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: 1, hotkey: pk('//A//n2') } }));
    st.set('SubtensorModule', 'Emission', [1], [0n, 5n, 1n]);
    // the owner (uid 0) weights uid 2, which will be replaced
    ok(ex.dispatchTransactional({ kind: 'signed', who: pk('//A//owner') }, { pallet: 'SubtensorModule', call: 'set_weights', args: { netuid: 1, dests: [1, 2], weights: [1, 2], version_key: 0n } }));
    ex.initializeBlock(2, new Uint8Array(32), 0);
    const r = ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid: 1, hotkey: pk('//A//n3') } });
    ok(r);
    expect(st.get('SubtensorModule', 'SubnetworkN', 1)).toBe(3);
    expect(u8aToHex(st.get('SubtensorModule', 'Keys', 1, 2))).toBe(u8aToHex(pk('//A//n3')));
    expect(st.get('SubtensorModule', 'Uids', 1, pk('//A//n2'))).toBeNull();
    expect(st.get('SubtensorModule', 'BlockAtRegistration', 1, 2)).toBe(2);
    // [1, 2] max-upscaled is [32768, 65535] (shared/weights vecU16MaxUpscaleToU16); the weight to the replaced uid is zeroed
    expect(st.get('SubtensorModule', 'Weights', 1, 0)).toEqual([[1, 32768], [2, 0]]);
    expect(ex.events.find((e) => e.event.name === 'NeuronRegistered')?.event.values).toEqual([1, 2, pk('//A//n3')]);
  });

  test('add_stake / remove_stake move balance 1:1 into alpha; errors by name', () => {
    const st = new State(rt);
    const ex = new Executive(rt, st, { ...defaultRuntimeOptions });
    ex.initializeBlock(1, new Uint8Array(32), 0);
    const alice = pk('//Alice');
    ex.mutateFree(alice, 10n ** 16n);
    ex.initNewNetwork(0, 100);
    ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: pk('//A//owner') } });
    const free0 = ex.free(alice);
    const add = (amount: bigint, hot = pk('//A//owner')) => ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'add_stake', args: { hotkey: hot, netuid: 1, amount_staked: amount } });
    expect(add(5_000_000_000n).success).toBe(true);
    expect(ex.free(alice)).toBe(free0 - 5_000_000_000n);
    expect(st.get('SubtensorModule', 'TotalHotkeyAlpha', pk('//A//owner'), 1)).toBe(5_000_000_000n);
    expect(add(1n).errorName?.name).toBe('AmountTooLow');
    expect(add(10n ** 18n).errorName?.name).toBe('NotEnoughBalanceToStake');
    expect(add(5_000_000_000n, pk('//Nobody')).errorName?.name).toBe('HotKeyAccountNotExists');
    const rm = (amount: bigint) => ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'remove_stake', args: { hotkey: pk('//A//owner'), netuid: 1, amount_unstaked: amount } });
    expect(rm(6_000_000_000n).errorName?.name).toBe('NotEnoughStakeToWithdraw');
    expect(rm(2_000_000_000n).success).toBe(true);
    expect(st.get('SubtensorModule', 'TotalHotkeyAlpha', pk('//A//owner'), 1)).toBe(3_000_000_000n);
  });

  test('the epoch input is read from storage as subtensor reads it, and outputs land in storage', () => {
    const st = new State(rt);
    let seen: any = null;
    const ex = new Executive(rt, st, { ...defaultRuntimeOptions, blockEmission: 1000n }, (input) => {
      seen = input;
      const n = input.n;
      const z = Array(n).fill(0);
      return { active: Array(n).fill(true), rank: z, trust: z, consensus: z.map((_, i) => i + 1), incentive: z.map((_, i) => 10 * i), dividends: z, validator_trust: z, pruning_scores: z, server_emission: z, validator_emission: z, bonds: z.map(() => []), emission: z.map((_, i) => (i === 0 ? 700 : 0)), stake_weight: z, new_validator_permit: Array(n).fill(true) };
    });
    ex.initializeBlock(1, new Uint8Array(32), 0);
    const alice = pk('//Alice');
    ex.mutateFree(alice, 10n ** 16n);
    ex.initNewNetwork(0, 100);
    ex.dispatchTransactional({ kind: 'signed', who: alice }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: pk('//A//owner') } });
    st.set('SubtensorModule', 'Kappa', [1], 1234);
    st.set('SubtensorModule', 'Tempo', [1], 5);
    // subtensor's blocks_until_next_epoch == 0: (block + netuid + 1) % (tempo + 1) == tempo
    // → block 3 runs the epoch of netuid 1 (3 + 2 = 5), in on_initialize
    for (let b = 2; b <= 3; b++) ex.initializeBlock(b, new Uint8Array(32), 0);
    expect(ex.lastEpochs).toEqual([1]);
    expect(seen).toMatchObject({ n: 1, current_block: 3, kappa_u16: 1234, tempo: 5, yuma3: true, owner_uid: 0, rao_emission: 2000, validator_permit: [false], commit_reveal: { commit_block: [null] } });
    expect(st.get('SubtensorModule', 'Consensus', 1)).toEqual([1]);
    expect(st.get('SubtensorModule', 'ValidatorPermit', 1)).toEqual([true]);
    expect(st.get('SubtensorModule', 'Emission', 1)).toEqual([700n]);
    expect(st.get('SubtensorModule', 'TotalHotkeyAlpha', pk('//A//owner'), 1)).toBe(700n);
    expect(st.get('SubtensorModule', 'LastMechansimStepBlock', 1)).toBe(3);
  });
});

describe('pool nonces on literal bytes (LocalChain, manual mode, no sockets)', () => {
  test('stale → 1010 outdated; same nonce → 1014; same bytes → 1013; a gap → future, promoted when filled', async () => {
    const { LocalChain } = await import('../../chain-mock/chain');
    const { resolveOptions } = await import('../../chain-mock/options');
    const chain = new LocalChain(resolveOptions({ blockMode: 'manual' }));
    await chain.init();
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const tx = (nonce: number, value = 1000n) =>
      buildSignedExtrinsic(rt, { pallet: 'Balances', call: 'transfer_keep_alive', args: { dest: { tag: 'Id', values: [bob.publicKey] }, value } }, alice, {
        nonce,
        genesisHash: chain.genesisHash,
        specVersion: SPEC_VERSION,
        transactionVersion: TRANSACTION_VERSION,
      });
    const statuses: [string, unknown][] = [];
    const first = tx(0);
    expect(chain.submit(first, (s) => statuses.push(['n0', s])).status).toBe('ready');
    expect(chain.submit(tx(2), (s) => statuses.push(['n2', s])).status).toBe('future');
    expect(catchTx(() => chain.submit(tx(0, 7n))).code).toBe(1014);
    expect(catchTx(() => chain.submit(first)).code).toBe(1013); // the very same bytes again
    expect(chain.accountNextIndex(alice.publicKey)).toBe(1);
    chain.newBlocks(1);
    expect(chain.exec.account(alice.publicKey).nonce).toBe(1);
    const stale = catchTx(() => chain.submit(tx(0, 5n)));
    expect(stale.message).toBe('1010: Invalid Transaction: Transaction is outdated');
    expect(chain.submit(tx(1), (s) => statuses.push(['n1', s])).status).toBe('ready');
    expect(statuses).toContainEqual(['n2', 'ready']); // promoted once nonce 1 is in the pool
    chain.newBlocks(1);
    expect(chain.exec.account(alice.publicKey).nonce).toBe(3);
    expect(statuses.filter(([, s]) => typeof s === 'object').length).toBe(6); // inBlock + finalized × 3
    chain.stop();
  });
});
