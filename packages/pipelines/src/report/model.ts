/**
 * The report document model. A report stage builds one `Report` from its numbers; the renderers turn the same
 * value into `README.md`, `index.html` and `charts/*.svg`, so the three can never disagree.
 *
 * Text fields are "markdown-ish": `**bold**`, `*italic*`, `` `code` ``, `[label](url)` and blank-line paragraph
 * breaks. The Markdown renderer passes them through; the HTML renderer converts exactly that subset.
 */
import type { TopLevelSpec } from 'vega-lite';

export interface Report {
  readonly title: string;
  /** Markdown-ish text shown under the title. */
  readonly intro: string;
  /** Key facts shown as a small table under the intro (pipeline, seed, config hash, BLEU signature, ...). */
  readonly meta?: readonly MetaEntry[];
  readonly sections: readonly Section[];
}

export interface MetaEntry {
  readonly label: string;
  readonly value: string;
}

export interface Section {
  /** Anchor id in `index.html`: lowercase letters, digits and `-`, unique in the report. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export type Block = ParagraphBlock | ListBlock | TableBlock | ChartBlock | NoteBlock | CodeBlock;

export interface ParagraphBlock {
  readonly kind: 'paragraph';
  readonly text: string;
}

export interface ListBlock {
  readonly kind: 'list';
  readonly items: readonly string[];
  readonly ordered?: boolean;
}

export type Alignment = 'left' | 'center' | 'right';

/** How a numeric cell is written. Strings and `null` cells are never formatted. */
export type NumberFormat =
  | { readonly kind: 'fixed'; readonly decimals: number }
  /** The cell holds a fraction (0.25), written as a percentage (25.0%). */
  | { readonly kind: 'percent'; readonly decimals: number }
  | { readonly kind: 'integer' }
  | { readonly kind: 'scientific'; readonly digits: number }
  /** The cell holds milliseconds. */
  | { readonly kind: 'duration' };

export interface TableColumn {
  readonly header: string;
  /** Defaults to `right` for columns whose cells are all numbers (or null), `left` otherwise. */
  readonly align?: Alignment;
  /** Defaults to `fixed` with 3 decimals for non-integers, `integer` for integers. */
  readonly format?: NumberFormat;
  /** Bold the best numeric cell of the column (ties are all bold): `max` for accuracy/BLEU, `min` for loss. */
  readonly best?: 'max' | 'min';
}

export type TableCell = string | number | null;

export interface TableBlock {
  readonly kind: 'table';
  readonly columns: readonly TableColumn[];
  readonly rows: readonly (readonly TableCell[])[];
  readonly caption?: string;
}

export interface ChartBlock {
  readonly kind: 'chart';
  /** File stem of `charts/<name>.svg`: lowercase letters, digits and `-`, unique in the report. */
  readonly name: string;
  readonly title: string;
  /** A Vega-Lite spec with inline data (`data.values`); see `./charts/` for the builders. */
  readonly spec: TopLevelSpec;
  readonly caption?: string;
}

export type NoteKind = 'note' | 'tip' | 'important' | 'warning' | 'caution';

export interface NoteBlock {
  readonly kind: 'note';
  readonly tone: NoteKind;
  readonly text: string;
}

export interface CodeBlock {
  readonly kind: 'code';
  readonly code: string;
  /** Fence info string, e.g. `json`, `bash`, `ts`. */
  readonly language?: string;
}

// Constructors, so stage code reads as a document rather than as object literals.

export const paragraph = (text: string): ParagraphBlock => ({ kind: 'paragraph', text });

export const list = (items: readonly string[], options: { ordered?: boolean } = {}): ListBlock => ({
  kind: 'list',
  items,
  ...(options.ordered === undefined ? {} : { ordered: options.ordered }),
});

export const table = (
  columns: readonly (TableColumn | string)[],
  rows: readonly (readonly TableCell[])[],
  caption?: string,
): TableBlock => ({
  kind: 'table',
  columns: columns.map((c) => (typeof c === 'string' ? { header: c } : c)),
  rows,
  ...(caption === undefined ? {} : { caption }),
});

export const chart = (name: string, title: string, spec: TopLevelSpec, caption?: string): ChartBlock => ({
  kind: 'chart',
  name,
  title,
  spec,
  ...(caption === undefined ? {} : { caption }),
});

export const note = (text: string, tone: NoteKind = 'note'): NoteBlock => ({ kind: 'note', tone, text });

export const code = (source: string, language?: string): CodeBlock => ({
  kind: 'code',
  code: source,
  ...(language === undefined ? {} : { language }),
});

/** Every chart block of the report, in document order. */
export function chartBlocks(report: Report): ChartBlock[] {
  return report.sections.flatMap((s) => s.blocks.filter((b): b is ChartBlock => b.kind === 'chart'));
}
