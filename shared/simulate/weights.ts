/**
 * Float scores -> the u16 weight row the chain stores, the way a bittensor validator sends them
 * (SDK `convert_weights_and_uids_for_emit`: divide by the max, round half-to-even, drop zeros)
 * followed by the chain's `vec_u16_max_upscale_to_u16` (SPEC.md §6, §7). Both come from
 * shared/weights; rows are sorted by uid as the simulated validators send them.
 */
import { convertWeightsAndUidsForEmit, vecU16MaxUpscaleToU16 } from '../weights';
import type { SparseRowU16 } from '../yuma/types';

/** `uids[k]` gets `scores[k]` (>= 0). Returns [] when every score is 0 (the SDK sets nothing). */
export function scoresToU16Row(uids: readonly number[], scores: readonly number[]): SparseRowU16 {
  const order = uids.map((_, k) => k).sort((a, b) => uids[a] - uids[b]);
  const emit = convertWeightsAndUidsForEmit(
    order.map((k) => uids[k]),
    order.map((k) => scores[k]),
  );
  if (emit.uids.length === 0) return [];
  const stored = vecU16MaxUpscaleToU16(emit.weights);
  return emit.uids.map((u, k) => [u, stored[k]] as [number, number]);
}
