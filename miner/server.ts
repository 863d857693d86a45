/**
 * The axon: a WebSocket server speaking shared/protocol. Per connection: handshake first
 * (nothing else is processed before a verified handshake), then authenticated frames only.
 * Policy (blacklist, priority, rate limit) runs after verification, on the VERIFIED hotkey.
 * Work is admitted into a bounded priority queue in front of `concurrency` workers; requests
 * carry deadlines; responses are sealed, sent, and their digests batched into signed proofs.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { SubnetError, errorMessage } from '../shared/errors';
import type { Keypair } from '../shared/keys/interface';
import { nullLogger, type Logger } from '../shared/logger';
import type { ModelRunner } from '../shared/model/interface';
import { Close, closeName, Status, statusName, type CloseCode, type StatusName } from '../shared/protocol/codes';
import { decodeBatch, decodeMessage, defaultCodecLimits, encodeBatch, type CodecLimits } from '../shared/protocol/codec';
import { BadMessageError, ProtocolError } from '../shared/protocol/errors';
import { ServerHandshake } from '../shared/protocol/handshake';
import { leafHashV3 } from '../shared/protocol/proof';
import { FRAME_KIND, PROTOCOL_VERSION, type Session } from '../shared/protocol/session';
import { sendCorked } from '../shared/protocol/cork';
import { traceWire } from '../shared/trace';
import type { Body, Message, Meta, ProofMessage, RequestMessage, ResponseMessage, WireError } from '../shared/protocol/types';
import { nullMinerMetrics, type ForwardBatchFn, type ForwardRequest, type ForwardResult, type Handler, type MinerMetrics, type Policy } from './interface';
import { defaultAxonOptions, type AxonOptions } from './options';
import { BoundedPriorityQueue, RateLimiter } from './policy';
import { ProofBatcher } from './proofBatcher';
import { MODEL_INPUT_ERROR_CODES } from '../shared/model/interface';

export interface AxonComponents {
  keypair: Keypair;
  handler: Handler;
  policy: Policy;
  runner?: ModelRunner;
  metrics?: MinerMetrics;
  logger?: Logger;
}

interface Job {
  conn: Conn;
  req: RequestMessage;
  /** the request message's bytes as received (proof format v3 hashes them into the answer's leaf) */
  q: Uint8Array;
  priority: number;
  received: number;
  deadline: number;
  /** created only when the handler reads ctx.signal */
  ac?: AbortController;
  /** handed to the handler (not waiting in the queue) */
  started?: boolean;
  /** performance.now() when it was handed to the handler */
  t0: number;
  done: boolean;
}

/**
 * An answer's leaf-to-be: made when the answer is, completed with the answer's own bytes (r) when
 * its frame is encoded, then queued for hashing (one object per answer from start to hash).
 */
interface PendingLeaf {
  conn: Conn;
  id: number;
  /** the request's bytes as received */
  q: Uint8Array;
  /** the response's bytes as sent (set when its frame is encoded) */
  r?: Uint8Array;
  /** the client waits for this answer's proof */
  wait: boolean;
}

class Conn {
  session?: Session;
  hotkey?: string;
  helloSeen = false;
  lastActivity: number;
  closingAt?: number;
  /** the client sent a batch frame: answers leave in batch frames too */
  batchOk = false;
  /** messages waiting for the end of the turn (batchOk only) and their approximate size */
  out: Message[] = [];
  /** for each answer in `out`: its request's bytes and whether the client waits for its proof */
  outLeaf: (PendingLeaf | undefined)[] = [];
  outBytes = 0;
  readonly pending = new Map<number, Job>();
  readonly hs: ServerHandshake;
  constructor(
    readonly ws: WebSocket,
    readonly n: number,
    readonly remote: string,
    readonly openedAt: number,
    hs: ServerHandshake,
    private readonly onProof: (c: Conn, m: ProofMessage) => void,
  ) {
    this.lastActivity = openedAt;
    this.hs = hs;
  }
  sendProof(m: ProofMessage): void {
    this.onProof(this, m);
  }
}

