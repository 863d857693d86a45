/**
 * A msgpack writer for the two messages that carry the traffic (requests and responses): their
 * fixed positional layout is written straight into one growable buffer, with no intermediate
 * arrays and no second copy, and the offsets of every message come for free (proof format v3
 * hashes each message's own bytes). JSON values (meta, error context) and the rare messages go
 * through msgpackr. The bytes are exactly msgpackr's (smallest integer forms, float64 for
 * everything else, str8/16/32 and bin8/16/32 by length): a property test compares them.
 */
import { Packr, RESET_BUFFER_MODE } from 'msgpackr';
import type { TensorData } from '../model/interface';

const packr = new Packr({ useRecords: false, moreTypes: false });

export class MsgpackWriter {
  buf: Buffer;
  n = 0;

  constructor(size = 16 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  /** Room for k more bytes. */
  reserve(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  arrayHeader(k: number): void {
    this.reserve(5);
    const b = this.buf;
    if (k < 16) b[this.n++] = 0x90 | k;
    else if (k < 0x10000) {
      b[this.n++] = 0xdc;
      b[this.n++] = k >> 8;
      b[this.n++] = k & 0xff;
    } else {
      b[this.n++] = 0xdd;
      b.writeUInt32BE(k, this.n);
      this.n += 4;
    }
  }

  nil(): void {
    this.reserve(1);
    this.buf[this.n++] = 0xc0;
  }

  /**
   * An unsigned value after one of three tags by its size: uint8/16/32 (0xcc–0xce) for a number,
   * str8/16/32 or bin8/16/32 for a length.
   */
  private sized(v: number, t8: number, t16: number, t32: number): void {
    const b = this.buf;
    if (v < 0x100) {
      b[this.n++] = t8;
      b[this.n++] = v;
    } else if (v < 0x10000) {
      b[this.n++] = t16;
      b[this.n++] = v >> 8;
      b[this.n++] = v & 0xff;
    } else {
      b[this.n++] = t32;
      b.writeUInt32BE(v, this.n);
      this.n += 4;
    }
  }

  /** A number as msgpackr writes it (useRecords false, no float32). */
  num(v: number): void {
    this.reserve(9);
    const b = this.buf;
    if (v >>> 0 === v) {
      if (v < 0x80) b[this.n++] = v;
      else this.sized(v, 0xcc, 0xcd, 0xce);
    } else if (v >> 0 === v) {
      if (v >= -0x20) b[this.n++] = 0x100 + v;
      else if (v >= -0x80) {
        b[this.n++] = 0xd0;
        b[this.n++] = v + 0x100;
      } else if (v >= -0x8000) {
        b[this.n++] = 0xd1;
        b.writeInt16BE(v, this.n);
        this.n += 2;
      } else {
        b[this.n++] = 0xd2;
        b.writeInt32BE(v, this.n);
        this.n += 4;
      }
    } else {
      b[this.n++] = 0xcb;
      b.writeDoubleBE(v, this.n);
      this.n += 8;
    }
  }

  str(s: string): void {
    const len = s.length;
    if (len < 32) {
      // short ASCII (synapses, tensor names, dtypes, codes): one pass, fixstr
      this.reserve(1 + len);
      const b = this.buf;
      let p = this.n + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === len) {
        b[this.n] = 0xa0 | len;
        this.n = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.reserve(5 + bytes);
    if (bytes < 32) this.buf[this.n++] = 0xa0 | bytes;
    else this.sized(bytes, 0xd9, 0xda, 0xdb);
    this.n += this.buf.write(s, this.n, bytes, 'utf8');
  }

  bin(d: Uint8Array): void {
    const len = d.byteLength;
    this.reserve(5 + len);
    this.sized(len, 0xc4, 0xc5, 0xc6);
    this.buf.set(d, this.n);
    this.n += len;
  }

  /** Bytes already encoded. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  /**
   * Any value msgpackr packs (JSON meta, error context). An empty plain object, the usual meta,
   * is written here: msgpackr gives every map a map16 header (de 00 00).
   */
  value(v: unknown): void {
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && isEmptyObject(v)) {
      this.reserve(3);
      const b = this.buf;
      b[this.n++] = 0xde;
      b[this.n++] = 0;
      b[this.n++] = 0;
      return;
    }
    this.raw(packr.pack(v, RESET_BUFFER_MODE));
  }

  /** Tensors as `[[name, dtype, shape, bytes], ...]` in the record's key order. */
  tensors(t: Record<string, TensorData>): void {
    let k = 0;
    for (const _ in t) k++;
    this.arrayHeader(k);
    for (const name in t) {
      const v = t[name];
      this.arrayHeader(4);
      this.str(name);
      this.str(v.dtype);
      const shape = v.shape;
      this.arrayHeader(shape.length);
      for (let i = 0; i < shape.length; i++) this.num(shape[i]);
      this.bin(v.data);
    }
  }

  /** A fresh copy of the bytes written; the writer starts over. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.n);
    this.buf.copy(out, 0, 0, this.n);
    this.n = 0;
    return out;
  }
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** msgpackr's own bytes for any value (the rare messages), aliasing its scratch buffer. */
export function packUnsafe(v: unknown): Buffer {
  return packr.pack(v, RESET_BUFFER_MODE);
}
