/** The miner (axon): server, policy, provenance batching, chain follower. */
export * from './interface';
export * from './options';
export * from './policy';
export * from './proofBatcher';
export * from './server';
export * from './forward';
export * from './chainSync';
export * from './miner';
