/** Builds the data card of a freshly created dataset (before tokenization). */
import { lengthHistogram, type DataCard, type LengthHistogram } from './card.ts';
import type { DatasetConfig, TokenLevel } from './config.ts';
import { mapSplits, type Seq2seqExample, type Splits, type StreamSplit } from './dataset.ts';
import { tokenCount } from './tokenize/tokenize.ts';
import { taskInfo } from './tasks.ts';

export type SplitsOf =
  | { kind: 'seq2seq'; splits: Splits<readonly Seq2seqExample[]> }
  | { kind: 'stream'; splits: Splits<StreamSplit> };

export function buildDataCard(config: DatasetConfig, data: SplitsOf, documents?: Splits<string[]>): DataCard {
  const info = taskInfo(config.task);
  // Each task's describe/notes take that task's config; the registry is keyed so these always match.
  const describe = info.describe as (c: DatasetConfig) => string;
  const notes = info.notes as (c: DatasetConfig) => string[];
  const card: DataCard = {
    format: 'bptt-data-card/1',
    task: config.task,
    kind: data.kind,
    description: describe(config),
    source: info.source,
    licence: info.licence,
    seed: config.seed,
    config,
    counts:
      data.kind === 'seq2seq'
        ? mapSplits(data.splits, (examples) => examples.length)
        : mapSplits(data.splits, (split) => split.source.length),
    countUnit: data.kind === 'seq2seq' ? 'examples' : 'tokens',
    notes: notes(config),
  };
  if (data.kind === 'seq2seq') {
    card.lengths = mapSplits(data.splits, (examples) => seq2seqLengths(examples, info.units));
    const alternatives = mapSplits(data.splits, (examples) => examples.filter((e) => e.alternatives !== undefined).length);
    if (alternatives.train + alternatives.valid + alternatives.test > 0) card.alternatives = alternatives;
  }
  if (documents !== undefined) card.documents = documents;
  return card;
}

function seq2seqLengths(
  examples: readonly Seq2seqExample[],
  units: { source: TokenLevel; target: TokenLevel },
): { source: LengthHistogram; target: LengthHistogram } {
  return {
    source: lengthHistogram(examples.map((e) => tokenCount(e.source, units.source)), units.source),
    target: lengthHistogram(examples.map((e) => tokenCount(e.target, units.target)), units.target),
  };
}
