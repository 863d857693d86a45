import type { Logger } from '../shared/logger';
import type { ModelRunner, TensorData, TensorSpec } from '../shared/model/interface';
import type { Meta } from '../shared/protocol/types';

/** A request as a handler sees it: already authenticated, decoded and admitted by policy. */
export interface ForwardRequest {
  id: number;
  synapse: string;
  tensors: Record<string, TensorData>;
  meta: Meta;
}

export interface ForwardContext {
  /** the caller's VERIFIED hotkey (ss58) */
  hotkey: string;
  /** aborted when the request's deadline passes or its connection closes */
  signal: AbortSignal;
  /** ms since epoch */
  deadline: number;
  /** the loaded model, when there is one */
  runner?: ModelRunner;
  log: Logger;
}

export interface ForwardResult {
  tensors?: Record<string, TensorData>;
  meta?: Meta;
}

export type ForwardFn = (request: ForwardRequest, ctx: ForwardContext) => Promise<ForwardResult> | ForwardResult;

/** Reports one request of a batch: `(index, result)` or `(index, undefined, error)`; once per index. */
export type BatchDone = (index: number, result?: ForwardResult, error?: unknown) => void;

/**
 * Several admitted requests at once: every request that starts in the same event-loop turn (one
 * batch frame's, or the queue's backlog when workers free up). `ctx(i)` builds request i's context
 * on demand.
 */
export type ForwardBatchFn = (requests: readonly ForwardRequest[], done: BatchDone, ctx: (index: number) => ForwardContext) => void;

/**
 * What the miner serves: a forward function and the synapse names it answers (undefined = any).
 * With `forwardBatch` the axon hands it every request that starts in the same turn instead of
 * calling `forward` once per request (the default model handler does: one model run for a batch
 * frame and no promise per request); a throw from it fails every request of that call.
 */
export interface Handler {
  forward: ForwardFn;
  forwardBatch?: ForwardBatchFn;
  synapses?: string[];
  inputs?: readonly TensorSpec[];
  outputs?: readonly TensorSpec[];
}

export type PolicyDecision = { allow: true; priority: number } | { allow: false; code: string; reason: string };

/**
 * Blacklist + priority. Called ONLY with a hotkey proven by the handshake: once when the
 * handshake completes, and again for every request (the metagraph may have changed).
 */
export interface Policy {
  check(hotkey: string): PolicyDecision;
}

/** The miner's metrics (prom-client lives at the root; tests use nullMinerMetrics). */
export interface MinerMetrics {
  request(status: string, seconds: number): void;
  queueDepth(n: number): void;
  modelSeconds(seconds: number): void;
  connections(n: number): void;
  handshake(result: string): void;
}

export const nullMinerMetrics: MinerMetrics = {
  request() {},
  queueDepth() {},
  modelSeconds() {},
  connections() {},
  handshake() {},
};
