import { describe, expect, it } from 'vitest';
import { tokenize13a, tokenizeNone } from '../src/index.ts';
import { bleuFixture } from './fixtures.ts';

describe('tokenize13a against sacreBLEU 2.6.0', () => {
  it.each(bleuFixture.tokenizer_13a.map((c) => [c.input, c.tok_13a] as const))('%j', (input, expected) => {
    expect(tokenize13a(input)).toBe(expected);
  });
});

describe('tokenize13a details', () => {
  it('drops <skipped>, joins words hyphenated across a line break, turns newlines into spaces', () => {
    expect(tokenize13a('a <skipped> b')).toBe('a b');
    expect(tokenize13a('hyphen-\nated line\nbreak')).toBe('hyphenated line break');
  });

  it('unescapes &quot; &amp; &lt; &gt; in that order, so &amp;lt; becomes <', () => {
    expect(tokenize13a('&quot;x&quot; &amp; &lt;y&gt;')).toBe('" x " & < y >');
    expect(tokenize13a('&amp;lt;')).toBe('<');
    expect(tokenize13a('&amp;quot;')).toBe('& quot ;');
    expect(tokenize13a('&apos;')).toBe("& apos ;");
  });

  it('keeps periods and commas inside numbers but splits them elsewhere', () => {
    expect(tokenize13a('1,000.50 and 3.14.')).toBe('1,000.50 and 3.14 .');
    expect(tokenize13a('a.b,c')).toBe('a . b , c');
    expect(tokenize13a('x,5 5,x')).toBe('x , 5 5 , x');
  });

  it('splits a dash only after a digit', () => {
    expect(tokenize13a('x-ray 3-D A-4')).toBe('x-ray 3 - D A-4');
  });

  it('splits ASCII symbols but leaves apostrophes and non-ASCII punctuation alone', () => {
    expect(tokenize13a("it's «so» — ok…")).toBe("it's «so» — ok…");
    expect(tokenize13a('a/b\\c{d}~e^f`g|h')).toBe('a / b \\ c { d } ~ e ^ f ` g | h');
  });

  it('collapses Python whitespace (tabs, NBSP, ideographic space, U+0085) but not U+200B or U+FEFF', () => {
    expect(tokenize13a('a\t b\u00a0c\u3000d\u0085e')).toBe('a b c d e');
    expect(tokenize13a('a\u200bb\ufeffc')).toBe('a\u200bb\ufeffc');
  });

  it('treats an astral character before a period like any non-digit', () => {
    expect(tokenize13a('ok😀.')).toBe('ok😀 .');
  });

  it('none leaves the text as it is', () => {
    expect(tokenizeNone(' a , b ')).toBe(' a , b ');
  });
});
