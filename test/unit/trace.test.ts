/** shared/trace: the wire timeline (diagnostics_channel) and its pure summary. */
import { recordTrace, summarizeTrace, traceWire, wireChannel, type TraceEvent } from '../../shared/trace';

const ev = (t: number, side: TraceEvent['side'], what: TraceEvent['what'], n = 0): TraceEvent => ({ t, side, what, n, bytes: 0 });

describe('traceWire / recordTrace', () => {
  it('publishes nothing without a subscriber, and records in order while one listens', () => {
    expect(wireChannel.hasSubscribers).toBe(false);
    traceWire('miner', 'recv', 0, 10); // dropped: nobody listens
    const r = recordTrace();
    traceWire('client', 'send', 32, 5725);
    traceWire('miner', 'recv', 0, 5725);
    const events = r.stop();
    traceWire('miner', 'send', 32, 100); // after stop: not recorded
    expect(events.map((e) => [e.side, e.what, e.n, e.bytes])).toEqual([
      ['client', 'send', 32, 5725],
      ['miner', 'recv', 0, 5725],
    ]);
    expect(events[1].t).toBeGreaterThanOrEqual(events[0].t);
    expect(Math.abs(events[0].t - Date.now())).toBeLessThan(5_000); // epoch ms
    expect(wireChannel.hasSubscribers).toBe(false);
  });

  it('keeps at most max events and counts the rest', () => {
    const r = recordTrace(2);
    for (let i = 0; i < 5; i++) traceWire('miner', 'run', i, 0);
    expect(r.stop().map((e) => e.n)).toEqual([0, 1]);
    expect(r.dropped()).toBe(3);
  });
});

describe('summarizeTrace', () => {
  // one round: client sends at 0 ms, miner receives at 0.1, runs 0.2–0.3, sends at 0.5, client receives at 0.6;
  // the next round starts 1 ms later
  const round = (t0: number) => [ev(t0, 'client', 'send', 32), ev(t0 + 0.1, 'miner', 'recv'), ev(t0 + 0.2, 'miner', 'run', 32), ev(t0 + 0.3, 'miner', 'ran', 32), ev(t0 + 0.5, 'miner', 'send', 32), ev(t0 + 0.6, 'client', 'recv')];
  const events = [...round(1000), ...round(1001), ...round(1002)].reverse(); // any order in

  it('groups consecutive events of the merged timeline by step, most total time first', () => {
    const s = summarizeTrace(events);
    expect(s.events).toBe(18);
    expect(s.span_ms).toBeCloseTo(2.6, 6);
    const step = (name: string) => s.steps.find((x) => x.step === name);
    expect(step('client recv -> client send')).toEqual({ step: 'client recv -> client send', count: 2, median_us: 400, total_ms: 0.8 });
    expect(step('miner ran -> miner send')).toMatchObject({ count: 3, median_us: 200 });
    expect(step('client send -> miner recv')).toMatchObject({ count: 3, median_us: 100 });
    expect(s.steps[0].step).toBe('client recv -> client send');
    expect(s.steps.reduce((a, x) => a + x.count, 0)).toBe(17);
  });

  it('measures the long gaps between the events of each side', () => {
    const s = summarizeTrace(events, 300);
    // miner: recv→run→ran→send is 0.1/0.1/0.2 ms, then 0.6 ms until the next recv (twice)
    expect(s.long_gaps.miner).toEqual({ gaps: 2, total_ms: 1.2, share: 0.462 });
    // client: send→recv 0.6 ms (three times), recv→send 0.4 ms (twice)
    expect(s.long_gaps.client.gaps).toBe(5);
    expect(s.long_gaps.client.total_ms).toBeCloseTo(2.6, 6);
    expect(summarizeTrace([]).span_ms).toBe(0);
  });
});
