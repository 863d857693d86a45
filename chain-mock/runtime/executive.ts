/**
 * The runtime's state transition: block initialisation/finalisation, applying a verified
 * extrinsic (nonce, dispatch in a transactional layer, System events), and the calls of System,
 * Balances, Sudo, AdminUtils and SubtensorModule with subtensor's checks, order and error names
 * (opentensor/subtensor 14bc6f9). Synchronous and pure over `State`; no I/O, no clock.
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aEq, u8aToHex } from '@polkadot/util';
import { yumaEpoch, type EpochInput, type EpochOutput } from '../../shared/yuma';
import { vecU16MaxUpscaleToU16 } from '../../shared/weights';
import { Writer, encode, decode } from '../scale';
import type { EnumValue } from '../scale';
import type { State } from '../state';
import { storageKeyHex, type EventRecordValue, type RuntimeCall, type Runtime } from './metadata';
import { emptyAccount, u64n, type AccountInfo, type AxonInfo } from './types';
import type { ParsedExtrinsic } from '../extrinsic';
import { TxError } from '../extrinsic';

export type Origin = { kind: 'signed'; who: Uint8Array } | { kind: 'root' };

/** A dispatch error (sp_runtime::DispatchError as an enum value). */
export class DispatchFailure extends Error {
  constructor(readonly error: EnumValue) {
    super(describeDispatchError(error));
    this.name = 'DispatchFailure';
  }
}

function describeDispatchError(e: EnumValue): string {
  if (e.tag === 'Module') {
    const m = e.values?.[0] as { index: number; error: Uint8Array } | undefined;
    return `Module(${m?.index}, ${m?.error?.[0]})`;
  }
  if (e.tag === 'Token') return `Token(${(e.values?.[0] as EnumValue).tag})`;
  return e.tag;
}

export type EpochFn = (input: EpochInput) => EpochOutput;

export interface RuntimeOptions {
  /** alpha (rao) emitted to each subnet per block, distributed at its epoch */
  blockEmission: bigint;
  /** accept 127.0.0.1 / ::1 in serve_axon (subtensor rejects them: InvalidIpAddress) */
  allowLoopbackAxons: boolean;
  /** tempo given to new subnets by register_network (subtensor: DefaultTempo; 360, fast runtime 10) */
  defaultTempo: number;
  /** TAO locked by register_network (subtensor's NetworkMinLockCost; 1000 TAO) */
  networkLockCost: bigint;
  /** minimum add_stake amount (subtensor DefaultMinStake) */
  minStake: bigint;
  /** non-immune uids that must remain before an immune one may be pruned */
  minNonImmuneUids: number;
  /** epochs run at most this many per block (subtensor MaxEpochsPerBlock) */
  maxEpochsPerBlock: number;
}

export const defaultRuntimeOptions: RuntimeOptions = {
  blockEmission: 1_000_000_000n,
  allowLoopbackAxons: false,
  defaultTempo: 10,
  networkLockCost: 1_000_000_000_000n,
  minStake: 2_000_000n,
  minNonImmuneUids: 10,
  maxEpochsPerBlock: 32,
};

export interface ApplyResult {
  success: boolean;
  error?: EnumValue;
  /** the module error by name, when the failure is a module error */
  errorName?: { pallet: string; name: string };
}

const ST = 'SubtensorModule';
const ROOT_NETUID = 0;
/** calls whose DispatchInfo says Pays::No (subtensor weights/serving calls) */
const PAYS_NO = new Set(['set_weights', 'commit_weights', 'reveal_weights', 'serve_axon']);
const MOCK_PREFIX = '0x3a6d6f636b3a'; // ":mock:"

function mockKey(name: string, ...parts: (Uint8Array | number)[]): string {
  let s = MOCK_PREFIX + Buffer.from(name).toString('hex');
  for (const p of parts) s += typeof p === 'number' ? p.toString(16).padStart(8, '0') : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex');
  return s;
}

export class Executive {
  events: EventRecordValue[] = [];
  blockNumber = 0;
  /** netuids whose epoch ran in the current block */
  lastEpochs: number[] = [];
  private phaseIndex: number | null = null;
  private readonly epochFn: EpochFn;

  constructor(
    readonly rt: Runtime,
    readonly state: State,
    readonly opts: RuntimeOptions = defaultRuntimeOptions,
    epochFn?: EpochFn,
  ) {
    this.epochFn = epochFn ?? yumaEpoch;
  }

  // ---------------------------------------------------------------------------------------
  // helpers

  err(pallet: string, name: string): DispatchFailure {
    const m = this.rt.moduleError(pallet, name);
    return new DispatchFailure({ tag: 'Module', values: [{ index: m.index, error: new Uint8Array([m.error, 0, 0, 0]) }] });
  }
  stErr(name: string): DispatchFailure {
    return this.err(ST, name);
  }
  ensure(cond: boolean, name: string, pallet = ST): void {
    if (!cond) throw this.err(pallet, name);
  }
  deposit(pallet: string, name: string, ...values: unknown[]): void {
    this.events.push({
      phase: this.phaseIndex === null ? { tag: 'Initialization' } : { tag: 'ApplyExtrinsic', index: this.phaseIndex },
      event: { pallet, name, values },
    });
  }
  S<T = any>(name: string, ...keys: unknown[]): T {
    return this.state.get<T>(ST, name, ...keys);
  }
  setS(name: string, keys: unknown[], value: unknown): void {
    this.state.set(ST, name, keys, value);
  }

  account(who: Uint8Array): AccountInfo {
    return (this.state.get<AccountInfo | null>('System', 'Account', who) ?? emptyAccount()) as AccountInfo;
  }
  setAccount(who: Uint8Array, a: AccountInfo): void {
    this.state.set('System', 'Account', [who], a);
  }
  free(who: Uint8Array): bigint {
    return this.account(who).data.free;
  }
  /** Adds (or removes, negative) free balance; creates/reaps like Balances with ED 500. */
  mutateFree(who: Uint8Array, delta: bigint): void {
    const a = this.account(who);
    const free = a.data.free + delta;
    if (free < 0n) throw new DispatchFailure({ tag: 'Token', values: [{ tag: 'FundsUnavailable', values: [] }] });
    const wasAlive = a.providers > 0;
    const next: AccountInfo = { ...a, data: { ...a.data, free } };
    if (!wasAlive && free > 0n) {
      next.providers = 1;
      this.deposit('System', 'NewAccount', who);
      this.deposit('Balances', 'Endowed', who, free);
    }
    this.setAccount(who, next);
  }
  issuance(delta: bigint): void {
    const t = this.state.get<bigint>('Balances', 'TotalIssuance');
    this.state.set('Balances', 'TotalIssuance', [], t + delta < 0n ? 0n : t + delta);
  }

  // ---------------------------------------------------------------------------------------
  // block lifecycle

