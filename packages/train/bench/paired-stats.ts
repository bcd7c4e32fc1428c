/**
 * Statistics for `npm run bench:paired` (paired.ts): speed ratios from windows run back to back, and how sure a
 * verdict on them is. Distribution-free on purpose: a shared host's slow phases give heavy, one-sided tails that a
 * mean and a normal interval would misread.
 */
import { median } from './measure.ts';

/** P(X <= k) for X ~ Binomial(n, 1/2), exact (n is a window count: small). */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let term = 0.5 ** n; // C(n, 0) / 2^n
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** The interval's exact coverage (at least the level asked for). */
  readonly coverage: number;
}

/**
 * The order-statistic confidence interval for a median: [x(k), x(n+1-k)] with the largest k whose coverage
 * 1 - 2 P(Binomial(n, 1/2) <= k-1) is still at least `level`. It assumes only that the values are independent draws
 * of one distribution. Undefined when n is too small for that level (n < 6 at 95%).
 */
export function medianConfidenceInterval(values: readonly number[], level = 0.95): MedianInterval | undefined {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  let best: MedianInterval | undefined;
  for (let k = 1; 2 * k <= n; k++) {
    const coverage = 1 - 2 * binomialHalfCdf(k - 1, n);
    if (coverage < level) break;
    best = { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage };
  }
  return best;
}

export type PairedVerdict = 'faster' | 'slower' | 'parity within noise';

export interface PairedComparison {
  /** One per window round: their median step time over ours (> 1: ours is faster). */
  readonly ratios: readonly number[];
  readonly median: number;
  readonly interval: MedianInterval | undefined;
  /** Rounds in which ours was faster. */
  readonly wins: number;
  /** One-sided sign test: the chance of at least `wins` wins if neither side were faster. */
  readonly signTestP: number;
  /** 'faster' when the whole interval is above 1, 'slower' when it is below, else parity within noise. */
  readonly verdict: PairedVerdict;
}

/**
 * Compares per-round median step times (ms) of two sides measured in the same rounds. A ratio per round rather
 * than a ratio of overall medians: each round's two windows ran seconds apart, so a slow phase of the host slows
 * both and cancels out of that round's ratio.
 */
export function comparePaired(oursMs: readonly number[], theirsMs: readonly number[], level = 0.95): PairedComparison {
  if (oursMs.length !== theirsMs.length || oursMs.length === 0) {
    throw new Error(`comparePaired: both sides need the same, non-zero number of rounds (got ${oursMs.length} and ${theirsMs.length})`);
  }
  const ratios = oursMs.map((ours, k) => (theirsMs[k] as number) / ours);
  const interval = medianConfidenceInterval(ratios, level);
  const wins = ratios.filter((r) => r > 1).length;
  const verdict: PairedVerdict = interval === undefined ? 'parity within noise' : interval.low > 1 ? 'faster' : interval.high < 1 ? 'slower' : 'parity within noise';
  return { ratios, median: median(ratios), interval, wins, signTestP: 1 - binomialHalfCdf(wins - 1, ratios.length), verdict };
}

/** Window order for round `round`: the sides rotated, so none always runs first (after the other's threads spun). */
export function roundOrder<T>(sides: readonly T[], round: number): T[] {
  const shift = round % sides.length;
  return [...sides.slice(shift), ...sides.slice(0, shift)];
}

/** Rounds run by the processes of life `life` (paired.ts --lives): the rounds split as evenly as they go, the first lives taking the rest. */
export function roundsPerLife(options: { readonly windows: number; readonly lives: number }, life: number): number {
  return Math.floor(options.windows / options.lives) + (life < options.windows % options.lives ? 1 : 0);
}
