/**
 * Error codes thrown by the chain client (SubnetError.code). Chain *rejections* are not thrown:
 * they are WriteResult {status: 'rejected', error: '<PalletErrorName>'}.
 */
export const ChainErrorCode = {
  /** endpoint cannot be reached / chain not running (start(), or a read while disconnected) */
  UNREACHABLE: 'CHAIN_UNREACHABLE',
  /** the client was used before start() or after stop() */
  NOT_STARTED: 'CHAIN_NOT_STARTED',
  /** SubtensorModule.NetworksAdded(netuid) is false */
  UNKNOWN_NETUID: 'CHAIN_UNKNOWN_NETUID',
  /** the hotkey has no uid on the subnet (reads that need one) */
  HOTKEY_NOT_REGISTERED: 'CHAIN_HOTKEY_NOT_REGISTERED',
  /** the runtime lacks a call/storage item the operation needs */
  UNSUPPORTED: 'CHAIN_UNSUPPORTED',
  /** bad argument given to the client (checked before anything is sent) */
  BAD_INPUT: 'CHAIN_BAD_INPUT',
  /** a read did not answer in time */
  TIMEOUT: 'CHAIN_TIMEOUT',
  /** the real-runtime lane: chopsticks is not installed */
  RUNTIME_MISSING: 'CHAIN_RUNTIME_MISSING',
  /** the real-runtime lane: the spec / wasm file is unusable */
  RUNTIME_SPEC: 'CHAIN_RUNTIME_SPEC',
} as const;
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode];
