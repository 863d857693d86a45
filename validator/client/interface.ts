import type { TensorData } from '../../shared/model/interface';
import type { ResponseProof } from '../../shared/protocol/proof';
import type { Meta, WireError } from '../../shared/protocol/types';

/** A miner to query: its endpoint and (from the metagraph) the hotkey it must prove. */
export interface Target {
  /** ws://host:port */
  endpoint: string;
  /** expected ss58 hotkey; a miner proving another one gives status "error", code protocol.wrong_hotkey */
  hotkey?: string;
  uid?: number;
}

export interface QueryRequest {
  synapse: string;
  tensors: Record<string, TensorData>;
  meta?: Meta;
}

/**
 * One result per target, always (never dropped, never thrown). `status` is the miner's status
 * name when it answered (ok, invalid_input, overloaded, ...), else one of the client-side ones:
 * timeout (no answer in time), unreachable (could not connect), error (protocol failure,
 * wrong hotkey, connection lost), aborted (the caller's signal).
 */
export interface QueryResult {
  target: Target;
  status: string;
  /** the wire status code when the miner answered, else null */
  code: number | null;
  /** the request's id on its connection, when the miner answered (a proof's response digest covers it) */
  requestId?: number;
  latencyMs: number;
  /** the miner's VERIFIED hotkey, when the handshake completed */
  hotkey?: string;
  outputs?: Record<string, TensorData>;
  meta?: Meta;
  error?: WireError;
  /** signed provenance of the answer (see shared/protocol/proof.ts); null when missing */
  proof: ResponseProof | null;
  /** why `proof` is null or was rejected */
  proofError?: string;
  /** with proofs 'later' (ClientOptions.proofs): resolves once `proof` / `proofError` are final */
  proofSettled?: Promise<void>;
}
