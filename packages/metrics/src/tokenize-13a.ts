/**
 * sacreBLEU's default tokenizer, `13a`: the tokenization of mteval-v13a.pl that WMT has scored with for years
 * (sacrebleu/tokenizers/tokenizer_13a.py and tokenizer_re.py). BLEU numbers are only comparable when both sides
 * were tokenized identically, so this is a line-for-line port, including its quirks.
 */
import { pySplit } from './python-compat.ts';

/** The post-tokenizer's substitutions, in sacreBLEU's order; each runs over the whole line before the next. */
const REGEXP_STEPS: ReadonlyArray<readonly [RegExp, string]> = [
  // Punctuation and symbols become tokens: ASCII {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ and /.
  // Apostrophe, comma, hyphen and period are absent on purpose ("isn't" and "x-ray" stay whole).
  [/([{-~[-` -&(-+:-@/])/gu, ' $1 '],
  // Period and comma are split off unless preceded by a digit ...
  [/([^0-9])([.,])/gu, '$1 $2 '],
  // ... or unless followed by one, so "1,000.50" survives but "2020." does not.
  [/([.,])([^0-9])/gu, ' $1 $2'],
  // A dash after a digit is split off ("2019-2020" becomes "2019 - 2020").
  [/([0-9])(-)/gu, '$1 $2 '],
];

/**
 * Tokenizes one line as sacreBLEU's `13a` does: drops `<skipped>`, joins words hyphenated across a line break
 * (`-\n`), turns newlines into spaces, unescapes `&quot; &amp; &lt; &gt;` (in that order, so `&amp;lt;` ends up
 * as `<`), splits punctuation, and collapses whitespace (Python's whitespace set) to single spaces.
 */
export function tokenize13a(text: string): string {
  let line = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>');
  }
  line = ` ${line} `;
  for (const [pattern, replacement] of REGEXP_STEPS) line = line.replace(pattern, replacement);
  return pySplit(line).join(' ');
}

/** sacreBLEU's `none` tokenizer: the line as given (BLEU still splits it on whitespace). */
export function tokenizeNone(text: string): string {
  return text;
}

export const BLEU_TOKENIZERS = {
  '13a': tokenize13a,
  none: tokenizeNone,
} as const satisfies Record<string, (text: string) => string>;

export type BleuTokenizerName = keyof typeof BLEU_TOKENIZERS;
