/**
 * A report: a title and sections of text and charts, rendered by `renderReport` into one
 * self-contained HTML page (inline CSS, inline SVG, a few lines of inline JS for tooltips; no
 * network, no fonts, no scripts from anywhere).
 *
 * Values may be null or non-finite: line charts leave a gap, other charts skip the value, tables
 * print "–".
 */

export interface ChartBase {
  title?: string;
  /** one line under the chart */
  caption?: string;
  /** SVG size in CSS pixels (defaults per kind) */
  width?: number;
  height?: number;
}

export interface LineSeries {
  name: string;
  /** y values; x is `x` of the series, else the chart's `x`, else 0..len-1 */
  values: (number | null)[];
  x?: number[];
  dashed?: boolean;
}

export interface LineChart extends ChartBase {
  kind: 'line';
  series: LineSeries[];
  x?: number[];
  xLabel?: string;
  yLabel?: string;
  /** fixed y range (default: from the data, including 0) */
  yMin?: number;
  yMax?: number;
  /** vertical reference lines */
  vlines?: { x: number; label?: string }[];
  /** horizontal reference lines */
  hlines?: { y: number; label?: string }[];
  /** draw a dot at every point (default: when each series has <= 80 points) */
  dots?: boolean;
}

export interface HeatmapChart extends ChartBase {
  kind: 'heatmap';
  /** values[r][c] */
  values: (number | null)[][];
  rowLabels?: string[];
  colLabels?: string[];
  xLabel?: string;
  yLabel?: string;
  /** colour range (default: data min..max) */
  min?: number;
  max?: number;
}

export interface HistogramChart extends ChartBase {
  kind: 'histogram';
  /** one or more distributions over the same bins (overlaid) */
  series: { name: string; values: number[] }[];
  bins?: number;
  min?: number;
  max?: number;
  xLabel?: string;
  yLabel?: string;
}

export interface BoxChart extends ChartBase {
  kind: 'box';
  /** one box per group: quartiles, whiskers at 1.5 IQR, outliers as dots, mean as a diamond */
  groups: { name: string; values: number[] }[];
  yLabel?: string;
}

export interface BarChart extends ChartBase {
  kind: 'bar';
  categories: string[];
  /** grouped bars: series[s].values[c] */
  series: { name: string; values: (number | null)[] }[];
  yLabel?: string;
  xLabel?: string;
}

export type TableCell = string | number | boolean | null;

export interface TableChart extends ChartBase {
  kind: 'table';
  columns: string[];
  rows: TableCell[][];
}

export type Chart = LineChart | HeatmapChart | HistogramChart | BoxChart | BarChart | TableChart;
export type ChartKind = Chart['kind'];

export interface ReportSection {
  title: string;
  /** plain text; blank lines separate paragraphs */
  text?: string;
  charts: Chart[];
}

export interface Report {
  title: string;
  /** plain text under the title */
  subtitle?: string;
  sections: ReportSection[];
}
