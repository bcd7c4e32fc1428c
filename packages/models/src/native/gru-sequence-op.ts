/**
 * A GRU layer inside a traced graph step as the step-kernels addon's whole-sequence kernels (step-kernels.ts:
 * BpttGruSequence and its gradient): the input projection of every position as one matmul, the recurrence as one
 * kernel that splits the hidden units over the CPU's cores, and backward one kernel for every position's gradients
 * of the two projections, then the weight, bias and input gradients as one matmul or sum each over all positions.
 *
 * The math of the step-by-step GRU (nn/gru-cell.ts, PyTorch's convention, gate blocks r, z, n) with the padding
 * carry of nn/run-sequence.ts; the kernels' matmuls sum in their own order, so results differ in the last bits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { runOrder, runOrderMasks, statesBefore, type InRunOrder, type SequenceShape } from './sequence-op-order.ts';
import { gruSequence, gruSequenceGrad } from './step-kernels.ts';

/** A GRU layer's weights as @bptt/models keeps them: W_ih [I, 3H], W_hh [H, 3H], b_ih and b_hh [3H]. */
export interface GruSequenceWeights {
  readonly W_ih: tf.Tensor2D;
  readonly W_hh: tf.Tensor2D;
  readonly b_ih: tf.Tensor1D;
  readonly b_hh: tf.Tensor1D;
}

export interface GruSequenceOptions {
  /** Run from the last position to the first (the backward half of a bidirectional layer). */
  readonly reverse?: boolean;
  /** [B, 1] per position, 0 where the row is padding (state carried through); undefined = all real. */
  readonly stepMasks?: readonly (tf.Tensor2D | undefined)[];
}

export interface GruSequenceResult {
  /** [B, H] per position, in position order: the (carried) state after that position. */
  readonly outputs: tf.Tensor2D[];
  readonly final: { readonly h: tf.Tensor2D };
}

/** x [T, B, I] time-major, h0 [B, H]. Needs the `tensorflow` backend with the sequence kernels registered. */
export function sequenceKernelGru(x: tf.Tensor3D, h0: tf.Tensor2D, weights: GruSequenceWeights, options: GruSequenceOptions = {}): GruSequenceResult {
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  const reverse = options.reverse === true;
  const inRunOrder = runOrder(reverse);
  const masks = runOrderMasks(T, B, options.stepMasks, inRunOrder);

  const run = tf.customGrad((...args) => {
    const [xIn, h0In, wIh, wHh, bIh, bHh, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const forward = tf.tidy(() => {
      const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(xIn, [T * B, I]), wIh), bIh), [T, B, 3 * H]) as tf.Tensor3D;
      return { ...gruSequence(inRunOrder(xp), wHh, bHh, h0In, masks) };
    });
    save([xIn, wIh, wHh, h0In, forward.h, forward.saved, masks]);
    return {
      // customGrad returns one tensor: rows 0..T-1 the outputs in position order, then the final h.
      value: tf.tidy(() => tf.concat([inRunOrder(forward.h), tf.slice(forward.h, [T - 1, 0, 0], [1, B, H])], 0)),
      gradFunc: (dy, saved) => tf.tidy(() => backward(dy as tf.Tensor3D, saved as tf.Tensor[], { T, B, I, H }, inRunOrder)),
    };
  });
  const rows = tf.unstack(run(x, h0, weights.W_ih, weights.W_hh, weights.b_ih, weights.b_hh)) as tf.Tensor2D[];
  masks.dispose();
  return { outputs: rows.slice(0, T), final: { h: rows[T] as tf.Tensor2D } };
}

function backward(
  dy: tf.Tensor3D,
  saved: tf.Tensor[],
  shape: SequenceShape,
  inRunOrder: InRunOrder,
): tf.Tensor[] {
  const { T, B, I, H } = shape;
  const [x, wIh, wHh, h0, h, kept, masks] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const dOutputs = inRunOrder(tf.slice(dy, [0, 0, 0], [T, B, H]));
  const dFinal = tf.reshape(tf.slice(dy, [T, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
  const { dxp, dhp, dh0 } = gruSequenceGrad({ h, saved: kept }, h0, wHh, dOutputs, dFinal, masks);
  const hPrev = statesBefore(h0, h, shape);
  const xRows = tf.reshape(inRunOrder(x), [T * B, I]);
  const dxpRows = tf.reshape(dxp, [T * B, 3 * H]);
  const dhpRows = tf.reshape(dhp, [T * B, 3 * H]);
  return [
    inRunOrder(tf.reshape(tf.matMul(dxpRows, wIh, false, true), [T, B, I])),
    dh0,
    tf.matMul(xRows, dxpRows, true, false),
    tf.matMul(hPrev, dhpRows, true, false),
    tf.sum(dxpRows, 0),
    tf.sum(dhpRows, 0),
  ];
}
