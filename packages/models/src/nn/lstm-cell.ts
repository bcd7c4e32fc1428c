/**
 * One LSTM step with PyTorch's gate order (i, f, g, o) and equations:
 *   i = σ(x W_ii + b_i + h W_hi)   f = σ(x W_if + b_f + h W_hf)
 *   g = tanh(x W_ig + b_g + h W_hg) o = σ(x W_io + b_o + h W_ho)
 *   c' = f ⊙ c + i ⊙ g             h' = o ⊙ tanh(c')
 * The input half `x W_ih + b` arrives precomputed (`xProj`, one matmul for all time steps before the loop),
 * so a step costs one matmul. PyTorch's two biases b_ih + b_hh are folded into one `b`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { recurrentMatMul } from './recurrent-matmul.ts';

export function lstmStep(
  xProj: tf.Tensor2D, // [B, 4H] = x W_ih + b
  h: tf.Tensor2D, // [B, H] state fed to the recurrence (dropout mask already applied)
  c: tf.Tensor2D, // [B, H]
  W_hh: tf.Tensor2D, // [H, 4H]
  W_hhT?: tf.Tensor2D, // [4H, H], W_hh transposed once per sequence for the backward pass (optional)
): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const gates = tf.add(xProj, recurrentMatMul(h, W_hh, W_hhT)); // [B, 4H]
  const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext: tf.Tensor2D = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
  const hNext: tf.Tensor2D = tf.mul(tf.sigmoid(o), tf.tanh(cNext));
  return { h: hNext, c: cNext };
}
