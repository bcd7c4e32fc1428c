/**
 * TensorFlow's fused GRUBlockCell as a differentiable tfjs op on the `tensorflow` backend.
 *
 * GRUBlockCell is the *reset-before* GRU (Cho et al. 2014; Keras `reset_after=False`): the reset gate scales h
 * before its matmul,
 *
 *   r, z = σ([x, h] W_ru + b_ru)           (TF calls z "u")
 *   n    = tanh([x, r ⊙ h] W_c + b_c)
 *   h'   = (1 - z) ⊙ n + z ⊙ h
 *
 * PyTorch's nn.GRU (and @bptt/models' `gru` cell) is *reset-after*: n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn)).
 * The two are different functions of the same weights, so this kernel cannot stand in for nn.GRU; for that use
 * the fused `gruGates` kernel (packages/models/src/fused/), which runs on every backend. Weight layout here:
 * kernel [I, 3H], recurrentKernel [H, 3H], bias [3H], gate blocks (r, z, n), mapped to TF as
 * w_ru = [kernel_rz; recurrent_rz] [I + H, 2H], w_c = [kernel_n; recurrent_n] [I + H, H], b_ru = bias_rz, b_c = bias_n.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { registerGradientOnce, registerKernelOnce } from '../fused/register.ts';
import { NATIVE_BACKEND_NAME } from './load.ts';
import { attr, nativeKernelBackend, requireNativeBackend } from './execute.ts';

/** Reset-before GRU weights: gate blocks (r, z, n) along the last axis. */
export interface GruWeights {
  /** [I, 3H] */
  readonly kernel: tf.Tensor2D;
  /** [H, 3H] */
  readonly recurrentKernel: tf.Tensor2D;
  /** [3H] */
  readonly bias: tf.Tensor1D;
}

export const NATIVE_GRU_CELL = 'BpttNativeGruBlockCell';
export const NATIVE_GRU_CELL_GRAD = 'BpttNativeGruBlockCellGrad';

type CellInputs = Record<'x' | 'hPrev' | 'wRu' | 'wC' | 'bRu' | 'bC', TensorInfo>;

registerKernelOnce({
  kernelName: NATIVE_GRU_CELL,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_GRU_CELL);
    const { x, hPrev, wRu, wC, bRu, bC } = inputs as CellInputs;
    // Outputs: r, u, c, h.
    return backend.executeMultipleOutputs('GRUBlockCell', [attr.float32Type(backend)], [x, hPrev, wRu, wC, bRu, bC], 4);
  },
});

registerKernelOnce({
  kernelName: NATIVE_GRU_CELL_GRAD,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_GRU_CELL_GRAD);
    const { x, hPrev, wRu, wC, bRu, bC, r, u, c, dh } = inputs as CellInputs & Record<'r' | 'u' | 'c' | 'dh', TensorInfo>;
    // Outputs: d_x, d_h_prev, d_c_bar, d_r_bar_u_bar (the last two are pre-activation gate gradients).
    return backend.executeMultipleOutputs('GRUBlockCellGrad', [attr.float32Type(backend)], [x, hPrev, wRu, wC, bRu, bC, r, u, c, dh], 4);
  },
});

registerGradientOnce({
  kernelName: NATIVE_GRU_CELL,
  inputsToSave: ['x', 'hPrev', 'wRu', 'wC', 'bRu', 'bC'],
  outputsToSave: [true, true, true, false],
  gradFunc: (dys, saved) => {
    const dh = (dys as tf.Tensor[])[3] as tf.Tensor;
    const [x, hPrev, wRu, wC, bRu, bC, r, u, c] = saved as tf.Tensor2D[];
    const [dx, dhPrev, dcBar, dRuBar] = tf
      .engine()
      .runKernel(NATIVE_GRU_CELL_GRAD, { x, hPrev, wRu, wC, bRu, bC, r, u, c, dh } as tf.NamedTensorMap) as tf.Tensor2D[];
    // As in TF's own _GRUBlockCellGrad: the weight gradients are the matmuls' part, left to the caller.
    return {
      x: () => dx as tf.Tensor2D,
      hPrev: () => dhPrev as tf.Tensor2D,
      wRu: () => tf.matMul(tf.concat([x as tf.Tensor2D, hPrev as tf.Tensor2D], 1), dRuBar as tf.Tensor2D, true, false),
      wC: () => tf.matMul(tf.concat([x as tf.Tensor2D, tf.mul(hPrev as tf.Tensor2D, r as tf.Tensor2D)], 1), dcBar as tf.Tensor2D, true, false),
      bRu: () => tf.sum(dRuBar as tf.Tensor2D, 0),
      bC: () => tf.sum(dcBar as tf.Tensor2D, 0),
    };
  },
});

/** GRU weights split the way GRUBlockCell takes them; build once per forward pass. */
export interface NativeGruCellWeights {
  readonly wRu: tf.Tensor2D;
  readonly wC: tf.Tensor2D;
  readonly bRu: tf.Tensor1D;
  readonly bC: tf.Tensor1D;
}

/** Splits and stacks the (r, z, n) weights for `nativeGruBlockCell`. Differentiable. */
export function prepareNativeGruCell(weights: GruWeights): NativeGruCellWeights {
  const [I, G] = weights.kernel.shape;
  const [H, G2] = weights.recurrentKernel.shape;
  if (G !== 3 * H || G2 !== 3 * H || weights.bias.shape[0] !== 3 * H) {
    throw new Error(
      `prepareNativeGruCell: expected kernel [I, 3H], recurrentKernel [H, 3H], bias [3H]; got kernel [${I}, ${G}], ` +
        `recurrentKernel [${H}, ${G2}], bias [${weights.bias.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const w = tf.concat([weights.kernel, weights.recurrentKernel], 0);
    return {
      wRu: tf.slice(w, [0, 0], [-1, 2 * H]),
      wC: tf.slice(w, [0, 2 * H], [-1, H]),
      bRu: tf.slice(weights.bias, [0], [2 * H]),
      bC: tf.slice(weights.bias, [2 * H], [H]),
    };
  });
}

/**
 * One reset-before GRU step on TensorFlow's GRUBlockCell: x [B, I], h [B, H]. Returns the new h.
 * Needs the `tensorflow` backend. Not nn.GRU's math; see the note at the top of this file.
 */
export function nativeGruBlockCell(x: tf.Tensor2D, h: tf.Tensor2D, weights: NativeGruCellWeights): tf.Tensor2D {
  requireNativeBackend('nativeGruBlockCell', 'it is the reset-before GRU; for nn.GRU use gruGates (packages/models/src/fused)');
  const outs = tf.engine().runKernel(NATIVE_GRU_CELL, { x, hPrev: h, ...weights } as tf.NamedTensorMap) as tf.Tensor2D[];
  outs.slice(0, 3).forEach((t) => t.dispose());
  return outs[3] as tf.Tensor2D;
}
