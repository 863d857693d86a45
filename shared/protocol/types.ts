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
  /**
   * wire wait = 1: the client holds this answer until its proof arrives, so the miner signs as soon
   * as it goes idle; without it the proof may wait for the miner's next periodic signature
   */
  proofWait?: boolean;
}

export interface ResponseMessage {
  t: 'response';
  id: number;
  /** a Status code (codes.ts) */
  status: number;
  body?: Body;
  error?: WireError;
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
  /** wire batchFrames = 1: the miner accepts batch frames (kind 0x11) and answers a client that sends them with batch frames */
  batchFrames?: boolean;
}

/**
 * The miner's signature over a Merkle root of response leaves (proof.ts). This connection's
 * answers are the consecutive leaves [first, first + ids.length) in the order of `ids`;
 * `frontier` holds the nodes outside that range needed to reach the root (rangeFrontier).
 */
export interface ProofMessage {
  t: 'proof';
  root: Uint8Array;
  count: number;
  ts: number;
  signature: Uint8Array;
  first: number;
  ids: number[];
  frontier: Uint8Array[];
}

/** The client gave up on a request; the miner drops it if it has not started. */
export interface CancelMessage {
  t: 'cancel';
  id: number;
}

export type Message = RequestMessage | ResponseMessage | WelcomeMessage | ProofMessage | CancelMessage;
