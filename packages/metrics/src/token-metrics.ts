/**
 * Token-level loss and accuracy that training and evaluation share, on plain number arrays (the caller pulls
 * them out of tensors). Padding is excluded everywhere: a padded position neither counts nor contributes, and
 * its value is never read into a sum (so an Infinity or NaN loss at a padded position cannot leak in).
 *
 * Grids are either one sequence (`number[]`) or a batch of sequences (`number[][]`, rows may differ in length).
 */
import { correctlyRoundedExp } from './correctly-rounded.ts';
import { MetricsInputError } from './errors.ts';

export type NumberGrid = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;
export type MaskGrid = ArrayLike<number | boolean> | ReadonlyArray<ArrayLike<number | boolean>>;

function isNested<T>(grid: ArrayLike<T> | ReadonlyArray<ArrayLike<T>>): grid is ReadonlyArray<ArrayLike<T>> {
  return grid.length > 0 && typeof grid[0] === 'object' && grid[0] !== null;
}

/** A grid as rows: a flat sequence is one row. */
function rowsOf<T>(grid: ArrayLike<T> | ReadonlyArray<ArrayLike<T>>): ReadonlyArray<ArrayLike<T>> {
  return isNested(grid) ? grid : [grid as ArrayLike<T>];
}

/** exp(mean negative log-likelihood per token), natural log (correctly rounded, as Python's math.exp nearly always is). */
export function perplexity(meanNegativeLogLikelihood: number): number {
  if (typeof meanNegativeLogLikelihood !== 'number' || Number.isNaN(meanNegativeLogLikelihood) || meanNegativeLogLikelihood < 0) {
    throw new MetricsInputError('perplexity', 'meanNegativeLogLikelihood', meanNegativeLogLikelihood, 'must be a non-negative number (nats per token)');
  }
  return correctlyRoundedExp(meanNegativeLogLikelihood);
}

export interface NllTotals {
  /** Sum of the negative log-likelihood over unmasked tokens. */
  readonly sum: number;
  /** Number of unmasked tokens. */
  readonly count: number;
}

/**
 * Sum and count of the per-token NLL where `mask` is 1/true. Accumulate these over batches and divide at the
 * end: the corpus mean per token, not a mean of batch means (batches hold different numbers of real tokens).
 */
export function maskedNllTotals(nllPerToken: NumberGrid, mask: MaskGrid, origin = 'maskedNllTotals'): NllTotals {
  const nllRows = rowsOf(nllPerToken);
  const maskRows = rowsOf(mask);
  if (nllRows.length !== maskRows.length) {
    throw new MetricsInputError(origin, 'mask', mask, `has ${maskRows.length} rows but nllPerToken has ${nllRows.length}`);
  }
  let sum = 0;
  let count = 0;
  nllRows.forEach((nllRow, r) => {
    const maskRow = maskRows[r]!;
    if (nllRow.length !== maskRow.length) {
      throw new MetricsInputError(origin, `mask[${r}]`, maskRow, `has length ${maskRow.length} but nllPerToken[${r}] has length ${nllRow.length}`);
    }
    for (let t = 0; t < nllRow.length; t++) {
      const m = maskRow[t];
      if (m === 0 || m === false) continue;
      if (m !== 1 && m !== true) throw new MetricsInputError(origin, `mask[${r}][${t}]`, m, 'must be 0, 1, true or false');
      const nll = nllRow[t]!;
      if (typeof nll !== 'number' || Number.isNaN(nll)) {
        throw new MetricsInputError(origin, `nllPerToken[${r}][${t}]`, nll, 'is not a number at an unmasked position');
      }
      sum += nll;
      count++;
    }
  });
  return { sum, count };
}

/** Mean NLL per unmasked token. Throws when the mask selects nothing (the mean of no tokens is undefined). */
export function maskedMeanNll(nllPerToken: NumberGrid, mask: MaskGrid): number {
  const { sum, count } = maskedNllTotals(nllPerToken, mask, 'maskedMeanNll');
  if (count === 0) throw new MetricsInputError('maskedMeanNll', 'mask', mask, 'selects no token; the mean of nothing is undefined');
  return sum / count;
}

export interface RateCount {
  readonly correct: number;
  readonly total: number;
  /** correct / total; `null` when total is 0. */
  readonly rate: number | null;
}

function rate(correct: number, total: number): RateCount {
  return { correct, total, rate: total === 0 ? null : correct / total };
}

function pairedRows(origin: string, predicted: NumberGrid, gold: NumberGrid): Array<[ArrayLike<number>, ArrayLike<number>]> {
  const predictedRows = rowsOf(predicted);
  const goldRows = rowsOf(gold);
  if (predictedRows.length !== goldRows.length) {
    throw new MetricsInputError(origin, 'predicted', predicted, `has ${predictedRows.length} sequences but gold has ${goldRows.length}`);
  }
  return goldRows.map((goldRow, r) => [predictedRows[r]!, goldRow]);
}

/**
 * Token accuracy over the gold positions that are not `padId`. A prediction shorter than its gold row is wrong
 * at the missing positions; predictions beyond the gold row have no gold token and are not scored.
 */
export function tokenAccuracy(predicted: NumberGrid, gold: NumberGrid, padId: number): RateCount {
  let correct = 0;
  let total = 0;
  for (const [predictedRow, goldRow] of pairedRows('tokenAccuracy', predicted, gold)) {
    for (let t = 0; t < goldRow.length; t++) {
      if (goldRow[t] === padId) continue;
      total++;
      if (t < predictedRow.length && predictedRow[t] === goldRow[t]) correct++;
    }
  }
  return rate(correct, total);
}

/**
 * Share of sequences whose every non-pad gold position is predicted correctly (the same positions
 * `tokenAccuracy` scores). Put EOS in the gold to make this length-sensitive: a prediction that runs on past
 * the end then has a wrong token where the gold has EOS.
 */
export function sequenceExactMatch(predicted: NumberGrid, gold: NumberGrid, padId: number): RateCount {
  let correct = 0;
  let total = 0;
  for (const [predictedRow, goldRow] of pairedRows('sequenceExactMatch', predicted, gold)) {
    total++;
    let exact = true;
    for (let t = 0; t < goldRow.length && exact; t++) {
      if (goldRow[t] === padId) continue;
      exact = t < predictedRow.length && predictedRow[t] === goldRow[t];
    }
    if (exact) correct++;
  }
  return rate(correct, total);
}
