/**
 * The pallets the local chain implements, with subtensor's real pallet indices, call indices and
 * argument names/types, storage names/hashers/types, event and error names and indices.
 * Source: opentensor/subtensor 14bc6f9 (runtime/src/lib.rs construct_runtime!,
 * pallets/subtensor/src/macros/{dispatches,events,errors}.rs, pallets/subtensor/src/lib.rs,
 * pallets/admin-utils/src/lib.rs) and the FRAME pallets (System, Timestamp, Balances, Sudo).
 * Only the subset implemented is listed; indices are explicit, so gaps are faithful.
 */
import { i16, lazy, struct, type Codec, type Fields, type VariantDef } from '../scale';
import { SUBTENSOR_ERRORS } from './subtensorErrors';
import {
  accountId,
  accountInfo,
  axonInfo,
  bool,
  bytesCodec,
  compact,
  dispatchError,
  dispatchEventInfo,
  dispatchResult,
  h256,
  multiAddress,
  option,
  tuple,
  u128,
  u16,
  u32,
  u64,
  u64n,
  u8,
  vec,
  weight,
  weightCommits,
  weightRow,
} from './types';

export type Hasher = 'Identity' | 'Blake2_128Concat' | 'Twox64Concat';

export interface StorageDef {
  name: string;
  /** 'Default' = ValueQuery (missing key reads as `fallback`), 'Optional' = OptionQuery */
  modifier: 'Default' | 'Optional';
  keys: [Hasher, Codec<any>][];
  value: Codec<any>;
  fallback?: unknown;
}

export interface CallDef {
  name: string;
  index: number;
  args: Fields;
}

export interface EventDef {
  name: string;
  index: number;
  fields: Fields;
  named?: boolean;
}

export interface ConstantDef {
  name: string;
  codec: Codec<any>;
  value: unknown;
}

export interface PalletDef {
  name: string;
  index: number;
  /** crate path prefix for the Call/Event/Error enums */
  crate: string;
  calls?: CallDef[];
  events?: EventDef[];
  errors?: string[] | { name: string; index: number }[];
  storage?: StorageDef[];
  constants?: ConstantDef[];
}

/** The RuntimeCall codec, resolved lazily (Sudo's `call: Box<RuntimeCall>` is recursive). */
let runtimeCallCodec: Codec<any> | null = null;
export function setRuntimeCallCodec(c: Codec<any>): void {
  runtimeCallCodec = c;
}
export const boxedCall = lazy('node_subtensor_runtime::RuntimeCall', () => {
  if (!runtimeCallCodec) throw new Error('RuntimeCall codec not set');
  return runtimeCallCodec;
});

const netuid: [string, Codec<any>, string] = ['netuid', u16, 'NetUid'];

/** pallet_subtensor::SubnetIdentityV3 (lib.rs) */
export const subnetIdentityV3 = struct(
  ['pallet_subtensor', 'pallet', 'SubnetIdentityV3'],
  (['subnet_name', 'github_repo', 'subnet_contact', 'subnet_url', 'discord', 'description', 'logo_url', 'additional'] as const).map((f) => [f, bytesCodec, 'Vec<u8>'] as [string, Codec<any>, string]),
);
const plain = (name: string, value: Codec<any>, fallback: unknown, modifier: 'Default' | 'Optional' = 'Default'): StorageDef => ({ name, modifier, keys: [], value, fallback });
const byNet = (name: string, value: Codec<any>, fallback: unknown, hasher: Hasher = 'Identity', modifier: 'Default' | 'Optional' = 'Default'): StorageDef => ({
  name,
  modifier,
  keys: [[hasher, u16]],
  value,
  fallback,
});

const ZERO_ACCOUNT = new Uint8Array(32);
/** subtensor's DefaultSubnetOwner / DefaultAccount: AccountId decoded from zero bytes */

