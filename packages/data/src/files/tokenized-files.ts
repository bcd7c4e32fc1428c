/**
 * A TokenizedDataset as files: `vocab.source.json`, `vocab.target.json`, `{train,valid,test}.ids.json`,
 * `tokenizer.json`, `card.json` (with vocabulary sizes) and `CARD.md`. Id files are single-line JSON:
 * seq2seq `{ source: number[][], target: number[][], alternatives?: number[][][] }`,
 * stream `{ source: number[], target: number[] }`.
 */
import { z } from 'zod';
import { renderCardMarkdown } from '../card.ts';
import { TokenizerConfigSchema, type Seq2seqTask, type StreamTask } from '../config.ts';
import { SPLIT_NAMES, type Splits } from '../dataset.ts';
import { DataFormatError } from '../errors.ts';
import { stableStringify } from '../stable-json.ts';
import type {
  EncodedSeq2seqSplit,
  EncodedStreamSplit,
  ResolvedTokenizerConfig,
  TokenizedDataset,
} from '../tokenize/tokenize-dataset.ts';
import { vocabularyFromJson, vocabularyToJson, type Vocabulary } from '../tokenize/vocabulary.ts';
import { parseCardFile } from './dataset-files.ts';
import { fileLabel, parseJson, readFiles, requireFile, validate } from './json-files.ts';

export const TOKENIZED_FILES = [
  'vocab.source.json',
  'vocab.target.json',
  'train.ids.json',
  'valid.ids.json',
  'test.ids.json',
  'tokenizer.json',
  'card.json',
  'CARD.md',
] as const;

export function tokenizedToFiles(result: TokenizedDataset): Record<string, string> {
  const files: Record<string, string> = {
    'vocab.source.json': vocabularyToJson(result.sourceVocab),
    'vocab.target.json': vocabularyToJson(result.targetVocab),
    'tokenizer.json': stableStringify(result.tokenizer),
    'card.json': stableStringify(result.card),
    'CARD.md': renderCardMarkdown(result.card),
  };
  for (const split of SPLIT_NAMES) files[`${split}.ids.json`] = stableStringify(result.encoded[split], 0);
  return files;
}

const ResolvedTokenizerSchema = TokenizerConfigSchema.required({ levels: true, vocabulary: true });

const Ids = z.array(z.int().min(0));
const EncodedSeq2seqSchema = z.strictObject({
  source: z.array(Ids).min(1, 'split is empty'),
  target: z.array(Ids),
  alternatives: z.array(z.array(Ids)).optional(),
});
const EncodedStreamSchema = z.strictObject({ source: Ids.min(1, 'split is empty'), target: Ids });

/** Parses the files written by `tokenizedToFiles` (CARD.md is not needed); checks every id against its vocabulary. */
export function parseTokenizedFiles(files: Readonly<Record<string, string>>, location?: string): TokenizedDataset {
  const label = (name: string): string => fileLabel(name, location);
  const text = (name: string): string => requireFile(files, name, label(name));
  const sourceVocab = vocabularyFromJson(text('vocab.source.json'), label('vocab.source.json'));
  const targetVocab = vocabularyFromJson(text('vocab.target.json'), label('vocab.target.json'));
  const tokenizer = validate(ResolvedTokenizerSchema, parseJson(text('tokenizer.json'), label('tokenizer.json')), label('tokenizer.json')) as ResolvedTokenizerConfig;
  const card = parseCardFile(text('card.json'), label('card.json'));
  if (card.vocabulary === undefined) {
    throw new DataFormatError(label('card.json'), undefined, 'has no "vocabulary" section (not a tokenized dataset card)');
  }
  if (card.vocabulary.source !== sourceVocab.tokens.length || card.vocabulary.target !== targetVocab.tokens.length) {
    throw new DataFormatError(label('card.json'), undefined, `vocabulary sizes ${card.vocabulary.source}/${card.vocabulary.target} differ from the vocab files (${sourceVocab.tokens.length}/${targetVocab.tokens.length})`);
  }
  const common = { tokenizer, sourceVocab, targetVocab, card };

  if (card.kind === 'stream') {
    const encoded = readSplits((split) => {
      const file = label(`${split}.ids.json`);
      const data = validate(EncodedStreamSchema, parseJson(text(`${split}.ids.json`), file), file);
      if (data.source.length !== data.target.length) {
        throw new DataFormatError(file, undefined, `source has ${data.source.length} ids but target has ${data.target.length}`);
      }
      checkIds(data.source, sourceVocab, file, 'source');
      checkIds(data.target, targetVocab, file, 'target');
      checkCount(data.source.length, card.counts[split], file);
      return data as EncodedStreamSplit;
    });
    return { kind: 'stream', task: card.task as StreamTask, encoded, ...common };
  }

  const encoded = readSplits((split) => {
    const file = label(`${split}.ids.json`);
    const data = validate(EncodedSeq2seqSchema, parseJson(text(`${split}.ids.json`), file), file);
    const n = data.source.length;
    if (data.target.length !== n || (data.alternatives !== undefined && data.alternatives.length !== n)) {
      throw new DataFormatError(file, undefined, `source, target and alternatives must have the same number of examples (${n}, ${data.target.length}, ${data.alternatives?.length ?? '-'})`);
    }
    data.source.forEach((ids, i) => checkIds(ids, sourceVocab, file, `source[${i}]`));
    data.target.forEach((ids, i) => checkIds(ids, targetVocab, file, `target[${i}]`));
    data.alternatives?.forEach((list, i) => list.forEach((ids, j) => checkIds(ids, targetVocab, file, `alternatives[${i}][${j}]`)));
    checkCount(n, card.counts[split], file);
    return data as EncodedSeq2seqSplit;
  });
  return { kind: 'seq2seq', task: card.task as Seq2seqTask, encoded, ...common };
}

/** Reads a directory written from `tokenizedToFiles`. */
export function readTokenizedDir(dir: string): TokenizedDataset {
  return parseTokenizedFiles(readFiles(dir, TOKENIZED_FILES.filter((name) => name !== 'CARD.md')), dir);
}

function readSplits<T>(read: (split: keyof Splits<T>) => T): Splits<T> {
  return { train: read('train'), valid: read('valid'), test: read('test') };
}

function checkIds(ids: readonly number[], vocabulary: Vocabulary, file: string, where: string): void {
  const size = vocabulary.tokens.length;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id >= size) throw new DataFormatError(file, undefined, `${where}[${i}]: id ${id} is outside the vocabulary (size ${size})`);
  }
}

function checkCount(actual: number, expected: number, file: string): void {
  if (actual !== expected) throw new DataFormatError(file, undefined, `has ${actual} sequences/tokens but card.json says ${expected}`);
}
