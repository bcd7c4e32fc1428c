import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MetricsInputError,
  closestReferenceLength,
  computeBleu,
  corpusBleu,
  formatBleu,
  metricsVersion,
  sentenceBleu,
  type BleuResult,
} from '../src/index.ts';
import { bleuFixture, type ExpectedBleu } from './fixtures.ts';

const TOLERANCE = 1e-9;

function expectMatchesSacrebleu(result: BleuResult, expected: ExpectedBleu): void {
  expect(Math.abs(result.score - expected.score)).toBeLessThanOrEqual(TOLERANCE);
  expect(Math.abs(result.bp - expected.bp)).toBeLessThanOrEqual(TOLERANCE);
  expect(result.counts).toEqual(expected.counts);
  expect(result.totals).toEqual(expected.totals);
  expect(result.precisions).toHaveLength(expected.precisions.length);
  result.precisions.forEach((p, n) => expect(Math.abs(p - expected.precisions[n]!)).toBeLessThanOrEqual(TOLERANCE));
  expect(result.sysLen).toBe(expected.sys_len);
  expect(result.refLen).toBe(expected.ref_len);
  expect(result.formatted).toBe(expected.formatted);
}

/** sacreBLEU records its own version; ours records @bptt/metrics's. */
function withOurVersion(signature: string): string {
  return signature.replace(/\|version:[^|]*$/, `|version:${metricsVersion()}`);
}

describe('corpusBleu against sacreBLEU 2.6.0', () => {
  it.each(bleuFixture.corpus_cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = corpusBleu(c.hyps, c.refs, {
      tokenize: c.tokenize,
      smoothMethod: c.smooth_method,
      smoothValue: c.smooth_value,
      effectiveOrder: c.effective_order,
      lowercase: c.lowercase,
    });
    expectMatchesSacrebleu(result, c.expected);
    expect(result.signature).toBe(withOurVersion(c.signature));
  });
});

describe('sentenceBleu against sacreBLEU 2.6.0', () => {
  it.each(bleuFixture.sentence_cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = sentenceBleu(c.hyp, c.refs, {
      tokenize: c.tokenize,
      smoothMethod: c.smooth_method,
      smoothValue: c.smooth_value,
      effectiveOrder: c.use_effective_order,
      lowercase: c.lowercase,
    });
    expectMatchesSacrebleu(result, c.expected);
  });

  it('defaults to effective order and exp smoothing, as sacrebleu.sentence_bleu does', () => {
    const result = sentenceBleu('the cat', ['the cat is on the mat']);
    expect(result.options).toEqual({ tokenize: '13a', smoothMethod: 'exp', smoothValue: null, effectiveOrder: true, lowercase: false });
    // Two orders only, both at 100%: the score is the brevity penalty exp(1 - 6/2).
    expect(result.score).toBeCloseTo(100 * Math.exp(-2), 12);
    expect(result.signature).toBe(`nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:${metricsVersion()}`);
  });
});

