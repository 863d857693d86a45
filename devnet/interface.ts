/**
 * The devnet's boundaries: where its progress lines and epoch tables go (the CLI binds them to
 * stderr/stdout; tests collect them), its logger, and the CLI its child processes run.
 * The child processes themselves are the project's own `subnet miner` / `subnet validator`.
 */
import type { Logger } from '../shared/logger';

export interface DevnetSinks {
  /** one progress line (stderr) */
  progress(line: string): void;
  /** the per-epoch table */
  table(text: string): void;
}

export interface DevnetComponents {
  logger?: Logger;
  sinks?: DevnetSinks;
  /** the built CLI (dist/cli/index.js) the children run */
  cliPath?: string;
}
