/**
 * A small canonical binary encoding of named tensors, used for the raw responses, challenge
 * inputs and reference outputs kept in the log, and for response digests (sha256 of it).
 *
 *   "TNS1" | u32 count | per tensor, names sorted:
 *     u16 nameLen | name (utf8) | u8 dtype code | u8 ndim | ndim x u32 dim | u32 byteLen | bytes
 *
 * All integers little-endian. Canonical: the same tensors always encode to the same bytes.
 */
import { createHash } from 'node:crypto';
import type { DType, TensorData } from '../model/interface';
import { SubnetError } from '../errors';

const MAGIC = [0x54, 0x4e, 0x53, 0x31]; // TNS1
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'uint16', 'int16', 'bool'];
const CODE: Record<string, number> = Object.fromEntries(DTYPES.map((d, i) => [d, i]));

export function encodeTensors(ts: Readonly<Record<string, TensorData>>): Uint8Array {
  const names = Object.keys(ts).sort();
  const enc = new TextEncoder();
  const nameBytes = names.map((n) => enc.encode(n));
  let size = 8;
  for (let i = 0; i < names.length; i++) {
    const t = ts[names[i]];
    size += 2 + nameBytes[i].length + 2 + 4 * t.shape.length + 4 + t.data.byteLength;
  }
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, names.length, true);
  let o = 8;
  for (let i = 0; i < names.length; i++) {
    const t = ts[names[i]];
    const code = CODE[t.dtype];
    if (code === undefined) throw new SubnetError('TENSOR_INVALID', `unknown dtype ${t.dtype}`, { name: names[i] });
    dv.setUint16(o, nameBytes[i].length, true);
    o += 2;
    out.set(nameBytes[i], o);
    o += nameBytes[i].length;
    out[o++] = code;
    out[o++] = t.shape.length;
    for (const d of t.shape) {
      dv.setUint32(o, d, true);
      o += 4;
    }
    dv.setUint32(o, t.data.byteLength, true);
    o += 4;
    out.set(t.data, o);
    o += t.data.byteLength;
  }
  return out;
}

export function decodeTensors(buf: Uint8Array): Record<string, TensorData> {
  const bad = (why: string) => new SubnetError('TENSOR_INVALID', `cannot decode logged tensors: ${why}`, {});
  if (buf.byteLength < 8 || MAGIC.some((b, i) => buf[i] !== b)) throw bad('bad magic');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = dv.getUint32(4, true);
  const dec = new TextDecoder();
  const out: Record<string, TensorData> = {};
  let o = 8;
  const need = (k: number) => {
    if (o + k > buf.byteLength) throw bad('truncated');
  };
  for (let i = 0; i < count; i++) {
    need(2);
    const nl = dv.getUint16(o, true);
    o += 2;
    need(nl + 2);
    const name = dec.decode(buf.subarray(o, o + nl));
    o += nl;
    const dtype = DTYPES[buf[o++]];
    if (!dtype) throw bad('unknown dtype code');
    const nd = buf[o++];
    need(4 * nd + 4);
    const shape: number[] = [];
    for (let d = 0; d < nd; d++) {
      shape.push(dv.getUint32(o, true));
      o += 4;
    }
    const len = dv.getUint32(o, true);
    o += 4;
    need(len);
    out[name] = { dtype, shape, data: buf.slice(o, o + len) };
    o += len;
  }
  return out;
}

/** sha256 of the canonical encoding. */
export function digestTensors(ts: Readonly<Record<string, TensorData>>): Uint8Array {
  return digestBytes(encodeTensors(ts));
}

export function digestBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest());
}
