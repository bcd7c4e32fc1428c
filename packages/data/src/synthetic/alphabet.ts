/**
 * Symbol alphabets for the sequence tasks. Up to 26 symbols are the letters a..z, so examples read easily and
 * char-level tokenization works; larger alphabets use s0, s1, ... (tokenize those at the `symbol` level).
 * Symbol order (for `sort`) is alphabet order: a < b < ... and s0 < s1 < ... < s10 (by index, not by string).
 */

/** Marks "nothing to recall yet" in delayed recall; never part of an alphabet. */
export const BLANK_SYMBOL = '_';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function symbolAlphabet(size: number): string[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`symbolAlphabet: size must be a positive integer, got ${size}`);
  if (size <= LETTERS.length) return [...LETTERS.slice(0, size)];
  return Array.from({ length: size }, (_, i) => `s${i}`);
}
