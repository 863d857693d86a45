/**
 * Provenance: the miner signs, with its hotkey, Merkle roots over digests of its responses, so a
 * validator can later prove to anyone what the miner answered.
 *
 * Batching: one miner-wide batch is signed within `proofFlushMs` of an answer a client waits for
 * (`proofFlushLaterMs` when nobody waits), at `proofBatchMax` leaves, or
 * when the miner goes idle while a client waits for a proof (miner/proofBatcher.ts); each
 * connection receives the root, the signature and a range proof for its answers. One sr25519
 * signature then covers hundreds of responses.
 *
 * Format v3 (current, wire v4; one SHA-256 per answer, over the bytes that crossed the wire):
 *   leaf           = SHA-256(0x00 | "subnet-ts/leaf/v3" | session id | validator pubkey
 *                            | u32 len(q) | q | u32 len(r) | r)
 *   where q is the request message's msgpack bytes exactly as the miner received them (inside
 *   its frame's plaintext) and r the response message's msgpack bytes exactly as it sent them.
 *   Nothing is re-serialised: both sides hash bytes they already hold, and the proof carries q
 *   and r, so a third party reads the request and the answer from the proof itself.
 * Format v2 (proofs logged before 25 Nov, session 5; still verified):
 *   requestDigest  = SHA-256("subnet-ts/request/v2" | synapse | tensors | meta)
 *   leaf           = SHA-256(0x00 | "subnet-ts/leaf/v2" | session id | validator pubkey | requestDigest
 *                            | id | status | tensors | meta | error)
 * Format v1 (proofs logged before; still verified):
 *   requestDigest  = SHA-256("subnet-ts/request/v1" | synapse | id | tensors | meta)
 *   responseDigest = SHA-256("subnet-ts/response/v1" | requestDigest | id | status | tensors | meta | error)
 *   leaf           = SHA-256(0x00 | "subnet-ts/leaf/v1" | session id | validator pubkey | responseDigest)
 * Both:
 *   node           = SHA-256(0x01 | left | right)       (an odd last node is carried up unchanged)
 *   signature      = sr25519_miner("subnet-ts/proof/v1" | miner pubkey | root | count u32 | ts u64)
 *
 * v1/v2 hash tensors as name, dtype, shape and raw bytes, sorted by name; meta and error context
 * as canonical JSON (sorted keys). Everything here is pure (no I/O); `verifyProof` is what a
 * third party runs.
 */
import * as crypto from 'node:crypto';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { sigVerify } from './sr25519';
import { decodeMessage, MAX_PROOF_LEAVES } from './codec';
import { BadMessageError } from './errors';
import type { Body, Message, RequestMessage, ResponseMessage, WireError } from './types';

const SS58 = 42;

/** What a third party needs, besides the response itself, to check that the miner sent it. */
export interface ResponseProof {
  /** leaf format (see above): 3 now, 2 and 1 for proofs made before */
  v: 1 | 2 | 3;
  /** ss58 of the miner hotkey that signed */
  miner: string;
  /** ss58 of the validator hotkey the response was sent to */
  validator: string;
  /** hex: the connection's session id (handshake transcript hash) */
  session: string;
  /** v1/v2 — hex: digest of the request as the miner received it */
  requestDigest?: string;
  /** v3 — base64: the request message's msgpack bytes as the miner received them */
  request?: string;
  /** v3 — base64: the response message's msgpack bytes as the miner sent them */
  response?: string;
  /** hex: Merkle root signed by the miner */
  root: string;
  /** leaves under the root */
  count: number;
  /** this response's leaf index */
  index: number;
  /** hex sibling hashes from the leaf up */
  path: string[];
  /** ms since epoch, signed */
  ts: number;
  /** hex sr25519 signature */
  signature: string;
}

/** The parts of a response the proof covers. */
export interface ProvableResponse {
  id: number;
  status: number;
  body?: Body;
  error?: WireError;
}

export interface ProvableRequest {
  /** part of a v1 request digest only */
  id: number;
  synapse: string;
  body: Body;
}

/**
 * The bytes hashed for a digest are written into one growing scratch buffer and hashed with one
 * call (`crypto.hash`, one-shot): the same bytes as streaming them, at half the cost for the small
 * messages of the wire. Synchronous use only (the scratch is shared).
 */
