/**
 * `subnet replay --report FILE.html`: collects what the page needs while epochs are replayed
 * (so a long range does not keep every output), then builds a shared/report Report:
 * incentive per uid across epochs before/after, the weight matrix as a heat map (recorded and,
 * with changes, replayed), score distributions per miner kind, and a per-uid summary table.
 */
import type { Report, ReportSection, Chart } from '../shared/report/types';
import type { EpochReplayResult } from './interface';

const U16 = 65535;
/** most uids drawn as lines (the ones with the largest incentive, before or after) */
const MAX_LINES = 12;

export interface ReportLabels {
  /** hotkey → miner kind (from a devnet manifest), optional */
  kindOf?: (hotkey: string) => string | undefined;
}

export class ReplayReportBuilder {
  private readonly epochs: number[] = [];
  private readonly before: number[][] = [];
  private readonly after: number[][] = [];
  private lastRecordedWeights: [number, number][][] | null = null;
  private lastReplayedWeights: [number, number][][] | null = null;
  private lastN = 0;
  private readonly scoresByKind = new Map<string, number[]>();
  private hotkeys: string[] = [];
  private changed = false;
  private identical = 0;

  constructor(private readonly labels: ReportLabels = {}) {}

  /** Needs a result replayed with keepOutputs. */
  add(r: EpochReplayResult, recordedWeights: [number, number][][]): void {
    if (!r.output || !r.recorded || !r.input) return;
    this.changed = this.changed || r.changed;
    if (r.identical) this.identical++;
    this.epochs.push(r.epoch);
    this.before.push(r.recorded.incentive.map((v) => v / U16));
    this.after.push(r.output.incentive.map((v) => v / U16));
    this.lastRecordedWeights = recordedWeights;
    this.lastReplayedWeights = r.input.weights;
    this.lastN = r.n;
    this.hotkeys = r.hotkeys ?? this.hotkeys;
    for (const s of r.scores ?? []) {
      const hk = this.hotkeys[s.uid];
      const kind = (hk && this.labels.kindOf?.(hk)) ?? `uid ${s.uid}`;
      let arr = this.scoresByKind.get(kind);
      if (!arr) this.scoresByKind.set(kind, (arr = []));
      arr.push(s.score);
    }
  }

  private label(uid: number): string {
    const hk = this.hotkeys[uid];
    const kind = hk ? this.labels.kindOf?.(hk) : undefined;
    return kind ? `uid ${uid} (${kind})` : `uid ${uid}`;
  }

  private matrix(rows: [number, number][][]): { values: (number | null)[][]; rowLabels: string[] } {
    const n = this.lastN;
    const values: (number | null)[][] = [];
    const rowLabels: string[] = [];
    rows.forEach((row, i) => {
      if (!row || row.length === 0) return;
      const line = new Array<number | null>(n).fill(0);
      const max = row.reduce((m, [, v]) => Math.max(m, v), 0) || 1;
      for (const [j, v] of row) if (j < n) line[j] = v / max;
      values.push(line);
      rowLabels.push(`uid ${i}`);
    });
    return { values, rowLabels };
  }

  build(title: string, subtitle: string): Report {
    const sections: ReportSection[] = [];
    const n = this.before.reduce((m, r) => Math.max(m, r.length), 0);
    // uids to draw: top by max incentive over the range
    const peak = Array.from({ length: n }, (_, u) => ({ u, v: Math.max(0, ...this.before.map((r) => r[u] ?? 0), ...this.after.map((r) => r[u] ?? 0)) }));
    const shown = peak.filter((p) => p.v > 0).sort((a, b) => b.v - a.v).slice(0, MAX_LINES).map((p) => p.u).sort((a, b) => a - b);
    const series = shown.flatMap((u) => [
      { name: `${this.label(u)} recorded`, values: this.before.map((r) => r[u] ?? null), x: this.epochs },
      ...(this.changed ? [{ name: `${this.label(u)} replayed`, values: this.after.map((r) => r[u] ?? null), x: this.epochs, dashed: true }] : []),
    ]);
    sections.push({
      title: 'Incentive per uid across epochs',
      text: this.changed
        ? 'Solid lines: the incentive the validator recorded (its Yuma prediction on the chain snapshot). Dashed: the same epochs replayed with the changes.'
        : `Nothing was changed: the replay reproduced ${this.identical} of ${this.epochs.length} epochs exactly; recorded and replayed lines coincide.`,
      charts: [{ kind: 'line', title: 'incentive', series, x: this.epochs, xLabel: 'epoch', yLabel: 'incentive (fraction)', yMin: 0 } as Chart],
    });
    const heat: Chart[] = [];
    if (this.lastRecordedWeights) {
      const m = this.matrix(this.lastRecordedWeights);
      heat.push({ kind: 'heatmap', title: `weights on chain, epoch ${this.epochs[this.epochs.length - 1]} (row-normalised)`, values: m.values, rowLabels: m.rowLabels, colLabels: Array.from({ length: this.lastN }, (_, j) => String(j)), xLabel: 'miner uid', yLabel: 'validator', min: 0, max: 1 });
    }
    if (this.changed && this.lastReplayedWeights) {
      const m = this.matrix(this.lastReplayedWeights);
      heat.push({ kind: 'heatmap', title: `weights replayed, epoch ${this.epochs[this.epochs.length - 1]} (row-normalised)`, values: m.values, rowLabels: m.rowLabels, colLabels: Array.from({ length: this.lastN }, (_, j) => String(j)), xLabel: 'miner uid', yLabel: 'validator', min: 0, max: 1 });
    }
    sections.push({ title: 'Weight matrix', text: 'Each row is one validator\'s stored weight row, divided by its maximum.', charts: heat });
    const groups = [...this.scoresByKind.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true })).map(([name, values]) => ({ name, values }));
    sections.push({
      title: 'Score distributions per miner kind',
      text: this.labels.kindOf ? 'Scores of every answer in the range, grouped by the miner kind from the devnet manifest.' : 'Scores of every answer in the range, per uid (no devnet manifest found to group by kind).',
      charts: [
        { kind: 'box', title: 'scores', groups, yLabel: 'score' },
        { kind: 'histogram', title: 'score histogram', series: groups.slice(0, 8), bins: 20, min: 0, max: 1, xLabel: 'score', yLabel: 'answers' },
      ],
    });
    const lastB = this.before[this.before.length - 1] ?? [];
    const lastA = this.after[this.after.length - 1] ?? [];
    const rows = Array.from({ length: n }, (_, u) => {
      const sumB = this.before.reduce((s, r) => s + (r[u] ?? 0), 0);
      const sumA = this.after.reduce((s, r) => s + (r[u] ?? 0), 0);
      return [u, this.hotkeys[u] ? this.hotkeys[u].slice(0, 10) + '…' : '', (this.hotkeys[u] && this.labels.kindOf?.(this.hotkeys[u])) ?? '', round(lastB[u] ?? 0), round(lastA[u] ?? 0), round((lastA[u] ?? 0) - (lastB[u] ?? 0)), round(sumB / Math.max(1, this.epochs.length)), round(sumA / Math.max(1, this.epochs.length))];
    });
    sections.push({
      title: 'Per uid',
      charts: [{ kind: 'table', columns: ['uid', 'hotkey', 'kind', 'incentive recorded (last)', 'incentive replayed (last)', 'change', 'mean recorded', 'mean replayed'], rows }],
    });
    return { title, subtitle, sections };
  }
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
