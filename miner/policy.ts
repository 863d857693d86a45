/**
 * Policy primitives (pure): a token bucket, a bounded priority queue, and the default policies
 * (allow-all for --no-chain; metagraph-based blacklist + stake priority with a chain).
 */
import type { Metagraph } from '../shared/chain/interface';
import type { Policy, PolicyDecision } from './interface';

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
  get available(): number {
    return this.tokens;
  }
}

/** Token buckets per key, at most `maxKeys` remembered (the least recently created is forgotten). */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    readonly maxKeys: number,
  ) {}
  allow(key: string, now: number): boolean {
    if (this.ratePerSec <= 0) return true;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = new TokenBucket(this.ratePerSec, this.burst, now);
      this.buckets.set(key, b);
    }
    return b.take(now);
  }
  get size(): number {
    return this.buckets.size;
  }
}

interface Entry<T> {
  priority: number;
  seq: number;
  value: T;
}

/**
 * A max-heap on priority (FIFO among equals) with a fixed capacity. When full, a new item with
 * a higher priority than the lowest queued one evicts it; otherwise the new item is refused.
 */
export class BoundedPriorityQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.heap.length;
  }

  /** `{accepted, evicted}`: evicted is the item dropped to make room (if any). */
  push(value: T, priority: number): { accepted: boolean; evicted?: T } {
    if (this.capacity <= 0) return { accepted: false };
    let evicted: T | undefined;
    if (this.heap.length >= this.capacity) {
      // lowest priority, latest arrival among equals: a leaf, so scan the second half only
      let lo = this.heap.length >> 1;
      for (let i = lo + 1; i < this.heap.length; i++) if (this.less(this.heap[i], this.heap[lo])) lo = i;
      const min = this.heap[lo];
      if (!(priority > min.priority)) return { accepted: false };
      evicted = min.value;
      this.removeAt(lo);
    }
    this.heap.push({ priority, seq: this.seq++, value });
    this.up(this.heap.length - 1);
    return { accepted: true, evicted };
  }

  pop(): T | undefined {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0];
    this.removeAt(0);
    return top.value;
  }

  peek(): T | undefined {
    return this.heap[0]?.value;
  }

  /** Removes every item matching `pred`; returns them. O(n). */
  removeWhere(pred: (v: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.heap.length - 1; i >= 0; i--) {
      if (i < this.heap.length && pred(this.heap[i].value)) {
        out.push(this.heap[i].value);
        this.removeAt(i);
      }
    }
    return out;
  }

  drain(): T[] {
    const out = this.heap.map((e) => e.value);
    this.heap = [];
    return out;
  }

  /** a is served after b */
  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.seq > b.seq);
  }

  private removeAt(i: number): void {
    const last = this.heap.pop() as Entry<T>;
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.down(i);
      this.up(i);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[m], h[l])) m = l;
      if (r < h.length && this.less(h[m], h[r])) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}

/** --no-chain: any authenticated hotkey is served, all with the same priority. */
export class AllowAllPolicy implements Policy {
  check(): PolicyDecision {
    return { allow: true, priority: 0 };
  }
}

export interface MetagraphPolicyOptions {
  requireRegistered: boolean;
  requireValidatorPermit: boolean;
  minStakeRao: bigint;
}

/**
 * The default blacklist with a chain: unregistered hotkeys, hotkeys without a validator permit
 * and hotkeys under the minimum stake are refused; priority is the caller's stake (in TAO units).
 * Until the first metagraph arrives everything is refused (fail closed).
 */
export class MetagraphPolicy implements Policy {
  private byHotkey = new Map<string, number>();
  private mg?: Metagraph;
  /**
   * a caller was refused on the current metagraph (not registered, no permit, low stake): the
   * follower re-reads the metagraph at the next block instead of waiting for its interval, so a
   * validator that just got its registration or permit is not refused for a whole sync period
   */
  refusedSinceUpdate = false;
  constructor(private readonly opts: MetagraphPolicyOptions) {}

  update(mg: Metagraph): void {
    this.refusedSinceUpdate = false;
    const m = new Map<string, number>();
    mg.hotkeys.forEach((hk, uid) => m.set(hk, uid));
    this.byHotkey = m;
    this.mg = mg;
  }

  get block(): number | undefined {
    return this.mg?.block;
  }

  uidOf(hotkey: string): number | undefined {
    return this.byHotkey.get(hotkey);
  }

  check(hotkey: string): PolicyDecision {
    const d = this.decide(hotkey);
    if (!d.allow) this.refusedSinceUpdate = true;
    return d;
  }

  private decide(hotkey: string): PolicyDecision {
    const mg = this.mg;
    if (!mg) return { allow: false, code: 'no_metagraph', reason: 'metagraph not loaded yet' };
    const uid = this.byHotkey.get(hotkey);
    if (uid === undefined) {
      return this.opts.requireRegistered ? { allow: false, code: 'unregistered', reason: 'hotkey is not registered on the subnet' } : { allow: true, priority: 0 };
    }
    if (this.opts.requireValidatorPermit && !mg.validatorPermit[uid]) return { allow: false, code: 'no_validator_permit', reason: 'hotkey has no validator permit' };
    const stake = mg.stake[uid] ?? 0n;
    if (stake < this.opts.minStakeRao) return { allow: false, code: 'low_stake', reason: 'stake below the minimum' };
    return { allow: true, priority: Number(stake) / 1e9 };
  }
}
