export type ProofMode = 'wait' | 'later';

/** Client pool settings with safe defaults (the CLI takes its defaults from here). */
export interface ClientOptions {
  /** default per-request timeout (answer; also how long a request waits for a connection still connecting) */
  timeoutMs: number;
  /**
   * bound on opening a connection (TCP + WebSocket upgrade + handshake + welcome), independent of
   * request timeouts: a request whose deadline passes while its connection is still connecting
   * resolves as `timeout`, and the connect goes on in the background up to this long
   */
  connectTimeoutMs: number;
  /** targets queried at once by one query() */
  maxConcurrency: number;
  /** reconnect backoff after a failed connect: initial delay, doubling up to maxMs (±20 % jitter) */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** largest message accepted from a miner */
  maxPayload: number;
  /** accepted clock difference in the handshake */
  handshakeSkewMs: number;
  /** verify the miner's sr25519 signature on each proof batch (once per batch, ~2 ms) */
  verifyProofSignatures: boolean;
  /** after an answer, wait at most this long for its signed proof */
  proofWaitMs: number;
  /**
   * 'wait': a request resolves once its answer AND its proof are in (or proofWaitMs passed) —
   * what the validator does, so every logged answer carries its proof. 'later': it resolves at
   * the answer; `result.proofSettled` resolves once `result.proof` (or `proofError`) is final —
   * for pipelined clients, which then never stall on the miner's proof interval.
   */
  proofs: ProofMode;
  /** requests in flight per connection (more get status "error", code too_many_in_flight, locally) */
  maxInFlightPerConnection: number;
  /** a batch frame of requests leaves once it holds this many (else once the turn's microtasks are done) */
  frameMessages: number;
  /** connections kept open at once (least recently used closed first) */
  maxConnections: number;
}

export const defaultClientOptions: Readonly<ClientOptions> = Object.freeze({
  timeoutMs: 12_000,
  connectTimeoutMs: 10_000,
  maxConcurrency: 64,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  maxPayload: 64 * 1024 * 1024,
  handshakeSkewMs: 30_000,
  verifyProofSignatures: true,
  proofWaitMs: 2_000,
  proofs: 'wait',
  maxInFlightPerConnection: 1024,
  maxConnections: 1024,
  frameMessages: 32,
});
