/**
 * Miner settings with safe defaults. The CLI takes its defaults from here, so every default
 * lives in one place. Every limit of the wire is an option (ws's habit).
 */
export interface AxonOptions {
  /** bind address */
  host: string;
  /** listen port (0 = any free port) */
  port: number;
  /** largest WebSocket message accepted, bytes (bigger → close 1009) */
  maxPayload: number;
  /** open connections at once (more → close 4012) */
  maxConnections: number;
  /** a connection must finish the handshake within this (else close 4006) */
  handshakeTimeoutMs: number;
  /** a connection with no frame for this long is closed (4010) */
  idleTimeoutMs: number;
  /** accepted clock difference in the handshake */
  handshakeSkewMs: number;
  /** requests waiting for a worker, miner-wide (more → "overloaded") */
  maxQueue: number;
  /** forward calls running at once */
  concurrency: number;
  /** queued + running requests per connection (more → "overloaded") */
  maxInFlightPerConnection: number;
  /** upper bound on a request's own deadline */
  maxTimeoutMs: number;
  /** per-hotkey token bucket: sustained requests/s (0 = no rate limit) */
  rateLimitPerSec: number;
  /** per-hotkey token bucket: burst size */
  rateLimitBurst: number;
  /** distinct hotkeys whose buckets are remembered (oldest forgotten first) */
  maxTrackedHotkeys: number;
  /**
   * provenance: an answer whose client waits for its proof (request flag `proofWait`, the
   * validator's default) is signed at most this long after it was sent, however busy the miner
   * (and at once when the miner goes idle). 10 ms (20 ms until session 4: four interleaved pairs
   * gave 58.9k answers/s at 10 ms against 55.1k at 20 ms)
   */
  proofFlushMs: number;
  /**
   * provenance: when no pending answer is waited for (a pipelining client, `proofs: 'later'`),
   * the batch is signed this long after its first leaf: longer ranges, fewer signatures to make
   * and to check; never below proofFlushMs. 25 ms (session 5, proof format v3: 11 of 13 interleaved pairs faster than
   * 10 ms, 51.5k against 44.4k answers/s over the last five, with less client CPU per answer)
   */
  proofFlushLaterMs: number;
  /** provenance: when idle with answers whose client waits for the proof, sign after this long without new answers (0: at once) */
  proofIdleMs: number;
  /** provenance: sign at once when the batch reaches this many responses */
  proofBatchMax: number;
  /**
   * a batch frame leaves once it holds this many messages (else once the turn's microtasks are
   * done): small enough that the client starts on the first answers while later ones are still
   * being computed, large enough to amortise the AEAD and the WebSocket frame. The model handler
   * runs at most this many rows at once, so each run's answers leave in one frame before the
   * next run starts (half of 64 in flight: the two processes work at the same time)
   */
  frameMessages: number;
  /** SIGTERM: wait at most this long for in-flight requests */
  drainTimeoutMs: number;
  /** after sending a close frame, destroy the socket if the peer has not closed within this */
  closeGraceMs: number;
}

export const defaultAxonOptions: Readonly<AxonOptions> = Object.freeze({
  host: '0.0.0.0',
  port: 8091,
  maxPayload: 16 * 1024 * 1024,
  maxConnections: 256,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 300_000,
  handshakeSkewMs: 30_000,
  maxQueue: 256,
  concurrency: 32,
  maxInFlightPerConnection: 256,
  maxTimeoutMs: 120_000,
  rateLimitPerSec: 100,
  rateLimitBurst: 200,
  maxTrackedHotkeys: 10_000,
  proofFlushMs: 10,
  proofFlushLaterMs: 25,
  proofIdleMs: 0,
  proofBatchMax: 4096,
  frameMessages: 32,
  drainTimeoutMs: 10_000,
  closeGraceMs: 2_000,
});

export interface MinerOptions extends AxonOptions {
  netuid: number;
  /** advertised address (serve_axon); required with a chain when binding 0.0.0.0/127.0.0.1 */
  externalIp?: string;
  externalPort?: number;
  /** re-read the metagraph every this many blocks */
  syncEveryBlocks: number;
  /** ... and at least this often (ms), in case block notifications stop */
  syncIntervalMs: number;
  /** blacklist: callers must be registered on the subnet (with a chain) */
  requireRegistered: boolean;
  /** blacklist: callers must hold a validator permit (with a chain) */
  requireValidatorPermit: boolean;
  /** blacklist: callers need at least this stake, rao (with a chain) */
  minStakeRao: bigint;
  /** axon version advertised by serve_axon */
  axonVersion: number;
}

export const defaultMinerOptions: Readonly<MinerOptions> = Object.freeze({
  ...defaultAxonOptions,
  netuid: 1,
  syncEveryBlocks: 10,
  syncIntervalMs: 60_000,
  requireRegistered: true,
  requireValidatorPermit: true,
  minStakeRao: 0n,
  axonVersion: 1,
});
