import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataFormatError,
  createDataset,
  datasetToFiles,
  decode,
  findLeakage,
  loadCmudict,
  parseCmudictModule,
  parseDatasetFiles,
  parseTokenizedFiles,
  readCmudict,
  stripStress,
  tokenizeDataset,
  tokenizedToFiles,
  type Seq2seqDataset,
} from '@bptt/data';
import { configError } from './helpers.ts';

const phoneSet = (pronunciations: Iterable<string>): Set<string> => {
  const phones = new Set<string>();
  for (const p of pronunciations) for (const phone of p.split(' ')) phones.add(phone);
  return phones;
};

describe('CMU Pronouncing Dictionary', () => {
  let dataset: Seq2seqDataset;
  beforeAll(() => {
    dataset = loadCmudict({ task: 'cmudict', seed: 3 });
  });

  it('has the measured counts: 135155 entries, 126046 words, 117490 of them letters only', () => {
    const entries = readCmudict();
    expect(entries.length).toBe(126_046);
    expect(entries.reduce((sum, e) => sum + e.pronunciations.length, 0)).toBe(135_155);
    expect(entries.filter((e) => e.pronunciations.length > 1).length).toBe(8_444);
    expect(entries.filter((e) => /^[a-z]+$/.test(e.word)).length).toBe(117_490);
  });

  it('keeps the primary pronunciation first and drops comments', () => {
    const byWord = new Map(readCmudict().map((e) => [e.word, e.pronunciations]));
    expect(byWord.get('read')).toEqual(['R EH1 D', 'R IY1 D']);
    expect(byWord.get('aalborg')).toEqual(['AO1 L B AO0 R G', 'AA1 L B AO0 R G']); // "# place, danish" removed
    expect(byWord.get("'bout")).toEqual(['B AW1 T']);
  });

  it('has 69 stressed symbols and 39 phones without stress', () => {
    const all = readCmudict().flatMap((e) => e.pronunciations);
    expect(phoneSet(all).size).toBe(69);
    expect(phoneSet(all.map(stripStress)).size).toBe(39);
    expect(stripStress('T AH0 M EY1 T OW2')).toBe('T AH M EY T OW');
  });

  it('splits by word (seeded) with the default sizes and no word in two splits', () => {
    expect(dataset.card.counts).toEqual({ train: 107_490, valid: 5_000, test: 5_000 });
    expect(findLeakage(dataset.splits)).toEqual([]);
    const words = new Set([...dataset.splits.train, ...dataset.splits.valid, ...dataset.splits.test].map((e) => e.source));
    expect(words.size).toBe(117_490);
    const targets = [...dataset.splits.train, ...dataset.splits.valid, ...dataset.splits.test].map((e) => e.target);
    expect(phoneSet(targets).size).toBe(39);
    const same = loadCmudict({ task: 'cmudict', seed: 3, sizes: { train: 10, valid: 10, test: 5_000 } });
    const other = loadCmudict({ task: 'cmudict', seed: 4, sizes: { train: 10, valid: 10, test: 5_000 } });
    expect(same.splits.test).toEqual(dataset.splits.test);
    expect(other.splits.test.map((e) => e.source)).not.toEqual(dataset.splits.test.map((e) => e.source));
  });

  it('puts alternative pronunciations in `alternatives`, without duplicates of the target', () => {
    const all = [...dataset.splits.train, ...dataset.splits.valid, ...dataset.splits.test];
    const withAlternatives = all.filter((e) => e.alternatives !== undefined);
    expect(withAlternatives.length).toBe(7_495);
    const bad = withAlternatives.filter(
      (e) => e.alternatives?.length === 0 || e.alternatives?.includes(e.target) || new Set(e.alternatives).size !== e.alternatives?.length,
    );
    expect(bad).toEqual([]);
    const read = all.find((e) => e.source === 'read');
    expect(read).toEqual({ source: 'read', target: 'R EH D', alternatives: ['R IY D'] });
    const card = dataset.card.alternatives;
    expect((card?.train ?? 0) + (card?.valid ?? 0) + (card?.test ?? 0)).toBe(7_495);
  });

  it('tokenizes words as characters and phones as symbols, alternatives included, and survives the files', () => {
    const small = loadCmudict({ task: 'cmudict', seed: 3, sizes: { train: 3000, valid: 300, test: 300 } });
    const tokenized = tokenizeDataset(small);
    if (tokenized.kind !== 'seq2seq') throw new Error('seq2seq expected');
    expect(tokenized.tokenizer.levels).toEqual({ source: 'char', target: 'symbol' });
    expect(tokenized.sourceVocab.tokens.length).toBe(4 + 26);
    expect(tokenized.targetVocab.tokens.length).toBe(4 + 39);
    const i = small.splits.test.findIndex((e) => e.alternatives !== undefined);
    const example = small.splits.test[i];
    const encodedAlternatives = tokenized.encoded.test.alternatives?.[i] ?? [];
    expect(encodedAlternatives.map((ids) => decode(ids, tokenized.targetVocab, 'symbol'))).toEqual(example?.alternatives);
    expect(parseDatasetFiles(datasetToFiles(small))).toEqual(small);
    expect(parseTokenizedFiles(tokenizedToFiles(tokenized)).encoded).toEqual(tokenized.encoded);
  });

  it('honours stress, filters and fixed train sizes', () => {
    const kept = loadCmudict({
      task: 'cmudict',
      stripStress: false,
      lettersOnly: false,
      alternatives: false,
      wordLength: { min: 4, max: 6 },
      sizes: { train: 1000, valid: 100, test: 100 },
    });
    expect(kept.card.counts).toEqual({ train: 1000, valid: 100, test: 100 });
    const all = [...kept.splits.train, ...kept.splits.valid, ...kept.splits.test];
    expect(all.filter((e) => e.alternatives !== undefined)).toEqual([]);
    expect(new Set(all.map((e) => [...e.source].length))).toEqual(new Set([4, 5, 6]));
    expect(all.filter((e) => !/[012]/.test(e.target))).toEqual([]); // every word has a vowel, so a stress digit
    expect(all.some((e) => !/^[a-z]+$/.test(e.source))).toBe(true); // "a.'s", "ad-hoc" and the like are kept
  });

  it('explains impossible sizes', () => {
    const error = configError(() => createDataset({ task: 'cmudict', sizes: { train: 'all', valid: 60_000, test: 60_000 } }));
    expect(error.field).toBe('sizes');
    expect(error.message).toContain('117490 words pass the filters');
    expect(configError(() => loadCmudict({ task: 'cmudict', sizes: { train: 200_000, valid: 10, test: 10 } })).field).toBe('sizes.train');
  });

  it('names the line of a malformed dictionary file', () => {
    const text = 'export const dictionary = {\n  "a": "AH0",\n  "b" "B IY1",\n}\n';
    const error = (() => {
      try {
        parseCmudictModule(text, 'dict.js');
      } catch (e) {
        return e as DataFormatError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error.file).toBe('dict.js');
    expect(error.line).toBe(3);
  });
});
