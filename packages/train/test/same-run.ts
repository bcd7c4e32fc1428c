/** Comparing two training runs of the same model: graph steps against eager steps (native-graph-*.test.ts). */
import { expect } from 'vitest';
import type { TrainResult } from '../src/history.ts';

/**
 * Losses and norms to `tolerance` (relative), weights to 5x that, at every step: a graph runs other kernels than
 * the op-by-op run (and pads seq2seq lengths to a multiple of 4), so sums round differently in the last bits, and
 * the differences compound from step to step (Adam normalises every update, which magnifies them in tiny gradients).
 */
export function expectSameRun(a: { result: TrainResult<unknown>; weights: number[][] }, b: { result: TrainResult<unknown>; weights: number[][] }, tolerance: number) {
  const as = a.result.history.steps;
  const bs = b.result.history.steps;
  expect(as.length).toBe(bs.length);
  as.forEach((step, k) => {
    const other = bs[k] as (typeof bs)[number];
    expect(Math.abs(step.loss - other.loss)).toBeLessThan(tolerance * Math.max(1, Math.abs(other.loss)));
    expect(Math.abs(step.gradNorm - other.gradNorm)).toBeLessThan(tolerance * Math.max(1, other.gradNorm));
    expect(step.clipped).toBe(other.clipped);
    expect(step.tokens).toBe(other.tokens);
  });
  a.weights.forEach((w, i) => {
    const other = b.weights[i] as number[];
    expect(Math.max(...w.map((x, j) => Math.abs(x - (other[j] as number))))).toBeLessThan(5 * tolerance);
  });
}
