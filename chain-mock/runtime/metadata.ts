/**
 * Builds the runtime's codecs (RuntimeCall, RuntimeEvent, EventRecord) and its metadata V14 from
 * the pallet table, and indexes calls, events, errors and storage items by name. Pure.
 */
import type { TypeRegistry } from '@polkadot/types';
import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { SubnetError } from '../../shared/errors';
import { encode, enumCodec, struct, TypeBuilder, vec, Writer, Reader, type Codec, type Fields } from '../scale';
import { PALLETS, setRuntimeCallCodec, type CallDef, type Hasher, type PalletDef, type StorageDef } from './pallets';
import {
  accountId,
  compact,
  era,
  h256,
  multiAddress,
  multiSignature,
  option,
  phase,
  u32,
  u64n,
  unit,
  u8,
  bytesCodec,
} from './types';
import { fixedBytes } from '../scale';

export interface RuntimeCall {
  pallet: string;
  call: string;
  args: Record<string, any>;
}

export interface RuntimeEventValue {
  pallet: string;
  name: string;
  values: unknown[];
}

export interface EventRecordValue {
  phase: { tag: 'ApplyExtrinsic'; index: number } | { tag: 'Finalization' } | { tag: 'Initialization' };
  event: RuntimeEventValue;
}

export const SPEC_NAME = 'node-subtensor';
export const SPEC_VERSION = 425;
export const TRANSACTION_VERSION = 1;

interface PalletIndex {
  def: PalletDef;
  callCodec: (Codec<any> & { variants: { name: string; index: number; fields: Fields }[] }) | null;
  callsByIndex: Map<number, CallDef>;
  callsByName: Map<string, CallDef>;
  eventCodec: ReturnType<typeof enumCodec> | null;
  eventsByName: Map<string, { index: number; fields: Fields }>;
  errorIndex: Map<string, number>;
  storage: Map<string, StorageItem>;
}

export interface StorageItem {
  pallet: string;
  def: StorageDef;
  prefix: Uint8Array;
  prefixHex: string;
  fallbackBytes: Uint8Array | null;
}

const callEnumPath = (p: PalletDef) => [p.crate, 'pallet', 'Call'];

export class Runtime {
  readonly pallets = new Map<string, PalletIndex>();
  readonly palletsByIndex = new Map<number, PalletIndex>();
  readonly runtimeCall: Codec<RuntimeCall>;
  readonly runtimeEvent: Codec<RuntimeEventValue>;
  readonly eventRecords: Codec<EventRecordValue[]>;
  private metadataBytes: Uint8Array | null = null;
  private registryCache: TypeRegistry | null = null;

