/**
 * Every status code (in responses) and every WebSocket close code used by the wire protocol.
 * docs/protocol.md has the same table; keep them in step.
 */

/** Response status codes (inside authenticated frames). HTTP-like numbers, stable names. */
export const Status = {
  ok: 200,
  /** the request frame decrypted but its message is malformed (wrong msgpack types, bad tensor) */
  bad_request: 400,
  /** policy: the verified hotkey is blacklisted (unregistered, no permit, low stake, custom) */
  blacklisted: 403,
  /** no handler for the synapse name */
  unknown_synapse: 404,
  /** the request's own deadline passed before work started */
  timeout: 408,
  /** the body is larger than the miner accepts for one request */
  too_large: 413,
  /** the model/handler rejected the inputs: dtype, rank, dims, batch limit, NaN policy */
  invalid_input: 422,
  /** per-hotkey token bucket is empty */
  rate_limited: 429,
  /** the handler failed (a bug or a runtime failure on the miner side) */
  internal: 500,
  /** the bounded queue is full (or the request was evicted by a higher-priority one) */
  overloaded: 503,
  /** the miner is draining (SIGTERM) and takes no new work */
  shutting_down: 509,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

const statusByCode = new Map<number, StatusName>(Object.entries(Status).map(([k, v]) => [v, k as StatusName]));
export function statusName(code: number): StatusName | undefined {
  return statusByCode.get(code);
}

/**
 * WebSocket close codes. 1000/1001/1009 are RFC 6455 (1009 is sent by `ws` itself when a frame
 * exceeds maxPayload); everything protocol-specific lives in 4000-4999.
 */
export const Close = {
  normal: 1000,
  /** the miner is shutting down (after draining) or the client pool is closing */
  going_away: 1001,
  /** a frame exceeded maxPayload (sent by ws itself) */
  too_big: 1009,
  /** unparseable frame: too short, unknown frame kind, bad handshake message layout */
  protocol_error: 4000,
  /** a data frame (or anything else) arrived before the handshake completed */
  handshake_required: 4001,
  /** handshake message well-formed but unacceptable: bad label, bad key, bad ss58, wrong step */
  handshake_failed: 4002,
  /** a handshake signature did not verify against the claimed hotkey */
  bad_signature: 4003,
  /** the peer's handshake timestamp is outside the allowed window */
  stale_timestamp: 4004,
  /** the miner proved a different hotkey than the one the client expected (client closes) */
  wrong_hotkey: 4005,
  /** the handshake did not complete in time */
  handshake_timeout: 4006,
  /** AEAD authentication failed: forged, tampered or cross-direction frame */
  auth_failed: 4007,
  /** sequence number below the expected one: a replayed frame */
  replayed: 4008,
  /** sequence number above the expected one: a dropped or reordered frame */
  out_of_order: 4009,
  /** no frame for idleTimeoutMs */
  idle_timeout: 4010,
  /** the verified hotkey is blacklisted by the miner's policy */
  blacklisted: 4011,
  /** the miner is at maxConnections */
  too_many_connections: 4012,
  /** unsupported protocol version byte */
  unsupported_version: 4013,
  /** more requests in flight on this connection than maxInFlightPerConnection */
  too_many_in_flight: 4014,
} as const;

export type CloseName = keyof typeof Close;
export type CloseCode = (typeof Close)[CloseName];

const closeByCode = new Map<number, CloseName>(Object.entries(Close).map(([k, v]) => [v, k as CloseName]));
export function closeName(code: number): CloseName | undefined {
  return closeByCode.get(code);
}
