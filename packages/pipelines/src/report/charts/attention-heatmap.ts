/**
 * Attention weights of one decoded example: source tokens on x (read along the top, as in Bahdanau et al.),
 * output tokens on y, weight as colour.
 *
 * Tokens repeat ("l o o k", "the ... the"), and an ordinal scale merges equal values into one band. So each
 * band is keyed by `<index>:<token>` and the axis prints only the token (the part after the first `:`, which the
 * numeric index can never contain). The key order is passed explicitly, so `10:x` follows `9:y`.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ChartInputError, requireNonEmpty, themed, type ChartFrame } from './theme.ts';

export interface AttentionInput {
  readonly source: readonly string[];
  readonly output: readonly string[];
  /** `weights[i][j]`: attention of output step i on source position j. Rows usually sum to 1. */
  readonly weights: readonly (readonly number[])[];
}

export interface AttentionOptions extends Omit<ChartFrame, 'width' | 'height'> {
  /** Side of one cell in pixels. Default 22. */
  readonly cellSize?: number;
  /** Print each weight in its cell. Default: when the map has at most 150 cells. */
  readonly showValues?: boolean;
  /** Top of the colour scale. Default 1, so maps of different examples compare. */
  readonly maxWeight?: number;
  readonly xTitle?: string;
  readonly yTitle?: string;
}

const BUILDER = 'attentionHeatmap';
const LABEL_EXPR = "substring(datum.value, indexof(datum.value, ':') + 1)";

/** The band key of the token at `index`: unique even when tokens repeat. */
export function tokenKey(index: number, token: string): string {
  return `${index}:${token}`;
}

export function attentionHeatmap(input: AttentionInput, options: AttentionOptions = {}): TopLevelSpec {
  requireNonEmpty(BUILDER, 'source', input.source);
  requireNonEmpty(BUILDER, 'output', input.output);
  if (input.weights.length !== input.output.length) {
    throw new ChartInputError(BUILDER, 'weights', `has ${input.weights.length} rows but there are ${input.output.length} output tokens`);
  }
  const sourceKeys = input.source.map((token, j) => tokenKey(j, token));
  const outputKeys = input.output.map((token, i) => tokenKey(i, token));
  const values = input.weights.flatMap((row, i) => {
    if (row.length !== input.source.length) {
      throw new ChartInputError(BUILDER, `weights[${i}]`, `has ${row.length} columns but there are ${input.source.length} source tokens`);
    }
    return row.map((weight, j) => {
      if (!Number.isFinite(weight) || weight < 0) {
        throw new ChartInputError(BUILDER, `weights[${i}][${j}]`, `must be a finite weight >= 0, got ${weight}`);
      }
      return { source: sourceKeys[j]!, output: outputKeys[i]!, weight };
    });
  });
  const maxWeight = options.maxWeight ?? 1;
  const cell = options.cellSize ?? 22;
  const showValues = options.showValues ?? values.length <= 150;
  const longSourceToken = input.source.some((t) => t.length > 3);
  const heat = {
    mark: { type: 'rect' as const },
    encoding: {
      color: {
        field: 'weight',
        type: 'quantitative' as const,
        title: 'weight',
        scale: { scheme: 'blues', domain: [0, maxWeight], clamp: true },
        legend: { format: '.1f', gradientLength: Math.max(60, Math.min(200, input.output.length * cell)) },
      },
    },
  };
  const labels = {
    mark: { type: 'text' as const, fontSize: 8 },
    encoding: {
      text: { field: 'weight', type: 'quantitative' as const, format: '.2f' },
      // Dark cells get white digits; the threshold is where the 'blues' scheme gets dark.
      color: { condition: { test: `datum.weight > ${0.55 * maxWeight}`, value: 'white' }, value: '#1f2937' },
    },
  };
  return themed(
    {
      data: { values },
      encoding: {
        x: {
          field: 'source',
          type: 'ordinal',
          sort: sourceKeys,
          title: options.xTitle ?? 'source',
          axis: { orient: 'top', labelExpr: LABEL_EXPR, labelAngle: longSourceToken ? -45 : 0, labelAlign: longSourceToken ? 'left' : 'center', ticks: false, domain: false },
        },
        y: {
          field: 'output',
          type: 'ordinal',
          sort: outputKeys,
          title: options.yTitle ?? 'output',
          axis: { labelExpr: LABEL_EXPR, ticks: false, domain: false },
        },
      },
      layer: showValues ? [heat, labels] : [heat],
    },
    { ...options, width: cell * input.source.length, height: cell * input.output.length },
    { width: 0, height: 0 },
  );
}
