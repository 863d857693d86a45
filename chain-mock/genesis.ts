/**
 * Genesis / scenario files: funded accounts, the sudo key, subnets with hyperparameters and
 * registered (optionally staked and served) neurons. Accounts are SURIs (//Alice) or SS58
 * addresses. Applied through the runtime's own calls at block 0, so the state is what the same
 * extrinsics would have produced.
 */
import { Keyring } from '@polkadot/keyring';
import { decodeAddress } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';
import { SubnetError } from '../shared/errors';
import type { Executive } from './runtime/executive';
import { ADMIN_UTILS } from './runtime/pallets';

export interface GenesisNeuron {
  coldkey: string;
  hotkey: string;
  /** alpha stake in rao (string or number) */
  stake?: string | number;
  axon?: { ip: string; port: number; version?: number; protocol?: number };
}

export interface GenesisSubnet {
  /** owner coldkey; its `ownerHotkey` becomes uid 0 */
  owner: string;
  ownerHotkey: string;
  /** AdminUtils setter arguments by storage name, e.g. {"Tempo": 10, "WeightsSetRateLimit": 0} */
  hyperparameters?: Record<string, number | boolean>;
  neurons?: GenesisNeuron[];
  /** call start_call for the subnet (default true) */
  startCall?: boolean;
}

export interface GenesisSpec {
  /** accounts and balances in rao; the six dev accounts are funded unless `devAccounts: false` */
  accounts?: { account: string; balance: string | number }[];
  devAccounts?: boolean;
  /** rao given to each dev account (default 1,000,000 TAO) */
  devBalance?: string | number;
  /** sudo key (default //Alice) */
  sudo?: string;
  /** NetworkRateLimit after genesis (default subtensor's 7200) */
  networkRateLimit?: number;
  subnets?: GenesisSubnet[];
}

export const DEV_ACCOUNTS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'];
export const DEFAULT_DEV_BALANCE = 1_000_000_000_000_000n;

/** Hyperparameter name → AdminUtils call and its value argument. */
const HYPER_SETTERS: Record<string, string> = {
  Tempo: 'sudo_set_tempo',
  Kappa: 'sudo_set_kappa',
  Rho: 'sudo_set_rho',
  ActivityCutoff: 'sudo_set_activity_cutoff',
  ImmunityPeriod: 'sudo_set_immunity_period',
  MinAllowedWeights: 'sudo_set_min_allowed_weights',
  MaxAllowedUids: 'sudo_set_max_allowed_uids',
  MaxAllowedValidators: 'sudo_set_max_allowed_validators',
  WeightsVersionKey: 'sudo_set_weights_version_key',
  WeightsSetRateLimit: 'sudo_set_weights_set_rate_limit',
  ServingRateLimit: 'sudo_set_serving_rate_limit',
  BondsMovingAverage: 'sudo_set_bonds_moving_average',
  BondsPenalty: 'sudo_set_bonds_penalty',
  CommitRevealWeightsEnabled: 'sudo_set_commit_reveal_weights_enabled',
  LiquidAlphaOn: 'sudo_set_liquid_alpha_enabled',
  Yuma3On: 'sudo_set_yuma3_enabled',
  TargetRegistrationsPerInterval: 'sudo_set_target_registrations_per_interval',
  MaxRegistrationsPerBlock: 'sudo_set_max_registrations_per_block',
  NetworkRegistrationAllowed: 'sudo_set_network_registration_allowed',
  RevealPeriodEpochs: 'sudo_set_commit_reveal_weights_interval',
};

