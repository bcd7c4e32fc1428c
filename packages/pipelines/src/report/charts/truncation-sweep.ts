/**
 * A metric against the truncation window k2 of truncated BPTT, one line per series (model, task), with
 * optional horizontal reference lines (full BPTT, a majority baseline). Sweeps are usually powers of two, so the
 * x axis can be log2 and the ticks sit exactly on the measured windows.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  axisFormat,
  ChartInputError,
  plottable,
  requireFinite,
  requireNonEmpty,
  themed,
  uniqueInOrder,
  type ChartFrame,
} from './theme.ts';

export interface TruncationPoint {
  readonly series: string;
  /** Truncation window (steps the gradient flows back). */
  readonly k2: number;
  readonly value: number;
}

export interface ReferenceLine {
  readonly label: string;
  readonly value: number;
}

export interface TruncationSweepOptions extends ChartFrame {
  /** Y axis title, e.g. `sequence accuracy`. */
  readonly metric: string;
  readonly percent?: boolean;
  /** Log-2 x axis. Default false. */
  readonly logX?: boolean;
  readonly references?: readonly ReferenceLine[];
  /** Y domain, e.g. `[0, 1]`. */
  readonly domain?: readonly [number, number];
}

const BUILDER = 'truncationSweepChart';

export function truncationSweepChart(points: readonly TruncationPoint[], options: TruncationSweepOptions): TopLevelSpec {
  requireNonEmpty(BUILDER, 'points', points);
  const logX = options.logX ?? false;
  const values = points.map((p, i) => {
    const k2 = requireFinite(BUILDER, `points[${i}].k2`, p.k2);
    if (k2 < 1 || !Number.isInteger(k2)) {
      throw new ChartInputError(BUILDER, `points[${i}].k2`, `must be a whole number of steps >= 1, got ${k2}`);
    }
    return { series: p.series, k2, value: plottable(p.value, false) };
  });
  const references = (options.references ?? []).map((r, i) => ({
    label: r.label,
    value: requireFinite(BUILDER, `references[${i}].value`, r.value),
  }));
  const percent = options.percent ?? false;
  const series = uniqueInOrder(points.map((p) => p.series));
  const windows = uniqueInOrder(values.map((v) => v.k2)).sort((a, b) => a - b);
  const yScale = options.domain ? { domain: [...options.domain] } : { zero: false };
  return themed(
    {
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: { filled: true, size: 30 } },
          encoding: {
            x: {
              field: 'k2',
              type: 'quantitative',
              title: 'truncation window k2',
              scale: logX ? { type: 'log', base: 2 } : { zero: false },
              // Ticks exactly at the measured windows; other ticks would suggest values that were never run.
              axis: { values: windows, format: 'd' },
            },
            y: { field: 'value', type: 'quantitative', title: options.metric, scale: yScale, axis: { format: axisFormat(percent) } },
            color: { field: 'series', type: 'nominal', title: null, scale: { domain: series } },
            order: { field: 'k2', type: 'quantitative' },
          },
        },
        ...(references.length === 0
          ? []
          : [
              {
                data: { values: references },
                mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#4b5563' },
                encoding: { y: { field: 'value', type: 'quantitative' as const } },
              },
              {
                data: { values: references },
                mark: { type: 'text' as const, align: 'right' as const, baseline: 'bottom' as const, dy: -3, x: 'width' as const, fontSize: 10, color: '#374151' },
                encoding: { y: { field: 'value', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
              },
            ]),
      ],
    },
    options,
    { width: 480, height: 260 },
  );
}
