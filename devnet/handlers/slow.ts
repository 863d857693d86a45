/**
 * The devnet's "slow" miner: a real miner process (`subnet miner --handler <this file>`) whose
 * forward answers correctly, but only after sleeping longer than the validators' timeout
 * (DEVNET_SLOW_MS, default 3000 ms). A validator must score it as a timeout.
 */
import type { ForwardContext, ForwardRequest, ForwardResult, Handler } from '../../miner/interface';

export const SLOW_ENV = 'DEVNET_SLOW_MS';

export function slowDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[SLOW_ENV]);
  return Number.isFinite(v) && v > 0 ? v : 3000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function forward(req: ForwardRequest, ctx: ForwardContext): Promise<ForwardResult> {
  // sleep past the deadline: the miner's own deadline handling ends the request, as a slow
  // network or an overloaded GPU would
  await sleep(slowDelayMs(), ctx.signal);
  if (!ctx.runner || ctx.signal.aborted) return {};
  return { tensors: await ctx.runner.run(req.tensors) };
}

export const handler: Handler = { forward };
export default handler;
