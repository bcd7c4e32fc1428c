/**
 * One LSTM step with PyTorch's gate order (i, f, g, o) and equations:
 *   i = σ(x W_ii + b_i + h W_hi)   f = σ(x W_if + b_f + h W_hf)
 *   g = tanh(x W_ig + b_g + h W_hg) o = σ(x W_io + b_o + h W_ho)
 *   c' = f ⊙ c + i ⊙ g             h' = o ⊙ tanh(c')
 * The input half `x W_ih + b` arrives precomputed (`xProj`, one matmul for all time steps before the loop),
 * so a step costs one matmul. PyTorch's two biases b_ih + b_hh are folded into one `b`.
 * The gate nonlinearities and the cell update are one fused kernel (`lstmGates`: one pass over [B, 4H] on the
 * cpu/wasm backends' memory, with its own gradient; the same ops composed on other backends), which cuts the
 * per-step op count that dominates small recurrent models on tfjs.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { lstmGates } from '../fused/lstm-gates.ts';
import { recurrentMatMul } from './recurrent-matmul.ts';

export function lstmStep(
  xProj: tf.Tensor2D, // [B, 4H] = x W_ih + b
  h: tf.Tensor2D, // [B, H] state fed to the recurrence (dropout mask already applied)
  c: tf.Tensor2D, // [B, H]
  W_hh: tf.Tensor2D, // [H, 4H]
  W_hhT?: tf.Tensor2D, // [4H, H], W_hh transposed once per sequence for the backward pass (optional)
): { h: tf.Tensor2D; c: tf.Tensor2D } {
  return lstmGates(xProj, recurrentMatMul(h, W_hh, W_hhT), c);
}
