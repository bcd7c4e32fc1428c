import { describe, expect, it } from 'vitest';
import {
  SPECIAL_TOKENS,
  UNK_ID,
  buildDataCard,
  decode,
  decodeTokens,
  parseDatasetConfig,
  synthesize,
  tokenizeDataset,
  type Seq2seqDataset,
  type Seq2seqExample,
  type Splits,
} from '@bptt/data';
import { configError } from './helpers.ts';

/** A hand-made seq2seq dataset, to control exactly which tokens each split has. */
function handMade(splits: Splits<Seq2seqExample[]>): Seq2seqDataset {
  const config = parseDatasetConfig({ task: 'copy', sizes: { train: 1, valid: 1, test: 1 } });
  return { kind: 'seq2seq', task: 'copy', config, splits, card: buildDataCard(config, { kind: 'seq2seq', splits }) };
}

describe('tokenizeDataset (seq2seq)', () => {
  const dataset = handMade({
    train: [
      { source: 'a b c', target: 'c b a' },
      { source: 'a a', target: 'a a', alternatives: ['b b'] },
    ],
    valid: [{ source: 'a d', target: 'd a' }],
    test: [{ source: 'b', target: 'b', alternatives: ['e', 'b c'] }],
  });

  it('builds vocabularies on train only; unseen tokens become UNK and are counted in the card', () => {
    const result = tokenizeDataset(dataset);
    expect(result.tokenizer).toEqual({ minFrequency: 1, levels: { source: 'symbol', target: 'symbol' }, vocabulary: 'separate' });
    expect(result.sourceVocab.tokens).toEqual([...SPECIAL_TOKENS, 'a', 'b', 'c']);
    // Alternatives are references, not training targets: "b b" does not add to the counts.
    expect(result.targetVocab.counts.slice(4)).toEqual([3, 1, 1]);
    if (result.kind !== 'seq2seq') throw new Error('seq2seq expected');
    expect(result.encoded.valid.source).toEqual([[4, UNK_ID]]);
    expect(result.encoded.test.alternatives).toEqual([[[UNK_ID], [5, 6]]]);
    expect(result.encoded.train.alternatives).toEqual([[], [[5, 5]]]);
    expect(result.card.vocabulary).toMatchObject({ source: 7, target: 7, shared: false });
    expect(result.card.vocabulary?.unknownRate.valid).toEqual({ source: 0.5, target: 0.5 });
    expect(result.card.vocabulary?.unknownRate.train).toEqual({ source: 0, target: 0 });
  });

  it('shares one vocabulary when asked, and applies minFrequency', () => {
    const shared = tokenizeDataset(dataset, { vocabulary: 'shared', minFrequency: 2 });
    expect(shared.sourceVocab).toBe(shared.targetVocab);
    // Shared seq2seq counts add both sides: a 3+3, b 1+1, c 1+1.
    expect(shared.sourceVocab.tokens).toEqual([...SPECIAL_TOKENS, 'a', 'b', 'c']);
    const rare = tokenizeDataset(dataset, { minFrequency: 2 });
    expect(rare.sourceVocab.tokens).toEqual([...SPECIAL_TOKENS, 'a']);
  });

  it('uses the task units by default and round-trips every example', () => {
    const dates = synthesize({ task: 'dates', sizes: { train: 500, valid: 50, test: 50 } });
    const result = tokenizeDataset(dates);
    if (result.kind !== 'seq2seq' || dates.kind !== 'seq2seq') throw new Error('seq2seq expected');
    expect(result.tokenizer.levels).toEqual({ source: 'char', target: 'char' });
    expect(result.targetVocab.tokens.slice(4).sort()).toEqual(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const decoded = result.encoded.train.target.map((ids) => decode(ids, result.targetVocab, 'char'));
    expect(decoded).toEqual(dates.splits.train.map((e) => e.target));
    const sources = result.encoded.train.source.map((ids) => decode(ids, result.sourceVocab, 'char'));
    expect(sources).toEqual(dates.splits.train.map((e) => e.source));
    // Lengths in the card are now token counts: every ISO date is 10 characters.
    expect(result.card.lengths?.test.target).toMatchObject({ unit: 'char', min: 10, max: 10, counts: [[10, 50]] });

    const numbers = synthesize({ task: 'numbers-es-en', sizes: { train: 300, valid: 30, test: 30 } });
    expect(tokenizeDataset(numbers).tokenizer.levels).toEqual({ source: 'word', target: 'word' });
  });
});

describe('tokenizeDataset (stream)', () => {
  it('shares the vocabulary by default and keeps ids aligned', () => {
    const dataset = synthesize({ task: 'delayed-recall', alphabetSize: 5, delay: 3, sizes: { train: 400, valid: 50, test: 50 } });
    const result = tokenizeDataset(dataset);
    if (result.kind !== 'stream' || dataset.kind !== 'stream') throw new Error('stream expected');
    expect(result.tokenizer.vocabulary).toBe('shared');
    expect(result.sourceVocab).toBe(result.targetVocab);
    expect(new Set(result.sourceVocab.tokens.slice(4))).toEqual(new Set(['a', 'b', 'c', 'd', 'e', '_']));
    // Counts are per occurrence in the stream, not source + target.
    expect(result.sourceVocab.counts[result.sourceVocab.ids.get('_') as number]).toBe(3);
    const aCount = dataset.splits.train.source.filter((s) => s === 'a').length;
    expect(result.sourceVocab.counts[result.sourceVocab.ids.get('a') as number]).toBe(aCount);
    expect(decodeTokens(result.encoded.valid.target, result.targetVocab)).toEqual(dataset.splits.valid.target);
    expect(result.card.vocabulary).toMatchObject({ source: 10, target: 10, shared: true });
  });

  it('refuses char-level tokenization of a stream', () => {
    const dataset = synthesize({ task: 'delayed-recall', sizes: { train: 100, valid: 50, test: 50 } });
    const error = configError(() => tokenizeDataset(dataset, { levels: { source: 'char', target: 'word' } }));
    expect(error.field).toBe('levels.source');
  });
});
