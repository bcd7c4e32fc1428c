/**
 * The exposure-bias gap: for each run, the metric measured with teacher forcing (p=1, the decoder reads the
 * reference prefix) and free running (p=0, it reads its own predictions), drawn as a dumbbell: two dots on
 * one line, with the signed difference (p=1 − p=0) printed at the right. The length of the bar *is* the gap,
 * so runs compare at a glance, and the absolute level stays visible, which a bar of differences would hide.
 */
import type { TopLevelSpec } from 'vega-lite';
import { axisFormat, requireFinite, requireNonEmpty, themed, uniqueInOrder, type ChartFrame } from './theme.ts';

export interface GapRow {
  readonly run: string;
  /** The metric at p=1 (teacher forcing). */
  readonly teacherForced: number;
  /** The metric at p=0 (free running). */
  readonly freeRunning: number;
}

export interface GapOptions extends ChartFrame {
  /** X axis title, e.g. `token accuracy`. */
  readonly metric: string;
  readonly percent?: boolean;
  /** Decimals of the printed gap. Default 1 for percentages (points), 2 otherwise. */
  readonly decimals?: number;
  /** Legend labels of the two conditions. */
  readonly labels?: { readonly teacherForced: string; readonly freeRunning: string };
}

const BUILDER = 'teacherForcingGapChart';

export function teacherForcingGapChart(rows: readonly GapRow[], options: GapOptions): TopLevelSpec {
  requireNonEmpty(BUILDER, 'rows', rows);
  const percent = options.percent ?? false;
  const decimals = options.decimals ?? (percent ? 1 : 2);
  const labels = options.labels ?? { teacherForced: 'p=1 (teacher forcing)', freeRunning: 'p=0 (free running)' };
  const runs = uniqueInOrder(rows.map((r) => r.run));
  if (runs.length !== rows.length) throw new RangeError(`${BUILDER}: rows repeat a run (${rows.map((r) => r.run).join(', ')})`);
  const segments = rows.map((row, i) => {
    const tf = requireFinite(BUILDER, `rows[${i}].teacherForced`, row.teacherForced);
    const fr = requireFinite(BUILDER, `rows[${i}].freeRunning`, row.freeRunning);
    const gap = tf - fr;
    // Percent metrics have their gap in percentage points, which is what papers report.
    const gapText = percent ? `${signed(gap * 100, decimals)} pp` : signed(gap, decimals);
    return { run: row.run, tf, fr, gapText, right: Math.max(tf, fr) };
  });
  const dots = rows.flatMap((row) => [
    { run: row.run, condition: labels.teacherForced, value: row.teacherForced },
    { run: row.run, condition: labels.freeRunning, value: row.freeRunning },
  ]);
  const y = { field: 'run', type: 'nominal', title: null, sort: runs } as const;
  return themed(
    {
      layer: [
        {
          data: { values: segments },
          mark: { type: 'rule', color: '#9ca3af', strokeWidth: 3 },
          encoding: {
            y,
            x: { field: 'fr', type: 'quantitative', title: options.metric, scale: { zero: false }, axis: { format: axisFormat(percent) } },
            x2: { field: 'tf' },
          },
        },
        {
          data: { values: dots },
          mark: { type: 'point', filled: true, size: 90, opacity: 1 },
          encoding: {
            y,
            x: { field: 'value', type: 'quantitative' },
            color: { field: 'condition', type: 'nominal', title: 'condition', scale: { domain: [labels.teacherForced, labels.freeRunning] } },
          },
        },
        {
          data: { values: segments },
          mark: { type: 'text', align: 'left', dx: 10, fontSize: 11, color: '#111827' },
          encoding: { y, x: { field: 'right', type: 'quantitative' }, text: { field: 'gapText', type: 'nominal' } },
        },
      ],
    },
    options,
    { width: 440, height: Math.max(60, runs.length * 28) },
  );
}

function signed(value: number, decimals: number): string {
  const text = Math.abs(value).toFixed(decimals);
  if (Number(text) === 0) return `±${text}`;
  return `${value > 0 ? '+' : '−'}${text}`;
}
