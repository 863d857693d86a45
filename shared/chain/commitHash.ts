/**
 * CRv2 commit hash, exactly as subtensor's `get_commit_hash` (pallets/subtensor/src/subnets/weights.rs):
 *   BlakeTwo256::hash_of(&(who, netuid_index, uids, values, salt, version_key))
 * = blake2_256(SCALE(AccountId32 ‖ u16 ‖ Vec<u16> ‖ Vec<u16> ‖ Vec<u16> ‖ u64)).
 * netuid_index = netuid for mechanism 0 (the only one spec 218 has). Pure.
 */
import { compactToU8a, u8aConcat } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { SubnetError } from '../errors';

function u16(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new SubnetError('CHAIN_BAD_INPUT', `not a u16: ${n}`, { value: n });
  return new Uint8Array([n & 0xff, n >> 8]);
}

function vecU16(xs: readonly number[]): Uint8Array {
  return u8aConcat(compactToU8a(xs.length), ...xs.map(u16));
}

function u64(n: bigint | number): Uint8Array {
  let v = BigInt(n);
  if (v < 0n || v > 0xffffffffffffffffn) throw new SubnetError('CHAIN_BAD_INPUT', `not a u64: ${n}`, { value: String(n) });
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** SCALE bytes hashed by get_commit_hash (exposed for tests). */
export function commitPreimage(hotkey: string | Uint8Array, netuid: number, uids: readonly number[], values: readonly number[], salt: readonly number[], versionKey: bigint | number): Uint8Array {
  const who = typeof hotkey === 'string' ? decodeAddress(hotkey) : hotkey;
  if (who.length !== 32) throw new SubnetError('CHAIN_BAD_INPUT', 'hotkey must be a 32-byte account id', { length: who.length });
  return u8aConcat(who, u16(netuid), vecU16(uids), vecU16(values), vecU16(salt), u64(versionKey));
}

/** The H256 a validator commits with commit_weights and later opens with reveal_weights. */
export function weightsCommitHash(hotkey: string | Uint8Array, netuid: number, uids: readonly number[], values: readonly number[], salt: readonly number[], versionKey: bigint | number): Uint8Array {
  return blake2AsU8a(commitPreimage(hotkey, netuid, uids, values, salt, versionKey), 256);
}