class Writer {
  buf = Buffer.allocUnsafe(4096);
  n = 0;
  room(k: number): void {
    if (this.n + k > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
      this.buf.copy(b, 0, 0, this.n);
      this.buf = b;
    }
  }
  // small writes byte by byte: cheaper than Buffer method calls at these sizes
  bytes(b: Uint8Array): this {
    const len = b.length;
    this.room(len);
    if (len <= 64) {
      const buf = this.buf;
      let n = this.n;
      for (let i = 0; i < len; i++) buf[n++] = b[i];
      this.n = n;
    } else {
      this.buf.set(b, this.n);
      this.n += len;
    }
    return this;
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.n++] = v;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    const buf = this.buf;
    const n = this.n;
    buf[n] = v >>> 24;
    buf[n + 1] = (v >>> 16) & 0xff;
    buf[n + 2] = (v >>> 8) & 0xff;
    buf[n + 3] = v & 0xff;
    this.n = n + 4;
    return this;
  }
  u64(v: number): this {
    this.u32(Math.floor(v / 0x100000000) >>> 0);
    return this.u32(v >>> 0);
  }
  str(s: string): this {
    const len = s.length;
    if (len <= 64) {
      // ASCII fast path
      this.room(4 + len);
      const buf = this.buf;
      let n = this.n + 4;
      let ascii = true;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        buf[n++] = c;
      }
      if (ascii) {
        this.u32(len);
        this.n += len;
        return this;
      }
    }
    // a UTF-8 string is at most 3 bytes per UTF-16 unit: write first, then the length before it
    this.room(4 + len * 3);
    const bytes = this.buf.write(s, this.n + 4, 'utf8');
    this.u32(bytes);
    this.n += bytes;
    return this;
  }
  /** SHA-256 of everything written since `from`; rewinds to `from` */
  digest(from = 0): Buffer {
    const d = sha256(new Uint8Array(this.buf.buffer, this.buf.byteOffset + from, this.n - from));
    this.n = from;
    return d;
  }
}

const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'latin1') => string }).hash;
/**
 * SHA-256 as a fresh Buffer (one-shot where Node has it, ≥ 20.12). The digest comes out as a
 * latin1 string (one char per byte, lossless) and is turned into bytes here: on Node 20 that is
 * 0.5 µs per small digest against 1.4 µs for crypto.hash's own 'buffer' output.
 */
export const sha256: (data: Uint8Array) => Buffer = oneShot
  ? (data) => Buffer.from(oneShot('sha256', data, 'latin1'), 'latin1')
  : (data) => crypto.createHash('sha256').update(data).digest();

const W = new Writer();

