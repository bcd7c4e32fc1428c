/**
 * One GRU step with PyTorch's gate order (r, z, n) and equations (note r multiplies W_hn h + b_hn, not h):
 *   r = σ(x W_ir + b_ir + h W_hr + b_hr)   z = σ(x W_iz + b_iz + h W_hz + b_hz)
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))
 *   h' = (1 - z) ⊙ n + z ⊙ h  =  n + z ⊙ (h - n)
 * `xProj = x W_ih + b_ih` arrives precomputed for all time steps. The gates and the update are one fused kernel
 * (`gruGates`: one pass over [B, 3H] on the cpu/wasm backends' memory, the same ops composed elsewhere).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gruGates } from '../fused/gru-gates.ts';
import { recurrentMatMul } from './recurrent-matmul.ts';

export function gruStep(
  xProj: tf.Tensor2D, // [B, 3H] = x W_ih + b_ih
  hIn: tf.Tensor2D, // [B, H] state fed to the recurrent matmul (dropout mask already applied)
  h: tf.Tensor2D, // [B, H] state carried through z (no mask: Gal's masks sit on the weights' inputs)
  W_hh: tf.Tensor2D, // [H, 3H]
  b_hh: tf.Tensor1D, // [3H]
  W_hhT?: tf.Tensor2D, // [3H, H], W_hh transposed once per sequence for the backward pass (optional)
): tf.Tensor2D {
  const hProj: tf.Tensor2D = tf.add(recurrentMatMul(hIn, W_hh, W_hhT), b_hh); // [B, 3H]
  return gruGates(xProj, hProj, h);
}
