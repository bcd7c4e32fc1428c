/**
 * One metric per run as grouped bars, one bar per condition (typically p=1 teacher forcing vs p=0 free
 * running), with the value printed on each bar so the reader need not estimate it from the axis. Optional
 * `low`/`high` draw an interval (min-max over seeds, or a confidence interval) as a whisker.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  axisFormat,
  ChartInputError,
  labelFormat,
  plottable,
  requireFinite,
  requireNonEmpty,
  themed,
  uniqueInOrder,
  type ChartFrame,
} from './theme.ts';

export interface MetricBar {
  readonly run: string;
  /** The colour of the bar, e.g. `p=1 (teacher forcing)`. */
  readonly condition: string;
  /** NaN (nothing measured, a diverged run) draws no bar. */
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
}

export interface MetricBarsOptions extends ChartFrame {
  /** Y axis title, e.g. `sequence accuracy`, `BLEU`, `edit distance`. */
  readonly metric: string;
  /** The values are fractions; axis and labels print percentages. Default false. */
  readonly percent?: boolean;
  /** Decimals of the printed values. Default 1 for percentages, 2 otherwise. */
  readonly decimals?: number;
  /** Legend title. Default `condition`. */
  readonly conditionTitle?: string;
  /** Fixed y domain, e.g. `[0, 1]` for accuracies so charts of different pipelines compare. */
  readonly domain?: readonly [number, number];
}

const BUILDER = 'metricBarsChart';

export function metricBarsChart(bars: readonly MetricBar[], options: MetricBarsOptions): TopLevelSpec {
  requireNonEmpty(BUILDER, 'bars', bars);
  const seen = new Set<string>();
  const values = bars.map((bar, i) => {
    const key = JSON.stringify([bar.run, bar.condition]);
    if (seen.has(key)) {
      throw new ChartInputError(BUILDER, `bars[${i}]`, `repeats run ${JSON.stringify(bar.run)} with condition ${JSON.stringify(bar.condition)}`);
    }
    seen.add(key);
    const hasInterval = bar.low !== undefined || bar.high !== undefined;
    if (hasInterval) {
      requireFinite(BUILDER, `bars[${i}].low`, bar.low ?? NaN);
      requireFinite(BUILDER, `bars[${i}].high`, bar.high ?? NaN);
    }
    return {
      run: bar.run,
      condition: bar.condition,
      value: plottable(bar.value, false),
      low: hasInterval ? bar.low! : null,
      high: hasInterval ? bar.high! : null,
    };
  });
  const percent = options.percent ?? false;
  const runs = uniqueInOrder(bars.map((b) => b.run));
  const conditions = uniqueInOrder(bars.map((b) => b.condition));
  const withInterval = values.some((v) => v.low !== null);
  const yScale = options.domain ? { domain: [...options.domain], zero: true } : { zero: true };
  return themed(
    {
      data: { values },
      encoding: {
        x: { field: 'run', type: 'nominal', title: 'run', sort: runs, axis: { labelAngle: 0 } },
        xOffset: { field: 'condition', type: 'nominal', sort: conditions },
        color: { field: 'condition', type: 'nominal', title: options.conditionTitle ?? 'condition', scale: { domain: conditions } },
      },
      layer: [
        {
          mark: { type: 'bar', cornerRadiusEnd: 1 },
          encoding: {
            y: { field: 'value', type: 'quantitative', title: options.metric, scale: yScale, axis: { format: axisFormat(percent) } },
          },
        },
        ...(withInterval
          ? [
              {
                transform: [{ filter: 'isValid(datum.low)' }],
                mark: { type: 'rule' as const, color: '#111827', strokeWidth: 1.25 },
                encoding: {
                  y: { field: 'low', type: 'quantitative' as const },
                  y2: { field: 'high' },
                },
              },
            ]
          : []),
        {
          mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 10, color: '#111827' },
          encoding: {
            // Labels sit above the whisker when there is one, so the two never overlap.
            y: { field: withInterval ? 'labelY' : 'value', type: 'quantitative' },
            text: { field: 'value', type: 'quantitative', format: labelFormat(percent, options.decimals) },
          },
          ...(withInterval ? { transform: [{ calculate: 'max(datum.value, isValid(datum.high) ? datum.high : datum.value)', as: 'labelY' }] } : {}),
        },
      ],
    },
    options,
    { width: Math.max(240, runs.length * conditions.length * 34 + runs.length * 24), height: 260 },
  );
}
