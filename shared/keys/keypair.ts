/**
 * sr25519 keypairs over @polkadot/util-crypto: the same scheme (schnorrkel, "substrate" signing
 * context) that @polkadot/api uses for extrinsics, ss58 prefix 42.
 *
 * Secret-key forms: @polkadot (and @scure/sr25519) hold the 64-byte secret as the scalar multiplied
 * by the cofactor 8 ("ed25519 form") followed by the 32-byte nonce; substrate's sp_core
 * `Pair::to_raw_vec()` — what bittensor's btwallet writes as `privateKey` — is schnorrkel's
 * `SecretKey::to_bytes()`: the scalar in canonical form (mod l) followed by the nonce.
 * `toCanonicalSecret` / `fromCanonicalSecret` convert between the two.
 */
import { DEV_PHRASE } from '@polkadot/keyring';
import { hexToU8a, isHex, stringToU8a, u8aToHex } from '@polkadot/util';
import {
  checkAddress,
  cryptoWaitReady,
  decodeAddress as pdDecodeAddress,
  encodeAddress as pdEncodeAddress,
  keyExtractSuri,
  keyFromPath,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  mnemonicValidate,
  sr25519PairFromSeed,
  sr25519Sign,
  sr25519Verify,
} from '@polkadot/util-crypto';
import { getPublicKey as scureGetPublicKey } from '@scure/sr25519';
import { SubnetError, errorMessage } from '../errors';
import { SS58_PREFIX, type AddressOrPublicKey, type Keypair } from './interface';

let ready: Promise<void> | undefined;

/** Resolves when the crypto backend is initialised (call once before using keys; cheap afterwards). */
export function keysReady(): Promise<void> {
  if (!ready) ready = cryptoWaitReady().then(() => undefined);
  return ready;
}

/** Secret material of a keypair, for writing keyfiles. Never log it. */
export interface KeypairSecret {
  /** 64 bytes, @polkadot's form (scalar × 8 ‖ nonce) */
  secretKey: Uint8Array;
  /** 64 bytes, schnorrkel canonical form (scalar mod l ‖ nonce): btwallet's `privateKey` */
  privateKey: Uint8Array;
  /** 32-byte mini secret (seed) when the key came from a seed or mnemonic */
  seed?: Uint8Array;
  /** BIP-39 phrase when the key came from one */
  mnemonic?: string;
}

/** An sr25519 keypair with its secret. Implements the `Keypair` interface. */
export class Sr25519Keypair implements Keypair {
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly #secretKey: Uint8Array;
  readonly #seed: Uint8Array | undefined;
  readonly #mnemonic: string | undefined;

  /** `secretKey` in @polkadot's form (see file comment). Prefer the `keypairFrom*` functions. */
  constructor(pair: { publicKey: Uint8Array; secretKey: Uint8Array }, extra: { seed?: Uint8Array; mnemonic?: string } = {}) {
    if (pair.secretKey.length !== 64) throw new SubnetError('KEY_INVALID_SECRET', `sr25519 secret key must be 64 bytes, got ${pair.secretKey.length}`, { got: pair.secretKey.length });
    if (pair.publicKey.length !== 32) throw new SubnetError('KEY_INVALID_SECRET', `sr25519 public key must be 32 bytes, got ${pair.publicKey.length}`, { got: pair.publicKey.length });
    this.publicKey = Uint8Array.from(pair.publicKey);
    this.#secretKey = Uint8Array.from(pair.secretKey);
    this.#seed = extra.seed ? Uint8Array.from(extra.seed) : undefined;
    this.#mnemonic = extra.mnemonic;
    this.address = pdEncodeAddress(this.publicKey, SS58_PREFIX);
  }

