/**
 * The devnet's "flipping" miner: a real miner process (`subnet miner --handler <this file>`) that
 * answers with the reference model for k epochs, then with garbage (./garbage.ts: right names,
 * dtypes and shapes, random values) for k epochs, and so on. A handler cannot see the chain, so
 * the phase comes from the wall clock: the devnet passes the length of one phase,
 * block_ms × (tempo + 1) × k, in DEVNET_FLIP_PERIOD_MS and the time (ms since the Unix epoch) the
 * first phase starts in DEVNET_FLIP_START_MS. Before the start it answers honestly.
 */
import type { ForwardContext, ForwardRequest, ForwardResult, Handler } from '../../miner/interface';
import { scramble } from './garbage';

export const FLIP_PERIOD_ENV = 'DEVNET_FLIP_PERIOD_MS';
export const FLIP_START_ENV = 'DEVNET_FLIP_START_MS';

export interface FlipClock {
  /** ms per phase */
  periodMs: number;
  /** ms since the Unix epoch at which the first (honest) phase starts */
  startMs: number;
}

/** The clock from the environment; a missing or bad value is an error (every request then fails with it). */
export function flipClock(env: NodeJS.ProcessEnv = process.env): FlipClock {
  const periodMs = Number(env[FLIP_PERIOD_ENV]);
  const startMs = Number(env[FLIP_START_ENV]);
  if (!Number.isFinite(periodMs) || periodMs <= 0) throw new Error(`${FLIP_PERIOD_ENV} must be a positive number of ms, got ${JSON.stringify(env[FLIP_PERIOD_ENV])}`);
  if (!Number.isFinite(startMs) || startMs < 0) throw new Error(`${FLIP_START_ENV} must be a time in ms, got ${JSON.stringify(env[FLIP_START_ENV])}`);
  return { periodMs, startMs };
}

/** True while the flipper answers honestly: phases 0, 2, 4, … (and before the start). */
export function honestAt(nowMs: number, c: FlipClock): boolean {
  if (nowMs < c.startMs) return true;
  return Math.floor((nowMs - c.startMs) / c.periodMs) % 2 === 0;
}

let clock: FlipClock | undefined;

export async function forward(req: ForwardRequest, ctx: ForwardContext): Promise<ForwardResult> {
  clock ??= flipClock();
  const honest = honestAt(Date.now(), clock);
  if (!ctx.runner) return honest ? {} : { tensors: Object.fromEntries(Object.entries(req.tensors).map(([k, v]) => [k, scramble(v)])) };
  const real = await ctx.runner.run(req.tensors);
  return { tensors: honest ? real : Object.fromEntries(Object.entries(real).map(([k, v]) => [k, scramble(v)])) };
}

export const handler: Handler = { forward };
export default handler;
