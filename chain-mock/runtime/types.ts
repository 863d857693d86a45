/**
 * Shared runtime types (codecs + metadata paths) of subtensor's runtime as the local chain
 * implements them. Paths follow the real metadata so @polkadot/api maps them to its known types.
 */
import {
  accountId,
  bool,
  bytesCodec,
  compact,
  enumCodec,
  fixedBytes,
  h256,
  option,
  struct,
  tuple,
  u128,
  u16,
  u32,
  u64,
  u64n,
  u8,
  unit,
  vec,
  type Codec,
  type EnumValue,
  type VariantDef,
} from '../scale';

export { accountId, h256 };

export const multiAddress = enumCodec(
  ['sp_runtime', 'multiaddress', 'MultiAddress'],
  [
    { name: 'Id', index: 0, fields: [['0', accountId, 'AccountId']] },
    { name: 'Raw', index: 2, fields: [['0', bytesCodec, 'Vec<u8>']] },
    { name: 'Address32', index: 3, fields: [['0', fixedBytes(32), '[u8; 32]']] },
    { name: 'Address20', index: 4, fields: [['0', fixedBytes(20), '[u8; 20]']] },
  ],
  [
    { name: 'AccountId', type: accountId },
    { name: 'AccountIndex', type: unit },
  ],
);

export const multiSignature = enumCodec(
  ['sp_runtime', 'MultiSignature'],
  [
    { name: 'Ed25519', index: 0, fields: [['0', fixedBytes(64, ['sp_core', 'ed25519', 'Signature']), 'ed25519::Signature']] },
    { name: 'Sr25519', index: 1, fields: [['0', fixedBytes(64, ['sp_core', 'sr25519', 'Signature']), 'sr25519::Signature']] },
    { name: 'Ecdsa', index: 2, fields: [['0', fixedBytes(65, ['sp_core', 'ecdsa', 'Signature']), 'ecdsa::Signature']] },
  ],
);

/** sp_runtime::generic::era::Era: Immortal + Mortal1..255 (the second byte). */
export const era = enumCodec(
  ['sp_runtime', 'generic', 'era', 'Era'],
  [{ name: 'Immortal', index: 0, fields: [] } as VariantDef].concat(
    Array.from({ length: 255 }, (_, i) => ({ name: `Mortal${i + 1}`, index: i + 1, fields: [['0', u8, null as unknown as string]] as [string, Codec<any>, string?][] })),
  ),
);

export const weight = struct(['sp_weights', 'weight_v2', 'Weight'], [
  ['ref_time', compact(u64), 'u64'],
  ['proof_size', compact(u64), 'u64'],
]);

export const dispatchClass = enumCodec(['frame_support', 'dispatch', 'DispatchClass'], [
  { name: 'Normal', index: 0, fields: [] },
  { name: 'Operational', index: 1, fields: [] },
  { name: 'Mandatory', index: 2, fields: [] },
]);
export const pays = enumCodec(['frame_support', 'dispatch', 'Pays'], [
  { name: 'Yes', index: 0, fields: [] },
  { name: 'No', index: 1, fields: [] },
]);
export const dispatchEventInfo = struct(['frame_system', 'DispatchEventInfo'], [
  ['weight', weight, 'Weight'],
  ['class', dispatchClass, 'DispatchClass'],
  ['pays_fee', pays, 'Pays'],
]);

