/**
 * The message codec: pure functions between messages and msgpack bytes (the plaintext inside an
 * authenticated frame). Tensors travel as raw little-endian bytes with dtype and shape, never as
 * number arrays. Decoding validates every field; a malformed message throws BadMessageError
 * carrying the request id when it could be read, so the miner can answer it with status 400.
 */
import { Packr, Unpackr, RESET_BUFFER_MODE } from 'msgpackr';
import type { DType, TensorData, TensorSpec } from '../model/interface';
import { DTYPE_BYTES, isDType } from '../model/tensor';
import { BadMessageError } from './errors';
import { MsgpackWriter } from './writer';
import type { Body, CancelMessage, Message, Meta, ProofMessage, RequestMessage, ResponseMessage, WelcomeMessage, WireError } from './types';

/** byte size of one element per dtype (one table, in shared/model) */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = DTYPE_BYTES;
export { isDType };

export interface CodecLimits {
  maxTensors: number;
  maxRank: number;
  /** elements per tensor */
  maxElements: number;
  maxTimeoutMs: number;
  maxMetaDepth: number;
}

export const defaultCodecLimits: CodecLimits = {
  maxTensors: 64,
  maxRank: 8,
  maxElements: 1 << 28,
  maxTimeoutMs: 600_000,
  maxMetaDepth: 8,
};

const MSG = { request: 1, response: 2, welcome: 3, proof: 4, cancel: 5 } as const;
/** Largest leaf count a proof may claim (2^32 - 1: 32 levels) */
export const MAX_PROOF_LEAVES = 0xffffffff;
const SYNAPSE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const TENSOR_NAME_RE = /^[^\u0000-\u001f]{1,128}$/;

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false });

/** The writer every encode goes through (one per process: encoding is synchronous). */
const W = new MsgpackWriter();

/** msgpack bytes for a message. The returned Buffer is a fresh copy (safe to keep). */
export function encodeMessage(msg: Message): Buffer {
  W.n = 0; // a write that threw leaves nothing behind
  writeMessage(W, msg);
  return W.take();
}

/**
 * msgpackr's own bytes for a message, without copying: the result aliases msgpackr's scratch
 * buffer and is valid only until the next call. The reference the direct writer is tested against.
 */
export function encodeMessageUnsafe(msg: Message): Buffer {
  // RESET_BUFFER_MODE: the next encode writes over the same scratch bytes (no new scratch buffers, less GC)
  return packr.pack(toWire(msg), RESET_BUFFER_MODE);
}

/**
 * Writes one message. Requests and responses, the traffic, are written field by field (same
 * bytes as msgpackr packing toWire's array, without building it); the other messages through
 * msgpackr.
 */
function writeMessage(w: MsgpackWriter, msg: Message): void {
  switch (msg.t) {
    case 'request': {
      const wait = !!msg.proofWait;
      w.arrayHeader(wait ? 7 : 6);
      w.num(MSG.request);
      w.num(msg.id);
      w.str(msg.synapse);
      w.num(msg.timeoutMs);
      w.tensors(msg.body.tensors);
      w.value(msg.body.meta);
      if (wait) w.num(1);
      return;
    }
    case 'response': {
      const b = msg.body;
      const e = msg.error;
      w.arrayHeader(e ? 6 : 5);
      w.num(MSG.response);
      w.num(msg.id);
      w.num(msg.status);
      if (b) {
        w.tensors(b.tensors);
        w.value(b.meta);
      } else {
        w.nil();
        w.nil();
      }
      if (e) {
        w.arrayHeader(3);
        w.str(e.code);
        w.str(e.message);
        w.value(e.context);
      }
      return;
    }
    default:
      w.raw(packr.pack(toWire(msg), RESET_BUFFER_MODE));
  }
}

/**
 * Wire v3: every message is a msgpack array whose first element is its type, the other fields by
 * position (docs/protocol.md §2 lists them). Positional arrays pack in half the time of maps and
 * unpack in a third, and carry no key strings.
 */
