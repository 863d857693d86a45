/**
 * Self-contained HTML reports: `renderReport(report)` returns one page with inline CSS, inline
 * SVG charts and a few lines of inline JS (hover tooltips from each element's SVG <title>). It
 * references nothing outside itself: no network, no CDN, no web fonts. Used by
 * `subnet simulate --report` and `subnet replay --report`.
 */
import { renderChart, type RenderContext } from './charts';
import { esc } from './svg';
import type { Report } from './types';

export * from './types';
export { boxStats, downsampleMatrix } from './charts';
export { esc, fmt, viridis } from './svg';

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1d1f;background:#fff}
header{border-bottom:2px solid #0072B2;margin-bottom:16px;padding-bottom:8px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.subtitle,.meta{color:#555;margin:0}
nav ul{margin:6px 0 0;padding-left:18px;columns:2}
section p{max-width:920px;margin:6px 0}
figure.chart{margin:12px 0 20px;max-width:100%;overflow-x:auto}
figcaption.chart-title{font-weight:600;margin-bottom:4px}
.caption{color:#666;font-size:12px;margin:2px 0 0}
.chart-svg{display:block;font-size:11px;background:#fff}
.chart-svg text{fill:#333}
.chart-svg .axis-label{font-size:12px;fill:#222}
.chart-svg .ref-label{fill:#666;font-size:11px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:2px 0 4px;font-size:12px}
.legend-item{display:inline-flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px}
.table-wrap{overflow-x:auto}
table.data{border-collapse:collapse;font-size:13px}
table.data th,table.data td{border:1px solid #ddd;padding:3px 8px}
table.data th{background:#f3f6f9;text-align:left}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
table.data tbody tr:nth-child(even){background:#fafafa}
#tip{position:fixed;pointer-events:none;background:rgba(20,20,20,.9);color:#fff;padding:3px 7px;border-radius:4px;font-size:12px;display:none;z-index:10;max-width:480px}
`;

// Shows an element's SVG <title> as a tooltip right away (the browser's native one is slow).
const JS = `(function(){var t=document.getElementById('tip');document.addEventListener('mousemove',function(e){var n=e.target,s=null;while(n&&n.nodeType===1&&n.tagName!=='svg'){var c=n.firstElementChild;if(c&&c.tagName==='title'){s=c.textContent;break}n=n.parentNode}if(s){t.textContent=s;t.style.display='block';t.style.left=(e.clientX+12)+'px';t.style.top=(e.clientY+12)+'px'}else{t.style.display='none'}})})();`;

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** Renders a report to a complete HTML document (a string). All text is escaped. */
export function renderReport(report: Report): string {
  let id = 0;
  const ctx: RenderContext = { nextId: (prefix) => `${prefix}-${++id}` };
  const toc = report.sections.length > 2 ? `<nav><ul>${report.sections.map((s, i) => `<li><a href="#s${i + 1}">${esc(s.title)}</a></li>`).join('')}</ul></nav>` : '';
  const body = report.sections
    .map((s, i) => {
      const charts = s.charts.map((c) => renderChart(c, ctx)).join('\n');
      return `<section id="s${i + 1}"><h2>${esc(s.title)}</h2>${s.text ? paragraphs(s.text) : ''}\n${charts}</section>`;
    })
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${esc(report.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<header><h1>${esc(report.title)}</h1>${report.subtitle ? `<p class="subtitle">${esc(report.subtitle)}</p>` : ''}${toc}</header>`,
    `<main>${body}</main>`,
    '<div id="tip"></div>',
    `<script>${JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
