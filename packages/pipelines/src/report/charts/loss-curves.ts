/**
 * Training curves: loss (or perplexity) over optimisation steps, one colour per run, solid for train and
 * dashed for validation. Validation points are also drawn as dots, because validation is often evaluated only a
 * few times and a two-point dashed line is easy to miss.
 */
import type { TopLevelSpec } from 'vega-lite';
import { requireFinite, requireNonEmpty, plottable, themed, uniqueInOrder, type ChartFrame } from './theme.ts';

export interface CurvePoint {
  readonly run: string;
  readonly split: 'train' | 'valid';
  readonly step: number;
  /** NaN/Infinity (a diverged run) is allowed and leaves a gap. */
  readonly value: number;
}

export interface LossCurvesOptions extends ChartFrame {
  /** Y axis title. Default `loss`. */
  readonly metric?: string;
  /** Log-scale y axis; values <= 0 are left out. Default false. */
  readonly logY?: boolean;
  /** X axis title. Default `step`. */
  readonly xTitle?: string;
}

const BUILDER = 'lossCurvesChart';

export function lossCurvesChart(points: readonly CurvePoint[], options: LossCurvesOptions = {}): TopLevelSpec {
  requireNonEmpty(BUILDER, 'points', points);
  const logY = options.logY ?? false;
  const values = points.map((p, i) => {
    requireFinite(BUILDER, `points[${i}].step`, p.step);
    if (p.split !== 'train' && p.split !== 'valid') {
      throw new RangeError(`${BUILDER}: points[${i}].split must be "train" or "valid", got ${JSON.stringify(p.split)}`);
    }
    return { run: p.run, split: p.split, step: p.step, value: plottable(p.value, logY) };
  });
  const metric = options.metric ?? 'loss';
  const runs = uniqueInOrder(points.map((p) => p.run));
  return themed(
    {
      data: { values },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: options.xTitle ?? 'step', axis: { format: ',d', tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: logY ? { type: 'log' } : { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run', scale: { domain: runs } },
      },
      layer: [
        {
          mark: { type: 'line', clip: true },
          encoding: {
            strokeDash: {
              field: 'split',
              type: 'nominal',
              title: 'split',
              scale: { domain: ['train', 'valid'], range: [[1, 0], [5, 3]] },
            },
            // One path per run and split, in step order, whatever order the points came in.
            order: { field: 'step', type: 'quantitative' },
          },
        },
        ...(values.some((v) => v.split === 'valid')
          ? [{ transform: [{ filter: "datum.split === 'valid'" }], mark: { type: 'point' as const, filled: true, size: 22, clip: true } }]
          : []),
      ],
    },
    options,
    { width: 520, height: 280 },
  );
}