export const moduleError = struct(['sp_runtime', 'ModuleError'], [
  ['index', u8, 'u8'],
  ['error', fixedBytes(4), '[u8; MAX_MODULE_ERROR_ENCODED_SIZE]'],
]);
export const tokenError = enumCodec(
  ['sp_runtime', 'TokenError'],
  ['FundsUnavailable', 'OnlyProvider', 'BelowMinimum', 'CannotCreate', 'UnknownAsset', 'Frozen', 'Unsupported', 'CannotCreateHold', 'NotExpendable', 'Blocked'].map((name, index) => ({ name, index, fields: [] })),
);
export const arithmeticError = enumCodec(
  ['sp_arithmetic', 'ArithmeticError'],
  ['Underflow', 'Overflow', 'DivisionByZero'].map((name, index) => ({ name, index, fields: [] })),
);
export const transactionalError = enumCodec(
  ['sp_runtime', 'TransactionalError'],
  ['LimitReached', 'NoLayer'].map((name, index) => ({ name, index, fields: [] })),
);
export const dispatchError = enumCodec(['sp_runtime', 'DispatchError'], [
  { name: 'Other', index: 0, fields: [] },
  { name: 'CannotLookup', index: 1, fields: [] },
  { name: 'BadOrigin', index: 2, fields: [] },
  { name: 'Module', index: 3, fields: [['0', moduleError, 'ModuleError']] },
  { name: 'ConsumerRemaining', index: 4, fields: [] },
  { name: 'NoProviders', index: 5, fields: [] },
  { name: 'TooManyConsumers', index: 6, fields: [] },
  { name: 'Token', index: 7, fields: [['0', tokenError, 'TokenError']] },
  { name: 'Arithmetic', index: 8, fields: [['0', arithmeticError, 'ArithmeticError']] },
  { name: 'Transactional', index: 9, fields: [['0', transactionalError, 'TransactionalError']] },
  { name: 'Exhausted', index: 10, fields: [] },
  { name: 'Corruption', index: 11, fields: [] },
  { name: 'Unavailable', index: 12, fields: [] },
  { name: 'RootNotAllowed', index: 13, fields: [] },
]);

export const dispatchResult = enumCodec(
  ['Result'],
  [
    { name: 'Ok', index: 0, fields: [['0', unit, null as unknown as string]] },
    { name: 'Err', index: 1, fields: [['0', dispatchError, null as unknown as string]] },
  ],
  [
    { name: 'T', type: unit },
    { name: 'E', type: dispatchError },
  ],
  '<(),DispatchError>',
);

export const accountData = struct(['pallet_balances', 'types', 'AccountData'], [
  ['free', u64n, 'Balance'],
  ['reserved', u64n, 'Balance'],
  ['frozen', u64n, 'Balance'],
  ['flags', struct(['pallet_balances', 'types', 'ExtraFlags'], [['0', u128, 'u128']]), 'ExtraFlags'],
], [{ name: 'Balance', type: u64n }]);

export interface AccountInfo {
  nonce: number;
  consumers: number;
  providers: number;
  sufficients: number;
  data: { free: bigint; reserved: bigint; frozen: bigint; flags: { '0': bigint } };
}

export const accountInfo = struct<AccountInfo>(['frame_system', 'AccountInfo'], [
  ['nonce', u32, 'Nonce'],
  ['consumers', u32, 'RefCount'],
  ['providers', u32, 'RefCount'],
  ['sufficients', u32, 'RefCount'],
  ['data', accountData, 'AccountData'],
], [
  { name: 'Nonce', type: u32 },
  { name: 'AccountData', type: accountData },
]);

export function emptyAccount(): AccountInfo {
  return { nonce: 0, consumers: 0, providers: 0, sufficients: 0, data: { free: 0n, reserved: 0n, frozen: 0n, flags: { '0': 1n << 127n } } };
}

export const phase = enumCodec(['frame_system', 'Phase'], [
  { name: 'ApplyExtrinsic', index: 0, fields: [['0', u32, 'u32']] },
  { name: 'Finalization', index: 1, fields: [] },
  { name: 'Initialization', index: 2, fields: [] },
]);

export interface AxonInfo {
  block: number;
  version: number;
  ip: bigint;
  port: number;
  ip_type: number;
  protocol: number;
  placeholder1: number;
  placeholder2: number;
}

export const axonInfo = struct<AxonInfo>(['pallet_subtensor', 'AxonInfo'], [
  ['block', u64, 'u64'],
  ['version', u32, 'u32'],
  ['ip', u128, 'u128'],
  ['port', u16, 'u16'],
  ['ip_type', u8, 'u8'],
  ['protocol', u8, 'u8'],
  ['placeholder1', u8, 'u8'],
  ['placeholder2', u8, 'u8'],
]);

export const weightRow = vec(tuple<[number, number]>(u16, u16));
export const weightCommits = vec(tuple<[Uint8Array, number, number, number]>(h256, u64, u64, u64));

export { bool, u8, u16, u32, u64, u64n, u128, vec, tuple, option, compact, bytesCodec, unit };
export type { EnumValue };
