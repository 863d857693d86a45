/** Report renderer: structure of each chart kind, escaping, self-containment. */
import fc from 'fast-check';
import { boxStats, downsampleMatrix, renderReport, viridis, type Chart, type Report } from '../../shared/report';

function page(charts: Chart[], title = 'r'): string {
  return renderReport({ title, sections: [{ title: 's', charts }] });
}

function count(html: string, re: RegExp): number {
  return (html.match(re) ?? []).length;
}

/** Every http(s):// occurrence must be inside an xmlns attribute. */
function externalRefs(html: string): string[] {
  const out: string[] = [];
  const re = /https?:\/\/[^\s"'<>)]*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) {
    const before = html.slice(Math.max(0, m.index - 8), m.index);
    if (!/xmlns(:\w+)?="$/.test(before)) out.push(m[0]);
  }
  return out;
}

const sample: Report = {
  title: 'T',
  subtitle: 'sub',
  sections: [
    {
      title: 'one',
      text: 'a\n\nb',
      charts: [
        { kind: 'line', title: 'l', series: [{ name: 'a', values: [0, 1, null, 3] }, { name: 'b', values: [1, 1, 1, 1], dashed: true }], vlines: [{ x: 1, label: 'v' }], hlines: [{ y: 0.5 }] },
        { kind: 'heatmap', title: 'h', values: [[0, 1], [0.5, null]], rowLabels: ['r0', 'r1'], colLabels: ['c0', 'c1'] },
        { kind: 'histogram', title: 'hi', series: [{ name: 'x', values: [1, 2, 2, 3, 3, 3] }], bins: 3 },
        { kind: 'box', title: 'b', groups: [{ name: 'g', values: [1, 2, 3, 4, 100] }, { name: 'empty', values: [] }] },
        { kind: 'bar', title: 'ba', categories: ['x', 'y'], series: [{ name: 's', values: [1, -1] }] },
        { kind: 'table', title: 't', columns: ['a', 'b'], rows: [[1.5, 'x'], [null, true]] },
      ],
    },
  ],
};

describe('renderReport', () => {
  const html = renderReport(sample);

  it('is a complete HTML document with one SVG per graphical chart', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('</html>');
    for (const k of ['line', 'heatmap', 'histogram', 'box', 'bar']) expect(count(html, new RegExp(`<svg [^>]*data-kind="${k}"`, 'g'))).toBe(1);
    expect(count(html, /<table class="data">/g)).toBe(1);
  });

  it('draws the data: line paths (a gap splits a series), cells, bins, boxes, bars', () => {
    expect(count(html, /<path class="line"/g)).toBe(3); // series a split by null into 2 + series b
    expect(count(html, /<rect class="cell"/g)).toBe(3); // null cell skipped
    expect(count(html, /<rect class="iqr"/g)).toBe(1);
    expect(count(html, /<circle class="outlier"/g)).toBe(1); // 100
    expect(html).toContain('linearGradient');
    expect(html).toContain('stroke-dasharray="6 4"');
  });

  it('is self-contained: no http(s) reference outside xmlns, no external script/style/font', () => {
    expect(externalRefs(html)).toEqual([]);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link /);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(?!#)/);
  });

  it('escapes every text', () => {
    const evil = '<script>alert("x")</script>&\'';
    const h = renderReport({
      title: evil,
      subtitle: evil,
      sections: [
        {
          title: evil,
          text: evil,
          charts: [
            { kind: 'line', title: evil, caption: evil, xLabel: evil, yLabel: evil, series: [{ name: evil, values: [1, 2] }] },
            { kind: 'heatmap', title: evil, values: [[1]], rowLabels: [evil], colLabels: [evil] },
            { kind: 'histogram', title: evil, series: [{ name: evil, values: [1] }] },
            { kind: 'box', title: evil, groups: [{ name: evil, values: [1] }] },
            { kind: 'bar', title: evil, categories: [evil], series: [{ name: evil, values: [1] }] },
            { kind: 'table', title: evil, columns: [evil], rows: [[evil]] },
          ],
        },
      ],
    });
    expect(h).not.toContain('<script>alert');
    expect(h).not.toContain('"x")');
    expect(count(h, /<script>/g)).toBe(1); // only the page's own tooltip script
    expect(h).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('ids are unique within a page', () => {
    const h = page([
      { kind: 'heatmap', values: [[1]] },
      { kind: 'heatmap', values: [[2]] },
    ]);
    const ids = [...h.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('copes with empty and non-finite data', () => {
    const h = page([
      { kind: 'line', series: [] },
      { kind: 'line', series: [{ name: 'nan', values: [NaN, Infinity, null] }] },
      { kind: 'heatmap', values: [] },
      { kind: 'histogram', series: [{ name: 'e', values: [] }] },
      { kind: 'box', groups: [] },
      { kind: 'bar', categories: [], series: [] },
      { kind: 'table', columns: ['a'], rows: [] },
    ]);
    expect(h).not.toMatch(/NaN|Infinity/);
  });

  it('rejects an unknown chart kind', () => {
    expect(() => page([{ kind: 'pie' } as unknown as Chart])).toThrow(/unknown chart kind/);
  });
});

describe('escaping property', () => {
  it('no injected markup survives in any text slot', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const evil = `<img src=x onerror=1>${a}"'&${b}</svg>`;
        const h = renderReport({
          title: evil,
          sections: [{ title: evil, text: evil, charts: [{ kind: 'line', title: evil, series: [{ name: evil, values: [1] }] }, { kind: 'table', columns: [evil], rows: [[evil]] }] }],
        });
        return !h.includes('<img') && count(h, /<\/svg>/g) === 1;
      }),
      { numRuns: 200 },
    );
  });
});

describe('helpers', () => {
  it('boxStats: quartiles (linear), whiskers at 1.5 IQR, outliers', () => {
    const s = boxStats([1, 2, 3, 4, 100])!;
    expect(s.q1).toBe(2);
    expect(s.median).toBe(3);
    expect(s.q3).toBe(4);
    expect(s.whiskerHi).toBe(4);
    expect(s.outliers).toEqual([100]);
    expect(boxStats([])).toBeNull();
  });

  it('downsampleMatrix block-averages big matrices and keeps small ones', () => {
    const small = { kind: 'heatmap' as const, values: [[1, 2]] };
    expect(downsampleMatrix(small, 10)).toBe(small);
    const big = { kind: 'heatmap' as const, values: Array.from({ length: 100 }, (_, r) => Array.from({ length: 100 }, (_, c) => r + c)) };
    const d = downsampleMatrix(big, 400);
    expect(d.values.length).toBe(20);
    expect(d.values[0].length).toBe(20);
    expect(d.values[0][0]).toBe(4); // mean of r+c over 5x5 block = 2+2
    expect(d.rowLabels![0]).toBe('0–4');
  });

  it('viridis spans dark purple to yellow', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(NaN)).toBe('#440154');
  });
});
