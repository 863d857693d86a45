/**
 * The connection handshake as two pure state machines (no sockets): mutual sr25519 identity
 * proof plus an ephemeral X25519 key agreement, signed over one transcript.
 *
 *   C -> S  CLIENT_HELLO  {label, client pubkey, client nonce(32), client X25519 eph, ts, [wanted server pubkey]}
 *   S -> C  SERVER_HELLO  {server pubkey, server nonce(32), server eph, ts, sig_S}
 *   C -> S  CLIENT_AUTH   {sig_C}
 *
 *   th    = SHA-256("subnet-ts/axon/v1 transcript" | cPub | cNonce | cEph | cTs | sPub | sNonce | sEph | sTs)
 *   sig_S = sr25519_S("subnet-ts/axon/v1 server" | th)
 *   sig_C = sr25519_C("subnet-ts/axon/v1 client" | th | sig_S)
 *   k_c2s, k_s2c = HKDF-SHA256(ikm = X25519(eph_c, eph_s), salt = th, info = "subnet-ts/axon/v1 c2s|s2c")
 *
 * Both hotkeys, both nonces, both ephemeral keys and both timestamps are under both signatures,
 * so a relay cannot splice its own ephemeral key in (the signature fails) and a recorded
 * handshake cannot be replayed (the other side's fresh nonce/ephemeral differ). Handshake
 * frames are [version u8][kind u8][msgpack map].
 */
import { createHash, createPublicKey, createSecretKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import { encodeAddress } from '@polkadot/util-crypto';
import { fastSigner, sigVerify } from './sr25519';
import type { Keypair } from '../keys/interface';
import { Close } from './codes';
import { ProtocolError } from './errors';
import { FRAME_KIND, PROTOCOL_VERSION, Session } from './session';

export const PROTOCOL_LABEL = 'subnet-ts/axon/v1';
export const MAX_HANDSHAKE_FRAME = 1024;
const SS58 = 42;

export interface HandshakeOptions {
  /** accepted clock difference between the peers, ms */
  skewMs?: number;
  now?: () => number;
  randomBytes?: (n: number) => Uint8Array;
}

export const defaultHandshakeOptions = { skewMs: 30_000 };


const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function frame(kind: number, body: Record<string, unknown>): Buffer {
  const b = packr.pack(body);
  const out = Buffer.allocUnsafe(2 + b.length);
  out[0] = PROTOCOL_VERSION;
  out[1] = kind;
  b.copy(out, 2);
  return out;
}

/** Parses a handshake frame of the given kind into its msgpack map. */
function parse(bytes: Uint8Array, kind: number): Record<string, unknown> {
  if (bytes.length < 3) throw new ProtocolError(Close.protocol_error, 'handshake frame too short', { bytes: bytes.length });
  if (bytes.length > MAX_HANDSHAKE_FRAME) throw new ProtocolError(Close.protocol_error, 'handshake frame too long', { bytes: bytes.length });
  if (bytes[0] !== PROTOCOL_VERSION) throw new ProtocolError(Close.unsupported_version, 'unsupported protocol version', { version: bytes[0] });
  if (bytes[1] === FRAME_KIND.data || bytes[1] === FRAME_KIND.batch) throw new ProtocolError(Close.handshake_required, 'data frame before the handshake completed');
  if (bytes[1] !== kind) throw new ProtocolError(Close.protocol_error, 'unexpected handshake frame kind', { kind: bytes[1], expected: kind });
  let raw: unknown;
  try {
    raw = unpackr.unpack(bytes.subarray(2));
  } catch {
    throw new ProtocolError(Close.protocol_error, 'handshake frame is not valid msgpack');
  }
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) throw new ProtocolError(Close.protocol_error, 'handshake frame is not a map');
  return raw as Record<string, unknown>;
}

function bytesField(m: Record<string, unknown>, key: string, len: number): Uint8Array {
  const v = m[key];
  if (!(v instanceof Uint8Array) || v.length !== len) throw new ProtocolError(Close.handshake_failed, `handshake field ${key} must be ${len} bytes`, { field: key });
  return v;
}

function tsField(m: Record<string, unknown>): number {
  const v = m.ts;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolError(Close.handshake_failed, 'handshake timestamp missing', { field: 'ts' });
  return v;
}

