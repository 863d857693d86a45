/** SVG (and one HTML table) renderers for each chart kind. Every text goes through esc(). */
import type { BarChart, BoxChart, Chart, HeatmapChart, HistogramChart, LineChart, TableChart } from './types';
import { Linear, colour, esc, extent, fmt, isNum, niceTicks, px, quantileSorted, viridis, VIRIDIS_STOPS } from './svg';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Per-page state (unique ids for gradients/clip paths). */
export interface RenderContext {
  nextId(prefix: string): string;
}

interface Frame {
  x: Linear;
  y: Linear;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function svgOpen(kind: string, w: number, h: number, label: string): string {
  return `<svg xmlns="${SVG_NS}" class="chart-svg" data-kind="${esc(kind)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">`;
}

function titleEl(s: string): string {
  return `<title>${esc(s)}</title>`;
}

/** Axes with ticks, grid lines and axis labels; returns the SVG text and the frame. */
function axes(
  w: number,
  h: number,
  xd: [number, number] | null,
  yd: [number, number],
  opts: { xLabel?: string; yLabel?: string; xTicks?: boolean; margin?: Partial<{ l: number; r: number; t: number; b: number }> },
): { svg: string; f: Frame } {
  const m = { l: 64, r: 16, t: 12, b: 44, ...opts.margin };
  const yt = niceTicks(yd[0], yd[1], 5);
  const left = m.l;
  const right = w - m.r;
  const top = m.t;
  const bottom = h - m.b;
  const y = new Linear(yt.lo, yt.hi, bottom, top);
  let x = new Linear(0, 1, left, right);
  const parts: string[] = [`<g class="axes">`];
  parts.push(`<rect class="plot-bg" x="${left}" y="${top}" width="${px(right - left)}" height="${px(bottom - top)}" fill="#fafafa" stroke="#ccc"/>`);
  for (const t of yt.ticks) {
    const yy = px(y.map(t));
    parts.push(`<line class="grid" x1="${left}" x2="${right}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fmt(t))}</text>`);
  }
  if (xd) {
    const xt = niceTicks(xd[0], xd[1], 8);
    x = new Linear(xd[0] === xd[1] ? xd[0] - 1 : xd[0], xd[0] === xd[1] ? xd[1] + 1 : xd[1], left, right);
    if (opts.xTicks !== false) {
      for (const t of xt.ticks) {
        if (t < x.d0 - 1e-9 || t > x.d1 + 1e-9) continue;
        const xx = px(x.map(t));
        parts.push(`<line class="xtick" x1="${xx}" x2="${xx}" y1="${bottom}" y2="${bottom + 4}" stroke="#888"/>`);
        parts.push(`<text class="tick" x="${xx}" y="${bottom + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
      }
    }
  }
  if (opts.xLabel) parts.push(`<text class="axis-label" x="${px((left + right) / 2)}" y="${h - 6}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text class="axis-label" transform="translate(14 ${px((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  parts.push(`</g>`);
  return { svg: parts.join(''), f: { x, y, left, top, right, bottom } };
}

function legend(items: { name: string; colour: string; dashed?: boolean }[]): string {
  if (items.length <= 1 && !items.some((i) => i.name)) return '';
  return `<div class="legend">${items
    .map((i) => `<span class="legend-item"><span class="swatch" style="background:${esc(i.colour)}${i.dashed ? ';opacity:0.6' : ''}"></span>${esc(i.name)}</span>`)
    .join('')}</div>`;
}

function figure(c: Chart, body: string, extra = ''): string {
  const t = c.title ? `<figcaption class="chart-title">${esc(c.title)}</figcaption>` : '';
  const cap = c.caption ? `<p class="caption">${esc(c.caption)}</p>` : '';
  return `<figure class="chart chart-${esc(c.kind)}">${t}${extra}${body}${cap}</figure>`;
}

export function renderLine(c: LineChart): string {
  const w = c.width ?? 760;
  const h = c.height ?? 320;
  const xsOf = (s: LineChart['series'][number]) => s.x ?? c.x ?? s.values.map((_, i) => i);
  const allX: number[] = [];
  const allY: (number | null)[] = [];
  for (const s of c.series) {
    allX.push(...xsOf(s));
    allY.push(...s.values);
  }
  for (const v of c.vlines ?? []) allX.push(v.x);
  for (const v of c.hlines ?? []) allY.push(v.y);
  const xd = extent(allX) ?? [0, 1];
  let yd = extent(allY) ?? [0, 1];
  yd = [Math.min(0, yd[0]), Math.max(0, yd[1])];
  if (isNum(c.yMin)) yd[0] = c.yMin;
  if (isNum(c.yMax)) yd[1] = c.yMax;
  const { svg: ax, f } = axes(w, h, xd, yd, { xLabel: c.xLabel, yLabel: c.yLabel });
  const parts: string[] = [svgOpen('line', w, h, c.title ?? 'line chart'), ax];
  for (const r of c.hlines ?? []) {
    const yy = px(f.y.map(r.y));
    parts.push(`<line class="hline" x1="${f.left}" x2="${f.right}" y1="${yy}" y2="${yy}" stroke="#999" stroke-dasharray="4 3">${titleEl(r.label ?? fmt(r.y))}</line>`);
    if (r.label) parts.push(`<text class="ref-label" x="${f.right - 4}" y="${px(f.y.map(r.y) - 4)}" text-anchor="end">${esc(r.label)}</text>`);
  }
  for (const r of c.vlines ?? []) {
    const xx = px(f.x.map(r.x));
    parts.push(`<line class="vline" x1="${xx}" x2="${xx}" y1="${f.top}" y2="${f.bottom}" stroke="#999" stroke-dasharray="4 3">${titleEl(r.label ?? fmt(r.x))}</line>`);
    if (r.label) parts.push(`<text class="ref-label" x="${px(f.x.map(r.x) + 4)}" y="${f.top + 12}">${esc(r.label)}</text>`);
  }
  c.series.forEach((s, si) => {
    const xs = xsOf(s);
    const col = colour(si);
    const segs: string[] = [];
    let cur = '';
    const dots: string[] = [];
    const showDots = c.dots ?? s.values.length <= 80;
    s.values.forEach((v, i) => {
      const xv = xs[i];
      if (!isNum(v) || !isNum(xv)) {
        if (cur) segs.push(cur);
        cur = '';
        return;
      }
      const X = px(f.x.map(xv));
      const Y = px(f.y.map(v));
      cur += `${cur ? 'L' : 'M'}${X} ${Y}`;
      if (showDots) dots.push(`<circle class="pt" cx="${X}" cy="${Y}" r="2.5" fill="${col}">${titleEl(`${s.name}: x=${fmt(xv)}, y=${fmt(v)}`)}</circle>`);
    });
    if (cur) segs.push(cur);
    parts.push(`<g class="series" data-series="${esc(s.name)}">`);
    for (const d of segs) parts.push(`<path class="line" d="${d}" fill="none" stroke="${col}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}>${titleEl(s.name)}</path>`);
    parts.push(...dots, `</g>`);
  });
  parts.push('</svg>');
  return figure(c, parts.join(''), legend(c.series.map((s, i) => ({ name: s.name, colour: colour(i), dashed: s.dashed }))));
}

/** At most `max` evenly spaced label indices. */
function labelStride(n: number, max: number): number {
  return Math.max(1, Math.ceil(n / max));
}

/**
 * Block-averages a matrix whose cell count exceeds `maxCells` (so a 1024×1024 weight matrix stays
 * a page of reasonable size); labels become ranges "a–b".
 */
export function downsampleMatrix(c: HeatmapChart, maxCells: number): HeatmapChart {
  const rows = c.values.length;
  const cols = rows ? Math.max(...c.values.map((r) => r.length)) : 0;
  if (rows * cols <= maxCells) return c;
  const k = Math.ceil(Math.sqrt((rows * cols) / maxCells));
  const rl = c.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  const cl = c.colLabels ?? Array.from({ length: cols }, (_, i) => String(i));
  const span = (labels: string[], a: number, b: number) => (b - 1 > a ? `${labels[a]}–${labels[b - 1]}` : labels[a]);
  const values: (number | null)[][] = [];
  const rowLabels: string[] = [];
  const colLabels: string[] = [];
  for (let c0 = 0; c0 < cols; c0 += k) colLabels.push(span(cl, c0, Math.min(cols, c0 + k)));
  for (let r0 = 0; r0 < rows; r0 += k) {
    rowLabels.push(span(rl, r0, Math.min(rows, r0 + k)));
    const out: (number | null)[] = [];
    for (let c0 = 0; c0 < cols; c0 += k) {
      let s = 0;
      let n = 0;
      for (let r = r0; r < Math.min(rows, r0 + k); r++) {
        for (let q = c0; q < Math.min(cols, c0 + k); q++) {
          const v = c.values[r][q];
          if (isNum(v)) {
            s += v;
            n++;
          }
        }
      }
      out.push(n ? s / n : null);
    }
    values.push(out);
  }
  const note = `block means of ${k}×${k} cells (${rows}×${cols} matrix)`;
  return { ...c, values, rowLabels, colLabels, caption: c.caption ? `${c.caption} (${note})` : note };
}

/** Cells drawn at most; larger matrices are block-averaged (downsampleMatrix). */
export const HEATMAP_MAX_CELLS = 16384;

export function renderHeatmap(input: HeatmapChart, ctx: RenderContext): string {
  const c = downsampleMatrix(input, HEATMAP_MAX_CELLS);
  const rows = c.values.length;
  const cols = rows ? Math.max(...c.values.map((r) => r.length)) : 0;
  const w = c.width ?? 760;
  const rowLabels = c.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  const colLabels = c.colLabels ?? Array.from({ length: cols }, (_, i) => String(i));
  const m = { l: 70, r: 90, t: 12, b: 56 };
  const plotW = w - m.l - m.r;
  const cellW = cols ? plotW / cols : plotW;
  const cellH = Math.max(2, Math.min(24, cellW * 1.0, 480 / Math.max(1, rows)));
  const h = c.height ?? Math.round(m.t + m.b + cellH * rows);
  const plotH = h - m.t - m.b;
  const ch = rows ? plotH / rows : plotH;
  const ext = extent(c.values.flat()) ?? [0, 1];
  const lo = isNum(c.min) ? c.min : ext[0];
  const hi = isNum(c.max) ? c.max : ext[1];
  const t = (v: number) => (hi === lo ? 0.5 : (v - lo) / (hi - lo));
  const parts: string[] = [svgOpen('heatmap', w, h, c.title ?? 'heat map')];
  parts.push(`<rect class="plot-bg" x="${m.l}" y="${m.t}" width="${px(plotW)}" height="${px(plotH)}" fill="#f0f0f0"/>`);
  parts.push('<g class="cells">');
  for (let r = 0; r < rows; r++) {
    const row = c.values[r];
    for (let k = 0; k < row.length; k++) {
      const v = row[k];
      if (!isNum(v)) continue;
      parts.push(
        `<rect class="cell" x="${px(m.l + k * cellW)}" y="${px(m.t + r * ch)}" width="${px(cellW + 0.3)}" height="${px(ch + 0.3)}" fill="${viridis(t(v))}">${titleEl(`${rowLabels[r] ?? r} → ${colLabels[k] ?? k}: ${fmt(v)}`)}</rect>`,
      );
    }
  }
  parts.push('</g>');
  const rs = labelStride(rows, Math.max(1, Math.floor(plotH / 12)));
  for (let r = 0; r < rows; r += rs) {
    parts.push(`<text class="tick" x="${m.l - 4}" y="${px(m.t + (r + 0.5) * ch)}" text-anchor="end" dominant-baseline="middle">${esc(rowLabels[r] ?? r)}</text>`);
  }
  const cs = labelStride(cols, Math.max(1, Math.floor(plotW / 14)));
  for (let k = 0; k < cols; k += cs) {
    const x = px(m.l + (k + 0.5) * cellW);
    const y = m.t + plotH + 6;
    parts.push(`<text class="tick" transform="translate(${x} ${y}) rotate(60)" text-anchor="start" dominant-baseline="middle">${esc(colLabels[k] ?? k)}</text>`);
  }
  if (c.xLabel) parts.push(`<text class="axis-label" x="${px(m.l + plotW / 2)}" y="${h - 4}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  if (c.yLabel) parts.push(`<text class="axis-label" transform="translate(12 ${px(m.t + plotH / 2)}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  // colour scale
  const gid = ctx.nextId('grad');
  const stops = Array.from({ length: VIRIDIS_STOPS }, (_, i) => i / (VIRIDIS_STOPS - 1))
    .map((s) => `<stop offset="${px(s * 100)}%" stop-color="${viridis(1 - s)}"/>`)
    .join('');
  const lx = w - m.r + 16;
  const lh = Math.max(40, Math.min(plotH, 240));
  parts.push(`<defs><linearGradient id="${gid}" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>`);
  parts.push(`<g class="colour-scale"><rect x="${lx}" y="${m.t}" width="14" height="${px(lh)}" fill="url(#${gid})" stroke="#999"/>`);
  parts.push(`<text class="tick" x="${lx + 18}" y="${m.t + 8}">${esc(fmt(hi))}</text>`);
  parts.push(`<text class="tick" x="${lx + 18}" y="${px(m.t + lh)}">${esc(fmt(lo))}</text></g>`);
  parts.push('</svg>');
  return figure(c, parts.join(''));
}

export function renderHistogram(c: HistogramChart): string {
  const w = c.width ?? 760;
  const h = c.height ?? 300;
  const all = c.series.flatMap((s) => s.values.filter(isNum));
  const ext = extent(all) ?? [0, 1];
  let lo = isNum(c.min) ? c.min : ext[0];
  let hi = isNum(c.max) ? c.max : ext[1];
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const bins = Math.max(1, Math.min(200, c.bins ?? Math.ceil(Math.sqrt(Math.max(1, all.length / Math.max(1, c.series.length)))) + 1));
  const width = (hi - lo) / bins;
  const counts = c.series.map((s) => {
    const k = new Array<number>(bins).fill(0);
    for (const v of s.values) {
      if (!isNum(v) || v < lo || v > hi) continue;
      k[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    }
    return k;
  });
  const maxCount = Math.max(1, ...counts.flat());
  const { svg: ax, f } = axes(w, h, [lo, hi], [0, maxCount], { xLabel: c.xLabel, yLabel: c.yLabel ?? 'count' });
  const parts: string[] = [svgOpen('histogram', w, h, c.title ?? 'histogram'), ax];
  counts.forEach((k, si) => {
    parts.push(`<g class="series" data-series="${esc(c.series[si].name)}">`);
    k.forEach((n, b) => {
      if (n === 0) return;
      const x0 = f.x.map(lo + b * width);
      const x1 = f.x.map(lo + (b + 1) * width);
      const y = f.y.map(n);
      parts.push(
        `<rect class="bar" x="${px(x0 + 0.5)}" y="${px(y)}" width="${px(Math.max(0.5, x1 - x0 - 1))}" height="${px(f.bottom - y)}" fill="${colour(si)}" fill-opacity="${c.series.length > 1 ? 0.55 : 0.85}">${titleEl(`${c.series[si].name}: [${fmt(lo + b * width)}, ${fmt(lo + (b + 1) * width)}) ${n}`)}</rect>`,
      );
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return figure(c, parts.join(''), legend(c.series.map((s, i) => ({ name: s.name, colour: colour(i) }))));
}

export interface BoxStats {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
  whiskerLo: number;
  whiskerHi: number;
  outliers: number[];
}

export function boxStats(values: readonly number[]): BoxStats | null {
  const s = values.filter(isNum).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  const inLo = s.find((v) => v >= q1 - 1.5 * iqr) ?? s[0];
  const inHi = [...s].reverse().find((v) => v <= q3 + 1.5 * iqr) ?? s[s.length - 1];
  return {
    n: s.length,
    min: s[0],
    q1,
    median: quantileSorted(s, 0.5),
    q3,
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    whiskerLo: inLo,
    whiskerHi: inHi,
    outliers: s.filter((v) => v < inLo || v > inHi),
  };
}

export function renderBox(c: BoxChart): string {
  const w = c.width ?? 760;
  const h = c.height ?? 300;
  const stats = c.groups.map((g) => boxStats(g.values));
  const ext = extent(c.groups.flatMap((g) => g.values)) ?? [0, 1];
  const { svg: ax, f } = axes(w, h, null, [Math.min(0, ext[0]), ext[1]], { yLabel: c.yLabel });
  const parts: string[] = [svgOpen('box', w, h, c.title ?? 'box plot'), ax];
  const n = Math.max(1, c.groups.length);
  const slot = (f.right - f.left) / n;
  const bw = Math.min(60, slot * 0.5);
  c.groups.forEach((g, i) => {
    const cx = f.left + slot * (i + 0.5);
    parts.push(`<text class="tick" x="${px(cx)}" y="${f.bottom + 16}" text-anchor="middle">${esc(g.name)}</text>`);
    const st = stats[i];
    if (!st) return;
    const col = colour(i);
    const Y = (v: number) => px(f.y.map(v));
    const tip = `${g.name}: n=${st.n} min=${fmt(st.min)} q1=${fmt(st.q1)} median=${fmt(st.median)} q3=${fmt(st.q3)} max=${fmt(st.max)} mean=${fmt(st.mean)}`;
    parts.push(`<g class="box" data-group="${esc(g.name)}">`);
    parts.push(`<line class="whisker" x1="${px(cx)}" x2="${px(cx)}" y1="${Y(st.whiskerLo)}" y2="${Y(st.q1)}" stroke="#444"/>`);
    parts.push(`<line class="whisker" x1="${px(cx)}" x2="${px(cx)}" y1="${Y(st.q3)}" y2="${Y(st.whiskerHi)}" stroke="#444"/>`);
    for (const v of [st.whiskerLo, st.whiskerHi]) parts.push(`<line class="cap" x1="${px(cx - bw / 4)}" x2="${px(cx + bw / 4)}" y1="${Y(v)}" y2="${Y(v)}" stroke="#444"/>`);
    const top = f.y.map(st.q3);
    const bot = f.y.map(st.q1);
    parts.push(`<rect class="iqr" x="${px(cx - bw / 2)}" y="${px(top)}" width="${px(bw)}" height="${px(Math.max(1, bot - top))}" fill="${col}" fill-opacity="0.35" stroke="${col}">${titleEl(tip)}</rect>`);
    parts.push(`<line class="median" x1="${px(cx - bw / 2)}" x2="${px(cx + bw / 2)}" y1="${Y(st.median)}" y2="${Y(st.median)}" stroke="${col}" stroke-width="2.5"/>`);
    const my = f.y.map(st.mean);
    parts.push(`<path class="mean" d="M${px(cx)} ${px(my - 4)}L${px(cx + 4)} ${px(my)}L${px(cx)} ${px(my + 4)}L${px(cx - 4)} ${px(my)}Z" fill="#fff" stroke="#222">${titleEl(`${g.name} mean ${fmt(st.mean)}`)}</path>`);
    for (const o of st.outliers.slice(0, 500)) parts.push(`<circle class="outlier" cx="${px(cx)}" cy="${Y(o)}" r="2" fill="none" stroke="${col}">${titleEl(`${g.name}: ${fmt(o)}`)}</circle>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return figure(c, parts.join(''));
}

export function renderBar(c: BarChart): string {
  const w = c.width ?? 760;
  const h = c.height ?? 300;
  const ext = extent(c.series.flatMap((s) => s.values)) ?? [0, 1];
  const longest = Math.max(0, ...c.categories.map((s) => s.length));
  const rotate = c.categories.length * Math.min(longest, 12) * 7 > w - 100;
  const { svg: ax, f } = axes(w, h, null, [Math.min(0, ext[0]), Math.max(0, ext[1])], { xLabel: c.xLabel, yLabel: c.yLabel, margin: { b: rotate ? 70 : 44 } });
  const parts: string[] = [svgOpen('bar', w, h, c.title ?? 'bar chart'), ax];
  const nc = Math.max(1, c.categories.length);
  const ns = Math.max(1, c.series.length);
  const slot = (f.right - f.left) / nc;
  const bw = (slot * 0.8) / ns;
  const y0 = f.y.map(0);
  const stride = labelStride(nc, Math.floor((f.right - f.left) / 14));
  c.categories.forEach((cat, ci) => {
    const x0 = f.left + slot * ci + slot * 0.1;
    if (ci % stride === 0) {
      const lx = px(f.left + slot * (ci + 0.5));
      if (rotate) parts.push(`<text class="tick" transform="translate(${lx} ${f.bottom + 8}) rotate(60)" text-anchor="start">${esc(cat)}</text>`);
      else parts.push(`<text class="tick" x="${lx}" y="${f.bottom + 16}" text-anchor="middle">${esc(cat)}</text>`);
    }
    c.series.forEach((s, si) => {
      const v = s.values[ci];
      if (!isNum(v)) return;
      const y = f.y.map(v);
      parts.push(
        `<rect class="bar" x="${px(x0 + si * bw)}" y="${px(Math.min(y, y0))}" width="${px(Math.max(0.5, bw - 1))}" height="${px(Math.max(0.5, Math.abs(y0 - y)))}" fill="${colour(si)}">${titleEl(`${cat} / ${s.name}: ${fmt(v)}`)}</rect>`,
      );
    });
  });
  parts.push('</svg>');
  return figure(c, parts.join(''), ns > 1 ? legend(c.series.map((s, i) => ({ name: s.name, colour: colour(i) }))) : '');
}

function cell(v: TableChart['rows'][number][number]): string {
  if (typeof v === 'number') return `<td class="num">${esc(fmt(v))}</td>`;
  if (v === null) return `<td class="num">–</td>`;
  return `<td>${esc(String(v))}</td>`;
}

export function renderTable(c: TableChart): string {
  const head = `<thead><tr>${c.columns.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${c.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody>`;
  return figure(c, `<div class="table-wrap"><table class="data">${head}${body}</table></div>`);
}

export function renderChart(c: Chart, ctx: RenderContext): string {
  switch (c.kind) {
    case 'line':
      return renderLine(c);
    case 'heatmap':
      return renderHeatmap(c, ctx);
    case 'histogram':
      return renderHistogram(c);
    case 'box':
      return renderBox(c);
    case 'bar':
      return renderBar(c);
    case 'table':
      return renderTable(c);
    default: {
      const k = (c as { kind?: unknown }).kind;
      throw new TypeError(`unknown chart kind ${JSON.stringify(k)}`);
    }
  }
}