function toWire(msg: Message): unknown[] {
  switch (msg.t) {
    case 'request': {
      const w: unknown[] = [MSG.request, msg.id, msg.synapse, msg.timeoutMs, tensorsToWire(msg.body.tensors), msg.body.meta];
      if (msg.proofWait) w.push(1);
      return w;
    }
    case 'response': {
      const b = msg.body;
      const w: unknown[] = [MSG.response, msg.id, msg.status, b ? tensorsToWire(b.tensors) : null, b ? b.meta : null];
      const e = msg.error;
      if (e) w.push([e.code, e.message, e.context]);
      return w;
    }
    case 'welcome':
      return [MSG.welcome, msg.version, msg.synapses, msg.inputs, msg.outputs, msg.limits, msg.meta, msg.batchFrames ? 1 : 0];
    case 'proof':
      return [MSG.proof, msg.root, msg.count, msg.ts, msg.signature, msg.first, msg.ids, msg.frontier];
    case 'cancel':
      return [MSG.cancel, msg.id];
  }
}

/** Tensors on the wire: `[[name, dtype, shape, bytes], ...]` in the body's key order. */
function tensorsToWire(t: Record<string, TensorData>): unknown[] {
  const o: unknown[] = [];
  for (const name in t) {
    const v = t[name];
    o.push([name, v.dtype, v.shape, v.data]);
  }
  return o;
}

/** Largest number of messages in one batch frame. */
export const MAX_BATCH_MESSAGES = 1024;

/**
 * msgpackr's own bytes of a batch frame's plaintext: an array of messages (each the same array a
 * single data frame carries). Aliases msgpackr's scratch buffer like encodeMessageUnsafe; the
 * reference encodeBatch is tested against.
 */
export function encodeBatchUnsafe(msgs: readonly Message[]): Buffer {
  const wire = new Array<unknown[]>(msgs.length);
  for (let i = 0; i < msgs.length; i++) wire[i] = toWire(msgs[i]);
  return packr.pack(wire, RESET_BUFFER_MODE);
}

/**
 * A batch frame's plaintext in a fresh buffer (the same bytes as encodeBatchUnsafe), and
 * `slices[i]` set to message i's own bytes inside it (an array's elements are packed one after
 * the other): what proof format v3 hashes. One message gives the message alone (a data frame's
 * plaintext), not an array of one.
 */
export function encodeBatch(msgs: readonly Message[], slices: Uint8Array[]): Buffer {
  const k = msgs.length;
  if (k < 1 || k > MAX_BATCH_MESSAGES) throw new RangeError(`a batch frame carries 1..${MAX_BATCH_MESSAGES} messages, not ${k}`);
  const w = W;
  w.n = 0; // a write that threw leaves nothing behind
  if (k === 1) {
    writeMessage(w, msgs[0]);
    const b = w.take();
    slices[0] = b;
    return b;
  }
  w.arrayHeader(k);
  const ends = new Array<number>(k + 1);
  ends[0] = w.n;
  for (let i = 0; i < k; i++) {
    writeMessage(w, msgs[i]);
    ends[i + 1] = w.n;
  }
  const b = w.take();
  for (let i = 0; i < k; i++) slices[i] = b.subarray(ends[i], ends[i + 1]);
  return b;
}

/** One entry of a decoded batch: the message, or the BadMessageError that entry alone raised. */
export type BatchEntry = Message | BadMessageError;

const BATCH_SHAPE = `a batch frame carries an array of 1..${MAX_BATCH_MESSAGES} messages`;

/**
 * Decodes a batch frame's plaintext. Throws BadMessageError when the plaintext is not an array of
 * 1..MAX_BATCH_MESSAGES entries; a malformed entry does not spoil the others (it comes back as
 * its BadMessageError, with the entry's id when readable). With `slices`, `slices[i]` is set to
 * entry i's own bytes (a view into `bytes`): what proof format v3 hashes.
 */
