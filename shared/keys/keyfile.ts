/**
 * bittensor (btwallet 4.x, src/keyfile.rs) keyfile codec, pure (no file I/O).
 *
 * Plain keyfile: JSON object of strings
 *   accountId, publicKey   0x-hex 32-byte public key (both the same)
 *   privateKey             0x-hex 64 bytes: schnorrkel canonical scalar ‖ nonce (sp_core `to_raw_vec`)
 *   secretPhrase           BIP-39 mnemonic (when the key came from one)
 *   secretSeed             0x-hex 32-byte mini secret (when the key came from a seed or mnemonic)
 *   ss58Address            ss58, prefix 42
 * Public keyfiles (coldkeypub.txt, hotkeys/<h>pub.txt) hold accountId, publicKey, ss58Address.
 * Reading follows btwallet's precedence: secretPhrase, then secretSeed, then privateKey, then
 * ss58Address (public only); we additionally check the result against the stored public key.
 *
 * Encrypted keyfile (`$NACL`): "$NACL" ‖ nonce (24) ‖ secretbox(xsalsa20-poly1305) of the JSON,
 * key = Argon2i v1.3 (libsodium crypto_pwhash_argon2i, OPSLIMIT_SENSITIVE = 8 passes,
 * MEMLIMIT_SENSITIVE = 512 MiB, parallelism 1) of the password with btwallet's fixed 16-byte salt.
 * `$ANSIBLE_VAULT` and legacy fernet (`gAAAAA`) files are recognised and refused
 * (KEYFILE_UNSUPPORTED_ENCRYPTION): btwallet itself only decrypts them to migrate.
 */
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { naclDecrypt, naclEncrypt, randomAsU8a } from '@polkadot/util-crypto';
import { argon2i } from 'hash-wasm';
import { SubnetError, errorMessage } from '../errors';
import { decodeAddress, encodeAddress, keypairFromMnemonic, keypairFromSecret, keypairFromSeed, type Sr25519Keypair } from './keypair';

/** btwallet's fixed NaCl salt (src/keyfile.rs `NACL_SALT`). */
export const NACL_SALT = Uint8Array.from([0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1]);

/** Argon2i cost parameters. */
export interface KdfParams {
  /** passes (libsodium opslimit) */
  opslimit: number;
  /** memory in bytes (libsodium memlimit) */
  memlimit: number;
}

/** libsodium's crypto_pwhash_argon2i OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE, as btwallet uses. */
export const NACL_KDF: KdfParams = { opslimit: 8, memlimit: 512 * 1024 * 1024 };

const NACL_PREFIX = '$NACL';

export type KeyfileEncryption = 'nacl' | 'ansible' | 'legacy';

/** The JSON fields of a keyfile. */
export interface KeyfileJson {
  accountId?: string;
  publicKey?: string;
  privateKey?: string;
  secretPhrase?: string;
  secretSeed?: string;
  ss58Address?: string;
}

/** What a keyfile holds: the public part always, the keypair when it has a secret. */
export interface KeyfileContents {
  address: string;
  publicKey: Uint8Array;
  keypair?: Sr25519Keypair;
}

function startsWith(data: Uint8Array, prefix: string): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Which encryption a keyfile uses, or undefined when it is plain. */
export function keyfileEncryption(data: Uint8Array): KeyfileEncryption | undefined {
  if (startsWith(data, NACL_PREFIX)) return 'nacl';
  if (startsWith(data, '$ANSIBLE_VAULT')) return 'ansible';
  if (startsWith(data, 'gAAAAA')) return 'legacy';
  return undefined;
}

/** JSON bytes of a keypair with its secrets (btwallet's field names and encodings). */
export function serializeKeyfile(kp: Sr25519Keypair): Uint8Array {
  const s = kp.exportSecret();
  const pub = u8aToHex(kp.publicKey);
  const json: KeyfileJson = { accountId: pub, publicKey: pub, privateKey: u8aToHex(s.privateKey) };
  if (s.mnemonic) json.secretPhrase = s.mnemonic;
  if (s.seed) json.secretSeed = u8aToHex(s.seed);
  json.ss58Address = kp.address;
  return new TextEncoder().encode(JSON.stringify(json));
}

/** JSON bytes of a public keyfile (coldkeypub.txt, hotkeys/<h>pub.txt). */
export function serializePublicKeyfile(publicKey: Uint8Array): Uint8Array {
  const pub = u8aToHex(publicKey);
  return new TextEncoder().encode(JSON.stringify({ accountId: pub, publicKey: pub, ss58Address: encodeAddress(publicKey) } satisfies KeyfileJson));
}

function corrupt(path: string, why: string, cause?: unknown): SubnetError {
  return new SubnetError('KEYFILE_CORRUPT', `keyfile ${path} is corrupt: ${why}`, { path }, cause === undefined ? undefined : { cause });
}

function hexField(json: KeyfileJson, field: keyof KeyfileJson, bytes: number, path: string): Uint8Array | undefined {
  const v = json[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !isHex(v.startsWith('0x') ? v : `0x${v}`)) throw corrupt(path, `${field} is not hex`);
  const b = hexToU8a(v.startsWith('0x') ? v : `0x${v}`);
  if (b.length !== bytes) throw corrupt(path, `${field} must be ${bytes} bytes, got ${b.length}`);
  return b;
}

/**
 * Parses plain (decrypted) keyfile bytes. `path` only names the file in errors.
 * Throws KEYFILE_CORRUPT (bad JSON, wrong field types, bad hex, no key at all) or
 * KEYFILE_MISMATCH (the secret does not belong to the stored public key/address).
 */