function checkWindow(ts: number, now: number, skewMs: number): void {
  if (Math.abs(now - ts) > skewMs) throw new ProtocolError(Close.stale_timestamp, 'handshake timestamp outside the allowed window', { ts, now, skewMs });
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

export interface HelloFields {
  pub: Uint8Array;
  nonce: Uint8Array;
  eph: Uint8Array;
  ts: number;
}

export function transcriptHash(c: HelloFields, s: HelloFields): Buffer {
  return createHash('sha256')
    .update(`${PROTOCOL_LABEL} transcript`)
    .update(c.pub).update(c.nonce).update(c.eph).update(u64(c.ts))
    .update(s.pub).update(s.nonce).update(s.eph).update(u64(s.ts))
    .digest();
}

export function serverSigMessage(th: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${PROTOCOL_LABEL} server`), th]);
}

export function clientSigMessage(th: Uint8Array, serverSig: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${PROTOCOL_LABEL} client`), th, serverSig]);
}

const verifySig = sigVerify;

function ephemeral(): { priv: KeyObject; pub: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { priv: privateKey, pub: new Uint8Array(der.subarray(der.length - 32)) };
}

function deriveKeys(priv: KeyObject, peerEph: Uint8Array, th: Uint8Array): { c2s: KeyObject; s2c: KeyObject } {
  let shared: Buffer;
  try {
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerEph]), format: 'der', type: 'spki' });
    shared = diffieHellman({ privateKey: priv, publicKey: peer });
  } catch {
    throw new ProtocolError(Close.handshake_failed, 'bad ephemeral key');
  }
  if (shared.every((b) => b === 0)) throw new ProtocolError(Close.handshake_failed, 'degenerate ephemeral key');
  const k = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', shared, th, `${PROTOCOL_LABEL} ${info}`, 32)));
  return { c2s: k('c2s'), s2c: k('s2c') };
}

export const C2S_PREFIX = 1;
export const S2C_PREFIX = 2;

/** The validator (dendrite) side. */
export class ClientHandshake {
  private readonly keypair: Keypair;
  private readonly expected?: Uint8Array;
  private readonly opts: Required<HandshakeOptions>;
  private state: 'new' | 'sent' | 'done' | 'failed' = 'new';
  private mine?: HelloFields & { priv: KeyObject };

  constructor(keypair: Keypair, opts: HandshakeOptions & { expectedServer?: Uint8Array } = {}) {
    this.keypair = keypair;
    this.expected = opts.expectedServer;
    this.opts = { skewMs: opts.skewMs ?? defaultHandshakeOptions.skewMs, now: opts.now ?? Date.now, randomBytes: opts.randomBytes ?? randomBytes };
  }

  /** The CLIENT_HELLO frame. */
  hello(): Buffer {
    if (this.state !== 'new') throw new ProtocolError(Close.handshake_failed, 'hello already sent');
    const e = ephemeral();
    this.mine = { pub: this.keypair.publicKey, nonce: this.opts.randomBytes(32), eph: e.pub, ts: this.opts.now(), priv: e.priv };
    this.state = 'sent';
    const body: Record<string, unknown> = { l: PROTOCOL_LABEL, k: this.mine.pub, n: this.mine.nonce, e: this.mine.eph, ts: this.mine.ts };
    if (this.expected) body.w = this.expected;
    return frame(FRAME_KIND.clientHello, body);
  }

  /** Verifies SERVER_HELLO; returns CLIENT_AUTH and the session. Throws ProtocolError. */
  onServerHello(bytes: Uint8Array): { auth: Buffer; session: Session } {
    if (this.state !== 'sent' || !this.mine) throw new ProtocolError(Close.handshake_failed, 'unexpected server hello');
    this.state = 'failed';
    const m = parse(bytes, FRAME_KIND.serverHello);
    const s: HelloFields = { pub: bytesField(m, 'k', 32), nonce: bytesField(m, 'n', 32), eph: bytesField(m, 'e', 32), ts: tsField(m) };
    const sig = bytesField(m, 'g', 64);
    if (this.expected && !Buffer.from(this.expected).equals(Buffer.from(s.pub))) {
      throw new ProtocolError(Close.wrong_hotkey, 'miner proved a different hotkey than expected', { expected: encodeAddress(this.expected, SS58), got: encodeAddress(s.pub, SS58) });
    }
    checkWindow(s.ts, this.opts.now(), this.opts.skewMs);
    const th = transcriptHash(this.mine, s);
    if (!verifySig(serverSigMessage(th), sig, s.pub)) throw new ProtocolError(Close.bad_signature, 'server handshake signature does not verify');
    const keys = deriveKeys(this.mine.priv, s.eph, th);
    const auth = frame(FRAME_KIND.clientAuth, { g: fastSigner(this.keypair)(clientSigMessage(th, sig)) });
    this.state = 'done';
    const session = new Session({
      id: th,
      keys: { send: keys.c2s, recv: keys.s2c, sendPrefix: C2S_PREFIX, recvPrefix: S2C_PREFIX },
      localPublicKey: this.mine.pub,
      remotePublicKey: s.pub,
      localHotkey: this.keypair.address,
      remoteHotkey: encodeAddress(s.pub, SS58),
    });
    return { auth, session };
  }
}