export function decodeBatch(bytes: Uint8Array, limits: CodecLimits = defaultCodecLimits, slices?: Uint8Array[]): BatchEntry[] {
  // the array header is read here, its elements one by one (msgpackr reports where each ends)
  const b0 = bytes.length > 0 ? bytes[0] : -1;
  let k: number;
  let off: number;
  if ((b0 & 0xf0) === 0x90) {
    k = b0 & 0x0f;
    off = 1;
  } else if (b0 === 0xdc && bytes.length >= 3) {
    k = (bytes[1] << 8) | bytes[2];
    off = 3;
  } else if (b0 === 0xdd && bytes.length >= 5) {
    k = ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
    off = 5;
  } else {
    // not an array: valid msgpack of another type, or not msgpack at all
    unpack(bytes);
    throw new BadMessageError(BATCH_SHAPE, { field: 'batch' });
  }
  if (k < 1 || k > MAX_BATCH_MESSAGES) throw new BadMessageError(BATCH_SHAPE, { field: 'batch' });
  const raw: unknown[] = [];
  const body = bytes.subarray(off);
  try {
    unpackr.unpackMultiple(body, (value: unknown, start?: number, end?: number) => {
      if (raw.length === k) throw new BadMessageError('message is not valid msgpack', { reason: 'bytes after the last message of the batch' });
      raw.push(value);
      if (slices) slices.push(body.subarray(start, end));
    });
  } catch (err) {
    if (err instanceof BadMessageError) throw err;
    throw new BadMessageError('message is not valid msgpack', { reason: err instanceof Error ? err.message.slice(0, 80) : 'decode' });
  }
  if (raw.length !== k) throw new BadMessageError('message is not valid msgpack', { reason: `the batch names ${k} messages and holds ${raw.length}` });
  const out = new Array<BatchEntry>(k);
  for (let i = 0; i < k; i++) {
    try {
      out[i] = decodeWire(raw[i], limits);
    } catch (err) {
      if (!(err instanceof BadMessageError)) throw err;
      out[i] = err;
    }
  }
  return out;
}

function unpack(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw new BadMessageError('message is not valid msgpack', { reason: err instanceof Error ? err.message.slice(0, 80) : 'decode' });
  }
}

/** Decodes and validates a message. Throws BadMessageError (with `id` when readable). */
export function decodeMessage(bytes: Uint8Array, limits: CodecLimits = defaultCodecLimits): Message {
  return decodeWire(unpack(bytes), limits);
}

function decodeWire(raw: unknown, limits: CodecLimits): Message {
  if (!Array.isArray(raw) || raw.length < 2) throw new BadMessageError('a message is an array [type, ...fields]');
  const id = isUint(raw[1]) ? raw[1] : undefined;
  switch (raw[0]) {
    case MSG.request:
      return decodeRequest(raw, id, limits);
    case MSG.response:
      return decodeResponse(raw, id, limits);
    case MSG.welcome:
      return decodeWelcome(raw);
    case MSG.proof:
      return decodeProof(raw);
    case MSG.cancel: {
      if (raw.length !== 2) throw new BadMessageError('cancel is [5, id]', id === undefined ? { field: 'length' } : { id, field: 'length' });
      if (id === undefined) throw new BadMessageError('cancel without id', { field: 'id' });
      const c: CancelMessage = { t: 'cancel', id };
      return c;
    }
    default:
      throw new BadMessageError('unknown message type', id === undefined ? { field: 'type' } : { id, field: 'type' });
  }
}

/** [1, id, synapse, deadline ms, tensors, meta, wait?] */
function decodeRequest(raw: unknown[], id: number | undefined, limits: CodecLimits): RequestMessage {
  if (id === undefined) throw new BadMessageError('request id must be a non-negative integer', { field: 'id' });
  if (raw.length !== 6 && raw.length !== 7) throw new BadMessageError('a request is [1, id, synapse, deadline, tensors, meta, wait?]', { id, field: 'length' });
  const s = raw[2];
  if (typeof s !== 'string' || !SYNAPSE_RE.test(s)) throw new BadMessageError('synapse must match [A-Za-z0-9_.:-]{1,64}', { id, field: 'synapse' });
  const d = raw[3];
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0 || d > limits.maxTimeoutMs) {
    throw new BadMessageError(`deadline must be in (0, ${limits.maxTimeoutMs}] ms`, { id, field: 'deadline' });
  }
  const w = raw[6];
  if (w !== undefined && w !== 0 && w !== 1) throw new BadMessageError('wait (proof wait) must be 0 or 1', { id, field: 'wait' });
  const body = decodeBody(raw[4], raw[5], id, limits);
  const r: RequestMessage = { t: 'request', id, synapse: s, timeoutMs: d, body };
  if (w === 1) r.proofWait = true;
  return r;
}

