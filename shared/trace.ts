/**
 * A timeline of the wire, for finding where a connection waits: the frames each side receives
 * and sends, and the miner's model runs, published on a `node:diagnostics_channel`. Nothing is
 * built unless somebody subscribes (one `hasSubscribers` check per frame). `subnet miner --trace
 * FILE` records the miner's side; `subnet bench miner trace` records both and prints the summary.
 */
import { channel } from 'node:diagnostics_channel';

export type TraceSide = 'miner' | 'client';
/** recv/send: one frame (bytes; n = messages for send); run/ran: a model run merging n requests starts/ends */
export type TraceWhat = 'recv' | 'send' | 'run' | 'ran';

export interface TraceEvent {
  /** ms since the epoch, sub-ms resolution (performance.timeOrigin + performance.now()) */
  t: number;
  side: TraceSide;
  what: TraceWhat;
  n: number;
  bytes: number;
}

export const wireChannel = channel('subnet-ts:wire');

export function traceWire(side: TraceSide, what: TraceWhat, n: number, bytes: number): void {
  if (wireChannel.hasSubscribers) wireChannel.publish({ t: performance.timeOrigin + performance.now(), side, what, n, bytes } satisfies TraceEvent);
}

/** Keeps up to `max` events in memory until stop(). */
export function recordTrace(max = 500_000): { events: TraceEvent[]; dropped: () => number; stop: () => TraceEvent[] } {
  const events: TraceEvent[] = [];
  let dropped = 0;
  const onEvent = (m: unknown) => {
    if (events.length < max) events.push(m as TraceEvent);
    else dropped++;
  };
  wireChannel.subscribe(onEvent);
  return {
    events,
    dropped: () => dropped,
    stop: () => {
      wireChannel.unsubscribe(onEvent);
      return events;
    },
  };
}

export interface TraceTransition {
  /** e.g. "miner recv -> miner run" */
  step: string;
  count: number;
  median_us: number;
  total_ms: number;
}

export interface TraceSummary {
  events: number;
  span_ms: number;
  /** consecutive events of the merged timeline, grouped by (from, to), most total time first */
  steps: TraceTransition[];
  /**
   * per side: the gaps of at least `gapUs` between that side's consecutive events and their share
   * of the span (a long frame being worked on, waiting for the other side, or a stall)
   */
  long_gaps: Record<TraceSide, { gaps: number; total_ms: number; share: number }>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[s.length >> 1];
}

/**
 * Where the time goes between consecutive events of the merged timeline (both sides' events
 * sorted by time), and how long each side went without an event of its own for `gapUs` or more.
 * Pure.
 */
export function summarizeTrace(events: readonly TraceEvent[], gapUs = 300): TraceSummary {
  const ev = [...events].sort((a, b) => a.t - b.t);
  const span = ev.length > 1 ? ev[ev.length - 1].t - ev[0].t : 0;
  const by = new Map<string, number[]>();
  for (let i = 1; i < ev.length; i++) {
    const k = `${ev[i - 1].side} ${ev[i - 1].what} -> ${ev[i].side} ${ev[i].what}`;
    let a = by.get(k);
    if (!a) by.set(k, (a = []));
    a.push((ev[i].t - ev[i - 1].t) * 1000);
  }
  const steps = [...by].map(([step, us]) => ({ step, count: us.length, median_us: Math.round(median(us)), total_ms: Math.round(us.reduce((x, y) => x + y, 0)) / 1000 }));
  steps.sort((a, b) => b.total_ms - a.total_ms);
  const longGaps = {} as TraceSummary['long_gaps'];
  for (const side of ['miner', 'client'] as const) {
    const own = ev.filter((e) => e.side === side);
    let gaps = 0;
    let total = 0;
    for (let i = 1; i < own.length; i++) {
      const d = (own[i].t - own[i - 1].t) * 1000;
      if (d >= gapUs) {
        gaps++;
        total += d;
      }
    }
    longGaps[side] = { gaps, total_ms: Math.round(total) / 1000, share: span > 0 ? Math.round((total / 1000 / span) * 1000) / 1000 : 0 };
  }
  return { events: ev.length, span_ms: Math.round(span * 1000) / 1000, steps, long_gaps: longGaps };
}
