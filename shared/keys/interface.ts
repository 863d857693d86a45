/**
 * Keys: sr25519 hotkeys/coldkeys, ss58 prefix 42 (bittensor's conventions).
 * Implemented in ./index.ts over @polkadot/util-crypto (`cryptoWaitReady()` first: see `keysReady`).
 */
export const SS58_PREFIX = 42;

export interface Keypair {
  /** ss58 address, prefix 42 */
  readonly address: string;
  /** 32-byte sr25519 public key */
  readonly publicKey: Uint8Array;
  /** sr25519 signature (64 bytes) of `message` */
  sign(message: Uint8Array): Uint8Array;
}

/** An address, a 32-byte public key, or its 0x-hex form: whatever `verify` and `toPublicKey` accept. */
export type AddressOrPublicKey = string | Uint8Array;

/**
 * Where a wallet's keys live (bittensor's layout): `<path>/<name>/coldkey`, `coldkeypub.txt`,
 * `hotkeys/<hotkey>`, `hotkeys/<hotkey>pub.txt`.
 */
export interface WalletLocation {
  /** wallet name (folder under `path`); bittensor's default is `default` */
  name: string;
  /** hotkey name (file under `hotkeys/`); default `default` */
  hotkey: string;
  /** folder holding wallets; default `~/.bittensor/wallets` (a leading `~` is expanded) */
  path: string;
}

/** Error codes of shared/keys (SubnetError.code). */
export type KeysErrorCode =
  | 'ADDRESS_INVALID'
  | 'ADDRESS_WRONG_PREFIX'
  | 'KEY_INVALID_URI'
  | 'KEY_INVALID_MNEMONIC'
  | 'KEY_INVALID_SEED'
  | 'KEY_INVALID_SECRET'
  | 'WALLET_NOT_FOUND'
  | 'WALLET_EXISTS'
  | 'COLDKEY_NOT_FOUND'
  | 'HOTKEY_NOT_FOUND'
  | 'KEYFILE_CORRUPT'
  | 'KEYFILE_ENCRYPTED'
  | 'KEYFILE_BAD_PASSWORD'
  | 'KEYFILE_UNSUPPORTED_ENCRYPTION'
  | 'KEYFILE_NO_SECRET'
  | 'KEYFILE_MISMATCH'
  | 'KEYFILE_UNREADABLE';
