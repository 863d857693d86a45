/**
 * Miner-wide provenance batching: response leaves from every connection go into one Merkle tree;
 * the miner's hotkey signs its root at the end of the event-loop turn that produced answers
 * (`flushSoon`, at most once per `minGapMs`), at the latest `flushMs` after the first pending
 * leaf, at `batchMax` leaves, or at once when the miner goes idle; each connection gets the root,
 * the signature and its own paths. Memory is bounded by batchMax leaves.
 *
 * Why the end of the turn: a validator's result waits for its proof, so with N requests in flight
 * a proof every `flushMs` caps a connection at N / flushMs answers per second (64 / 10 ms = 6.4k/s).
 * Signing once per turn costs one signature (≈ 0.25 ms) per turn, and `minGapMs` bounds that
 * share of the CPU (≤ 0.25 ms per minGapMs).
 */
import type { Keypair } from '../shared/keys/interface';
import { merkleLevels, merklePath, proofSigMessage } from '../shared/protocol/proof';
import { fastSigner } from '../shared/protocol/sr25519';
import type { ProofMessage } from '../shared/protocol/types';

export interface ProofSink {
  sendProof(msg: ProofMessage): void;
}

interface Item {
  sink: ProofSink;
  id: number;
  leaf: Uint8Array;
}

export class ProofBatcher {
  private items: Item[] = [];
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private gapTimer?: NodeJS.Timeout;
  private lastSignAt = -Infinity;
  /** signatures made so far */
  signatures = 0;
  private readonly minGapMs: number;

  constructor(
    private readonly keypair: Keypair,
    private readonly opts: { flushMs: number; batchMax: number; minGapMs?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.minGapMs = Math.min(opts.minGapMs ?? 1, opts.flushMs);
  }

  get pending(): number {
    return this.items.length;
  }

  add(sink: ProofSink, id: number, leaf: Uint8Array): void {
    this.items.push({ sink, id, leaf });
    if (this.items.length >= this.opts.batchMax) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.flushMs);
    }
  }

  /**
   * Flush at the end of this event-loop turn (coalesces every answer of the turn), or, when the
   * last signature is younger than minGapMs, when it is minGapMs old. Call it BEFORE sending the
   * answers so that its immediate runs before the socket is uncorked (answers and proof share
   * one write).
   */
  flushSoon(): void {
    if (this.immediate || this.gapTimer) return;
    this.immediate = setImmediate(this.onTurnEnd);
  }

  private readonly onTurnEnd = (): void => {
    this.immediate = undefined;
    if (this.items.length === 0) return;
    const wait = this.lastSignAt + this.minGapMs - performance.now();
    if (wait <= 0) this.flush();
    else if (!this.gapTimer) {
      this.gapTimer = setTimeout(this.onGap, Math.max(1, Math.ceil(wait)));
    }
  };

  private readonly onGap = (): void => {
    this.gapTimer = undefined;
    this.flush();
  };

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
    const pending = this.items;
    if (pending.length === 0) return;
    this.items = [];
    this.lastSignAt = performance.now();
    // each connection's leaves side by side: its paths then share inner nodes (the client checks them once)
    const groups = new Map<ProofSink, Item[]>();
    for (const it of pending) {
      const g = groups.get(it.sink);
      if (g) g.push(it);
      else groups.set(it.sink, [it]);
    }
    const items = groups.size === 1 ? pending : ([] as Item[]).concat(...groups.values());
    const levels = merkleLevels(items.map((i) => i.leaf));
    const root = levels[levels.length - 1][0];
    const ts = this.now();
    const signature = fastSigner(this.keypair)(proofSigMessage(this.keypair.publicKey, root, items.length, ts));
    this.signatures++;
    const bySink = new Map<ProofSink, ProofMessage['items']>();
    items.forEach((it, index) => {
      let list = bySink.get(it.sink);
      if (!list) bySink.set(it.sink, (list = []));
      list.push({ id: it.id, index, path: merklePath(levels, index) });
    });
    for (const [sink, list] of bySink) sink.sendProof({ t: 'proof', root, count: items.length, ts, signature, items: list });
  }

  stop(): void {
    this.flush();
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
  }
}