/** The miner (axon) side. */
export class ServerHandshake {
  private readonly keypair: Keypair;
  private readonly opts: Required<HandshakeOptions>;
  private state: 'new' | 'hello' | 'done' | 'failed' = 'new';
  private th?: Buffer;
  private serverSig?: Uint8Array;
  private client?: HelloFields;
  private keys?: { c2s: KeyObject; s2c: KeyObject };

  constructor(keypair: Keypair, opts: HandshakeOptions = {}) {
    this.keypair = keypair;
    this.opts = { skewMs: opts.skewMs ?? defaultHandshakeOptions.skewMs, now: opts.now ?? Date.now, randomBytes: opts.randomBytes ?? randomBytes };
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Takes CLIENT_HELLO, returns SERVER_HELLO. Throws ProtocolError. */
  onClientHello(bytes: Uint8Array): Buffer {
    if (this.state !== 'new') throw new ProtocolError(Close.handshake_failed, 'unexpected client hello');
    this.state = 'failed';
    const m = parse(bytes, FRAME_KIND.clientHello);
    if (m.l !== PROTOCOL_LABEL) throw new ProtocolError(Close.handshake_failed, 'wrong protocol label', { field: 'l' });
    const c: HelloFields = { pub: bytesField(m, 'k', 32), nonce: bytesField(m, 'n', 32), eph: bytesField(m, 'e', 32), ts: tsField(m) };
    if (m.w !== undefined) {
      const w = bytesField(m, 'w', 32);
      if (!Buffer.from(w).equals(Buffer.from(this.keypair.publicKey))) throw new ProtocolError(Close.wrong_hotkey, 'client wants a different miner hotkey', { wanted: encodeAddress(w, SS58) });
    }
    checkWindow(c.ts, this.opts.now(), this.opts.skewMs);
    const e = ephemeral();
    const s: HelloFields = { pub: this.keypair.publicKey, nonce: this.opts.randomBytes(32), eph: e.pub, ts: this.opts.now() };
    const th = transcriptHash(c, s);
    this.keys = deriveKeys(e.priv, c.eph, th);
    this.serverSig = fastSigner(this.keypair)(serverSigMessage(th));
    this.th = th;
    this.client = c;
    this.state = 'hello';
    return frame(FRAME_KIND.serverHello, { k: s.pub, n: s.nonce, e: s.eph, ts: s.ts, g: this.serverSig });
  }

  /** Takes CLIENT_AUTH, verifies the client's signature, returns the session. Throws ProtocolError. */
  onClientAuth(bytes: Uint8Array): Session {
    if (this.state !== 'hello' || !this.th || !this.client || !this.keys || !this.serverSig) {
      throw new ProtocolError(this.state === 'new' ? Close.handshake_required : Close.handshake_failed, 'unexpected client auth');
    }
    this.state = 'failed';
    const m = parse(bytes, FRAME_KIND.clientAuth);
    const sig = bytesField(m, 'g', 64);
    if (!verifySig(clientSigMessage(this.th, this.serverSig), sig, this.client.pub)) throw new ProtocolError(Close.bad_signature, 'client handshake signature does not verify');
    this.state = 'done';
    return new Session({
      id: this.th,
      keys: { send: this.keys.s2c, recv: this.keys.c2s, sendPrefix: S2C_PREFIX, recvPrefix: C2S_PREFIX },
      localPublicKey: this.keypair.publicKey,
      remotePublicKey: this.client.pub,
      localHotkey: this.keypair.address,
      remoteHotkey: encodeAddress(this.client.pub, SS58),
    });
  }
}