  sign(message: Uint8Array): Uint8Array {
    return sr25519Sign(message, { publicKey: this.publicKey, secretKey: this.#secretKey });
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    return verify(this.publicKey, message, signature);
  }

  /** The secret material (for keyfiles). */
  exportSecret(): KeypairSecret {
    return {
      secretKey: Uint8Array.from(this.#secretKey),
      privateKey: toCanonicalSecret(this.#secretKey),
      ...(this.#seed ? { seed: Uint8Array.from(this.#seed) } : {}),
      ...(this.#mnemonic ? { mnemonic: this.#mnemonic } : {}),
    };
  }

  /** Never print secrets by accident. */
  toJSON(): { address: string; publicKey: string } {
    return { address: this.address, publicKey: u8aToHex(this.publicKey) };
  }
}

/** scalar×8 (polkadot) → canonical scalar (schnorrkel `to_bytes`), nonce unchanged. */
export function toCanonicalSecret(secretKey: Uint8Array): Uint8Array {
  const out = Uint8Array.from(secretKey);
  // divide the 256-bit little-endian integer in bytes 0..32 by 8
  let low = 0;
  for (let i = 31; i >= 0; i--) {
    const b = out[i];
    out[i] = ((b >> 3) + low) & 0xff;
    low = (b & 7) << 5;
  }
  return out;
}

/** canonical scalar (btwallet `privateKey`) → scalar×8 (polkadot), nonce unchanged. */
export function fromCanonicalSecret(privateKey: Uint8Array): Uint8Array {
  const out = Uint8Array.from(privateKey);
  let high = 0;
  for (let i = 0; i < 32; i++) {
    const b = out[i];
    out[i] = ((b << 3) + high) & 0xff;
    high = (b & 0xe0) >> 5;
  }
  return out;
}

/** From a 32-byte seed (mini secret), as substrate's `Pair::from_seed`. Accepts bytes or 0x-hex. */
export function keypairFromSeed(seed: Uint8Array | string): Sr25519Keypair {
  let bytes: Uint8Array;
  if (typeof seed === 'string') {
    if (!isHex(seed)) throw new SubnetError('KEY_INVALID_SEED', 'seed must be 0x-prefixed hex', {});
    bytes = hexToU8a(seed);
  } else bytes = seed;
  if (bytes.length !== 32) throw new SubnetError('KEY_INVALID_SEED', `seed must be 32 bytes, got ${bytes.length}`, { expected: 32, got: bytes.length });
  return new Sr25519Keypair(sr25519PairFromSeed(bytes), { seed: bytes });
}

/** From a BIP-39 mnemonic (substrate's derivation: PBKDF2 of the entropy, first 32 bytes). */
export function keypairFromMnemonic(mnemonic: string, password = ''): Sr25519Keypair {
  const phrase = mnemonic.trim().split(/\s+/).join(' ');
  if (!mnemonicValidate(phrase)) throw new SubnetError('KEY_INVALID_MNEMONIC', 'not a valid BIP-39 mnemonic', { words: phrase.split(' ').length });
  const seed = mnemonicToMiniSecret(phrase, password);
  return new Sr25519Keypair(sr25519PairFromSeed(seed), { seed, mnemonic: phrase });
}

/** From a 64-byte secret. `form: 'canonical'` is btwallet's `privateKey`; `'polkadot'` is scalar×8. */
export function keypairFromSecret(secret: Uint8Array, form: 'canonical' | 'polkadot'): Sr25519Keypair {
  if (secret.length !== 64) throw new SubnetError('KEY_INVALID_SECRET', `sr25519 secret key must be 64 bytes, got ${secret.length}`, { expected: 64, got: secret.length });
  const secretKey = form === 'canonical' ? fromCanonicalSecret(secret) : Uint8Array.from(secret);
  if (form === 'canonical' && (secret[31] & 0xe0) !== 0) {
    // a canonical scalar is < l < 2^253: its top 3 bits are zero
    throw new SubnetError('KEY_INVALID_SECRET', 'privateKey is not a canonical sr25519 scalar', {});
  }
  let publicKey: Uint8Array;
  try {
    publicKey = scureGetPublicKey(secretKey);
  } catch (err) {
    throw new SubnetError('KEY_INVALID_SECRET', `invalid sr25519 secret key: ${errorMessage(err)}`, {});
  }
  return new Sr25519Keypair({ publicKey, secretKey });
}

/**
 * From a secret URI, as `subkey`/@polkadot/keyring: `//Alice` (the development phrase), `PHRASE//hard/soft///password`,
 * or a 0x-hex 32-byte seed with an optional derivation path.
 */
export function keypairFromUri(uri: string): Sr25519Keypair {
  const suri = uri.startsWith('//') ? `${DEV_PHRASE}${uri}` : uri;
  let extracted: ReturnType<typeof keyExtractSuri>;
  try {
    extracted = keyExtractSuri(suri);
  } catch (err) {
    throw new SubnetError('KEY_INVALID_URI', `invalid secret URI: ${errorMessage(err)}`, {});
  }
  const { phrase, path, password } = extracted;
  let seed: Uint8Array;
  let mnemonic: string | undefined;
  if (isHex(phrase, 256)) {
    seed = hexToU8a(phrase);
  } else if (phrase.split(' ').length >= 12) {
    if (!mnemonicValidate(phrase)) throw new SubnetError('KEY_INVALID_MNEMONIC', 'secret URI phrase is not a valid BIP-39 mnemonic', {});
    seed = mnemonicToMiniSecret(phrase, password);
    mnemonic = phrase;
  } else {
    // substrate's raw-seed fallback: a short string padded with spaces to 32 bytes
    if (phrase.length > 32) throw new SubnetError('KEY_INVALID_URI', 'secret URI phrase is neither a mnemonic, a 0x seed, nor a raw seed of at most 32 bytes', {});
    seed = stringToU8a(phrase.padEnd(32));
  }
  const base = sr25519PairFromSeed(seed);
  if (path.length === 0) return new Sr25519Keypair(base, { seed, ...(mnemonic ? { mnemonic } : {}) });
  let derived: { publicKey: Uint8Array; secretKey: Uint8Array };
  try {
    derived = keyFromPath(base, path, 'sr25519');
  } catch (err) {
    throw new SubnetError('KEY_INVALID_URI', `cannot derive ${uri.replace(/\/\/\/.*$/, '///***')}: ${errorMessage(err)}`, {});
  }
  return new Sr25519Keypair(derived);
}

/** Substrate's well-known development accounts. */
export const DEV_ACCOUNTS = ['alice', 'bob', 'charlie', 'dave', 'eve', 'ferdie'] as const;

/**
 * A well-known development key (Substrate's `//Alice` …) for `--dev`: local work only, the
 * secret is public. `name` is case-insensitive for the six well-known accounts
 * (`alice` → `//Alice`); any other name `N` of letters, digits, `_`, `-` gives `//N`.
 */
const devCache = new Map<string, Sr25519Keypair>();

export function devKeypair(name = 'alice'): Sr25519Keypair {
  const cached = devCache.get(name);
  if (cached) return cached;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new SubnetError('KEY_INVALID_URI', `dev key name must be letters, digits, _ or - (got ${JSON.stringify(name)})`, { got: name });
  const lower = name.toLowerCase();
  const junction = (DEV_ACCOUNTS as readonly string[]).includes(lower) ? lower[0].toUpperCase() + lower.slice(1) : name;
  const kp = keypairFromUri(`//${junction}`);
  if (devCache.size < 1024) devCache.set(name, kp);
  return kp;
}

/** A new random 12-word BIP-39 mnemonic. */
export function generateMnemonic(words: 12 | 15 | 18 | 21 | 24 = 12): string {
  return mnemonicGenerate(words);
}

/** ss58 (prefix 42) of a 32-byte public key. */
export function encodeAddress(publicKey: Uint8Array, prefix = SS58_PREFIX): string {
  if (publicKey.length !== 32) throw new SubnetError('ADDRESS_INVALID', `public key must be 32 bytes, got ${publicKey.length}`, { expected: 32, got: publicKey.length });
  return pdEncodeAddress(publicKey, prefix);
}

/**
 * The 32-byte public key of an ss58 address. Checks base58, checksum and length (ADDRESS_INVALID),
 * and the network prefix (ADDRESS_WRONG_PREFIX; pass `prefix: null` to accept any).
 */
export function decodeAddress(address: string, opts: { prefix?: number | null } = {}): Uint8Array {
  const prefix = opts.prefix === undefined ? SS58_PREFIX : opts.prefix;
  if (typeof address !== 'string' || address.length === 0) throw new SubnetError('ADDRESS_INVALID', 'address is empty', { address });
  let pub: Uint8Array;
  try {
    pub = pdDecodeAddress(address);
  } catch (err) {
    throw new SubnetError('ADDRESS_INVALID', `invalid ss58 address ${JSON.stringify(address)}: ${errorMessage(err)}`, { address });
  }
  if (pub.length !== 32) throw new SubnetError('ADDRESS_INVALID', `ss58 address ${address} holds ${pub.length} bytes, not a 32-byte account id`, { address, got: pub.length });
  if (prefix !== null) {
    const [ok, why] = checkAddress(address, prefix);
    if (!ok) throw new SubnetError('ADDRESS_WRONG_PREFIX', `address ${address} is not an ss58 address with prefix ${prefix}: ${why ?? 'wrong prefix'}`, { address, expected: prefix });
  }
  return pub;
}

/** True when `address` is a valid ss58 address with prefix 42. */
export function isValidAddress(address: string): boolean {
  try {
    decodeAddress(address);
    return true;
  } catch {
    return false;
  }
}

/** Public key from an ss58 address, a 0x-hex 32-byte key, or the bytes themselves. */
export function toPublicKey(who: AddressOrPublicKey): Uint8Array {
  if (who instanceof Uint8Array) {
    if (who.length !== 32) throw new SubnetError('ADDRESS_INVALID', `public key must be 32 bytes, got ${who.length}`, { expected: 32, got: who.length });
    return who;
  }
  if (isHex(who)) {
    const b = hexToU8a(who);
    if (b.length !== 32) throw new SubnetError('ADDRESS_INVALID', `public key must be 32 bytes, got ${b.length}`, { expected: 32, got: b.length });
    return b;
  }
  return decodeAddress(who);
}

/**
 * Verifies an sr25519 signature (substrate signing context, as @polkadot/api and btwallet).
 * Returns false for a bad signature, a malformed signature or key; never throws.
 */
export function verify(who: AddressOrPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    return sr25519Verify(message, signature, toPublicKey(who));
  } catch {
    return false;
  }
}
