/**
 * When things happen, as pure functions of block numbers: the chain's epoch schedule and the
 * weight-setting decision (tempo cadence + the chain's rate limit).
 */

/**
 * subtensor's tempo schedule (`blocks_until_next_epoch`): the epoch of `netuid` runs in block b
 * when (b + netuid + 1) mod (tempo + 1) == tempo, i.e. every tempo + 1 blocks. tempo 0 = never.
 */
export function isEpochBlock(block: number, tempo: number, netuid: number): boolean {
  if (tempo <= 0) return false;
  return (block + netuid + 1) % (tempo + 1) === tempo;
}

/** Blocks from `block` until the next epoch block (0 when `block` is one). */
export function blocksUntilNextEpoch(block: number, tempo: number, netuid: number): number {
  if (tempo <= 0) return Infinity;
  return tempo - ((block + netuid + 1) % (tempo + 1));
}

/** The first epoch block strictly after `block`. */
export function nextEpochBlockAfter(block: number, tempo: number, netuid: number): number {
  const d = blocksUntilNextEpoch(block + 1, tempo, netuid);
  return block + 1 + d;
}

/** A schedule the validator can be given (a chain with another rule plugs its own in). */
export interface EpochSchedule {
  isEpochBlock(block: number, tempo: number, netuid: number): boolean;
  nextEpochBlockAfter(block: number, tempo: number, netuid: number): number;
}
export const subtensorEpochSchedule: EpochSchedule = { isEpochBlock, nextEpochBlockAfter };

export interface WeightState {
  /** the current head */
  block: number;
  tempo: number;
  /** WeightsSetRateLimit */
  rateLimit: number;
  /** the last block weights were (or may have been) set: max of the chain's LastUpdate for us and our log */
  lastSetBlock: number | null;
  /** the head block of this process's last attempt (set, schedule or rejection), null before the first */
  lastAttemptBlock: number | null;
  /** the block a too-soon set was scheduled for, if one is pending */
  scheduledFor: number | null;
  /** at least one step has been scored */
  hasScores: boolean;
}

export type WeightDecision =
  | { action: 'wait'; reason: 'no_scores' | 'not_due' | 'scheduled' }
  | { action: 'set' }
  | { action: 'schedule'; at: number };

/**
 * Once per tempo (and first as soon as there are scores), set weights; if the chain's rate limit
 * (`block - last_update >= WeightsSetRateLimit`) does not allow it yet, schedule the set for the
 * first allowed block instead of skipping it. A pending schedule fires when its block arrives.
 */
export function decideWeights(s: WeightState): WeightDecision {
  if (!s.hasScores) return { action: 'wait', reason: 'no_scores' };
  const allowedAt = s.lastSetBlock === null || s.lastSetBlock === 0 ? 0 : s.lastSetBlock + s.rateLimit;
  if (s.scheduledFor !== null) {
    if (s.block < s.scheduledFor) return { action: 'wait', reason: 'scheduled' };
    return s.block >= allowedAt ? { action: 'set' } : { action: 'schedule', at: allowedAt };
  }
  const due = s.lastAttemptBlock === null || s.block - s.lastAttemptBlock >= Math.max(1, s.tempo);
  if (!due) return { action: 'wait', reason: 'not_due' };
  if (s.block >= allowedAt) return { action: 'set' };
  return { action: 'schedule', at: allowedAt };
}

// ---------------------------------------------------------------- commit-reveal (CRv2)

/**
 * subtensor's `get_epoch_index`: ⌊(block + netuid + 1) / (tempo + 1)⌋. A commit made in epoch k is
 * accepted by reveal_weights only in a block of epoch k + RevealPeriodEpochs (an epoch block
 * already belongs to the next index).
 */
export function commitEpochIndex(block: number, tempo: number, netuid: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/** The first block whose epoch index is `epoch` (the first block of that reveal window). */
export function firstBlockOfEpochIndex(epoch: number, tempo: number, netuid: number): number {
  return Math.max(0, epoch * (tempo + 1) - netuid - 1);
}

export type RevealDecision = { action: 'wait'; at: number } | { action: 'reveal' } | { action: 'expired' };

/**
 * What to do with a pending commit at head `block`: an extrinsic sent now lands in block + 1 at the
 * earliest, so reveal when that block is in the reveal epoch; before it, wait (never too early);
 * after it, the commit has expired.
 */
export function decideReveal(block: number, revealEpoch: number, tempo: number, netuid: number): RevealDecision {
  const e = commitEpochIndex(block + 1, tempo, netuid);
  if (e < revealEpoch) return { action: 'wait', at: firstBlockOfEpochIndex(revealEpoch, tempo, netuid) - 1 };
  if (e === revealEpoch) return { action: 'reveal' };
  return { action: 'expired' };
}
