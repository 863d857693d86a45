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
import { decodeBatch, decodeMessage, encodeBatch } from '../../shared/protocol/codec';
import { ProtocolError } from '../../shared/protocol/errors';
import { ClientHandshake } from '../../shared/protocol/handshake';
import { bytesEqual, hex, leafHashV3, proofSigMessage, rangePath, rootFromRange, type RangeTree, type ResponseProof } from '../../shared/protocol/proof';
import { FRAME_KIND, type Session } from '../../shared/protocol/session';
import { sendCorked } from '../../shared/protocol/cork';
import { traceWire } from '../../shared/trace';
import type { Message, Meta, ProofMessage, RequestMessage, ResponseMessage, WelcomeMessage, WireError } from '../../shared/protocol/types';
import type { QueryRequest, QueryResult, Target } from './interface';
import { defaultClientOptions, type ClientOptions, type ProofMode } from './options';

interface Pending {
  id: number;
  /** the caller's target object, returned in the result */
  target: Target;
  /** the request message's bytes as sent (set when its frame is encoded): the answer's leaf hashes them */
  q?: Uint8Array;
  t0: number;
  /** performance.now() after which the request gives up */
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve: (r: QueryResult) => void;
  /** resolve at the answer; the proof completes result.proof later (proofSettled) */
  later: boolean;
}

/**
 * An answer whose proof has not arrived yet. Every answer the miner sends, even one we no longer
 * wait for, becomes a leaf of its next proof, in the order sent; so the connection keeps these in
 * arrival order and a proof message covers the next `ids.length` of them.
 */
interface AwaitingProof {
  /** the answer as received: its leaf is hashed when its proof arrives, off the request path */
  msg: ResponseMessage;
  /** its request's bytes as sent (undefined when unknown: an answer to a message we cannot name) */
  q: Uint8Array | undefined;
  /** the answer's bytes as received */
  r: Uint8Array;
  /** performance.now() after which the result is settled without a proof */
  deadline: number;
  /** the result to complete, absent when nobody waits for this answer (late, or unparseable id 0) */
  result?: QueryResult;
  /** called once `result.proof`/`proofError` are final */
  done?: (r: QueryResult) => void;
}

/** A proof message whose answers' leaves are being hashed (`leaves` holds those done so far). */
interface ProofJob {
  msg: ProofMessage;
  items: AwaitingProof[];
  leaves: Buffer[];
  /** what the next slice of work does: hash leaves, rebuild the root, check the signature, hand out the proofs */
  stage: 'leaves' | 'root' | 'signature' | 'settle';
  tree?: RangeTree;
  shared?: ProofShared;
  /** why the proof failed (every answer of the range gets it) */
  why?: string;
  /** answers handed their proof so far */
  settled: number;
}

/** What the proofs of one proof message share. */
interface ProofShared {
  miner: string;
  validator: string;
  session: string;
  root: string;
  count: number;
  ts: number;
  signature: string;
  tree: RangeTree;
  /** hex of each tree node, made once for all the paths it appears in */
  hexes: Map<Uint8Array, string>;
}

/**
 * A ResponseProof (format v3) whose per-answer parts (the request and response bytes in base64,
 * the path in hex) are made on first read: a pipelining client that never looks at most proofs
 * does not pay for them. JSON.stringify gives the plain ResponseProof (toJSON); verifyProof reads
 * it like any other.
 */
