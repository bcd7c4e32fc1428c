/**
 * Turns a Dataset into id sequences for training. Vocabularies are built on the train split only, so valid and
 * test measure generalisation honestly: their unseen tokens become UNK (the card records how many).
 */
import { lengthHistogram, type DataCard } from '../card.ts';
import {
  parseTokenizerConfig,
  type Seq2seqTask,
  type StreamTask,
  type TokenLevel,
  type TokenizerConfig,
  type TokenizerConfigInput,
} from '../config.ts';
import { mapSplits, type Dataset, type Seq2seqExample, type Splits, type StreamSplit } from '../dataset.ts';
import { DatasetConfigError } from '../errors.ts';
import { taskInfo } from '../tasks.ts';
import { encodeTokens, unknownRate } from './encode.ts';
import { tokenize } from './tokenize.ts';
import { countTokens, vocabularyFromCounts, type Vocabulary } from './vocabulary.ts';

export interface EncodedSeq2seqSplit {
  source: number[][];
  target: number[][];
  /** Present when the dataset has alternatives: one (possibly empty) list of encoded alternatives per example. */
  alternatives?: number[][][];
}

export interface EncodedStreamSplit {
  source: number[];
  target: number[];
}

/** A tokenizer config with every default decided for a given dataset. */
export type ResolvedTokenizerConfig = TokenizerConfig & {
  levels: { source: TokenLevel; target: TokenLevel };
  vocabulary: 'separate' | 'shared';
};

interface TokenizedCommon {
  tokenizer: ResolvedTokenizerConfig;
  sourceVocab: Vocabulary;
  targetVocab: Vocabulary;
  /** The dataset's card with `vocabulary` filled in and lengths counted in tokens. */
  card: DataCard;
}

export interface TokenizedSeq2seqDataset extends TokenizedCommon {
  kind: 'seq2seq';
  task: Seq2seqTask;
  encoded: Splits<EncodedSeq2seqSplit>;
}

export interface TokenizedStreamDataset extends TokenizedCommon {
  kind: 'stream';
  task: StreamTask;
  encoded: Splits<EncodedStreamSplit>;
}

export type TokenizedDataset = TokenizedSeq2seqDataset | TokenizedStreamDataset;

/** The config `tokenizeDataset` will use for this dataset: the task's natural units and sharing by kind. */
export function resolveTokenizerConfig(
  dataset: Pick<Dataset, 'kind' | 'task'>,
  input: TokenizerConfigInput = {},
  origin = 'tokenizer config',
): ResolvedTokenizerConfig {
  const config = parseTokenizerConfig(input, origin);
  const levels = config.levels ?? { ...taskInfo(dataset.task).units };
  if (dataset.kind === 'stream') {
    for (const side of ['source', 'target'] as const) {
      if (levels[side] === 'char') {
        throw new DatasetConfigError(origin, [
          {
            field: `levels.${side}`,
            value: 'char',
            reason: `${dataset.task} is a stream dataset whose items are already tokens; use "word" or "symbol" (or omit levels)`,
          },
        ]);
      }
    }
  }
  return { ...config, levels, vocabulary: config.vocabulary ?? (dataset.kind === 'stream' ? 'shared' : 'separate') };
}

export function tokenizeDataset(dataset: Dataset, input: TokenizerConfigInput = {}): TokenizedDataset {
  const tokenizer = resolveTokenizerConfig(dataset, input);
  const options = { minFrequency: tokenizer.minFrequency, maxSize: tokenizer.maxSize };
  if (dataset.kind === 'stream') {
    const { source, target } = dataset.splits.train;
    const sourceCounts = countTokens([source]);
    const targetCounts = countTokens([target]);
    // Source and target are (shifted) views of one stream: count each token as often as it occurs in the text,
    // not twice, so that minFrequency means what it says.
    const sourceVocab = vocabularyFromCounts(
      tokenizer.vocabulary === 'shared' ? maxCounts(sourceCounts, targetCounts) : sourceCounts,
      options,
    );
    const targetVocab =
      tokenizer.vocabulary === 'shared' ? sourceVocab : vocabularyFromCounts(targetCounts, options);
    const encoded = mapSplits(dataset.splits, (split: StreamSplit) => ({
      source: encodeTokens(split.source, sourceVocab),
      target: encodeTokens(split.target, targetVocab),
    }));
    const card = withVocabulary(dataset.card, tokenizer, sourceVocab, targetVocab, encoded, (e) => ({
      source: unknownRate([e.source]),
      target: unknownRate([e.target]),
    }));
    return { kind: 'stream', task: dataset.task, tokenizer, sourceVocab, targetVocab, encoded, card };
  }

  const { levels } = tokenizer;
  const tokenized = mapSplits(dataset.splits, (examples: Seq2seqExample[]) => ({
    source: examples.map((e) => tokenize(e.source, levels.source)),
    target: examples.map((e) => tokenize(e.target, levels.target)),
    alternatives: examples.map((e) => (e.alternatives ?? []).map((a) => tokenize(a, levels.target))),
  }));
  const train = tokenized.train;
  const sourceCounts = countTokens(train.source);
  const targetCounts = countTokens(train.target);
  const sourceVocab = vocabularyFromCounts(
    tokenizer.vocabulary === 'shared' ? sumCounts(sourceCounts, targetCounts) : sourceCounts,
    options,
  );
  const targetVocab = tokenizer.vocabulary === 'shared' ? sourceVocab : vocabularyFromCounts(targetCounts, options);
  const hasAlternatives = SPLITS.some((s) => dataset.splits[s].some((e) => e.alternatives !== undefined));
  const encoded = mapSplits(tokenized, (split): EncodedSeq2seqSplit => {
    const out: EncodedSeq2seqSplit = {
      source: split.source.map((tokens) => encodeTokens(tokens, sourceVocab)),
      target: split.target.map((tokens) => encodeTokens(tokens, targetVocab)),
    };
    if (hasAlternatives) out.alternatives = split.alternatives.map((list) => list.map((t) => encodeTokens(t, targetVocab)));
    return out;
  });
  const card = withVocabulary(dataset.card, tokenizer, sourceVocab, targetVocab, encoded, (e) => ({
    source: unknownRate(e.source),
    target: unknownRate(e.target),
  }));
  card.lengths = mapSplits(encoded, (e) => ({
    source: lengthHistogram(
      e.source.map((ids) => ids.length),
      levels.source,
    ),
    target: lengthHistogram(
      e.target.map((ids) => ids.length),
      levels.target,
    ),
  }));
  return { kind: 'seq2seq', task: dataset.task, tokenizer, sourceVocab, targetVocab, encoded, card };
}

const SPLITS = ['train', 'valid', 'test'] as const;

function withVocabulary<E>(
  card: DataCard,
  tokenizer: ResolvedTokenizerConfig,
  sourceVocab: Vocabulary,
  targetVocab: Vocabulary,
  encoded: Splits<E>,
  rates: (encoded: E) => { source: number; target: number },
): DataCard {
  const round = (x: number): number => Number(x.toFixed(6));
  return {
    ...card,
    vocabulary: {
      source: sourceVocab.tokens.length,
      target: targetVocab.tokens.length,
      shared: tokenizer.vocabulary === 'shared',
      tokenizer,
      unknownRate: mapSplits(encoded, (e) => {
        const r = rates(e);
        return { source: round(r.source), target: round(r.target) };
      }),
    },
  };
}

function maxCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [token, count] of b) out.set(token, Math.max(out.get(token) ?? 0, count));
  return out;
}

function sumCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [token, count] of b) out.set(token, (out.get(token) ?? 0) + count);
  return out;
}
