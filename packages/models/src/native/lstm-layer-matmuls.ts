/**
 * The two matmul stages of an LSTM layer that do not depend on the recurrence, shared by graphLstmSequence's step by
 * step version (lstm-graph-sequence.ts) and its whole-sequence kernels (lstm-sequence-op.ts). Weights in
 * TensorFlow's layout (lstm-block.ts: prepareNativeLstmCell): w [I + H, 4H] stacks the input weights W over the
 * recurrent ones, gates (i, ci, f, o).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Every position's input projection plus bias, x W + b, as one matmul: x [T, B, I] -> [T, B, 4H]. */
export function projectInputs(x: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  const [T, B, I] = x.shape;
  const gates = w.shape[1];
  return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, I]), tf.slice(w, [0, 0], [I, gates])), b), [T, B, gates]);
}

export interface LayerGradients {
  /** [I + H, 4H]: [x, h_prev]ᵀ dz. */
  readonly dw: tf.Tensor2D;
  /** [4H]: Σ dz. */
  readonly db: tf.Tensor1D;
  /** [rows, I]: dz Wᵀ. */
  readonly dx: tf.Tensor2D;
}

/**
 * The weight, bias and input gradients from rows of positions: x [rows, I], the state before each hPrev [rows, H],
 * and their gate gradients dz [rows, 4H].
 */
export function layerGradients(x: tf.Tensor2D, hPrev: tf.Tensor2D, dz: tf.Tensor2D, w: tf.Tensor2D): LayerGradients {
  const I = x.shape[1];
  return {
    dw: tf.matMul(tf.concat([x, hPrev], 1), dz, true, false),
    db: tf.sum(dz, 0),
    dx: tf.matMul(dz, tf.slice(w, [0, 0], [I, w.shape[1]]), false, true),
  };
}
