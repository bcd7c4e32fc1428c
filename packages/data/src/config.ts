/**
 * Config schemas for every dataset task and for tokenization (zod 4). A config is the single description of a
 * dataset: it is hashed by the pipeline cache, written to `config.json`, and parsed here with defaults applied.
 * Impossible configs (min > max, empty splits, more unique examples than the task can produce) fail here, with an
 * error that names the field and the value.
 */
import { z } from 'zod';
import { DatasetConfigError, type ConfigProblem } from './errors.ts';
import {
  additionCapacity,
  datesCapacity,
  integerRangeCapacity,
  sequenceCapacity,
} from './synthetic/capacity.ts';
import { DATE_FORMAT_NAMES, TWO_DIGIT_YEAR_FORMATS } from './synthetic/date-formats.ts';

export const SEQ2SEQ_TASKS = [
  'copy',
  'reverse',
  'sort',
  'addition',
  'dates',
  'numbers-es-en',
  'long-recall',
  'cmudict',
] as const;
export const STREAM_TASKS = ['delayed-recall', 'brown'] as const;
export const SYNTHETIC_TASKS = [
  'copy',
  'reverse',
  'sort',
  'addition',
  'dates',
  'numbers-es-en',
  'long-recall',
  'delayed-recall',
] as const;
export type Seq2seqTask = (typeof SEQ2SEQ_TASKS)[number];
export type StreamTask = (typeof STREAM_TASKS)[number];
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];
export type TaskName = Seq2seqTask | StreamTask;

