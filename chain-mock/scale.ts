/**
 * A small, fast SCALE codec. Every codec also knows how to register its type in a
 * PortableRegistry (metadata V14), so one definition gives the wire format and the metadata.
 * Pure: no I/O.
 */
import { SubnetError } from '../shared/errors';

export class Writer {
  buf: Uint8Array;
  len = 0;
  constructor(size = 64) {
    this.buf = new Uint8Array(size);
  }
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v: number): void {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  uint(v: bigint | number, n: number): void {
    this.grow(n);
    if (typeof v === 'number' && n <= 4) {
      for (let i = 0; i < n; i++) this.buf[this.len++] = (v >>> (8 * i)) & 0xff;
      return;
    }
    let x = BigInt(v);
    for (let i = 0; i < n; i++) {
      this.buf[this.len++] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  compact(v: bigint | number): void {
    const x = BigInt(v);
    if (x < 0n) throw new SubnetError('SCALE_RANGE', 'negative compact', { v: String(v) });
    if (x < 1n << 6n) this.u8(Number(x) << 2);
    else if (x < 1n << 14n) this.uint((Number(x) << 2) | 1, 2);
    else if (x < 1n << 30n) this.uint(Number((x << 2n) | 2n) >>> 0, 4);
    else {
      const bytes: number[] = [];
      let y = x;
      while (y > 0n) {
        bytes.push(Number(y & 0xffn));
        y >>= 8n;
      }
      this.u8(((bytes.length - 4) << 2) | 3);
      for (const b of bytes) this.u8(b);
    }
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class Reader {
  off = 0;
  constructor(readonly buf: Uint8Array) {}
  need(n: number): void {
    if (this.off + n > this.buf.length) throw new SubnetError('SCALE_DECODE', 'unexpected end of input', { at: this.off, need: n });
  }
  u8(): number {
    this.need(1);
    return this.buf[this.off++];
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  uintNum(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.buf[this.off + i];
    this.off += n;
    return v;
  }
  uintBig(n: number): bigint {
    this.need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[this.off + i]);
    this.off += n;
    return v;
  }
  compact(): bigint {
    const b0 = this.u8();
    const mode = b0 & 3;
    if (mode === 0) return BigInt(b0 >> 2);
    if (mode === 1) {
      const b1 = this.u8();
      return BigInt(((b1 << 8) | b0) >> 2);
    }
    if (mode === 2) {
      this.off -= 1;
      return BigInt(this.uintNum(4) >>> 2);
    }
    const n = (b0 >> 2) + 4;
    return this.uintBig(n);
  }
  compactNum(): number {
    const v = this.compact();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SubnetError('SCALE_DECODE', 'compact too large', { v: String(v) });
    return Number(v);
  }
  done(): boolean {
    return this.off === this.buf.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Portable registry builder (metadata V14 `lookup`)

export interface SiTypeJson {
  id: number;
  type: { path: string[]; params: { name: string; type: number | null }[]; def: Record<string, unknown>; docs: string[] };
}

export class TypeBuilder {
  readonly types: SiTypeJson[] = [];
  private readonly memo = new Map<string, number>();
  reserve(): number {
    const id = this.types.length;
    this.types.push({ id, type: { path: [], params: [], def: { Tuple: [] }, docs: [] } });
    return id;
  }
  set(id: number, def: Record<string, unknown>, path: string[] = [], params: { name: string; type: number | null }[] = []): void {
    this.types[id] = { id, type: { path, params, def, docs: [] } };
  }
  add(key: string, make: () => { def: Record<string, unknown>; path?: string[]; params?: { name: string; type: number | null }[] }): number {
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const id = this.reserve();
    this.memo.set(key, id);
    const t = make();
    this.set(id, t.def, t.path ?? [], t.params ?? []);
    return id;
  }
}

// ---------------------------------------------------------------------------------------------
// Codecs

export interface Codec<T> {
  readonly key: string;
  enc(w: Writer, v: T): void;
  dec(r: Reader): T;
  reg(b: TypeBuilder): number;
}

export function encode<T>(c: Codec<T>, v: T): Uint8Array {
  const w = new Writer(32);
  c.enc(w, v);
  return w.finish();
}

export function decode<T>(c: Codec<T>, bytes: Uint8Array, exact = true): T {
  const r = new Reader(bytes);
  const v = c.dec(r);
  if (exact && !r.done()) throw new SubnetError('SCALE_DECODE', 'trailing bytes', { key: c.key, left: bytes.length - r.off });
  return v;
}

function prim(key: string, name: string, n: number, asBig: boolean): Codec<any> {
  const max = 2n ** BigInt(8 * n) - 1n;
  return {
    key,
    enc(w, v) {
      if (asBig) {
        const x = BigInt(v);
        if (x < 0n || x > max) throw new SubnetError('SCALE_RANGE', `${key} out of range`, { v: String(v) });
        w.uint(x, n);
      } else {
        if (!Number.isInteger(v) || v < 0 || BigInt(v) > max) throw new SubnetError('SCALE_RANGE', `${key} out of range`, { v: String(v) });
        w.uint(n <= 4 ? v : BigInt(v), n);
      }
    },
    dec(r) {
      if (asBig) return r.uintBig(n);
      if (n <= 6) return r.uintNum(n);
      const b = r.uintBig(n);
      if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new SubnetError('SCALE_RANGE', `${key} exceeds 2^53`, { v: String(b) });
      return Number(b);
    },
    reg(b) {
      return b.add(key === 'u64n' ? 'u64' : key === 'u128n' ? 'u128' : key, () => ({ def: { Primitive: name } }));
    },
  };
}

export const u8: Codec<number> = prim('u8', 'U8', 1, false);
export const u16: Codec<number> = prim('u16', 'U16', 2, false);
export const u32: Codec<number> = prim('u32', 'U32', 4, false);
/** u64 as a JS number (block numbers, rate limits): rejects values above 2^53 */
export const u64: Codec<number> = prim('u64', 'U64', 8, false);
/** u64 as a bigint (balances, stake) */
export const u64n: Codec<bigint> = prim('u64n', 'U64', 8, true);
export const u128: Codec<bigint> = prim('u128n', 'U128', 16, true);

export const i16: Codec<number> = {
  key: 'i16',
  enc(w, v) {
    w.uint(v < 0 ? v + 65536 : v, 2);
  },
  dec(r) {
    const v = r.uintNum(2);
    return v >= 32768 ? v - 65536 : v;
  },
  reg(b) {
    return b.add('i16', () => ({ def: { Primitive: 'I16' } }));
  },
};

export const bool: Codec<boolean> = {
  key: 'bool',
  enc(w, v) {
    w.u8(v ? 1 : 0);
  },
  dec(r) {
    const b = r.u8();
    if (b > 1) throw new SubnetError('SCALE_DECODE', 'invalid bool', { b });
    return b === 1;
  },
  reg(b) {
    return b.add('bool', () => ({ def: { Primitive: 'Bool' } }));
  },
};

export function compact(inner: Codec<any>, big = false): Codec<any> {
  return {
    key: `Compact<${inner.key}>`,
    enc(w, v) {
      w.compact(v);
    },
    dec(r) {
      return big ? r.compact() : r.compactNum();
    },
    reg(b) {
      const t = inner.reg(b);
      return b.add(`Compact<${inner.key}>`, () => ({ def: { Compact: { type: t } } }));
    },
  };
}

export function vec<T>(inner: Codec<T>, maxLen = 1 << 20): Codec<T[]> {
  return {
    key: `Vec<${inner.key}>`,
    enc(w, v) {
      w.compact(v.length);
      for (const x of v) inner.enc(w, x);
    },
    dec(r) {
      const n = r.compactNum();
      if (n > maxLen || n > r.buf.length - r.off) throw new SubnetError('SCALE_DECODE', 'vector too long', { n });
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = inner.dec(r);
      return out;
    },
    reg(b) {
      const t = inner.reg(b);
      return b.add(`Vec<${inner.key}>`, () => ({ def: { Sequence: { type: t } } }));
    },
  };
}

export const bytesCodec: Codec<Uint8Array> = {
  key: 'Bytes',
  enc(w, v) {
    w.compact(v.length);
    w.bytes(v);
  },
  dec(r) {
    const n = r.compactNum();
    return r.bytes(n).slice();
  },
  reg(b) {
    return vec(u8).reg(b);
  },
};

export function fixedBytes(n: number, path?: string[]): Codec<Uint8Array> {
  const key = path ? path.join('::') : `[u8;${n}]`;
  return {
    key,
    enc(w, v) {
      if (v.length !== n) throw new SubnetError('SCALE_RANGE', `expected ${n} bytes`, { got: v.length });
      w.bytes(v);
    },
    dec(r) {
      return r.bytes(n).slice();
    },
    reg(b) {
      const arr = b.add(`[u8;${n}]`, () => ({ def: { Array: { len: n, type: u8.reg(b) } } }));
      if (!path) return arr;
      return b.add(key, () => ({ path, def: { Composite: { fields: [{ name: null, type: arr, typeName: `[u8; ${n}]`, docs: [] }] } } }));
    },
  };
}

export const accountId = fixedBytes(32, ['sp_core', 'crypto', 'AccountId32']);
export const h256 = fixedBytes(32, ['primitive_types', 'H256']);

export function tuple<T extends unknown[]>(...items: { [K in keyof T]: Codec<T[K]> }): Codec<T> {
  const key = `(${items.map((c) => c.key).join(',')})`;
  return {
    key,
    enc(w, v) {
      items.forEach((c, i) => c.enc(w, v[i]));
    },
    dec(r) {
      return items.map((c) => c.dec(r)) as T;
    },
    reg(b) {
      const ids = items.map((c) => c.reg(b));
      return b.add(key, () => ({ def: { Tuple: ids } }));
    },
  };
}

export const unit: Codec<null> = {
  key: '()',
  enc() {},
  dec() {
    return null;
  },
  reg(b) {
    return b.add('()', () => ({ def: { Tuple: [] } }));
  },
};

export function option<T>(inner: Codec<T>): Codec<T | null> {
  const key = `Option<${inner.key}>`;
  return {
    key,
    enc(w, v) {
      if (v === null || v === undefined) w.u8(0);
      else {
        w.u8(1);
        inner.enc(w, v);
      }
    },
    dec(r) {
      const t = r.u8();
      if (t === 0) return null;
      if (t !== 1) throw new SubnetError('SCALE_DECODE', 'invalid option tag', { t });
      return inner.dec(r);
    },
    reg(b) {
      return b.add(key, () => {
        const t = inner.reg(b);
        return {
          path: ['Option'],
          params: [{ name: 'T', type: t }],
          def: { Variant: { variants: [{ name: 'None', fields: [], index: 0, docs: [] }, { name: 'Some', fields: [{ name: null, type: t, typeName: null, docs: [] }], index: 1, docs: [] }] } },
        };
      });
    },
  };
}

export type Fields = [string, Codec<any>, string?][];

export function struct<T extends Record<string, any>>(path: string[], fields: Fields, params: { name: string; type: Codec<any> | null }[] = []): Codec<T> {
  const key = path.join('::') + (params.length ? `<${params.map((p) => p.type?.key ?? '_').join(',')}>` : '');
  return {
    key,
    enc(w, v) {
      for (const [name, c] of fields) c.enc(w, v[name]);
    },
    dec(r) {
      const o: Record<string, unknown> = {};
      for (const [name, c] of fields) o[name] = c.dec(r);
      return o as T;
    },
    reg(b) {
      return b.add(key, () => ({
        path,
        params: params.map((p) => ({ name: p.name, type: p.type ? p.type.reg(b) : null })),
        def: { Composite: { fields: fields.map(([name, c, typeName]) => ({ name, type: c.reg(b), typeName: typeName ?? null, docs: [] })) } },
      }));
    },
  };
}

/** A value of an enum: `{tag, value}` where value is the variant's field values (array, or object for named). */
export interface EnumValue {
  tag: string;
  values?: unknown[];
}

export interface VariantDef {
  name: string;
  index: number;
  fields: Fields;
  /** fields are named (struct-like) rather than positional */
  named?: boolean;
}

export function enumCodec(path: string[], variants: VariantDef[], params: { name: string; type: Codec<any> | null }[] = [], keySuffix = ''): Codec<EnumValue> & { variants: VariantDef[] } {
  const byName = new Map(variants.map((v) => [v.name, v]));
  const byIndex = new Map(variants.map((v) => [v.index, v]));
  const key = path.join('::') + keySuffix;
  return {
    key,
    variants,
    enc(w, v) {
      const d = byName.get(v.tag);
      if (!d) throw new SubnetError('SCALE_RANGE', `unknown variant ${v.tag} of ${key}`);
      w.u8(d.index);
      d.fields.forEach(([, c], i) => c.enc(w, v.values?.[i]));
    },
    dec(r) {
      const i = r.u8();
      const d = byIndex.get(i);
      if (!d) throw new SubnetError('SCALE_DECODE', `unknown variant index ${i} of ${key}`, { i });
      return { tag: d.name, values: d.fields.map(([, c]) => c.dec(r)) };
    },
    reg(b) {
      return b.add(key, () => ({
        path,
        params: params.map((p) => ({ name: p.name, type: p.type ? p.type.reg(b) : null })),
        def: {
          Variant: {
            variants: variants.map((v) => ({
              name: v.name,
              index: v.index,
              docs: [],
              fields: v.fields.map(([name, c, typeName]) => ({ name: v.named ? name : null, type: c.reg(b), typeName: typeName ?? null, docs: [] })),
            })),
          },
        },
      }));
    },
  };
}

/** A codec whose registration is deferred (recursive types such as RuntimeCall inside Sudo). */
export function lazy<T>(key: string, get: () => Codec<T>): Codec<T> {
  return {
    key,
    enc(w, v) {
      get().enc(w, v);
    },
    dec(r) {
      return get().dec(r);
    },
    reg(b) {
      return get().reg(b);
    },
  };
}
