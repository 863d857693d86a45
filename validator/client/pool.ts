/**
 * The validator's client pool (bittensor's dendrite): one authenticated connection per miner
 * (keyed by expected hotkey + endpoint), reconnect with exponential backoff, fan-out with
 * bounded concurrency, per-request timeouts. query() resolves to exactly one result per target,
 * in order; nothing throws, nothing hangs; close() releases every socket and timer.
 */
import { SubnetError, errorMessage } from '../../shared/errors';
import type { Keypair } from '../../shared/keys/interface';
import { nullLogger, type Logger } from '../../shared/logger';
import { MinerConnection } from './connection';
import type { QueryRequest, QueryResult, Target } from './interface';
import { defaultClientOptions, type ClientOptions, type ProofMode } from './options';

/** Per-request settings (each defaults to the pool's ClientOptions). */
export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** see ClientOptions.proofs */
  proofs?: ProofMode;
}

export interface ClientComponents {
  keypair: Keypair;
  logger?: Logger;
}

interface Slot {
  conn?: MinerConnection;
  connecting?: Promise<MinerConnection>;
  /** the connect in progress: its connection and its abort (close() ends it at once) */
  pending?: { conn: MinerConnection; ac: AbortController };
  failures: number;
  nextAttemptAt: number;
  lastError?: SubnetError;
}

export function targetKey(t: Target): string {
  return `${t.hotkey ?? '*'}@${t.endpoint}`;
}

/** targetKey per target object, rebuilt when its endpoint or hotkey changed since (callers may update a target in place) */
const keyCache = new WeakMap<Target, { endpoint: string; hotkey: string | undefined; key: string }>();

function cachedKey(t: Target): string {
  const c = keyCache.get(t);
  if (c && c.endpoint === t.endpoint && c.hotkey === t.hotkey) return c.key;
  const key = targetKey(t);
  keyCache.set(t, { endpoint: t.endpoint, hotkey: t.hotkey, key });
  return key;
}

export class ClientPool {
  readonly options: Readonly<ClientOptions>;
  private readonly keypair: Keypair;
  private readonly log: Logger;
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(components: ClientComponents, options: Partial<ClientOptions> = {}) {
    this.options = Object.freeze({ ...defaultClientOptions, ...options });
    this.keypair = components.keypair;
    this.log = components.logger ?? nullLogger;
  }

  /** open connections */
  get size(): number {
    let n = 0;
    for (const s of this.slots.values()) if (s.conn?.isOpen) n++;
    return n;
  }

