/**
 * The EMA scores by uid, tied to the hotkey each score was earned by. Pure state, no I/O.
 *
 * - A uid whose hotkey changed (deregistered and replaced) has its score reset to 0.
 * - The subnet grows: new uids start at 0. It shrinks: scores past n are dropped.
 * - An answer is credited only if the uid still has the hotkey that was asked: a result that
 *   arrives after a resync replaced the miner is not given to the newcomer.
 */
import { emaUpdate } from '../shared/scoring/ema';

export interface SyncChanges {
  /** uids whose hotkey changed (score reset) */
  reset: number[];
  /** uids added by growth */
  added: number[];
  /** uids removed by shrinking */
  removed: number[];
}

export class ScoreBook {
  private ema: Float64Array;
  private keys: string[];

  constructor(ema?: Float64Array, hotkeys?: string[]) {
    this.ema = ema ? Float64Array.from(ema) : new Float64Array(0);
    this.keys = hotkeys ? [...hotkeys] : [];
    if (this.keys.length !== this.ema.length) {
      // a state whose two halves disagree: trust neither beyond the common prefix
      const n = Math.min(this.keys.length, this.ema.length);
      this.ema = this.ema.slice(0, n);
      this.keys = this.keys.slice(0, n);
    }
  }

  get n(): number {
    return this.ema.length;
  }
  get hotkeys(): readonly string[] {
    return this.keys;
  }
  /** a copy of the scores */
  scores(): Float64Array {
    return Float64Array.from(this.ema);
  }
  score(uid: number): number {
    return this.ema[uid];
  }

  /** Aligns the book with the metagraph's hotkeys (index = uid). */
  sync(hotkeys: readonly string[]): SyncChanges {
    const n = hotkeys.length;
    const old = this.n;
    const changes: SyncChanges = { reset: [], added: [], removed: [] };
    const next = new Float64Array(n);
    for (let uid = 0; uid < n; uid++) {
      if (uid < old) {
        if (this.keys[uid] === hotkeys[uid]) next[uid] = this.ema[uid];
        else changes.reset.push(uid);
      } else changes.added.push(uid);
    }
    for (let uid = n; uid < old; uid++) changes.removed.push(uid);
    this.ema = next;
    this.keys = [...hotkeys];
    return changes;
  }

  /**
   * Applies one reward (in [0, 1]) to `uid` if it still belongs to `hotkey`. Returns the new EMA,
   * or null when the answer is stale (uid gone or hotkey changed) and nothing was updated.
   */
  apply(uid: number, hotkey: string, reward: number, alpha: number): number | null {
    if (uid < 0 || uid >= this.n || this.keys[uid] !== hotkey) return null;
    this.ema[uid] = emaUpdate(this.ema[uid], reward, alpha);
    return this.ema[uid];
  }

  /** Forces a uid's score (tests, explicit resets). */
  set(uid: number, value: number): void {
    this.ema[uid] = value;
  }
}