class RangeProof implements ResponseProof {
  readonly v = 3 as const;
  readonly miner: string;
  readonly validator: string;
  readonly session: string;
  readonly root: string;
  readonly count: number;
  readonly ts: number;
  readonly signature: string;
  #shared: ProofShared;
  #q: Uint8Array;
  #r: Uint8Array;
  #request?: string;
  #response?: string;
  #path?: string[];
  constructor(
    shared: ProofShared,
    readonly index: number,
    q: Uint8Array,
    r: Uint8Array,
  ) {
    this.#shared = shared;
    this.#q = q;
    this.#r = r;
    this.miner = shared.miner;
    this.validator = shared.validator;
    this.session = shared.session;
    this.root = shared.root;
    this.count = shared.count;
    this.ts = shared.ts;
    this.signature = shared.signature;
  }
  get request(): string {
    return (this.#request ??= base64(this.#q));
  }
  get response(): string {
    return (this.#response ??= base64(this.#r));
  }
  get path(): string[] {
    if (!this.#path) {
      const hexes = this.#shared.hexes;
      this.#path = rangePath(this.#shared.tree, this.index).map((b) => {
        let h = hexes.get(b);
        if (h === undefined) hexes.set(b, (h = hex(b)));
        return h;
      });
    }
    return this.#path;
  }
  toJSON(): ResponseProof {
    const { v, miner, validator, session, request, response, root, count, index, path, ts, signature } = this;
    return { v, miner, validator, session, request, response, root, count, index, path, ts, signature };
  }
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/**
 * Requests given up on (timeout, abort) keep their bytes here until their answer arrives: the
 * miner may still answer, and every answer it sends is a leaf of its next proof. Bounded: past
 * this many, the oldest are dropped (an answer to one of those makes its proof's range
 * unverifiable: those answers end 'path_mismatch').
 */
const LATE_MAX = 4096;
/** stands in for the bytes of a request we cannot name (its leaf cannot match) */
const UNKNOWN_REQUEST = new Uint8Array(0);

const NO_META = Object.freeze({}) as Meta;

/**
 * leaves hashed per macrotask while checking a proof (≈ 50–100 µs): an answer frame that arrives
 * meanwhile waits at most that long (128 per slice: 5 interleaved pairs of 3 s runs gave 53.2k
 * answers/s on average against 55.8k with 32)
 */
const LEAF_SLICE = 32;
/** answers handed their verified proof per macrotask (each resolves the caller's proof wait) */
const SETTLE_SLICE = 128;

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
  /** bytes of requests given up on, by id, until their answer comes (LATE_MAX) */
  private readonly late = new Map<number, Uint8Array>();
  /** answers waiting for their proof, in arrival order, from index awaitHead */
  private awaiting: AwaitingProof[] = [];
  private awaitHead = 0;
  private closed = false;
  private closeInfo?: { code: number; reason: string };
  private readonly opts: ClientOptions;
  private readonly keypair: Keypair;
  /** last time a request was sent (LRU in the pool) */
  lastUsed = Date.now();
  /** proof batches verified so far */
  proofSignaturesVerified = 0;
  /** proof messages that named answers no longer held (their answers end proof_unverifiable) */
  proofsUnverifiable = 0;
  private sessionHex?: string;
  /** frames sent (a batch frame counts once) */
  framesSent = 0;
  /** messages waiting for the end of the turn (miners that accept batch frames) */
  private out: Message[] = [];
  private outBytes = 0;
  private outScheduled = false;

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
    return this.pending.size === 0 && this.awaitingCount === 0 && this.proofJobs.length === 0;
  }

  private get awaitingCount(): number {
    return this.awaiting.length - this.awaitHead;
  }

  /** drops the first k awaiting entries */
  private shiftAwaiting(k: number): void {
    this.awaitHead += k;
    if (this.awaitHead >= this.awaiting.length) {
      this.awaiting = [];
      this.awaitHead = 0;
    } else if (this.awaitHead >= 1024 && this.awaitHead * 2 >= this.awaiting.length) {
      this.awaiting = this.awaiting.slice(this.awaitHead);
      this.awaitHead = 0;
    }
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
        // frames that arrived before the close are still answers: handle them first
        this.drainInbox(true);
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
        if (this.welcome) {
          this.onFrame(buf);
          return;
        }
        try {
          if (!this.session) {
            const { auth, session } = hs.onServerHello(buf);
            ws.send(auth);
            this.session = session;
            return;
          }
          const pt = this.session.open(buf);
          if (this.session.lastKind === FRAME_KIND.batch) throw new ProtocolError(Close.protocol_error, 'expected the welcome message');
          const msg = decodeMessage(pt);
          if (msg.t !== 'welcome') throw new ProtocolError(Close.protocol_error, 'expected the welcome message');
          this.welcome = msg;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve();
        } catch (err) {
          const pe = err instanceof ProtocolError ? err : new ProtocolError(Close.protocol_error, `bad message from miner: ${errorMessage(err)}`);
          if (!settled) fail(pe);
          else this.abortAll(pe.close, pe.message);
        }
      });
    });
  }

  /**
   * A frame after the handshake. When one socket read brings several frames, the first is handled
   * now and the others one per macrotask (setImmediate): the answers of each frame resolve, and
   * the requests their callers send next leave (flushOut runs after the microtasks), before the
   * next frame is decoded. So the miner gets new work while this side is still busy: the two
   * processes overlap instead of taking turns.
   */
  private onFrame(buf: Buffer): void {
    if (this.inTurn || this.inbox.length > 0) {
      this.inbox.push(buf);
      if (!this.inboxImmediate) this.inboxImmediate = setImmediate(this.nextFrame);
      return;
    }
    this.inTurn = true;
    process.nextTick(this.endTurn);
    this.handleFrame(buf);
  }

  /** now() when the frame being handled was opened */
  private frameAt = 0;
  private inbox: Buffer[] = [];
  private inTurn = false;
  private inboxImmediate?: NodeJS.Immediate;
  private readonly endTurn = (): void => {
    this.inTurn = false;
  };
  private readonly nextFrame = (): void => {
    this.inboxImmediate = undefined;
    const buf = this.inbox.shift();
    if (buf) this.handleFrame(buf);
    if (this.inbox.length > 0) this.inboxImmediate = setImmediate(this.nextFrame);
  };

  /** Handles every frame still in the inbox now (the socket closed: nothing may be left behind). */
  private drainInbox(closing: boolean): void {
    if (this.inboxImmediate) clearImmediate(this.inboxImmediate);
    this.inboxImmediate = undefined;
    const frames = this.inbox;
    this.inbox = [];
    if (closing) for (const buf of frames) this.handleFrame(buf);
  }

  private handleFrame(buf: Buffer): void {
    const session = this.session;
    if (!session || this.closed) return;
    try {
      const pt = session.open(buf);
      this.frameAt = now(); // the answers of one frame share their arrival time
      traceWire('client', 'recv', 0, buf.length);
      if (session.lastKind === FRAME_KIND.batch) {
        // each answer's own bytes: its leaf hashes them (proof format v3)
        const slices: Uint8Array[] = [];
        const entries = decodeBatch(pt, undefined, slices);
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i];
          if (e instanceof Error) throw e;
          this.onMessage(e, slices[i]);
        }
      } else this.onMessage(decodeMessage(pt), pt);
    } catch (err) {
      const pe = err instanceof ProtocolError ? err : new ProtocolError(Close.protocol_error, `bad message from miner: ${errorMessage(err)}`);
      this.abortAll(pe.close, pe.message);
    }
  }

  /** A result without an answer. */
  private failed(target: Target, status: string, latencyMs: number, error: WireError): QueryResult {
    return { target, hotkey: this.session?.remoteHotkey, proof: null, status, code: null, latencyMs, error };
  }

  /** Sends one request; resolves with its result (never rejects). */
  request(req: QueryRequest, opts: { timeoutMs?: number; signal?: AbortSignal; t0?: number; proofs?: ProofMode; target?: Target } = {}): Promise<QueryResult> {
    const tNow = now();
    const t0 = opts.t0 ?? tNow;
    const target = opts.target ?? this.target;
    const timeoutMs = Math.max(1, opts.timeoutMs ?? this.opts.timeoutMs);
    if (!this.isOpen || !this.session || !this.ws) {
      return Promise.resolve(this.failed(target, 'error', tNow - t0, { code: 'connection_closed', message: 'connection is not open', context: this.closeInfo ?? {} }));
    }
    if (this.pending.size >= this.opts.maxInFlightPerConnection) {
      return Promise.resolve(this.failed(target, 'error', tNow - t0, { code: 'too_many_in_flight', message: 'too many requests in flight on this connection', context: {} }));
    }
    if (opts.signal?.aborted) return Promise.resolve(this.failed(target, 'aborted', 0, { code: 'aborted', message: 'aborted', context: {} }));
    this.lastUsed = Date.now();
    const id = this.nextId++;
    const body = { tensors: req.tensors, meta: req.meta ?? NO_META };
    return new Promise<QueryResult>((resolve) => {
      const remaining = Math.max(1, timeoutMs - (tNow - t0));
      const p: Pending = { id, target, t0, deadline: tNow + remaining, timeoutMs, resolve, signal: opts.signal, later: (opts.proofs ?? this.opts.proofs) === 'later' };
      this.watch(p.deadline);
      if (opts.signal) {
        p.onAbort = () => this.giveUp(p, 'aborted', 'aborted', 'aborted by the caller');
        opts.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      try {
        const msg: RequestMessage = { t: 'request', id, synapse: req.synapse, timeoutMs: Math.ceil(remaining), body };
        if (!p.later) msg.proofWait = true;
        this.send(msg);
      } catch (err) {
        this.settle(p, this.failed(target, 'error', now() - t0, { code: 'send_failed', message: errorMessage(err), context: {} }));
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
      const slices: Uint8Array[] = [];
      const pt = encodeBatch([msg], slices);
      sendCorked(this.ws as WebSocket, (this.session as Session).seal(pt));
      if (msg.t === 'request') this.sent(msg.id, pt);
      return;
    }
    if (this.out.length === 0 && !this.outScheduled) {
      // flushed once this turn's microtasks are done: every request sent while handling one frame
      // of answers leaves together, before the next frame is handled
      this.outScheduled = true;
      process.nextTick(this.flushOut);
    }
    this.out.push(msg);
    this.outBytes += 64;
    if (msg.t === 'request') for (const k in msg.body.tensors) this.outBytes += msg.body.tensors[k].data.length + 32;
    if (this.out.length >= this.opts.frameMessages || this.outBytes >= 1 << 20) this.writeOut();
  }

  private readonly flushOut = (): void => {
    this.outScheduled = false;
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
    const slices: Uint8Array[] = [];
    const pt = encodeBatch(msgs, slices);
    const frame = session.seal(pt, msgs.length === 1 ? FRAME_KIND.data : FRAME_KIND.batch);
    traceWire('client', 'send', msgs.length, frame.length);
    ws.send(frame, { binary: true });
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i];
      if (m.t === 'request') this.sent(m.id, slices[i]);
    }
  }

  /** A request's bytes went out: its pending entry keeps them for the answer's leaf. */
  private sent(id: number, q: Uint8Array): void {
    const p = this.pending.get(id);
    if (p) p.q = q;
    else this.keepLate(id, q); // given up on before its frame left
  }

  private keepLate(id: number, q: Uint8Array): void {
    this.late.set(id, Uint8Array.prototype.slice.call(q)); // a copy: the view would keep its whole frame alive
    if (this.late.size > LATE_MAX) this.late.delete(this.late.keys().next().value as number);
  }

  private giveUp(p: Pending, status: string, code: string, message: string): void {
    if (!this.pending.has(p.id)) return;
    if (p.q) this.keepLate(p.id, p.q); // the miner may still answer: that answer is a leaf of its next proof
    this.settle(p, { target: p.target, hotkey: this.hotkey, status, code: null, latencyMs: now() - p.t0, error: { code, message, context: {} }, proof: null });
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
    // awaiting proofs are in arrival order: expired ones are at the head
    let k = 0;
    while (k < this.awaitingCount && this.awaiting[this.awaitHead + k].deadline <= t) k++;
    const expired = this.awaiting.slice(this.awaitHead, this.awaitHead + k);
    this.shiftAwaiting(k);
    for (const a of expired) this.settleProof(a, 'proof_timeout');
    if (this.awaitingCount > 0) next = Math.min(next, this.awaiting[this.awaitHead].deadline);
    if (next !== Infinity) this.watch(next);
  };

  private settle(p: Pending, r: QueryResult): void {
    this.pending.delete(p.id);
    if (this.pending.size === 0 && this.awaitingCount === 0) this.stopTimer();
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    p.resolve(r);
  }

  /** A message from the miner; r: its bytes as received. */
  private onMessage(msg: Message, r: Uint8Array): void {
    if (msg.t === 'response') this.onResponse(msg, r);
    else if (msg.t === 'proof') this.onProof(msg);
    // other types from a miner are ignored
  }

  private onResponse(msg: ResponseMessage, r: Uint8Array): void {
    const session = this.session as Session;
    const p = this.pending.get(msg.id);
    // the miner proves every answer it sends, in order: keep each one for the next proof
    const at = this.frameAt;
    let q = p?.q;
    if (!p) {
      q = this.late.get(msg.id);
      if (q) this.late.delete(msg.id);
    }
    const a: AwaitingProof = { msg, q, r, deadline: at + this.opts.proofWaitMs };
    if (this.awaitingCount === 0) this.watch(a.deadline);
    this.awaiting.push(a);
    if (!p) return; // answered after we gave up (or id 0: a message we sent was unparseable)
    this.pending.delete(msg.id);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    const result: QueryResult = {
      target: p.target,
      hotkey: session.remoteHotkey,
      status: statusName(msg.status) ?? `status_${msg.status}`,
      code: msg.status,
      requestId: msg.id,
      latencyMs: at - p.t0,
      proof: null,
    };
    if (msg.body) {
      result.outputs = msg.body.tensors;
      result.meta = msg.body.meta;
    }
    if (msg.error) result.error = msg.error;
    a.result = result;
    if (p.later) {
      result.proofSettled = new Promise<void>((resolve) => (a.done = () => resolve()));
      p.resolve(result);
    } else a.done = p.resolve;
  }

  /** Completes an awaiting answer without a proof. */
  private settleProof(a: AwaitingProof, why: string): void {
    if (!a.result) return;
    a.result.proofError = why;
    a.done?.(a.result);
  }

  private onProof(msg: ProofMessage): void {
    const k = msg.ids.length;
    const head = this.awaitHead;
    let aligned = this.awaitingCount >= k;
    for (let i = 0; aligned && i < k; i++) if (this.awaiting[head + i].msg.id !== msg.ids[i]) aligned = false;
    if (!aligned) {
      // answers we stopped waiting for are gone, so this range cannot be rebuilt: the answers it
      // names that we still hold end unproven, the rest of the queue stays
      this.proofsUnverifiable++;
      const named = new Set(msg.ids);
      const keep: AwaitingProof[] = [];
      for (let i = head; i < this.awaiting.length; i++) {
        const a = this.awaiting[i];
        if (named.has(a.msg.id)) this.settleProof(a, 'proof_unverifiable');
        else keep.push(a);
      }
      this.awaiting = keep;
      this.awaitHead = 0;
      return;
    }
    const items = this.awaiting.slice(head, head + k);
    this.shiftAwaiting(k);
    if (this.pending.size === 0 && this.awaitingCount === 0) this.stopTimer();
    this.proofJobs.push({ msg, items, leaves: [], stage: 'leaves', settled: 0 });
    if (!this.proofImmediate) this.proofImmediate = setImmediate(this.proofWork);
  }

  /**
   * Proof checks in arrival order, each done in slices, one per macrotask: its leaves LEAF_SLICE at
   * a time, then the root, then the signature (≈ 0.5–1 ms, the one step that cannot be cut), then
   * the answers' proofs SETTLE_SLICE at a time. A proof covers hundreds of answers; answer frames
   * keep being handled (and requests keep leaving) in between, so checking it never stalls the
   * connection for the milliseconds the whole check takes.
   */
  private proofJobs: ProofJob[] = [];
  private proofImmediate?: NodeJS.Immediate;

  private readonly proofWork = (): void => {
    this.proofImmediate = undefined;
    const job = this.proofJobs[0];
    if (!job) return;
    if (this.advanceProof(job, LEAF_SLICE, SETTLE_SLICE)) this.proofJobs.shift();
    if (this.proofJobs.length > 0) this.proofImmediate = setImmediate(this.proofWork);
  };

  /** One slice of `job`'s check; true when it is complete. */
  private advanceProof(job: ProofJob, leafSlice: number, settleSlice: number): boolean {
    const msg = job.msg;
    const session = this.session as Session;
    switch (job.stage) {
      case 'leaves':
        this.hashLeaves(job, leafSlice);
        if (job.leaves.length === job.items.length) job.stage = 'root';
        return false;
      case 'root': {
        const tree = rootFromRange(job.leaves, msg.first, msg.count, msg.frontier);
        if (!tree || !bytesEqual(tree.root, msg.root)) job.why = 'path_mismatch';
        else job.tree = tree;
        job.stage = job.why === undefined && this.opts.verifyProofSignatures ? 'signature' : 'settle';
        return false;
      }
      case 'signature':
        this.proofSignaturesVerified++;
        if (!sigVerify(proofSigMessage(session.remotePublicKey, msg.root, msg.count, msg.ts), msg.signature, session.remotePublicKey)) job.why = 'bad_signature';
        job.stage = 'settle';
        return false;
      case 'settle': {
        const items = job.items;
        const end = Math.min(items.length, job.settled + settleSlice);
        if (job.why !== undefined || !job.tree) {
          for (let i = job.settled; i < end; i++) this.settleProof(items[i], job.why ?? 'path_mismatch');
        } else {
          const sessionHex = (this.sessionHex ??= hex(session.id));
          const shared: ProofShared = (job.shared ??= { miner: session.remoteHotkey, validator: session.localHotkey, session: sessionHex, root: hex(msg.root), count: msg.count, ts: msg.ts, signature: hex(msg.signature), tree: job.tree, hexes: new Map() });
          for (let i = job.settled; i < end; i++) {
            const a = items[i];
            if (!a.result) continue;
            a.result.proof = new RangeProof(shared, msg.first + i, a.q as Uint8Array, a.r);
            a.done?.(a.result);
          }
        }
        job.settled = end;
        return end === items.length;
      }
    }
  }

  /** Hashes up to `max` more leaves of `job` (in order). */
  private hashLeaves(job: ProofJob, max: number): void {
    const session = this.session as Session;
    const sid = session.id;
    const me = session.localPublicKey;
    const end = Math.min(job.items.length, job.leaves.length + max);
    for (let i = job.leaves.length; i < end; i++) {
      const a = job.items[i];
      job.leaves.push(leafHashV3(sid, me, a.q ?? UNKNOWN_REQUEST, a.r));
    }
  }

  /** Every proof already received is checked now (the connection is closing: nothing is left unproven). */
  private finishProofs(): void {
    if (this.proofImmediate) clearImmediate(this.proofImmediate);
    this.proofImmediate = undefined;
    const jobs = this.proofJobs;
    this.proofJobs = [];
    for (const job of jobs) while (!this.advanceProof(job, Infinity, Infinity));
  }

  private abortAll(close: number, reason: string): void {
    this.drainInbox(false);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.close(close, reason.slice(0, 120));
    else this.ws?.terminate();
    this.onClosed();
  }

  private onClosed(): void {
    this.finishProofs();
    this.late.clear();
    this.closed = true;
    this.stopTimer();
    this.out = [];
    const info = this.closeInfo ?? { code: Close.going_away, reason: 'closed' };
    for (const p of [...this.pending.values()]) {
      this.settle(p, {
        target: p.target,
        hotkey: this.hotkey,
        status: 'error',
        code: null,
        latencyMs: now() - p.t0,
        error: { code: 'connection_closed', message: `connection closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`, context: { close: info.code, reason: info.reason } },
        proof: null,
      });
    }
    const waiting = this.awaiting.slice(this.awaitHead);
    this.awaiting = [];
    this.awaitHead = 0;
    for (const a of waiting) this.settleProof(a, 'connection_closed');
  }

  /** Closes the socket (pending requests end as status "error"). Resolves when the socket is gone. */
  close(): Promise<void> {
    const ws = this.ws;
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
