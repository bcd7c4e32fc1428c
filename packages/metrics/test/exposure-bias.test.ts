import { describe, expect, it } from 'vitest';
import { analyzeExposureBias, corpusBleu, positionErrors, type DecodingExample } from '../src/index.ts';

const PAD = 0;
const EOS = 2;

/**
 * Four hand-made decodings (gold ends with EOS = 2; PAD = 0):
 * 1. everything right;
 * 2. a wrong token at position 1 under both; free-running then derails and runs past the end;
 * 3. teacher forcing right (with batch padding); free-running says EOS at position 1, stopping early;
 * 4. both wrong at position 0, right at the EOS.
 */
const EXAMPLES: DecodingExample[] = [
  { gold: [5, 6, 7, EOS], teacherForced: [5, 6, 7, EOS], freeRunning: [5, 6, 7, EOS] },
  { gold: [5, 6, 7, EOS], teacherForced: [5, 9, 7, EOS], freeRunning: [5, 9, 9, 9, EOS] },
  { gold: [8, 9, EOS], teacherForced: [8, 9, EOS, PAD, PAD], freeRunning: [8, EOS, 7, 7] },
  { gold: [4, EOS], teacherForced: [3, EOS], freeRunning: [3, EOS, PAD] },
];

describe('analyzeExposureBias on hand-made decodings', () => {
  const report = analyzeExposureBias(EXAMPLES, { eosId: EOS, padId: PAD });

  it('computes error rates per output position, over the examples long enough to have one', () => {
    expect(report.examples).toBe(4);
    expect(report.perPosition.map((p) => [p.position, p.count, p.teacherForcedErrors, p.freeRunningErrors])).toEqual([
      [0, 4, 1, 1],
      [1, 4, 1, 2],
      [2, 3, 0, 2],
      [3, 2, 0, 1],
    ]);
    expect(report.perPosition[2]!.freeRunningErrorRate).toBe(2 / 3);
    expect(report.perPosition[3]!.teacherForcedErrorRate).toBe(0);
  });

  it('gives the distribution of the first error position and the error-free count', () => {
    expect(report.firstError.freeRunning).toEqual({ histogram: [1, 2, 0, 0], noError: 1, sequences: 4 });
    expect(report.firstError.teacherForced).toEqual({ histogram: [1, 1, 0, 0], noError: 2, sequences: 4 });
  });

  it('separates errors after a clean prefix from errors after an earlier error', () => {
    const byPosition = report.errorAccumulation.perPosition.map((p) => [
      p.cleanPrefix.count,
      p.cleanPrefix.errors,
      p.afterError.count,
      p.afterError.errors,
    ]);
    expect(byPosition).toEqual([
      [4, 1, 0, 0],
      [3, 2, 1, 0],
      [1, 0, 2, 2],
      [1, 0, 1, 1],
    ]);
    expect(report.errorAccumulation.perPosition[0]!.afterError.errorRate).toBeNull();
    expect(report.errorAccumulation.overall.cleanPrefix).toEqual({ count: 9, errors: 3, errorRate: 1 / 3 });
    expect(report.errorAccumulation.overall.afterError).toEqual({ count: 4, errors: 3, errorRate: 0.75 });
  });

  it('summarises each decoding and the gap between them', () => {
    expect(report.teacherForced.tokenAccuracy).toEqual({ correct: 11, total: 13, rate: 11 / 13 });
    expect(report.freeRunning.tokenAccuracy).toEqual({ correct: 7, total: 13, rate: 7 / 13 });
    expect(report.teacherForced.exactMatch).toEqual({ correct: 2, total: 4, rate: 0.5 });
    expect(report.freeRunning.exactMatch).toEqual({ correct: 1, total: 4, rate: 0.25 });
    expect([report.teacherForced.short, report.teacherForced.overlong]).toEqual([0, 0]);
    expect([report.freeRunning.short, report.freeRunning.overlong]).toEqual([1, 1]);

    // Content ids (final EOS dropped). Teacher-forced edits 0+1+0+1, free-running 0+3+1+1, over 9 gold tokens.
    expect(report.teacherForced.tokenErrorRate).toMatchObject({ edits: 2, referenceLength: 9, rate: 2 / 9 });
    expect(report.freeRunning.tokenErrorRate).toMatchObject({ edits: 5, substitutions: 3, deletions: 1, insertions: 1, rate: 5 / 9 });
    expect(report.teacherForced.meanEditDistance).toBe(0.5);
    expect(report.freeRunning.meanEditDistance).toBe(1.25);

    const refs = [['5 6 7', '5 6 7', '8 9', '4']];
    const teacherForcedBleu = corpusBleu(['5 6 7', '5 9 7', '8 9', '3'], refs);
    const freeRunningBleu = corpusBleu(['5 6 7', '5 9 9 9', '8', '3'], refs);
    expect(report.teacherForced.bleu.score).toBe(teacherForcedBleu.score);
    expect(report.freeRunning.bleu.score).toBe(freeRunningBleu.score);
    expect(report.freeRunning.bleu.signature).toBe(freeRunningBleu.signature);

    expect(report.gap.tokenAccuracy).toBeCloseTo(4 / 13, 15);
    expect(report.gap.exactMatch).toBe(0.25);
    expect(report.gap.bleu).toBe(teacherForcedBleu.score - freeRunningBleu.score);
    expect(report.gap.tokenErrorRate).toBeCloseTo(-3 / 9, 15);
    expect(report.gap.meanEditDistance).toBe(-0.75);
  });

  it('scores BLEU on detokenised text when given a detokenize callback', () => {
    const letters = (ids: readonly number[]): string => ids.map((id) => String.fromCharCode(96 + id)).join('');
    const withText = analyzeExposureBias(EXAMPLES, { eosId: EOS, padId: PAD, detokenize: letters, bleu: { tokenize: 'none' } });
    // Each sequence becomes one word: only the exact ones (examples 1 and 3 under teacher forcing) match.
    expect(withText.teacherForced.bleu.counts[0]).toBe(2);
    expect(withText.teacherForced.bleu.options.tokenize).toBe('none');
    expect(withText.freeRunning.bleu.counts[0]).toBe(1);
  });

  it('without eosId, keeps everything a decoder emitted and counts extra tokens as overlong', () => {
    const plain = analyzeExposureBias([{ gold: [1, 2], teacherForced: [1, 2], freeRunning: [1, 2, 3] }]);
    expect(plain.freeRunning.tokenAccuracy.rate).toBe(1);
    expect(plain.freeRunning.exactMatch.rate).toBe(0);
    expect(plain.freeRunning.overlong).toBe(1);
    expect(plain.firstError.freeRunning.noError).toBe(1);
  });
});

describe('exposure-bias inputs', () => {
  it('counts missing positions as errors', () => {
    expect(positionErrors([5], [5, 6, 7])).toEqual([false, true, true]);
    expect(positionErrors([5, 6, 7, 8], [5, 0])).toEqual([false, true]);
  });

  it('names the example and field of a bad input', () => {
    expect(() => analyzeExposureBias([])).toThrow(/examples.*at least one/);
    expect(() => analyzeExposureBias([{ gold: [1], teacherForced: [1], freeRunning: [1.5] }])).toThrow(
      /examples\[0\]\.freeRunning\[0\] = 1.5: must be an integer token id/,
    );
    expect(() => analyzeExposureBias([{ gold: [1], teacherForced: undefined as never, freeRunning: [1] }])).toThrow(
      /examples\[0\]\.teacherForced/,
    );
  });
});
