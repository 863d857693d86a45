/**
 * Replays a long range on several worker threads (./worker.ts), one contiguous chunk each, when
 * epochs do not depend on each other (no changes, or changes without feed-forward). Results are
 * handed to `onEpoch` in epoch order. Falls back to the caller's sequential path when the
 * compiled worker is not available (running from sources under jest).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SubnetError } from '../shared/errors';
import type { EpochReplayResult } from './interface';
import type { WorkerInput } from './worker';

export function workerScript(): string | null {
  const f = join(__dirname, 'worker.js');
  return existsSync(f) ? f : null;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Splits `epochs` into `k` contiguous chunks of nearly equal length. */
export function chunk<T>(xs: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(xs.length / k);
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export async function replayParallel(
  input: Omit<WorkerInput, 'epochs'> & { epochs: number[]; threads: number },
  onEpoch: (r: EpochReplayResult, index: number) => void,
): Promise<EpochReplayResult[]> {
  const script = workerScript();
  if (!script) throw new SubnetError('REPLAY_NO_WORKER', 'the compiled replay worker is not available', {});
  const order = new Map(input.epochs.map((e, i) => [e, i]));
  const results: (EpochReplayResult | undefined)[] = new Array(input.epochs.length);
  let next = 0;
  const flush = () => {
    while (next < results.length && results[next]) {
      onEpoch(results[next]!, next);
      next++;
    }
  };
  const chunks = chunk(input.epochs, input.threads);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      chunks.map(
        (epochs) =>
          new Promise<void>((resolve, reject) => {
            const w = new Worker(script, { workerData: { ...input, epochs, threads: undefined } });
            workers.push(w);
            w.on('message', (m: { type: string; result?: EpochReplayResult; code?: string; message?: string; context?: Record<string, unknown> }) => {
              if (m.type === 'epoch' && m.result) {
                results[order.get(m.result.epoch)!] = m.result;
                flush();
              } else if (m.type === 'done') resolve();
              else if (m.type === 'error') reject(new SubnetError(m.code ?? 'REPLAY_WORKER_FAILED', m.message ?? 'replay worker failed', m.context ?? {}));
            });
            w.once('error', reject);
            w.once('exit', (code) => (code === 0 ? resolve() : reject(new SubnetError('REPLAY_WORKER_FAILED', `replay worker exited with ${code}`, {}))));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  flush();
  return results as EpochReplayResult[];
}
