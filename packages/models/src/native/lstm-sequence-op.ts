/**
 * graphLstmSequence's layer as the step-kernels addon's whole-sequence kernels (step-kernels.ts: BpttLstmSequence and
 * its gradient): the input projection of every position as one matmul, the recurrence as one kernel that splits the
 * hidden units over the CPU's cores, and backward one kernel for every position's gate gradient, then the weight
 * and input gradients as one matmul each over all positions.
 *
 * Same contract and padding semantics as the step-by-step version in lstm-graph-sequence.ts (the reference the tests
 * compare it with); the matmuls inside the kernels sum in their own order, so results differ in the last bits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphLstmOptions, GraphLstmResult } from './lstm-graph-sequence.ts';
import { prepareNativeLstmCell, type LstmWeights } from './lstm-block.ts';
import { layerGradients, projectInputs } from './lstm-layer-matmuls.ts';
import { runOrder, runOrderMasks, statesBefore, type InRunOrder, type SequenceShape } from './sequence-op-order.ts';
import { lstmSequence, lstmSequenceGrad } from './step-kernels.ts';

export function sequenceKernelLstm(x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, weights: LstmWeights, options: GraphLstmOptions): GraphLstmResult {
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  const reverse = options.reverse === true;
  const inRunOrder = runOrder(reverse);
  const masks = runOrderMasks(T, B, options.stepMasks, inRunOrder);
  const { w, b } = prepareNativeLstmCell(weights);

  const run = tf.customGrad((...args) => {
    const [xIn, h0In, c0In, wIn, bIn, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const forward = tf.tidy(() => ({ ...lstmSequence(inRunOrder(projectInputs(xIn, wIn, bIn)), tf.slice(wIn, [I, 0], [H, 4 * H]), h0In, c0In, masks) }));
    save([xIn, wIn, h0In, c0In, forward.h, forward.c, forward.gates, masks]);
    const last = (s: tf.Tensor3D) => tf.slice(s, [T - 1, 0, 0], [1, B, H]);
    return {
      // customGrad returns one tensor: rows 0..T-1 the outputs in position order, then the final h and c.
      value: tf.tidy(() => tf.concat([inRunOrder(forward.h), last(forward.h), last(forward.c)], 0)),
      gradFunc: (dy, saved) => tf.tidy(() => backward(dy as tf.Tensor3D, saved as tf.Tensor[], { T, B, I, H }, inRunOrder)),
    };
  });
  const rows = tf.unstack(run(x, h0, c0, w, b)) as tf.Tensor2D[];
  masks.dispose();
  return { outputs: rows.slice(0, T), final: { h: rows[T] as tf.Tensor2D, c: rows[T + 1] as tf.Tensor2D } };
}

function backward(
  dy: tf.Tensor3D,
  saved: tf.Tensor[],
  shape: SequenceShape,
  inRunOrder: InRunOrder,
): tf.Tensor[] {
  const { T, B, I, H } = shape;
  const [x, w, h0, c0, h, c, gates, masks] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const finalGrad = (row: number) => tf.reshape(tf.slice(dy, [row, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
  const dOutputs = inRunOrder(tf.slice(dy, [0, 0, 0], [T, B, H]));
  const { dz, dh0, dc0 } = lstmSequenceGrad({ h, c, gates }, c0, tf.slice(w, [I, 0], [H, 4 * H]), dOutputs, finalGrad(T), finalGrad(T + 1), masks);
  const all = layerGradients(tf.reshape(inRunOrder(x), [T * B, I]), statesBefore(h0, h, shape), tf.reshape(dz, [T * B, 4 * H]), w);
  return [inRunOrder(tf.reshape(all.dx, [T, B, I])), dh0, dc0, all.dw, all.db];
}
