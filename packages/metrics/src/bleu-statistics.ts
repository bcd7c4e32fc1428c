/**
 * BLEU's sufficient statistics for one segment, as sacreBLEU collects them (metrics/bleu.py, helpers.py):
 * clipped n-gram matches against the per-n-gram maximum over the references, n-gram totals, the hypothesis
 * length and the closest reference length. Everything else in BLEU is arithmetic on sums of these.
 */
import { pySplit } from './python-compat.ts';

export const MAX_NGRAM_ORDER = 4;

/** Sums over a corpus (or one segment) of what BLEU needs. `correct[n-1]`/`total[n-1]` are for n-grams. */
export interface BleuStatistics {
  readonly sysLen: number;
  readonly refLen: number;
  readonly correct: readonly number[];
  readonly total: readonly number[];
}

export interface NgramCounts {
  /** n-gram (tokens joined by one space: tokens never contain whitespace, so keys are unambiguous) -> count. */
  readonly counts: Map<string, number>;
  readonly length: number;
}

/** All 1..maxOrder-grams of an already tokenized line, split on (Python) whitespace. */
export function extractNgrams(line: string, maxOrder: number = MAX_NGRAM_ORDER): NgramCounts {
  const tokens = pySplit(line);
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { counts, length: tokens.length };
}

export interface ReferenceInfo {
  /** For each n-gram, its largest count in any one reference: the clipping ceiling. */
  readonly maxCounts: Map<string, number>;
  readonly lengths: readonly number[];
}

/** Merges the references of one segment (already tokenized). */
export function referenceInfo(references: readonly string[], maxOrder: number = MAX_NGRAM_ORDER): ReferenceInfo {
  const maxCounts = new Map<string, number>();
  const lengths: number[] = [];
  for (const reference of references) {
    const { counts, length } = extractNgrams(reference, maxOrder);
    lengths.push(length);
    for (const [ngram, count] of counts) {
      if (count > (maxCounts.get(ngram) ?? 0)) maxCounts.set(ngram, count);
    }
  }
  return { maxCounts, lengths };
}

/** The reference length closest to the hypothesis length; on a tie the shorter reference wins. */
export function closestReferenceLength(hypLength: number, referenceLengths: readonly number[]): number {
  let closestDiff = -1;
  let closestLength = -1;
  for (const length of referenceLengths) {
    const diff = Math.abs(hypLength - length);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLength = length;
    } else if (diff === closestDiff && length < closestLength) {
      closestLength = length;
    }
  }
  return closestLength;
}

/** Statistics of one tokenized hypothesis against its references' merged info. */
export function segmentStatistics(
  hypothesis: string,
  references: ReferenceInfo,
  maxOrder: number = MAX_NGRAM_ORDER,
): BleuStatistics {
  const { counts, length } = extractNgrams(hypothesis, maxOrder);
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const [ngram, count] of counts) {
    // The order of an n-gram is its number of tokens: one more than its number of separating spaces.
    const order = ngram.split(' ').length;
    total[order - 1]! += count;
    const ceiling = references.maxCounts.get(ngram);
    if (ceiling !== undefined) correct[order - 1]! += Math.min(count, ceiling);
  }
  return { sysLen: length, refLen: closestReferenceLength(length, references.lengths), correct, total };
}

/** Element-wise sum of segment statistics (sacreBLEU's `sum_of_lists`). */
export function sumStatistics(segments: readonly BleuStatistics[], maxOrder: number = MAX_NGRAM_ORDER): BleuStatistics {
  let sysLen = 0;
  let refLen = 0;
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const segment of segments) {
    sysLen += segment.sysLen;
    refLen += segment.refLen;
    for (let n = 0; n < maxOrder; n++) {
      correct[n]! += segment.correct[n] ?? 0;
      total[n]! += segment.total[n] ?? 0;
    }
  }
  return { sysLen, refLen, correct, total };
}
