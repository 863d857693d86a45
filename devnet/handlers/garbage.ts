/**
 * The devnet's "garbage" miner: a real miner process (`subnet miner --handler <this file>`) that
 * answers at once with outputs of the right names, dtypes and shapes (it runs the model to learn
 * them) but random values. Seeded by DEVNET_GARBAGE_SEED so a run can be repeated.
 */
import type { ForwardContext, ForwardRequest, ForwardResult, Handler } from '../../miner/interface';
import type { TensorData } from '../../shared/model/interface';
import { mulberry32 } from '../../shared/random';

export const GARBAGE_SEED_ENV = 'DEVNET_GARBAGE_SEED';

/** the garbage miner's seeded generator (mulberry32) */
export const garbageRng: (seed: number) => () => number = mulberry32;

let rand = garbageRng(Number(process.env[GARBAGE_SEED_ENV] ?? 1) || 1);

/** Same shape and dtype, random contents (floats uniform in [-4, 4), integers random bytes). */
export function scramble(t: TensorData, r: () => number = rand): TensorData {
  const data = new Uint8Array(t.data.byteLength);
  if (t.dtype === 'float32') {
    const f = new Float32Array(data.buffer);
    for (let i = 0; i < f.length; i++) f[i] = (r() - 0.5) * 8;
  } else if (t.dtype === 'float64') {
    const f = new Float64Array(data.buffer);
    for (let i = 0; i < f.length; i++) f[i] = (r() - 0.5) * 8;
  } else {
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  }
  return { dtype: t.dtype, shape: [...t.shape], data };
}

export function reseed(seed: number): void {
  rand = garbageRng(seed);
}

export async function forward(req: ForwardRequest, ctx: ForwardContext): Promise<ForwardResult> {
  if (!ctx.runner) return { tensors: Object.fromEntries(Object.entries(req.tensors).map(([k, v]) => [k, scramble(v)])) };
  const real = await ctx.runner.run(req.tensors);
  return { tensors: Object.fromEntries(Object.entries(real).map(([k, v]) => [k, scramble(v)])) };
}

export const handler: Handler = { forward };
export default handler;
