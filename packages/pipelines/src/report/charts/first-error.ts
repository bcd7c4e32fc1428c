/**
 * Where a decoded sequence goes wrong first: for each condition, the share of sequences whose first wrong
 * token is at position t, plus a final `none` bar for sequences without any error. Counting is done here
 * (not by Vega-Lite's `bin`), so positions stay whole numbers and the embedded data stays small.
 */
import type { TopLevelSpec } from 'vega-lite';
import { axisFormat, ChartInputError, requireNonEmpty, themed, type ChartFrame } from './theme.ts';

export interface FirstErrorGroup {
  /** e.g. `p=1 (teacher forcing)`. */
  readonly condition: string;
  /** One entry per sequence: the position of its first wrong token, or `null` when it has none. */
  readonly firstErrors: readonly (number | null)[];
}

export interface FirstErrorOptions extends ChartFrame {
  /** Plot the share of each condition's sequences (default), or raw counts. */
  readonly normalize?: boolean;
  /** Show the `none` bar (sequences without error). Default true. */
  readonly showErrorFree?: boolean;
  /** X axis title. Default `position of the first wrong token`. */
  readonly xTitle?: string;
}

export interface FirstErrorBin {
  readonly condition: string;
  /** A position as text, or `none`. */
  readonly position: string;
  readonly count: number;
  readonly share: number;
}

const BUILDER = 'firstErrorHistogram';
export const ERROR_FREE = 'none';

/** The histogram as numbers (also useful for a table next to the chart). Positions with no sequence are 0. */
export function firstErrorBins(groups: readonly FirstErrorGroup[], showErrorFree = true): FirstErrorBin[] {
  requireNonEmpty(BUILDER, 'groups', groups);
  let maxPosition = -1;
  const conditions = new Set<string>();
  groups.forEach((group, g) => {
    if (conditions.has(group.condition)) {
      throw new ChartInputError(BUILDER, `groups[${g}].condition`, `${JSON.stringify(group.condition)} appears twice`);
    }
    conditions.add(group.condition);
    if (group.firstErrors.length === 0) throw new ChartInputError(BUILDER, `groups[${g}].firstErrors`, 'is empty');
    group.firstErrors.forEach((p, i) => {
      if (p === null) return;
      if (!Number.isInteger(p) || p < 0) {
        throw new ChartInputError(BUILDER, `groups[${g}].firstErrors[${i}]`, `must be a position (integer >= 0) or null, got ${String(p)}`);
      }
      maxPosition = Math.max(maxPosition, p);
    });
  });
  const positions = [...Array.from({ length: maxPosition + 1 }, (_, i) => String(i)), ...(showErrorFree ? [ERROR_FREE] : [])];
  return groups.flatMap((group) => {
    const counts = new Map<string, number>(positions.map((p) => [p, 0]));
    for (const p of group.firstErrors) {
      const key = p === null ? ERROR_FREE : String(p);
      if (counts.has(key)) counts.set(key, counts.get(key)! + 1);
    }
    const total = group.firstErrors.length;
    return positions.map((position) => ({ condition: group.condition, position, count: counts.get(position)!, share: counts.get(position)! / total }));
  });
}

export function firstErrorHistogram(groups: readonly FirstErrorGroup[], options: FirstErrorOptions = {}): TopLevelSpec {
  const showErrorFree = options.showErrorFree ?? true;
  const normalize = options.normalize ?? true;
  const values = firstErrorBins(groups, showErrorFree);
  const positions = [...new Set(values.map((v) => v.position))];
  const conditions = groups.map((g) => g.condition);
  return themed(
    {
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        // Ordinal with an explicit order, so `10` follows `9` (not `1`) and `none` comes last.
        x: {
          field: 'position',
          type: 'ordinal',
          sort: positions,
          title: options.xTitle ?? 'position of the first wrong token',
          axis: { labelAngle: 0, labelOverlap: 'parity' },
        },
        xOffset: { field: 'condition', type: 'nominal', sort: conditions },
        y: normalize
          ? { field: 'share', type: 'quantitative', title: 'share of sequences', axis: { format: axisFormat(true) } }
          : { field: 'count', type: 'quantitative', title: 'sequences', axis: { format: 'd', tickMinStep: 1 } },
        color: { field: 'condition', type: 'nominal', title: 'condition', scale: { domain: conditions } },
      },
    },
    options,
    { width: Math.min(760, Math.max(300, positions.length * (conditions.length * 7 + 6))), height: 240 },
  );
}