export const SYSTEM: PalletDef = {
  name: 'System',
  index: 0,
  crate: 'frame_system',
  calls: [
    { name: 'remark', index: 0, args: [['remark', bytesCodec, 'Vec<u8>']] },
    { name: 'remark_with_event', index: 7, args: [['remark', bytesCodec, 'Vec<u8>']] },
  ],
  events: [
    { name: 'ExtrinsicSuccess', index: 0, named: true, fields: [['dispatch_info', dispatchEventInfo, 'DispatchEventInfo']] },
    { name: 'ExtrinsicFailed', index: 1, named: true, fields: [['dispatch_error', dispatchError, 'DispatchError'], ['dispatch_info', dispatchEventInfo, 'DispatchEventInfo']] },
    { name: 'CodeUpdated', index: 2, fields: [] },
    { name: 'NewAccount', index: 3, named: true, fields: [['account', accountId, 'T::AccountId']] },
    { name: 'KilledAccount', index: 4, named: true, fields: [['account', accountId, 'T::AccountId']] },
    { name: 'Remarked', index: 5, named: true, fields: [['sender', accountId, 'T::AccountId'], ['hash', h256, 'T::Hash']] },
  ],
  errors: ['InvalidSpecName', 'SpecVersionNeedsToIncrease', 'FailedToExtractRuntimeVersion', 'NonDefaultComposite', 'NonZeroRefCount', 'CallFiltered', 'MultiBlockMigrationsOngoing', 'NothingAuthorized', 'Unauthorized'],
  storage: [
    {
      name: 'Account',
      modifier: 'Default',
      keys: [['Blake2_128Concat', accountId]],
      value: accountInfo,
      // AccountInfo::default(): all zero (56 bytes)
      fallback: { nonce: 0, consumers: 0, providers: 0, sufficients: 0, data: { free: 0n, reserved: 0n, frozen: 0n, flags: { '0': 0n } } },
    },
    { name: 'BlockHash', modifier: 'Default', keys: [['Twox64Concat', u32]], value: h256, fallback: new Uint8Array(32) },
    plain('Number', u32, 0),
    plain('ParentHash', h256, new Uint8Array(32)),
    plain('EventCount', u32, 0),
  ],
  constants: [
    { name: 'BlockHashCount', codec: u32, value: 4096 },
    { name: 'SS58Prefix', codec: u16, value: 42 },
  ],
};

export const TIMESTAMP: PalletDef = {
  name: 'Timestamp',
  index: 2,
  crate: 'pallet_timestamp',
  calls: [{ name: 'set', index: 0, args: [['now', compact(u64), 'T::Moment']] }],
  storage: [plain('Now', u64, 0), plain('DidUpdate', bool, false)],
  constants: [{ name: 'MinimumPeriod', codec: u64, value: 125 }],
};

