import type { TensorData, TensorSpec } from '../model/interface';

/** JSON-compatible metadata travelling beside the tensors (small: options, scores, ids). */
export type Meta = Record<string, unknown>;

/** The body of a request or response: named tensors plus small metadata. */
export interface Body {
  tensors: Record<string, TensorData>;
  meta: Meta;
}

/** A typed error as carried in a response. `code` is stable; tests assert it. */
export interface WireError {
  code: string;
  message: string;
  context: Record<string, unknown>;
}

export interface RequestMessage {
  t: 'request';
  id: number;
  synapse: string;
  /** the request's deadline, as a budget in ms from the moment the miner receives it */
  timeoutMs: number;
  body: Body;
}

export interface ResponseMessage {
  t: 'response';
  id: number;
  /** a Status code (codes.ts) */
  status: number;
  body?: Body;
  error?: WireError;
  /** digest of the request as the miner received it (32 bytes; zeros when it could not be decoded) */
  requestDigest: Uint8Array;
}

/** First frame the miner sends after a verified handshake: its limits and what it serves. */
export interface WelcomeMessage {
  t: 'welcome';
  version: number;
  synapses: string[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  limits: { maxPayload: number; maxInFlightPerConnection: number; maxTimeoutMs: number };
  meta: Meta;
  /** wire `bf: 1`: the miner accepts batch frames (kind 0x11) and answers a client that sends them with batch frames */
  batchFrames?: boolean;
}

/** The miner's signature over a Merkle root of response leaves, with this connection's paths (proof.ts). */
export interface ProofMessage {
  t: 'proof';
  root: Uint8Array;
  count: number;
  ts: number;
  signature: Uint8Array;
  items: { id: number; index: number; path: Uint8Array[] }[];
}

/** The client gave up on a request; the miner drops it if it has not started. */
export interface CancelMessage {
  t: 'cancel';
  id: number;
}

export type Message = RequestMessage | ResponseMessage | WelcomeMessage | ProofMessage | CancelMessage;
