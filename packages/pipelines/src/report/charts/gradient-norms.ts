/**
 * Gradient norm through time: ‖∂L/∂h_t‖ against the time step t, one line per run or condition (LSTM vs GRU,
 * with vs without clipping). On a log axis (the default) exponential vanishing or exploding is a straight line,
 * and its slope is the per-step decay rate. Optional vertical markers label time steps, e.g. the truncation
 * window k2 beyond which truncated BPTT passes no gradient at all.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ChartInputError, plottable, requireFinite, requireNonEmpty, themed, uniqueInOrder, type ChartFrame } from './theme.ts';

export interface GradientNormPoint {
  /** e.g. `LSTM, clip 1.0`. */
  readonly series: string;
  /** Time step. */
  readonly t: number;
  /** ‖∂L/∂h_t‖. Zero (underflow) and non-finite values cannot be drawn on a log axis and leave a gap. */
  readonly norm: number;
}

export interface TimeMarker {
  readonly t: number;
  readonly label: string;
}

export interface GradientNormOptions extends ChartFrame {
  /** Default true. */
  readonly logY?: boolean;
  /** X axis title. Default `time step t`. */
  readonly xTitle?: string;
  /** Y axis title. Default `‖∂L/∂h_t‖`. */
  readonly yTitle?: string;
  readonly markers?: readonly TimeMarker[];
}

const BUILDER = 'gradientNormChart';

export function gradientNormChart(points: readonly GradientNormPoint[], options: GradientNormOptions = {}): TopLevelSpec {
  requireNonEmpty(BUILDER, 'points', points);
  const logY = options.logY ?? true;
  const values = points.map((p, i) => ({
    series: p.series,
    t: requireFinite(BUILDER, `points[${i}].t`, p.t),
    norm: plottable(p.norm, logY),
  }));
  if (values.every((v) => v.norm === null)) {
    throw new ChartInputError(BUILDER, 'points', `have no drawable norm${logY ? ' (a log axis needs values > 0)' : ''}`);
  }
  const markers = (options.markers ?? []).map((m, i) => ({ t: requireFinite(BUILDER, `markers[${i}].t`, m.t), label: m.label }));
  const series = uniqueInOrder(points.map((p) => p.series));
  const lines = {
    data: { values },
    mark: { type: 'line' as const, clip: true },
    encoding: {
      x: { field: 't', type: 'quantitative' as const, title: options.xTitle ?? 'time step t', axis: { tickMinStep: 1, format: 'd' } },
      y: {
        field: 'norm',
        type: 'quantitative' as const,
        title: options.yTitle ?? '‖∂L/∂h_t‖',
        scale: logY ? { type: 'log' as const } : { zero: true },
        axis: { format: logY ? '.0e' : '~g' },
      },
      color: { field: 'series', type: 'nominal' as const, title: null, scale: { domain: series } },
      order: { field: 't', type: 'quantitative' as const },
    },
  };
  return themed(
    {
      layer: [
        lines,
        ...(markers.length === 0
          ? []
          : [
              {
                data: { values: markers },
                mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#6b7280' },
                encoding: { x: { field: 't', type: 'quantitative' as const } },
              },
              {
                data: { values: markers },
                mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 4, y: 4, fontSize: 10, color: '#374151' },
                encoding: { x: { field: 't', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
              },
            ]),
      ],
    },
    options,
    { width: 480, height: 260 },
  );
}
