/** Pure policy parts: token bucket, rate limiter (bounded), bounded priority queue, metagraph blacklist. */
import fc from 'fast-check';
import { BoundedPriorityQueue, MetagraphPolicy, RateLimiter, TokenBucket } from '../../miner/policy';
import { errorToResponse } from '../../miner/server';
import { SubnetError } from '../../shared/errors';
import type { Metagraph } from '../../shared/chain/interface';

describe('TokenBucket', () => {
  it('allows the burst, then refills at the rate', () => {
    const b = new TokenBucket(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(400)).toBe(false); // 0.8 tokens
    expect(b.take(500)).toBe(true); // 1.0 token
    expect(b.take(10_000)).toBe(true);
    expect(b.available).toBeCloseTo(2, 5); // capped at the burst, minus one
  });
  it('never exceeds rate * t + burst admissions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        const b = new TokenBucket(10, 5, 0);
        let t = 0;
        let ok = 0;
        for (const g of gaps) {
          t += g;
          if (b.take(t)) ok++;
        }
        return ok <= 5 + (10 * t) / 1000 + 1e-9;
      }),
    );
  });
});

describe('RateLimiter', () => {
  it('keeps one bucket per key and forgets the oldest beyond maxKeys', () => {
    const r = new RateLimiter(1, 1, 3);
    expect(r.allow('a', 0)).toBe(true);
    expect(r.allow('a', 0)).toBe(false);
    for (const k of ['b', 'c', 'd', 'e']) r.allow(k, 0);
    expect(r.size).toBe(3);
  });
  it('rate 0 disables limiting', () => {
    const r = new RateLimiter(0, 1, 3);
    for (let i = 0; i < 100; i++) expect(r.allow('a', 0)).toBe(true);
    expect(r.size).toBe(0);
  });
});

describe('BoundedPriorityQueue', () => {
  it('pops by priority, FIFO among equals', () => {
    const q = new BoundedPriorityQueue<string>(10);
    q.push('a1', 1);
    q.push('b5', 5);
    q.push('c1', 1);
    q.push('d5', 5);
    q.push('e3', 3);
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['b5', 'd5', 'e3', 'a1', 'c1', undefined]);
  });
  it('when full, refuses an equal/lower priority and evicts the lowest (latest) for a higher one', () => {
    const q = new BoundedPriorityQueue<string>(3);
    q.push('a', 1);
    q.push('b', 1);
    q.push('c', 2);
    expect(q.push('d', 1)).toEqual({ accepted: false });
    expect(q.push('e', 5)).toEqual({ accepted: true, evicted: 'b' });
    expect(q.size).toBe(3);
    expect([q.pop(), q.pop(), q.pop()]).toEqual(['e', 'c', 'a']);
  });
  it('removeWhere keeps the heap valid', () => {
    const q = new BoundedPriorityQueue<number>(100);
    for (let i = 0; i < 50; i++) q.push(i, i % 7);
    q.removeWhere((v) => v % 3 === 0);
    const out: number[] = [];
    for (let v = q.pop(); v !== undefined; v = q.pop()) out.push(v);
    expect(out.length).toBe(33);
    const prios = out.map((v) => v % 7);
    expect([...prios].sort((a, b) => b - a)).toEqual(prios);
  });
  it('matches a sorted reference and never exceeds capacity (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (ops, cap) => {
        const q = new BoundedPriorityQueue<number>(cap);
        const ref: { v: number; p: number; s: number }[] = [];
        let seq = 0;
        for (const [isPush, p] of ops) {
          if (isPush) {
            const v = seq++;
            const r = q.push(v, p);
            if (ref.length < cap) {
              if (!r.accepted) return false;
              ref.push({ v, p, s: v });
            } else {
              const min = [...ref].sort((a, b) => a.p - b.p || b.s - a.s)[0];
              if (p > min.p) {
                if (!r.accepted || r.evicted !== min.v) return false;
                ref.splice(ref.indexOf(min), 1);
                ref.push({ v, p, s: v });
              } else if (r.accepted) return false;
            }
          } else {
            ref.sort((a, b) => b.p - a.p || a.s - b.s);
            const want = ref.shift();
            if (q.pop() !== want?.v) return false;
          }
          if (q.size !== ref.length || q.size > cap) return false;
        }
        return true;
      }),
    );
  });
});

describe('MetagraphPolicy', () => {
  const mg = {
    block: 10,
    hotkeys: ['val', 'miner', 'poor'],
    validatorPermit: [true, false, true],
    stake: [5_000_000_000n, 10n, 1n],
  } as unknown as Metagraph;
  it('fails closed before the first metagraph', () => {
    expect(new MetagraphPolicy({ requireRegistered: true, requireValidatorPermit: true, minStakeRao: 0n }).check('val')).toMatchObject({ allow: false, code: 'no_metagraph' });
  });
  const rows: [string, { requireRegistered: boolean; requireValidatorPermit: boolean; minStakeRao: bigint }, string, string | number][] = [
    ['registered validator with stake', { requireRegistered: true, requireValidatorPermit: true, minStakeRao: 0n }, 'val', 5],
    ['unregistered', { requireRegistered: true, requireValidatorPermit: true, minStakeRao: 0n }, 'nobody', 'unregistered'],
    ['unregistered allowed', { requireRegistered: false, requireValidatorPermit: true, minStakeRao: 0n }, 'nobody', 0],
    ['no permit', { requireRegistered: true, requireValidatorPermit: true, minStakeRao: 0n }, 'miner', 'no_validator_permit'],
    ['no permit allowed', { requireRegistered: true, requireValidatorPermit: false, minStakeRao: 0n }, 'miner', 10 / 1e9],
    ['below min stake', { requireRegistered: true, requireValidatorPermit: true, minStakeRao: 100n }, 'poor', 'low_stake'],
  ];
  it.each(rows)('%s', (_n, opts, hk, want) => {
    const p = new MetagraphPolicy(opts);
    p.update(mg);
    const d = p.check(hk);
    if (typeof want === 'number') expect(d).toEqual({ allow: true, priority: want });
    else expect(d).toMatchObject({ allow: false, code: want });
  });
});

describe('errorToResponse', () => {
  it('maps model input errors to invalid_input, others to internal without leaking details', () => {
    expect(errorToResponse(new SubnetError('MODEL_BAD_SHAPE', 'm', { dim: 1, big: 5n }))).toEqual({ status: 'invalid_input', error: { code: 'MODEL_BAD_SHAPE', message: 'm', context: { dim: 1, big: '5' } } });
    expect(errorToResponse(new SubnetError('MODEL_RUN_FAILED', 'x')).status).toBe('internal');
    expect(errorToResponse(new SubnetError('unknown_synapse', 'x')).status).toBe('unknown_synapse');
    expect(errorToResponse(new Error('secret path /home/x'))).toEqual({ status: 'internal', error: { code: 'internal', message: 'the handler failed', context: {} } });
  });
});
