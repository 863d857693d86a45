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
