/**
 * The replay shell: opens a validator's log read-only (shared/log), resolves the epoch range,
 * loads scorers, runs the engine, and writes results through the given sinks. The CLI
 * (cli/commands/replay.ts) binds the sinks to stdout/stderr.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SubnetError } from '../shared/errors';
import { openLogStore } from '../shared/log/sqlite';
import { loadScorer } from '../shared/scoring/loader';
import { builtinScorerFor } from './loggedScorer';
import { defaultThreads, replayParallel, workerScript } from './parallel';
import { scoresToWeights } from '../shared/weights';
import { yumaEpoch } from '../shared/yuma';
import { summarizeRange, type RangeSummary } from './diff';
import { replayRange, resolveRange } from './engine';
import type { EpochReplayResult, ReplayComponents } from './interface';
import { describeParams, parseParams } from './params';
import { ReplayReportBuilder } from './report';
import { exportVector, type YumaVector } from './vector';

export interface ReplayRunOptions {
  db: string;
  epoch?: number;
  from?: number;
  to?: number;
  scorer?: string;
  set: string[];
  report?: string;
  /** true: print the vector to `out`; a string: write it to that file */
  exportVector?: boolean | string;
  manifest?: string;
  feedForward: boolean;
  cwd?: string;
  /** worker threads for long independent ranges (default: up to 4, by available cores); 1 = sequential */
  threads?: number;
}

export interface ReplaySinks {
  /** one result per epoch, as it is ready */
  onEpoch?: (r: EpochReplayResult, index: number, total: number) => void;
  /** progress on long ranges */
  onProgress?: (done: number, total: number) => void;
  onStart?: (total: number) => void;
}

export interface ReplayRunResult {
  results: EpochReplayResult[];
  summary: RangeSummary;
  changed: boolean;
  changes: string;
  vector?: YumaVector;
  vectorFile?: string;
  reportFile?: string;
  epochs: number[];
}

/** hotkey → kind from a devnet manifest (DIR/devnet.json), found beside the db or given. */
export function loadKinds(db: string, manifest?: string): Map<string, string> | null {
  const candidates = manifest ? [manifest] : [join(dirname(dirname(dirname(resolve(db)))), 'devnet.json')];
  for (const f of candidates) {
    if (!existsSync(f)) {
      if (manifest) throw new SubnetError('REPLAY_MANIFEST_NOT_FOUND', `manifest not found: ${f}`, { file: f });
      continue;
    }
    try {
      const m = JSON.parse(readFileSync(f, 'utf8')) as { neurons?: { hotkey?: string; kind?: string }[] };
      const out = new Map<string, string>();
      for (const n of m.neurons ?? []) if (n.hotkey && n.kind) out.set(n.hotkey, n.kind);
      return out;
    } catch (err) {
      if (manifest) throw new SubnetError('REPLAY_MANIFEST_INVALID', `manifest ${f} is not a devnet manifest`, { file: f });
    }
  }
  return null;
}

export { builtinScorerFor };

export async function runReplay(o: ReplayRunOptions, sinks: ReplaySinks = {}): Promise<ReplayRunResult> {
  // parse everything before touching the database: bad input fails fast
  const params = parseParams(o.set);
  if (o.epoch !== undefined && (o.from !== undefined || o.to !== undefined)) {
    throw new SubnetError('REPLAY_BAD_RANGE', 'give either --epoch N or --from A --to B, not both', {});
  }
  for (const [k, v] of [['--epoch', o.epoch], ['--from', o.from], ['--to', o.to]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new SubnetError('REPLAY_BAD_RANGE', `${k} must be a positive integer, got ${v}`, {});
  }
  const scorer = o.scorer !== undefined ? await loadScorer(o.scorer, { cwd: o.cwd }) : undefined;
  const kinds = loadKinds(o.db, o.manifest);
  const store = openLogStore(o.db, { readonly: true, integrityCheck: 'off' });
  try {
    const all = store.listEpochs();
    let epochs: number[];
    if (o.epoch !== undefined) epochs = resolveRange(store, { from: o.epoch, to: o.epoch });
    else if (o.from !== undefined || o.to !== undefined) {
      const withSnap = all.filter((e) => e.hasSnapshot).map((e) => e.epoch);
      const from = o.from ?? (withSnap[0] ?? 1);
      const to = o.to ?? (withSnap[withSnap.length - 1] ?? from);
      epochs = resolveRange(store, { from, to });
    } else {
      epochs = all.filter((e) => e.hasSnapshot).map((e) => e.epoch);
      if (epochs.length === 0) throw new SubnetError('REPLAY_EPOCH_MISSING', `${o.db} holds no epoch with a chain snapshot yet`, { db: o.db });
    }
    const comps: ReplayComponents = { source: store, yumaEpoch, scoresToWeights };
    const changed = scorer !== undefined || params.length > 0;
    const report = o.report ? new ReplayReportBuilder(kinds ? { kindOf: (hk) => kinds.get(hk) } : {}) : null;
    sinks.onStart?.(epochs.length);
    const threads = o.threads ?? defaultThreads();
    // epochs are independent unless something is carried: a re-scored EMA, or replayed bonds (feed-forward)
    const parallel = threads > 1 && !report && epochs.length >= 64 && !scorer && (params.length === 0 || !o.feedForward) && workerScript() !== null;
    let results: EpochReplayResult[];
    if (parallel) {
      results = await replayParallel({ db: o.db, epochs, scorer: o.scorer, cwd: o.cwd, set: o.set, feedForward: o.feedForward, threads }, (r, i) => {
        sinks.onEpoch?.(r, i, epochs.length);
        sinks.onProgress?.(i + 1, epochs.length);
      });
    } else {
      results = replayRange(
        comps,
        epochs,
        { scorer, params, feedForward: o.feedForward, keepOutputs: report !== null },
        {
          loggedScorer: scorer ? undefined : builtinScorerFor,
          onEpoch: (r, i) => {
            if (report) {
              report.add(r, r.recordedInput!.weights);
              delete r.output;
              delete r.input;
              delete r.recorded;
              delete r.recordedInput;
              delete r.scores;
              delete r.hotkeys;
            }
            sinks.onEpoch?.(r, i, epochs.length);
            sinks.onProgress?.(i + 1, epochs.length);
          },
        },
      );
    }
    const out: ReplayRunResult = { results, summary: summarizeRange(results), changed, changes: [scorer ? `scorer=${scorer.name}` : '', describeParams(params)].filter(Boolean).join(', '), epochs };
    if (report && o.report) {
      const { renderReport } = await import('../shared/report');
      const title = `Replay of ${o.db}`;
      const subtitle = `epochs ${epochs[0]}..${epochs[epochs.length - 1]}; ${changed ? `changes: ${out.changes}` : 'nothing changed'}; ${out.summary.identical}/${epochs.length} identical`;
      writeFileSync(o.report, renderReport(report.build(title, subtitle)));
      out.reportFile = resolve(o.report);
    }
    if (o.exportVector) {
      const e = epochs[epochs.length - 1];
      out.vector = exportVector(store.loadEpoch(e), o.db);
      if (typeof o.exportVector === 'string') {
        writeFileSync(o.exportVector, `${JSON.stringify(out.vector, null, 1)}\n`);
        out.vectorFile = resolve(o.exportVector);
      }
    }
    return out;
  } finally {
    store.close();
  }
}
