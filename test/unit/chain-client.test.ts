/**
 * Pure parts of the chain client: axon IP codec, CRv2 commit preimage/hash, hyperparameters
 * JSON codec and sudo call mapping, backoff, pool-error classification.
 */
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import {
  adminCallsFor,
  backoffDelay,
  classifyPoolError,
  commitPreimage,
  defaultHyperparameters,
  hyperparamsFromJSON,
  hyperparamsToJSON,
  intToIp,
  ipToInt,
  isTransportMessage,
  weightsCommitHash,
} from '../../shared/chain';

beforeAll(() => cryptoWaitReady());

describe('axon ip codec (u128 + ip_type, as subtensor stores it)', () => {
  test.each([
    // [name, ip, u128, type] — 1.2.3.4 = 16909060 is the value from chain-notes §2 (accepted by spec 218)
    ['dotted v4', '1.2.3.4', 16909060n, 4],
    ['v4 zero', '0.0.0.0', 0n, 4],
    ['v4 max', '255.255.255.255', 4294967295n, 4],
    ['v6 loopback', '::1', 1n, 6],
    ['v6 full', '2001:db8:0:0:0:0:0:1', 0x20010db8000000000000000000000001n, 6],
    ['v6 mapped v4', '::ffff:1.2.3.4', 0xffff01020304n, 6],
  ] as const)('%s', (_name, ip, n, t) => {
    expect(ipToInt(ip)).toEqual({ ip: n, ipType: t });
  });
  test('formats back (compressed v6)', () => {
    expect(intToIp(16909060n, 4)).toBe('1.2.3.4');
    expect(intToIp(0x20010db8000000000000000000000001n, 6)).toBe('2001:db8::1');
    expect(intToIp(1n, 6)).toBe('::1');
    expect(intToIp(0n, 6)).toBe('::');
  });
  test.each(['1.2.3', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '1::2::3', 'hello', '', '1:2:3:4:5:6:7:8:9'])('rejects %j with CHAIN_BAD_INPUT', (ip) => {
    expect(() => ipToInt(ip)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
  });
  test('unknown ip_type is CHAIN_BAD_INPUT', () => {
    expect(() => intToIp(1n, 5)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
  });
});

describe('CRv2 commit hash = blake2_256(SCALE(who, netuid, uids, values, salt, version_key))', () => {
  // Alice's public key (sr25519 //Alice)
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  const alicePk = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
  test('preimage bytes, field by field (literal)', () => {
    const pre = commitPreimage(alice, 2, [0, 1], [65535, 1], [7], 3n);
    expect(u8aToHex(pre)).toBe(
      alicePk +
        '0200' + // u16 netuid LE
        '08' + '0000' + '0100' + // Vec<u16> uids: compact(2), 0, 1
        '08' + 'ffff' + '0100' + // values
        '04' + '0700' + // salt
        '0300000000000000', // u64 version key LE
    );
  });
  test('hash is blake2-256 of the preimage; public key and address agree', () => {
    const pk = Uint8Array.from(Buffer.from(alicePk.slice(2), 'hex'));
    const h1 = weightsCommitHash(alice, 2, [0, 1], [65535, 1], [7], 3);
    const h2 = weightsCommitHash(pk, 2, [0, 1], [65535, 1], [7], 3n);
    expect(u8aToHex(h1)).toBe(u8aToHex(h2));
    expect(u8aToHex(h1)).toBe(u8aToHex(blake2AsU8a(commitPreimage(alice, 2, [0, 1], [65535, 1], [7], 3n), 256)));
    expect(h1).toHaveLength(32);
  });
  test('out-of-range values are CHAIN_BAD_INPUT', () => {
    expect(() => weightsCommitHash(alice, 70000, [], [], [], 0)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
    expect(() => weightsCommitHash(alice, 1, [65536], [1], [], 0)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
    expect(() => weightsCommitHash(alice, 1, [], [], [], -1)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
  });
});

describe('hyperparameters JSON codec', () => {
  test('round trip keeps every field, bigints as decimal strings', () => {
    const h = { ...defaultHyperparameters(), tempo: 99, burn: 123456789012345678n, commitRevealWeightsEnabled: true };
    const json = hyperparamsToJSON(h);
    expect(JSON.parse(json).burn).toBe('123456789012345678');
    expect(hyperparamsFromJSON(json)).toEqual(h);
  });
  test('optional fields may be absent', () => {
    const { rho, burn, minBurn, maxBurn, difficulty, servingRateLimit, targetRegistrationsPerInterval, maxRegistrationsPerBlock, adjustmentInterval, registrationAllowed, revealPeriodEpochs, ...required } = defaultHyperparameters();
    void [rho, burn, minBurn, maxBurn, difficulty, servingRateLimit, targetRegistrationsPerInterval, maxRegistrationsPerBlock, adjustmentInterval, registrationAllowed, revealPeriodEpochs];
    expect(hyperparamsFromJSON(JSON.stringify(required))).toEqual(required);
  });
  test.each([
    ['not JSON', '{'],
    ['not an object', '[1]'],
    ['unknown field', JSON.stringify({ ...JSON.parse(hyperparamsToJSON(defaultHyperparameters())), bogus: 1 })],
    ['missing tempo', JSON.stringify({ ...JSON.parse(hyperparamsToJSON(defaultHyperparameters())), tempo: undefined })],
    ['wrong type', JSON.stringify({ ...JSON.parse(hyperparamsToJSON(defaultHyperparameters())), yuma3On: 1 })],
    ['fraction', JSON.stringify({ ...JSON.parse(hyperparamsToJSON(defaultHyperparameters())), kappa: 1.5 })],
  ])('%s is CHAIN_BAD_INPUT', (_n, json) => {
    expect(() => hyperparamsFromJSON(json)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
  });
});

describe('sudo hyperparameter calls (AdminUtils names, in table order)', () => {
  test('maps fields to sudoSet* with (netuid, value), global ones with (value)', () => {
    expect(adminCallsFor(3, { weightsSetRateLimit: 0, tempo: 10, stakeThreshold: 5n })).toEqual([
      { field: 'tempo', method: 'sudoSetTempo', args: [3, 10] },
      { field: 'weightsSetRateLimit', method: 'sudoSetWeightsSetRateLimit', args: [3, 0] },
      { field: 'stakeThreshold', method: 'sudoSetStakeThreshold', args: [5n] },
    ]);
    expect(adminCallsFor(1, { commitRevealWeightsEnabled: true, targetRegistrationsPerInterval: 100, maxRegistrationsPerBlock: 100 }).map((c) => c.method)).toEqual([
      'sudoSetCommitRevealWeightsEnabled',
      'sudoSetTargetRegistrationsPerInterval',
      'sudoSetMaxRegistrationsPerBlock',
    ]);
  });
  test('unknown field or wrong type is CHAIN_BAD_INPUT', () => {
    expect(() => adminCallsFor(1, { nope: 1 } as never)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
    expect(() => adminCallsFor(1, { tempo: 'x' } as never)).toThrow(expect.objectContaining({ code: 'CHAIN_BAD_INPUT' }));
  });
});

describe('backoff with full jitter', () => {
  test('grows exponentially up to the cap, never below base/2', () => {
    expect(backoffDelay(0, 200, 5000, () => 1)).toBe(200);
    expect(backoffDelay(3, 200, 5000, () => 1)).toBe(1600);
    expect(backoffDelay(10, 200, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(10, 200, 5000, () => 0)).toBe(100);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(i % 8, 100, 1000);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe('pool error classification', () => {
  test.each([
    // messages as @polkadot/api reports node / chopsticks answers
    ['1014: Priority is too low: (1 vs 1)', { kind: 'nonce' }],
    ['1010: Invalid Transaction: Transaction is outdated', { kind: 'nonce' }],
    ['1010: {"invalid":{"stale":null}}', { kind: 'nonce' }],
    ['1013: Transaction Already Imported', { kind: 'nonce' }],
    ['1010: Invalid Transaction: Transaction has a bad signature', { kind: 'rejected', error: 'BadProof' }],
    ['1010: {"invalid":{"badProof":null}}', { kind: 'rejected', error: 'BadProof' }],
    ['1010: Invalid Transaction: Inability to pay some fees (e.g. account balance too low)', { kind: 'rejected', error: 'Payment' }],
    ['1010: Invalid Transaction: Custom error: 1', { kind: 'rejected', error: 'Custom:StakeAmountTooLow', code: 1 }],
    ['1010: {"invalid":{"custom":6}}', { kind: 'rejected', error: 'Custom:RateLimitExceeded', code: 6 }],
    ['1010: Invalid Transaction: Transaction will be valid in the future', { kind: 'rejected', error: 'Future' }],
    ['1012: Transaction is temporarily banned', { kind: 'rejected', error: 'TemporarilyBanned' }],
    ['something else', { kind: 'other' }],
  ])('%s', (msg, want) => {
    expect(classifyPoolError(msg)).toEqual(want);
  });
  test('transport messages', () => {
    expect(isTransportMessage('disconnected from ws://127.0.0.1:1: 1006:: Abnormal Closure')).toBe(true);
    expect(isTransportMessage('No response received from RPC endpoint in 30s')).toBe(true);
    expect(isTransportMessage('1010: Invalid Transaction')).toBe(false);
  });
});