/** What a handler gets besides the request (a class: its getter lives on the prototype, cheap per job). */
class JobContext {
  readonly #job: Job;
  readonly hotkey: string;
  readonly deadline: number;
  constructor(
    job: Job,
    readonly runner: ModelRunner | undefined,
    readonly log: Logger,
  ) {
    this.#job = job;
    this.hotkey = job.conn.hotkey as string;
    this.deadline = job.deadline;
  }
  /** one AbortController per job, and only if the handler looks at the signal */
  get signal(): AbortSignal {
    const job = this.#job;
    if (!job.ac) {
      job.ac = new AbortController();
      if (job.done) job.ac.abort(new SubnetError('deadline_expired', 'deadline passed'));
    }
    return job.ac.signal;
  }
}

/** A request as the handler sees it. */
function forwardRequest(req: RequestMessage): ForwardRequest {
  return { id: req.id, synapse: req.synapse, tensors: req.body.tensors, meta: req.body.meta };
}

/** Model input errors (shared/model codes) answered as 422 invalid_input. */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set(MODEL_INPUT_ERROR_CODES);

/** a batch frame is cut at this many (approximate) plaintext bytes */
const MAX_FRAME_BYTES = 1 << 20;

function approxSize(m: Message): number {
  let n = 64;
  const body = m.t === 'response' || m.t === 'request' ? m.body : undefined;
  if (body) for (const k in body.tensors) n += body.tensors[k].data.length + 32;
  else if (m.t === 'proof') n += 100 + m.ids.length * 9 + m.frontier.length * 34;
  return n;
}

/** JSON-safe copy (bigint → string, drops functions/undefined); what gets sent and hashed. */
function jsonSafe(x: unknown): Record<string, unknown> {
  if (x === undefined || x === null) return {};
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    let empty = true;
    for (const _k in x) {
      empty = false;
      break;
    }
    if (empty) return {};
  }
  try {
    const s = JSON.stringify(x ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v));
    const o = JSON.parse(s ?? '{}') as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function errorToResponse(err: unknown): { status: StatusName; error: WireError } {
  if (err instanceof SubnetError) {
    const error = { code: err.code, message: err.message, context: jsonSafe(err.context) };
    if (INPUT_ERROR_CODES.has(err.code)) return { status: 'invalid_input', error };
    if (err.code === 'unknown_synapse') return { status: 'unknown_synapse', error };
    if (err.code === 'invalid_input' || err.code.startsWith('input.')) return { status: 'invalid_input', error };
    return { status: 'internal', error };
  }
  return { status: 'internal', error: { code: 'internal', message: 'the handler failed', context: {} } };
}

export class AxonServer {
  readonly options: Readonly<AxonOptions>;
  private readonly c: Required<Omit<AxonComponents, 'runner'>> & { runner?: ModelRunner };
  private readonly log: Logger;
  private readonly limits: CodecLimits;
  private http?: HttpServer;
  private wss?: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly queue: BoundedPriorityQueue<Job>;
  private readonly rate: RateLimiter;
  private readonly batcher: ProofBatcher;
  private sweepTimer?: NodeJS.Timeout;
  private running = 0;
  private draining = false;
  private connCounter = 0;
  /** connections we already sent a close frame to (they no longer count against maxConnections) */
  private closingCount = 0;
  private idleWaiters: (() => void)[] = [];
  /** jobs started this turn, for the handler's forwardBatch at the end of it */
  private batchJobs: Job[] = [];
  private batchScheduled = false;
  /** connections with messages in their outbox, written at the end of the turn */
  private outConns: Conn[] = [];
  private outScheduled = false;
  /** answers sent whose proof leaves are not hashed yet, in send order */
  /** answers sent whose leaves are not hashed yet, in send order: request bytes q, response bytes r */
  private leafQueue: PendingLeaf[] = [];
  private leafImmediate?: NodeJS.Immediate;
  /** jobs handed to the handler and not finished, with one timer for their deadlines */
  private readonly runningJobs = new Set<Job>();
  private deadlineTimer?: NodeJS.Timeout;
  private deadlineAt?: number;
  /** counters for tests and logs */
  readonly stats = { connections: 0, handshakes: 0, requests: 0, responses: 0, closes: {} as Record<string, number> };