export function readGenesisFile(path: string): GenesisSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SubnetError('CHAIN_GENESIS_INVALID', `cannot read genesis file ${path}: ${(e as Error).message}`, { path });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis file ${path} is not JSON: ${(e as Error).message}`, { path });
  }
  return validateGenesis(obj);
}

export function validateGenesis(obj: unknown): GenesisSpec {
  const bad = (msg: string): never => {
    throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis: ${msg}`);
  };
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) bad('expected a JSON object');
  const g = obj as GenesisSpec;
  const known = new Set(['accounts', 'devAccounts', 'devBalance', 'sudo', 'networkRateLimit', 'subnets', '$schema', 'comment']);
  for (const k of Object.keys(g)) if (!known.has(k)) bad(`unknown field "${k}"`);
  if (g.accounts !== undefined && !Array.isArray(g.accounts)) bad('accounts must be an array');
  for (const a of g.accounts ?? []) {
    if (typeof a?.account !== 'string') bad('accounts[].account must be a string');
    toBig(a.balance, 'accounts[].balance');
  }
  if (g.subnets !== undefined && !Array.isArray(g.subnets)) bad('subnets must be an array');
  for (const s of g.subnets ?? []) {
    if (typeof s?.owner !== 'string' || typeof s?.ownerHotkey !== 'string') bad('subnets[].owner and ownerHotkey must be strings');
    for (const k of Object.keys(s.hyperparameters ?? {})) if (!HYPER_SETTERS[k]) bad(`unknown hyperparameter "${k}" (known: ${Object.keys(HYPER_SETTERS).join(', ')})`);
    for (const nn of s.neurons ?? []) {
      if (typeof nn?.coldkey !== 'string' || typeof nn?.hotkey !== 'string') bad('neurons[].coldkey and hotkey must be strings');
      if (nn.stake !== undefined) toBig(nn.stake, 'neurons[].stake');
    }
  }
  return g;
}

function toBig(v: unknown, what: string): bigint {
  try {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  } catch {
    /* fallthrough */
  }
  throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis: ${what} must be a non-negative integer (rao)`, { value: String(v) });
}

const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
/**
 * The well-known sr25519 public keys of the Substrate dev accounts (the //Name derivations of the
 * dev phrase), so a default genesis does not pay six PBKDF2 + derivations at start.
 * test/unit/chain-mock.test.ts checks them against @polkadot/keyring.
 */
export const DEV_PUBLIC_KEYS: Record<string, string> = {
  '//Alice': 'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
  '//Bob': '8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48',
  '//Charlie': '90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22',
  '//Dave': '306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20',
  '//Eve': 'e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e',
  '//Ferdie': '1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c',
};
const resolved = new Map<string, Uint8Array>(Object.entries(DEV_PUBLIC_KEYS).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'hex'))]));

/** SURI (//Alice, mnemonic//path) or SS58 address → 32-byte public key. Needs cryptoWaitReady(). */
export function resolveAccount(s: string): Uint8Array {
  const hit = resolved.get(s);
  if (hit) return hit;
  let pk: Uint8Array;
  try {
    pk = s.startsWith('//') || s.includes(' ') ? keyring.addFromUri(s).publicKey : decodeAddress(s);
  } catch (e) {
    throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis: "${s}" is neither a SURI nor an SS58 address`, { account: s }, { cause: e });
  }
  resolved.set(s, pk);
  return pk;
}

