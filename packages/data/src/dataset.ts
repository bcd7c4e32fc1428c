/**
 * The dataset model every task produces. Two shapes cover every experiment:
 * - seq2seq: independent (source, target) string pairs, e.g. a word and its pronunciation;
 * - stream: one long token sequence per split with a target token aligned to every source token
 *   (language modelling, delayed recall), which truncated BPTT walks through in chunks.
 */
import type { DataCard } from './card.ts';
import type { DatasetConfig, Seq2seqTask, StreamTask } from './config.ts';

export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export type Splits<T> = { train: T; valid: T; test: T };

export interface Seq2seqExample {
  source: string;
  target: string;
  /** Other valid targets (e.g. CMUdict's alternative pronunciations), used as extra references when scoring. */
  alternatives?: string[];
}

/** Aligned token streams: `source.length === target.length`. */
export interface StreamSplit {
  source: string[];
  target: string[];
}

export interface Seq2seqDataset {
  kind: 'seq2seq';
  task: Seq2seqTask;
  config: DatasetConfig;
  splits: Splits<Seq2seqExample[]>;
  card: DataCard;
}

export interface StreamDataset {
  kind: 'stream';
  task: StreamTask;
  config: DatasetConfig;
  splits: Splits<StreamSplit>;
  card: DataCard;
}

export type Dataset = Seq2seqDataset | StreamDataset;

export function mapSplits<A, B>(splits: Splits<A>, fn: (value: A, split: SplitName) => B): Splits<B> {
  return { train: fn(splits.train, 'train'), valid: fn(splits.valid, 'valid'), test: fn(splits.test, 'test') };
}

/** Sources that occur in more than one split (should always be empty: splits are drawn without leakage). */
export function findLeakage(splits: Splits<readonly Seq2seqExample[]>): { source: string; splits: SplitName[] }[] {
  const seenIn = new Map<string, Set<SplitName>>();
  for (const split of SPLIT_NAMES) {
    for (const example of splits[split]) {
      const set = seenIn.get(example.source) ?? new Set<SplitName>();
      set.add(split);
      seenIn.set(example.source, set);
    }
  }
  return [...seenIn]
    .filter(([, set]) => set.size > 1)
    .map(([source, set]) => ({ source, splits: SPLIT_NAMES.filter((s) => set.has(s)) }));
}