  constructor(components: AxonComponents, options: Partial<AxonOptions> = {}) {
    this.options = Object.freeze({ ...defaultAxonOptions, ...options });
    this.c = { metrics: nullMinerMetrics, logger: nullLogger, ...components };
    this.log = this.c.logger;
    this.limits = { ...defaultCodecLimits, maxTimeoutMs: this.options.maxTimeoutMs };
    this.queue = new BoundedPriorityQueue<Job>(this.options.maxQueue);
    this.rate = new RateLimiter(this.options.rateLimitPerSec, this.options.rateLimitBurst, this.options.maxTrackedHotkeys);
    this.batcher = new ProofBatcher(this.c.keypair, { flushMs: this.options.proofFlushMs, laterFlushMs: Math.max(this.options.proofFlushLaterMs, this.options.proofFlushMs), batchMax: this.options.proofBatchMax, idleMs: this.options.proofIdleMs });
  }

  get port(): number {
    const a = this.http?.address() as AddressInfo | null | undefined;
    return a?.port ?? 0;
  }

  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `ws://${host}:${this.port}`;
  }

  get hotkey(): string {
    return this.c.keypair.address;
  }

  get load(): { connections: number; queued: number; running: number; proofSignatures: number } {
    return { connections: this.conns.size, queued: this.queue.size, running: this.running, proofSignatures: this.batcher.signatures };
  }

  async start(): Promise<void> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('websocket only\n');
    });
    const wss = new WebSocketServer({ server: http, maxPayload: this.options.maxPayload, perMessageDeflate: false, clientTracking: false });
    wss.on('connection', (ws, req) => this.onConnection(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`));
    wss.on('error', (err) => this.log.warn('websocket server error', { err: errorMessage(err) }));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port, this.options.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    http.on('error', (err) => this.log.error('http server error', { err: errorMessage(err) }));
    this.http = http;
    this.wss = wss;
    const every = Math.max(50, Math.min(500, Math.floor(this.options.handshakeTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  /** Stops accepting, drains in-flight requests (up to drainTimeoutMs), flushes proofs, closes. */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.draining && !this.http) return;
    this.draining = true;
    const http = this.http;
    const closed = http ? new Promise<void>((r) => http.close(() => r())) : Promise.resolve();
    const drainMs = opts.drainMs ?? this.options.drainTimeoutMs;
    if (this.running > 0 || this.queue.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, drainMs);
        this.idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const job of this.queue.drain()) this.respond(job, 'shutting_down', undefined, { code: 'shutting_down', message: 'the miner is shutting down', context: {} });
    // answers still waiting for the end of the turn are written now: their leaves exist only once
    // their bytes do, and the last proof must cover them
    this.flushOut();
    this.addLeaves();
    this.batcher.stop();
    const waits: Promise<void>[] = [];
    for (const conn of this.conns) {
      waits.push(new Promise<void>((r) => (conn.ws.readyState === WebSocket.CLOSED ? r() : conn.ws.once('close', () => r()))));
      this.closeConn(conn, Close.going_away, 'shutting down');
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, this.options.closeGraceMs).unref())]);
    for (const conn of this.conns) conn.ws.terminate();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineAt = undefined;
    this.wss?.close();
    http?.closeAllConnections?.();
    await closed;
    this.http = undefined;
    this.wss = undefined;
  }

  private onConnection(ws: WebSocket, remote: string): void {
    const now = Date.now();
    const conn = new Conn(ws, ++this.connCounter, remote, now, new ServerHandshake(this.c.keypair, { skewMs: this.options.handshakeSkewMs }), (c, m) =>
      this.sendProof(c, m),
    );
    this.stats.connections++;
    ws.on('error', (err) => {
      // ws closes the socket itself (e.g. 1009 for maxPayload); just record it
      this.log.debug('connection error', { conn: conn.n, err: errorMessage(err), code: (err as { code?: string }).code });
    });
    ws.on('close', (code) => this.onClose(conn, code));
    if (this.draining) {
      this.conns.add(conn);
      this.closeConn(conn, Close.going_away, 'shutting down');
      return;
    }
    if (this.conns.size - this.closingCount >= this.options.maxConnections) {
      this.conns.add(conn);
      this.closeConn(conn, Close.too_many_connections, 'too many connections');
      return;
    }
    this.conns.add(conn);
    this.c.metrics.connections(this.conns.size);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(conn, data, isBinary));
  }

  private onClose(conn: Conn, code: number): void {
    this.conns.delete(conn);
    if (conn.closingAt !== undefined) this.closingCount--;
    const name = closeName(code) ?? String(code);
    this.stats.closes[name] = (this.stats.closes[name] ?? 0) + 1;
    this.c.metrics.connections(this.conns.size);
    if (conn.pending.size > 0) {
      this.queue.removeWhere((j) => j.conn === conn);
      for (const job of conn.pending.values()) {
        job.done = true;
        this.runningJobs.delete(job);
        job.ac?.abort(new SubnetError('connection_closed', 'connection closed'));
      }
      conn.pending.clear();
      this.c.metrics.queueDepth(this.queue.size);
      this.checkIdle();
    }
  }

  private closeConn(conn: Conn, code: CloseCode, reason: string): void {
    if (conn.closingAt !== undefined) return;
    this.writeOut(conn); // answers and proofs of this turn go before the close frame
    conn.closingAt = Date.now();
    this.closingCount++;
    try {
      conn.ws.close(code, reason.slice(0, 120));
    } catch {
      conn.ws.terminate();
    }
  }

  private sweep(): void {
    const now = Date.now();
    const o = this.options;
    for (const conn of this.conns) {
      if (conn.closingAt !== undefined) {
        if (now - conn.closingAt > o.closeGraceMs) conn.ws.terminate();
      } else if (!conn.session) {
        if (now - conn.openedAt > o.handshakeTimeoutMs) {
          this.c.metrics.handshake('handshake_timeout');
          this.closeConn(conn, Close.handshake_timeout, 'handshake timeout');
        }
      } else if (conn.pending.size === 0 && now - conn.lastActivity > o.idleTimeoutMs) {
        this.closeConn(conn, Close.idle_timeout, 'idle');
      }
    }
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    if (conn.closingAt !== undefined) return;
    conn.lastActivity = Date.now();
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    try {
      if (!isBinary) throw new ProtocolError(Close.protocol_error, 'text frames are not part of the protocol');
      if (buf.length >= 1 && buf[0] !== PROTOCOL_VERSION) throw new ProtocolError(Close.unsupported_version, 'unsupported protocol version', { version: buf[0] });
      if (!conn.session) {
        this.onHandshakeFrame(conn, buf);
        return;
      }
      const pt = conn.session.open(buf);
      traceWire('miner', 'recv', 0, buf.length);
      this.onPlaintext(conn, pt, conn.session.lastKind);
    } catch (err) {
      if (err instanceof ProtocolError) {
        if (!conn.session) this.c.metrics.handshake(closeName(err.close) ?? 'error');
        this.log.debug('protocol violation', { conn: conn.n, remote: conn.remote, hotkey: conn.hotkey, code: err.code });
        this.closeConn(conn, err.close, err.message);
      } else {
        this.log.error('unexpected error handling a frame', { conn: conn.n, err: errorMessage(err) });
        this.closeConn(conn, Close.protocol_error, 'internal error');
      }
    }
  }

  private onHandshakeFrame(conn: Conn, buf: Buffer): void {
    if (!conn.helloSeen) {
      conn.helloSeen = true;
      conn.ws.send(conn.hs.onClientHello(buf));
      return;
    }
    const session = conn.hs.onClientAuth(buf);
    // identity is now VERIFIED; only now does policy run, on that hotkey
    const decision = this.c.policy.check(session.remoteHotkey);
    conn.hotkey = session.remoteHotkey;
    this.stats.handshakes++;
    if (!decision.allow) {
      this.c.metrics.handshake('blacklisted');
      this.log.info('blacklisted caller', { hotkey: session.remoteHotkey, code: decision.code });
      this.closeConn(conn, Close.blacklisted, decision.code);
      return;
    }
    conn.session = session;
    this.c.metrics.handshake('ok');
    this.log.debug('connection authenticated', { conn: conn.n, hotkey: session.remoteHotkey });
    const h = this.c.handler;
    const runner = this.c.runner;
    this.send(conn, {
      t: 'welcome',
      version: PROTOCOL_VERSION,
      synapses: h.synapses ?? [],
      inputs: [...(h.inputs ?? runner?.inputs ?? [])],
      outputs: [...(h.outputs ?? runner?.outputs ?? [])],
      limits: { maxPayload: this.options.maxPayload, maxInFlightPerConnection: this.options.maxInFlightPerConnection, maxTimeoutMs: this.options.maxTimeoutMs },
      meta: { hotkey: this.c.keypair.address },
      batchFrames: true,
    });
  }

  /** Sends a message (an answer with its leaf-to-be: the leaf is queued once its bytes exist). */
  private send(conn: Conn, msg: Message, leaf?: PendingLeaf): boolean {
    if (!conn.session || conn.ws.readyState !== WebSocket.OPEN || conn.closingAt !== undefined) return false;
    if (!conn.batchOk) {
      const slices: Uint8Array[] = [];
      const pt = encodeBatch([msg], slices);
      sendCorked(conn.ws, conn.session.seal(pt));
      if (leaf) this.queueLeaf(leaf, slices[0]);
      return true;
    }
    // batch-capable client: every message of this turn leaves in one batch frame (one AEAD, one ws frame)
    if (conn.out.length === 0) {
      this.outConns.push(conn);
      if (!this.outScheduled) {
        // written once this turn's microtasks are done (after a model run: its answers leave
        // before the next run starts, so the client works on them while the miner computes)
        this.outScheduled = true;
        process.nextTick(this.flushOut);
      }
    }
    conn.out.push(msg);
    conn.outLeaf.push(leaf);
    conn.outBytes += approxSize(msg);
    if (conn.out.length >= this.options.frameMessages || conn.outBytes >= MAX_FRAME_BYTES) this.writeOut(conn);
    return true;
  }

  private readonly flushOut = (): void => {
    this.outScheduled = false;
    const conns = this.outConns;
    this.outConns = [];
    for (const conn of conns) this.writeOut(conn);
    if (this.idleAfterFlush) {
      this.idleAfterFlush = false;
      if (this.running === 0 && this.queue.size === 0) this.leavesThenIdle();
    }
  };

  /** checkIdle found the miner idle while answers waited for the end of the turn */
  private idleAfterFlush = false;

  /** Idle: hashes the leaves of answers sent, then lets the batcher sign if a client waits. */
  private leavesThenIdle(): void {
    if (this.leafQueue.length > 0) this.addLeaves();
    else this.batcher.idle();
  }

  private writeOut(conn: Conn): void {
    const msgs = conn.out;
    if (msgs.length === 0) return;
    const leaves = conn.outLeaf;
    conn.out = [];
    conn.outLeaf = [];
    conn.outBytes = 0;
    if (!conn.session || conn.ws.readyState !== WebSocket.OPEN) return;
    try {
      // each message's own bytes inside the plaintext: an answer's leaf hashes them (format v3)
      const slices: Uint8Array[] = [];
      const pt = encodeBatch(msgs, slices);
      const frame = conn.session.seal(pt, msgs.length === 1 ? FRAME_KIND.data : FRAME_KIND.batch);
      traceWire('miner', 'send', msgs.length, frame.length);
      conn.ws.send(frame, { binary: true });
      for (let i = 0; i < msgs.length; i++) {
        const leaf = leaves[i];
        if (leaf) this.queueLeaf(leaf, slices[i]);
      }
    } catch (err) {
      this.log.error('cannot send', { conn: conn.n, err: errorMessage(err) });
      this.closeConn(conn, Close.protocol_error, 'internal error');
    }
  }

  private sendProof(conn: Conn, m: ProofMessage): void {
    this.send(conn, m);
  }

  private onPlaintext(conn: Conn, pt: Buffer, kind: number): void {
    if (kind === FRAME_KIND.batch) {
      conn.batchOk = true;
      let entries;
      // each entry's own bytes: the answer's leaf hashes them (proof format v3)
      const slices: Uint8Array[] = [];
      try {
        entries = decodeBatch(pt, this.limits, slices);
      } catch (err) {
        if (err instanceof BadMessageError) return this.badMessage(conn, err, pt);
        throw err;
      }
      for (let i = 0; i < entries.length; i++) {
        if (conn.closingAt !== undefined) return;
        const e = entries[i];
        if (e instanceof BadMessageError) this.badMessage(conn, e, slices[i]);
        else this.onDecoded(conn, e, slices[i]);
      }
      return;
    }
    let msg;
    try {
      msg = decodeMessage(pt, this.limits);
    } catch (err) {
      if (err instanceof BadMessageError) return this.badMessage(conn, err, pt);
      throw err;
    }
    this.onDecoded(conn, msg, pt);
  }

  /** A message that did not decode (q: its bytes, or the whole frame's when the frame did not) is answered 400. */
  private badMessage(conn: Conn, err: BadMessageError, q: Uint8Array): void {
    const id = typeof err.context.id === 'number' ? err.context.id : 0;
    this.respondRaw(conn, id, q, 'bad_request', undefined, { code: err.code, message: err.message, context: jsonSafe(err.context) }, Date.now());
  }

  private onDecoded(conn: Conn, msg: Message, q: Uint8Array): void {
    switch (msg.t) {
      case 'request':
        this.onRequest(conn, msg, q);
        return;
      case 'cancel': {
        const job = conn.pending.get(msg.id);
        if (!job) return;
        job.done = true;
        conn.pending.delete(msg.id);
        if (job.started) {
          this.runningJobs.delete(job);
          job.ac?.abort(new SubnetError('cancelled', 'cancelled by the client'));
        } else this.queue.removeWhere((j) => j === job);
        this.c.metrics.queueDepth(this.queue.size);
        this.checkIdle();
        return;
      }
      default:
        this.respondRaw(conn, 0, q, 'bad_request', undefined, { code: 'protocol.unexpected_message', message: `a client does not send ${msg.t} messages`, context: {} }, Date.now());
    }
  }

  private onRequest(conn: Conn, req: RequestMessage, q: Uint8Array): void {
    const now = Date.now();
    this.stats.requests++;
    const job: Job = { conn, req, q, priority: 0, received: now, deadline: now + Math.min(req.timeoutMs, this.options.maxTimeoutMs), t0: 0, done: false };
    const hotkey = conn.hotkey as string;
    const reject = (status: StatusName, code: string, message: string, context: Record<string, unknown> = {}) => {
      this.respondRaw(conn, req.id, q, status, undefined, { code, message, context }, now, req.proofWait);
      this.checkIdle();
    };
    if (this.draining) return reject('shutting_down', 'shutting_down', 'the miner is shutting down');
    if (conn.pending.has(req.id)) return reject('bad_request', 'duplicate_id', 'a request with this id is already in flight');
    if (conn.pending.size >= this.options.maxInFlightPerConnection) {
      return reject('overloaded', 'too_many_in_flight', 'too many requests in flight on this connection', { limit: this.options.maxInFlightPerConnection });
    }
    const decision = this.c.policy.check(hotkey);
    if (!decision.allow) return reject('blacklisted', decision.code, decision.reason);
    if (!this.rate.allow(hotkey, now)) return reject('rate_limited', 'rate_limited', 'rate limit exceeded', { perSec: this.options.rateLimitPerSec, burst: this.options.rateLimitBurst });
    const syn = this.c.handler.synapses;
    if (syn && !syn.includes(req.synapse)) return reject('unknown_synapse', 'unknown_synapse', `no handler for synapse ${req.synapse}`, { synapse: req.synapse, known: syn });
    job.priority = decision.priority;
    conn.pending.set(req.id, job);
    if (this.running < this.options.concurrency) {
      this.startJob(job);
      return;
    }
    const r = this.queue.push(job, job.priority);
    if (!r.accepted) {
      conn.pending.delete(req.id);
      return reject('overloaded', 'queue_full', 'the miner is busy', { queue: this.options.maxQueue });
    }
    if (r.evicted) {
      const ev = r.evicted;
      ev.conn.pending.delete(ev.req.id);
      this.respond(ev, 'overloaded', undefined, { code: 'evicted', message: 'dropped for a higher-priority request', context: {} });
    }
    this.c.metrics.queueDepth(this.queue.size);
  }

  private startJob(job: Job): void {
    const now = Date.now();
    if (now >= job.deadline) {
      job.conn.pending.delete(job.req.id);
      this.respond(job, 'timeout', undefined, { code: 'deadline_expired', message: 'the deadline passed before work started', context: { waitedMs: now - job.received } });
      return;
    }
    this.running++;
    job.started = true;
    this.runningJobs.add(job);
    if (this.deadlineAt === undefined || job.deadline < this.deadlineAt) this.armDeadline(job.deadline, now);
    job.t0 = performance.now();
    if (this.c.handler.forwardBatch) {
      // handed over with every other request started in this turn (one batch frame's)
      this.batchJobs.push(job);
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        process.nextTick(this.forwardBatch);
      }
      return;
    }
    const req = job.req;
    const ctx = new JobContext(job, this.c.runner, this.log);
    let work: Promise<ForwardResult>;
    try {
      work = Promise.resolve(this.c.handler.forward(forwardRequest(req), ctx));
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      (res) => this.finishJob(job, res, undefined, false),
      (err: unknown) => this.finishJob(job, undefined, err, true),
    );
  }

  /** The jobs started this turn, in one call of the handler's forwardBatch. */
  private readonly forwardBatch = (): void => {
    this.batchScheduled = false;
    const jobs = this.batchJobs;
    this.batchJobs = [];
    const live: Job[] = [];
    for (const job of jobs) {
      if (job.done) this.jobEnded(job); // cancelled, closed or expired before its turn came
      else live.push(job);
    }
    if (live.length === 0) return;
    const reqs: ForwardRequest[] = new Array<ForwardRequest>(live.length);
    for (let i = 0; i < live.length; i++) reqs[i] = forwardRequest(live[i].req);
    const reported = new Uint8Array(live.length);
    const done = (i: number, res?: ForwardResult, err?: unknown): void => {
      if (!(i >= 0 && i < live.length) || reported[i]) return; // a handler bug must not end a job twice
      reported[i] = 1;
      this.finishJob(live[i], res, err, err !== undefined);
    };
    try {
      (this.c.handler.forwardBatch as ForwardBatchFn)(reqs, done, (i) => new JobContext(live[i], this.c.runner, this.log));
    } catch (err) {
      for (let i = 0; i < live.length; i++) done(i, undefined, err);
    }
  };

  /** A job's handler finished (with `res`, or failed with `err`): answer it unless it was answered already. */
  private finishJob(job: Job, res: ForwardResult | undefined, err: unknown, failed: boolean): void {
    try {
      if (!failed) this.c.metrics.modelSeconds((performance.now() - job.t0) / 1000);
      if (job.done) return;
      const req = job.req;
      job.conn.pending.delete(req.id);
      if (!failed) {
        const meta = res?.meta;
        const body: Body = { tensors: res?.tensors ?? {}, meta: meta === undefined ? {} : (jsonSafe(meta) as Meta) };
        this.respond(job, 'ok', body, undefined);
      } else {
        const { status, error } = errorToResponse(err);
        if (status === 'internal') this.log.warn('handler failed', { id: req.id, synapse: req.synapse, err: errorMessage(err) });
        this.respond(job, status, undefined, error);
      }
    } finally {
      this.jobEnded(job);
    }
  }

  private jobEnded(job: Job): void {
    this.runningJobs.delete(job);
    if (this.runningJobs.size === 0 && this.deadlineTimer) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
      this.deadlineAt = undefined;
    }
    this.running--;
    this.pump();
  }

  /** One timer for every running job's deadline: armed at the earliest one. */
  private armDeadline(at: number, now: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(0, at - now));
  }

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.deadlineAt = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const job of this.runningJobs) {
      if (job.deadline <= now) {
        this.runningJobs.delete(job);
        if (job.done) continue;
        job.conn.pending.delete(job.req.id);
        this.respond(job, 'timeout', undefined, { code: 'deadline_expired', message: 'the deadline passed while working', context: {} });
        job.ac?.abort(new SubnetError('deadline_expired', 'deadline passed'));
      } else if (job.deadline < next) next = job.deadline;
    }
    if (next !== Infinity) this.armDeadline(next, now);
  };

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.size > 0) {
      const job = this.queue.pop() as Job;
      if (job.done || job.conn.closingAt !== undefined) continue;
      this.startJob(job);
    }
    this.c.metrics.queueDepth(this.queue.size);
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.running === 0 && this.queue.size === 0) {
      // nothing running or queued: sign now if a client waits for a pending proof. Answers just
      // sent whose leaves are not hashed yet are hashed first (addLeaves then calls idle()), so
      // one signature covers them too instead of a second one a moment later; answers still
      // waiting for the end of the turn are written first (flushOut then does this)
      if (this.outConns.length > 0) this.idleAfterFlush = true;
      else this.leavesThenIdle();
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private respond(job: Job, status: StatusName, body: Body | undefined, error: WireError | undefined): void {
    if (job.done) return;
    job.done = true;
    this.respondRaw(job.conn, job.req.id, job.q, status, body, error, job.received, job.req.proofWait);
  }

  /** Answers the request whose bytes were q. */
  private respondRaw(conn: Conn, id: number, q: Uint8Array, status: StatusName, body: Body | undefined, error: WireError | undefined, received: number, proofWait = false): void {
    const msg: ResponseMessage = { t: 'response', id, status: Status[status] };
    if (body) msg.body = body;
    if (error) msg.error = error;
    this.c.metrics.request(status, (Date.now() - received) / 1000);
    if (this.send(conn, msg, { conn, id, q, wait: proofWait })) this.stats.responses++;
  }

  /**
   * An answer left (r: its bytes in the frame it left in). Its leaf is hashed after this turn's
   * frames are written (they leave at the end of the turn's microtasks, this runs in the check
   * phase): hashing is off the round trip's path; send order is kept (the client relies on it).
   */
  private queueLeaf(leaf: PendingLeaf, r: Uint8Array): void {
    leaf.r = r;
    this.leafQueue.push(leaf);
    if (!this.leafImmediate) this.leafImmediate = setImmediate(this.addLeaves);
  }

  private readonly addLeaves = (): void => {
    if (this.leafImmediate) clearImmediate(this.leafImmediate);
    this.leafImmediate = undefined;
    const q = this.leafQueue;
    if (q.length === 0) return;
    this.leafQueue = [];
    for (const a of q) {
      const session = a.conn.session as Session;
      this.batcher.add(a.conn, a.id, leafHashV3(session.id, session.remotePublicKey, a.q, a.r as Uint8Array), a.wait);
    }
    if (this.running === 0 && this.queue.size === 0) this.batcher.idle();
  };
}

export { statusName };
