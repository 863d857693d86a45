/**
 * What the miner serves: the default handler runs the model on the request's tensors (synapse
 * "infer"); `--handler MODULE` loads a JS module exporting `forward(request, ctx)` (and
 * optionally `synapses: string[]`), which may use `ctx.runner`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SubnetError, errorMessage } from '../shared/errors';
import type { ModelRunner } from '../shared/model/interface';
import type { ForwardFn, Handler } from './interface';

export const DEFAULT_SYNAPSE = 'infer';

export function modelHandler(runner: ModelRunner, synapse: string = DEFAULT_SYNAPSE): Handler {
  return {
    synapses: [synapse],
    inputs: runner.inputs,
    outputs: runner.outputs,
    forward: async (req, ctx) => ({ tensors: await runner.run(req.tensors, { signal: ctx.signal }) }),
  };
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
  return { forward: m.forward as ForwardFn, synapses: synapses as string[] | undefined, inputs: runner?.inputs, outputs: runner?.outputs };
}
