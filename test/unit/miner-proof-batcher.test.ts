/**
 * The miner's proof schedule (miner/proofBatcher.ts), on fake timers: an answer whose client waits
 * for its proof is signed within flushMs of its arrival; a batch nobody waits for is signed
 * laterFlushMs after its first leaf; batchMax and idle() sign at once.
 */
import { ProofBatcher, type ProofSink } from '../../miner/proofBatcher';
import type { Keypair } from '../../shared/keys/interface';
import type { ProofMessage } from '../../shared/protocol/types';

// a keypair without an exportable secret: the batcher signs through keypair.sign
const keypair: Keypair = { address: '5Fake', publicKey: new Uint8Array(32).fill(1), sign: () => new Uint8Array(64).fill(2) };
const leaf = (i: number) => new Uint8Array(32).fill(i);

function sink(): ProofSink & { got: ProofMessage[] } {
  const got: ProofMessage[] = [];
  return { got, sendProof: (m) => got.push(m) };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('ProofBatcher schedule', () => {
  const opts = { flushMs: 10, laterFlushMs: 25, batchMax: 1000 };

  it('answers nobody waits for are signed laterFlushMs after the first leaf', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, opts);
    b.add(s, 1, leaf(1));
    jest.advanceTimersByTime(9);
    b.add(s, 2, leaf(2));
    jest.advanceTimersByTime(15); // t = 24
    expect(s.got).toHaveLength(0);
    jest.advanceTimersByTime(1); // t = 25
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2]]);
    expect(b.signatures).toBe(1);
  });

  it('a waited answer inside a pipelined batch is signed within flushMs of its arrival, with the batch', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, opts);
    b.add(s, 1, leaf(1));
    jest.advanceTimersByTime(12);
    b.add(s, 2, leaf(2), true);
    jest.advanceTimersByTime(9); // t = 21
    expect(s.got).toHaveLength(0);
    jest.advanceTimersByTime(1); // t = 22 = 12 + flushMs
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2]]);
    // the old later timer is gone: nothing more fires
    jest.advanceTimersByTime(100);
    expect(b.signatures).toBe(1);
  });

  it('a waited answer late in the batch does not delay it: the earlier deadline stands', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, opts);
    b.add(s, 1, leaf(1));
    jest.advanceTimersByTime(20);
    b.add(s, 2, leaf(2), true); // 5 ms before the later deadline: it is not pushed back to t = 30
    jest.advanceTimersByTime(5);
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2]]);
  });

  it('waited answers alone: flushMs after the first, not pushed back by the next', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, opts);
    b.add(s, 1, leaf(1), true);
    jest.advanceTimersByTime(6);
    b.add(s, 2, leaf(2), true);
    jest.advanceTimersByTime(3); // t = 9
    expect(s.got).toHaveLength(0);
    jest.advanceTimersByTime(1); // t = 10
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2]]);
  });

  it('without laterFlushMs every batch is signed flushMs after its first leaf (the old behaviour)', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, { flushMs: 10, batchMax: 1000 });
    b.add(s, 1, leaf(1));
    jest.advanceTimersByTime(10);
    expect(s.got.map((m) => m.ids)).toEqual([[1]]);
  });

  it('batchMax and an idle miner with a waiting client sign at once; an idle miner nobody waits on does not', () => {
    const s = sink();
    const b = new ProofBatcher(keypair, { ...opts, batchMax: 3, idleMs: 0 });
    for (let i = 1; i <= 3; i++) b.add(s, i, leaf(i));
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2, 3]]);
    b.add(s, 4, leaf(4));
    b.idle(); // nobody waits for 4
    expect(s.got).toHaveLength(1);
    b.add(s, 5, leaf(5), true);
    b.idle();
    expect(s.got.map((m) => m.ids)).toEqual([[1, 2, 3], [4, 5]]);
    jest.advanceTimersByTime(100);
    expect(b.signatures).toBe(2);
  });

  it('each connection gets its own range of one tree', () => {
    const a = sink();
    const c = sink();
    const b = new ProofBatcher(keypair, opts);
    b.add(a, 1, leaf(1));
    b.add(c, 7, leaf(7));
    b.add(a, 2, leaf(2));
    jest.advanceTimersByTime(25);
    expect(a.got.map((m) => [m.first, m.ids, m.count])).toEqual([[0, [1, 2], 3]]);
    expect(c.got.map((m) => [m.first, m.ids, m.count])).toEqual([[2, [7], 3]]);
    expect(Buffer.from(a.got[0].root).equals(Buffer.from(c.got[0].root))).toBe(true);
  });
});
