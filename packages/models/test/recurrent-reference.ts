/**
 * Unrolled reference cells in plain tfjs ops, with PyTorch's equations, for testing the fused kernels; and the
 * small helpers those tests share. Deliberately naive: one op per term, nothing hoisted, nothing fused.
 */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';

export const TOLERANCE = 1e-5;

/** Uniform in [-scale, scale), from the seeded project RNG so every run and backend sees the same numbers. */
export function randomTensor(seed: string, shape: number[], scale = 0.5): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (2 * rng.next() - 1) * scale), shape);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs((x[k] as number) - (y[k] as number)));
  return worst;
}

/** nn.LSTMCell: gate blocks (i, f, g, o), weights [in, 4H], one folded bias b = b_ih + b_hh. */
export function referenceLstmStep(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, W_ih: tf.Tensor2D, W_hh: tf.Tensor2D, b: tf.Tensor1D) {
  const z = tf.add(tf.add(tf.matMul(x, W_ih), b), tf.matMul(h, W_hh));
  const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
  return { h: tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tf.Tensor2D, c: cNext as tf.Tensor2D };
}

/** nn.GRUCell (reset-after): gate blocks (r, z, n); r scales (h W_hn + b_hn). */
export function referenceGruStep(x: tf.Tensor2D, h: tf.Tensor2D, W_ih: tf.Tensor2D, W_hh: tf.Tensor2D, b_ih: tf.Tensor1D, b_hh: tf.Tensor1D): tf.Tensor2D {
  const [xr, xz, xn] = tf.split(tf.add(tf.matMul(x, W_ih), b_ih), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, W_hh), b_hh), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const r = tf.sigmoid(tf.add(xr, hr));
  const z = tf.sigmoid(tf.add(xz, hz));
  const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
  return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
}

/**
 * Reset-before GRU (Cho et al. 2014, Keras reset_after=False), PyTorch's gate names and order (r, z, n):
 * n = tanh(x W_in + (r ⊙ h) W_hn + b_n). One bias [3H].
 */
export function referenceResetBeforeGruStep(x: tf.Tensor2D, h: tf.Tensor2D, W_ih: tf.Tensor2D, W_hh: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const H = h.shape[1];
  const [W_hrz, W_hn] = tf.split(W_hh, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [xr, xz, xn] = tf.split(tf.add(tf.matMul(x, W_ih), b), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [hr, hz] = tf.split(tf.matMul(h, W_hrz), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const r = tf.sigmoid(tf.add(xr, hr));
  const z = tf.sigmoid(tf.add(xz, hz));
  const n = tf.tanh(tf.add(xn, tf.matMul(tf.mul(r, h), W_hn)));
  return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
}

/**
 * Checks a fused computation against its reference: equal loss, equal gradients for every argument (to
 * TOLERANCE), and no vacuous pass (the loss and each gradient are clearly non-zero).
 */
export function expectSameValueAndGrads(
  fused: (...args: tf.Tensor[]) => tf.Scalar,
  reference: (...args: tf.Tensor[]) => tf.Scalar,
  args: tf.Tensor[],
  names: readonly string[],
): void {
  const got = tf.valueAndGrads(fused)(args);
  const want = tf.valueAndGrads(reference)(args);
  const value = want.value.dataSync()[0] as number;
  expect(Math.abs(value)).toBeGreaterThan(1e-2);
  expect(Math.abs((got.value.dataSync()[0] as number) - value)).toBeLessThan(TOLERANCE);
  got.grads.forEach((grad, k) => {
    const name = names[k] ?? `argument ${k}`;
    expect(maxAbsDiff(grad, want.grads[k] as tf.Tensor), `gradient of ${name}`).toBeLessThan(TOLERANCE);
    expect(tf.max(tf.abs(grad)).dataSync()[0] as number, `gradient of ${name} is non-zero`).toBeGreaterThan(1e-4);
  });
}
