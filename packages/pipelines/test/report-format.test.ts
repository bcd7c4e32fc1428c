import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdownTableCell,
  formatCell,
  formatDuration,
  formatFixed,
  formatInteger,
  formatNumber,
  formatPercent,
  formatScientific,
  inlineToHtml,
  measureText,
} from '../src/report/index.ts';

describe('number formatting', () => {
  it('writes fixed decimals without a sign on a printed zero', () => {
    expect(formatFixed(0.12345, 3)).toBe('0.123');
    expect(formatFixed(2, 2)).toBe('2.00');
    expect(formatFixed(-1.005, 1)).toBe('-1.0');
    expect(formatFixed(-0.0001, 2)).toBe('0.00');
    expect(formatFixed(-0, 0)).toBe('0');
  });

  it('writes fractions as percentages', () => {
    expect(formatPercent(0.2567)).toBe('25.7%');
    expect(formatPercent(1, 0)).toBe('100%');
    expect(formatPercent(0.00004, 2)).toBe('0.00%');
  });

  it('prints non-finite values instead of throwing (a diverged run has a NaN loss)', () => {
    expect(formatFixed(NaN, 2)).toBe('NaN');
    expect(formatPercent(Infinity)).toBe('∞');
    expect(formatInteger(-Infinity)).toBe('−∞');
    expect(formatDuration(NaN)).toBe('NaN');
  });

  it('groups thousands in integers and rounds', () => {
    expect(formatInteger(1234567)).toBe('1,234,567');
    expect(formatInteger(999)).toBe('999');
    expect(formatInteger(-12345.6)).toBe('-12,346');
  });

  it('writes scientific notation compactly', () => {
    expect(formatScientific(0.000123, 2)).toBe('1.23e-4');
    expect(formatScientific(45600, 1)).toBe('4.6e4');
  });

  it('picks the duration unit from its size', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_213)).toBe('4.21 s');
    expect(formatDuration(42_500)).toBe('42.5 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_620_000)).toBe('2 h 07 min');
    expect(formatDuration(-1500)).toBe('-1.50 s');
  });

  it('rejects impossible decimals with the function name and value', () => {
    expect(() => formatFixed(1, 1.5)).toThrow('formatFixed: decimals must be an integer in [0, 20], got 1.5');
    expect(() => formatPercent(1, -1)).toThrow('formatPercent');
  });

  it('formats cells by declared format, defaulting by value', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(0.5, { kind: 'percent', decimals: 0 })).toBe('50%');
    expect(formatNumber(61_000, { kind: 'duration' })).toBe('1 min 01 s');
    expect(formatCell(null)).toBe('—');
    expect(formatCell('lstm')).toBe('lstm');
  });
});

describe('escaping', () => {
  it('keeps a pipe from ending a Markdown table cell, and a newline from ending the row', () => {
    expect(escapeMarkdownTableCell('a|b')).toBe('a\\|b');
    expect(escapeMarkdownTableCell('line 1\nline 2')).toBe('line 1<br>line 2');
  });

  it('escapes HTML special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('markdown-ish text to HTML', () => {
  it('converts the documented subset', () => {
    expect(inlineToHtml('**bold**, *italic* and `k_2`')).toBe('<strong>bold</strong>, <em>italic</em> and <code>k_2</code>');
    expect(inlineToHtml('see [the docs](https://example.org/a?b=1&c=2)')).toBe(
      'see <a href="https://example.org/a?b=1&amp;c=2">the docs</a>',
    );
    expect(inlineToHtml('[chart](charts/loss.svg)')).toBe('<a href="charts/loss.svg">chart</a>');
  });

  it('leaves underscores, arithmetic and unmatched markers alone', () => {
    expect(inlineToHtml('tf_ratio and k_2')).toBe('tf_ratio and k_2');
    expect(inlineToHtml('2 * 3 * 4')).toBe('2 * 3 * 4');
    expect(inlineToHtml('a ** b')).toBe('a ** b');
    expect(inlineToHtml('`unclosed')).toBe('`unclosed');
  });

  it('does not parse markup inside code spans, and honours longer fences', () => {
    expect(inlineToHtml('`**x**`')).toBe('<code>**x**</code>');
    expect(inlineToHtml('`` a`b ``')).toBe('<code>a`b</code>');
  });

  it('escapes HTML and refuses script URLs', () => {
    expect(inlineToHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inlineToHtml('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
    expect(inlineToHtml('\\*not italic\\*')).toBe('*not italic*');
  });

  it('turns single newlines into spaces', () => {
    expect(inlineToHtml('one\ntwo')).toBe('one two');
  });
});

describe('chart text metrics', () => {
  it('measures with Helvetica advance widths', () => {
    // 'Hi' = H (722) + i (222) units of 1/1000 em.
    expect(measureText('Hi', 10)).toBeCloseTo(9.44, 10);
    expect(measureText('Hi', 10, 'bold')).toBeCloseTo((722 + 278) / 100, 10);
    expect(measureText('Hi', 10, 700)).toBeCloseTo(10, 10);
    expect(measureText('', 12)).toBe(0);
    // Letters without metrics (IPA) get the average lowercase width, CJK a full em.
    expect(measureText('ʊ', 10)).toBeCloseTo(5.56, 10);
    expect(measureText('日', 10)).toBeCloseTo(10, 10);
  });
});
