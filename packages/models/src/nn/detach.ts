/**
 * `detach(x)`: the same values, with no gradient path back to x (PyTorch's `tensor.detach()`, the heart of
 * `repackage_hidden`). tfjs-core has no stop-gradient op, so this is built from `customGrad`: the copy is made
 * inside the custom kernel, where the engine records nothing, and the only recorded input is a throwaway scalar
 * that no variable reaches. Backpropagation therefore never visits the ops that computed x (no wasted
 * zero-gradient work through the truncated steps), and the gradient reaching x from here is exactly zero.
 */
import * as tf from '@tensorflow/tfjs-core';

export function detach<T extends tf.Tensor>(x: T): T {
  const anchor = tf.scalar(0);
  const cut = tf.customGrad<T>(() => ({
    value: tf.clone(x),
    gradFunc: () => tf.zerosLike(anchor),
  }));
  const out = cut(anchor) as T;
  anchor.dispose();
  return out;
}
