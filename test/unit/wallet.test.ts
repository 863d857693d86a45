import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { u8aToHex } from '@polkadot/util';
import {
  NACL_KDF,
  btPasswordEnvName,
  createColdkey,
  createHotkey,
  createWallet,
  coldkeyEncrypted,
  decodeBtPassword,
  decryptKeyfile,
  devKeypair,
  encodeBtPassword,
  encryptKeyfile,
  keyfileEncryption,
  keysReady,
  listWallets,
  loadColdkey,
  loadColdkeyPub,
  loadHotkey,
  loadHotkeyPub,
  openKeyfile,
  parseKeyfile,
  resolveWalletLocation,
  serializeKeyfile,
  walletPaths,
  type WalletLocation,
} from '../../shared/keys';
import { isSubnetError } from '../../shared/errors';

const FAST_KDF = { opslimit: 1, memlimit: 64 * 1024 };
const bytes = (s: string) => new TextEncoder().encode(s);

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return isSubnetError(err) ? err.code : `not a SubnetError: ${String(err)}`;
  }
  return undefined;
}

let dir: string;
beforeAll(async () => {
  await keysReady();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'subnet-wallet-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const loc = (over: Partial<WalletLocation> = {}): WalletLocation => ({ path: dir, name: 'w1', hotkey: 'h1', ...over });

describe('hand-written bittensor keyfiles (btwallet src/keyfile.rs format)', () => {
  // //Alice as btwallet writes a key made from a URI: no secretPhrase/secretSeed; privateKey is
  // sp_core's to_raw_vec (canonical scalar ‖ nonce), the published //Alice secret.
  const aliceKeyfile = JSON.stringify({
    accountId: '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    publicKey: '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    privateKey: '0x33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011',
    ss58Address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  });
  // a mnemonic key: secretPhrase wins (btwallet's precedence); secretSeed is the mini secret
  const devPhraseKeyfile = JSON.stringify({
    secretPhrase: 'bottom drive obey lake curtain smoke basket hold race lonely fit walk',
    secretSeed: '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e',
    ss58Address: '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV',
    publicKey: '0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a',
    accountId: '0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a',
  });

  test('a hotkey file with privateKey only loads and signs as //Alice', async () => {
    const p = walletPaths(loc());
    mkdirSync(p.hotkeysDir, { recursive: true });
    writeFileSync(p.hotkey, aliceKeyfile);
    const kp = await loadHotkey(loc());
    expect(kp.address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    expect(kp.verify(bytes('m'), kp.sign(bytes('m')))).toBe(true);
    expect(loadHotkeyPub(loc()).address).toBe(kp.address);
  });

  test('a mnemonic keyfile loads; seed-only loads the same key', () => {
    const a = parseKeyfile(bytes(devPhraseKeyfile));
    expect(a.address).toBe('5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV');
    const seedOnly = JSON.parse(devPhraseKeyfile) as Record<string, string>;
    delete seedOnly.secretPhrase;
    expect(parseKeyfile(bytes(JSON.stringify(seedOnly))).keypair!.address).toBe(a.address);
  });

  test('coldkeypub.txt (public only) loads; asking it for a secret is KEYFILE_NO_SECRET', async () => {
    const p = walletPaths(loc());
    mkdirSync(p.dir, { recursive: true });
    writeFileSync(p.coldkeypub, JSON.stringify({ accountId: '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48', publicKey: '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48', ss58Address: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty' }));
    expect(loadColdkeyPub(loc()).address).toBe('5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
    writeFileSync(p.coldkey, readFileSync(p.coldkeypub));
    expect(await codeOf(loadColdkey(loc()))).toBe('KEYFILE_NO_SECRET');
  });

  test('our keyfile has exactly btwallet fields and encodings', () => {
    const text = new TextDecoder().decode(serializeKeyfile(devKeypair('alice')));
    const j = JSON.parse(text) as Record<string, string>;
    // a key derived from a URI has no phrase or seed (as btwallet's create_from_uri)
    expect(Object.keys(j).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'ss58Address']);
    expect(j.privateKey).toBe(JSON.parse(aliceKeyfile).privateKey);
    expect(j.accountId).toBe(j.publicKey);
    expect(j.ss58Address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    // a mnemonic key carries secretPhrase and secretSeed (0x-hex mini secret)
    const m = JSON.parse(new TextDecoder().decode(serializeKeyfile(parseKeyfile(bytes(devPhraseKeyfile)).keypair!))) as Record<string, string>;
    expect(m).toEqual({ ...(JSON.parse(devPhraseKeyfile) as object), privateKey: expect.stringMatching(/^0x[0-9a-f]{128}$/) });
  });
});

describe('encrypted keyfiles ($NACL)', () => {
  // the real-parameter libsodium fixture lives in test/e2e/wallet-nacl.test.ts (Argon2i takes seconds)
  test('wrong password → KEYFILE_BAD_PASSWORD; no password → KEYFILE_ENCRYPTED', async () => {
    const data = await encryptKeyfile(serializeKeyfile(devKeypair('bob')), 'pw', FAST_KDF);
    expect(await codeOf(decryptKeyfile(data, 'nope', 'f', FAST_KDF))).toBe('KEYFILE_BAD_PASSWORD');
    expect(await codeOf(openKeyfile(data, '/p', { env: {}, kdf: FAST_KDF }))).toBe('KEYFILE_ENCRYPTED');
    expect(await codeOf(() => parseKeyfile(data))).toBe('KEYFILE_ENCRYPTED');
  });

  test('password from BT_WALLET_PASSWORD or from btwallet BT_PW_<PATH> (XOR-obfuscated)', async () => {
    const data = await encryptKeyfile(serializeKeyfile(devKeypair('bob')), 's3cret', FAST_KDF);
    const path = '/root/.bittensor/wallets/default/hotkeys/default';
    expect((await openKeyfile(data, path, { env: { BT_WALLET_PASSWORD: 's3cret' }, kdf: FAST_KDF })).address).toBe(devKeypair('bob').address);
    const name = btPasswordEnvName(path);
    expect(name).toBe('BT_PW__ROOT__BITTENSOR_WALLETS_DEFAULT_HOTKEYS_DEFAULT');
    const env = { [name]: encodeBtPassword('s3cret', name) };
    expect(decodeBtPassword(env[name], name)).toBe('s3cret');
    expect((await openKeyfile(data, path, { env, kdf: FAST_KDF })).address).toBe(devKeypair('bob').address);
  });

  test('our $NACL output has btwallet layout and decrypts again', async () => {
    const plain = serializeKeyfile(devKeypair('alice'));
    const data = await encryptKeyfile(plain, 'pw', FAST_KDF);
    expect(new TextDecoder().decode(data.subarray(0, 5))).toBe('$NACL');
    expect(data.length).toBe(5 + 24 + 16 + plain.length);
    expect(u8aToHex(await decryptKeyfile(data, 'pw', 'f', FAST_KDF))).toBe(u8aToHex(plain));
    expect(NACL_KDF).toEqual({ opslimit: 8, memlimit: 536870912 });
  });

  test.each([
    ['ansible vault', '$ANSIBLE_VAULT;1.1;AES256\n3133', 'KEYFILE_UNSUPPORTED_ENCRYPTION'],
    ['legacy fernet', 'gAAAAABkXyz', 'KEYFILE_UNSUPPORTED_ENCRYPTION'],
    ['truncated $NACL', '$NACL0123', 'KEYFILE_CORRUPT'],
  ])('%s', async (_n, content, expected) => {
    expect(await codeOf(openKeyfile(bytes(content), '/p', { password: 'x', kdf: FAST_KDF }))).toBe(expected);
  });
});

describe('corrupt and missing files', () => {
  test.each([
    ['not JSON', '{"accountId": ', 'KEYFILE_CORRUPT'],
    ['JSON array', '[1,2]', 'KEYFILE_CORRUPT'],
    ['number field', '{"privateKey": 5}', 'KEYFILE_CORRUPT'],
    ['bad hex', '{"privateKey": "0xzz"}', 'KEYFILE_CORRUPT'],
    ['short privateKey', '{"privateKey": "0x1234"}', 'KEYFILE_CORRUPT'],
    ['bad mnemonic', '{"secretPhrase": "one two three"}', 'KEYFILE_CORRUPT'],
    ['bad address', '{"ss58Address": "5Grw"}', 'KEYFILE_CORRUPT'],
    ['empty object', '{}', 'KEYFILE_CORRUPT'],
    ['not UTF-8', '\xff\xfe', 'KEYFILE_CORRUPT'],
    ['secret of another key', JSON.stringify({ secretSeed: '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e', ss58Address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' }), 'KEYFILE_MISMATCH'],
  ])('%s', async (_n, content, expected) => {
    const p = walletPaths(loc());
    mkdirSync(p.hotkeysDir, { recursive: true });
    writeFileSync(p.hotkey, content === '\xff\xfe' ? Buffer.from([0xff, 0xfe]) : content);
    const err = await loadHotkey(loc()).catch((e: unknown) => e);
    expect(isSubnetError(err) && err.code).toBe(expected);
    if (isSubnetError(err)) expect(err.context.path).toBe(p.hotkey);
  });

  test('missing wallet → WALLET_NOT_FOUND; missing hotkey → HOTKEY_NOT_FOUND; missing coldkey → COLDKEY_NOT_FOUND', async () => {
    expect(await codeOf(loadHotkey(loc()))).toBe('WALLET_NOT_FOUND');
    mkdirSync(walletPaths(loc()).dir, { recursive: true });
    const err = await loadHotkey(loc()).catch((e: unknown) => e);
    expect(isSubnetError(err, 'HOTKEY_NOT_FOUND') && err.context.path).toBe(walletPaths(loc()).hotkey);
    expect(await codeOf(loadColdkey(loc()))).toBe('COLDKEY_NOT_FOUND');
    expect(await codeOf(() => loadColdkeyPub(loc()))).toBe('COLDKEY_NOT_FOUND');
  });

  test('unreadable keyfile → KEYFILE_UNREADABLE', async () => {
    if (process.getuid?.() === 0) {
      // root reads any file regardless of mode: use a directory in the keyfile's place instead
      mkdirSync(walletPaths(loc()).hotkey, { recursive: true });
    } else {
      await createHotkey(loc(), { keypair: devKeypair('bob') });
      chmodSync(walletPaths(loc()).hotkey, 0o000);
    }
    expect(await codeOf(loadHotkey(loc()))).toBe('KEYFILE_UNREADABLE');
  });

  test('names with path separators are refused', () => {
    expect(() => walletPaths(loc({ hotkey: '../x' }))).toThrow();
    expect(() => walletPaths(loc({ name: 'a/b' }))).toThrow();
  });
});

describe('create / list', () => {
  test('create → read back; files are 0600, folders 0700; public files match', async () => {
    const cold = await createColdkey(loc(), { password: 'pw', kdf: FAST_KDF });
    const hot = await createHotkey(loc());
    expect(cold.mnemonic!.split(' ')).toHaveLength(12);
    const p = walletPaths(loc());
    for (const f of [p.coldkey, p.coldkeypub, p.hotkey, p.hotkeypub]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(p.dir).mode & 0o777).toBe(0o700);
    expect((await loadHotkey(loc())).address).toBe(hot.address);
    expect(loadHotkeyPub(loc()).address).toBe(hot.address);
    expect(loadColdkeyPub(loc()).address).toBe(cold.address);
    expect(keyfileEncryption(readFileSync(p.coldkey))).toBe('nacl');
    expect((await loadColdkey(loc(), { password: 'pw', kdf: FAST_KDF })).address).toBe(cold.address);
    expect(await codeOf(loadColdkey(loc(), { env: {}, kdf: FAST_KDF }))).toBe('KEYFILE_ENCRYPTED');
    expect(JSON.parse(readFileSync(p.coldkeypub, 'utf8'))).toEqual({ accountId: expect.any(String), publicKey: expect.any(String), ss58Address: cold.address });
  });

  test('refuses to overwrite unless asked', async () => {
    const first = await createHotkey(loc());
    expect(await codeOf(createHotkey(loc()))).toBe('WALLET_EXISTS');
    expect((await loadHotkey(loc())).address).toBe(first.address);
    const second = await createHotkey(loc(), { overwrite: true });
    expect(second.address).not.toBe(first.address);
    expect((await loadHotkey(loc())).address).toBe(second.address);
    expect(existsSync(walletPaths(loc()).hotkeypub)).toBe(true);
  });

  test('createWallet writes nothing when any of its four files exists', async () => {
    await createHotkey(loc(), { keypair: devKeypair('bob') });
    expect(await codeOf(createWallet(loc()))).toBe('WALLET_EXISTS');
    expect(existsSync(walletPaths(loc()).coldkey)).toBe(false);
    const both = await createWallet(loc(), { overwrite: true, coldkey: devKeypair('alice') });
    expect(loadColdkeyPub(loc()).address).toBe(devKeypair('alice').address);
    expect(coldkeyEncrypted(loc())).toBe(false);
    expect((await loadHotkey(loc())).address).toBe(both.hotkey.address);
    expect(coldkeyEncrypted(loc({ name: 'none' }))).toBeNull();
  });

  test('listWallets shows coldkeys and hotkeys, reports broken files without failing', async () => {
    await createColdkey(loc());
    await createHotkey(loc({ hotkey: 'a' }), { keypair: devKeypair('alice') });
    await createHotkey(loc({ hotkey: 'b' }), { keypair: devKeypair('bob') });
    writeFileSync(join(walletPaths(loc()).hotkeysDir, 'broken'), 'nope');
    mkdirSync(join(dir, 'empty'));
    const list = listWallets(dir);
    expect(list.map((w) => w.name)).toEqual(['empty', 'w1']);
    const w1 = list[1];
    expect(w1.coldkey).toMatchObject({ encrypted: false });
    expect(w1.hotkeys).toEqual([
      { name: 'a', address: devKeypair('alice').address },
      { name: 'b', address: devKeypair('bob').address },
      { name: 'broken', code: 'KEYFILE_CORRUPT', error: expect.any(String) },
    ]);
    expect(listWallets(join(dir, 'absent'))).toEqual([]);
  });

  test('resolveWalletLocation: options, then BT_WALLET_* env, then defaults', () => {
    expect(resolveWalletLocation({}, {})).toEqual({ name: 'default', hotkey: 'default', path: '~/.bittensor/wallets' });
    expect(resolveWalletLocation({ name: 'x' }, { BT_WALLET_NAME: 'y', BT_WALLET_HOTKEY: 'h' })).toEqual({ name: 'x', hotkey: 'h', path: '~/.bittensor/wallets' });
  });
});
