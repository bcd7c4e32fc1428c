import { describe, expect, it } from 'vitest';
import {
  MetricsInputError,
  characterErrorRate,
  corpusCharacterErrorRate,
  corpusPhoneErrorRate,
  corpusWordErrorRate,
  phoneErrorRate,
  wordErrorRate,
} from '../src/index.ts';

describe('per-line error rates', () => {
  it('divides edits by the reference length', () => {
    expect(characterErrorRate('kitten', 'sitting')).toBeCloseTo(3 / 7, 15);
    expect(wordErrorRate('the cat sat on the mat', 'the cat is on the mat')).toBeCloseTo(1 / 6, 15);
    expect(wordErrorRate('the the the', 'the')).toBe(2);
    expect(phoneErrorRate(['HH', 'AH0', 'L', 'OW1'], ['HH', 'EH0', 'L', 'OW1'])).toBe(0.25);
  });

  it('is null for an empty reference, whatever the hypothesis', () => {
    expect(characterErrorRate('', '')).toBeNull();
    expect(characterErrorRate('abc', '')).toBeNull();
    expect(wordErrorRate('a b', '  ')).toBeNull();
  });

  it('counts code points and optionally normalises', () => {
    expect(characterErrorRate('😀😀', '😀😃')).toBe(0.5);
    expect(characterErrorRate('cafe\u0301', 'caf\u00e9')).toBe(0.5);
    expect(characterErrorRate('cafe\u0301', 'caf\u00e9', { normalize: 'NFC' })).toBe(0);
  });
});

describe('corpus error rates', () => {
  it('is total edits over total reference length, not a mean of line rates', () => {
    // Line rates 1/1 and 0/9 would average 0.5; the corpus rate is 1/10.
    const rate = corpusWordErrorRate(['x', 'a b c d e f g h i'], ['y', 'a b c d e f g h i']);
    expect(rate).toMatchObject({ rate: 0.1, edits: 1, substitutions: 1, deletions: 0, insertions: 0, hits: 9, referenceLength: 10, hypothesisLength: 10, segments: 2 });
  });

  it('splits edits into substitutions, deletions and insertions', () => {
    // abXd/abcd: a substitution; efgh/"ef gh": the space is deleted; ijk!/ijk: "!" is inserted.
    const cer = corpusCharacterErrorRate(['abXd', 'efgh', 'ijk!'], ['abcd', 'ef gh', 'ijk']);
    expect(cer).toMatchObject({ substitutions: 1, deletions: 1, insertions: 1, edits: 3, referenceLength: 12, hypothesisLength: 12 });
    expect(cer.rate).toBe(0.25);
    expect(corpusPhoneErrorRate([[1, 2, 3]], [[1, 3]])).toMatchObject({ insertions: 1, edits: 1, rate: 0.5 });
  });

  it('is null when every reference is empty, and rejects misaligned or non-string input', () => {
    expect(corpusCharacterErrorRate(['a'], ['']).rate).toBeNull();
    expect(() => corpusWordErrorRate(['a', 'b'], ['a'])).toThrow(/references.*has 1 segments but there are 2 hypotheses/);
    expect(() => corpusCharacterErrorRate(['a', 7 as never], ['a', 'b'])).toThrow(MetricsInputError);
    expect(() => corpusCharacterErrorRate(['a', 7 as never], ['a', 'b'])).toThrow(/hypotheses\[1\] = 7/);
  });
});
