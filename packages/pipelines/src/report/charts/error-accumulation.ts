/**
 * Error accumulation in free-running decoding: the token error rate at position t, split by whether the
 * sequence was still correct up to t (`correct prefix`) or had already gone wrong (`after an error`). A large
 * gap between the two lines is the signature of exposure bias: once off the reference path, the decoder keeps
 * erring. Positions with few sequences in a context are noisy, so `count` (when given) sets the dot size.
 */
import type { TopLevelSpec } from 'vega-lite';
import { axisFormat, ChartInputError, plottable, requireFinite, requireNonEmpty, themed, uniqueInOrder, type ChartFrame } from './theme.ts';

export type PrefixContext = 'correct-prefix' | 'after-error';

export interface ErrorAccumulationPoint {
  readonly position: number;
  readonly context: PrefixContext;
  /** Fraction of tokens at this position (in this context) that are wrong. */
  readonly errorRate: number;
  /** How many tokens the rate was measured on. */
  readonly count?: number;
  readonly run?: string;
}

export interface ErrorAccumulationOptions extends ChartFrame {
  readonly xTitle?: string;
}

export const PREFIX_CONTEXT_LABELS: Record<PrefixContext, string> = {
  'correct-prefix': 'prefix correct so far',
  'after-error': 'after an earlier error',
};

const BUILDER = 'errorAccumulationChart';

export function errorAccumulationChart(points: readonly ErrorAccumulationPoint[], options: ErrorAccumulationOptions = {}): TopLevelSpec {
  requireNonEmpty(BUILDER, 'points', points);
  const values = points.map((p, i) => {
    if (!(p.context in PREFIX_CONTEXT_LABELS)) {
      throw new ChartInputError(BUILDER, `points[${i}].context`, `must be "correct-prefix" or "after-error", got ${JSON.stringify(p.context)}`);
    }
    return {
      position: requireFinite(BUILDER, `points[${i}].position`, p.position),
      context: PREFIX_CONTEXT_LABELS[p.context],
      errorRate: plottable(p.errorRate, false),
      count: p.count ?? null,
      run: p.run ?? '',
    };
  });
  const runs = uniqueInOrder(values.map((v) => v.run));
  const withCounts = values.some((v) => v.count !== null);
  return themed(
    {
      data: { values },
      encoding: {
        x: { field: 'position', type: 'quantitative', title: options.xTitle ?? 'output position', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'errorRate', type: 'quantitative', title: 'token error rate', scale: { zero: true }, axis: { format: axisFormat(true) } },
        color: {
          field: 'context',
          type: 'nominal',
          title: 'context',
          scale: { domain: [PREFIX_CONTEXT_LABELS['correct-prefix'], PREFIX_CONTEXT_LABELS['after-error']], range: ['#009E73', '#D55E00'] },
        },
        ...(runs.length > 1 ? { strokeDash: { field: 'run', type: 'nominal', title: 'run', scale: { domain: runs } } } : {}),
      },
      layer: [
        { mark: { type: 'line' }, encoding: { order: { field: 'position', type: 'quantitative' } } },
        {
          mark: { type: 'point', filled: true, opacity: 1 },
          encoding: withCounts
            ? { size: { field: 'count', type: 'quantitative', title: 'tokens measured', scale: { range: [10, 90] } } }
            : { size: { value: 22 } },
        },
      ],
    },
    options,
    { width: 480, height: 260 },
  );
}