  initializeBlock(number: number, parentHash: Uint8Array, timestampMs: number): void {
    this.blockNumber = number;
    this.events = [];
    this.phaseIndex = null;
    this.state.set('System', 'Number', [], number);
    this.state.set('System', 'ParentHash', [], parentHash);
    this.state.set('Timestamp', 'Now', [], timestampMs);
    // on_initialize: per-block registration counters, then subtensor's block_step (coinbase and
    // the epochs due at this block) run before the block's extrinsics, as on subtensor
    for (const netuid of this.netuids()) {
      if (this.S<number>('RegistrationsThisBlock', netuid) !== 0) this.setS('RegistrationsThisBlock', [netuid], 0);
    }
    this.lastEpochs = number > 0 ? this.runCoinbase() : [];
  }

  /** Writes System.Events; returns the netuids whose epoch ran in this block. */
  finalizeBlock(): { epochs: number[] } {
    this.phaseIndex = null;
    const epochs = this.lastEpochs;
    this.state.set('System', 'EventCount', [], this.events.length);
    this.state.setRaw(this.state.key('System', 'Events'), encode(this.rt.eventRecords, this.events), this.events);
    return { epochs };
  }

  /** Applies one extrinsic at index `index` of the block. Throws TxError when it cannot be included. */
  applyExtrinsic(px: ParsedExtrinsic, index: number): ApplyResult {
    const a = this.account(px.signer);
    const pays = !PAYS_NO.has(px.call.call);
    if (pays && a.providers === 0 && a.sufficients === 0) throw new TxError('Payment');
    if (px.nonce < a.nonce) throw new TxError('Stale');
    if (px.nonce > a.nonce) throw new TxError('Future');
    this.phaseIndex = index;
    this.setAccount(px.signer, { ...a, nonce: a.nonce + 1 });
    const info = { weight: { ref_time: 100_000_000, proof_size: 0 }, class: { tag: 'Normal', values: [] }, pays_fee: { tag: pays ? 'Yes' : 'No', values: [] } };
    const r = this.dispatchTransactional({ kind: 'signed', who: px.signer }, px.call);
    if (r.success) this.deposit('System', 'ExtrinsicSuccess', info);
    else this.deposit('System', 'ExtrinsicFailed', r.error, info);
    this.phaseIndex = null;
    return r;
  }