  constructor(readonly defs: PalletDef[] = PALLETS) {
    for (const def of defs) {
      const callCodec = def.calls
        ? enumCodec(
            callEnumPath(def),
            def.calls.map((c) => ({ name: c.name, index: c.index, fields: c.args, named: true })),
            [{ name: 'T', type: null }],
          )
        : null;
      const eventCodec = def.events
        ? enumCodec(
            [def.crate, 'pallet', 'Event'],
            def.events.map((e) => ({ name: e.name, index: e.index, fields: e.fields, named: e.named })),
            [{ name: 'T', type: null }],
          )
        : null;
      const errs = (def.errors ?? []).map((e, i) => (typeof e === 'string' ? { name: e, index: i } : e));
      const idx: PalletIndex = {
        def,
        callCodec,
        callsByIndex: new Map((def.calls ?? []).map((c) => [c.index, c])),
        callsByName: new Map((def.calls ?? []).map((c) => [c.name, c])),
        eventCodec,
        eventsByName: new Map((def.events ?? []).map((e) => [e.name, { index: e.index, fields: e.fields }])),
        errorIndex: new Map(errs.map((e) => [e.name, e.index])),
        storage: new Map(),
      };
      for (const s of def.storage ?? []) {
        const prefix = u8aConcat(xxhashAsU8a(def.name, 128), xxhashAsU8a(s.name, 128));
        idx.storage.set(s.name, {
          pallet: def.name,
          def: s,
          prefix,
          prefixHex: u8aToHex(prefix),
          fallbackBytes: s.modifier === 'Default' && s.fallback !== null && s.fallback !== undefined ? encode(s.value, s.fallback) : null,
        });
      }
      this.pallets.set(def.name, idx);
      this.palletsByIndex.set(def.index, idx);
    }
    const self = this;
    const callPallets = defs.filter((d) => d.calls);
    this.runtimeCall = {
      key: 'node_subtensor_runtime::RuntimeCall',
      enc(w, v) {
        const p = self.pallet(v.pallet);
        const c = p.callsByName.get(v.call);
        if (!c) throw new SubnetError('CHAIN_UNKNOWN_CALL', `unknown call ${v.pallet}.${v.call}`);
        w.u8(p.def.index);
        w.u8(c.index);
        for (const [name, codec] of c.args) codec.enc(w, v.args[name]);
      },
      dec(r) {
        const pi = r.u8();
        const p = self.palletsByIndex.get(pi);
        if (!p || !p.callCodec) throw new SubnetError('CHAIN_UNKNOWN_CALL', `unknown pallet index ${pi}`, { pallet: pi });
        const ci = r.u8();
        const c = p.callsByIndex.get(ci);
        if (!c) throw new SubnetError('CHAIN_UNKNOWN_CALL', `unknown call index ${pi}/${ci}`, { pallet: pi, call: ci });
        const args: Record<string, unknown> = {};
        for (const [name, codec] of c.args) args[name] = codec.dec(r);
        return { pallet: p.def.name, call: c.name, args };
      },
      reg(b) {
        return b.add('node_subtensor_runtime::RuntimeCall', () => ({
          path: ['node_subtensor_runtime', 'RuntimeCall'],
          def: {
            Variant: {
              variants: callPallets.map((d) => ({
                name: d.name,
                index: d.index,
                docs: [],
                fields: [{ name: null, type: self.pallet(d.name).callCodec!.reg(b), typeName: `self::sp_api_hidden_includes_construct_runtime::hidden_include::dispatch::CallableCallFor<${d.name}, Runtime>`, docs: [] }],
              })),
            },
          },
        }));
      },
    };
    setRuntimeCallCodec(this.runtimeCall);
    const eventPallets = defs.filter((d) => d.events);
    this.runtimeEvent = {
      key: 'node_subtensor_runtime::RuntimeEvent',
      enc(w, v) {
        const p = self.pallet(v.pallet);
        const e = p.eventsByName.get(v.name);
        if (!e) throw new SubnetError('CHAIN_UNKNOWN_EVENT', `unknown event ${v.pallet}.${v.name}`);
        w.u8(p.def.index);
        w.u8(e.index);
        e.fields.forEach(([, c], i) => c.enc(w, v.values[i]));
      },
      dec(r) {
        const p = self.palletsByIndex.get(r.u8());
        if (!p || !p.eventCodec) throw new SubnetError('SCALE_DECODE', 'unknown event pallet');
        const ev = p.eventCodec.dec(r);
        return { pallet: p.def.name, name: ev.tag, values: ev.values ?? [] };
      },
      reg(b) {
        return b.add('node_subtensor_runtime::RuntimeEvent', () => ({
          path: ['node_subtensor_runtime', 'RuntimeEvent'],
          def: {
            Variant: {
              variants: eventPallets.map((d) => ({
                name: d.name,
                index: d.index,
                docs: [],
                fields: [{ name: null, type: self.pallet(d.name).eventCodec!.reg(b), typeName: `${d.crate}::Event<Runtime>`, docs: [] }],
              })),
            },
          },
        }));
      },
    };
    const runtimeEvent = this.runtimeEvent;
    const record = struct<any>(
      ['frame_system', 'EventRecord'],
      [
        ['phase', phase, 'Phase'],
        ['event', runtimeEvent, 'E'],
        ['topics', vec(h256), 'Vec<T>'],
      ],
      [
        { name: 'E', type: runtimeEvent },
        { name: 'T', type: h256 },
      ],
    );
    const recordsCodec = vec(record);
    this.eventRecords = {
      key: 'Vec<EventRecord>',
      enc(w, v) {
        recordsCodec.enc(
          w,
          v.map((e) => ({ phase: e.phase.tag === 'ApplyExtrinsic' ? { tag: 'ApplyExtrinsic', values: [e.phase.index] } : { tag: e.phase.tag, values: [] }, event: e.event, topics: [] })),
        );
      },
      dec(r) {
        return recordsCodec.dec(r).map((e: any) => ({
          phase: e.phase.tag === 'ApplyExtrinsic' ? { tag: 'ApplyExtrinsic', index: e.phase.values[0] } : { tag: e.phase.tag },
          event: e.event,
        }));
      },
      reg(b) {
        return recordsCodec.reg(b);
      },
    };
    // System.Events (needs the RuntimeEvent codec, hence added here)
    const system = this.pallets.get('System');
    if (system) {
      const prefix = u8aConcat(xxhashAsU8a('System', 128), xxhashAsU8a('Events', 128));
      system.storage.set('Events', {
        pallet: 'System',
        def: { name: 'Events', modifier: 'Default', keys: [], value: this.eventRecords, fallback: [] },
        prefix,
        prefixHex: u8aToHex(prefix),
        fallbackBytes: new Uint8Array([0]),
      });
    }
  }