/** [2, id, status, tensors | nil, meta | nil, error?] */
function decodeResponse(raw: unknown[], id: number | undefined, limits: CodecLimits): ResponseMessage {
  if (id === undefined) throw new BadMessageError('response id must be a non-negative integer', { field: 'id' });
  if (raw.length !== 5 && raw.length !== 6) throw new BadMessageError('a response is [2, id, status, tensors, meta, error?]', { id, field: 'length' });
  const c = raw[2];
  if (!isUint(c) || c > 999) throw new BadMessageError('bad status', { id, field: 'status' });
  const r: ResponseMessage = { t: 'response', id, status: c };
  const x = raw[3];
  const m = raw[4];
  if (x !== null || m !== null) r.body = decodeBody(x ?? [], m ?? {}, id, limits);
  if (raw.length === 6) r.error = decodeWireError(raw[5], id);
  return r;
}

function decodeWireError(e: unknown, id: number): WireError {
  if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw new BadMessageError('an error is [code, message, context]', { id, field: 'error' });
  const context = e[2] ?? {};
  if (!isPlainObject(context)) throw new BadMessageError('bad error context', { id, field: 'error.context' });
  return { code: e[0], message: e[1], context };
}

/** [3, version, synapses, inputs, outputs, limits, meta, batch frames 0|1] */
function decodeWelcome(raw: unknown[]): WelcomeMessage {
  const [, v, s, inputs, outputs, lim, m, bf] = raw;
  if (raw.length !== 8 || !isUint(v) || !Array.isArray(s) || !s.every((x) => typeof x === 'string') || !isPlainObject(lim) || (bf !== 0 && bf !== 1)) {
    throw new BadMessageError('bad welcome');
  }
  if (!isUint(lim.maxPayload) || !isUint(lim.maxInFlightPerConnection) || !isUint(lim.maxTimeoutMs)) throw new BadMessageError('bad welcome limits');
  const w: WelcomeMessage = {
    t: 'welcome',
    version: v,
    synapses: s as string[],
    inputs: decodeSpecs(inputs),
    outputs: decodeSpecs(outputs),
    limits: { maxPayload: lim.maxPayload, maxInFlightPerConnection: lim.maxInFlightPerConnection, maxTimeoutMs: lim.maxTimeoutMs },
    meta: isPlainObject(m) ? m : {},
  };
  if (bf === 1) w.batchFrames = true;
  return w;
}

function decodeSpecs(x: unknown): TensorSpec[] {
  if (!Array.isArray(x)) throw new BadMessageError('bad tensor specs');
  return x.map((s) => {
    if (!isPlainObject(s) || typeof s.name !== 'string' || !isDType(s.dtype) || !Array.isArray(s.shape)) throw new BadMessageError('bad tensor spec');
    const shape = s.shape.map((d) => (d === null ? null : isUint(d) ? d : NaN));
    if (shape.some((d) => Number.isNaN(d))) throw new BadMessageError('bad tensor spec shape');
    return { name: s.name, dtype: s.dtype, shape };
  });
}

/** [4, root, count, ts, signature, first, ids, frontier] */
function decodeProof(raw: unknown[]): ProofMessage {
  const [, r, n, ts, g, f, q, h] = raw;
  if (raw.length !== 8 || !isUint(n) || n < 1 || n > MAX_PROOF_LEAVES || !isUint(ts) || !isBytes(r, 32) || !isBytes(g, 64)) throw new BadMessageError('bad proof message');
  if (!isUint(f) || !Array.isArray(q) || q.length < 1 || f + q.length > n || !q.every(isUint)) throw new BadMessageError('bad proof range');
  // at most two frontier nodes per level, 32 levels
  if (!Array.isArray(h) || h.length > 64 || !h.every((x: unknown) => isBytes(x, 32))) throw new BadMessageError('bad proof frontier');
  return { t: 'proof', root: r, count: n, ts, signature: g, first: f, ids: q as number[], frontier: h as Uint8Array[] };
}

