/**
 * Extrinsic parsing and verification like a Substrate node's pool (pure, on literal bytes):
 * format (v4 signed, MultiAddress::Id, MultiSignature), signed extensions (CheckMortality,
 * CheckNonce, ChargeTransactionPayment, CheckMetadataHash), the era's birth block, and the
 * sr25519/ed25519 signature over call ++ extra ++ additional (blake2-256 when > 256 bytes).
 * Failures are `TxError`s carrying the standard author RPC error (1001/1010/1011/1012/1013).
 */
import { blake2AsU8a, ed25519Verify, sr25519Verify } from '@polkadot/util-crypto';
import { ed25519Verify as wasmEd25519Verify, isReady as wasmReady, sr25519Verify as wasmSr25519Verify } from '@polkadot/wasm-crypto';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { Reader, Writer } from './scale';
import type { Runtime, RuntimeCall } from './runtime/metadata';

export type TxErrorKind =
  | 'BadFormat'
  | 'BadProof'
  | 'Stale'
  | 'Future'
  | 'AncientBirthBlock'
  | 'ExhaustsResources'
  | 'Payment'
  | 'Call'
  | 'NoUnsignedValidator'
  | 'AlreadyImported'
  | 'PoolFull'
  | 'TooLowPriority'
  | 'BadSigner';

const INVALID: Record<string, string> = {
  BadProof: 'Transaction has a bad signature',
  Stale: 'Transaction is outdated',
  Future: 'Transaction will be valid in the future',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Call: 'Transaction call is not expected',
  BadSigner: 'Transaction has a bad signer',
};

/** A pool rejection, with the JSON-RPC error object a Substrate node answers. */
export class TxError extends Error {
  readonly code: number;
  readonly rpcMessage: string;
  readonly data: string;
  constructor(
    readonly kind: TxErrorKind,
    detail?: string,
  ) {
    let code: number;
    let msg: string;
    let data: string;
    if (kind === 'BadFormat') {
      code = 1001;
      msg = 'Extrinsic has invalid format';
      data = detail ?? 'Could not decode extrinsic';
    } else if (kind === 'NoUnsignedValidator') {
      code = 1011;
      msg = 'Unknown Transaction Validity';
      data = 'Could not find an unsigned validator for the unsigned transaction';
    } else if (kind === 'AlreadyImported') {
      code = 1013;
      msg = 'Transaction Already Imported';
      data = detail ?? 'Transaction is already in the pool';
    } else if (kind === 'TooLowPriority') {
      code = 1014;
      msg = 'Priority is too low: (0 vs 0)';
      data = 'The transaction has too low priority to replace another transaction already in the pool.';
    } else if (kind === 'PoolFull') {
      code = 1016;
      msg = 'Immediately Dropped';
      data = detail ?? 'The transaction could not enter the pool because of the limit';
    } else {
      code = 1010;
      msg = 'Invalid Transaction';
      data = INVALID[kind] + (detail ? ` (${detail})` : '');
    }
    super(`${code}: ${msg}: ${data}`);
    this.name = 'TxError';
    this.code = code;
    this.rpcMessage = msg;
    this.data = data;
  }
  toRpc(): { code: number; message: string; data: string } {
    return { code: this.code, message: this.rpcMessage, data: this.data };
  }
}

export type Era = { immortal: true } | { immortal: false; period: number; phase: number };

export interface ParsedExtrinsic {
  bytes: Uint8Array;
  hash: string;
  signer: Uint8Array;
  sigType: 'ed25519' | 'sr25519' | 'ecdsa';
  signature: Uint8Array;
  era: Era;
  nonce: number;
  tip: bigint;
  mode: number;
  /** the raw extra bytes (era ++ nonce ++ tip ++ mode) as signed */
  extra: Uint8Array;
  callBytes: Uint8Array;
  call: RuntimeCall;
}

export function decodeEra(r: Reader): Era {
  const first = r.u8();
  if (first === 0) return { immortal: true };
  const encoded = first + (r.u8() << 8);
  const period = 2 << (encoded % (1 << 4));
  const quantize = Math.max(period >> 12, 1);
  const phase = (encoded >> 4) * quantize;
  if (period < 4 || phase >= period) throw new TxError('BadFormat', 'invalid era');
  return { immortal: false, period, phase };
}

/** The era's birth block for a given current block (sp_runtime Era::birth). */
export function eraBirth(era: Era, current: number): number {
  if (era.immortal) return 0;
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase;
}

/**
 * Parses a hex/bytes extrinsic (with its compact length prefix). `maxBytes` bounds the encoded
 * size (ExhaustsResources beyond it). Decodes the call with the runtime's codecs.
 */
