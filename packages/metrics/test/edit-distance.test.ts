import { describe, expect, it } from 'vitest';
import {
  alignSequences,
  countAlignment,
  damerauLevenshteinDistance,
  editDistance,
  editDistanceByReferenceLength,
  formatAlignment,
  normalizedEditDistance,
  osaDistance,
  sequenceUnits,
  splitWords,
} from '../src/index.ts';
import { editDistanceFixture } from './fixtures.ts';

/** The units a fixture case counts: code points of the string, or its whitespace-separated words. */
function units(level: 'char' | 'token', text: string): string[] {
  return level === 'char' ? Array.from(text) : splitWords(text);
}

describe('edit distances against nltk 3.8', () => {
  it.each(editDistanceFixture.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const hyp = units(c.level, c.hyp);
    const ref = units(c.level, c.ref);
    expect(hyp).toEqual(c.hyp_units);
    expect(ref).toEqual(c.ref_units);
    expect(hyp.length).toBe(c.hyp_len);
    expect(ref.length).toBe(c.ref_len);

    expect(editDistance(hyp, ref)).toBe(c.distance);
    expect(Math.abs(normalizedEditDistance(hyp, ref) - c.normalized_by_max_len)).toBeLessThanOrEqual(1e-12);
    const byRef = editDistanceByReferenceLength(hyp, ref);
    if (c.normalized_by_ref_len === null) expect(byRef).toBeNull();
    else expect(Math.abs(byRef! - c.normalized_by_ref_len)).toBeLessThanOrEqual(1e-12);
    // nltk's transpositions=True is unrestricted Damerau-Levenshtein.
    expect(damerauLevenshteinDistance(hyp, ref)).toBe(c.distance_with_transpositions);

    if (c.level === 'char') {
      // Strings go in directly: the string overloads count code points.
      expect(editDistance(c.hyp, c.ref)).toBe(c.distance);
      expect(damerauLevenshteinDistance(c.hyp, c.ref)).toBe(c.distance_with_transpositions);
      expect(editDistance(c.hyp, c.ref, { normalize: 'NFC' })).toBe(c.distance_after_nfc);
      // What UTF-16 code units would give: only reachable by splitting into code units on purpose.
      expect(c.hyp.length).toBe(c.utf16_len_hyp);
      expect(c.ref.length).toBe(c.utf16_len_ref);
      expect(editDistance(c.hyp.split(''), c.ref.split(''))).toBe(c.distance_utf16_code_units);
    }
  });
});

describe('edit distance details', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(editDistance('😀', '😃')).toBe(1);
    expect(editDistance('😀'.split(''), '😃'.split(''))).toBe(1); // same high surrogate, different low
    expect(editDistance('😀😀', '')).toBe(2);
    expect(sequenceUnits('a😀b')).toEqual(['a', '😀', 'b']);
  });

  it('makes composed and decomposed accents equal only under normalisation', () => {
    const decomposed = 'cafe\u0301';
    const composed = 'caf\u00e9';
    expect(editDistance(decomposed, composed)).toBe(2);
    expect(editDistance(decomposed, composed, { normalize: 'NFC' })).toBe(0);
    expect(normalizedEditDistance(decomposed, composed, { normalize: 'NFD' })).toBe(0);
  });

  it('compares array elements with ===', () => {
    expect(editDistance([1, 2, 3], [1, 3])).toBe(1);
    expect(editDistance(['1'], [1] as unknown as string[])).toBe(1);
  });

  it('distinguishes OSA from unrestricted Damerau-Levenshtein', () => {
    expect(osaDistance('ab', 'ba')).toBe(1);
    expect(damerauLevenshteinDistance('ab', 'ba')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(2);
    // OSA may not edit a transposed pair again; unrestricted DL may (ca -> ac -> abc).
    expect(osaDistance('ca', 'abc')).toBe(3);
    expect(damerauLevenshteinDistance('ca', 'abc')).toBe(2);
    expect(osaDistance([1, 2, 3, 4], [2, 1, 4, 3])).toBe(2);
  });

  it('orders the distances Lev >= OSA >= DL on every pair of short strings over {a, b, c}', () => {
    const words = [''];
    for (let length = 1; length <= 4; length++) {
      for (const word of words.filter((w) => w.length === length - 1)) for (const c of 'abc') words.push(word + c);
    }
    let checked = 0;
    for (const a of words) {
      for (const b of words) {
        const lev = editDistance(a, b);
        const osa = osaDistance(a, b);
        const dl = damerauLevenshteinDistance(a, b);
        if (!(lev >= osa && osa >= dl && dl >= Math.abs(a.length - b.length))) throw new Error(`${a} / ${b}: ${lev} ${osa} ${dl}`);
        if (lev !== editDistance(b, a) || osa !== osaDistance(b, a) || dl !== damerauLevenshteinDistance(b, a)) {
          throw new Error(`not symmetric: ${a} / ${b}`);
        }
        checked++;
      }
    }
    expect(checked).toBe(121 * 121);
  });
});

describe('alignment', () => {
  it('finds the operations of a word-level error report', () => {
    const operations = alignSequences(splitWords('oh the cat sat on the'), splitWords('the cat is on the mat'));
    expect(operations.map((o) => o.type)).toEqual(['insertion', 'match', 'match', 'substitution', 'match', 'match', 'deletion']);
    expect(countAlignment(operations)).toEqual({ hits: 4, substitutions: 1, deletions: 1, insertions: 1, edits: 3 });
    expect(formatAlignment(operations)).toBe(
      ['REF: ** the cat is  on the mat', 'HYP: oh the cat sat on the ***', '     I          S          D'].join('\n'),
    );
  });

  it('indexes into both sequences', () => {
    const operations = alignSequences('ab', 'b');
    expect(operations).toEqual([
      { type: 'insertion', hypIndex: 0, hyp: 'a' },
      { type: 'match', hypIndex: 1, refIndex: 0, hyp: 'b', ref: 'b' },
    ]);
    expect(alignSequences('', '')).toEqual([]);
  });

  it('always has as many edits as the Levenshtein distance, and covers both sequences in order', () => {
    const words = [''];
    for (let length = 1; length <= 4; length++) {
      for (const word of words.filter((w) => w.length === length - 1)) for (const c of 'ab') words.push(word + c);
    }
    for (const hyp of words) {
      for (const ref of words) {
        const operations = alignSequences(hyp, ref);
        expect(countAlignment(operations).edits).toBe(editDistance(hyp, ref));
        const hypIndices = operations.flatMap((o) => (o.type === 'deletion' ? [] : [o.hypIndex]));
        const refIndices = operations.flatMap((o) => (o.type === 'insertion' ? [] : [o.refIndex]));
        expect(hypIndices).toEqual([...hyp].map((_, i) => i));
        expect(refIndices).toEqual([...ref].map((_, i) => i));
      }
    }
  });
});
