/**
 * Miner-wide provenance batching: response leaves from every connection go into one Merkle tree,
 * and the miner's hotkey signs its root
 *   - `flushMs` after the first pending answer that a client waits for (its request carried
 *     `proofWait`), so a waiting client never waits longer than that for a busy miner's proof,
 *   - `laterFlushMs` after the first pending leaf when no pending answer is waited for (a
 *     pipelining load: one signature per laterFlushMs; longer ranges, fewer signatures to make
 *     and to check),
 *   - at once when the batch holds `batchMax` leaves, and
 *   - when the miner goes idle (the server calls idle() whenever it has nothing running or
 *     queued) while some pending answer is WAITED for: its request carried `proofWait` (the
 *     client holds the answer until the proof arrives, as the validator does), after `idleMs`
 *     without new answers (0: at once). Answers nobody waits for — a pipelining client's —
 *     are signed on the flushMs / batchMax schedule only: one signature per flushMs, not one per
 *     event-loop turn.
 * Each connection's leaves sit side by side in the tree, so its proof message is a range proof:
 * the root, the signature, the ids in leaf order and the few frontier nodes outside its range
 * (shared/protocol/proof.ts rangeFrontier), not one path per answer. Memory is bounded by
 * batchMax leaves.
 *
 * Answers never wait for their proof on the miner: they leave at once, the proof follows. A
 * client that must hold the proof before it uses an answer waits for it (the validator does, for
 * its log); one that pipelines requests takes answers as they come and checks proofs as they
 * arrive, so one signature (≈ 0.25 ms) and one verification cover a whole flushMs of answers.
 */
import type { Keypair } from '../shared/keys/interface';
import { merkleLevels, proofSigMessage, rangeFrontier } from '../shared/protocol/proof';
import { fastSigner } from '../shared/protocol/sr25519';
import type { ProofMessage } from '../shared/protocol/types';

export interface ProofSink {
  sendProof(msg: ProofMessage): void;
}

/** One connection's pending answers: ids and leaves in answer order. */
interface Group {
  ids: number[];
  leaves: Uint8Array[];
}

export class ProofBatcher {
  private groups = new Map<ProofSink, Group>();
  private count = 0;
  /** pending answers whose client waits for the proof */
  private waited = 0;
  private timer?: NodeJS.Timeout;
  /** performance.now() at which `timer` fires */
  private timerDue = 0;
  private idleTimer?: NodeJS.Timeout;
  private lastAddAt = 0;
  /** signatures made so far */
  signatures = 0;
  private readonly sign: (msg: Uint8Array) => Uint8Array;

  constructor(
    private readonly keypair: Keypair,
    private readonly opts: { flushMs: number; batchMax: number; idleMs?: number; laterFlushMs?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.sign = fastSigner(keypair);
  }

  add(sink: ProofSink, id: number, leaf: Uint8Array, waited = false): void {
    let g = this.groups.get(sink);
    if (!g) this.groups.set(sink, (g = { ids: [], leaves: [] }));
    g.ids.push(id);
    g.leaves.push(leaf);
    this.count++;
    if (waited) this.waited++;
    if (this.opts.idleMs) this.lastAddAt = performance.now(); // read only by the idle timer
    if (this.count >= this.opts.batchMax) this.flush();
    else if (!this.timer) this.schedule(waited ? this.opts.flushMs : (this.opts.laterFlushMs ?? this.opts.flushMs));
    else if (waited && this.waited === 1 && this.timerDue - performance.now() > this.opts.flushMs) {
      // the first waited answer in a batch of pipelined ones: it is signed within flushMs
      clearTimeout(this.timer);
      this.schedule(this.opts.flushMs);
    }
  }

  private schedule(ms: number): void {
    this.timerDue = performance.now() + ms;
    this.timer = setTimeout(this.onTimer, ms);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  /** The server has nothing running or queued: if a client waits for a pending proof, sign (after idleMs quiet). */
  idle(): void {
    if (this.waited === 0 || this.idleTimer) return;
    const idleMs = this.opts.idleMs ?? 1;
    if (idleMs <= 0) {
      this.flush();
      return;
    }
    this.idleTimer = setTimeout(this.onIdle, idleMs);
  }

  private readonly onIdle = (): void => {
    this.idleTimer = undefined;
    const idleMs = this.opts.idleMs ?? 1;
    const quiet = performance.now() - this.lastAddAt;
    // a timer may fire a fraction of a ms early
    if (quiet >= idleMs - 0.5) this.flush();
    else if (this.waited > 0) this.idleTimer = setTimeout(this.onIdle, Math.max(1, Math.ceil(idleMs - quiet)));
  };

  /** Signs everything pending now (no-op when nothing is). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.count === 0) return;
    const groups = this.groups;
    const count = this.count;
    this.groups = new Map();
    this.count = 0;
    this.waited = 0;
    // each connection's leaves side by side: its proof is one range
    const leaves: Uint8Array[] = new Array<Uint8Array>(count);
    let k = 0;
    for (const g of groups.values()) for (const l of g.leaves) leaves[k++] = l;
    const levels = merkleLevels(leaves);
    const root = levels[levels.length - 1][0];
    const ts = this.now();
    const signature = this.sign(proofSigMessage(this.keypair.publicKey, root, count, ts));
    this.signatures++;
    let first = 0;
    for (const [sink, g] of groups) {
      const end = first + g.ids.length;
      sink.sendProof({ t: 'proof', root, count, ts, signature, first, ids: g.ids, frontier: rangeFrontier(levels, first, end) });
      first = end;
    }
  }

  stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.flush();
  }
}
