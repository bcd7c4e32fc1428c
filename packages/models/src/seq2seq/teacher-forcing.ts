/**
 * Teacher-forcing coins: before step t ≥ 1, each example flips a coin; heads (probability p) feeds the gold token
 * y_{t-1}, tails feeds the model's own argmax prediction from step t-1. Step 0 always reads BOS.
 * Coins are drawn in the order t = 1..T-1, then b = 0..B-1, one `rng.next()` each; p = 1 and p = 0 draw nothing.
 */
import type { TeacherForcing } from '../contract.ts';

/** 'gold' (p = 1), 'model' (p = 0), or coins[t][b] = true where the gold token is fed (row 0 unused). */
export type TeacherForcingPlan = 'gold' | 'model' | boolean[][];

export function planTeacherForcing(teacherForcing: TeacherForcing, batchSize: number, steps: number): TeacherForcingPlan {
  const p = teacherForcing.ratio;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new RangeError(`teacherForcing.ratio must be in [0, 1], got ${p}`);
  }
  if (p === 1) return 'gold';
  if (p === 0) return 'model';
  const rng = teacherForcing.rng;
  if (rng === undefined) throw new Error(`teacherForcing.rng is required when 0 < ratio < 1 (ratio ${p})`);
  const coins: boolean[][] = [new Array<boolean>(batchSize).fill(true)];
  for (let t = 1; t < steps; t++) {
    const row = new Array<boolean>(batchSize);
    for (let b = 0; b < batchSize; b++) row[b] = rng.next() < p;
    coins.push(row);
  }
  return coins;
}
