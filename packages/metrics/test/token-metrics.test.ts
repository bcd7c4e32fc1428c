import { describe, expect, it } from 'vitest';
import { maskedMeanNll, maskedNllTotals, perplexity, sequenceExactMatch, tokenAccuracy } from '../src/index.ts';

const PAD = 0;

describe('perplexity', () => {
  it('is exp of the mean NLL in nats', () => {
    expect(perplexity(0)).toBe(1);
    expect(perplexity(Math.log(50))).toBeCloseTo(50, 12);
    expect(perplexity(Infinity)).toBe(Infinity);
    expect(() => perplexity(-0.1)).toThrow(/meanNegativeLogLikelihood = -0.1/);
    expect(() => perplexity(Number.NaN)).toThrow(/non-negative/);
  });
});

describe('masked NLL', () => {
  it('averages only over unmasked tokens and never reads padded values into the sum', () => {
    const nll = [
      [1, 2, Infinity],
      [3, Number.NaN, 0],
    ];
    const mask = [
      [1, 1, 0],
      [true, false, false],
    ];
    expect(maskedNllTotals(nll, mask)).toEqual({ sum: 6, count: 3 });
    expect(maskedMeanNll(nll, mask)).toBe(2);
    expect(maskedMeanNll([0.5, 1.5], [1, 1])).toBe(1);
  });

  it('pools per token across batches, unlike a mean of batch means', () => {
    const a = maskedNllTotals([[1, 1, 1, 1]], [[1, 1, 1, 1]]);
    const b = maskedNllTotals([[5, 0]], [[1, 0]]);
    expect((a.sum + b.sum) / (a.count + b.count)).toBe(9 / 5);
  });

  it('rejects mismatched shapes, bad mask values and an empty selection', () => {
    expect(() => maskedMeanNll([[1, 2]], [[1]])).toThrow(/mask\[0\].*length 1 but nllPerToken\[0\] has length 2/);
    expect(() => maskedMeanNll([[1], [2]], [[1]])).toThrow(/1 rows but nllPerToken has 2/);
    expect(() => maskedMeanNll([1, 2], [1, 0.5])).toThrow(/mask\[0\]\[1\] = 0.5/);
    expect(() => maskedMeanNll([1, 2], [0, 0])).toThrow(/selects no token/);
    expect(() => maskedMeanNll([1, Number.NaN], [1, 1])).toThrow(/nllPerToken\[0\]\[1\]/);
  });
});

describe('token accuracy and exact match', () => {
  const gold = [
    [5, 6, 7, 2, PAD],
    [8, 9, 2, PAD, PAD],
    [4, 2, PAD, PAD, PAD],
  ];

  it('scores non-pad gold positions only', () => {
    const predicted = [
      [5, 6, 7, 2, 9], // all right; the last position is padding in gold
      [8, 3, 2, 1, 1], // one wrong of three
      [4], // ends early: the EOS position counts as wrong
    ];
    expect(tokenAccuracy(predicted, gold, PAD)).toEqual({ correct: 7, total: 9, rate: 7 / 9 });
    expect(sequenceExactMatch(predicted, gold, PAD)).toEqual({ correct: 1, total: 3, rate: 1 / 3 });
  });

  it('works on a single flat sequence and reports null on nothing to score', () => {
    expect(tokenAccuracy([1, 2, 3], [1, 2, 4], PAD)).toEqual({ correct: 2, total: 3, rate: 2 / 3 });
    expect(tokenAccuracy([[1]], [[PAD]], PAD)).toEqual({ correct: 0, total: 0, rate: null });
    expect(sequenceExactMatch([3, 2], [3, 2], PAD)).toEqual({ correct: 1, total: 1, rate: 1 });
  });

  it('rejects a different number of sequences', () => {
    expect(() => tokenAccuracy([[1]], [[1], [2]], PAD)).toThrow(/predicted.*has 1 sequences but gold has 2/);
  });
});
