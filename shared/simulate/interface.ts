import type { EpochInput, EpochOutput } from '../yuma/types';

/** The consensus step the simulator drives: the bit-exact `yumaEpoch` from shared/yuma. */
export type EpochFunction = (input: EpochInput) => EpochOutput;

/** Collaborators of a simulation run (chosen by the composition root, the CLI). */
export interface SimulateComponents {
  yumaEpoch: EpochFunction;
}

/** Per-run hooks. */
export interface SimulateRunOptions {
  /** called after each simulated epoch (progress); `done`/`total` count epochs over the whole run */
  onProgress?: (done: number, total: number) => void;
  /** stops between epochs with an AbortError */
  signal?: AbortSignal;
}
