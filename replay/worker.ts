/**
 * A replay worker thread: replays one chunk of a range on its own read-only handle of the log
 * and posts each epoch's result back (see ./parallel.ts). Epochs of different chunks are
 * independent when nothing is carried from one epoch to the next (no changes, or changes without
 * feed-forward): a chunk's first epoch starts from the log's own EMA start vector, like `--epoch N`.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerInput {
  db: string;
  epochs: number[];
  scorer?: string;
  cwd?: string;
  set: string[];
  feedForward: boolean;
}

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  const [{ openLogStore }, { loadScorer }, { scoresToWeights }, { yumaEpoch }, { replayRange }, { parseParams }, { builtinScorerFor }] = await Promise.all([
    import('../shared/log/sqlite'),
    import('../shared/scoring/loader'),
    import('../shared/weights'),
    import('../shared/yuma'),
    import('./engine'),
    import('./params'),
    import('./loggedScorer'),
  ]);
  const scorer = input.scorer !== undefined ? await loadScorer(input.scorer, { cwd: input.cwd }) : undefined;
  const store = openLogStore(input.db, { readonly: true, integrityCheck: 'off' });
  try {
    replayRange(
      { source: store, yumaEpoch, scoresToWeights },
      input.epochs,
      { scorer, params: parseParams(input.set), feedForward: input.feedForward, keepOutputs: false },
      { loggedScorer: scorer ? undefined : builtinScorerFor, onEpoch: (r) => parentPort!.postMessage({ type: 'epoch', result: r }) },
    );
    parentPort!.postMessage({ type: 'done' });
  } finally {
    store.close();
  }
}

if (parentPort && workerData) {
  main().catch((err: unknown) => {
    const e = err as { code?: string; message?: string; context?: unknown };
    parentPort!.postMessage({ type: 'error', code: e.code, message: e.message ?? String(err), context: e.context });
  });
}
