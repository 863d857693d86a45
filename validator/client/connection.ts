/**
 * One authenticated connection to one miner (the dendrite side of shared/protocol).
 * connect() = WebSocket open + handshake + the miner's welcome. request() never rejects:
 * every outcome is a QueryResult; every timer is cleared and every socket closed.
 */
import { WebSocket, type RawData } from 'ws';
import { SubnetError, errorMessage } from '../../shared/errors';
import type { Keypair } from '../../shared/keys/interface';
import { decodeAddress } from '@polkadot/util-crypto';
import { sigVerify } from '../../shared/protocol/sr25519';
import { Close, closeName, statusName } from '../../shared/protocol/codes';
import { decodeBatch, decodeMessage, encodeBatchUnsafe, encodeMessageUnsafe } from '../../shared/protocol/codec';
import { ProtocolError } from '../../shared/protocol/errors';
import { ClientHandshake } from '../../shared/protocol/handshake';
import { hex, leafHash, proofSigMessage, requestDigest, responseDigest, rootFromPath, type NodeMemo, type ResponseProof } from '../../shared/protocol/proof';
import { FRAME_KIND, type Session } from '../../shared/protocol/session';
import { sendCorked } from '../../shared/protocol/cork';
import type { Message, ProofMessage, ResponseMessage, WelcomeMessage } from '../../shared/protocol/types';
import type { QueryRequest, QueryResult, Target } from './interface';
import { defaultClientOptions, type ClientOptions } from './options';

interface Pending {
  id: number;
  reqDigest: Buffer;
  t0: number;
  /** performance.now() after which the request gives up */
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve: (r: QueryResult) => void;
}

interface AwaitingProof {
  result: QueryResult;
  leaf: Buffer;
  reqDigest: Buffer;
  /** performance.now() after which the result resolves without a proof */
  deadline: number;
  resolve: (r: QueryResult) => void;
}

function now(): number {
  return performance.now();
}

export class MinerConnection {
  readonly target: Target;
  private ws?: WebSocket;
  private session?: Session;
  welcome?: WelcomeMessage;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly awaiting = new Map<number, AwaitingProof>();
  private closed = false;
  private closeInfo?: { code: number; reason: string };
  private readonly opts: ClientOptions;
  private readonly keypair: Keypair;
  /** last time a request was sent (LRU in the pool) */
  lastUsed = Date.now();
  /** proof batches verified so far */
  proofSignaturesVerified = 0;
  private sessionHex?: string;
  /** frames sent (a batch frame counts once) */
  framesSent = 0;
  /** messages waiting for the end of the turn (miners that accept batch frames) */
  private out: Message[] = [];
  private outBytes = 0;
  private outImmediate?: NodeJS.Immediate;

  constructor(target: Target, keypair: Keypair, opts: Partial<ClientOptions> = {}) {
    this.target = target;
    this.keypair = keypair;
    this.opts = { ...defaultClientOptions, ...opts };
  }

  get isOpen(): boolean {
    return !this.closed && !!this.session && this.ws?.readyState === WebSocket.OPEN;
  }

