/** The validator's client (dendrite): an authenticated connection pool over shared/protocol. */
export * from './interface';
export * from './options';
export * from './connection';
export * from './pool';
export * from './inputs';
