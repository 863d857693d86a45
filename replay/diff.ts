/**
 * Pure comparison helpers for replay: the first field that differs between two records, and the
 * per-uid diff between a recorded epoch and its re-run under other settings.
 */

export interface FirstDifference {
  /** dotted path of the first differing value, e.g. "consensus[3]" or "bonds[2][0]" */
  field: string;
  recorded: unknown;
  recomputed: unknown;
}

function norm(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function walk(path: string, a: unknown, b: unknown): FirstDifference | null {
  a = norm(a);
  b = norm(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return { field: path, recorded: a, recomputed: b };
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = walk(`${path}[${i}]`, a[i], b[i]);
      if (d) return d;
    }
    if (a.length !== b.length) return { field: `${path}.length`, recorded: a.length, recomputed: b.length };
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = walk(path ? `${path}.${k}` : k, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return Object.is(a, b) || a === b ? null : { field: path, recorded: a, recomputed: b };
  }
  return a === b ? null : { field: path, recorded: a, recomputed: b };
}

/**
 * The first value that differs, visiting `fields` in the given order (then nothing else).
 * Arrays compare element by element (numbers exactly), then by length.
 */
export function firstDifference(recorded: Record<string, unknown>, recomputed: Record<string, unknown>, fields: readonly string[], prefix = ''): FirstDifference | null {
  for (const f of fields) {
    const d = walk(prefix ? `${prefix}.${f}` : f, recorded[f], recomputed[f]);
    if (d) return d;
  }
  return null;
}

/** A sparse weight row as set on chain (uids and u16 values) compared as a map. */
export function rowsEqual(a: readonly [number, number][], b: readonly [number, number][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

export interface UidDelta {
  uid: number;
  hotkey?: string;
  kind?: string;
  incentive_before: number;
  incentive_after: number;
  incentive_delta: number;
  dividends_before: number;
  dividends_after: number;
  dividends_delta: number;
  emission_before: number;
  emission_after: number;
  emission_delta: number;
  consensus_before: number;
  consensus_after: number;
}

interface OutputLike {
  incentive: readonly number[];
  dividends: readonly number[];
  emission: readonly number[];
  consensus: readonly number[];
}

const u = (v: number | undefined) => (v ?? 0) / 65535;
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Per-uid change between two epoch outputs (u16 fields as fractions, emission in rao). Sorted by |incentive change|, then |emission change|. */
export function uidDeltas(before: OutputLike, after: OutputLike, labels?: { hotkeys?: readonly string[]; kinds?: readonly (string | undefined)[] }): UidDelta[] {
  const n = Math.max(before.incentive.length, after.incentive.length);
  const out: UidDelta[] = [];
  for (let i = 0; i < n; i++) {
    const ib = u(before.incentive[i]);
    const ia = u(after.incentive[i]);
    const db = u(before.dividends[i]);
    const da = u(after.dividends[i]);
    const eb = before.emission[i] ?? 0;
    const ea = after.emission[i] ?? 0;
    out.push({
      uid: i,
      ...(labels?.hotkeys?.[i] !== undefined ? { hotkey: labels.hotkeys[i] } : {}),
      ...(labels?.kinds?.[i] !== undefined ? { kind: labels.kinds[i] } : {}),
      incentive_before: r6(ib),
      incentive_after: r6(ia),
      incentive_delta: r6(ia - ib),
      dividends_before: r6(db),
      dividends_after: r6(da),
      dividends_delta: r6(da - db),
      emission_before: eb,
      emission_after: ea,
      emission_delta: ea - eb,
      consensus_before: r6(u(before.consensus[i])),
      consensus_after: r6(u(after.consensus[i])),
    });
  }
  return out;
}

/** Only the uids whose incentive, dividends or emission moved, largest incentive move first. */
export function changedUids(deltas: readonly UidDelta[]): UidDelta[] {
  return deltas
    .filter((d) => d.incentive_delta !== 0 || d.dividends_delta !== 0 || d.emission_delta !== 0)
    .sort((a, b) => Math.abs(b.incentive_delta) - Math.abs(a.incentive_delta) || Math.abs(b.emission_delta) - Math.abs(a.emission_delta) || a.uid - b.uid);
}

export interface RangeSummary {
  epochs: number;
  identical: number;
  differing: number;
  /** per uid, summed over the range */
  totals: { uid: number; hotkey?: string; kind?: string; incentive_delta_sum: number; dividends_delta_sum: number; emission_delta_sum: number }[];
  /** uids that gained / lost most over the range: by emission, or by incentive + dividends when the log has no emission (a validator's prediction may run with rao_emission 0) */
  top_gainers: number[];
  top_losers: number[];
}

export function summarizeRange(perEpoch: readonly { identical: boolean; deltas?: readonly UidDelta[] }[]): RangeSummary {
  const acc = new Map<number, RangeSummary['totals'][number]>();
  let anyEmission = false;
  for (const e of perEpoch) {
    for (const d of e.deltas ?? []) {
      const t = acc.get(d.uid) ?? { uid: d.uid, ...(d.hotkey ? { hotkey: d.hotkey } : {}), ...(d.kind ? { kind: d.kind } : {}), incentive_delta_sum: 0, dividends_delta_sum: 0, emission_delta_sum: 0 };
      t.incentive_delta_sum = r6(t.incentive_delta_sum + d.incentive_delta);
      t.dividends_delta_sum = r6(t.dividends_delta_sum + d.dividends_delta);
      t.emission_delta_sum += d.emission_delta;
      if (d.emission_before !== 0 || d.emission_after !== 0) anyEmission = true;
      acc.set(d.uid, t);
    }
  }
  const totals = [...acc.values()].sort((a, b) => a.uid - b.uid);
  const key = (t: RangeSummary['totals'][number]) => (anyEmission ? t.emission_delta_sum : t.incentive_delta_sum + t.dividends_delta_sum);
  const ranked = [...totals].sort((a, b) => key(b) - key(a));
  return {
    epochs: perEpoch.length,
    identical: perEpoch.filter((e) => e.identical).length,
    differing: perEpoch.filter((e) => !e.identical).length,
    totals,
    top_gainers: ranked.filter((t) => key(t) > 0).slice(0, 5).map((t) => t.uid),
    top_losers: ranked.filter((t) => key(t) < 0).reverse().slice(0, 5).map((t) => t.uid),
  };
}