describe('BLEU details', () => {
  it('records the package version in the signature', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(metricsVersion()).toBe(`bptt-lab-${manifest.version}`);
  });

  it('picks the closest reference length, the shorter one on a tie', () => {
    expect(closestReferenceLength(5, [3, 7])).toBe(3);
    expect(closestReferenceLength(5, [7, 3])).toBe(3);
    expect(closestReferenceLength(5, [9, 6, 4])).toBe(4);
    expect(closestReferenceLength(5, [8, 6])).toBe(6);
  });

  it('clips each n-gram at its largest count in any single reference', () => {
    // "the" occurs twice in the first reference and once in the second: the ceiling is 2, not 3.
    const result = corpusBleu(['the the the'], [['the a the'], ['the b c']], { tokenize: 'none', smoothMethod: 'none' });
    expect(result.counts[0]).toBe(2);
    expect(result.totals[0]).toBe(3);
    expect(result.nrefs).toBe(2);
  });

  it('rstrips hypotheses and references (Python whitespace, including U+0085) but keeps leading space', () => {
    const a = corpusBleu(['a b c d \u0085\t'], [['a b c d\u3000']], { tokenize: 'none' });
    expect(a.score).toBeCloseTo(100, 10);
    expect(a.sysLen).toBe(4);
    // U+FEFF is not whitespace in Python: it stays glued to "d", so the last token differs.
    const b = corpusBleu(['a b c d\ufeff'], [['a b c d']], { tokenize: 'none', smoothMethod: 'none' });
    expect(b.counts).toEqual([3, 2, 1, 0]);
  });

  it('add-k adds k to counts and totals of orders above one, and reports them so', () => {
    const parts = computeBleu({ sysLen: 3, refLen: 3, correct: [2, 1, 0, 0], total: [3, 2, 1, 0] }, { smoothMethod: 'add-k', smoothValue: 1 });
    expect(parts.counts).toEqual([2, 2, 1, 1]);
    expect(parts.totals).toEqual([3, 3, 2, 1]);
    expect(parts.precisions).toEqual([(100 * 2) / 3, (100 * 2) / 3, 50, 100]);
  });

  it('halves the smoothed precision for each successive zero-match order under exp', () => {
    const parts = computeBleu({ sysLen: 6, refLen: 6, correct: [4, 2, 0, 0], total: [6, 5, 4, 3] }, { smoothMethod: 'exp' });
    expect(parts.precisions[2]).toBe(100 / (2 * 4));
    expect(parts.precisions[3]).toBe(100 / (4 * 3));
  });

  it('floors log(0) instead of producing -Infinity or NaN', () => {
    const parts = computeBleu({ sysLen: 4, refLen: 4, correct: [4, 0, 0, 0], total: [4, 3, 2, 1] }, { smoothMethod: 'none' });
    expect(parts.score).toBe(0);
    expect(parts.precisions).toEqual([100, 0, 0, 0]);
  });

  it('returns 0 with zero precisions when no unigram matches, before any smoothing', () => {
    const parts = computeBleu({ sysLen: 2, refLen: 2, correct: [0, 0, 0, 0], total: [2, 1, 0, 0] }, { smoothMethod: 'add-k' });
    expect(parts).toMatchObject({ score: 0, counts: [0, 0, 0, 0], totals: [2, 1, 0, 0], precisions: [0, 0, 0, 0] });
  });

  it('treats null references as missing and reports nrefs:var', () => {
    const result = corpusBleu(['a b', 'c d'], [['a b', 'c d'], ['a x', null]], { tokenize: 'none' });
    expect(result.nrefs).toBe('var');
    expect(result.signature.startsWith('nrefs:var|')).toBe(true);
  });

  it('prints floor and add-k values in the signature like sacreBLEU, defaults included', () => {
    expect(corpusBleu(['a'], [['a']], { smoothMethod: 'floor' }).signature).toContain('smooth:floor[0.10]');
    expect(corpusBleu(['a'], [['a']], { smoothMethod: 'add-k', smoothValue: 0.125 }).signature).toContain('smooth:add-k[0.12]');
    expect(corpusBleu(['a'], [['a']], { smoothMethod: 'none', lowercase: true }).signature).toContain('case:lc|eff:no|tok:13a|smooth:none|');
  });

  it('formats like BLEUScore.format, with signature, score only and JSON', () => {
    const result = corpusBleu(bleuFixture.corpus_cases[0]!.hyps, bleuFixture.corpus_cases[0]!.refs);
    expect(formatBleu(result, { width: 1, signature: result.signature })).toBe(
      `BLEU|${result.signature} = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`,
    );
    expect(formatBleu(result, { scoreOnly: true, width: 4 })).toBe('48.5308');
    expect(formatBleu(result, { json: true, width: 1, signature: result.signature })).toBe(
      [
        '{',
        ' "name": "BLEU",',
        ' "score": 48.5,',
        ` "signature": "${result.signature}",`,
        ' "verbose_score": "82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)",',
        ' "nrefs": "2",',
        ' "case": "mixed",',
        ' "eff": "no",',
        ' "tok": "13a",',
        ' "smooth": "exp",',
        ` "version": "${metricsVersion()}"`,
        '}',
      ].join('\n'),
    );
  });

  it('rounds printed ties half to even on the exact binary value, as Python does', () => {
    // hyp_len 9, ref_len 16: ratio 0.5625 exactly; Python prints 0.562 where toFixed would print 0.563.
    const result = corpusBleu(['a b c d e f g h i'], [['a b c d e f g h i j k l m n o p']], { tokenize: 'none' });
    expect(result.ratio).toBe(0.5625);
    expect(result.formatted).toContain('ratio = 0.562 ');
  });

  it('names the offending argument on bad input', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/references\[0\].*has 1 segments but there are 2 hypotheses/);
    expect(() => corpusBleu(['a'], [])).toThrow(MetricsInputError);
    expect(() => corpusBleu([], [[]])).toThrow(/hypotheses.*at least one segment/);
    expect(() => corpusBleu(['a'], [[null]])).toThrow(/segment 0 has no reference/);
    expect(() => corpusBleu(['a'], [['a']], { tokenize: 'intl' as never })).toThrow(/options\.tokenize = "intl": unknown tokenizer/);
    expect(() => corpusBleu(['a'], [['a']], { smoothMethod: 'add-one' as never })).toThrow(/options\.smoothMethod/);
    expect(() => corpusBleu(['a'], [['a']], { smoothValue: Number.NaN })).toThrow(/options\.smoothValue/);
    expect(() => corpusBleu(['a', 3 as never], [['a', 'b']])).toThrow(/hypotheses\[1\] = 3: must be a string/);
    expect(() => sentenceBleu('a', [])).toThrow(/references/);
  });
});
