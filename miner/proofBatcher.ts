/**
 * Miner-wide provenance batching: response leaves from every connection go into one Merkle tree;
 * the miner's hotkey signs its root every `flushMs` (or at `batchMax` leaves, or at once when the
 * miner goes idle), and each connection gets the root, the signature and its own paths.
 * Memory is bounded by batchMax leaves.
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
  /** signatures made so far */
  signatures = 0;

  constructor(
    private readonly keypair: Keypair,
    private readonly opts: { flushMs: number; batchMax: number },
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Flush after the current I/O callbacks (coalesces responses finishing together). */
  flushSoon(): void {
    if (this.immediate || this.items.length === 0) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
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
