/**
 * What the miner serves: the default handler runs the model on the request's tensors (synapse
 * "infer"); `--handler MODULE` loads a JS module exporting `forward(request, ctx)` (and
 * optionally `synapses: string[]` and `forwardBatch(requests, done, ctx)`, see Handler), which
 * may use `ctx.runner`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SubnetError, errorMessage } from '../shared/errors';
import { BatchingModelRunner } from '../shared/model/batching';
import type { ModelRunner } from '../shared/model/interface';
import { defaultValidationOptions, type ValidationOptions } from '../shared/model/options';
import type { ForwardBatchFn, ForwardFn, Handler } from './interface';
import { defaultAxonOptions } from './options';

export const DEFAULT_SYNAPSE = 'infer';

/**
 * The default handler: runs the model. Unless the runner already batches (`--batch`), requests
 * that reach it in the same event-loop turn are merged into one run (a BatchingModelRunner with
 * no wait: `maxWaitMs` 0 dispatches at the end of the turn), so a lone request is not delayed and
 * a burst — e.g. one batch frame of requests — costs one session.run (at most `maxBatchRows`
 * rows, default the axon's frameMessages: one frame of answers per run). `dynamicBatching: false`
 * runs every request on its own.
 */
export function modelHandler(runner: ModelRunner, synapse: string = DEFAULT_SYNAPSE, opts: { dynamicBatching?: boolean; maxBatchRows?: number } = {}): Handler {
  let run = runner;
  if (opts.dynamicBatching !== false && !(runner instanceof BatchingModelRunner)) {
    // the same request limits as the wrapped runner; a merged batch never exceeds its maxBatch
    const v = { ...defaultValidationOptions, ...(runner as { options?: Partial<ValidationOptions> }).options };
    run = new BatchingModelRunner(runner, { maxBatch: v.maxBatch, nanPolicy: v.nanPolicy, maxInputBytes: v.maxInputBytes, maxBatchRows: Math.max(1, Math.min(opts.maxBatchRows ?? defaultAxonOptions.frameMessages, v.maxBatch)), maxWaitMs: 0, closeInner: false });
  }
  const handler: Handler = {
    synapses: [synapse],
    inputs: runner.inputs,
    outputs: runner.outputs,
    // a batching runner holds a request for one run (plus --batch.wait_ms) at most: no AbortSignal
    // is needed (the axon answers 408 at the deadline itself), which saves an AbortController and
    // a listener per request
    forward: run instanceof BatchingModelRunner ? async (req) => ({ tensors: await run.run(req.tensors) }) : async (req, ctx) => ({ tensors: await run.run(req.tensors, { signal: ctx.signal }) }),
  };
  if (run instanceof BatchingModelRunner) {
    const batching = run;
    // a batch frame's requests go to the runner without a promise each; they merge into one run
    handler.forwardBatch = (reqs, done) => {
      for (let i = 0; i < reqs.length; i++) batching.submit(reqs[i].tensors, (err, out) => (err === undefined ? done(i, { tensors: out }) : done(i, undefined, err)));
    };
  }
  return handler;
}

/** Loads a handler module (CommonJS or ESM). Throws SubnetError('handler.load_failed'). */
export async function loadHandler(path: string, runner?: ModelRunner): Promise<Handler> {
  const abs = resolve(path);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw new SubnetError('handler.load_failed', `cannot load handler ${path}: ${errorMessage(err)}`, { path });
    const dynImport = new Function('u', 'return import(u)') as (u: string) => Promise<Record<string, unknown>>;
    mod = await dynImport(pathToFileURL(abs).href);
  }
  const m = (typeof mod.forward === 'function' ? mod : (mod.default as Record<string, unknown> | undefined)) ?? {};
  if (typeof m.forward !== 'function') throw new SubnetError('handler.load_failed', `handler ${path} does not export forward(request, ctx)`, { path });
  const synapses = m.synapses;
  if (synapses !== undefined && !(Array.isArray(synapses) && synapses.every((s) => typeof s === 'string'))) {
    throw new SubnetError('handler.load_failed', `handler ${path}: synapses must be an array of strings`, { path });
  }
  if (m.forwardBatch !== undefined && typeof m.forwardBatch !== 'function') throw new SubnetError('handler.load_failed', `handler ${path}: forwardBatch must be a function`, { path });
  const h: Handler = { forward: m.forward as ForwardFn, synapses: synapses as string[] | undefined, inputs: runner?.inputs, outputs: runner?.outputs };
  if (m.forwardBatch) h.forwardBatch = m.forwardBatch as ForwardBatchFn;
  return h;
}