  dispatchTransactional(origin: Origin, call: RuntimeCall): ApplyResult {
    const mark = this.events.length;
    this.state.begin();
    try {
      this.dispatch(origin, call);
      this.state.commit();
      return { success: true };
    } catch (e) {
      this.state.rollback();
      this.events.length = mark;
      if (e instanceof DispatchFailure) {
        let errorName: ApplyResult['errorName'];
        if (e.error.tag === 'Module') {
          const m = e.error.values?.[0] as { index: number; error: Uint8Array };
          errorName = this.rt.errorName(m.index, m.error[0]) ?? undefined;
        }
        return { success: false, error: e.error, errorName };
      }
      if (e instanceof RangeError || (e instanceof Error && /SCALE_RANGE|out of range/.test(String((e as { code?: string }).code ?? e.message)))) {
        return { success: false, error: { tag: 'Arithmetic', values: [{ tag: 'Overflow', values: [] }] } };
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------
  // dispatch

  dispatch(origin: Origin, call: RuntimeCall): void {
    const a = call.args;
    const signed = (): Uint8Array => {
      if (origin.kind !== 'signed') throw new DispatchFailure({ tag: 'BadOrigin', values: [] });
      return origin.who;
    };
    switch (`${call.pallet}.${call.call}`) {
      case 'System.remark':
        signed();
        return;
      case 'System.remark_with_event': {
        const who = signed();
        this.deposit('System', 'Remarked', who, blake2AsU8a(a.remark, 256));
        return;
      }
      case 'Timestamp.set':
        throw new DispatchFailure({ tag: 'BadOrigin', values: [] });
      case 'Balances.transfer_allow_death':
      case 'Balances.transfer_keep_alive':
        return this.transfer(signed(), this.lookup(a.dest), a.value, call.call === 'transfer_keep_alive');
      case 'Balances.transfer_all': {
        const who = signed();
        const amount = this.free(who) - (a.keep_alive ? 500n : 0n);
        return this.transfer(who, this.lookup(a.dest), amount > 0n ? amount : 0n, a.keep_alive);
      }
      case 'Balances.force_transfer':
        this.ensureRoot(origin);
        return this.transfer(this.lookup(a.source), this.lookup(a.dest), a.value, false);
      case 'Balances.force_set_balance': {
        this.ensureRoot(origin);
        const who = this.lookup(a.who);
        const delta = (a.new_free as bigint) - this.free(who);
        this.mutateFree(who, delta);
        this.issuance(delta);
        this.deposit('Balances', 'BalanceSet', who, a.new_free);
        return;
      }
      case 'Sudo.sudo':
      case 'Sudo.sudo_unchecked_weight': {
        this.ensureSudo(origin);
        const r = this.dispatchTransactional({ kind: 'root' }, a.call);
        this.deposit('Sudo', 'Sudid', r.success ? { tag: 'Ok', values: [null] } : { tag: 'Err', values: [r.error] });
        return;
      }
      case 'Sudo.sudo_as': {
        this.ensureSudo(origin);
        const r = this.dispatchTransactional({ kind: 'signed', who: this.lookup(a.who) }, a.call);
        this.deposit('Sudo', 'SudoAsDone', r.success ? { tag: 'Ok', values: [null] } : { tag: 'Err', values: [r.error] });
        return;
      }
      case 'Sudo.set_key': {
        this.ensureSudo(origin);
        const old = this.state.get<Uint8Array | null>('Sudo', 'Key');
        const nu = this.lookup(a.new);
        this.state.set('Sudo', 'Key', [], nu);
        this.deposit('Sudo', 'KeyChanged', old, nu);
        return;
      }
      case 'Sudo.remove_key':
        this.ensureSudo(origin);
        this.state.remove('Sudo', 'Key');
        this.deposit('Sudo', 'KeyRemoved');
        return;
      case 'Utility.batch':
      case 'Utility.force_batch': {
        const calls = a.calls as RuntimeCall[];
        this.ensure(calls.length <= 10_922, 'TooManyCalls', 'Utility');
        let failed = false;
        for (const [i, c] of calls.entries()) {
          const r = this.dispatchTransactional(origin, c);
          if (r.success) {
            this.deposit('Utility', 'ItemCompleted');
            continue;
          }
          failed = true;
          if (call.call === 'batch') {
            this.deposit('Utility', 'BatchInterrupted', i, r.error);
            return;
          }
          this.deposit('Utility', 'ItemFailed', r.error);
        }
        this.deposit('Utility', failed ? 'BatchCompletedWithErrors' : 'BatchCompleted');
        return;
      }
      case 'Utility.batch_all': {
        const calls = a.calls as RuntimeCall[];
        this.ensure(calls.length <= 10_922, 'TooManyCalls', 'Utility');
        for (const c of calls) {
          const r = this.dispatchTransactional(origin, c);
          if (!r.success) throw new DispatchFailure(r.error!);
          this.deposit('Utility', 'ItemCompleted');
        }
        this.deposit('Utility', 'BatchCompleted');
        return;
      }
      default:
        if (call.pallet === 'AdminUtils') return this.admin(origin, call);
        if (call.pallet === ST) return this.subtensor(origin, call);
        throw new DispatchFailure({ tag: 'Other', values: [] });
    }
  }

  lookup(addr: EnumValue): Uint8Array {
    if (addr.tag === 'Id' || addr.tag === 'Address32') return addr.values![0] as Uint8Array;
    throw new DispatchFailure({ tag: 'CannotLookup', values: [] });
  }

  ensureRoot(origin: Origin): void {
    if (origin.kind !== 'root') throw new DispatchFailure({ tag: 'BadOrigin', values: [] });
  }

  ensureSudo(origin: Origin): void {
    const key = this.state.get<Uint8Array | null>('Sudo', 'Key');
    if (origin.kind !== 'signed' || !key || !u8aEq(key, origin.who)) throw this.err('Sudo', 'RequireSudo');
  }

  transfer(from: Uint8Array, to: Uint8Array, value: bigint, keepAlive: boolean): void {
    const ed = 500n;
    const fromFree = this.free(from);
    if (value > fromFree) throw new DispatchFailure({ tag: 'Token', values: [{ tag: 'FundsUnavailable', values: [] }] });
    if (keepAlive && fromFree - value < ed) throw new DispatchFailure({ tag: 'Token', values: [{ tag: 'NotExpendable', values: [] }] });
    const toFree = this.free(to);
    if (toFree + value < ed && value > 0n) throw new DispatchFailure({ tag: 'Token', values: [{ tag: 'BelowMinimum', values: [] }] });
    this.mutateFree(from, -value);
    this.mutateFree(to, value);
    this.deposit('Balances', 'Transfer', from, to, value);
  }

  // ---------------------------------------------------------------------------------------
  // AdminUtils

  private admin(origin: Origin, call: RuntimeCall): void {
    const a = call.args;
    const netuid: number | undefined = a.netuid;
    // root for everything; the subnet owner may also call the per-subnet setters listed here
    const OWNER_OK = new Set([
      'sudo_set_serving_rate_limit',
      'sudo_set_weights_version_key',
      'sudo_set_immunity_period',
      'sudo_set_min_allowed_weights',
      'sudo_set_kappa',
      'sudo_set_rho',
      'sudo_set_activity_cutoff',
      'sudo_set_max_allowed_uids',
      'sudo_set_bonds_moving_average',
      'sudo_set_bonds_penalty',
      'sudo_set_commit_reveal_weights_enabled',
      'sudo_set_liquid_alpha_enabled',
      'sudo_set_alpha_values',
      'sudo_set_commit_reveal_weights_interval',
      'sudo_set_yuma3_enabled',
      'sudo_set_network_registration_allowed',
    ]);
    if (origin.kind !== 'root') {
      const ownerOk = netuid !== undefined && OWNER_OK.has(call.call) && origin.kind === 'signed' && u8aEq(this.S('SubnetOwner', netuid), origin.who);
      if (!ownerOk) throw new DispatchFailure({ tag: 'BadOrigin', values: [] });
    }
    if (netuid !== undefined && !this.S<boolean>('NetworksAdded', netuid)) throw this.err('AdminUtils', 'SubnetDoesNotExist');
    // u64 arguments arrive as bigint; u64 storage kept as JS numbers saturates at 2^53-1
    const set = (item: string, value: unknown, event?: string, ...evArgs: unknown[]) => {
      this.setS(item, [netuid], typeof value === 'bigint' && item !== 'WeightsVersionKey' && !item.endsWith('Burn') ? sat(value) : value);
      if (event) this.deposit(ST, event, ...evArgs);
    };
    switch (call.call) {
      case 'sudo_set_serving_rate_limit':
        return set('ServingRateLimit', a.serving_rate_limit, 'ServingRateLimitSet', netuid, a.serving_rate_limit);
      case 'sudo_set_weights_version_key':
        return set('WeightsVersionKey', BigInt(a.weights_version_key), 'WeightsVersionKeySet', netuid, a.weights_version_key);
      case 'sudo_set_weights_set_rate_limit':
        return set('WeightsSetRateLimit', a.weights_set_rate_limit, 'WeightsSetRateLimitSet', netuid, a.weights_set_rate_limit);
      case 'sudo_set_immunity_period':
        return set('ImmunityPeriod', a.immunity_period, 'ImmunityPeriodSet', netuid, a.immunity_period);
      case 'sudo_set_min_allowed_weights':
        return set('MinAllowedWeights', a.min_allowed_weights, 'MinAllowedWeightSet', netuid, a.min_allowed_weights);
      case 'sudo_set_max_allowed_uids': {
        const v = a.max_allowed_uids as number;
        this.ensure(v >= this.S<number>('SubnetworkN', netuid), 'MaxAllowedUIdsLessThanCurrentUIds', 'AdminUtils');
        this.ensure(v <= 256 || origin.kind === 'root', 'MaxAllowedUidsGreaterThanDefaultMaxAllowedUids', 'AdminUtils');
        this.ensure(this.S<number>('MaxAllowedValidators', netuid) <= v, 'MaxValidatorsLargerThanMaxUIds', 'AdminUtils');
        return set('MaxAllowedUids', v, 'MaxAllowedUidsSet', netuid, v);
      }
      case 'sudo_set_kappa':
        return set('Kappa', a.kappa, 'KappaSet', netuid, a.kappa);
      case 'sudo_set_rho':
        return set('Rho', a.rho, 'RhoSet', netuid, a.rho);
      case 'sudo_set_activity_cutoff':
        return set('ActivityCutoff', a.activity_cutoff, 'ActivityCutoffSet', netuid, a.activity_cutoff);
      case 'sudo_set_network_registration_allowed':
        return set('NetworkRegistrationAllowed', a.registration_allowed, 'RegistrationAllowed', netuid, a.registration_allowed);
      case 'sudo_set_target_registrations_per_interval':
        return set('TargetRegistrationsPerInterval', a.target_registrations_per_interval, 'RegistrationPerIntervalSet', netuid, a.target_registrations_per_interval);
      case 'sudo_set_min_burn':
        return set('MinBurn', a.min_burn, 'MinBurnSet', netuid, a.min_burn);
      case 'sudo_set_max_burn':
        return set('MaxBurn', a.max_burn, 'MaxBurnSet', netuid, a.max_burn);
      case 'sudo_set_max_allowed_validators':
        this.ensure((a.max_allowed_validators as number) <= this.S<number>('MaxAllowedUids', netuid), 'MaxValidatorsLargerThanMaxUIds', 'AdminUtils');
        return set('MaxAllowedValidators', a.max_allowed_validators, 'MaxAllowedValidatorsSet', netuid, a.max_allowed_validators);
      case 'sudo_set_bonds_moving_average':
        if (origin.kind !== 'root') this.ensure(BigInt(a.bonds_moving_average) <= 975_000n, 'BondsMovingAverageMaxReached', 'AdminUtils');
        return set('BondsMovingAverage', a.bonds_moving_average, 'BondsMovingAverageSet', netuid, a.bonds_moving_average);
      case 'sudo_set_bonds_penalty':
        return set('BondsPenalty', a.bonds_penalty, 'BondsPenaltySet', netuid, a.bonds_penalty);
      case 'sudo_set_max_registrations_per_block':
        return set('MaxRegistrationsPerBlock', a.max_registrations_per_block, 'MaxRegistrationsPerBlockSet', netuid, a.max_registrations_per_block);
      case 'sudo_set_network_rate_limit':
        this.state.set(ST, 'NetworkRateLimit', [], sat(BigInt(a.rate_limit)));
        this.deposit(ST, 'NetworkRateLimitSet', a.rate_limit);
        return;
      case 'sudo_set_tempo':
        return set('Tempo', a.tempo, 'TempoSet', netuid, a.tempo);
      case 'sudo_set_stake_threshold':
        this.state.set(ST, 'StakeThreshold', [], sat(BigInt(a.min_stake)));
        this.deposit(ST, 'StakeThresholdSet', a.min_stake);
        return;
      case 'sudo_set_commit_reveal_weights_enabled':
        // no event: spec 218 (the real runtime) emits none here (HEAD emits CommitRevealEnabled)
        return set('CommitRevealWeightsEnabled', a.enabled);
      case 'sudo_set_liquid_alpha_enabled':
        return set('LiquidAlphaOn', a.enabled);
      case 'sudo_set_alpha_values': {
        const low = a.alpha_low as number;
        const high = a.alpha_high as number;
        this.ensure(this.S<boolean>('LiquidAlphaOn', netuid), 'LiquidAlphaDisabled');
        this.ensure(high >= 1638, 'AlphaHighTooLow');
        this.ensure(low >= 1638 && low <= high, 'AlphaLowOutOfRange');
        return set('AlphaValues', [low, high]);
      }
      case 'sudo_set_commit_reveal_weights_interval':
        this.ensure(BigInt(a.interval) <= 100n, 'RevealPeriodTooLarge');
        this.ensure(BigInt(a.interval) >= 1n, 'RevealPeriodTooSmall');
        return set('RevealPeriodEpochs', a.interval, 'CommitRevealPeriodsSet', netuid, a.interval);
      case 'sudo_set_yuma3_enabled':
        this.setS('Yuma3On', [netuid], a.enabled);
        this.deposit('AdminUtils', 'Yuma3EnableToggled', netuid, a.enabled);
        return;
      default:
        throw new DispatchFailure({ tag: 'Other', values: [] });
    }
  }

  // ---------------------------------------------------------------------------------------
  // SubtensorModule

  netuids(): number[] {
    const raw = this.state.getRaw(mockKey('netuids'));
    return raw ? (JSON.parse(Buffer.from(raw).toString()) as number[]) : [];
  }
  private setNetuids(list: number[]): void {
    this.state.setRaw(mockKey('netuids'), new Uint8Array(Buffer.from(JSON.stringify(list))));
  }
  private mockU64(name: string, ...parts: (Uint8Array | number)[]): bigint {
    const raw = this.state.getRaw(mockKey(name, ...parts));
    return raw ? decode(u64n, raw) : 0n;
  }
  private setMockU64(v: bigint, name: string, ...parts: (Uint8Array | number)[]): void {
    this.state.setRaw(mockKey(name, ...parts), v === 0n ? undefined : encode(u64n, v));
  }

  private subtensor(origin: Origin, call: RuntimeCall): void {
    const a = call.args;
    const signed = (): Uint8Array => {
      if (origin.kind !== 'signed') throw new DispatchFailure({ tag: 'BadOrigin', values: [] });
      return origin.who;
    };
    switch (call.call) {
      case 'register_network':
        return this.registerNetwork(signed(), a.hotkey);
      case 'register_network_with_identity': {
        const who = signed();
        const before = new Set(this.netuids());
        this.registerNetwork(who, a.hotkey);
        const netuid = this.netuids().find((x) => !before.has(x));
        if (a.identity && netuid !== undefined) this.setS('SubnetIdentitiesV3', [netuid], a.identity);
        return;
      }
      case 'start_call':
        return this.startCall(signed(), a.netuid);
      case 'burned_register':
        return this.burnedRegister(signed(), a.netuid, a.hotkey);
      case 'add_stake':
        return this.addStake(signed(), a.hotkey, a.netuid, a.amount_staked);
      case 'remove_stake':
        return this.removeStake(signed(), a.hotkey, a.netuid, a.amount_unstaked);
      case 'serve_axon':
        return this.serveAxon(signed(), a as any);
      case 'set_weights': {
        const who = signed();
        if (this.S<boolean>('CommitRevealWeightsEnabled', a.netuid)) throw this.stErr('CommitRevealEnabled');
        return this.setWeights(who, a.netuid, a.dests, a.weights, a.version_key);
      }
      case 'commit_weights':
        return this.commitWeights(signed(), a.netuid, a.commit_hash);
      case 'reveal_weights':
        return this.revealWeights(signed(), a.netuid, a.uids, a.values, a.salt, a.version_key);
      default:
        throw new DispatchFailure({ tag: 'Other', values: [] });
    }
  }

  hotkeyExists(hotkey: Uint8Array): boolean {
    return this.state.has(ST, 'Owner', hotkey);
  }

  private registerNetwork(coldkey: Uint8Array, hotkey: Uint8Array): void {
    this.ensure(!this.hotkeyExists(hotkey) || u8aEq(this.S('Owner', hotkey), coldkey), 'NonAssociatedColdKey');
    const now = this.blockNumber;
    const last = Number(this.mockU64('NetworkLastRegistered'));
    const limit = this.S<number>('NetworkRateLimit');
    this.ensure(last === 0 || now - last >= limit, 'NetworkTxRateLimitExceeded');
    const lock = this.opts.networkLockCost;
    this.ensure(this.free(coldkey) >= lock, 'CannotAffordLockCost');
    const existing = new Set(this.netuids());
    let netuid = 1;
    while (existing.has(netuid)) netuid++;
    this.initNewNetwork(netuid, this.opts.defaultTempo);
    this.mutateFree(coldkey, -lock);
    this.issuance(-lock);
    this.setMockU64(BigInt(now), 'NetworkLastRegistered');
    this.createAccountIfNonExistent(coldkey, hotkey);
    this.appendNeuron(netuid, hotkey, now);
    this.setS('SubnetMechanism', [netuid], 1);
    this.setS('NetworkRegisteredAt', [netuid], now);
    this.setS('SubnetOwner', [netuid], coldkey);
    this.setS('SubnetOwnerHotkey', [netuid], hotkey);
    this.deposit(ST, 'NetworkAdded', netuid, 1);
  }

  /**
   * subtensor's init_new_network (subnets/subnet.rs), with the defaults it sets and the setter
   * events it emits. The event sequence (and MaxWeightsLimit / TargetRegistrationsPerInterval 1 /
   * MinBurn 1) follow spec 218, the runtime the real-chain lane runs ("the real runtime is right");
   * HEAD additionally sets Yuma3On and Burn, which are kept.
   */
  initNewNetwork(netuid: number, tempo: number): void {
    this.setS('SubnetworkN', [netuid], 0);
    this.setS('NetworksAdded', [netuid], true);
    this.setS('Tempo', [netuid], tempo);
    this.setS('TotalNetworks', [], this.S<number>('TotalNetworks') + 1);
    const setE = (item: string, value: unknown, event: string, evValue: unknown = value) => {
      this.setS(item, [netuid], value);
      this.deposit(ST, event, netuid, evValue);
    };
    setE('NetworkRegistrationAllowed', true, 'RegistrationAllowed');
    setE('MaxAllowedUids', 256, 'MaxAllowedUidsSet');
    setE('MaxAllowedValidators', 64, 'MaxAllowedValidatorsSet');
    setE('MinAllowedWeights', 1, 'MinAllowedWeightSet');
    setE('MaxWeightsLimit', 65535, 'MaxWeightLimitSet');
    this.deposit(ST, 'AdjustmentIntervalSet', netuid, 360);
    setE('TargetRegistrationsPerInterval', 1, 'RegistrationPerIntervalSet');
    this.deposit(ST, 'AdjustmentAlphaSet', netuid, 17_893_341_751_498_265_066n);
    setE('ImmunityPeriod', 5000, 'ImmunityPeriodSet');
    setE('MinBurn', 1n, 'MinBurnSet');
    this.deposit(ST, 'MinDifficultySet', netuid, (1n << 64n) - 1n);
    this.deposit(ST, 'MaxDifficultySet', netuid, (1n << 64n) - 1n);
    this.setS('Yuma3On', [netuid], true);
    this.setS('Burn', [netuid], 1_000_000_000n);
    for (const item of ['Kappa', 'ActivityCutoff', 'RegistrationsThisInterval']) this.setS(item, [netuid], this.S(item, netuid));
    const list = this.netuids();
    if (!list.includes(netuid)) this.setNetuids([...list, netuid].sort((x, y) => x - y));
  }

  private createAccountIfNonExistent(coldkey: Uint8Array, hotkey: Uint8Array): void {
    if (this.hotkeyExists(hotkey)) return;
    this.setS('Owner', [hotkey], coldkey);
    const owned = this.S<Uint8Array[]>('OwnedHotkeys', coldkey);
    if (!owned.some((h) => u8aEq(h, hotkey))) this.setS('OwnedHotkeys', [coldkey], [...owned, hotkey]);
  }

  private startCall(coldkey: Uint8Array, netuid: number): void {
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'SubnetNotExists');
    this.ensure(u8aEq(this.S('SubnetOwner', netuid), coldkey), 'NotSubnetOwner');
    this.ensure(this.S<number | null>('FirstEmissionBlockNumber', netuid) === null, 'FirstEmissionBlockNumberAlreadySet');
    const next = this.blockNumber + 1;
    this.setS('FirstEmissionBlockNumber', [netuid], next);
    this.setS('SubtokenEnabled', [netuid], true);
    this.deposit(ST, 'FirstEmissionBlockNumberSet', netuid, next);
  }

  private burnedRegister(coldkey: Uint8Array, netuid: number, hotkey: Uint8Array): void {
    this.ensure(netuid !== ROOT_NETUID, 'RegistrationNotPermittedOnRootSubnet');
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'SubnetNotExists');
    this.ensure(this.S<boolean>('NetworkRegistrationAllowed', netuid), 'SubNetRegistrationDisabled');
    this.ensure(this.S<number>('RegistrationsThisBlock', netuid) < this.S<number>('MaxRegistrationsPerBlock', netuid), 'TooManyRegistrationsThisBlock');
    this.ensure(this.S<number>('RegistrationsThisInterval', netuid) < this.S<number>('TargetRegistrationsPerInterval', netuid) * 3, 'TooManyRegistrationsThisInterval');
    this.ensure(this.S<number | null>('Uids', netuid, hotkey) === null, 'HotKeyAlreadyRegisteredInSubNet');
    const burn = this.S<bigint>('Burn', netuid);
    this.ensure(this.free(coldkey) >= burn, 'NotEnoughBalanceToStake');
    this.ensure(!this.hotkeyExists(hotkey) || u8aEq(this.S('Owner', hotkey), coldkey), 'NonAssociatedColdKey');
    const n = this.S<number>('SubnetworkN', netuid);
    const max = this.S<number>('MaxAllowedUids', netuid);
    let uid: number;
    if (n < max) {
      this.createAccountIfNonExistent(coldkey, hotkey);
      uid = this.appendNeuron(netuid, hotkey, this.blockNumber);
    } else {
      const prune = this.neuronToPrune(netuid);
      if (prune === null) throw this.stErr('NoNeuronIdAvailable');
      this.createAccountIfNonExistent(coldkey, hotkey);
      uid = prune;
      this.replaceNeuron(netuid, uid, hotkey, this.blockNumber);
    }
    this.mutateFree(coldkey, -burn);
    this.issuance(-burn);
    this.setS('RegistrationsThisBlock', [netuid], this.S<number>('RegistrationsThisBlock', netuid) + 1);
    this.setS('RegistrationsThisInterval', [netuid], this.S<number>('RegistrationsThisInterval', netuid) + 1);
    // spec 218 records the recycled TAO (RAORecycledForRegistration) with an event
    const recycled = this.mockU64('recycled', netuid) + burn;
    this.setMockU64(recycled, 'recycled', netuid);
    this.deposit(ST, 'RAORecycledForRegistrationSet', netuid, recycled);
    this.deposit(ST, 'NeuronRegistered', netuid, uid, hotkey);
  }

  private appendNeuron(netuid: number, hotkey: Uint8Array, block: number): number {
    const uid = this.S<number>('SubnetworkN', netuid);
    this.setS('SubnetworkN', [netuid], uid + 1);
    this.setS('Keys', [netuid, uid], hotkey);
    this.setS('Uids', [netuid, hotkey], uid);
    this.setS('BlockAtRegistration', [netuid, uid], block);
    const push = <T>(item: string, v: T) => this.setS(item, [netuid], [...this.S<T[]>(item, netuid), v]);
    push('Active', true);
    push('Emission', 0n);
    push('Consensus', 0);
    push('Incentive', 0);
    push('Dividends', 0);
    push('ValidatorTrust', 0);
    push('ValidatorPermit', false);
    push('StakeWeight', 0);
    const lu = this.S<number[]>('LastUpdate', netuid).slice();
    while (lu.length < uid) lu.push(0);
    lu[uid] = block;
    this.setS('LastUpdate', [netuid], lu);
    return uid;
  }

  /** subtensor get_neuron_to_prune: lowest emission, then earliest registration, then lowest uid. */
  neuronToPrune(netuid: number): number | null {
    const n = this.S<number>('SubnetworkN', netuid);
    if (n === 0) return null;
    const ownerHot: Uint8Array = this.S('SubnetOwnerHotkey', netuid);
    const emission = this.S<bigint[]>('Emission', netuid);
    const immunity = this.S<number>('ImmunityPeriod', netuid);
    let bestFree: [bigint, number, number] | null = null;
    let bestImmune: [bigint, number, number] | null = null;
    let free = 0;
    const better = (c: [bigint, number, number], b: [bigint, number, number] | null) =>
      !b || (c[0] !== b[0] ? c[0] < b[0] : c[1] !== b[1] ? c[1] < b[1] : c[2] < b[2]);
    for (let uid = 0; uid < n; uid++) {
      const hk: Uint8Array = this.S('Keys', netuid, uid);
      if (u8aEq(hk, ownerHot)) continue;
      const reg = this.S<number>('BlockAtRegistration', netuid, uid);
      const cand: [bigint, number, number] = [emission[uid] ?? 0n, reg, uid];
      const immune = this.blockNumber - reg < immunity;
      if (immune) {
        if (better(cand, bestImmune)) bestImmune = cand;
      } else {
        free++;
        if (better(cand, bestFree)) bestFree = cand;
      }
    }
    if (bestFree && free > this.opts.minNonImmuneUids) return bestFree[2];
    if (bestFree && !bestImmune) return bestFree[2];
    return bestImmune ? bestImmune[2] : bestFree ? bestFree[2] : null;
  }

  /** replace_neuron + clear_neuron (SPEC §6 item 5). */
  private replaceNeuron(netuid: number, uid: number, hotkey: Uint8Array, block: number): void {
    const old: Uint8Array = this.S('Keys', netuid, uid);
    this.state.remove(ST, 'Uids', netuid, old);
    this.state.remove(ST, 'Axons', netuid, old);
    this.setS('Keys', [netuid, uid], hotkey);
    this.setS('Uids', [netuid, hotkey], uid);
    this.setS('BlockAtRegistration', [netuid, uid], block);
    // clear_neuron: zero weights pointing at uid, drop its weights/bonds rows, revoke its permit
    const n = this.S<number>('SubnetworkN', netuid);
    for (let i = 0; i < n; i++) {
      const row = this.S<[number, number][]>('Weights', netuid, i);
      if (row.some(([j, w]) => j === uid && w !== 0)) this.setS('Weights', [netuid, i], row.map(([j, w]) => (j === uid ? [j, 0] : [j, w])));
    }
    this.state.remove(ST, 'Weights', netuid, uid);
    this.state.remove(ST, 'Bonds', netuid, uid);
    const setAt = <T>(item: string, v: T) => {
      const arr = this.S<T[]>(item, netuid).slice();
      if (uid < arr.length) {
        arr[uid] = v;
        this.setS(item, [netuid], arr);
      }
    };
    setAt('ValidatorPermit', false);
    setAt('Emission', 0n);
    setAt('Consensus', 0);
    setAt('Incentive', 0);
    setAt('Dividends', 0);
    setAt('ValidatorTrust', 0);
    setAt('LastUpdate', block);
  }

  private addStake(coldkey: Uint8Array, hotkey: Uint8Array, netuid: number, amount: bigint): void {
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'SubnetNotExists');
    this.ensure(amount >= this.opts.minStake, 'AmountTooLow');
    this.ensure(this.free(coldkey) >= amount, 'NotEnoughBalanceToStake');
    this.ensure(this.hotkeyExists(hotkey), 'HotKeyAccountNotExists');
    this.mutateFree(coldkey, -amount);
    this.issuance(-amount);
    // 1 TAO buys 1 alpha (no AMM pool): documented simplification
    this.increaseStake(coldkey, hotkey, netuid, amount);
    this.setS('TotalStake', [], this.S<bigint>('TotalStake') + amount);
    const staking = this.S<Uint8Array[]>('StakingHotkeys', coldkey);
    if (!staking.some((h) => u8aEq(h, hotkey))) this.setS('StakingHotkeys', [coldkey], [...staking, hotkey]);
    this.deposit(ST, 'StakeAdded', coldkey, hotkey, amount, amount, netuid, 0);
  }