export function parseKeyfile(data: Uint8Array, path = '<keyfile>'): KeyfileContents {
  const enc = keyfileEncryption(data);
  if (enc) throw new SubnetError('KEYFILE_ENCRYPTED', `keyfile ${path} is encrypted (${enc}); decrypt it first`, { path, encryption: enc });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    throw corrupt(path, `not valid JSON (${errorMessage(err)})`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupt(path, 'not a JSON object');
  const json = parsed as Record<string, unknown>;
  for (const [k, v] of Object.entries(json)) {
    if (v !== null && typeof v !== 'string') throw corrupt(path, `field ${k} is not a string`);
  }
  const j = json as KeyfileJson;
  let keypair: Sr25519Keypair | undefined;
  try {
    if (j.secretPhrase) keypair = keypairFromMnemonic(j.secretPhrase);
    else if (j.secretSeed) keypair = keypairFromSeed(hexField(j, 'secretSeed', 32, path)!);
    else if (j.privateKey) keypair = keypairFromSecret(hexField(j, 'privateKey', 64, path)!, 'canonical');
  } catch (err) {
    if (err instanceof SubnetError && err.code === 'KEYFILE_CORRUPT') throw err;
    throw corrupt(path, errorMessage(err), err);
  }
  const storedPub = hexField(j, 'publicKey', 32, path) ?? hexField(j, 'accountId', 32, path);
  let addressPub: Uint8Array | undefined;
  if (j.ss58Address) {
    try {
      addressPub = decodeAddress(j.ss58Address, { prefix: null });
    } catch (err) {
      throw corrupt(path, `ss58Address: ${errorMessage(err)}`, err);
    }
  }
  const publicKey = keypair?.publicKey ?? storedPub ?? addressPub;
  if (!publicKey) throw corrupt(path, 'holds no key (no secretPhrase, secretSeed, privateKey, publicKey or ss58Address)');
  for (const [what, other] of [['publicKey', storedPub], ['ss58Address', addressPub]] as const) {
    if (other && u8aToHex(other) !== u8aToHex(publicKey)) {
      throw new SubnetError('KEYFILE_MISMATCH', `keyfile ${path}: ${what} does not match the key it holds`, { path, field: what });
    }
  }
  return { address: encodeAddress(publicKey), publicKey, ...(keypair ? { keypair } : {}) };
}

async function deriveKey(password: string, kdf: KdfParams): Promise<Uint8Array> {
  return argon2i({
    password: new TextEncoder().encode(password),
    salt: NACL_SALT,
    iterations: kdf.opslimit,
    parallelism: 1,
    memorySize: Math.floor(kdf.memlimit / 1024),
    hashLength: 32,
    outputType: 'binary',
  });
}

/** `$NACL` ‖ nonce ‖ secretbox: btwallet's encryption. `kdf` other than NACL_KDF is for tests only. */
export async function encryptKeyfile(plain: Uint8Array, password: string, kdf: KdfParams = NACL_KDF): Promise<Uint8Array> {
  const key = await deriveKey(password, kdf);
  const { encrypted, nonce } = naclEncrypt(plain, key, randomAsU8a(24));
  const out = new Uint8Array(NACL_PREFIX.length + nonce.length + encrypted.length);
  out.set(new TextEncoder().encode(NACL_PREFIX), 0);
  out.set(nonce, NACL_PREFIX.length);
  out.set(encrypted, NACL_PREFIX.length + nonce.length);
  return out;
}

/** Decrypts a `$NACL` keyfile. Wrong password → KEYFILE_BAD_PASSWORD; other schemes → KEYFILE_UNSUPPORTED_ENCRYPTION. */
export async function decryptKeyfile(data: Uint8Array, password: string, path = '<keyfile>', kdf: KdfParams = NACL_KDF): Promise<Uint8Array> {
  const enc = keyfileEncryption(data);
  if (enc === undefined) return data;
  if (enc !== 'nacl') {
    throw new SubnetError('KEYFILE_UNSUPPORTED_ENCRYPTION', `keyfile ${path} uses ${enc} encryption, which is not supported (re-encrypt it with btcli, which migrates it to $NACL)`, { path, encryption: enc });
  }
  const body = data.subarray(NACL_PREFIX.length);
  if (body.length < 24 + 16) throw corrupt(path, 'encrypted keyfile is truncated');
  const key = await deriveKey(password, kdf);
  const plain = naclDecrypt(body.subarray(24), body.subarray(0, 24), key);
  if (!plain) throw new SubnetError('KEYFILE_BAD_PASSWORD', `wrong password for keyfile ${path}`, { path });
  return plain;
}

/**
 * btwallet's per-keyfile password variable: `BT_PW_` + the keyfile path with separators and dots
 * replaced by `_`, upper-cased; its value is base64 of the password XOR-ed with the variable name.
 */
export function btPasswordEnvName(keyfilePath: string): string {
  return `BT_PW_${keyfilePath.replace(/\//g, '_').replace(/\./g, '_').toUpperCase()}`;
}

function xorWithName(data: Buffer, envName: string): Buffer {
  const key = Buffer.from(envName, 'utf8');
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[i % key.length];
  return out;
}

/** Decodes btwallet's obfuscated env password (base64 of password XOR name). */
export function decodeBtPassword(value: string, envName: string): string {
  return xorWithName(Buffer.from(value, 'base64'), envName).toString('utf8');
}

/** Encodes a password the way btwallet stores it in `BT_PW_…` (for tests and scripts). */
export function encodeBtPassword(password: string, envName: string): string {
  return xorWithName(Buffer.from(password, 'utf8'), envName).toString('base64');
}
