/**
 * Splitting strings into tokens, at three levels:
 * - `char`: Unicode code points (so "é" and emoji are one token each, never half a surrogate pair);
 * - `word`: runs of whitespace separate words; leading/trailing whitespace is ignored, so the round trip
 *   gives back text whose words are separated by single spaces;
 * - `symbol`: machine-written sequences (synthetic symbols, ARPAbet phones) with exactly one space between
 *   symbols; a doubled, leading or trailing space is an error, because it means the data is malformed.
 */
import type { TokenLevel } from '../config.ts';

export function tokenize(text: string, level: TokenLevel): string[] {
  switch (level) {
    case 'char':
      return Array.from(text);
    case 'word':
      return text.split(/\s+/u).filter((word) => word !== '');
    case 'symbol': {
      if (text === '') return [];
      const symbols = text.split(' ');
      const empty = symbols.indexOf('');
      if (empty >= 0) {
        throw new SyntaxError(
          `tokenize: symbol-level text ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)} has an empty symbol at position ${empty} (symbols are separated by exactly one space)`,
        );
      }
      return symbols;
    }
  }
}

/** The inverse of `tokenize` (exact for `char` and `symbol`; for `word`, up to whitespace normalisation). */
export function detokenize(tokens: readonly string[], level: TokenLevel): string {
  return tokens.join(level === 'char' ? '' : ' ');
}

/** `tokenize(text, level).length` without building the tokens (data cards measure every example). */
export function tokenCount(text: string, level: TokenLevel): number {
  switch (level) {
    case 'char': {
      let count = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        // A low surrogate that follows a high surrogate completes a code point already counted.
        const completesPair = code >= 0xdc00 && code <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1));
        if (!completesPair) count++;
      }
      return count;
    }
    case 'word':
      return tokenize(text, 'word').length;
    case 'symbol': {
      if (text === '') return 0;
      let count = 1;
      for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) count++;
      return count;
    }
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