  get hotkey(): string | undefined {
    return this.session?.remoteHotkey;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** no request waiting for an answer or a proof */
  get idle(): boolean {
    return this.pending.size === 0 && this.awaiting.size === 0;
  }

  /**
   * Opens the socket and authenticates. Rejects with SubnetError: `unreachable` (socket failed),
   * `timeout`/`aborted` (signal), `protocol.<close>` (handshake refused either way).
   */
  connect(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let expected: Uint8Array | undefined;
      if (this.target.hotkey) {
        try {
          expected = decodeAddress(this.target.hotkey, false, 42);
        } catch {
          reject(new SubnetError('bad_target', 'target hotkey is not a valid ss58 address', { hotkey: this.target.hotkey }));
          return;
        }
      }
      let settled = false;
      const hs = new ClientHandshake(this.keypair, { expectedServer: expected, skewMs: this.opts.handshakeSkewMs });
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.target.endpoint, { maxPayload: this.opts.maxPayload, perMessageDeflate: false, handshakeTimeout: this.opts.connectTimeoutMs });
      } catch (err) {
        reject(new SubnetError('unreachable', `bad endpoint: ${errorMessage(err)}`, { endpoint: this.target.endpoint }));
        return;
      }
      this.ws = ws;
      const fail = (err: SubnetError) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.closed = true;
        if (ws.readyState === WebSocket.OPEN && err instanceof ProtocolError) ws.close(err.close, err.message.slice(0, 120));
        else ws.terminate();
        reject(err);
      };
      const onAbort = () => {
        const r: unknown = signal?.reason;
        const isTimeout = r instanceof Error && r.name === 'TimeoutError';
        fail(new SubnetError(isTimeout ? 'timeout' : 'aborted', isTimeout ? 'timed out while connecting' : 'aborted while connecting', { endpoint: this.target.endpoint }));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('error', (err) => {
        if (!settled) fail(new SubnetError('unreachable', `cannot reach miner: ${errorMessage(err)}`, { endpoint: this.target.endpoint, errno: (err as { code?: string }).code }));
      });
      ws.on('open', () => {
        try {
          ws.send(hs.hello());
        } catch (err) {
          fail(new SubnetError('error', errorMessage(err)));
        }
      });
      ws.on('close', (code, reasonBuf) => {
        const reason = reasonBuf.toString();
        this.closeInfo = { code, reason };
        if (!settled) {
          const name = closeName(code);
          fail(
            code >= 4000 && name
              ? new SubnetError(`protocol.${name}`, `miner closed the connection: ${reason || name}`, { close: code, reason })
              : new SubnetError('unreachable', `connection closed before the handshake completed (${code})`, { close: code, reason }),
          );
        }
        this.onClosed();
      });
      ws.on('message', (data: RawData) => {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        try {
          if (!this.session) {
            const { auth, session } = hs.onServerHello(buf);
            ws.send(auth);
            this.session = session;
            return;
          }
          const pt = this.session.open(buf);
          if (this.session.lastKind === FRAME_KIND.batch) {
            if (!this.welcome) throw new ProtocolError(Close.protocol_error, 'expected the welcome message');
            for (const e of decodeBatch(pt)) {
              if (e instanceof Error) throw e;
              this.onMessage(e);
            }
            return;
          }
          const msg = decodeMessage(pt);
          if (!this.welcome) {
            if (msg.t !== 'welcome') throw new ProtocolError(Close.protocol_error, 'expected the welcome message');
            this.welcome = msg;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            resolve();
            return;
          }
          this.onMessage(msg);
        } catch (err) {
          const pe = err instanceof ProtocolError ? err : new ProtocolError(Close.protocol_error, `bad message from miner: ${errorMessage(err)}`);
          if (!settled) fail(pe);
          else this.abortAll(pe.close, pe.message);
        }
      });
    });
  }

  /** Sends one request; resolves with its result (never rejects). */
  request(req: QueryRequest, opts: { timeoutMs?: number; signal?: AbortSignal; t0?: number } = {}): Promise<QueryResult> {
    const t0 = opts.t0 ?? now();
    const timeoutMs = Math.max(1, opts.timeoutMs ?? this.opts.timeoutMs);
    const base = { target: this.target, hotkey: this.session?.remoteHotkey, proof: null };
    if (!this.isOpen || !this.session || !this.ws) {
      return Promise.resolve({ ...base, status: 'error', code: null, latencyMs: now() - t0, error: { code: 'connection_closed', message: 'connection is not open', context: this.closeInfo ?? {} } });
    }
    if (this.pending.size >= this.opts.maxInFlightPerConnection) {
      return Promise.resolve({ ...base, status: 'error', code: null, latencyMs: now() - t0, error: { code: 'too_many_in_flight', message: 'too many requests in flight on this connection', context: {} } });
    }
    if (opts.signal?.aborted) return Promise.resolve({ ...base, status: 'aborted', code: null, latencyMs: 0, error: { code: 'aborted', message: 'aborted', context: {} } });
    this.lastUsed = Date.now();
    const id = this.nextId++;
    const body = { tensors: req.tensors, meta: req.meta ?? {} };
    const reqDigest = requestDigest({ id, synapse: req.synapse, body });
    return new Promise<QueryResult>((resolve) => {
      const remaining = Math.max(1, timeoutMs - (now() - t0));
      const p: Pending = { id, reqDigest, t0, deadline: now() + remaining, timeoutMs, resolve, signal: opts.signal };
      this.watch(p.deadline);
      if (opts.signal) {
        p.onAbort = () => this.giveUp(p, 'aborted', 'aborted', 'aborted by the caller');
        opts.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      try {
        this.send({ t: 'request', id, synapse: req.synapse, timeoutMs: Math.ceil(remaining), body });
      } catch (err) {
        this.settle(p, { ...base, status: 'error', code: null, latencyMs: now() - t0, error: { code: 'send_failed', message: errorMessage(err), context: {} } });
      }
    });
  }

  /**
   * Sends one message. To a miner that accepts batch frames, every message of this turn leaves
   * in one batch frame at the end of the turn (one AEAD, one WebSocket frame); otherwise one
   * data frame per message, corked.
   */
  private send(msg: Message): void {
    if (!this.welcome?.batchFrames) {
      this.framesSent++;
      sendCorked(this.ws as WebSocket, (this.session as Session).seal(encodeMessageUnsafe(msg)));
      return;
    }
    if (this.out.length === 0 && !this.outImmediate) this.outImmediate = setImmediate(this.flushOut);
    this.out.push(msg);
    this.outBytes += 64;
    if (msg.t === 'request') for (const k in msg.body.tensors) this.outBytes += msg.body.tensors[k].data.length + 32;
    if (this.out.length >= 512 || this.outBytes >= 1 << 20) this.writeOut();
  }

  private readonly flushOut = (): void => {
    this.outImmediate = undefined;
    this.writeOut();
  };

  private writeOut(): void {
    const msgs = this.out;
    if (msgs.length === 0) return;
    this.out = [];
    this.outBytes = 0;
    const ws = this.ws;
    const session = this.session;
    if (!ws || !session || ws.readyState !== WebSocket.OPEN) return; // the close settles the pending requests
    this.framesSent++;
    ws.send(msgs.length === 1 ? session.seal(encodeMessageUnsafe(msgs[0])) : session.seal(encodeBatchUnsafe(msgs), FRAME_KIND.batch), { binary: true });
  }

  private giveUp(p: Pending, status: string, code: string, message: string): void {
    if (!this.pending.has(p.id)) return;
    this.settle(p, { target: this.target, hotkey: this.hotkey, status, code: null, latencyMs: now() - p.t0, error: { code, message, context: {} }, proof: null });
    // tell the miner so it can drop queued work
    if (this.isOpen) {
      try {
        this.send({ t: 'cancel', id: p.id });
      } catch {
        /* closing */
      }
    }
  }

  /**
   * One timer per connection for every deadline (answers and proofs), armed at the earliest one;
   * a request costs no timer of its own.
   */
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  private watch(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - now())));
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const t = now() + 0.5; // a timer may fire a fraction of a ms early
    let next = Infinity;
    for (const p of [...this.pending.values()]) {
      if (p.deadline <= t) this.giveUp(p, 'timeout', 'client_timeout', `no answer within ${p.timeoutMs} ms`);
      else if (p.deadline < next) next = p.deadline;
    }
    for (const [id, a] of [...this.awaiting]) {
      if (a.deadline <= t) {
        this.awaiting.delete(id);
        a.result.proofError = 'proof_timeout';
        a.resolve(a.result);
      } else if (a.deadline < next) next = a.deadline;
    }
    if (next !== Infinity) this.watch(next);
  };

  private settle(p: Pending, r: QueryResult): void {
    this.pending.delete(p.id);
    if (this.pending.size === 0 && this.awaiting.size === 0) this.stopTimer();
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    p.resolve(r);
  }

  private onMessage(msg: Message): void {
    if (msg.t === 'response') this.onResponse(msg);
    else if (msg.t === 'proof') this.onProof(msg);
    // other types from a miner are ignored
  }

  private onResponse(msg: ResponseMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) return; // answered after we gave up (or id 0: a message we sent was unparseable)
    this.pending.delete(msg.id);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    const session = this.session as Session;
    const result: QueryResult = {
      target: this.target,
      hotkey: session.remoteHotkey,
      status: statusName(msg.status) ?? `status_${msg.status}`,
      code: msg.status,
      latencyMs: now() - p.t0,
      proof: null,
    };
    if (msg.body) {
      result.outputs = msg.body.tensors;
      result.meta = msg.body.meta;
    }
    if (msg.error) result.error = msg.error;
    const minerDigest = Buffer.from(msg.requestDigest);
    if (!minerDigest.equals(p.reqDigest) && !(msg.status === 400 && minerDigest.every((b) => b === 0))) {
      result.proofError = 'request_digest_mismatch';
      p.resolve(result);
      return;
    }
    const leaf = leafHash(session.id, session.localPublicKey, responseDigest(minerDigest, msg));
    const deadline = now() + this.opts.proofWaitMs;
    this.watch(deadline);
    this.awaiting.set(msg.id, { result, leaf, reqDigest: minerDigest, deadline, resolve: p.resolve });
  }

  private onProof(msg: ProofMessage): void {
    const session = this.session as Session;
    let sigOk: boolean | undefined;
    const memo: NodeMemo = new Map();
    let rootHex: string | undefined;
    let sigHex: string | undefined;
    for (const it of msg.items) {
      const a = this.awaiting.get(it.id);
      if (!a) continue;
      this.awaiting.delete(it.id);
      const root = rootFromPath(a.leaf, it.index, msg.count, it.path, memo);
      if (!root || !Buffer.from(root.buffer, root.byteOffset, root.byteLength).equals(msg.root)) {
        a.result.proofError = 'path_mismatch';
      } else {
        if (sigOk === undefined) {
          if (this.opts.verifyProofSignatures) {
            sigOk = sigVerify(proofSigMessage(session.remotePublicKey, msg.root, msg.count, msg.ts), msg.signature, session.remotePublicKey);
            this.proofSignaturesVerified++;
          } else sigOk = true;
        }
        if (!sigOk) a.result.proofError = 'bad_signature';
        else {
          const proof: ResponseProof = {
            v: 1,
            miner: session.remoteHotkey,
            validator: session.localHotkey,
            session: (this.sessionHex ??= hex(session.id)),
            requestDigest: hex(a.reqDigest),
            root: (rootHex ??= hex(msg.root)),
            count: msg.count,
            index: it.index,
            path: it.path.map(hex),
            ts: msg.ts,
            signature: (sigHex ??= hex(msg.signature)),
          };
          a.result.proof = proof;
        }
      }
      a.resolve(a.result);
    }
    if (this.pending.size === 0 && this.awaiting.size === 0) this.stopTimer();
  }

  private abortAll(close: number, reason: string): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.close(close, reason.slice(0, 120));
    else this.ws?.terminate();
    this.onClosed();
  }

  private onClosed(): void {
    this.closed = true;
    this.stopTimer();
    if (this.outImmediate) {
      clearImmediate(this.outImmediate);
      this.outImmediate = undefined;
    }
    this.out = [];
    const info = this.closeInfo ?? { code: Close.going_away, reason: 'closed' };
    for (const p of [...this.pending.values()]) {
      this.settle(p, {
        target: this.target,
        hotkey: this.hotkey,
        status: 'error',
        code: null,
        latencyMs: now() - p.t0,
        error: { code: 'connection_closed', message: `connection closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`, context: { close: info.code, reason: info.reason } },
        proof: null,
      });
    }
    for (const [id, a] of [...this.awaiting]) {
      this.awaiting.delete(id);
      a.result.proofError = 'connection_closed';
      a.resolve(a.result);
    }
  }

  /** Closes the socket (pending requests end as status "error"). Resolves when the socket is gone. */
  close(): Promise<void> {
    const ws = this.ws;
    if (this.outImmediate) {
      clearImmediate(this.outImmediate);
      this.outImmediate = undefined;
    }
    this.out = [];
    this.closed = true;
    if (!ws || ws.readyState === WebSocket.CLOSED) {
      this.onClosed();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(Close.going_away, 'client closing');
      else ws.terminate();
    });
  }
}
