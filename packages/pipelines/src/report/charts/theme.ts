/**
 * The look shared by every report chart, and the small helpers the builders share.
 *
 * Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies, and in print).
 * The font list is Helvetica's metric family on purpose: `../text-metrics.ts` lays text out with Helvetica
 * widths, and Arial / Liberation Sans draw with the same widths, so labels neither overlap nor float.
 */
import type { Config, TopLevelSpec } from 'vega-lite';

export const CHART_FONT = 'Helvetica, Arial, Liberation Sans, sans-serif';

export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export const chartConfig: Config = {
  font: CHART_FONT,
  // No per-mark ARIA labels: the SVG gets one title instead (see `withTitle`).
  aria: false,
  background: 'white',
  padding: 8,
  view: { stroke: '#d1d5db' },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelColor: '#374151',
    titleColor: '#111827',
    gridColor: '#eceff3',
    domainColor: '#9ca3af',
    tickColor: '#9ca3af',
  },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', labelLimit: 260 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start', subtitleColor: '#4b5563', offset: 10 },
  range: { category: PALETTE },
  line: { strokeWidth: 1.75 },
};

/** Options every builder accepts. */
export interface ChartFrame {
  /** Plot width in pixels (without axes and legend). */
  readonly width?: number;
  /** Plot height in pixels. */
  readonly height?: number;
  /** Drawn inside the SVG. Leave it out when the report shows the title as a figure caption anyway. */
  readonly title?: string;
  readonly subtitle?: string;
}

/** Adds the theme, the size and the title to a spec. */
export function themed(spec: TopLevelSpec, frame: ChartFrame, defaults: { width: number; height: number }): TopLevelSpec {
  const title =
    frame.title === undefined ? {} : { title: frame.subtitle ? { text: frame.title, subtitle: frame.subtitle } : frame.title };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    width: frame.width ?? defaults.width,
    height: frame.height ?? defaults.height,
    ...title,
    ...spec,
  };
}

/** Thrown for bad builder input; the message names the builder, the field and the value. */
export class ChartInputError extends RangeError {
  constructor(builder: string, field: string, problem: string) {
    super(`${builder}: ${field} ${problem}`);
    this.name = 'ChartInputError';
  }
}

export function requireFinite(builder: string, field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ChartInputError(builder, field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireNonEmpty(builder: string, field: string, items: readonly unknown[]): void {
  if (items.length === 0) throw new ChartInputError(builder, field, 'must not be empty: there is nothing to draw');
}

/**
 * A measured value for the chart data: NaN/±Infinity (a diverged run) and, on a log axis, values <= 0 cannot be
 * drawn. They become `null`, which Vega-Lite draws as a gap in the line, and which keeps the spec valid JSON.
 */
export function plottable(value: number, logScale: boolean): number | null {
  if (!Number.isFinite(value)) return null;
  if (logScale && value <= 0) return null;
  return value;
}

/** Distinct values in first-seen order: legends and axes follow the order the stage passed, not the alphabet. */
export function uniqueInOrder<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** d3-format strings for axes and labels. */
export function axisFormat(percent: boolean): string {
  return percent ? '.0%' : '~g';
}

export function labelFormat(percent: boolean, decimals = percent ? 1 : 2): string {
  return percent ? `.${decimals}%` : `.${decimals}f`;
}