  /** Queries every target; results[i] belongs to targets[i]. */
  async query(targets: readonly Target[], request: QueryRequest, opts: RequestOptions = {}): Promise<QueryResult[]> {
    const results: QueryResult[] = new Array<QueryResult>(targets.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= targets.length) return;
        results[i] = await this.request(targets[i], request, opts);
      }
    };
    const n = Math.max(1, Math.min(this.options.maxConcurrency, targets.length));
    await Promise.all(Array.from({ length: n }, worker));
    return results;
  }

  /** One request to one target (connecting if needed). Never rejects. */
  request(target: Target, request: QueryRequest, opts: RequestOptions = {}): Promise<QueryResult> {
    // fast path: an open connection (no async frame, no extra promise)
    try {
      if (!this.closed && !opts.signal?.aborted) {
        const open = this.slots.get(cachedKey(target))?.conn;
        if (open?.isOpen) return open.request(request, { timeoutMs: opts.timeoutMs ?? this.options.timeoutMs, signal: opts.signal, t0: performance.now(), proofs: opts.proofs, target });
      }
    } catch {
      // the slow path turns whatever went wrong into a result
    }
    return this.requestSlow(target, request, opts);
  }

  private async requestSlow(target: Target, request: QueryRequest, opts: RequestOptions): Promise<QueryResult> {
    const t0 = performance.now();
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const fail = (status: string, code: string, message: string, context: Record<string, unknown> = {}, hotkey?: string): QueryResult => ({
      target,
      status,
      code: null,
      latencyMs: performance.now() - t0,
      hotkey,
      error: { code, message, context },
      proof: null,
    });
    if (this.closed) return fail('error', 'pool_closed', 'the client pool is closed');
    if (opts.signal?.aborted) return fail('aborted', 'aborted', 'aborted by the caller');
    let conn: MinerConnection;
    try {
      // wait for the connection at most until this request's deadline; the connect itself is
      // bounded by connectTimeoutMs and goes on in the background when the request gives up
      conn = await this.connection(target, Math.max(1, timeoutMs - (performance.now() - t0)), opts.signal);
    } catch (err) {
      if (this.closed) return fail('error', 'pool_closed', 'the client pool is closed');
      const e = err instanceof SubnetError ? err : new SubnetError('error', errorMessage(err));
      const status = e.code === 'unreachable' || e.code === 'backoff' ? 'unreachable' : e.code === 'timeout' ? 'timeout' : e.code === 'aborted' ? 'aborted' : 'error';
      return fail(status, e.code, e.message, e.context);
    }
    try {
      const r = await conn.request(request, { timeoutMs, signal: opts.signal, t0, proofs: opts.proofs });
      r.target = target;
      return r;
    } catch (err) {
      return fail('error', 'internal', errorMessage(err));
    }
  }

  /** The target's open connection, connecting if needed; waits at most waitMs (then `timeout`). */
  private async connection(target: Target, waitMs: number, signal?: AbortSignal): Promise<MinerConnection> {
    const key = cachedKey(target);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { failures: 0, nextAttemptAt: 0 };
      this.slots.set(key, slot);
    }
    if (slot.conn?.isOpen) return slot.conn;
    if (slot.conn) slot.conn = undefined; // closed by the miner: reconnect
    if (!slot.connecting) {
      const now = Date.now();
      if (now < slot.nextAttemptAt) {
        throw new SubnetError('backoff', `not retrying yet after: ${slot.lastError?.message ?? 'connect failure'}`, {
          retryInMs: slot.nextAttemptAt - now,
          lastError: slot.lastError?.code,
        });
      }
      this.evictIfFull(key);
      const s = slot;
      const conn = new MinerConnection(target, this.keypair, this.options);
      // its own deadline (not the first caller's signal), cleared as soon as the connect settles
      const ac = new AbortController();
      const timer = setTimeout(() => {
        const e = new Error('connect timed out');
        e.name = 'TimeoutError';
        ac.abort(e);
      }, this.options.connectTimeoutMs);
      s.pending = { conn, ac };
      s.connecting = conn
        .connect(ac.signal)
        .finally(() => {
          clearTimeout(timer);
          s.pending = undefined;
        })
        .then(() => {
          s.failures = 0;
          s.conn = conn;
          s.lastError = undefined;
          if (this.closed) void conn.close();
          return conn;
        })
        .catch((err: unknown) => {
          const e = err instanceof SubnetError ? err : new SubnetError('error', errorMessage(err));
          s.failures++;
          const delay = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** (s.failures - 1)) * (0.8 + 0.4 * Math.random());
          s.nextAttemptAt = Date.now() + delay;
          s.lastError = e;
          this.log.debug('connect failed', { endpoint: target.endpoint, code: e.code, failures: s.failures, retryInMs: Math.round(delay) });
          throw e;
        })
        .finally(() => {
          s.connecting = undefined;
        });
    }
    return raceDeadline(slot.connecting as Promise<MinerConnection>, waitMs, signal);
  }

  private evictIfFull(keep: string): void {
    let open = 0;
    let lru: [string, Slot] | undefined;
    for (const e of this.slots) {
      if (e[1].connecting) open++;
      else if (e[1].conn?.isOpen) {
        open++;
        if (e[1].conn.idle && (!lru || e[1].conn.lastUsed < (lru[1].conn as MinerConnection).lastUsed)) lru = e;
      } else if (e[0] !== keep && e[1].failures === 0) this.slots.delete(e[0]);
    }
    if (open >= this.options.maxConnections && lru) {
      void lru[1].conn?.close();
      this.slots.delete(lru[0]);
    }
  }

  /** Closes every connection; later queries return status "error" (pool_closed). */
  async close(): Promise<void> {
    this.closed = true;
    const waits: Promise<unknown>[] = [];
    for (const s of this.slots.values()) {
      if (s.conn) waits.push(s.conn.close());
      const pending = s.pending;
      if (pending) {
        // end the connect now (not after connectTimeoutMs) and wait for its socket to be gone
        pending.ac.abort(new SubnetError('aborted', 'the client pool is closed'));
        waits.push((s.connecting as Promise<MinerConnection>).catch(() => undefined).then(() => pending.conn.close()));
      }
    }
    this.slots.clear();
    await Promise.all(waits);
  }
}

/**
 * Settles with p, or rejects with `timeout` after waitMs or `aborted` on the signal, whichever
 * comes first; p itself goes on (the connect continues in the background). One timer, cleared.
 */
function raceDeadline<T>(p: Promise<T>, waitMs: number, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(new SubnetError('aborted', 'aborted by the caller'));
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => {
      if (finish()) reject(new SubnetError('aborted', 'aborted by the caller'));
    };
    const timer = setTimeout(() => {
      if (finish()) reject(new SubnetError('timeout', `still connecting after ${Math.round(waitMs)} ms (the connect goes on in the background)`, { connecting: true }));
    }, Math.max(1, Math.ceil(waitMs)));
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        if (finish()) resolve(v);
      },
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}
