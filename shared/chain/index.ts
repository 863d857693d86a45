/**
 * The chain client: one implementation over @polkadot/api (see substrate.ts and docs/chain-client.md).
 */
export * from './interface';
export { SubstrateChainClient, classifyPoolError, isTransportMessage, type ChainClientComponents } from './substrate';
export { defaultChainClientOptions, backoffDelay, type ChainClientOptions } from './options';
export { ChainErrorCode } from './errors';
export { HYPERPARAMS, adminCallsFor, defaultHyperparameters, hyperparamSpec, hyperparamsFromJSON, hyperparamsToJSON, type HyperparamSpec } from './hyperparams';
export { commitPreimage, weightsCommitHash } from './commitHash';
export { intToIp, ipToInt } from './ip';
