import { describe, expect, it } from 'vitest';
import {
  createRng,
  englishNumberWords,
  parseEnglishNumber,
  parseSpanishNumber,
  spanishNumberWords,
  synthesize,
} from '@bptt/data';

describe('Spanish number words', () => {
  it.each([
    [0, 'cero'],
    [1, 'uno'],
    [15, 'quince'],
    [16, 'dieciséis'],
    [21, 'veintiuno'],
    [22, 'veintidós'],
    [23, 'veintitrés'],
    [26, 'veintiséis'],
    [31, 'treinta y uno'],
    [100, 'cien'],
    [101, 'ciento uno'],
    [320, 'trescientos veinte'],
    [555, 'quinientos cincuenta y cinco'],
    [777, 'setecientos setenta y siete'],
    [999, 'novecientos noventa y nueve'],
    [1000, 'mil'],
    [1001, 'mil uno'],
    [1100, 'mil cien'],
    [2000, 'dos mil'],
    [21_000, 'veintiún mil'],
    [31_031, 'treinta y un mil treinta y uno'],
    [100_000, 'cien mil'],
    [101_101, 'ciento un mil ciento uno'],
    [200_000, 'doscientos mil'],
    [999_999, 'novecientos noventa y nueve mil novecientos noventa y nueve'],
  ])('%i is "%s"', (n, words) => {
    expect(spanishNumberWords(n)).toBe(words);
    expect(parseSpanishNumber(words)).toBe(n);
  });

  it.each([
    ['un mil', /not "un mil"/],
    ['cien uno', /cien/],
    ['ciento', /ciento/],
    ['veinte y uno', /unexpected word "y"/],
    ['treinta y un', /treinta y/],
    ['veintiuno mil', /veintiún/],
    ['mil un', /unexpected word "un"/],
    ['dieciseis', /unexpected word/],
    ['mil mil', /unexpected word "mil"/],
    ['', /empty/],
  ])('rejects "%s"', (text, message) => {
    expect(() => parseSpanishNumber(text)).toThrow(message);
  });
});

describe('English number words', () => {
  it.each([
    [0, 'zero', 'zero'],
    [13, 'thirteen', 'thirteen'],
    [21, 'twenty one', 'twenty-one'],
    [320, 'three hundred twenty', 'three hundred twenty'],
    [1000, 'one thousand', 'one thousand'],
    [100_000, 'one hundred thousand', 'one hundred thousand'],
    [999_999, 'nine hundred ninety nine thousand nine hundred ninety nine', 'nine hundred ninety-nine thousand nine hundred ninety-nine'],
  ])('%i is "%s" / "%s"', (n, plain, hyphenated) => {
    expect(englishNumberWords(n)).toBe(plain);
    expect(englishNumberWords(n, { hyphens: true })).toBe(hyphenated);
    expect(parseEnglishNumber(plain)).toBe(n);
    expect(parseEnglishNumber(hyphenated)).toBe(n);
  });

  it.each(['one hundred and five', 'twenty ten', 'hundred', 'twelve hundred', 'zero thousand', 'thousand', 'twenty-ten', 'one thousand thousand'])(
    'rejects "%s"',
    (text) => {
      expect(() => parseEnglishNumber(text)).toThrow(SyntaxError);
    },
  );
});

describe('both grammars read back', () => {
  const check = (n: number): void => {
    // Throwing plain errors keeps this loop fast; expect() per number would dominate the run time.
    if (parseSpanishNumber(spanishNumberWords(n)) !== n) throw new Error(`Spanish ${n}: ${spanishNumberWords(n)}`);
    if (parseEnglishNumber(englishNumberWords(n)) !== n) throw new Error(`English ${n}: ${englishNumberWords(n)}`);
    const hyphenated = englishNumberWords(n, { hyphens: true });
    if (parseEnglishNumber(hyphenated) !== n) throw new Error(`English ${n}: ${hyphenated}`);
  };

  it('exhaustively for 0..20 000', () => {
    for (let n = 0; n <= 20_000; n++) check(n);
  });

  it('for 20 000 random numbers up to 999 999 and every multiple of 1000', () => {
    const rng = createRng('numbers');
    for (let i = 0; i < 20_000; i++) check(rng.int(0, 999_999));
    for (let n = 0; n <= 999_999; n += 1000) {
      check(n);
      check(n + 1);
      check(n + 21);
    }
  });

  it('spells every number distinctly (the task has one answer per source)', () => {
    const spanish = new Set<string>();
    for (let n = 0; n <= 20_000; n++) spanish.add(spanishNumberWords(n));
    expect(spanish.size).toBe(20_001);
  });
});

describe('numbers-es-en task', () => {
  it('source and target name the same number; log-uniform covers every digit count', () => {
    const dataset = synthesize({ task: 'numbers-es-en', sizes: { train: 2000, valid: 200, test: 200 } });
    if (dataset.kind !== 'seq2seq') throw new Error('seq2seq expected');
    const digitCounts = new Set<number>();
    for (const split of ['train', 'valid', 'test'] as const) {
      for (const { source, target } of dataset.splits[split]) {
        const n = parseSpanishNumber(source);
        expect(parseEnglishNumber(target)).toBe(n);
        expect(target).not.toContain('-');
        digitCounts.add(String(n).length);
      }
    }
    expect(digitCounts).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('respects the range and the hyphen option', () => {
    const dataset = synthesize({
      task: 'numbers-es-en',
      range: { min: 20, max: 99 },
      distribution: 'uniform',
      englishHyphens: true,
      sizes: { train: 60, valid: 10, test: 10 },
    });
    if (dataset.kind !== 'seq2seq') throw new Error('seq2seq expected');
    const all = [...dataset.splits.train, ...dataset.splits.valid, ...dataset.splits.test];
    expect(new Set(all.map((e) => parseSpanishNumber(e.source)))).toEqual(new Set(Array.from({ length: 80 }, (_, i) => 20 + i)));
    expect(all.find((e) => parseSpanishNumber(e.source) === 45)?.target).toBe('forty-five');
  });
});
