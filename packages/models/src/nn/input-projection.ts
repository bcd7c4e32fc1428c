/**
 * A layer's input projection for every time step at once: xProj [T, B, G·H] = x W_ih + b, one matmul.
 *
 * When x is an embedding lookup (nothing applied to it since), the same numbers come from projecting the table
 * instead: (table W_ih + b)[ids], each row of the result being the product of one table row with W_ih, exactly as
 * in x W_ih. With a vocabulary smaller than the T·B tokens that is a matmul over V rows instead of T·B, and its
 * gradients shrink the same way (dW_ih = tableᵀ dP, d table = dP W_ihᵀ, with dP the per-word sum of dxProj):
 * at B = 64, T = 20, V = 32, E = 64, 4H = 512, three [1280]-row matmuls (~11 ms a layer on wasm) become three
 * [32]-row ones and a gather. Only on wasm, where that time is the larger part of what is left of a step; on
 * native TensorFlow BlockLSTMV2 projects inside its kernel, and cpu is the reference the other backends are
 * tested against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding } from './embedding.ts';
import type { RecurrentCell } from './recurrent-cell.ts';

/** Backends where a lookup is projected through its table when that is smaller. */
const FOLDING_BACKENDS: readonly string[] = ['wasm'];

export function projectSequence(cell: RecurrentCell, x: tf.Tensor3D): tf.Tensor3D {
  const [T, B, inDim] = x.shape;
  const lookup = Embedding.lookupOf(x);
  if (lookup !== undefined && lookup.table.shape[0] < T * B && FOLDING_BACKENDS.includes(tf.getBackend())) {
    return tf.gather(cell.projectInput(lookup.table), lookup.ids) as tf.Tensor as tf.Tensor3D;
  }
  return tf.reshape(cell.projectInput(tf.reshape(x, [T * B, inDim])), [T, B, -1]) as tf.Tensor3D;
}
