/** Human-readable text tables for simulation results, and the machine JSON summaries. */
import type { CollusionResult, FlippingResult, InactiveResult, SimulationResult, WeightCopyingResult } from './result';
import { round } from './metrics';

function table(head: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '–' : typeof c === 'number' ? (Number.isFinite(c) ? String(c) : '–') : c)));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...cells.map(line)].join('\n');
}

const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null, d = 4): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const ep = (x: number | null): string => (x === null ? '–' : String(x));

function header(r: SimulationResult): string {
  const s = r.settings;
  return (
    `scenario ${r.scenario} (${r.kind}): ${s.validators} validators, ${s.miners} miners, ${s.epochs} epochs, ` +
    `kappa ${s.kappa_u16} (${s.kappa.toFixed(4)}), ${s.yuma3 ? 'yuma3' : 'classic'}${s.liquid_alpha ? ' + liquid alpha' : ''}, ` +
    `tempo ${s.tempo}, activity_cutoff ${s.activity_cutoff}, seed ${s.seed}`
  );
}

function collusionText(r: CollusionResult): string {
  const t = table(
    ['colluding stake', 'colluders', 'cheater incentive', 'colluder dividends', 'div. epochs to 50%', 'to 90%'],
    r.points.map((p) => [pct(p.colluding_stake), p.colluders, pct(p.cheater_incentive_share), pct(p.colluder_dividend_share), ep(p.dividend_epochs_to_50), ep(p.dividend_epochs_to_90)]),
  );
  const verdict =
    r.breaks_at === null
      ? `the cheater never took more than 50% of incentive in this sweep (kappa ${r.settings.kappa.toFixed(4)})`
      : `the cheater takes over (> 50% of incentive) at colluding stake ${pct(r.breaks_at)}; kappa ${r.settings.kappa.toFixed(4)}` +
        (r.safe_up_to !== null ? `; it gets < 1% up to ${pct(r.safe_up_to)}` : '');
  return `${t}\n\n${verdict}`;
}

function copyingText(r: WeightCopyingResult): string {
  const t = table(
    ['delay (epochs)', 'copier dividends', 'twin dividends', 'copier/twin', 'copier vtrust', 'twin vtrust', 'other honest vtrust'],
    r.variants.map((v) => [String(v.delay), num(v.copier_dividends), num(v.twin_dividends), num(v.dividend_ratio, 3), num(v.copier_vtrust), num(v.twin_vtrust), num(v.honest_vtrust)]),
  );
  return (
    `${t}\n\nmeans over the second half of the run; the copier (uid ${r.variants[0]?.copier_uid}) and its honest twin (uid ${r.variants[0]?.twin_uid}) have the same stake; ` +
    `delay d = the copier sees a consensus d epochs later than "last epoch's" (commit-reveal-like); quality drift ${r.quality_drift}/epoch`
  );
}

function inactiveText(r: InactiveResult): string {
  const s = r.settings;
  const rows: [string, string][] = [
    ['stopped validators (uids)', `${r.stopped_uids.join(', ')} (${pct(r.inactive_stake)} of stake)`],
    ['stopped setting weights at epoch', String(r.stop_epoch)],
    ['inactive from epoch', `${ep(r.inactive_from_epoch)} (${ep(r.epochs_until_inactive)} epochs after stopping; cutoff ${s.activity_cutoff} blocks / ${s.tempo + 1} per epoch)`],
    ['their dividend share before / last', `${pct(r.dividend_share_before)} / ${pct(r.dividend_share_last)}`],
    ['dividends: epochs to 50% / 90% of the drop', `${ep(r.dividend_epochs_to_50)} / ${ep(r.dividend_epochs_to_90)}`],
    ['their share of bond mass before / last', `${pct(r.bond_share_before)} / ${pct(r.bond_share_last)}`],
    ['bonds: epochs to 50% / 90% of the drop', `${ep(r.bond_epochs_to_50)} / ${ep(r.bond_epochs_to_90)}`],
  ];
  return table(['measure', 'value'], rows);
}

function flippingText(r: FlippingResult): string {
  const t = table(
    ['flip at epoch', 'to', 'incentive epochs to 50%', 'to 90%', 'bonds epochs to 50%', 'to 90%'],
    r.flips.map((f) => [String(f.epoch), f.to, ep(f.incentive_epochs_to_50), ep(f.incentive_epochs_to_90), ep(f.bond_epochs_to_50), ep(f.bond_epochs_to_90)]),
  );
  const g = r.summary.to_garbage;
  const h = r.summary.to_honest;
  return (
    `${t}\n\nmedian epochs to 50%/90% of the new level - to garbage: incentive ${ep(g.incentive_epochs_to_50)}/${ep(g.incentive_epochs_to_90)}, bonds ${ep(g.bond_epochs_to_50)}/${ep(g.bond_epochs_to_90)}; ` +
    `to honest: incentive ${ep(h.incentive_epochs_to_50)}/${ep(h.incentive_epochs_to_90)}, bonds ${ep(h.bond_epochs_to_50)}/${ep(h.bond_epochs_to_90)} ` +
    `("–": no measurable move). flippers: uids ${r.flipper_uids.join(', ')}, every ${r.flip_every} epochs`
  );
}

/** A readable multi-line text summary. */
export function formatResult(r: SimulationResult): string {
  let body: string;
  switch (r.kind) {
    case 'collusion':
      body = collusionText(r);
      break;
    case 'weight-copying':
      body = copyingText(r);
      break;
    case 'inactive':
      body = inactiveText(r);
      break;
    case 'flipping':
      body = flippingText(r);
      break;
  }
  return `${header(r)}\n\n${body}\n`;
}

function roundDeep(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? round(v, 6) : null;
  if (Array.isArray(v)) return v.map(roundDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundDeep(x)]));
  return v;
}

/**
 * The `--json` object. For collusion it is exactly the acceptance form
 * `{"scenario", "points": [{"colluding_stake", "cheater_incentive_share"}]}` (the cheater's share
 * unrounded); with `details`, or for other kinds, the whole result (numbers rounded to 1e-6,
 * non-finite as null).
 */
export function jsonResult(r: SimulationResult, details = false): Record<string, unknown> {
  if (r.kind === 'collusion' && !details) {
    return {
      scenario: r.scenario,
      points: r.points.map((p) => ({ colluding_stake: p.colluding_stake, cheater_incentive_share: p.cheater_incentive_share })),
    };
  }
  return roundDeep(r) as Record<string, unknown>;
}
