/** Layout of a stacked bar chart, kept apart from drawing so it can be checked without a browser. */

export interface ChartInput {
  /** One label per bar. */
  categories: readonly string[];
  /** Each series has one value per category; stacked bottom-up in this order. */
  series: readonly { name: string; values: readonly number[] }[];
}

export interface Segment {
  series: number;
  value: number;
  y: number;
  height: number;
}

export interface Bar {
  category: string;
  x: number;
  width: number;
  total: number;
  segments: Segment[];
}

export interface ChartLayout {
  bars: Bar[];
  /** Values of the horizontal grid lines, from 0 up to the axis' top. */
  ticks: { value: number; y: number }[];
  plot: { left: number; top: number; width: number; height: number };
}

/** 0, 1, 2, 5, 10, 20, 50 … : the smallest "round" step that gives at most `maxTicks` steps. */
export function niceStep(max: number, maxTicks = 5): number {
  if (max <= 0) return 1;
  const raw = max / maxTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw)!;
  return Math.max(1, step);
}

export function layoutStackedBars(input: ChartInput, size: { width: number; height: number }): ChartLayout {
  const plot = { left: 40, top: 10, width: size.width - 50, height: size.height - 50 };
  const totals = input.categories.map((_, i) => input.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const step = niceStep(Math.max(0, ...totals));
  const axisMax = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const scale = (value: number) => (value / axisMax) * plot.height;
  const slot = input.categories.length > 0 ? plot.width / input.categories.length : plot.width;
  const barWidth = Math.max(4, slot * 0.6);

  const bars = input.categories.map((category, i) => {
    let base = plot.top + plot.height;
    const segments: Segment[] = [];
    input.series.forEach((s, seriesIndex) => {
      const value = s.values[i] ?? 0;
      if (value <= 0) return;
      const height = scale(value);
      base -= height;
      segments.push({ series: seriesIndex, value, y: base, height });
    });
    return { category, x: plot.left + i * slot + (slot - barWidth) / 2, width: barWidth, total: totals[i]!, segments };
  });

  const ticks = [];
  for (let value = 0; value <= axisMax; value += step) ticks.push({ value, y: plot.top + plot.height - scale(value) });
  return { bars, ticks, plot };
}