  pallet(name: string): PalletIndex {
    const p = this.pallets.get(name);
    if (!p) throw new SubnetError('CHAIN_UNKNOWN_PALLET', `unknown pallet ${name}`);
    return p;
  }

  storageItem(pallet: string, name: string): StorageItem {
    const s = this.pallet(pallet).storage.get(name);
    if (!s) throw new SubnetError('CHAIN_UNKNOWN_STORAGE', `unknown storage ${pallet}.${name}`);
    return s;
  }

  /** Module error (pallet index, error index) by names. */
  moduleError(pallet: string, name: string): { index: number; error: number } {
    const p = this.pallet(pallet);
    const e = p.errorIndex.get(name);
    if (e === undefined) throw new SubnetError('CHAIN_UNKNOWN_ERROR', `unknown error ${pallet}.${name}`);
    return { index: p.def.index, error: e };
  }

  errorName(index: number, error: number): { pallet: string; name: string } | null {
    const p = this.palletsByIndex.get(index);
    if (!p) return null;
    for (const [name, i] of p.errorIndex) if (i === error) return { pallet: p.def.name, name };
    return null;
  }

  /** The metadata as returned by state_getMetadata: magic ++ version 14 ++ MetadataV14. */
  metadata(): Uint8Array {
    if (!this.metadataBytes) this.metadataBytes = this.buildMetadata();
    return this.metadataBytes;
  }

  /** A @polkadot/types registry with this metadata (tests, JSON helpers). */
  registry(): TypeRegistry {
    if (!this.registryCache) {
      // loaded lazily: @polkadot/types is only needed to build the metadata (first RPC client)
      const { TypeRegistry } = require('@polkadot/types') as typeof import('@polkadot/types');
      const registry = new TypeRegistry();
      const md = registry.createType('Metadata', this.metadata());
      registry.setMetadata(md);
      this.registryCache = registry;
    }
    return this.registryCache;
  }