/** JSON with object keys sorted, recursively (the canonical form hashed for meta). */
export function canonicalJson(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function isEmpty(o: object): boolean {
  for (const _k in o) return false;
  return true;
}

function putBody(w: Writer, body: Body | undefined): void {
  if (!body) {
    w.u8(0);
    return;
  }
  w.u8(1);
  const tensors = body.tensors;
  const names = Object.keys(tensors);
  if (names.length > 1) names.sort();
  w.u32(names.length);
  for (const name of names) {
    const t = tensors[name];
    w.str(name).str(t.dtype).u32(t.shape.length);
    for (const d of t.shape) w.u64(d);
    w.u64(t.data.length).bytes(t.data);
  }
  const meta = body.meta;
  w.str(!meta || isEmpty(meta) ? '{}' : canonicalJson(meta));
}

/** id, status, body and error of a response: the same bytes in a v1 response digest and a v2 leaf */
function putResponse(w: Writer, res: ProvableResponse): void {
  w.u64(res.id).u32(res.status);
  putBody(w, res.body);
  if (res.error) w.u8(1).str(res.error.code).str(res.error.message).str(canonicalJson(res.error.context ?? {}));
  else w.u8(0);
}

const REQ_LABEL = Buffer.from('subnet-ts/request/v1');
const RES_LABEL = Buffer.from('subnet-ts/response/v1');

export function requestDigest(req: ProvableRequest): Buffer {
  const w = W;
  const from = w.n;
  w.bytes(REQ_LABEL).str(req.synapse).u64(req.id);
  putBody(w, req.body);
  return w.digest(from);
}

export function responseDigest(reqDigest: Uint8Array, res: ProvableResponse): Buffer {
  const w = W;
  const from = w.n;
  w.bytes(RES_LABEL).bytes(reqDigest);
  putResponse(w, res);
  return w.digest(from);
}

const REQ_LABEL_V2 = Buffer.from('subnet-ts/request/v2');
const LEAF_LABEL_V2 = Buffer.concat([Buffer.from([0]), Buffer.from('subnet-ts/leaf/v2')]);

/** v2 request digest: synapse and body, not the id (the leaf binds the id). */
export function requestDigestV2(req: { synapse: string; body: Body }): Buffer {
  const w = W;
  const from = w.n;
  w.bytes(REQ_LABEL_V2).str(req.synapse);
  putBody(w, req.body);
  return w.digest(from);
}

/** v2 leaf: the response, its request digest and the connection, in one hash. */
export function leafHashV2(session: Uint8Array, validatorPub: Uint8Array, reqDigest: Uint8Array, res: ProvableResponse): Buffer {
  const w = W;
  const from = w.n;
  w.bytes(LEAF_LABEL_V2).bytes(session).bytes(validatorPub).bytes(reqDigest);
  putResponse(w, res);
  return w.digest(from);
}

const LEAF_LABEL_V3 = Buffer.concat([Buffer.from([0]), Buffer.from('subnet-ts/leaf/v3')]);

/** v3 leaf: the connection, then the request and response messages' own bytes, length-prefixed. */
export function leafHashV3(session: Uint8Array, validatorPub: Uint8Array, request: Uint8Array, response: Uint8Array): Buffer {
  const w = W;
  const from = w.n;
  w.bytes(LEAF_LABEL_V3).bytes(session).bytes(validatorPub).u32(request.length).bytes(request).u32(response.length).bytes(response);
  return w.digest(from);
}

/** Byte equality (a loop for short arrays, memcmp above 64 bytes). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n > 64) return Buffer.from(a.buffer, a.byteOffset, n).equals(Buffer.from(b.buffer, b.byteOffset, n));
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

const LEAF_LABEL = Buffer.concat([Buffer.from([0]), Buffer.from('subnet-ts/leaf/v1')]);
const LEAF_BUF = Buffer.alloc(LEAF_LABEL.length + 96);
LEAF_LABEL.copy(LEAF_BUF);
const NODE_BUF = Buffer.alloc(65, 1);

export function leafHash(session: Uint8Array, validatorPub: Uint8Array, respDigest: Uint8Array): Buffer {
  const o = LEAF_LABEL.length;
  if (session.length !== 32 || validatorPub.length !== 32 || respDigest.length !== 32) {
    return crypto.createHash('sha256').update(LEAF_LABEL).update(session).update(validatorPub).update(respDigest).digest();
  }
  LEAF_BUF.set(session, o);
  LEAF_BUF.set(validatorPub, o + 32);
  LEAF_BUF.set(respDigest, o + 64);
  return sha256(LEAF_BUF);
}

function node(l: Uint8Array, r: Uint8Array): Buffer {
  if (l.length !== 32 || r.length !== 32) return crypto.createHash('sha256').update(NODE_BUF.subarray(0, 1)).update(l).update(r).digest();
  NODE_BUF.set(l, 1);
  NODE_BUF.set(r, 33);
  return sha256(NODE_BUF);
}

/** All levels of the tree, leaves first. */
export function merkleLevels(leaves: Uint8Array[]): Uint8Array[][] {
  if (leaves.length === 0) throw new RangeError('no leaves');
  const levels: Uint8Array[][] = [leaves];
  let cur = leaves;
  while (cur.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < cur.length; i += 2) next.push(i + 1 < cur.length ? node(cur[i], cur[i + 1]) : cur[i]);
    levels.push(next);
    cur = next;
  }
  return levels;
}

export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  const levels = merkleLevels(leaves);
  return levels[levels.length - 1][0];
}

/** Sibling hashes for leaf `index`, bottom-up (levels where the node is carried up add nothing). */
export function merklePath(levels: Uint8Array[][], index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const lvl = levels[l];
    const sib = i ^ 1;
    if (sib < lvl.length) path.push(lvl[sib]);
    i >>= 1;
  }
  return path;
}

/**
 * Range proofs: a connection's answers are consecutive leaves [first, first + k) of the signed
 * tree, so one proof message carries, instead of k paths, only the nodes outside the range that
 * are needed to reach the root (at most two per level: the left neighbour when the range starts
 * at an odd index, the right one when it ends at an even index with a right sibling), bottom-up,
 * left before right. The receiver recomputes the range's part of the tree from its own leaves;
 * every leaf's classic path (merklePath) can then be read off without hashing (rangePath).
 */
export function rangeFrontier(levels: Uint8Array[][], first: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let lo = first;
  let hi = end;
  for (let k = 0; k < levels.length - 1; k++) {
    const lvl = levels[k];
    if (lo & 1) out.push(lvl[lo - 1]);
    if (hi & 1 && hi < lvl.length) out.push(lvl[hi]);
    lo >>= 1;
    hi = (hi + 1) >> 1;
  }
  return out;
}

