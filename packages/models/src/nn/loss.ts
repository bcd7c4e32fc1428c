/** Masked negative log-likelihood (cross-entropy on logits), the loss of every model here. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * logits [N, V], targets [N] int32, mask [N] float32 (1 = counts) -> per-row NLL (0 where masked) and its sum.
 * Computed as -log_softmax(logits)[target] with a one-hot product, which backpropagates without a gather.
 */
export function maskedNll(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  mask: tf.Tensor1D,
): { perRow: tf.Tensor1D; sum: tf.Scalar } {
  const V = logits.shape[1];
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(targets, 'int32'), V)), 1); // [N]
  const perRow = tf.mul(tf.neg(picked), mask) as tf.Tensor1D;
  return { perRow, sum: tf.sum(perRow) };
}

/** Number of rows that count, read once per batch (the contract reports it as a plain number). */
export function countTokens(mask: tf.Tensor): number {
  return Math.round(tf.tidy(() => tf.sum(mask)).dataSync()[0] as number);
}
