/** Escaping, number formatting, scales, ticks and colours for the report's SVG charts. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Compact number display: integers as is, others with up to 4 significant digits. */
export function fmt(x: number | null | undefined): string {
  if (!isNum(x)) return '–';
  if (Number.isInteger(x)) return Math.abs(x) >= 1e6 ? x.toExponential(3) : String(x);
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** Coordinates in SVG, rounded to 0.01 px to keep the page small. */
export function px(x: number): string {
  return String(Math.round(x * 100) / 100);
}

export class Linear {
  constructor(
    readonly d0: number,
    readonly d1: number,
    readonly r0: number,
    readonly r1: number,
  ) {}
  map(x: number): number {
    if (this.d1 === this.d0) return (this.r0 + this.r1) / 2;
    return this.r0 + ((x - this.d0) / (this.d1 - this.d0)) * (this.r1 - this.r0);
  }
}

/** Extends [lo, hi] to round numbers and returns about `count` ticks inside. */
export function niceTicks(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  if (!isNum(lo) || !isNum(hi)) return { lo: 0, hi: 1, ticks: [0, 0.5, 1] };
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const nlo = Math.floor(lo / step + 1e-9) * step;
  const nhi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = nlo; t <= nhi + step * 1e-6; t += step) ticks.push(Number(t.toPrecision(12)));
  return { lo: nlo, hi: nhi, ticks };
}

/** A categorical palette (Okabe–Ito, then Tableau), readable for colour-blind viewers. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#4E79A7', '#F28E2B', '#59A14F', '#E15759'];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Viridis, sampled at 9 stops. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

/** Colour for t in [0, 1] on the viridis scale. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, isNum(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  const c = (k: number) => Math.round(a[k] + (b[k] - a[k]) * f).toString(16).padStart(2, '0');
  return `#${c(0)}${c(1)}${c(2)}`;
}

export const VIRIDIS_STOPS = VIRIDIS.length;

export function extent(values: Iterable<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!isNum(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * f : s[i];
}