function ipToBigInt(ip: string): { ip: bigint; type: number } {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail ? tail.split(':') : [];
    const parts = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return { ip: parts.reduce((acc, p) => (acc << 16n) + BigInt(parseInt(p || '0', 16)), 0n), type: 6 };
  }
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis: bad ip ${ip}`);
  return { ip: BigInt(((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3]), type: 4 };
}

/** Applies the genesis spec at block 0 (state must be fresh). */
export function applyGenesis(exec: Executive, spec: GenesisSpec): void {
  const st = exec.state;
  const fund = (who: Uint8Array, amount: bigint) => {
    if (amount === 0n) return;
    exec.mutateFree(who, amount);
    exec.issuance(amount);
  };
  if (spec.devAccounts !== false) {
    const bal = spec.devBalance !== undefined ? toBig(spec.devBalance, 'devBalance') : DEFAULT_DEV_BALANCE;
    for (const uri of DEV_ACCOUNTS) fund(resolveAccount(uri), bal);
  }
  for (const a of spec.accounts ?? []) fund(resolveAccount(a.account), toBig(a.balance, 'accounts[].balance'));
  st.set('Sudo', 'Key', [], resolveAccount(spec.sudo ?? '//Alice'));
  // the root network exists at genesis, as on subtensor
  exec.initNewNetwork(0, 100);
  st.set('SubtensorModule', 'NetworkRateLimit', [], 0);
  const check = (r: ReturnType<Executive['dispatchTransactional']>, what: string) => {
    if (!r.success) {
      const name = r.errorName ? `${r.errorName.pallet}.${r.errorName.name}` : JSON.stringify(r.error);
      throw new SubnetError('CHAIN_GENESIS_INVALID', `genesis: ${what} failed: ${name}`, { error: name });
    }
  };
  for (const [i, s] of (spec.subnets ?? []).entries()) {
    const owner = resolveAccount(s.owner);
    const ownerHot = resolveAccount(s.ownerHotkey);
    const before = new Set(exec.netuids());
    check(exec.dispatchTransactional({ kind: 'signed', who: owner }, { pallet: 'SubtensorModule', call: 'register_network', args: { hotkey: ownerHot } }), `subnets[${i}] register_network`);
    const netuid = exec.netuids().find((n) => !before.has(n))!;
    if (s.startCall !== false) check(exec.dispatchTransactional({ kind: 'signed', who: owner }, { pallet: 'SubtensorModule', call: 'start_call', args: { netuid } }), `subnets[${i}] start_call`);
    // registration limits are lifted during genesis so every neuron fits in block 0
    st.set('SubtensorModule', 'MaxRegistrationsPerBlock', [netuid], 65535);
    st.set('SubtensorModule', 'TargetRegistrationsPerInterval', [netuid], 65535);
    for (const [k, v] of Object.entries(s.hyperparameters ?? {})) {
      const callName = HYPER_SETTERS[k];
      const def = ADMIN_UTILS.calls!.find((c) => c.name === callName)!;
      const args: Record<string, unknown> = {};
      for (const [name] of def.args) args[name] = name === 'netuid' ? netuid : v;
      check(exec.dispatchTransactional({ kind: 'root' }, { pallet: 'AdminUtils', call: callName, args }), `subnets[${i}] ${k}`);
    }
    for (const [j, nn] of (s.neurons ?? []).entries()) {
      const cold = resolveAccount(nn.coldkey);
      const hot = resolveAccount(nn.hotkey);
      if (exec.free(cold) < 10_000_000_000n) fund(cold, 10_000_000_000_000n);
      check(exec.dispatchTransactional({ kind: 'signed', who: cold }, { pallet: 'SubtensorModule', call: 'burned_register', args: { netuid, hotkey: hot } }), `subnets[${i}].neurons[${j}] burned_register`);
      if (nn.stake !== undefined && toBig(nn.stake, 'stake') > 0n) {
        const amount = toBig(nn.stake, 'stake');
        if (exec.free(cold) < amount + 1000n) fund(cold, amount + 1000n);
        check(exec.dispatchTransactional({ kind: 'signed', who: cold }, { pallet: 'SubtensorModule', call: 'add_stake', args: { hotkey: hot, netuid, amount_staked: amount } }), `subnets[${i}].neurons[${j}] add_stake`);
      }
      if (nn.axon) {
        const { ip, type } = ipToBigInt(nn.axon.ip);
        const saved = exec.opts.allowLoopbackAxons;
        check(
          exec.dispatchTransactional(
            { kind: 'signed', who: hot },
            { pallet: 'SubtensorModule', call: 'serve_axon', args: { netuid, version: nn.axon.version ?? 1, ip, port: nn.axon.port, ip_type: type, protocol: nn.axon.protocol ?? 4, placeholder1: 0, placeholder2: 0 } },
          ),
          `subnets[${i}].neurons[${j}] serve_axon${saved ? '' : ' (loopback addresses need --allow-loopback-axons)'}`,
        );
      }
    }
    st.set('SubtensorModule', 'MaxRegistrationsPerBlock', [netuid], 1);
    st.set('SubtensorModule', 'TargetRegistrationsPerInterval', [netuid], 2);
    st.set('SubtensorModule', 'RegistrationsThisBlock', [netuid], 0);
    st.set('SubtensorModule', 'RegistrationsThisInterval', [netuid], 0);
    // hyperparameters given explicitly win over the restored registration limits
    for (const k of ['MaxRegistrationsPerBlock', 'TargetRegistrationsPerInterval'])
      if (s.hyperparameters?.[k] !== undefined) st.set('SubtensorModule', k, [netuid], s.hyperparameters[k]);
  }
  st.set('SubtensorModule', 'NetworkRateLimit', [], spec.networkRateLimit ?? 7200);
  // register_network stamped the rate-limit block at 0: a fresh chain lets the first registration through
}

export { ipToBigInt };
