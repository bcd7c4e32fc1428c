/**
 * Edit distances with unit costs. Strings are compared by Unicode code points (`Array.from`), as Python indexes
 * them: an emoji is one character, not two UTF-16 units. Arrays are compared element by element with `===`, so
 * the same functions serve characters, words, phones and token ids.
 */

export type UnicodeNormalizationForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

export interface StringDistanceOptions {
  /**
   * Normalise both strings first. Off by default (as in nltk): `e` + U+0301 and `é` then differ by two edits.
   * NFC makes visually identical text compare equal.
   */
  readonly normalize?: UnicodeNormalizationForm;
}

/** A sequence to compare: a string (its code points) or an array (its elements). */
export type Sequence<T> = string | readonly T[];

/** The units an edit distance counts over: code points of a string, elements of an array. */
export function sequenceUnits<T>(sequence: Sequence<T>, options: StringDistanceOptions = {}): readonly (T | string)[] {
  if (typeof sequence === 'string') {
    return Array.from(options.normalize ? sequence.normalize(options.normalize) : sequence);
  }
  return sequence;
}

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export function editDistance(a: string, b: string, options?: StringDistanceOptions): number;
export function editDistance<T>(a: readonly T[], b: readonly T[]): number;
export function editDistance<T>(a: Sequence<T>, b: Sequence<T>, options: StringDistanceOptions = {}): number {
  const x = sequenceUnits(a, options);
  const y = sequenceUnits(b, options);
  // Two rows of the (|x|+1) x (|y|+1) table suffice for the distance alone.
  let previous = new Array<number>(y.length + 1);
  let current = new Array<number>(y.length + 1);
  for (let j = 0; j <= y.length; j++) previous[j] = j;
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (xi === y[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[y.length]!;
}

/**
 * Optimal string alignment distance (restricted Damerau-Levenshtein): Levenshtein plus swapping two adjacent
 * units for 1, where no unit is edited twice. `ca` -> `abc` is 3 here (the swapped pair cannot then take an
 * insertion between its units), 2 under unrestricted Damerau-Levenshtein.
 */
export function osaDistance(a: string, b: string, options?: StringDistanceOptions): number;
export function osaDistance<T>(a: readonly T[], b: readonly T[]): number;
export function osaDistance<T>(a: Sequence<T>, b: Sequence<T>, options: StringDistanceOptions = {}): number {
  const x = sequenceUnits(a, options);
  const y = sequenceUnits(b, options);
  const width = y.length + 1;
  // Three rows: a transposition looks back two rows.
  let beforePrevious = new Array<number>(width).fill(0);
  let previous = new Array<number>(width);
  let current = new Array<number>(width);
  for (let j = 0; j <= y.length; j++) previous[j] = j;
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    for (let j = 1; j <= y.length; j++) {
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2]! + 1);
      }
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[y.length]!;
}

/**
 * Unrestricted Damerau-Levenshtein distance (Lowrance-Wagner): a transposed pair may also have units inserted
 * between them. This is what nltk's `edit_distance(a, b, transpositions=True)` computes (a port of its
 * algorithm); it equals `osaDistance` except on inputs like `ca` -> `abc`.
 */
export function damerauLevenshteinDistance(a: string, b: string, options?: StringDistanceOptions): number;
export function damerauLevenshteinDistance<T>(a: readonly T[], b: readonly T[]): number;
export function damerauLevenshteinDistance<T>(a: Sequence<T>, b: Sequence<T>, options: StringDistanceOptions = {}): number {
  const x = sequenceUnits(a, options);
  const y = sequenceUnits(b, options);
  const table: number[][] = [];
  for (let i = 0; i <= x.length; i++) {
    table.push(new Array<number>(y.length + 1).fill(0));
    table[i]![0] = i;
  }
  for (let j = 0; j <= y.length; j++) table[0]![j] = j;
  // Row (1-based) of the last occurrence of each unit in x so far.
  const lastRowOf = new Map<T | string, number>();
  for (let i = 1; i <= x.length; i++) {
    // Column (1-based) of the last match of x[i-1] in y so far, in this row.
    let lastMatchColumn = 0;
    for (let j = 1; j <= y.length; j++) {
      const lastRow = lastRowOf.get(y[j - 1]!) ?? 0;
      const lastColumn = lastMatchColumn;
      const same = x[i - 1] === y[j - 1];
      if (same) lastMatchColumn = j;
      const substitution = table[i - 1]![j - 1]! + (same ? 0 : 1);
      let best = Math.min(table[i - 1]![j]! + 1, table[i]![j - 1]! + 1, substitution);
      if (lastRow > 0 && lastColumn > 0) {
        best = Math.min(best, table[lastRow - 1]![lastColumn - 1]! + (i - lastRow) + (j - lastColumn) - 1);
      }
      table[i]![j] = best;
    }
    lastRowOf.set(x[i - 1]!, i);
  }
  return table[x.length]![y.length]!;
}

/** Levenshtein distance divided by the longer length: in [0, 1], and 0 when both are empty. */
export function normalizedEditDistance(a: string, b: string, options?: StringDistanceOptions): number;
export function normalizedEditDistance<T>(a: readonly T[], b: readonly T[]): number;
export function normalizedEditDistance<T>(a: Sequence<T>, b: Sequence<T>, options: StringDistanceOptions = {}): number {
  const x = sequenceUnits(a, options);
  const y = sequenceUnits(b, options);
  const longer = Math.max(x.length, y.length);
  return longer === 0 ? 0 : editDistance(x, y) / longer;
}

/**
 * Levenshtein distance divided by the reference length (`b`): the CER/WER normalisation, which can exceed 1.
 * `null` when the reference is empty, since there is nothing to measure against.
 */
export function editDistanceByReferenceLength(hypothesis: string, reference: string, options?: StringDistanceOptions): number | null;
export function editDistanceByReferenceLength<T>(hypothesis: readonly T[], reference: readonly T[]): number | null;
export function editDistanceByReferenceLength<T>(
  hypothesis: Sequence<T>,
  reference: Sequence<T>,
  options: StringDistanceOptions = {},
): number | null {
  const x = sequenceUnits(hypothesis, options);
  const y = sequenceUnits(reference, options);
  return y.length === 0 ? null : editDistance(x, y) / y.length;
}
