import { hexToU8a } from '@polkadot/util';
import { keyfileEncryption, keysReady, openKeyfile } from '../../shared/keys';

// Not a process test, but slow for the unit tier: one Argon2i derivation at btwallet's real
// parameters (8 passes × 512 MiB) takes seconds.
beforeAll(async () => {
  await keysReady();
});

describe('btwallet $NACL compatibility with libsodium', () => {
  // Made with libsodium (PyNaCl 1.5, Debian python3-nacl) exactly as btwallet's encrypt_keyfile_data:
  // key = crypto_pwhash_argon2i(password, NACL_SALT, OPSLIMIT_SENSITIVE, MEMLIMIT_SENSITIVE);
  // "$NACL" ‖ nonce(24, here 00..17) ‖ secretbox. Plaintext: //Bob's keyfile. Password "correct horse battery".
  const libsodiumBob =
    '244e41434c000102030405060708090a0b0c0d0e0f10111213141516175936db1a33edd9e4a8671fcb87fe4f011c6c6ccabc89ea364eb46a99810fe1764fd6ffe565763c2a59fc0b6914a56d115c3aba07e08698b934fc9f028862534434299114572e7f6d9cfb81361ca50cb06835e4f9f5d8f39513fce9e2962c1726d68014c17e19e2214f60e3fddbb02b67e0285c53543bf172bed07c6ae82e693bd492195b1cb42305531dd781072536f0a466abbc5cccfb8357323b736ad4ba66ed0e721e68e2b95738b6f0f00729ff1f8a3cf6ca29475776c0d32ef6f8e89058ef0c257cef20ef886fa8e73cc2ba9cd1e85fb176863cac1ddb99712565e84e64d1923442fe3b3667445bb14b6c3fee7d163b5b9071893a1dcd1bab89bf19d2fe21c2a753e3fbb46c1b6b774567bade1d408dfd48e90ca5f3a63cab134b666828b42c5d70e14ed8c592c2355041fd0176b98e7d9c2c6ff7ea6ed0233b135f31caab1f34c198085ac0c8b17aaf35f938a6c755cd0b060d024f09c4e62c28ac9ba19746d97a06117a112b2a6df777bbb64fd53fb4d00c7a80fb8744b5795d8bd853ae283a7e9593b016e7b6c0616e';

  test('a libsodium-encrypted keyfile decrypts with btwallet parameters (Argon2i 8 × 512 MiB)', async () => {
    const data = hexToU8a(`0x${libsodiumBob}`);
    expect(keyfileEncryption(data)).toBe('nacl');
    const c = await openKeyfile(data, '/x/hotkeys/bob', { password: 'correct horse battery' });
    expect(c.address).toBe('5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
    expect(c.keypair!.address).toBe(c.address);
  }, 120_000);

});
