/**
 * What the tfjs wrappers of the whole-sequence kernels (lstm-sequence-op.ts, gru-sequence-op.ts) share: the kernels
 * run positions 0..T-1, so a reversed layer (the backward half of a bidirectional one) hands them its inputs, masks
 * and output gradients flipped in time, and flips what comes back.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Puts a time-major tensor into the order the kernel runs its positions (and back: the flip is its own inverse). */
export type InRunOrder = <R extends tf.Rank>(t: tf.Tensor<R>) => tf.Tensor<R>;

export interface SequenceShape {
  readonly T: number;
  readonly B: number;
  /** Input width. */
  readonly I: number;
  readonly H: number;
}

export function runOrder(reverse: boolean): InRunOrder {
  return <R extends tf.Rank>(t: tf.Tensor<R>): tf.Tensor<R> => (reverse ? tf.reverse(t, 0) : t);
}

/** [T, B, 1] in run order: each position's [B, 1] padding mask (0: state carried through), ones where none is given. */
export function runOrderMasks(T: number, B: number, stepMasks: readonly (tf.Tensor2D | undefined)[] | undefined, inRunOrder: InRunOrder): tf.Tensor3D {
  return tf.tidy(() => inRunOrder(tf.stack(Array.from({ length: T }, (_, t) => stepMasks?.[t] ?? tf.ones([B, 1]))) as tf.Tensor3D));
}

/**
 * [T * B, H]: the state before each position, in run order (h0, then the first T - 1 states of h [T, B, H]), the
 * rows a recurrent weight gradient multiplies. (reshape, not expandDims: tfjs-node's ExpandDims lacks an attribute a
 * traced graph needs.)
 */
export function statesBefore(h0: tf.Tensor2D, h: tf.Tensor3D, { T, B, H }: SequenceShape): tf.Tensor2D {
  const first = tf.reshape(h0, [1, B, H]);
  return tf.reshape(T === 1 ? first : tf.concat([first, tf.slice(h, [0, 0, 0], [T - 1, B, H])], 0), [T * B, H]) as tf.Tensor2D;
}
