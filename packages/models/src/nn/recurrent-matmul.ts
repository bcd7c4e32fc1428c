/**
 * h W_hh with a hand-written gradient that reuses Wᵀ computed once per sequence:
 *   dh = dy Wᵀ   (a plain matmul: no per-step transpose of W)
 *   dW = hᵀ dy   (hᵀ is [H, B], small)
 * matMul's built-in gradient computes dy Wᵀ with transposeB on every step of the backward pass; on wasm that is
 * either the slow strided kernel or a transpose of W per step. Same values, fewer and cheaper kernels.
 */
import * as tf from '@tensorflow/tfjs-core';

export function recurrentMatMul(h: tf.Tensor2D, W: tf.Tensor2D, WT: tf.Tensor2D | undefined): tf.Tensor2D {
  if (WT === undefined) return tf.matMul(h, W);
  const op = tf.customGrad<tf.Tensor2D>((...args) => {
    const [hIn, WIn, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([hIn, WT]);
    return {
      value: tf.matMul(hIn, WIn),
      gradFunc: (dy, saved) => {
        const [hSaved, WTSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy, WTSaved), tf.matMul(tf.transpose(hSaved), dy)];
      },
    };
  });
  return op(h, W);
}