  private increaseStake(coldkey: Uint8Array, hotkey: Uint8Array, netuid: number, alpha: bigint): void {
    this.setS('TotalHotkeyAlpha', [hotkey, netuid], this.S<bigint>('TotalHotkeyAlpha', hotkey, netuid) + alpha);
    this.setMockU64(this.mockU64('alpha', hotkey, coldkey, netuid) + alpha, 'alpha', hotkey, coldkey, netuid);
    this.setS('SubnetAlphaOut', [netuid], this.S<bigint>('SubnetAlphaOut', netuid) + alpha);
  }

  private removeStake(coldkey: Uint8Array, hotkey: Uint8Array, netuid: number, amount: bigint): void {
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'SubnetNotExists');
    this.ensure(amount > 0n, 'AmountTooLow');
    this.ensure(this.hotkeyExists(hotkey), 'HotKeyAccountNotExists');
    const mine = this.mockU64('alpha', hotkey, coldkey, netuid);
    this.ensure(mine >= amount, 'NotEnoughStakeToWithdraw');
    this.setMockU64(mine - amount, 'alpha', hotkey, coldkey, netuid);
    this.setS('TotalHotkeyAlpha', [hotkey, netuid], this.S<bigint>('TotalHotkeyAlpha', hotkey, netuid) - amount);
    this.setS('SubnetAlphaOut', [netuid], this.S<bigint>('SubnetAlphaOut', netuid) - amount);
    const total = this.S<bigint>('TotalStake');
    this.setS('TotalStake', [], total > amount ? total - amount : 0n);
    this.mutateFree(coldkey, amount);
    this.issuance(amount);
    this.deposit(ST, 'StakeRemoved', coldkey, hotkey, amount, amount, netuid, 0);
  }

  private serveAxon(hotkey: Uint8Array, a: { netuid: number; version: number; ip: bigint; port: number; ip_type: number; protocol: number; placeholder1: number; placeholder2: number }): void {
    const netuid = a.netuid;
    this.ensure(this.S<number | null>('Uids', netuid, hotkey) !== null, 'HotKeyNotRegisteredInNetwork');
    this.ensure(a.ip_type === 4 || a.ip_type === 6, 'InvalidIpType');
    this.ensure(isValidIpAddress(a.ip_type, a.ip, this.opts.allowLoopbackAxons), 'InvalidIpAddress');
    const prev = this.S<AxonInfo | null>('Axons', netuid, hotkey);
    const limit = this.S<number>('ServingRateLimit', netuid);
    const last = prev?.block ?? 0;
    this.ensure(limit === 0 || last === 0 || this.blockNumber - last >= limit, 'ServingRateLimitExceeded');
    const axon: AxonInfo = {
      block: this.blockNumber,
      version: a.version,
      ip: a.ip,
      port: a.port,
      ip_type: a.ip_type,
      protocol: a.protocol,
      placeholder1: a.placeholder1,
      placeholder2: a.placeholder2,
    };
    this.setS('Axons', [netuid, hotkey], axon);
    this.deposit(ST, 'AxonServed', netuid, hotkey);
  }

  /** internal_set_weights: subtensor's checks in its order (subnets/weights.rs). */
  setWeights(hotkey: Uint8Array, netuid: number, uids: number[], values: number[], versionKey: bigint | number): void {
    this.ensure(netuid !== ROOT_NETUID, 'CanNotSetRootNetworkWeights');
    this.ensure(uids.length === values.length, 'WeightVecNotEqualSize');
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'MechanismDoesNotExist');
    const n = this.S<number>('SubnetworkN', netuid);
    this.ensure(uids.length <= n, 'UidsLengthExceedUidsInSubNet');
    const uid = this.S<number | null>('Uids', netuid, hotkey);
    this.ensure(uid !== null, 'HotKeyNotRegisteredInSubNet');
    const stake = this.S<bigint>('TotalHotkeyAlpha', hotkey, netuid);
    this.ensure(stake >= BigInt(this.S<number>('StakeThreshold')), 'NotEnoughStakeToSetWeights');
    const vk = BigInt(this.S<bigint>('WeightsVersionKey', netuid));
    this.ensure(vk === 0n || BigInt(versionKey) >= vk, 'IncorrectWeightVersionKey');
    const cr = this.S<boolean>('CommitRevealWeightsEnabled', netuid);
    const now = this.blockNumber;
    const lastUpdate = this.S<number[]>('LastUpdate', netuid);
    if (!cr) {
      const last = lastUpdate[uid!] ?? 0;
      this.ensure(last === 0 || now - last >= this.S<number>('WeightsSetRateLimit', netuid), 'SettingWeightsTooFast');
    }
    const selfWeight = values.length === 1 && uids[0] === uid;
    const ownerUid = this.S<number | null>('Uids', netuid, this.S('SubnetOwnerHotkey', netuid));
    const permit = this.S<boolean[]>('ValidatorPermit', netuid)[uid!] ?? false;
    this.ensure(selfWeight || ownerUid === uid || permit, 'NeuronNoValidatorPermit');
    this.ensure(new Set(uids).size === uids.length, 'DuplicateUids');
    this.ensure(uids.every((u) => u < n), 'UidVecContainInvalidOne');
    const minAllowed = Math.min(n, this.S<number>('MinAllowedWeights', netuid));
    this.ensure(selfWeight || values.length >= minAllowed, 'WeightVecLengthIsLow');
    const upscaled = vecU16MaxUpscaleToU16(values);
    this.setS(
      'Weights',
      [netuid, uid],
      uids.map((u, i) => [u, upscaled[i]]),
    );
    if (!cr) this.setLastUpdate(netuid, uid!, now);
    this.deposit(ST, 'WeightsSet', netuid, uid);
  }

  private setLastUpdate(netuid: number, uid: number, block: number): void {
    const lu = this.S<number[]>('LastUpdate', netuid).slice();
    while (lu.length <= uid) lu.push(0);
    lu[uid] = block;
    this.setS('LastUpdate', [netuid], lu);
  }

  /** Epoch index as used for commit/reveal: epochs are counted at the tempo+1 boundaries. */
  epochIndex(netuid: number, block = this.blockNumber): number {
    const tempo = this.S<number>('Tempo', netuid);
    if (tempo === 0) return 0;
    return Math.floor((block + netuid + 1) / (tempo + 1));
  }

  static commitHash(who: Uint8Array, netuidIndex: number, uids: number[], values: number[], salt: number[], versionKey: bigint | number): Uint8Array {
    const w = new Writer(64);
    w.bytes(who);
    w.uint(netuidIndex, 2);
    for (const v of [uids, values, salt]) {
      w.compact(v.length);
      for (const x of v) w.uint(x, 2);
    }
    w.uint(BigInt(versionKey), 8);
    return blake2AsU8a(w.finish(), 256);
  }

  private commitWeights(who: Uint8Array, netuid: number, hash: Uint8Array): void {
    this.ensure(this.S<boolean>('NetworksAdded', netuid), 'MechanismDoesNotExist');
    this.ensure(this.S<boolean>('CommitRevealWeightsEnabled', netuid), 'CommitRevealDisabled');
    const uid = this.S<number | null>('Uids', netuid, who);
    this.ensure(uid !== null, 'HotKeyNotRegisteredInSubNet');
    const last = this.S<number[]>('LastUpdate', netuid)[uid!] ?? 0;
    this.ensure(last === 0 || this.blockNumber - last >= this.S<number>('WeightsSetRateLimit', netuid), 'CommittingWeightsTooFast');
    const epoch = this.epochIndex(netuid);
    const period = this.S<number>('RevealPeriodEpochs', netuid);
    const commits = (this.S<[Uint8Array, number, number, number][] | null>('WeightCommits', netuid, who) ?? []).slice();
    while (commits.length && epoch > commits[0][1] + period) commits.shift();
    this.ensure(commits.length < 10, 'TooManyUnrevealedCommits');
    commits.push([hash, epoch, this.blockNumber, 0]);
    this.setS('WeightCommits', [netuid, who], commits);
    this.deposit(ST, 'WeightsCommitted', who, netuid, hash);
    this.setLastUpdate(netuid, uid!, this.blockNumber);
  }

  private revealWeights(who: Uint8Array, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): void {
    this.ensure(this.S<boolean>('CommitRevealWeightsEnabled', netuid), 'CommitRevealDisabled');
    const stored = this.S<[Uint8Array, number, number, number][] | null>('WeightCommits', netuid, who);
    if (!stored) throw this.stErr('NoWeightsCommitFound');
    const commits = stored.slice();
    const epoch = this.epochIndex(netuid);
    const period = this.S<number>('RevealPeriodEpochs', netuid);
    const expired: string[] = [];
    while (commits.length && epoch > commits[0][1] + period) expired.push(u8aToHex(commits.shift()![0]));
    const provided = Executive.commitHash(who, netuid, uids, values, salt, versionKey);
    const ph = u8aToHex(provided);
    if (commits.length === 0) throw this.stErr(expired.includes(ph) ? 'ExpiredWeightCommit' : 'NoWeightsCommitFound');
    const pos = commits.findIndex(([h]) => u8aToHex(h) === ph);
    if (pos < 0) throw this.stErr(expired.includes(ph) ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch');
    this.ensure(epoch === commits[pos][1] + period, 'RevealTooEarly');
    commits.splice(0, pos + 1);
    if (commits.length) this.setS('WeightCommits', [netuid, who], commits);
    else this.state.remove(ST, 'WeightCommits', netuid, who);
    this.setWeights(who, netuid, uids, values, versionKey);
    this.deposit(ST, 'WeightsRevealed', who, netuid, provided);
  }

  // ---------------------------------------------------------------------------------------
  // coinbase and epochs

  /** Per block: accrue each subnet's emission; run the epoch of subnets whose tempo ends here. */
  private runCoinbase(): number[] {
    const ran: number[] = [];
    const block = this.blockNumber;
    for (const netuid of this.netuids()) {
      if (netuid === ROOT_NETUID) continue;
      const tempo = this.S<number>('Tempo', netuid);
      this.setMockU64(this.mockU64('pending', netuid) + this.opts.blockEmission, 'pending', netuid);
      this.setS('BlocksSinceLastStep', [netuid], this.S<number>('BlocksSinceLastStep', netuid) + 1);
      if (tempo === 0) continue;
      // subtensor's blocks_until_next_epoch(netuid, tempo, block) == 0, i.e.
      // tempo - ((block + netuid + 1) % (tempo + 1)) == 0 (its doc comment's "= 0" is misleading)
      if ((block + netuid + 1) % (tempo + 1) !== tempo) continue;
      if (ran.length >= this.opts.maxEpochsPerBlock) continue;
      this.runEpoch(netuid);
      ran.push(netuid);
    }
    return ran;
  }

  /** Builds the EpochInput from chain state exactly as subtensor reads it (SPEC §3). */
  epochInput(netuid: number, raoEmission: number, keys?: Uint8Array[]): EpochInput {
    const n = this.S<number>('SubnetworkN', netuid);
    const padU = (v: number[], fill = 0) => Array.from({ length: n }, (_, i) => v[i] ?? fill);
    const hotkeys: Uint8Array[] = keys ?? [];
    if (!keys) for (let uid = 0; uid < n; uid++) hotkeys.push(this.S('Keys', netuid, uid));
    const stake = hotkeys.map((hk) => Number(this.S<bigint>('TotalHotkeyAlpha', hk, netuid)));
    const weights: [number, number][][] = [];
    const bonds: [number, number][][] = [];
    const blockAtReg: number[] = [];
    for (let uid = 0; uid < n; uid++) {
      weights.push(this.S('Weights', netuid, uid));
      bonds.push(this.S('Bonds', netuid, uid));
      blockAtReg.push(this.S('BlockAtRegistration', netuid, uid));
    }
    const ownerHot: Uint8Array = this.S('SubnetOwnerHotkey', netuid);
    const ownerUid = this.S<number | null>('Uids', netuid, ownerHot);
    const liquid = this.S<boolean>('LiquidAlphaOn', netuid);
    const [alphaLow, alphaHigh] = this.S<[number, number]>('AlphaValues', netuid);
    const cr = this.S<boolean>('CommitRevealWeightsEnabled', netuid);
    let commitReveal: EpochInput['commit_reveal'] = null;
    if (cr) {
      const commitBlock: (number | null)[] = hotkeys.map((hk) => {
        const c = this.S<[Uint8Array, number, number, number][] | null>('WeightCommits', netuid, hk);
        if (!c || c.length === 0) return null;
        return Math.min(...c.map((x) => x[2]));
      });
      commitReveal = { commit_block: commitBlock };
    }
    return {
      n,
      current_block: this.blockNumber,
      activity_cutoff: this.S<number>('ActivityCutoff', netuid),
      kappa_u16: this.S<number>('Kappa', netuid),
      bonds_moving_average: this.S<number>('BondsMovingAverage', netuid),
      liquid_alpha: liquid ? { alpha_low: alphaLow, alpha_high: alphaHigh, alpha_sigmoid_steepness: this.S<number>('AlphaSigmoidSteepness', netuid) } : null,
      yuma3: this.S<boolean>('Yuma3On', netuid),
      stake,
      validator_permit: ((vp: boolean[]) => Array.from({ length: n }, (_, i) => vp[i] ?? false))(this.S<boolean[]>('ValidatorPermit', netuid)),
      last_update: padU(this.S<number[]>('LastUpdate', netuid)),
      block_at_registration: blockAtReg,
      weights,
      bonds,
      rao_emission: raoEmission,
      tempo: this.S<number>('Tempo', netuid),
      last_mechanism_step_block: this.S<number>('LastMechansimStepBlock', netuid),
      bonds_penalty_u16: this.S<number>('BondsPenalty', netuid),
      max_allowed_validators: this.S<number>('MaxAllowedValidators', netuid),
      stake_threshold: this.S<number>('StakeThreshold'),
      owner_uid: ownerUid,
      tao_stake: null,
      tao_weight: this.S<bigint>('TaoWeight').toString(),
      commit_reveal: commitReveal,
    };
  }

  /** Runs one epoch and writes its outputs; emissions are added to each hotkey's stake. */
  runEpoch(netuid: number): EpochOutput | null {
    const pending = this.mockU64('pending', netuid);
    this.setMockU64(0n, 'pending', netuid);
    const n = this.S<number>('SubnetworkN', netuid);
    const block = this.blockNumber;
    this.setS('BlocksSinceLastStep', [netuid], 0);
    this.setS('LastEpochBlock', [netuid], block);
    if (n === 0) {
      this.setS('LastMechansimStepBlock', [netuid], block);
      return null;
    }
    // is_epoch_input_state_consistent: skip (slot consumed) on duplicate hotkeys
    const hotkeys: Uint8Array[] = [];
    const seen = new Set<string>();
    for (let uid = 0; uid < n; uid++) {
      const hk = this.S<Uint8Array>('Keys', netuid, uid);
      hotkeys.push(hk);
      seen.add(Buffer.from(hk.buffer, hk.byteOffset, hk.byteLength).toString('latin1'));
    }
    if (seen.size !== n) return null;
    const input = this.epochInput(netuid, Number(pending), hotkeys);
    const out = this.epochFn(input);
    this.setS('Active', [netuid], out.active);
    this.setS('Consensus', [netuid], out.consensus);
    this.setS('Incentive', [netuid], out.incentive);
    this.setS('Dividends', [netuid], out.dividends);
    this.setS('ValidatorTrust', [netuid], out.validator_trust);
    this.setS('StakeWeight', [netuid], out.stake_weight);
    this.setS('ValidatorPermit', [netuid], out.new_validator_permit);
    this.setS('Emission', [netuid], out.emission.map((e) => BigInt(e)));
    const bondsItem = this.state.item(ST, 'Bonds');
    let emitted = 0n;
    for (let uid = 0; uid < n; uid++) {
      const row = out.bonds[uid] ?? [];
      const prev = input.bonds[uid];
      if (row.length) {
        if (!sameRow(prev, row)) this.setS('Bonds', [netuid, uid], row);
      } else if (prev.length) this.state.setRaw(storageKeyHex(bondsItem, [netuid, uid]), undefined);
      const e = out.emission[uid] ?? 0;
      if (e > 0) {
        const hk = hotkeys[uid];
        const cold: Uint8Array = this.S('Owner', hk);
        const amount = BigInt(e);
        this.setS('TotalHotkeyAlpha', [hk, netuid], this.S<bigint>('TotalHotkeyAlpha', hk, netuid) + amount);
        this.setMockU64(this.mockU64('alpha', hk, cold, netuid) + amount, 'alpha', hk, cold, netuid);
        emitted += amount;
      }
    }
    if (emitted > 0n) this.setS('SubnetAlphaOut', [netuid], this.S<bigint>('SubnetAlphaOut', netuid) + emitted);
    this.setS('LastMechansimStepBlock', [netuid], block);
    this.setS('RegistrationsThisInterval', [netuid], 0);
    return out;
  }
}

function sameRow(a: [number, number][], b: [number, number][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

/** bigint → number, saturating at 2^53-1 (u64 storage kept as JS numbers) */
export function sat(x: bigint): number {
  return x > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(x);
}

/** subtensor is_valid_ip_address (serving.rs), with the loopback rejection made optional. */
export function isValidIpAddress(ipType: number, addr: bigint, allowLoopback: boolean): boolean {
  if (ipType === 4) {
    if (addr >= 0xffffffffn) return false;
    if (addr === 0x7f000001n && !allowLoopback) return false;
  }
  if (ipType === 6) {
    if (addr === (1n << 128n) - 1n) return false;
    if (addr === 1n && !allowLoopback) return false;
  }
  return true;
}