export function parseExtrinsic(rt: Runtime, input: Uint8Array, maxBytes: number): ParsedExtrinsic {
  if (input.length > maxBytes) throw new TxError('ExhaustsResources', `${input.length} bytes > ${maxBytes}`);
  const r = new Reader(input);
  try {
    const len = r.compactNum();
    if (len !== input.length - r.off) throw new TxError('BadFormat', 'length prefix does not match');
    const version = r.u8();
    if (version === 0x04) throw new TxError('NoUnsignedValidator');
    if (version !== 0x84) throw new TxError('BadFormat', `unsupported extrinsic version 0x${version.toString(16)}`);
    const addrTag = r.u8();
    if (addrTag !== 0) throw new TxError('BadSigner', 'only MultiAddress::Id signers');
    const signer = r.bytes(32).slice();
    const sigTag = r.u8();
    const sigType = sigTag === 0 ? 'ed25519' : sigTag === 1 ? 'sr25519' : sigTag === 2 ? 'ecdsa' : null;
    if (!sigType) throw new TxError('BadFormat', 'invalid signature type');
    const signature = r.bytes(sigType === 'ecdsa' ? 65 : 64).slice();
    const extraStart = r.off;
    const era = decodeEra(r);
    const nonceBig = r.compact();
    if (nonceBig > 0xffffffffn) throw new TxError('BadFormat', 'nonce out of range');
    const tip = r.compact();
    const mode = r.u8();
    if (mode > 1) throw new TxError('BadFormat', 'invalid CheckMetadataHash mode');
    const extra = input.slice(extraStart, r.off);
    const callBytes = input.slice(r.off);
    const cr = new Reader(callBytes);
    const call = rt.runtimeCall.dec(cr);
    if (!cr.done()) throw new TxError('BadFormat', 'trailing bytes after call');
    return {
      bytes: input,
      hash: u8aToHex(blake2AsU8a(input, 256)),
      signer,
      sigType,
      signature,
      era,
      nonce: Number(nonceBig),
      tip,
      mode,
      extra,
      callBytes,
      call,
    };
  } catch (e) {
    if (e instanceof TxError) throw e;
    throw new TxError('BadFormat', e instanceof Error ? e.message : String(e));
  }
}

export interface VerifyContext {
  genesisHash: Uint8Array;
  specVersion: number;
  transactionVersion: number;
  /** number of the block the extrinsic would be included in (best + 1) */
  current: number;
  /** hash of a known recent block, undefined when unknown/pruned */
  blockHash(n: number): Uint8Array | undefined;
}

/** The signed payload bytes (before the > 256-byte hashing rule). */
export function signingPayload(px: Pick<ParsedExtrinsic, 'callBytes' | 'extra' | 'era' | 'mode'>, ctx: VerifyContext): Uint8Array {
  let birthHash: Uint8Array | undefined;
  if (px.era.immortal) birthHash = ctx.genesisHash;
  else {
    const birth = eraBirth(px.era, ctx.current);
    birthHash = birth >= ctx.current ? undefined : ctx.blockHash(birth);
  }
  if (!birthHash) throw new TxError('AncientBirthBlock');
  const w = new Writer(128);
  w.bytes(px.callBytes);
  w.bytes(px.extra);
  w.uint(ctx.specVersion, 4);
  w.uint(ctx.transactionVersion, 4);
  w.bytes(ctx.genesisHash);
  w.bytes(birthHash);
  w.u8(0); // CheckMetadataHash additional: None (mode Disabled)
  return w.finish();
}

/** Era + signature check (nonce and balance are checked against state by the pool). */
export function verifyExtrinsic(px: ParsedExtrinsic, ctx: VerifyContext): void {
  if (px.mode !== 0) throw new TxError('BadProof', 'CheckMetadataHash mode Enabled is not supported');
  let payload = signingPayload(px, ctx);
  if (payload.length > 256) payload = blake2AsU8a(payload, 256);
  let ok = false;
  try {
    // schnorrkel/ed25519 in @polkadot/wasm-crypto (about 10x faster than the pure-JS fallback)
    if (px.sigType === 'sr25519') ok = wasmReady() ? wasmSr25519Verify(px.signature, payload, px.signer) : sr25519Verify(payload, px.signature, px.signer);
    else if (px.sigType === 'ed25519') ok = wasmReady() ? wasmEd25519Verify(px.signature, payload, px.signer) : ed25519Verify(payload, px.signature, px.signer);
    else ok = false;
  } catch {
    ok = false;
  }
  if (!ok) throw new TxError('BadProof');
}

/** Builds a signed v4 extrinsic (tests and benchmarks: pre-signing without ApiPromise). */
export function buildSignedExtrinsic(
  rt: Runtime,
  call: RuntimeCall,
  signer: { publicKey: Uint8Array; sign(msg: Uint8Array): Uint8Array },
  opts: { nonce: number; tip?: bigint; era?: Era; birthHash?: Uint8Array; genesisHash: Uint8Array; specVersion: number; transactionVersion: number; current?: number },
): Uint8Array {
  const cw = new Writer(64);
  rt.runtimeCall.enc(cw, call);
  const callBytes = cw.finish();
  const ew = new Writer(16);
  const era = opts.era ?? { immortal: true };
  if (era.immortal) ew.u8(0);
  else {
    const quantize = Math.max(era.period >> 12, 1);
    const low = Math.min(15, Math.max(1, Math.log2(era.period) - 1));
    const encoded = low | ((era.phase / quantize) << 4);
    ew.uint(encoded, 2);
  }
  ew.compact(opts.nonce);
  ew.compact(opts.tip ?? 0n);
  ew.u8(0);
  const extra = ew.finish();
  const ctx: VerifyContext = {
    genesisHash: opts.genesisHash,
    specVersion: opts.specVersion,
    transactionVersion: opts.transactionVersion,
    current: opts.current ?? Number.MAX_SAFE_INTEGER,
    blockHash: () => opts.birthHash,
  };
  let payload = signingPayload({ callBytes, extra, era, mode: 0 }, ctx);
  if (payload.length > 256) payload = blake2AsU8a(payload, 256);
  const sig = signer.sign(payload);
  const body = u8aConcat(new Uint8Array([0x84, 0x00]), signer.publicKey, new Uint8Array([0x01]), sig, extra, callBytes);
  const w = new Writer(body.length + 5);
  w.compact(body.length);
  w.bytes(body);
  return w.finish();
}
