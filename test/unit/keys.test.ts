import { u8aToHex, hexToU8a } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { signatureVerify } from '@polkadot/util-crypto';
import {
  SS58_PREFIX,
  decodeAddress,
  devKeypair,
  encodeAddress,
  fromCanonicalSecret,
  isValidAddress,
  keypairFromMnemonic,
  keypairFromSecret,
  keypairFromSeed,
  keypairFromUri,
  keysReady,
  toCanonicalSecret,
  toPublicKey,
  verify,
} from '../../shared/keys';
import { isSubnetError } from '../../shared/errors';

const enc = (s: string) => new TextEncoder().encode(s);
const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isSubnetError(err) ? err.code : `not a SubnetError: ${String(err)}`;
  }
  return undefined;
}

beforeAll(async () => {
  await keysReady();
});

describe('well-known keys', () => {
  // Substrate's development accounts, as printed by `subkey inspect //Alice` and used across the ecosystem
  test.each([
    ['alice', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d'],
    ['bob', '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48'],
    ['Charlie', '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', '0x90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22'],
  ])('devKeypair(%s)', (name, address, pub) => {
    const kp = devKeypair(name);
    expect(kp.address).toBe(address);
    expect(u8aToHex(kp.publicKey)).toBe(pub);
    expect(keypairFromUri(`//${name[0].toUpperCase()}${name.slice(1).toLowerCase()}`).address).toBe(address);
  });

  test('//Alice address is the known one', () => {
    expect(keypairFromUri('//Alice').address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
  });

  test("Alice's secret in sp_core's canonical form (subkey / substrate's to_raw_vec)", () => {
    // the 64-byte //Alice secret key published by substrate tooling (Substrate .NET, subkey)
    const canonical = '0x33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011';
    expect(u8aToHex(devKeypair('alice').exportSecret().privateKey)).toBe(canonical);
    expect(keypairFromSecret(hexToU8a(canonical), 'canonical').address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
  });

  test("schnorrkel's from_ed25519_bytes doc vector (the development phrase's key)", () => {
    // w3f/schnorrkel src/keys.rs, SecretKey::from_ed25519_bytes example
    const secret = hexToU8a('0x28b0ae221c6bb06856b287f60d7ea0d98552ea5a16db16956849aa371db3eb51fd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34');
    expect(u8aToHex(keypairFromSecret(secret, 'polkadot').publicKey)).toBe('0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a');
    expect(u8aToHex(keypairFromMnemonic(DEV_PHRASE).publicKey)).toBe('0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a');
    // the development phrase's mini secret (substrate's DEV_SEED)
    expect(u8aToHex(keypairFromMnemonic(DEV_PHRASE).exportSecret().seed!)).toBe('0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e');
    expect(keypairFromSeed('0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e').address).toBe(keypairFromMnemonic(DEV_PHRASE).address);
  });

  test('canonical ⇄ polkadot secret forms are inverse', () => {
    for (const n of ['alice', 'bob', 'dave', 'miner7']) {
      const s = devKeypair(n).exportSecret();
      expect(u8aToHex(fromCanonicalSecret(s.privateKey))).toBe(u8aToHex(s.secretKey));
      expect(u8aToHex(toCanonicalSecret(s.secretKey))).toBe(u8aToHex(s.privateKey));
    }
  });

  test('matches @polkadot/keyring for URIs with hard, soft and password parts', () => {
    const ring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX });
    for (const uri of ['//Alice', '//Alice//stash', `${DEV_PHRASE}//hard/soft`, `${DEV_PHRASE}///pw`, '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e//x']) {
      expect(keypairFromUri(uri).address).toBe(ring.addFromUri(uri).address);
    }
  });

  test('devKeypair of other names derives //Name; bad names are rejected', () => {
    expect(devKeypair('miner1').address).toBe(keypairFromUri('//miner1').address);
    expect(devKeypair('miner1').address).not.toBe(devKeypair('miner2').address);
    expect(code(() => devKeypair('a/b'))).toBe('KEY_INVALID_URI');
    expect(code(() => devKeypair(''))).toBe('KEY_INVALID_URI');
  });
});

describe('sign / verify', () => {
  test('roundtrip, and a signature @polkadot verifies (extrinsic scheme)', () => {
    const kp = devKeypair('alice');
    const msg = enc('subnet handshake');
    const sig = kp.sign(msg);
    expect(sig.length).toBe(64);
    expect(verify(kp.address, msg, sig)).toBe(true);
    expect(verify(kp.publicKey, msg, sig)).toBe(true);
    expect(verify(u8aToHex(kp.publicKey), msg, sig)).toBe(true);
    expect(kp.verify(msg, sig)).toBe(true);
    const pd = signatureVerify(msg, sig, kp.address);
    expect(pd.isValid).toBe(true);
    expect(pd.crypto).toBe('sr25519');
    // and the other way: a @polkadot/keyring signature verifies here
    const ring = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    expect(verify(kp.address, msg, ring.sign(msg))).toBe(true);
  });

  test('rejects a wrong message, key, tampered or malformed signature (false, never throws)', () => {
    const kp = devKeypair('alice');
    const msg = enc('m');
    const sig = kp.sign(msg);
    expect(verify(kp.address, enc('n'), sig)).toBe(false);
    expect(verify(devKeypair('bob').address, msg, sig)).toBe(false);
    const t = Uint8Array.from(sig);
    t[10] ^= 1;
    expect(verify(kp.address, msg, t)).toBe(false);
    expect(verify(kp.address, msg, sig.subarray(0, 63))).toBe(false);
    expect(verify(kp.address, msg, new Uint8Array(64))).toBe(false);
    expect(verify('not-an-address', msg, sig)).toBe(false);
    expect(verify(new Uint8Array(31), msg, sig)).toBe(false);
  });

  test('signatures are randomised but all verify', () => {
    const kp = devKeypair('bob');
    const msg = enc('x');
    const a = kp.sign(msg);
    const b = kp.sign(msg);
    expect(u8aToHex(a)).not.toBe(u8aToHex(b));
    expect(verify(kp.address, msg, a) && verify(kp.address, msg, b)).toBe(true);
  });
});

describe('addresses', () => {
  test('encode/decode roundtrip with prefix 42', () => {
    const kp = devKeypair('alice');
    expect(encodeAddress(kp.publicKey)).toBe(kp.address);
    expect(u8aToHex(decodeAddress(kp.address))).toBe(u8aToHex(kp.publicKey));
    expect(isValidAddress(kp.address)).toBe(true);
    expect(u8aToHex(toPublicKey(kp.address))).toBe(u8aToHex(kp.publicKey));
  });

  test.each([
    ['empty', '', 'ADDRESS_INVALID'],
    ['bad checksum', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ', 'ADDRESS_INVALID'],
    ['not base58', '0OIl', 'ADDRESS_INVALID'],
    ['truncated', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGK', 'ADDRESS_INVALID'],
    // Alice on Polkadot (prefix 0) and Kusama (prefix 2)
    ['polkadot prefix 0', '15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5', 'ADDRESS_WRONG_PREFIX'],
    ['kusama prefix 2', 'HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F', 'ADDRESS_WRONG_PREFIX'],
  ])('%s → %s', (_name, address, expected) => {
    expect(code(() => decodeAddress(address))).toBe(expected);
    expect(isValidAddress(address)).toBe(false);
  });

  test('prefix: null accepts another network', () => {
    expect(encodeAddress(decodeAddress('15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5', { prefix: null }))).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
  });

  test('bad public keys', () => {
    expect(code(() => encodeAddress(new Uint8Array(31)))).toBe('ADDRESS_INVALID');
    expect(code(() => toPublicKey('0x1234'))).toBe('ADDRESS_INVALID');
  });
});

describe('bad key material', () => {
  test.each([
    ['short seed', () => keypairFromSeed(new Uint8Array(31)), 'KEY_INVALID_SEED'],
    ['seed not hex', () => keypairFromSeed('zz'), 'KEY_INVALID_SEED'],
    ['bad mnemonic checksum', () => keypairFromMnemonic('bottom drive obey lake curtain smoke basket hold race lonely fit fit'), 'KEY_INVALID_MNEMONIC'],
    ['secret length', () => keypairFromSecret(new Uint8Array(63), 'canonical'), 'KEY_INVALID_SECRET'],
    ['non-canonical scalar', () => keypairFromSecret(new Uint8Array(64).fill(0xff), 'canonical'), 'KEY_INVALID_SECRET'],
    ['uri raw seed too long', () => keypairFromUri('x'.repeat(40)), 'KEY_INVALID_URI'],
  ])('%s', (_n, fn, expected) => {
    expect(code(fn)).toBe(expected);
  });

  test('secrets are not serialised by JSON.stringify', () => {
    const s = JSON.stringify(devKeypair('alice'));
    expect(s).toContain('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    expect(s).not.toContain('33a6f309');
  });
});
