/**
 * Table layout decisions shared by both renderers: alignment, number formatting and which cells are the best
 * of their column. Markdown and HTML only differ in syntax, never in what a table says.
 */
import { formatCell } from './format.ts';
import type { Alignment, TableBlock } from './model.ts';

export interface LaidOutCell {
  /** Formatted plain text, not yet escaped. */
  readonly text: string;
  readonly best: boolean;
}

export interface LaidOutTable {
  readonly headers: readonly string[];
  readonly align: readonly Alignment[];
  readonly rows: readonly (readonly LaidOutCell[])[];
}

export function layOutTable(block: TableBlock): LaidOutTable {
  const align = block.columns.map((column, c): Alignment => {
    if (column.align) return column.align;
    const cells = block.rows.map((row) => row[c]);
    const numeric = cells.some((v) => typeof v === 'number') && cells.every((v) => v === null || typeof v === 'number');
    return numeric ? 'right' : 'left';
  });
  const bestValues = block.columns.map((column, c) => {
    if (!column.best) return undefined;
    // NaN (a diverged run) is never "best", whichever direction the column prefers.
    const values = block.rows.map((row) => row[c]).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
    if (values.length === 0) return undefined;
    return column.best === 'max' ? Math.max(...values) : Math.min(...values);
  });
  const rows = block.rows.map((row) =>
    row.map((cell, c): LaidOutCell => ({
      text: formatCell(cell, block.columns[c]!.format),
      // Compare the formatted text too: two values that print the same are tied in the reader's eyes.
      best:
        typeof cell === 'number' &&
        bestValues[c] !== undefined &&
        formatCell(cell, block.columns[c]!.format) === formatCell(bestValues[c]!, block.columns[c]!.format),
    })),
  );
  return { headers: block.columns.map((c) => c.header), align, rows };
}
