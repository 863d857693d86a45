/** The wire protocol: status/close codes, message codec, handshake, frame protection, provenance. */
export * from './codes';
export * from './errors';
export * from './types';
export * from './codec';
export * from './session';
export * from './handshake';
export * from './proof';
export * from './sr25519';
export * from './cork';
