import { describe, expect, it } from 'vitest';
import { buildVocabulary, encodeTokens } from '@bptt/data';
import { scoreDecodings } from '../src/stages/shared/score.ts';

// "one two three" style word targets; ids 0..3 are PAD, BOS, EOS, UNK.
const vocabulary = buildVocabulary([['one', 'two', 'three', 'four']]);
const ids = (text: string): number[] => encodeTokens(text.split(' '), vocabulary);
const EOS = 2;
const target = { vocabulary, level: 'word' as const };

describe('scoreDecodings', () => {
  const gold = [ids('one two three four'), ids('four three two one')];
  const split = {
    gold,
    // Teacher forcing gets every position right (EOS included).
    teacherForced: [[...ids('one two three four'), EOS], [...ids('four three two one'), EOS]],
    // Free-running: the first is right, the second goes wrong at position 1 and never recovers.
    greedy: [[...ids('one two three four'), EOS], [...ids('four one one one one'), EOS]],
    beam: [[...ids('one two three four'), EOS], [...ids('four three two one'), EOS]],
  };
  const scored = scoreDecodings(split, target);

  it('scores each decoding against the gold targets', () => {
    expect(scored.decodings.teacherForced.exactMatch).toBe(1);
    expect(scored.decodings.beam.exactMatch).toBe(1);
    expect(scored.decodings.greedy.exactMatch).toBe(0.5);
    expect(scored.decodings.teacherForced.bleu.score).toBeCloseTo(100, 9);
    expect(scored.decodings.greedy.bleu.score).toBeLessThan(100);
    // Greedy: "four one one one one" vs "four three two one": 2 substitutions + 1 insertion over 8 gold words.
    expect(scored.decodings.greedy.wer).toBeCloseTo(3 / 8, 12);
    expect(scored.decodings.beam.wer).toBe(0);
    expect(scored.decodings.greedy.bleu.signature).toContain('tok:13a');
  });

  it('finds the exposure-bias pattern: same teacher-forced accuracy, errors only when free-running', () => {
    const first = scored.exposureBias.firstError;
    expect(first.teacherForced.noError).toBe(2);
    expect(first.freeRunning.noError).toBe(1);
    expect(first.freeRunning.histogram[1]).toBe(1);
    const position1 = scored.exposureBias.perPosition.find((p) => p.position === 1)!;
    expect(position1.teacherForcedErrorRate).toBe(0);
    expect(position1.freeRunningErrorRate).toBe(0.5);
  });
});
