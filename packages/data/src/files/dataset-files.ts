/**
 * A Dataset as files: `config.json`, `card.json`, `CARD.md` and one JSON Lines file per split. Seq2seq lines
 * are examples; stream lines are chunks of at most STREAM_CHUNK aligned tokens, concatenated on read.
 * The functions return file contents (the pipeline stage writes them atomically); the reader parses them back.
 */
import { z } from 'zod';
import { DataCardSchema, renderCardMarkdown, type DataCard } from '../card.ts';
import { parseDatasetConfig, type DatasetConfig } from '../config.ts';
import { SPLIT_NAMES, type Dataset, type Seq2seqExample, type Splits, type StreamSplit } from '../dataset.ts';
import { DataFormatError, DatasetConfigError } from '../errors.ts';
import { stableStringify } from '../stable-json.ts';
import { taskInfo } from '../tasks.ts';
import { fileLabel, parseJson, parseJsonLines, readFiles, requireFile, validate } from './json-files.ts';

/** Tokens per line in stream split files. */
export const STREAM_CHUNK = 1000;

export const DATASET_FILES = ['config.json', 'card.json', 'CARD.md', 'train.jsonl', 'valid.jsonl', 'test.jsonl'] as const;

export function datasetToFiles(dataset: Dataset): Record<string, string> {
  const files: Record<string, string> = {
    'config.json': stableStringify(dataset.config),
    'card.json': stableStringify(dataset.card),
    'CARD.md': renderCardMarkdown(dataset.card),
  };
  for (const split of SPLIT_NAMES) {
    files[`${split}.jsonl`] =
      dataset.kind === 'seq2seq'
        ? dataset.splits[split].map((example) => stableStringify(example, 0)).join('')
        : streamLines(dataset.splits[split]);
  }
  return files;
}

function streamLines(split: StreamSplit): string {
  let out = '';
  for (let start = 0; start < split.source.length; start += STREAM_CHUNK) {
    const end = start + STREAM_CHUNK;
    out += stableStringify({ source: split.source.slice(start, end), target: split.target.slice(start, end) }, 0);
  }
  return out;
}

const Seq2seqExampleSchema = z.strictObject({
  source: z.string(),
  target: z.string(),
  alternatives: z.array(z.string()).min(1).optional(),
});

const StreamChunkSchema = z
  .strictObject({ source: z.array(z.string()).min(1), target: z.array(z.string()) })
  .refine((chunk) => chunk.source.length === chunk.target.length, {
    message: 'source and target must have the same number of tokens',
    path: ['target'],
  });

/**
 * Parses the files written by `datasetToFiles` (CARD.md is not needed). `location` (a directory) only prefixes
 * file names in error messages.
 */
export function parseDatasetFiles(files: Readonly<Record<string, string>>, location?: string): Dataset {
  const label = (name: string): string => fileLabel(name, location);
  const config = parseConfigFile(requireFile(files, 'config.json', label('config.json')), label('config.json'));
  const card = parseCardFile(requireFile(files, 'card.json', label('card.json')), label('card.json'));
  if (stableStringify(card.config) !== stableStringify(config)) {
    throw new DataFormatError(label('card.json'), undefined, 'its "config" differs from config.json');
  }
  const kind = taskInfo(config.task).kind;
  if (card.kind !== kind || card.task !== config.task) {
    throw new DataFormatError(label('card.json'), undefined, `kind/task ${card.kind}/${card.task} do not match config.json (${kind}/${config.task})`);
  }
  const read = <T>(parse: (text: string, file: string) => T, size: (value: T) => number): Splits<T> => {
    const out = {} as Splits<T>;
    for (const split of SPLIT_NAMES) {
      const name = `${split}.jsonl`;
      const value = parse(requireFile(files, name, label(name)), label(name));
      if (size(value) !== card.counts[split]) {
        throw new DataFormatError(label(name), undefined, `has ${size(value)} ${card.countUnit} but card.json says ${card.counts[split]}`);
      }
      out[split] = value;
    }
    return out;
  };
  if (kind === 'seq2seq') {
    const splits = read(
      (text, file) => parseJsonLines(text, file, Seq2seqExampleSchema) as Seq2seqExample[],
      (examples) => examples.length,
    );
    return { kind, task: config.task as Extract<Dataset, { kind: 'seq2seq' }>['task'], config, splits, card };
  }
  const splits = read(
    (text, file): StreamSplit => {
      const chunks = parseJsonLines(text, file, StreamChunkSchema);
      return { source: chunks.flatMap((c) => c.source), target: chunks.flatMap((c) => c.target) };
    },
    (split) => split.source.length,
  );
  return { kind, task: config.task as Extract<Dataset, { kind: 'stream' }>['task'], config, splits, card };
}

/** Reads a dataset directory written from `datasetToFiles`. */
export function datasetFromFiles(dir: string): Dataset {
  const names = DATASET_FILES.filter((name) => name !== 'CARD.md');
  return parseDatasetFiles(readFiles(dir, names), dir);
}

/** Alias of `datasetFromFiles`, named like `readTokenizedDir`. */
export const readDatasetDir = datasetFromFiles;

export function parseConfigFile(text: string, file: string): DatasetConfig {
  const raw = parseJson(text, file);
  try {
    return parseDatasetConfig(raw, file);
  } catch (error) {
    if (error instanceof DatasetConfigError) {
      throw new DataFormatError(file, undefined, error.message.slice(file.length + 2));
    }
    throw error;
  }
}

export function parseCardFile(text: string, file: string): DataCard {
  return validate(DataCardSchema, parseJson(text, file), file);
}