function decodeBody(x: unknown, m: unknown, id: number, limits: CodecLimits): Body {
  if (!Array.isArray(x)) throw new BadMessageError('tensors must be an array of [name, dtype, shape, bytes]', { id, field: 'tensors' });
  if (x.length > limits.maxTensors) throw new BadMessageError(`at most ${limits.maxTensors} tensors`, { id, field: 'tensors', count: x.length });
  const tensors: Record<string, TensorData> = {};
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as unknown;
    if (!Array.isArray(v) || v.length !== 4) throw new BadMessageError('a tensor is [name, dtype, shape, bytes]', { id, field: `tensors[${i}]` });
    const name = v[0] as unknown;
    if (typeof name !== 'string' || !TENSOR_NAME_RE.test(name) || name === '__proto__') throw new BadMessageError('bad tensor name', { id, field: `tensors[${i}]` });
    if (Object.prototype.hasOwnProperty.call(tensors, name)) throw new BadMessageError('duplicate tensor name', { id, field: `tensors.${name}` });
    tensors[name] = checkTensor(v[1], v[2], v[3], name, id, limits);
  }
  const meta = m === undefined || m === null ? {} : m;
  if (!isPlainObject(meta) || !isJsonValue(meta, limits.maxMetaDepth)) throw new BadMessageError('meta must be a map of JSON values', { id, field: 'meta' });
  return { tensors, meta: meta as Meta };
}

/** A bad tensor's error; its context is built only when a check fails (they run for every tensor of every message). */
function tensorError(message: string, name: string, id: number | undefined, extra: Record<string, unknown> = {}): BadMessageError {
  return new BadMessageError(message, { id, field: `tensors.${name}`, ...extra });
}

/** Validates one wire tensor: byte length must equal prod(shape) * itemsize. */
function checkTensor(dtype: unknown, shape: unknown, data: unknown, name: string, id: number | undefined, limits: CodecLimits): TensorData {
  if (!isDType(dtype)) throw tensorError('unknown dtype', name, id, { dtype: typeof dtype === 'string' ? dtype.slice(0, 16) : typeof dtype });
  if (!Array.isArray(shape) || shape.length > limits.maxRank) throw tensorError(`shape must be an array of at most ${limits.maxRank} dims`, name, id);
  let elements = 1;
  for (const d of shape) {
    if (!isUint(d)) throw tensorError('dims must be non-negative integers', name, id);
    elements *= d;
    if (elements > limits.maxElements) throw tensorError(`tensor has more than ${limits.maxElements} elements`, name, id);
  }
  if (!(data instanceof Uint8Array)) throw tensorError('tensor data must be bytes', name, id);
  const want = elements * DTYPE_SIZE[dtype];
  if (data.length !== want) throw tensorError('tensor byte length does not match dtype and shape', name, id, { bytes: data.length, expected: want });
  return { dtype, shape: shape as number[], data };
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && Object.getPrototypeOf(x) === Object.prototype;
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isBytes(x: unknown, len: number): x is Uint8Array {
  return x instanceof Uint8Array && x.length === len;
}

function isJsonValue(x: unknown, depth: number): boolean {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (depth <= 0) return false;
  if (Array.isArray(x)) return x.every((e) => isJsonValue(e, depth - 1));
  if (isPlainObject(x)) return Object.values(x).every((e) => isJsonValue(e, depth - 1));
  return false;
}

/** A TensorData from a typed array (copying nothing). */
export function tensorFrom(dtype: DType, shape: number[], arr: ArrayBufferView): TensorData {
  return { dtype, shape, data: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

/** A typed-array view of a tensor's bytes (copies only when the bytes are misaligned). */
export function tensorValues(t: TensorData): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array {
  const size = DTYPE_SIZE[t.dtype];
  let data = t.data;
  if (data.byteOffset % size !== 0) data = new Uint8Array(data);
  const n = data.byteLength / size;
  switch (t.dtype) {
    case 'float32': return new Float32Array(data.buffer, data.byteOffset, n);
    case 'float64': return new Float64Array(data.buffer, data.byteOffset, n);
    case 'int32': return new Int32Array(data.buffer, data.byteOffset, n);
    case 'int64': return new BigInt64Array(data.buffer, data.byteOffset, n);
    case 'uint8': case 'bool': return new Uint8Array(data.buffer, data.byteOffset, n);
    case 'int8': return new Int8Array(data.buffer, data.byteOffset, n);
    case 'uint16': return new Uint16Array(data.buffer, data.byteOffset, n);
    case 'int16': return new Int16Array(data.buffer, data.byteOffset, n);
  }
}