/** The part of a tree a range proof rebuilt: per level, its nodes (from index lo[k]) and the frontier nodes beside them. */
export interface RangeTree {
  root: Uint8Array;
  count: number;
  first: number;
  levels: Uint8Array[][];
  lo: number[];
  left: (Uint8Array | undefined)[];
  right: (Uint8Array | undefined)[];
}

export { MAX_PROOF_LEAVES };

/**
 * Rebuilds the root from the range's leaves and the frontier; undefined when the range does not
 * fit `count` or the frontier has the wrong number of nodes.
 */
export function rootFromRange(leaves: Uint8Array[], first: number, count: number, frontier: Uint8Array[]): RangeTree | undefined {
  const k = leaves.length;
  if (k < 1 || !Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count > MAX_PROOF_LEAVES || first + k > count) return undefined;
  let cur = leaves;
  let lo = first;
  let hi = first + k;
  let n = count;
  let p = 0;
  const t: RangeTree = { root: leaves[0], count, first, levels: [cur], lo: [lo], left: [], right: [] };
  while (n > 1) {
    const left = lo & 1 ? frontier[p++] : undefined;
    const right = hi & 1 && hi < n ? frontier[p++] : undefined;
    if ((lo & 1 && left?.length !== 32) || (hi & 1 && hi < n && right?.length !== 32)) return undefined;
    t.left.push(left);
    t.right.push(right);
    const nlo = lo >> 1;
    const nhi = (hi + 1) >> 1;
    const next = new Array<Uint8Array>(nhi - nlo);
    for (let j = nlo; j < nhi; j++) {
      const li = 2 * j;
      const ri = li + 1;
      const l = li < lo ? (left as Uint8Array) : cur[li - lo];
      next[j - nlo] = ri >= n ? l : node(l, ri >= hi ? (right as Uint8Array) : cur[ri - lo]);
    }
    cur = next;
    lo = nlo;
    hi = nhi;
    n = (n + 1) >> 1;
    t.levels.push(cur);
    t.lo.push(lo);
  }
  if (p !== frontier.length) return undefined;
  t.root = cur[0];
  return t;
}

/** The classic path (as merklePath gives it) of leaf `index` of a rebuilt range. */
export function rangePath(t: RangeTree, index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let i = index;
  let n = t.count;
  for (let k = 0; k < t.levels.length - 1; k++) {
    const sib = i ^ 1;
    if (sib < n) {
      const lvl = t.levels[k];
      const off = sib - t.lo[k];
      path.push(off < 0 ? (t.left[k] as Uint8Array) : off >= lvl.length ? (t.right[k] as Uint8Array) : lvl[off]);
    }
    i >>= 1;
    n = (n + 1) >> 1;
  }
  return path;
}

/** Recomputes the root from a leaf, its index, the leaf count and the path; undefined if the path has the wrong length. */
export function rootFromPath(leaf: Uint8Array, index: number, count: number, path: Uint8Array[]): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 0 || index >= count) return undefined;
  let h: Uint8Array = leaf;
  let i = index;
  let n = count;
  let p = 0;
  while (n > 1) {
    if ((i ^ 1) < n) {
      const s = path[p++];
      if (!s || s.length !== 32) return undefined;
      h = i & 1 ? node(s, h) : node(h, s);
    }
    i >>= 1;
    n = (n + 1) >> 1;
  }
  return p === path.length ? h : undefined;
}

export function proofSigMessage(minerPub: Uint8Array, root: Uint8Array, count: number, ts: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(count >>> 0, 0);
  b.writeBigUInt64BE(BigInt(ts), 4);
  return Buffer.concat([Buffer.from('subnet-ts/proof/v1'), minerPub, root, b]);
}

const HEX_RE = /^[0-9a-f]*$/;
function hexBytes(s: unknown, len: number): Buffer | undefined {
  if (typeof s !== 'string' || s.length !== len * 2 || !HEX_RE.test(s)) return undefined;
  return Buffer.from(s, 'hex');
}

export type ProofVerdict =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'request_mismatch' | 'response_mismatch' | 'path_mismatch' | 'root_mismatch' | 'bad_signature' };

/**
 * Checks that `proof` shows the miner signed `response` (and, when given, that the response
 * answered `request`). For a v3 proof the request and response are read from the proof's own
 * bytes and must match the ones given. Pure: needs sr25519 wasm ready (`protocolReady()`),
 * nothing else.
 */
