/**
 * Keys and wallets: sr25519 keypairs (ss58 prefix 42) over @polkadot/util-crypto, and
 * bittensor's wallet layout and keyfile format (btwallet 4.x). Call `await keysReady()` once first.
 */
export * from './interface';
export * from './keypair';
export * from './keyfile';
export * from './wallet';
