/**
 * The HTML reports render in a real headless Chromium (Debian's `chromium` package): the DOM after
 * load has the expected SVG elements, and the screenshot is not blank. Skipped, with the reason in
 * the test name, when chromium is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { renderReport, type Report } from '../../shared/report';
import { runCli } from '../helpers/cli';
import { packageRoot } from '../../shared/paths';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
const d = CHROMIUM ? describe : describe.skip;
const label = CHROMIUM ? `report renders in headless Chromium (${CHROMIUM})` : 'report renders in headless Chromium (SKIPPED: chromium not installed; apt-get install -y chromium)';

function chromium(dir: string, url: string, mode: '--dump-dom' | `--screenshot=${string}`): { stdout: string; status: number | null } {
  const r = spawnSync(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--window-size=1200,900',
      mode,
      url,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { stdout: r.stdout, status: r.status };
}

/** Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium writes). */
export function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colourType = data[9];
      if (depth !== 8 || data[12] !== 0) throw new Error(`unsupported PNG depth ${depth} / interlace ${data[12]}`);
      channels = colourType === 6 ? 4 : colourType === 2 ? 3 : colourType === 0 ? 1 : 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${colourType}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels: out };
}

function pngStats(file: string): { width: number; height: number; nonWhite: number; colours: number } {
  const img = decodePng(readFileSync(file));
  let nonWhite = 0;
  const colours = new Set<number>();
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const p = i * img.channels;
    const r = img.pixels[p];
    const g = img.pixels[p + (img.channels >= 3 ? 1 : 0)];
    const b = img.pixels[p + (img.channels >= 3 ? 2 : 0)];
    if (r < 245 || g < 245 || b < 245) nonWhite++;
    if (i % 7 === 0) colours.add((r << 16) | (g << 8) | b);
  }
  return { width: img.width, height: img.height, nonWhite: nonWhite / n, colours: colours.size };
}

const report: Report = {
  title: 'Render check <&>',
  subtitle: 'every chart kind',
  sections: [
    {
      title: 'Lines and heat map',
      text: 'Incentive per uid across epochs, and a weight matrix.',
      charts: [
        {
          kind: 'line',
          title: 'incentive per uid',
          series: Array.from({ length: 4 }, (_, s) => ({ name: `uid ${s}`, values: Array.from({ length: 30 }, (_, e) => 0.25 + 0.2 * Math.sin(e / 4 + s)) })),
          xLabel: 'epoch',
          yLabel: 'incentive',
          vlines: [{ x: 15, label: 'change' }],
        },
        {
          kind: 'heatmap',
          title: 'weights',
          values: Array.from({ length: 8 }, (_, r) => Array.from({ length: 24 }, (_, c) => ((r + 1) * (c + 3)) % 11)),
          xLabel: 'miner uid',
          yLabel: 'validator uid',
        },
      ],
    },
    {
      title: 'Distributions',
      charts: [
        { kind: 'histogram', title: 'scores', series: [{ name: 'honest', values: Array.from({ length: 200 }, (_, i) => 0.7 + 0.2 * Math.sin(i * 1.7)) }, { name: 'noisy', values: Array.from({ length: 200 }, (_, i) => 0.4 + 0.3 * Math.cos(i * 0.9)) }] },
        { kind: 'box', title: 'scores per kind', groups: [{ name: 'honest', values: [0.8, 0.85, 0.9, 0.7, 0.95] }, { name: 'garbage', values: [0, 0.01, 0, 0.3] }] },
        { kind: 'bar', title: 'before/after', categories: ['0', '1', '2'], series: [{ name: 'before', values: [0.2, 0.5, 0.3] }, { name: 'after', values: [0.3, 0.4, 0.3] }] },
        { kind: 'table', title: 'diff', columns: ['uid', 'delta'], rows: [[0, 0.1], [1, -0.1]] },
      ],
    },
  ],
};

d(label, () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-render-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renderReport: DOM has every chart SVG with its elements; screenshot is not blank', () => {
    const file = join(dir, 'r.html');
    writeFileSync(file, renderReport(report));
    const dom = chromium(dir, `file://${file}`, '--dump-dom');
    expect(dom.status).toBe(0);
    for (const k of ['line', 'heatmap', 'histogram', 'box', 'bar']) expect(dom.stdout).toMatch(new RegExp(`<svg [^>]*data-kind="${k}"`));
    expect((dom.stdout.match(/<path class="line"/g) ?? []).length).toBe(4);
    expect((dom.stdout.match(/<rect class="cell"/g) ?? []).length).toBe(8 * 24);
    expect(dom.stdout).toContain('<table class="data">');
    expect(dom.stdout).toContain('Render check &lt;&amp;&gt;');

    const png = join(dir, 'r.png');
    const shot = chromium(dir, `file://${file}`, `--screenshot=${png}`);
    expect(shot.status).toBe(0);
    const s = pngStats(png);
    expect(s.width).toBe(1200);
    expect(s.nonWhite).toBeGreaterThan(0.03);
    expect(s.colours).toBeGreaterThan(20);
  });

  it('subnet simulate --report: the page renders with the collusion curve', async () => {
    const html = join(dir, 'sim.html');
    const scen = join(dir, 'c.json');
    writeFileSync(scen, JSON.stringify({ name: 'render', kind: 'collusion', validators: 6, miners: 12, epochs: 5, kappa: 0.5, yuma3: true, colluding_stake: [0, 0.4, 0.6, 1], seed: 1 }));
    const r = await runCli(['simulate', scen, '--json', '--report', html], { cwd: packageRoot() });
    expect(r.code).toBe(0);
    const dom = chromium(dir, `file://${html}`, '--dump-dom');
    expect(dom.status).toBe(0);
    expect(dom.stdout).toMatch(/<svg [^>]*data-kind="line"/);
    expect(dom.stdout).toMatch(/<svg [^>]*data-kind="heatmap"/);
    expect(dom.stdout).toContain('cheater share of incentive');
    const png = join(dir, 'sim.png');
    expect(chromium(dir, `file://${html}`, `--screenshot=${png}`).status).toBe(0);
    const s = pngStats(png);
    expect(s.nonWhite).toBeGreaterThan(0.03);
  });
});
