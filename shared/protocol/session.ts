/**
 * Authenticated encryption of frames after the handshake. One key per direction (HKDF-SHA256
 * from the X25519 secret and the transcript hash), AES-256-GCM, and a per-direction sequence
 * number that is both the GCM nonce and part of the authenticated header. The receiver keeps
 * one counter per direction (O(1) state): a frame must carry exactly the next number.
 *
 * Frame: [version u8][kind u8][seq u64 BE][ciphertext][tag 16], kind 0x10 (one message) or 0x11
 * (a batch: an array of messages under one AEAD). Both kinds share the sequence counter; the
 * kind byte is in the authenticated header.
 */
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { Close } from './codes';
import { ProtocolError } from './errors';

/**
 * Wire version, the first byte of every frame. 3 since messages are positional msgpack arrays
 * instead of maps (25 Nov, session 4; 2 brought the range proofs and proof format v2): an older
 * peer gets a clean 4013 unsupported_version instead of misreading frames.
 */
export const PROTOCOL_VERSION = 4;
export const FRAME_KIND = { clientHello: 0x01, serverHello: 0x02, clientAuth: 0x03, data: 0x10, batch: 0x11 } as const;
export const DATA_HEADER_LEN = 10;
export const TAG_LEN = 16;
export const DATA_OVERHEAD = DATA_HEADER_LEN + TAG_LEN;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export interface SessionKeys {
  send: KeyObject;
  recv: KeyObject;
  /** 4-byte nonce prefix per direction (0x00000001 client->server, 0x00000002 server->client) */
  sendPrefix: number;
  recvPrefix: number;
}

export class Session {
  /** transcript hash of the handshake: the session id (public) */
  readonly id: Uint8Array;
  readonly localPublicKey: Uint8Array;
  readonly remotePublicKey: Uint8Array;
  readonly localHotkey: string;
  readonly remoteHotkey: string;
  private readonly keys: SessionKeys;
  private sendSeq = 0;
  private recvSeq = 0;
  /** kind byte of the frame last returned by open() (FRAME_KIND.data or FRAME_KIND.batch) */
  lastKind: number = FRAME_KIND.data;

  constructor(init: { id: Uint8Array; keys: SessionKeys; localPublicKey: Uint8Array; remotePublicKey: Uint8Array; localHotkey: string; remoteHotkey: string }) {
    this.id = init.id;
    this.keys = init.keys;
    this.localPublicKey = init.localPublicKey;
    this.remotePublicKey = init.remotePublicKey;
    this.localHotkey = init.localHotkey;
    this.remoteHotkey = init.remoteHotkey;
  }

  /** frames sent / received so far */
  get sent(): number {
    return this.sendSeq;
  }
  get received(): number {
    return this.recvSeq;
  }

  /** Encrypts one plaintext into a data frame (kind data, or batch) with the next send sequence number. */
  seal(plaintext: Uint8Array, kind: number = FRAME_KIND.data): Buffer {
    if (this.sendSeq >= MAX_SEQ) throw new ProtocolError(Close.protocol_error, 'send sequence exhausted');
    const seq = this.sendSeq++;
    const out = Buffer.allocUnsafe(DATA_HEADER_LEN + plaintext.length + TAG_LEN);
    out[0] = PROTOCOL_VERSION;
    out[1] = kind === FRAME_KIND.batch ? FRAME_KIND.batch : FRAME_KIND.data;
    writeSeq(out, 2, seq);
    const header = out.subarray(0, DATA_HEADER_LEN);
    const c = createCipheriv('aes-256-gcm', this.keys.send, nonce(this.keys.sendPrefix, seq), { authTagLength: TAG_LEN });
    c.setAAD(header);
    const body = c.update(plaintext);
    c.final();
    body.copy(out, DATA_HEADER_LEN);
    c.getAuthTag().copy(out, DATA_HEADER_LEN + body.length);
    return out;
  }

  /**
   * Authenticates and decrypts one data frame. Throws ProtocolError:
   * auth_failed (forged/tampered/other direction), replayed (seq below expected),
   * out_of_order (seq above expected), protocol_error (too short / not a data frame),
   * unsupported_version.
   */
  open(frame: Uint8Array): Buffer {
    const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    if (buf.length < DATA_OVERHEAD) throw new ProtocolError(Close.protocol_error, 'frame too short', { bytes: buf.length });
    if (buf[0] !== PROTOCOL_VERSION) throw new ProtocolError(Close.unsupported_version, 'unsupported protocol version', { version: buf[0] });
    const kind = buf[1];
    if (kind !== FRAME_KIND.data && kind !== FRAME_KIND.batch) throw new ProtocolError(Close.protocol_error, 'expected a data frame', { kind });
    const hi = buf.readUInt32BE(2);
    if (hi > 0x1fffff) throw new ProtocolError(Close.auth_failed, 'sequence number out of range');
    const seq = hi * 0x100000000 + buf.readUInt32BE(6);
    const header = buf.subarray(0, DATA_HEADER_LEN);
    const tag = buf.subarray(buf.length - TAG_LEN);
    const d = createDecipheriv('aes-256-gcm', this.keys.recv, nonce(this.keys.recvPrefix, seq), { authTagLength: TAG_LEN });
    d.setAAD(header);
    d.setAuthTag(tag);
    const pt = d.update(buf.subarray(DATA_HEADER_LEN, buf.length - TAG_LEN));
    try {
      d.final();
    } catch {
      throw new ProtocolError(Close.auth_failed, 'frame failed authentication', { seq });
    }
    // authentic, but is it the next one? (a recorded frame replayed, or frames reordered/dropped)
    if (seq < this.recvSeq) throw new ProtocolError(Close.replayed, 'replayed frame', { seq, expected: this.recvSeq });
    if (seq > this.recvSeq) throw new ProtocolError(Close.out_of_order, 'frame out of order', { seq, expected: this.recvSeq });
    this.recvSeq++;
    this.lastKind = kind;
    return pt;
  }
}

function writeSeq(b: Buffer, at: number, seq: number): void {
  b.writeUInt32BE(Math.floor(seq / 0x100000000), at);
  b.writeUInt32BE(seq >>> 0, at + 4);
}

function nonce(prefix: number, seq: number): Buffer {
  const n = Buffer.allocUnsafe(12);
  n.writeUInt32BE(prefix, 0);
  writeSeq(n, 4, seq);
  return n;
}