export function verifyProof(proof: ResponseProof, response: ProvableResponse, request?: ProvableRequest): ProofVerdict {
  let minerPub: Uint8Array;
  let validatorPub: Uint8Array;
  try {
    minerPub = decodeAddress(proof.miner, false, SS58);
    validatorPub = decodeAddress(proof.validator, false, SS58);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const session = hexBytes(proof.session, 32);
  const root = hexBytes(proof.root, 32);
  const sig = hexBytes(proof.signature, 64);
  const path = Array.isArray(proof.path) ? proof.path.map((p) => hexBytes(p, 32)) : [undefined];
  if (!session || !root || !sig || path.some((p) => !p) || !Number.isSafeInteger(proof.ts) || proof.ts < 0 || minerPub.length !== 32 || validatorPub.length !== 32) {
    return { ok: false, reason: 'malformed' };
  }
  let leaf: Buffer;
  if (proof.v === 3) {
    const q = base64Bytes(proof.request);
    const r = base64Bytes(proof.response);
    if (!q || !r) return { ok: false, reason: 'malformed' };
    const sent = decodeProven(r);
    if (!sent || sent.t !== 'response' || !sameResponse(sent, response)) return { ok: false, reason: 'response_mismatch' };
    if (request) {
      const asked = decodeProven(q);
      if (!asked || asked.t !== 'request' || asked.id !== sent.id || !sameRequest(asked, request)) return { ok: false, reason: 'request_mismatch' };
    }
    leaf = leafHashV3(session, validatorPub, q, r);
  } else if (proof.v === 1 || proof.v === 2) {
    const reqD = hexBytes(proof.requestDigest, 32);
    if (!reqD) return { ok: false, reason: 'malformed' };
    if (request && !(proof.v === 2 ? requestDigestV2(request) : requestDigest(request)).equals(reqD)) return { ok: false, reason: 'request_mismatch' };
    leaf = proof.v === 2 ? leafHashV2(session, validatorPub, reqD, response) : leafHash(session, validatorPub, responseDigest(reqD, response));
  } else return { ok: false, reason: 'malformed' };
  const got = rootFromPath(leaf, proof.index, proof.count, path as Buffer[]);
  if (!got) return { ok: false, reason: 'path_mismatch' };
  if (!Buffer.from(got).equals(root)) return { ok: false, reason: 'root_mismatch' };
  const ok = sigVerify(proofSigMessage(minerPub, root, proof.count, proof.ts), sig, minerPub);
  return ok ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
function base64Bytes(s: unknown): Buffer | undefined {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !BASE64_RE.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

/** A message read back from a v3 proof's bytes (undefined when they are not one). */
function decodeProven(bytes: Uint8Array): Message | undefined {
  try {
    return decodeMessage(bytes);
  } catch (err) {
    if (err instanceof BadMessageError) return undefined;
    throw err;
  }
}

/**
 * The request and the response a v3 proof carries, decoded (what a third party reads from a logged
 * proof; check the proof with verifyProof first). Undefined for a v1/v2 proof or bytes that do
 * not decode.
 */
export function provenMessages(proof: ResponseProof): { request: RequestMessage; response: ResponseMessage } | undefined {
  if (proof.v !== 3) return undefined;
  const q = base64Bytes(proof.request);
  const r = base64Bytes(proof.response);
  const request = q && decodeProven(q);
  const response = r && decodeProven(r);
  if (!request || request.t !== 'request' || !response || response.t !== 'response') return undefined;
  return { request, response };
}

function sameBody(a: Body | undefined, b: Body | undefined): boolean {
  if (!a || !b) return !a && !b;
  const an = Object.keys(a.tensors);
  if (an.length !== Object.keys(b.tensors).length) return false;
  for (const name of an) {
    const x = a.tensors[name];
    const y = b.tensors[name];
    if (!y || x.dtype !== y.dtype || x.shape.length !== y.shape.length || !x.shape.every((d, i) => d === y.shape[i]) || !bytesEqual(x.data, y.data)) return false;
  }
  return canonicalJson(a.meta ?? {}) === canonicalJson(b.meta ?? {});
}

function sameResponse(sent: ResponseMessage, res: ProvableResponse): boolean {
  if (sent.id !== res.id || sent.status !== res.status || !sameBody(sent.body, res.body)) return false;
  const a = sent.error;
  const b = res.error;
  if (!a || !b) return !a && !b;
  return a.code === b.code && a.message === b.message && canonicalJson(a.context ?? {}) === canonicalJson(b.context ?? {});
}

function sameRequest(asked: RequestMessage, req: ProvableRequest): boolean {
  return asked.synapse === req.synapse && sameBody(asked.body, req.body);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function ss58(pub: Uint8Array): string {
  return encodeAddress(pub, SS58);
}
