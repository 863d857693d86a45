import fc from 'fast-check';
import { ScoreBook, blocksUntilNextEpoch, decideWeights, isEpochBlock, nextEpochBlockAfter, sampleUids, type WeightState } from '../../validator';

describe('epoch schedule (subtensor blocks_until_next_epoch)', () => {
  it('runs every tempo + 1 blocks, offset by netuid', () => {
    // tempo 10, netuid 1: (b + 2) % 11 == 10  ->  b = 8, 19, 30, ...
    const blocks = Array.from({ length: 40 }, (_, b) => b).filter((b) => isEpochBlock(b, 10, 1));
    expect(blocks).toEqual([8, 19, 30]);
    expect(blocksUntilNextEpoch(8, 10, 1)).toBe(0);
    expect(blocksUntilNextEpoch(9, 10, 1)).toBe(10);
    expect(nextEpochBlockAfter(8, 10, 1)).toBe(19);
    expect(nextEpochBlockAfter(7, 10, 1)).toBe(8);
    expect(isEpochBlock(5, 0, 1)).toBe(false);
  });
  it('property: nextEpochBlockAfter is the first epoch block after b', () => {
    fc.assert(
      fc.property(fc.nat(100000), fc.integer({ min: 1, max: 400 }), fc.nat(64), (b, tempo, netuid) => {
        const e = nextEpochBlockAfter(b, tempo, netuid);
        if (e <= b || !isEpochBlock(e, tempo, netuid)) return false;
        for (let x = b + 1; x < e; x++) if (isEpochBlock(x, tempo, netuid)) return false;
        return e - b <= tempo + 1;
      }),
    );
  });
});

describe('decideWeights', () => {
  const base: WeightState = { block: 100, tempo: 10, rateLimit: 5, lastSetBlock: null, lastAttemptBlock: null, scheduledFor: null, hasScores: true };
  const rows: [string, Partial<WeightState>, ReturnType<typeof decideWeights>][] = [
    ['no scores yet: wait', { hasScores: false }, { action: 'wait', reason: 'no_scores' }],
    ['first time, never set: set', {}, { action: 'set' }],
    ['last_update 0 (chain: always allowed): set', { lastSetBlock: 0 }, { action: 'set' }],
    ['first time, set 2 blocks ago, limit 5: schedule at 103', { lastSetBlock: 98 }, { action: 'schedule', at: 103 }],
    ['exactly at the limit (block - last = limit): set', { lastSetBlock: 95 }, { action: 'set' }],
    ['attempted 3 blocks ago, tempo 10: not due', { lastAttemptBlock: 97, lastSetBlock: 90 }, { action: 'wait', reason: 'not_due' }],
    ['attempted a tempo ago: set', { lastAttemptBlock: 90, lastSetBlock: 90 }, { action: 'set' }],
    ['scheduled for later: wait', { scheduledFor: 104, lastSetBlock: 99 }, { action: 'wait', reason: 'scheduled' }],
    ['scheduled block reached: set', { scheduledFor: 100, lastSetBlock: 95 }, { action: 'set' }],
    ['scheduled block reached but a newer set moved the limit: reschedule', { scheduledFor: 100, lastSetBlock: 98 }, { action: 'schedule', at: 103 }],
  ];
  it.each(rows)('%s', (_name, over, expected) => {
    expect(decideWeights({ ...base, ...over })).toEqual(expected);
  });
  it('property: never "set" within the rate limit of the last set', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(50), fc.nat(50), fc.option(fc.nat(1000)), fc.option(fc.nat(1000)), fc.option(fc.nat(1000)), (block, tempo, rl, last, att, sch) => {
        const d = decideWeights({ block, tempo, rateLimit: rl, lastSetBlock: last, lastAttemptBlock: att, scheduledFor: sch, hasScores: true });
        if (d.action === 'set' && last !== null && last > 0) return block - last >= rl;
        if (d.action === 'schedule') return d.at > block;
        return true;
      }),
    );
  });
});

describe('sampleUids', () => {
  it('is deterministic by seed, distinct, sorted, and a subset', () => {
    const c = Array.from({ length: 50 }, (_, i) => i + 1);
    const a = sampleUids(c, 10, 42);
    expect(sampleUids(c, 10, 42)).toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(a.every((u) => c.includes(u))).toBe(true);
    expect(sampleUids(c, 10, 43)).not.toEqual(a);
  });
  it('k = 0 or k >= n returns everyone', () => {
    expect(sampleUids([3, 1, 2], 0, 1)).toEqual([1, 2, 3]);
    expect(sampleUids([3, 1, 2], 5, 1)).toEqual([1, 2, 3]);
  });
  it('is roughly uniform', () => {
    const c = Array.from({ length: 20 }, (_, i) => i);
    const counts = new Array(20).fill(0);
    for (let s = 0; s < 4000; s++) for (const u of sampleUids(c, 5, s)) counts[u]++;
    for (const x of counts) expect(Math.abs(x - 1000)).toBeLessThan(150);
  });
});

describe('ScoreBook', () => {
  it('resets changed hotkeys, grows and shrinks; stale answers are not credited', () => {
    const b = new ScoreBook(new Float64Array([0.5, 0.5, 0.5]), ['a', 'b', 'c']);
    const ch = b.sync(['a', 'x', 'c', 'd']);
    expect(ch).toEqual({ reset: [1], added: [3], removed: [] });
    expect(Array.from(b.scores())).toEqual([0.5, 0, 0.5, 0]);
    expect(b.apply(1, 'b', 1, 0.5)).toBeNull();
    expect(b.apply(1, 'x', 1, 0.5)).toBe(0.5);
    expect(b.apply(9, 'z', 1, 0.5)).toBeNull();
    expect(b.sync(['a', 'x'])).toEqual({ reset: [], added: [], removed: [2, 3] });
    expect(Array.from(b.scores())).toEqual([0.5, 0.5]);
  });
  it('a resumed state whose halves disagree keeps the common prefix', () => {
    const b = new ScoreBook(new Float64Array([0.1, 0.2, 0.3]), ['a', 'b']);
    expect(b.n).toBe(2);
  });
});
