/**
 * Teacher-forcing coins: before step t ≥ 1, each example flips a coin; heads (probability p) feeds the gold token
 * y_{t-1}, tails feeds the model's own argmax prediction from step t-1. Step 0 always reads BOS.
 * Coins are drawn in the order t = 1..T-1, then b = 0..B-1, one `rng.next()` each; p = 1 and p = 0 draw nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TeacherForcing } from '../contract.ts';

/**
 * 'gold' (p = 1), 'model' (p = 0), or coins[t][b] = true where the gold token is fed (row 0 unused), as arrays or
 * as a bool [T, B] tensor (TeacherForcing.coins).
 */
export type TeacherForcingPlan = 'gold' | 'model' | boolean[][] | tf.Tensor2D;

export function planTeacherForcing(teacherForcing: TeacherForcing, batchSize: number, steps: number): TeacherForcingPlan {
  const p = teacherForcing.ratio;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new RangeError(`teacherForcing.ratio must be in [0, 1], got ${p}`);
  }
  if (p === 1) return 'gold';
  if (p === 0) return 'model';
  const given = teacherForcing.coins;
  if (given !== undefined) {
    if (given.dtype !== 'bool' || given.shape[0] !== steps || given.shape[1] !== batchSize) {
      throw new RangeError(`teacherForcing.coins must be bool [${steps}, ${batchSize}] (steps, batch), got ${given.dtype} [${given.shape.join(', ')}]`);
    }
    return given;
  }
  return drawCoins(teacherForcing, batchSize, steps);
}

/**
 * The coins of a step with 0 < ratio < 1 as a bool [steps, batchSize] tensor, drawn from `teacherForcing.rng` in the
 * order planTeacherForcing draws them (so a run gets the same flips either way); row 0 is all true.
 */
export function teacherForcingCoins(teacherForcing: TeacherForcing, batchSize: number, steps: number): tf.Tensor2D {
  return tf.tensor2d(drawCoins(teacherForcing, batchSize, steps), [steps, batchSize], 'bool');
}

function drawCoins(teacherForcing: TeacherForcing, batchSize: number, steps: number): boolean[][] {
  const p = teacherForcing.ratio;
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
