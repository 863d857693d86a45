/**
 * Adapts the wire client pool (validator/client, bittensor's dendrite) to the validator's
 * QueryPool boundary: endpoints from axons, statuses folded to ok/timeout/error/invalid, the
 * miner's signed proof serialised for the log. One result per target, in order, always.
 */
import type { QueryRequest as WireRequest, QueryResult as WireResult, Target } from './client/interface';
import type { QueryPool, QueryRequest, QueryResult, QueryTarget } from './interface';

export interface WirePool {
  query(targets: readonly Target[], request: WireRequest, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<WireResult[]>;
}

export interface PoolAdapterOptions {
  /** an answer without a valid signed proof is `invalid` (scored 0) instead of scored */
  requireProof: boolean;
}

export const defaultPoolAdapterOptions: PoolAdapterOptions = { requireProof: false };

/** The endpoint of an axon (IPv6 in brackets). */
export function endpointOf(host: string, port: number): string {
  return host.includes(':') ? `ws://[${host}]:${port}` : `ws://${host}:${port}`;
}

export function mapWireResult(r: WireResult, opts: PoolAdapterOptions): QueryResult {
  const proof = r.proof ? new TextEncoder().encode(JSON.stringify(r.proof)) : undefined;
  const base = { latencyMs: r.latencyMs, proof };
  if (r.status === 'ok' && r.outputs) {
    if (opts.requireProof && !r.proof) {
      return { ...base, status: 'invalid', error: { code: 'no_proof', message: r.proofError ?? 'the answer carries no valid signed proof' } };
    }
    const out: QueryResult = { ...base, status: 'ok', outputs: r.outputs };
    if (!r.proof && r.proofError) out.error = { code: 'no_proof', message: r.proofError };
    return out;
  }
  if (r.status === 'timeout' || r.status === 'aborted') {
    return { ...base, status: 'timeout', error: { code: r.status, message: r.error?.message ?? 'no answer before the deadline' } };
  }
  if (r.status === 'ok') return { ...base, status: 'invalid', error: { code: 'no_outputs', message: 'an ok answer without outputs' } };
  return { ...base, status: 'error', error: { code: r.error?.code ?? r.status, message: r.error?.message ?? r.status } };
}

export class ClientPoolAdapter implements QueryPool {
  private readonly pool: WirePool;
  private readonly opts: PoolAdapterOptions;
  constructor(pool: WirePool, opts: Partial<PoolAdapterOptions> = {}) {
    this.pool = pool;
    this.opts = { ...defaultPoolAdapterOptions, ...opts };
  }
  async query(targets: readonly QueryTarget[], request: QueryRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<QueryResult[]> {
    const wt: Target[] = targets.map((t) => ({ endpoint: endpointOf(t.host, t.port), hotkey: t.hotkey, uid: t.uid }));
    const res = await this.pool.query(wt, { synapse: request.synapse, tensors: request.tensors, meta: request.meta }, { timeoutMs: opts.timeoutMs, signal: opts.signal });
    return res.map((r) => mapWireResult(r, this.opts));
  }
}
