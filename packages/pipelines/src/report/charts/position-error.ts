/**
 * Token error rate at each output position, one line per decoding condition (teacher-forced vs free-running).
 * Under teacher forcing the curve stays flat; free running climbs with the position as early mistakes feed
 * later steps. With several runs, each run gets its own dash pattern.
 */
import type { TopLevelSpec } from 'vega-lite';
import { axisFormat, plottable, requireFinite, requireNonEmpty, themed, uniqueInOrder, type ChartFrame } from './theme.ts';

export interface PositionErrorPoint {
  /** e.g. `teacher-forced`, `free-running`. */
  readonly condition: string;
  readonly position: number;
  /** Fraction of tokens at this position that are wrong, in [0, 1]. */
  readonly errorRate: number;
  readonly run?: string;
}

export interface PositionErrorOptions extends ChartFrame {
  /** X axis title. Default `output position`. */
  readonly xTitle?: string;
  /** Y axis title. Default `token error rate`. */
  readonly yTitle?: string;
}

const BUILDER = 'positionErrorChart';

export function positionErrorChart(points: readonly PositionErrorPoint[], options: PositionErrorOptions = {}): TopLevelSpec {
  requireNonEmpty(BUILDER, 'points', points);
  const values = points.map((p, i) => ({
    condition: p.condition,
    run: p.run ?? '',
    position: requireFinite(BUILDER, `points[${i}].position`, p.position),
    errorRate: plottable(p.errorRate, false),
  }));
  const conditions = uniqueInOrder(points.map((p) => p.condition));
  const runs = uniqueInOrder(values.map((v) => v.run));
  const byRun = runs.length > 1;
  return themed(
    {
      data: { values },
      mark: { type: 'line', point: { filled: true, size: 20 } },
      encoding: {
        x: { field: 'position', type: 'quantitative', title: options.xTitle ?? 'output position', axis: { tickMinStep: 1, format: 'd' } },
        y: {
          field: 'errorRate',
          type: 'quantitative',
          title: options.yTitle ?? 'token error rate',
          scale: { zero: true },
          axis: { format: axisFormat(true) },
        },
        color: { field: 'condition', type: 'nominal', title: 'decoding', scale: { domain: conditions } },
        ...(byRun ? { strokeDash: { field: 'run', type: 'nominal', title: 'run', scale: { domain: runs } } } : {}),
        order: { field: 'position', type: 'quantitative' },
      },
    },
    options,
    { width: 480, height: 260 },
  );
}