/** The fifteen genres of the Brown corpus, as named in its `cats.txt`. */
export const BROWN_GENRES = [
  'news',
  'editorial',
  'reviews',
  'religion',
  'hobbies',
  'lore',
  'belles_lettres',
  'government',
  'learned',
  'fiction',
  'mystery',
  'science_fiction',
  'adventure',
  'romance',
  'humor',
] as const;
export type BrownGenre = (typeof BROWN_GENRES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** Any safe integer; fed to `createRng`. */
const SeedSchema = z.int().default(0);

const CountSchema = z.int().min(1, 'must be at least 1 (an empty split is not allowed)');

function splitSizes(defaults: { train: number; valid: number; test: number }) {
  return z.strictObject({ train: CountSchema, valid: CountSchema, test: CountSchema }).default(defaults);
}

/** An inclusive integer range whose bounds lie in [lowest, highest]. */
function intRange(lowest: number, highest: number, defaults: { min: number; max: number }) {
  const bound = z.int().min(lowest).max(highest);
  return z
    .strictObject({ min: bound, max: bound })
    .superRefine((range, ctx) => {
      if (range.min > range.max) {
        ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${range.min}) must be <= max (${range.max})` });
      }
    })
    .default(defaults);
}

const AlphabetSizeSchema = z.int().min(2).max(1024).default(10);

type SizesLike = { train: number; valid: number; test: number };

/** Adds an issue on `sizes` when more unique sources are requested than the task can produce. */
function requireCapacity(
  ctx: z.core.$RefinementCtx<unknown>,
  sizes: SizesLike,
  capacity: number,
  space: string,
): void {
  const requested = sizes.train + sizes.valid + sizes.test;
  if (requested > capacity) {
    ctx.addIssue({
      code: 'custom',
      path: ['sizes'],
      message: `${requested} unique examples requested (train+valid+test) but only ${capacity} distinct sources exist (${space})`,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic seq2seq tasks

const sequenceTaskShape = {
  seed: SeedSchema,
  sizes: splitSizes({ train: 10_000, valid: 1_000, test: 1_000 }),
  alphabetSize: AlphabetSizeSchema,
  /** Sequence length in symbols, drawn uniformly from the range. */
  length: intRange(1, 100_000, { min: 5, max: 20 }),
};

function sequenceTaskSchema<T extends 'copy' | 'reverse' | 'sort'>(task: T) {
  return z.strictObject({ task: z.literal(task), ...sequenceTaskShape }).superRefine((c, ctx) => {
    const space = `alphabetSize ${c.alphabetSize}, length ${c.length.min}..${c.length.max}`;
    requireCapacity(ctx, c.sizes, sequenceCapacity(c.alphabetSize, c.length.min, c.length.max), space);
  });
}

export const CopyConfigSchema = sequenceTaskSchema('copy');
export const ReverseConfigSchema = sequenceTaskSchema('reverse');
export const SortConfigSchema = sequenceTaskSchema('sort');

export const AdditionConfigSchema = z
  .strictObject({
    task: z.literal('addition'),
    seed: SeedSchema,
    sizes: splitSizes({ train: 10_000, valid: 1_000, test: 1_000 }),
    /** Maximum digits per operand; each operand's digit count is drawn uniformly from 1..digits (Keras' DIGITS). */
    digits: z.int().min(1).max(7).default(3),
    /** Reverse the source characters (Keras' REVERSE option, known to help LSTMs). */
    reverseSource: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    requireCapacity(ctx, c.sizes, additionCapacity(c.digits), `digits ${c.digits}, a+b and b+a counted once`);
  });

export const DatesConfigSchema = z
  .strictObject({
    task: z.literal('dates'),
    seed: SeedSchema,
    sizes: splitSizes({ train: 10_000, valid: 1_000, test: 1_000 }),
    /** Inclusive year range; every day in it is equally likely. */
    years: intRange(1000, 9999, { min: 1950, max: 2049 }),
    /** Input formats to draw from, uniformly. */
    formats: z.array(z.enum(DATE_FORMAT_NAMES)).min(1).default([...DATE_FORMAT_NAMES]),
  })
  .superRefine((c, ctx) => {
    const duplicates = c.formats.filter((f, i) => c.formats.indexOf(f) !== i);
    if (duplicates.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['formats'], message: `duplicate format ${JSON.stringify(duplicates[0])}` });
    }
    const span = c.years.max - c.years.min + 1;
    const twoDigit = c.formats.filter((f) => TWO_DIGIT_YEAR_FORMATS.includes(f));
    if (span > 100 && twoDigit.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['formats'],
        message: `two-digit-year formats (${twoDigit.join(', ')}) are ambiguous over ${span} years (years ${c.years.min}..${c.years.max}); narrow years to at most 100 or drop those formats`,
      });
    }
    const capacity = datesCapacity(c.years.min, c.years.max, new Set(c.formats).size);
    requireCapacity(ctx, c.sizes, capacity, `years ${c.years.min}..${c.years.max}, ${c.formats.length} formats`);
  });

export const NumbersEsEnConfigSchema = z
  .strictObject({
    task: z.literal('numbers-es-en'),
    seed: SeedSchema,
    sizes: splitSizes({ train: 10_000, valid: 1_000, test: 1_000 }),
    /** Inclusive range of the numbers written out. */
    range: intRange(0, 999_999, { min: 0, max: 999_999 }),
    /**
     * `log-uniform`: the digit count is uniform, then the number within it (short numbers are not drowned out);
     * `uniform`: every number in the range equally likely.
     */
    distribution: z.enum(['log-uniform', 'uniform']).default('log-uniform'),
    /** Write English compounds as "twenty-one" (one word) instead of "twenty one". */
    englishHyphens: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const capacity = integerRangeCapacity(c.range.min, c.range.max);
    requireCapacity(ctx, c.sizes, capacity, `range ${c.range.min}..${c.range.max}`);
  });

export const LongRecallConfigSchema = z
  .strictObject({
    task: z.literal('long-recall'),
    seed: SeedSchema,
    sizes: splitSizes({ train: 5_000, valid: 500, test: 500 }),
    alphabetSize: AlphabetSizeSchema,
    /** Source length in symbols, drawn uniformly. */
    length: intRange(1, 100_000, { min: 100, max: 300 }),
    /** The target is the first `recall` symbols of the source. */
    recall: z.int().min(1).default(5),
  })
  .superRefine((c, ctx) => {
    if (c.recall > c.length.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['recall'],
        message: `recall (${c.recall}) must be <= length.min (${c.length.min})`,
      });
    }
    const space = `alphabetSize ${c.alphabetSize}, length ${c.length.min}..${c.length.max}`;
    requireCapacity(ctx, c.sizes, sequenceCapacity(c.alphabetSize, c.length.min, c.length.max), space);
  });

// ---------------------------------------------------------------------------------------------------------------
// Synthetic stream task

export const DelayedRecallConfigSchema = z
  .strictObject({
    task: z.literal('delayed-recall'),
    seed: SeedSchema,
    /** Tokens per split. */
    sizes: splitSizes({ train: 100_000, valid: 10_000, test: 10_000 }),
    alphabetSize: AlphabetSizeSchema,
    /** target[t] = source[t - delay]. */
    delay: z.int().min(1).default(20),
  })
  .superRefine((c, ctx) => {
    for (const split of ['train', 'valid', 'test'] as const) {
      if (c.sizes[split] <= c.delay) {
        ctx.addIssue({
          code: 'custom',
          path: ['sizes', split],
          message: `${c.sizes[split]} tokens leave nothing to recall with delay ${c.delay}; use more than ${c.delay}`,
        });
      }
    }
  });

// ---------------------------------------------------------------------------------------------------------------
// Real corpora

export const CmudictConfigSchema = z.strictObject({
  task: z.literal('cmudict'),
  /** Seeds the split by word. */
  seed: SeedSchema,
  /** Words per split; `train: 'all'` takes every word not drawn for valid and test. */
  sizes: z
    .strictObject({ train: z.union([CountSchema, z.literal('all')]), valid: CountSchema, test: CountSchema })
    .default({ train: 'all', valid: 5_000, test: 5_000 }),
  /** Remove stress digits (AH0 -> AH): 39 phones instead of 69 stressed variants. */
  stripStress: z.boolean().default(true),
  /** Keep only words made of the letters a-z (drops "a.", "'bout", "abbe-hobbes", ...). */
  lettersOnly: z.boolean().default(true),
  /** Word length in characters. */
  wordLength: intRange(1, 1_000, { min: 1, max: 64 }),
  /** Keep alternative pronunciations (word(2), word(3), ...) as extra references. */
  alternatives: z.boolean().default(true),
});

const optionalCount = CountSchema.optional();

export const BrownConfigSchema = z.strictObject({
  task: z.literal('brown'),
  /** Seeds the document split when `documentSplit` is `seeded`. */
  seed: SeedSchema,
  lowercase: z.boolean().default(true),
  /** Token appended after every sentence; null for none. */
  sentenceBoundary: z
    .string()
    .min(1)
    .regex(/^\S+$/u, 'must be a single token without whitespace')
    .nullable()
    .default('<eos>'),
  /** Restrict to some genres (default: all fifteen). */
  genres: z.array(z.enum(BROWN_GENRES)).min(1).optional(),
  /** Documents held out for valid and test; every other document is train. */
  documents: z.strictObject({ valid: CountSchema, test: CountSchema }).default({ valid: 50, test: 50 }),
  /**
   * `seeded`: documents shuffled by the seed; `evenly-spaced`: the held-out documents are spread evenly over the
   * corpus order (ca01..cr09), so every genre is represented, independent of the seed.
   */
  documentSplit: z.enum(['seeded', 'evenly-spaced']).default('seeded'),
  /** Caps on source tokens per split (the stream is cut there). */
  maxTokens: z.strictObject({ train: optionalCount, valid: optionalCount, test: optionalCount }).default({}),
});

// ---------------------------------------------------------------------------------------------------------------
// The union

export const DatasetConfigSchema = z.discriminatedUnion('task', [
  CopyConfigSchema,
  ReverseConfigSchema,
  SortConfigSchema,
  AdditionConfigSchema,
  DatesConfigSchema,
  NumbersEsEnConfigSchema,
  LongRecallConfigSchema,
  DelayedRecallConfigSchema,
  CmudictConfigSchema,
  BrownConfigSchema,
]);

export type DatasetConfig = z.output<typeof DatasetConfigSchema>;
export type DatasetConfigInput = z.input<typeof DatasetConfigSchema>;
export type ConfigFor<T extends TaskName> = Extract<DatasetConfig, { task: T }>;
export type ConfigInputFor<T extends TaskName> = Extract<DatasetConfigInput, { task: T }>;
export type CopyConfig = ConfigFor<'copy'>;
export type ReverseConfig = ConfigFor<'reverse'>;
export type SortConfig = ConfigFor<'sort'>;
export type AdditionConfig = ConfigFor<'addition'>;
export type DatesConfig = ConfigFor<'dates'>;
export type NumbersEsEnConfig = ConfigFor<'numbers-es-en'>;
export type LongRecallConfig = ConfigFor<'long-recall'>;
export type DelayedRecallConfig = ConfigFor<'delayed-recall'>;
export type CmudictConfig = ConfigFor<'cmudict'>;
export type BrownConfig = ConfigFor<'brown'>;
export type SyntheticDatasetConfig = ConfigFor<SyntheticTask>;
export type SyntheticDatasetConfigInput = ConfigInputFor<SyntheticTask>;

// ---------------------------------------------------------------------------------------------------------------
// Tokenization

export const TokenLevelSchema = z.enum(['char', 'word', 'symbol']);
export type TokenLevel = z.output<typeof TokenLevelSchema>;

export const TokenizerConfigSchema = z.strictObject({
  /**
   * How source and target strings split into tokens: `char` = Unicode code points, `word` = runs of whitespace,
   * `symbol` = exactly one space between symbols. Default: the task's natural units (see `TASKS`).
   * Stream datasets are already tokens; only `word`/`symbol` (both meaning "as is") are accepted there.
   */
  levels: z.strictObject({ source: TokenLevelSchema, target: TokenLevelSchema }).optional(),
  /** Tokens seen fewer times than this in train become UNK. */
  minFrequency: z.int().min(1).default(1),
  /** Largest vocabulary, counting the 4 special tokens; the most frequent tokens are kept. */
  maxSize: z.int().min(5).optional(),
  /**
   * `separate`: one vocabulary per side; `shared`: one for both (same ids on both sides).
   * Default: `shared` for streams (language models predict their own input space), `separate` for seq2seq.
   */
  vocabulary: z.enum(['separate', 'shared']).optional(),
});
export type TokenizerConfig = z.output<typeof TokenizerConfigSchema>;
export type TokenizerConfigInput = z.input<typeof TokenizerConfigSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Parsing with readable errors

/** Parses a dataset config, applying defaults; throws DatasetConfigError naming each bad field and its value. */
export function parseDatasetConfig(input: unknown, origin = 'dataset config'): DatasetConfig {
  return parseWith(DatasetConfigSchema, input, origin);
}

export function parseTokenizerConfig(input: unknown, origin = 'tokenizer config'): TokenizerConfig {
  return parseWith(TokenizerConfigSchema, input, origin);
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, origin: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DatasetConfigError(origin, result.error.issues.map((issue) => toProblem(issue, input)));
}

function toProblem(issue: z.core.$ZodIssue, input: unknown): ConfigProblem {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return { field: [...path, keys[0] ?? ''].join('.'), value: undefined, reason: `unknown field(s) ${keys.join(', ')}` };
  }
  return { field: path.join('.'), value: valueAt(input, path), reason: issue.message };
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
