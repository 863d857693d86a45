/**
 * Settings of the Substrate chain client, with defaults. The CLI takes its defaults from here.
 */
export interface ChainClientOptions {
  /** ws:// or wss:// endpoint of the node / local chain / chopsticks */
  endpoint: string;
  /** start() gives up with CHAIN_UNREACHABLE after this long (connect + metadata) */
  connectTimeoutMs: number;
  /** a read or write issued while disconnected waits this long for the reconnect (then CHAIN_UNREACHABLE / next attempt) */
  disconnectedWaitMs: number;
  /** one JSON-RPC request times out after this long (WsProvider's per-request timeout) */
  requestTimeoutMs: number;
  /** a write that has not reached `finality` after this long ends as failed('timeout') */
  submitTimeoutMs: number;
  /** when a write counts as done: 'finalized' (default; see docs: chopsticks trap) or 'inBlock' */
  finality: 'inBlock' | 'finalized';
  /** transport retries per write (attempts = retries + 1) */
  retries: number;
  /** exponential backoff with full jitter: base, cap (ms) — used for write retries and reconnects */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** after the first connection, keep reconnecting forever (true) with backoff; stop() ends it */
  reconnect: boolean;
  /** mortal era length (blocks) of signed extrinsics; 0 = immortal */
  eraPeriod: number;
  /** how many blocks back to look for an extrinsic whose watch was cut by a dropped socket */
  lookbackBlocks: number;
}

export const defaultChainClientOptions: ChainClientOptions = {
  endpoint: 'ws://127.0.0.1:9944',
  connectTimeoutMs: 10_000,
  disconnectedWaitMs: 10_000,
  requestTimeoutMs: 30_000,
  submitTimeoutMs: 60_000,
  finality: 'finalized',
  retries: 3,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  reconnect: true,
  eraPeriod: 64,
  lookbackBlocks: 64,
};

/** Full jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)]. `rand` is injectable for tests. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rand: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(Math.max(baseMs / 2, cap * rand()));
}
