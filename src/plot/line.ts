// SPDX-License-Identifier: MIT
// Line charts as SVG strings (the d2l `plot` helper), drawn by Apache ECharts'
// server-side SVG renderer: no DOM, no canvas, no Node built-ins, so the same
// code runs in browsers, workers and Node. Only the line chart, grid, title
// and legend parts of ECharts are imported, which keeps the bundle small and
// free of `eval`/`new Function` (checked by test/plot.test.ts).

import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { SimdgradError } from 'simdgrad';

echarts.use([LineChart, GridComponent, TitleComponent, LegendComponent, SVGRenderer]);

/** Options of {@link line}: the x values, one series per legend entry, labels and size. */
export interface LineOptions {
  /** Shared x values. */
  x: ArrayLike<number>;
  /** One series per legend entry, each as long as `x`. */
  ys: Record<string, ArrayLike<number>>;
  /** Label of the x axis. */
  xlabel?: string;
  /** Label of the y axis. */
  ylabel?: string;
  /** Title above the chart. */
  title?: string;
  /** Pixels; default 480 × 320. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Logarithmic y axis (every value must be > 0). */
  yLog?: boolean;
  /** Axis limits; default: fitted to the data. */
  xlim?: [number, number];
  /** y-axis limits; default: fitted to the data. */
  ylim?: [number, number];
}

// d2l's default matplotlib cycle, so curves look like the book's.
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Renders a line chart and returns the SVG document as a string. */
export function line(options: LineOptions): string {
  const {
    x,
    ys,
    xlabel = '',
    ylabel = '',
    title,
    width = 480,
    height = 320,
    yLog = false,
  } = options ?? ({} as LineOptions);
  if (!x || typeof x.length !== 'number') throw new SimdgradError('plot.line: x must be an array of numbers');
  if (!ys || typeof ys !== 'object') throw new SimdgradError('plot.line: ys must be an object { legend: number[] }');
  for (const [d, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 16 && v <= 16384)) {
      throw new SimdgradError(`plot.line: ${d} must be a number of pixels in [16, 16384], got ${String(v)}`);
    }
  }
  const names = Object.keys(ys);
  const series = names.map((name, k) => {
    const y = ys[name]!;
    if (!y || y.length !== x.length) {
      throw new SimdgradError(`plot.line: series "${name}" has ${y?.length} values but x has ${x.length}`);
    }
    const data: [number, number][] = [];
    for (let i = 0; i < x.length; i++) {
      const yi = Number(y[i]);
      if (yLog && !(yi > 0))
        throw new SimdgradError(`plot.line: yLog needs positive values, series "${name}" has ${yi}`);
      data.push([Number(x[i]), yi]);
    }
    return {
      name,
      type: 'line' as const,
      data,
      showSymbol: x.length <= 30,
      symbolSize: 5,
      lineStyle: { width: 2 },
      color: COLORS[k % COLORS.length],
      animation: false,
    };
  });
  const top = title ? 48 : 24;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'sans-serif' },
      title: title ? { text: title, left: 'center', top: 6, textStyle: { fontSize: 14 } } : undefined,
      legend:
        names.length > 0 ? { data: names, top: title ? 26 : 4, right: 8, icon: 'rect', itemHeight: 3 } : undefined,
      grid: { left: 64, right: 24, top: top + 8, bottom: xlabel ? 52 : 32 },
      xAxis: {
        type: 'value',
        name: xlabel,
        nameLocation: 'middle',
        nameGap: 28,
        scale: true,
        min: options.xlim?.[0],
        max: options.xlim?.[1],
        splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
        axisLine: { onZero: false },
      },
      yAxis: {
        type: yLog ? 'log' : 'value',
        name: ylabel,
        nameLocation: 'middle',
        nameGap: 44,
        scale: true,
        min: options.ylim?.[0],
        max: options.ylim?.[1],
        splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
        axisLine: { show: true, onZero: false },
        axisTick: { show: true },
      },
      series,
    });
    return staticSvg(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * Makes the output a pure function of the chart. ECharts names its hover
 * classes and clip paths after a per-process instance counter (`zr3-cls-5`,
 * `zr3-c0`), so equal charts would differ. The hover stylesheet and classes
 * are dropped (a static chart has no hover) and the remaining ids are
 * prefixed with a hash of the content: stable, and distinct between different
 * charts inlined in one page.
 */
function staticSvg(svg: string): string {
  const body = presentationAttributes(
    svg.replace(/<style[^>]*>[\s\S]*?<\/style>\s*/g, '').replace(/ class="zr\d+-cls-\d+"/g, ''),
  );
  const normalized = body.replace(/\bzr\d+-/g, 'zr-');
  let h = 0x811c9dc5;
  for (let i = 0; i < normalized.length; i++) h = Math.imul(h ^ normalized.charCodeAt(i), 0x01000193);
  return normalized.replace(/\bzr-/g, `sg${(h >>> 0).toString(36)}-`);
}

/**
 * Turns `style="font-size:12px;font-family:sans-serif;"` into SVG presentation
 * attributes (`font-size="12px" font-family="sans-serif"`): a page whose CSP
 * allows only `style-src 'self'` refuses inline style attributes, even in
 * markup inserted from JavaScript, but presentation attributes are not styles.
 */
function presentationAttributes(svg: string): string {
  return svg.replace(/ style="([^"]*)"/g, (_, css: string) =>
    css
      .split(';')
      .map((decl) => decl.split(':'))
      .filter(([k, v]) => k?.trim() && v?.trim())
      .map(([k, ...v]) => ` ${k.trim()}="${v.join(':').trim()}"`)
      .join(''),
  );
}