export const BALANCES: PalletDef = {
  name: 'Balances',
  index: 5,
  crate: 'pallet_balances',
  calls: [
    { name: 'transfer_allow_death', index: 0, args: [['dest', multiAddress, 'AccountIdLookupOf<T>'], ['value', compact(u64n, true), 'T::Balance']] },
    { name: 'force_transfer', index: 2, args: [['source', multiAddress, 'AccountIdLookupOf<T>'], ['dest', multiAddress, 'AccountIdLookupOf<T>'], ['value', compact(u64n, true), 'T::Balance']] },
    { name: 'transfer_keep_alive', index: 3, args: [['dest', multiAddress, 'AccountIdLookupOf<T>'], ['value', compact(u64n, true), 'T::Balance']] },
    { name: 'transfer_all', index: 4, args: [['dest', multiAddress, 'AccountIdLookupOf<T>'], ['keep_alive', bool, 'bool']] },
    { name: 'force_set_balance', index: 8, args: [['who', multiAddress, 'AccountIdLookupOf<T>'], ['new_free', compact(u64n, true), 'T::Balance']] },
  ],
  events: [
    { name: 'Endowed', index: 0, named: true, fields: [['account', accountId, 'T::AccountId'], ['free_balance', u64n, 'T::Balance']] },
    { name: 'DustLost', index: 1, named: true, fields: [['account', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
    { name: 'Transfer', index: 2, named: true, fields: [['from', accountId, 'T::AccountId'], ['to', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
    { name: 'BalanceSet', index: 3, named: true, fields: [['who', accountId, 'T::AccountId'], ['free', u64n, 'T::Balance']] },
    { name: 'Deposit', index: 7, named: true, fields: [['who', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
    { name: 'Withdraw', index: 8, named: true, fields: [['who', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
    { name: 'Minted', index: 10, named: true, fields: [['who', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
    { name: 'Burned', index: 11, named: true, fields: [['who', accountId, 'T::AccountId'], ['amount', u64n, 'T::Balance']] },
  ],
  errors: ['VestingBalance', 'LiquidityRestrictions', 'InsufficientBalance', 'ExistentialDeposit', 'Expendability', 'ExistingVestingSchedule', 'DeadAccount', 'TooManyReserves', 'TooManyHolds', 'TooManyFreezes', 'IssuanceDeactivated', 'DeltaZero'],
  storage: [plain('TotalIssuance', u64n, 0n), plain('InactiveIssuance', u64n, 0n)],
  constants: [
    { name: 'ExistentialDeposit', codec: u64n, value: 500n },
    { name: 'MaxLocks', codec: u32, value: 50 },
    { name: 'MaxReserves', codec: u32, value: 50 },
    { name: 'MaxFreezes', codec: u32, value: 50 },
  ],
};

export const SUDO: PalletDef = {
  name: 'Sudo',
  index: 12,
  crate: 'pallet_sudo',
  calls: [
    { name: 'sudo', index: 0, args: [['call', boxedCall, 'Box<<T as Config>::RuntimeCall>']] },
    { name: 'sudo_unchecked_weight', index: 1, args: [['call', boxedCall, 'Box<<T as Config>::RuntimeCall>'], ['weight', weight, 'Weight']] },
    { name: 'set_key', index: 2, args: [['new', multiAddress, 'AccountIdLookupOf<T>']] },
    { name: 'sudo_as', index: 3, args: [['who', multiAddress, 'AccountIdLookupOf<T>'], ['call', boxedCall, 'Box<<T as Config>::RuntimeCall>']] },
    { name: 'remove_key', index: 4, args: [] },
  ],
  events: [
    { name: 'Sudid', index: 0, named: true, fields: [['sudo_result', dispatchResult, 'DispatchResult']] },
    { name: 'KeyChanged', index: 1, named: true, fields: [['old', option(accountId), 'Option<T::AccountId>'], ['new', accountId, 'T::AccountId']] },
    { name: 'KeyRemoved', index: 2, fields: [] },
    { name: 'SudoAsDone', index: 3, named: true, fields: [['sudo_result', dispatchResult, 'DispatchResult']] },
  ],
  errors: ['RequireSudo'],
  storage: [plain('Key', accountId, null, 'Optional')],
};

export const UTILITY: PalletDef = {
  name: 'Utility',
  index: 11,
  crate: 'pallet_utility',
  calls: [
    { name: 'batch', index: 0, args: [['calls', vec(boxedCall), 'Vec<<T as Config>::RuntimeCall>']] },
    { name: 'batch_all', index: 2, args: [['calls', vec(boxedCall), 'Vec<<T as Config>::RuntimeCall>']] },
    { name: 'force_batch', index: 4, args: [['calls', vec(boxedCall), 'Vec<<T as Config>::RuntimeCall>']] },
  ],
  events: [
    { name: 'BatchInterrupted', index: 0, named: true, fields: [['index', u32, 'u32'], ['error', dispatchError, 'DispatchError']] },
    { name: 'BatchCompleted', index: 1, fields: [] },
    { name: 'BatchCompletedWithErrors', index: 2, fields: [] },
    { name: 'ItemCompleted', index: 3, fields: [] },
    { name: 'ItemFailed', index: 4, named: true, fields: [['error', dispatchError, 'DispatchError']] },
  ],
  errors: ['TooManyCalls'],
  constants: [{ name: 'batched_calls_limit', codec: u32, value: 10_922 }],
};

const adminCall = (name: string, index: number, args: [string, Codec<any>, string][]): CallDef => ({ name, index, args });
export const ADMIN_UTILS: PalletDef = {
  name: 'AdminUtils',
  index: 19,
  crate: 'pallet_admin_utils',
  calls: [
    adminCall('sudo_set_serving_rate_limit', 3, [netuid, ['serving_rate_limit', u64n, 'u64']]),
    adminCall('sudo_set_weights_version_key', 6, [netuid, ['weights_version_key', u64n, 'u64']]),
    adminCall('sudo_set_weights_set_rate_limit', 7, [netuid, ['weights_set_rate_limit', u64n, 'u64']]),
    adminCall('sudo_set_immunity_period', 13, [netuid, ['immunity_period', u16, 'u16']]),
    adminCall('sudo_set_min_allowed_weights', 14, [netuid, ['min_allowed_weights', u16, 'u16']]),
    adminCall('sudo_set_max_allowed_uids', 15, [netuid, ['max_allowed_uids', u16, 'u16']]),
    adminCall('sudo_set_kappa', 16, [netuid, ['kappa', u16, 'u16']]),
    adminCall('sudo_set_rho', 17, [netuid, ['rho', u16, 'u16']]),
    adminCall('sudo_set_activity_cutoff', 18, [netuid, ['activity_cutoff', u16, 'u16']]),
    adminCall('sudo_set_network_registration_allowed', 19, [netuid, ['registration_allowed', bool, 'bool']]),
    adminCall('sudo_set_target_registrations_per_interval', 21, [netuid, ['target_registrations_per_interval', u16, 'u16']]),
    adminCall('sudo_set_min_burn', 22, [netuid, ['min_burn', u64n, 'TaoBalance']]),
    adminCall('sudo_set_max_burn', 23, [netuid, ['max_burn', u64n, 'TaoBalance']]),
    adminCall('sudo_set_max_allowed_validators', 25, [netuid, ['max_allowed_validators', u16, 'u16']]),
    adminCall('sudo_set_bonds_moving_average', 26, [netuid, ['bonds_moving_average', u64n, 'u64']]),
    adminCall('sudo_set_max_registrations_per_block', 27, [netuid, ['max_registrations_per_block', u16, 'u16']]),
    adminCall('sudo_set_network_rate_limit', 29, [['rate_limit', u64n, 'u64']]),
    adminCall('sudo_set_tempo', 30, [netuid, ['tempo', u16, 'u16']]),
    adminCall('sudo_set_stake_threshold', 42, [['min_stake', u64n, 'u64']]),
    adminCall('sudo_set_commit_reveal_weights_enabled', 49, [netuid, ['enabled', bool, 'bool']]),
    adminCall('sudo_set_liquid_alpha_enabled', 50, [netuid, ['enabled', bool, 'bool']]),
    adminCall('sudo_set_alpha_values', 51, [netuid, ['alpha_low', u16, 'u16'], ['alpha_high', u16, 'u16']]),
    adminCall('sudo_set_commit_reveal_weights_interval', 57, [netuid, ['interval', u64n, 'u64']]),
    adminCall('sudo_set_bonds_penalty', 60, [netuid, ['bonds_penalty', u16, 'u16']]),
    adminCall('sudo_set_yuma3_enabled', 69, [netuid, ['enabled', bool, 'bool']]),
  ],
  events: [
    { name: 'Yuma3EnableToggled', index: 1, named: true, fields: [['netuid', u16, 'NetUid'], ['enabled', bool, 'bool']] },
  ],
  errors: ['SubnetDoesNotExist', 'MaxValidatorsLargerThanMaxUIds', 'MaxAllowedUIdsLessThanCurrentUIds', 'BondsMovingAverageMaxReached', 'NegativeSigmoidSteepness', 'ValueNotInBounds', 'MinAllowedUidsGreaterThanCurrentUids', 'MinAllowedUidsGreaterThanMaxAllowedUids', 'MaxAllowedUidsLessThanMinAllowedUids', 'MaxAllowedUidsGreaterThanDefaultMaxAllowedUids', 'InvalidValue', 'NotPermittedOnRootSubnet', 'POWRegistrationDisabled', 'Deprecated'],
};

const ev = (name: string, index: number, ...types: [Codec<any>, string][]): EventDef => ({ name, index, fields: types.map(([c, t], i) => [String(i), c, t]) });
const NET: [Codec<any>, string] = [u16, 'NetUid'];
const NSI: [Codec<any>, string] = [u16, 'NetUidStorageIndex'];
const ACC: [Codec<any>, string] = [accountId, 'T::AccountId'];

export const SUBTENSOR: PalletDef = {
  name: 'SubtensorModule',
  index: 7,
  crate: 'pallet_subtensor',
  calls: [
    { name: 'set_weights', index: 0, args: [netuid, ['dests', vec(u16), 'Vec<u16>'], ['weights', vec(u16), 'Vec<u16>'], ['version_key', u64n, 'u64']] },
    { name: 'add_stake', index: 2, args: [['hotkey', accountId, 'T::AccountId'], netuid, ['amount_staked', u64n, 'TaoBalance']] },
    { name: 'remove_stake', index: 3, args: [['hotkey', accountId, 'T::AccountId'], netuid, ['amount_unstaked', u64n, 'AlphaBalance']] },
    {
      name: 'serve_axon',
      index: 4,
      args: [netuid, ['version', u32, 'u32'], ['ip', u128, 'u128'], ['port', u16, 'u16'], ['ip_type', u8, 'u8'], ['protocol', u8, 'u8'], ['placeholder1', u8, 'u8'], ['placeholder2', u8, 'u8']],
    },
    { name: 'burned_register', index: 7, args: [netuid, ['hotkey', accountId, 'T::AccountId']] },
    { name: 'register_network', index: 59, args: [['hotkey', accountId, 'T::AccountId']] },
    { name: 'register_network_with_identity', index: 79, args: [['hotkey', accountId, 'T::AccountId'], ['identity', option(subnetIdentityV3), 'Option<SubnetIdentityOfV3>']] },
    { name: 'start_call', index: 92, args: [netuid] },
    { name: 'commit_weights', index: 96, args: [netuid, ['commit_hash', h256, 'H256']] },
    { name: 'reveal_weights', index: 97, args: [netuid, ['uids', vec(u16), 'Vec<u16>'], ['values', vec(u16), 'Vec<u16>'], ['salt', vec(u16), 'Vec<u16>'], ['version_key', u64n, 'u64']] },
  ],
  events: [
    ev('NetworkAdded', 0, NET, [u16, 'u16']),
    ev('NetworkRemoved', 1, NET),
    ev('StakeAdded', 2, ACC, ACC, [u64n, 'TaoBalance'], [u64n, 'AlphaBalance'], NET, [u64n, 'u64']),
    ev('StakeRemoved', 3, ACC, ACC, [u64n, 'TaoBalance'], [u64n, 'AlphaBalance'], NET, [u64n, 'u64']),
    ev('WeightsSet', 5, NSI, [u16, 'u16']),
    ev('NeuronRegistered', 6, NET, [u16, 'u16'], ACC),
    ev('MaxAllowedUidsSet', 9, NET, [u16, 'u16']),
    ev('MaxWeightLimitSet', 10, NET, [u16, 'u16']),
    ev('AdjustmentIntervalSet', 12, NET, [u16, 'u16']),
    ev('RegistrationPerIntervalSet', 13, NET, [u16, 'u16']),
    ev('MaxRegistrationsPerBlockSet', 14, NET, [u16, 'u16']),
    ev('ActivityCutoffSet', 15, NET, [u16, 'u16']),
    ev('RhoSet', 16, NET, [u16, 'u16']),
    ev('KappaSet', 18, NET, [u16, 'u16']),
    ev('MinAllowedWeightSet', 19, NET, [u16, 'u16']),
    ev('WeightsSetRateLimitSet', 22, NET, [u64n, 'u64']),
    ev('ImmunityPeriodSet', 23, NET, [u16, 'u16']),
    ev('BondsMovingAverageSet', 24, NET, [u64n, 'u64']),
    ev('BondsPenaltySet', 25, NET, [u16, 'u16']),
    ev('MaxAllowedValidatorsSet', 27, NET, [u16, 'u16']),
    ev('AxonServed', 28, NET, ACC),
    ev('WeightsVersionKeySet', 32, NET, [u64n, 'u64']),
    ev('MinDifficultySet', 33, NET, [u64n, 'u64']),
    ev('MaxDifficultySet', 34, NET, [u64n, 'u64']),
    ev('ServingRateLimitSet', 35, NET, [u64n, 'u64']),
    ev('BurnSet', 36, NET, [u64n, 'TaoBalance']),
    ev('MaxBurnSet', 37, NET, [u64n, 'TaoBalance']),
    ev('MinBurnSet', 38, NET, [u64n, 'TaoBalance']),
    ev('RegistrationAllowed', 50, NET, [bool, 'bool']),
    ev('TempoSet', 52, NET, [u16, 'u16']),
    ev('RAORecycledForRegistrationSet', 53, NET, [u64n, 'TaoBalance']),
    ev('StakeThresholdSet', 54, [u64n, 'u64']),
    ev('AdjustmentAlphaSet', 55, NET, [u64n, 'u64']),
    ev('NetworkRateLimitSet', 58, [u64n, 'u64']),
    ev('WeightsCommitted', 85, ACC, NSI, [h256, 'H256']),
    ev('WeightsRevealed', 86, ACC, NSI, [h256, 'H256']),
    ev('FirstEmissionBlockNumberSet', 95, NET, [u64n, 'u64']),
    ev('CommitRevealPeriodsSet', 100, NET, [u64n, 'u64']),
    ev('CommitRevealEnabled', 101, NET, [bool, 'bool']),
  ],
  errors: SUBTENSOR_ERRORS as string[],
  storage: [
    plain('TotalStake', u64n, 0n),
    plain('TotalNetworks', u16, 0),
    plain('NetworkRateLimit', u64, 7200),
    plain('StakeThreshold', u64, 0),
    plain('TaoWeight', u64n, 971_718_665_099_567_868n),
    plain('CommitRevealWeightsVersion', u16, 4),
    { name: 'Owner', modifier: 'Default', keys: [['Blake2_128Concat', accountId]], value: accountId, fallback: ZERO_ACCOUNT },
    { name: 'OwnedHotkeys', modifier: 'Default', keys: [['Blake2_128Concat', accountId]], value: vec(accountId), fallback: [] },
    { name: 'StakingHotkeys', modifier: 'Default', keys: [['Blake2_128Concat', accountId]], value: vec(accountId), fallback: [] },
    { name: 'TotalHotkeyAlpha', modifier: 'Default', keys: [['Blake2_128Concat', accountId], ['Identity', u16]], value: u64n, fallback: 0n },
    byNet('SubnetworkN', u16, 0),
    byNet('NetworksAdded', bool, false),
    byNet('NetworkRegistrationAllowed', bool, false),
    byNet('NetworkRegisteredAt', u64, 0),
    byNet('SubnetMechanism', u16, 0),
    byNet('SubnetOwner', accountId, ZERO_ACCOUNT),
    byNet('SubnetOwnerHotkey', accountId, ZERO_ACCOUNT),
    byNet('SubnetAlphaOut', u64n, 0n),
    byNet('FirstEmissionBlockNumber', u64, null, 'Identity', 'Optional'),
    byNet('SubtokenEnabled', bool, false),
    byNet('LastEpochBlock', u64, 0),
    byNet('BlocksSinceLastStep', u64, 0),
    byNet('LastMechansimStepBlock', u64, 0),
    byNet('Tempo', u16, 360),
    byNet('Kappa', u16, 32_767),
    byNet('Rho', u16, 10),
    byNet('AlphaSigmoidSteepness', i16, 1000),
    byNet('ImmunityPeriod', u16, 4096),
    byNet('ActivityCutoff', u16, 5000),
    byNet('MaxAllowedUids', u16, 256),
    byNet('MinAllowedWeights', u16, 1024),
    byNet('MaxWeightsLimit', u16, 65_535),
    byNet('MaxAllowedValidators', u16, 128),
    byNet('WeightsVersionKey', u64n, 0n),
    byNet('WeightsSetRateLimit', u64, 100),
    byNet('ServingRateLimit', u64, 50),
    byNet('BondsMovingAverage', u64, 900_000),
    byNet('BondsPenalty', u16, 65_535),
    byNet('CommitRevealWeightsEnabled', bool, true),
    byNet('RevealPeriodEpochs', u64, 1, 'Twox64Concat'),
    byNet('LiquidAlphaOn', bool, false, 'Blake2_128Concat'),
    byNet('Yuma3On', bool, false, 'Blake2_128Concat'),
    byNet('AlphaValues', tuple<[number, number]>(u16, u16), [45_875, 58_982]),
    byNet('Burn', u64n, 100_000_000n),
    byNet('MinBurn', u64n, 500_000n),
    byNet('MaxBurn', u64n, 100_000_000_000n),
    byNet('TargetRegistrationsPerInterval', u16, 2),
    byNet('MaxRegistrationsPerBlock', u16, 1),
    byNet('RegistrationsThisBlock', u16, 0),
    byNet('RegistrationsThisInterval', u16, 0),
    byNet('MechanismCountCurrent', u8, 1, 'Twox64Concat'),
    byNet('StakeWeight', vec(u16), []),
    byNet('Active', vec(bool), []),
    byNet('Consensus', vec(u16), []),
    byNet('Incentive', vec(u16), []),
    byNet('Dividends', vec(u16), []),
    byNet('Emission', vec(u64n), []),
    byNet('LastUpdate', vec(u64), []),
    byNet('ValidatorTrust', vec(u16), []),
    byNet('ValidatorPermit', vec(bool), []),
    { name: 'Uids', modifier: 'Optional', keys: [['Identity', u16], ['Blake2_128Concat', accountId]], value: u16, fallback: null },
    { name: 'Keys', modifier: 'Default', keys: [['Identity', u16], ['Identity', u16]], value: accountId, fallback: ZERO_ACCOUNT },
    { name: 'Weights', modifier: 'Default', keys: [['Identity', u16], ['Identity', u16]], value: weightRow, fallback: [] },
    { name: 'Bonds', modifier: 'Default', keys: [['Identity', u16], ['Identity', u16]], value: weightRow, fallback: [] },
    { name: 'BlockAtRegistration', modifier: 'Default', keys: [['Identity', u16], ['Identity', u16]], value: u64, fallback: 0 },
    { name: 'Axons', modifier: 'Optional', keys: [['Identity', u16], ['Blake2_128Concat', accountId]], value: axonInfo, fallback: null },
    { name: 'SubnetIdentitiesV3', modifier: 'Optional', keys: [['Blake2_128Concat', u16]], value: subnetIdentityV3, fallback: null },
    { name: 'WeightCommits', modifier: 'Optional', keys: [['Twox64Concat', u16], ['Twox64Concat', accountId]], value: weightCommits, fallback: null },
  ],
};


export const PALLETS: PalletDef[] = [SYSTEM, TIMESTAMP, BALANCES, SUBTENSOR, UTILITY, SUDO, ADMIN_UTILS];

export type { VariantDef };