  private buildMetadata(): Uint8Array {
    const b = new TypeBuilder();
    const ext = (identifier: string, path: string[], fields: Fields, additional: Codec<any>) => ({
      identifier,
      type: struct(path, fields).reg(b),
      additionalSigned: additional.reg(b),
    });
    const mode = enumCodec(['frame_metadata_hash_extension', 'Mode'], [
      { name: 'Disabled', index: 0, fields: [] },
      { name: 'Enabled', index: 1, fields: [] },
    ]);
    const signedExtensions = [
      ext('CheckNonZeroSender', ['frame_system', 'extensions', 'check_non_zero_sender', 'CheckNonZeroSender'], [], unit),
      ext('CheckSpecVersion', ['frame_system', 'extensions', 'check_spec_version', 'CheckSpecVersion'], [], u32),
      ext('CheckTxVersion', ['frame_system', 'extensions', 'check_tx_version', 'CheckTxVersion'], [], u32),
      ext('CheckGenesis', ['frame_system', 'extensions', 'check_genesis', 'CheckGenesis'], [], h256),
      ext('CheckMortality', ['node_subtensor_runtime', 'check_mortality', 'CheckMortality'], [['0', era, 'Era']], h256),
      ext('CheckNonce', ['node_subtensor_runtime', 'check_nonce', 'CheckNonce'], [['0', compact(u32), 'T::Nonce']], unit),
      ext('CheckWeight', ['frame_system', 'extensions', 'check_weight', 'CheckWeight'], [], unit),
      ext('ChargeTransactionPayment', ['pallet_transaction_payment', 'ChargeTransactionPayment'], [['0', compact(u64n, true), 'BalanceOf<T>']], unit),
      ext('CheckMetadataHash', ['frame_metadata_hash_extension', 'CheckMetadataHash'], [['mode', mode, 'Mode']], option(fixedBytes(32))),
    ];
    const extraTuple = b.add('SignedExtra', () => ({ def: { Tuple: signedExtensions.map((s) => s.type) } }));
    const callId = this.runtimeCall.reg(b);
    const addressId = multiAddress.reg(b);
    const sigId = multiSignature.reg(b);
    const extrinsicId = b.add('UncheckedExtrinsic', () => ({
      path: ['sp_runtime', 'generic', 'unchecked_extrinsic', 'UncheckedExtrinsic'],
      params: [
        { name: 'Address', type: addressId },
        { name: 'Call', type: callId },
        { name: 'Signature', type: sigId },
        { name: 'Extra', type: extraTuple },
      ],
      def: { Composite: { fields: [{ name: null, type: bytesCodec.reg(b), typeName: null, docs: [] }] } },
    }));
    this.runtimeEvent.reg(b);
    const pallets = this.defs.map((def) => {
      const idx = this.pallet(def.name);
      const storageItems = [...idx.storage.values()].map((s) => ({
        name: s.def.name,
        modifier: s.def.modifier,
        type:
          s.def.keys.length === 0
            ? { Plain: s.def.value.reg(b) }
            : {
                Map: {
                  hashers: s.def.keys.map(([h]) => h),
                  key: s.def.keys.length === 1 ? s.def.keys[0][1].reg(b) : b.add(`(${s.def.keys.map(([, c]) => c.key).join(',')})`, () => ({ def: { Tuple: s.def.keys.map(([, c]) => c.reg(b)) } })),
                  value: s.def.value.reg(b),
                },
              },
        fallback: u8aToHex(s.fallbackBytes ?? new Uint8Array([0])),
        docs: [],
      }));
      const errs = (def.errors ?? []).map((e, i) => (typeof e === 'string' ? { name: e, index: i } : e));
      const errorType = errs.length
        ? enumCodec([def.crate, 'pallet', 'Error'], errs.map((e) => ({ name: e.name, index: e.index, fields: [] })), [{ name: 'T', type: null }]).reg(b)
        : null;
      return {
        name: def.name,
        storage: storageItems.length ? { prefix: def.name, items: storageItems } : null,
        calls: idx.callCodec ? { type: idx.callCodec.reg(b) } : null,
        events: idx.eventCodec ? { type: idx.eventCodec.reg(b) } : null,
        constants: (def.constants ?? []).map((c) => ({ name: c.name, type: c.codec.reg(b), value: u8aToHex(encode(c.codec, c.value)), docs: [] })),
        errors: errorType === null ? null : { type: errorType },
        index: def.index,
      };
    });
    const runtimeType = b.add('node_subtensor_runtime::Runtime', () => ({ path: ['node_subtensor_runtime', 'Runtime'], def: { Composite: { fields: [] } } }));
    const { TypeRegistry } = require('@polkadot/types') as typeof import('@polkadot/types');
    const registry = new TypeRegistry();
    const v14 = registry.createType('MetadataV14', {
      lookup: { types: b.types },
      pallets,
      extrinsic: { type: extrinsicId, version: 4, signedExtensions },
      type: runtimeType,
    });
    return u8aConcat(new Uint8Array([0x6d, 0x65, 0x74, 0x61, 14]), v14.toU8a());
  }
}

