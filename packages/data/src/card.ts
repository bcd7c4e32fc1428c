/**
 * Data cards: what a dataset is, where it came from, under which licence, and its shape (counts, length
 * histograms, vocabulary sizes once tokenized). Written as `card.json` (validated on read by `DataCardSchema`)
 * and rendered as a short `CARD.md` for people.
 */
import { z } from 'zod';
import { DatasetConfigSchema, SEQ2SEQ_TASKS, STREAM_TASKS, TokenLevelSchema, TokenizerConfigSchema } from './config.ts';
import type { TokenLevel } from './config.ts';
import { SPLIT_NAMES, type Splits } from './dataset.ts';
import { stableStringify } from './stable-json.ts';

const perSplit = <S extends z.ZodType>(schema: S) => z.strictObject({ train: schema, valid: schema, test: schema });

export const LengthHistogramSchema = z.strictObject({
  unit: TokenLevelSchema,
  min: z.int(),
  max: z.int(),
  mean: z.number(),
  /** [length, number of sequences] for every length that occurs, ascending. */
  counts: z.array(z.tuple([z.int(), z.int()])),
});
export type LengthHistogram = z.output<typeof LengthHistogramSchema>;

export const DataCardSchema = z.strictObject({
  format: z.literal('bptt-data-card/1'),
  task: z.enum([...SEQ2SEQ_TASKS, ...STREAM_TASKS]),
  kind: z.enum(['seq2seq', 'stream']),
  description: z.string(),
  /** Where the data comes from (generator or corpus, with package and version). */
  source: z.string(),
  licence: z.string(),
  seed: z.int(),
  config: DatasetConfigSchema,
  /** Examples per split (seq2seq) or tokens per split (stream). */
  counts: perSplit(z.int()),
  countUnit: z.enum(['examples', 'tokens']),
  /** Seq2seq only. In the task's natural units before tokenization, in tokens after. */
  lengths: perSplit(z.strictObject({ source: LengthHistogramSchema, target: LengthHistogramSchema })).optional(),
  /** Examples that carry alternative targets, when the task has any. */
  alternatives: perSplit(z.int()).optional(),
  /** Document ids per split, for corpora split by document. */
  documents: perSplit(z.array(z.string())).optional(),
  /** Filled in by tokenizeDataset. */
  vocabulary: z
    .strictObject({
      source: z.int(),
      target: z.int(),
      shared: z.boolean(),
      tokenizer: TokenizerConfigSchema,
      /** Share of tokens that became UNK (train is 0 unless minFrequency/maxSize drop tokens). */
      unknownRate: perSplit(z.strictObject({ source: z.number(), target: z.number() })),
    })
    .optional(),
  notes: z.array(z.string()),
});
export type DataCard = z.output<typeof DataCardSchema>;

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export function lengthHistogram(lengths: readonly number[], unit: TokenLevel): LengthHistogram {
  if (lengths.length === 0) return { unit, min: 0, max: 0, mean: 0, counts: [] };
  const tally = new Map<number, number>();
  let sum = 0;
  for (const length of lengths) {
    tally.set(length, (tally.get(length) ?? 0) + 1);
    sum += length;
  }
  const counts = [...tally].sort((a, b) => a[0] - b[0]);
  return {
    unit,
    min: (counts[0] as [number, number])[0],
    max: (counts[counts.length - 1] as [number, number])[0],
    mean: round(sum / lengths.length),
    counts,
  };
}

/** The length at quantile q (0..1) of a histogram. */
export function histogramQuantile(histogram: LengthHistogram, q: number): number {
  const total = histogram.counts.reduce((sum, [, count]) => sum + count, 0);
  let seen = 0;
  for (const [length, count] of histogram.counts) {
    seen += count;
    if (seen >= q * total) return length;
  }
  return histogram.max;
}

export function renderCardMarkdown(card: DataCard): string {
  const row = (label: string, cell: (split: keyof Splits<unknown>) => string): string =>
    `| ${label} | ${SPLIT_NAMES.map(cell).join(' | ')} |`;
  const lines: string[] = [
    `# Data card: ${card.task}`,
    '',
    card.description,
    '',
    `- Kind: ${card.kind}`,
    `- Source: ${card.source}`,
    `- Licence: ${card.licence}`,
    `- Seed: ${card.seed}`,
    '',
    '| | train | valid | test |',
    '|---|---:|---:|---:|',
    row(card.countUnit, (s) => String(card.counts[s])),
  ];
  if (card.lengths !== undefined) {
    const lengths = card.lengths;
    for (const side of ['source', 'target'] as const) {
      const unit = lengths.train[side].unit;
      lines.push(
        row(`${side} length (${unit}s) min / median / mean / max`, (s) => {
          const h = lengths[s][side];
          return `${h.min} / ${histogramQuantile(h, 0.5)} / ${h.mean} / ${h.max}`;
        }),
      );
    }
  }
  if (card.alternatives !== undefined) {
    const alternatives = card.alternatives;
    lines.push(row('examples with alternatives', (s) => String(alternatives[s])));
  }
  if (card.documents !== undefined) {
    const documents = card.documents;
    lines.push(row('documents', (s) => String(documents[s].length)));
  }
  if (card.vocabulary !== undefined) {
    const v = card.vocabulary;
    lines.push(row('UNK rate source / target', (s) => `${v.unknownRate[s].source} / ${v.unknownRate[s].target}`));
    lines.push(
      '',
      `Vocabulary (${v.shared ? 'shared' : 'separate'}, specials included): source ${v.source}, target ${v.target}.`,
    );
  }
  if (card.notes.length > 0) lines.push('', '## Notes', '', ...card.notes.map((note) => `- ${note}`));
  lines.push('', '## Config', '', '```json', stableStringify(card.config, 0).trimEnd(), '```', '');
  return lines.join('\n');
}