/** Hashes one storage key part. */
export function hashKey(hasher: Hasher, data: Uint8Array): Uint8Array {
  switch (hasher) {
    case 'Identity':
      return data;
    case 'Blake2_128Concat':
      return u8aConcat(blake2AsU8a(data, 128), data);
    case 'Twox64Concat':
      return u8aConcat(xxhashAsU8a(data, 64), data);
  }
}

/** Full storage key of an item and its key values. */
export function storageKey(item: StorageItem, keys: unknown[]): Uint8Array {
  if (keys.length !== item.def.keys.length) throw new SubnetError('CHAIN_STORAGE_KEY', `${item.pallet}.${item.def.name} takes ${item.def.keys.length} keys`, { got: keys.length });
  if (keys.length === 0) return item.prefix;
  const parts: Uint8Array[] = [item.prefix];
  item.def.keys.forEach(([h, c], i) => parts.push(hashKey(h, encode(c, keys[i]))));
  return u8aConcat(...parts);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hashCache = new Map<string, string>();
function cachedHash(kind: 'b' | 't', hex: string, data: Uint8Array): string {
  const k = kind + hex;
  let h = hashCache.get(k);
  if (h === undefined) {
    h = u8aToHex(kind === 'b' ? blake2AsU8a(data, 128) : xxhashAsU8a(data, 64)).slice(2);
    if (hashCache.size > 200_000) hashCache.clear();
    hashCache.set(k, h);
  }
  return h;
}

/**
 * The hex storage key (same as u8aToHex(storageKey(...))), built as a string with the
 * Blake2/Twox hashes of key parts memoised: the hot path of every storage access.
 */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
const keyMemo = new WeakMap<StorageItem, Map<string, string>>();

export function storageKeyHex(item: StorageItem, keys: unknown[]): string {
  const defs = item.def.keys;
  if (keys.length !== defs.length) throw new SubnetError('CHAIN_STORAGE_KEY', `${item.pallet}.${item.def.name} takes ${defs.length} keys`, { got: keys.length });
  if (keys.length === 0) return item.prefixHex;
  // memo: numbers by value, byte arrays by identity (decoded values are cached and immutable),
  // so repeated reads reuse one key string (and V8's cached string hash)
  let mk = '';
  for (const k of keys) {
    if (typeof k === 'number') mk += k + ',';
    else if (k instanceof Uint8Array) {
      let id = objectIds.get(k);
      if (id === undefined) objectIds.set(k, (id = nextObjectId++));
      mk += 'o' + id + ',';
    } else {
      mk = '';
      break;
    }
  }
  let memo = keyMemo.get(item);
  if (mk) {
    if (!memo) keyMemo.set(item, (memo = new Map()));
    const hit = memo.get(mk);
    if (hit !== undefined) return hit;
  }
  const out = buildKeyHex(item, keys);
  if (mk && memo) {
    if (memo.size > 100_000) memo.clear();
    memo.set(mk, out);
  }
  return out;
}

function buildKeyHex(item: StorageItem, keys: unknown[]): string {
  const defs = item.def.keys;
  let s = item.prefixHex;
  for (let i = 0; i < defs.length; i++) {
    const [h, c] = defs[i];
    const k = keys[i];
    if (c.key === 'u16' && h === 'Identity' && typeof k === 'number' && Number.isInteger(k) && k >= 0 && k <= 0xffff) {
      s += HEX[k & 0xff] + HEX[k >> 8];
      continue;
    }
    const enc = encode(c, k);
    let hex = '';
    for (let j = 0; j < enc.length; j++) hex += HEX[enc[j]];
    if (h === 'Identity') s += hex;
    else s += cachedHash(h === 'Blake2_128Concat' ? 'b' : 't', hex, enc) + hex;
  }
  return s;
}

export function encodeTo<T>(c: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  c.enc(w, v);
  return w.finish();
}

export { Reader, accountId, u8 };
