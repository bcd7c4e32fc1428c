/**
 * TensorFlow's fused LSTM kernels as differentiable tfjs ops on the `tensorflow` backend.
 *
 * Weights come in the PyTorch convention used across @bptt/models (gate blocks i, f, g, o along the columns;
 * kernel [I, 4H], recurrentKernel [H, 4H], one bias [4H] = b_ih + b_hh). How that maps onto TF's kernels:
 *
 * | TF kernel        | w                     | gate layout of w and b            | forget bias      | cell clip      |
 * |------------------|-----------------------|-----------------------------------|------------------|----------------|
 * | LSTMBlockCell    | [I + H, 4H] = [W; U]  | i, ci, f, o ("icfo": g is 2nd)    | attr, we pass 0  | attr, we pass 0 |
 * | BlockLSTMV2      | [I + H, 4H] = [W; U]  | i, f, ci, o ("ifco" = PyTorch's)  | none             | attr, we pass 0 |
 *
 * TF's `ci` is PyTorch's `g` (cell input) and `co` is tanh(c). A cell clip <= 0 disables clipping. Both kernels
 * add no bias of their own beyond `b` once forget_bias is 0, so the math is exactly nn.LSTM's.
 *
 * The reordering for LSTMBlockCell is done with tfjs ops (slice + concat) in `prepareNativeLstmCell`, once per
 * forward pass, so gradients flow back to the PyTorch-layout weights through it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { registerGradientOnce, registerKernelOnce } from '../fused/register.ts';
import { NATIVE_BACKEND_NAME } from './load.ts';
import { registerGraphConstant } from './graph/trace.ts';
import { attr, int64Scalar, nativeKernelBackend, requireNativeBackend, type NativeKernelBackend } from './execute.ts';

/** LSTM weights in @bptt/models' (PyTorch) layout: gate blocks (i, f, g, o) along the last axis. */
export interface LstmWeights {
  /** [I, 4H] */
  readonly kernel: tf.Tensor2D;
  /** [H, 4H] */
  readonly recurrentKernel: tf.Tensor2D;
  /** [4H], b_ih + b_hh */
  readonly bias: tf.Tensor1D;
}

export const NATIVE_LSTM_CELL = 'BpttNativeLstmBlockCell';
export const NATIVE_LSTM_CELL_GRAD = 'BpttNativeLstmBlockCellGrad';
export const NATIVE_LSTM_SEQUENCE = 'BpttNativeBlockLstmV2';
export const NATIVE_LSTM_SEQUENCE_GRAD = 'BpttNativeBlockLstmGradV2';

const keptZerosCache = new Map<string, tf.Tensor>();

/**
 * A zero tensor of this shape, made once and kept: TF's LSTM kernels take inputs that only have to exist (unused
 * peephole weights) or only have to have a shape (see the gate gradient below), and creating them per call costs
 * more than a small kernel itself. Never written to, so one tensor can stand in for several inputs.
 */
function keptZeros(shape: number[]): tf.Tensor {
  const key = shape.join('x');
  const cached = keptZerosCache.get(key);
  if (cached !== undefined && !cached.isDisposed) return cached;
  const made = tf.keep(tf.zeros(shape));
  keptZerosCache.set(key, made);
  registerGraphConstant(made);
  return made;
}

/** Zero peephole weights (wci, wcf, wco): inputs of TF's LSTM kernels even with use_peephole = false. */
function peepholeZeros(H: number): tf.Tensor[] {
  const zeros = keptZeros([H]);
  return [zeros, zeros, zeros];
}

/** Calls `run` with the peephole zeros and, for the sequence kernels, the int64 seq_len_max (disposed after). */
function withScratch(backend: NativeKernelBackend, H: number, seqLen: number | undefined, run: (peepholes: tf.Tensor[], seqLenMax: tf.Tensor[]) => tf.Tensor[]): tf.Tensor[] {
  const seqLenMax = seqLen === undefined ? [] : [int64Scalar(backend, seqLen)];
  try {
    return run(peepholeZeros(H), seqLenMax);
  } finally {
    for (const t of seqLenMax) t.dispose();
  }
}

function cellAttrs(backend: NativeKernelBackend) {
  return [
    attr.float(backend, 'forget_bias', 0),
    attr.float(backend, 'cell_clip', 0),
    attr.bool(backend, 'use_peephole', false),
    attr.float32Type(backend),
  ];
}

function hiddenSize(info: TensorInfo, op: string): number {
  const H = info.shape[info.shape.length - 1];
  if (H === undefined) throw new Error(`${op}: the cell state must have rank >= 1, got a scalar`);
  return H;
}

type CellInputs = Record<'x' | 'cPrev' | 'hPrev' | 'w' | 'b', TensorInfo>;
type CellOutputs = Record<'i' | 'cs' | 'f' | 'o' | 'ci' | 'co', TensorInfo>;

registerKernelOnce({
  kernelName: NATIVE_LSTM_CELL,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_LSTM_CELL);
    const { x, cPrev, hPrev, w, b } = inputs as CellInputs;
    // Outputs: i, cs, f, o, ci, co, h.
    return withScratch(backend, hiddenSize(cPrev, NATIVE_LSTM_CELL), undefined, ([wci, wcf, wco]) =>
      backend.executeMultipleOutputs('LSTMBlockCell', cellAttrs(backend), [x, cPrev, hPrev, w, wci!, wcf!, wco!, b], 7),
    );
  },
});

registerKernelOnce({
  kernelName: NATIVE_LSTM_CELL_GRAD,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_LSTM_CELL_GRAD);
    const { x, cPrev, hPrev, w, b, i, cs, f, o, ci, co, csGrad, hGrad } = inputs as CellInputs & CellOutputs & Record<'csGrad' | 'hGrad', TensorInfo>;
    return withScratch(backend, hiddenSize(cPrev, NATIVE_LSTM_CELL_GRAD), undefined, ([wci, wcf, wco]) => {
      // Outputs: cs_prev_grad, dicfo (gate pre-activation gradients, [B, 4H] in w's layout), 3 peephole grads.
      const outs = backend.executeMultipleOutputs(
        'LSTMBlockCellGrad',
        [attr.bool(backend, 'use_peephole', false), attr.float32Type(backend)],
        [x, cPrev, hPrev, w, wci!, wcf!, wco!, b, i, cs, f, o, ci, co, csGrad, hGrad],
        5,
      );
      for (const unused of outs.slice(2)) unused.dispose();
      return outs.slice(0, 2);
    });
  },
});

registerGradientOnce({
  kernelName: NATIVE_LSTM_CELL,
  inputsToSave: ['x', 'cPrev', 'hPrev', 'w', 'b'],
  outputsToSave: [true, true, true, true, true, true, false],
  gradFunc: (dys, saved) => {
    const [, csGrad, , , , , hGrad] = dys as tf.Tensor[];
    const [x, cPrev, hPrev, w, b, i, cs, f, o, ci, co] = saved as tf.Tensor2D[];
    const [cPrevGrad, dicfo] = tf
      .engine()
      .runKernel(NATIVE_LSTM_CELL_GRAD, { x, cPrev, hPrev, w, b, i, cs, f, o, ci, co, csGrad, hGrad } as tf.NamedTensorMap) as tf.Tensor2D[];
    // LSTMBlockCellGrad stops at the gates; the matmul's part is ours: d[x, h] = dicfo wᵀ, dw = [x, h]ᵀ dicfo.
    const I = (x as tf.Tensor2D).shape[1];
    const dxh = tf.matMul(dicfo as tf.Tensor2D, w as tf.Tensor2D, false, true);
    return {
      x: () => tf.slice(dxh, [0, 0], [-1, I]),
      hPrev: () => tf.slice(dxh, [0, I], [-1, -1]),
      cPrev: () => cPrevGrad as tf.Tensor2D,
      w: () => tf.matMul(tf.concat([x as tf.Tensor2D, hPrev as tf.Tensor2D], 1), dicfo as tf.Tensor2D, true, false),
      b: () => tf.sum(dicfo as tf.Tensor2D, 0),
    };
  },
});

/** LSTM weights reordered for LSTMBlockCell (see the table above); build once per forward pass. */
export interface NativeLstmCellWeights {
  /** [I + H, 4H], gate blocks (i, g, f, o). */
  readonly w: tf.Tensor2D;
  /** [4H], gate blocks (i, g, f, o). */
  readonly b: tf.Tensor1D;
}

/** Moves PyTorch's (i, f, g, o) gate blocks into TF's (i, ci, f, o) order along the last axis. */
function ifgoToIcfo<T extends tf.Tensor1D | tf.Tensor2D>(t: T): T {
  const axis = t.rank - 1;
  const [i, f, g, o] = tf.split(t, 4, axis);
  return tf.concat([i!, g!, f!, o!], axis) as T;
}

/** Stacks and reorders the weights for `nativeLstmCell`. Differentiable: gradients reach the given weights. */
export function prepareNativeLstmCell(weights: LstmWeights): NativeLstmCellWeights {
  checkWeights(weights, 'prepareNativeLstmCell');
  return tf.tidy(() => ({
    w: ifgoToIcfo(tf.concat([weights.kernel, weights.recurrentKernel], 0)),
    b: ifgoToIcfo(weights.bias),
  }));
}

/**
 * One LSTM step on TensorFlow's LSTMBlockCell: x [B, I], h and c [B, H], weights from `prepareNativeLstmCell`.
 * Returns the new h and c. Needs the `tensorflow` backend.
 */
export function nativeLstmCell(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, weights: NativeLstmCellWeights): { h: tf.Tensor2D; c: tf.Tensor2D } {
  requireNativeBackend('nativeLstmCell', 'on other backends use lstmGates (packages/models/src/fused)');
  const outs = tf.engine().runKernel(NATIVE_LSTM_CELL, { x, cPrev: c, hPrev: h, w: weights.w, b: weights.b } as tf.NamedTensorMap) as tf.Tensor2D[];
  // Keep h (6) and cs (1); the gate outputs exist for the gradient, which holds its own references.
  outs.forEach((t, k) => {
    if (k !== 1 && k !== 6) t.dispose();
  });
  return { h: outs[6] as tf.Tensor2D, c: outs[1] as tf.Tensor2D };
}

type SequenceOutputs = Record<'i' | 'cs' | 'f' | 'o' | 'ci' | 'co' | 'h', TensorInfo>;

function sequenceLength(x: TensorInfo, op: string): number {
  if (x.shape.length !== 3) throw new Error(`${op}: x must be time-major [T, B, I], got shape [${x.shape.join(', ')}]`);
  return x.shape[0] as number;
}

registerKernelOnce({
  kernelName: NATIVE_LSTM_SEQUENCE,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_LSTM_SEQUENCE);
    const { x, cPrev, hPrev, w, b } = inputs as CellInputs;
    const T = sequenceLength(x, NATIVE_LSTM_SEQUENCE);
    return withScratch(backend, hiddenSize(cPrev, NATIVE_LSTM_SEQUENCE), T, ([wci, wcf, wco], [seqLenMax]) =>
      backend.executeMultipleOutputs(
        'BlockLSTMV2',
        [attr.float(backend, 'cell_clip', 0), attr.bool(backend, 'use_peephole', false), attr.float32Type(backend)],
        [seqLenMax!, x, cPrev, hPrev, w, wci!, wcf!, wco!, b],
        7,
      ),
    );
  },
});

registerKernelOnce({
  kernelName: NATIVE_LSTM_SEQUENCE_GRAD,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const backend = nativeKernelBackend(NATIVE_LSTM_SEQUENCE_GRAD);
    const { x, cPrev, hPrev, w, b, i, cs, f, o, ci, co, h, csGrad, hGrad } = inputs as CellInputs & SequenceOutputs & Record<'csGrad' | 'hGrad', TensorInfo>;
    const T = sequenceLength(x, NATIVE_LSTM_SEQUENCE_GRAD);
    return withScratch(backend, hiddenSize(cPrev, NATIVE_LSTM_SEQUENCE_GRAD), T, ([wci, wcf, wco], [seqLenMax]) => {
      // Outputs: x_grad, cs_prev_grad, h_prev_grad, w_grad, wci_grad, wcf_grad, wco_grad, b_grad.
      const outs = backend.executeMultipleOutputs(
        'BlockLSTMGradV2',
        [attr.bool(backend, 'use_peephole', false), attr.float32Type(backend)],
        [seqLenMax!, x, cPrev, hPrev, w, wci!, wcf!, wco!, b, i, cs, f, o, ci, co, h, csGrad, hGrad],
        8,
      );
      for (const unused of outs.slice(4, 7)) unused.dispose();
      return [...outs.slice(0, 4), outs[7] as tf.Tensor];
    });
  },
});

registerGradientOnce({
  kernelName: NATIVE_LSTM_SEQUENCE,
  inputsToSave: ['x', 'cPrev', 'hPrev', 'w', 'b'],
  outputsToSave: [true, true, true, true, true, true, true],
  gradFunc: (dys, saved) => {
    const [, csGrad, , , , , hGrad] = dys as tf.Tensor[];
    const [x, cPrev, hPrev, w, b, i, cs, f, o, ci, co, h] = saved as tf.Tensor[];
    const [dx, dcPrev, dhPrev, dw, db] = tf
      .engine()
      .runKernel(NATIVE_LSTM_SEQUENCE_GRAD, { x, cPrev, hPrev, w, b, i, cs, f, o, ci, co, h, csGrad, hGrad } as tf.NamedTensorMap) as tf.Tensor[];
    return {
      x: () => dx as tf.Tensor,
      cPrev: () => dcPrev as tf.Tensor,
      hPrev: () => dhPrev as tf.Tensor,
      w: () => dw as tf.Tensor,
      b: () => db as tf.Tensor,
    };
  },
});

function checkWeights(weights: LstmWeights, op: string): void {
  const [I, G] = weights.kernel.shape;
  const [H, G2] = weights.recurrentKernel.shape;
  if (G !== 4 * H || G2 !== 4 * H || weights.bias.shape[0] !== 4 * H) {
    throw new Error(
      `${op}: expected kernel [I, 4H], recurrentKernel [H, 4H], bias [4H]; got kernel [${I}, ${G}], ` +
        `recurrentKernel [${H}, ${G2}], bias [${weights.bias.shape.join(', ')}]`,
    );
  }
}

/**
 * A whole LSTM layer over a time-major sequence on TensorFlow's BlockLSTMV2 (one kernel forward, one backward):
 * x [T, B, I], h0 and c0 [B, H]. Returns every step's h and c, [T, B, H] each (the final state is step T - 1;
 * earlier steps serve truncated BPTT's restarts). Needs the `tensorflow` backend.
 */
export function nativeLstmSequence(x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, weights: LstmWeights): { h: tf.Tensor3D; c: tf.Tensor3D } {
  requireNativeBackend('nativeLstmSequence', 'on other backends use lstmSequence (packages/models/src/fused)');
  checkWeights(weights, 'nativeLstmSequence');
  // BlockLSTMV2's gate layout is PyTorch's, so stacking [W; U] is all the preparation it needs.
  const w = tf.concat([weights.kernel, weights.recurrentKernel], 0);
  const outs = tf.engine().runKernel(NATIVE_LSTM_SEQUENCE, { x, cPrev: c0, hPrev: h0, w, b: weights.bias } as tf.NamedTensorMap) as tf.Tensor3D[];
  w.dispose();
  outs.forEach((t, k) => {
    if (k !== 1 && k !== 6) t.dispose();
  });
  return { h: outs[6] as tf.Tensor3D, c: outs[1] as tf.Tensor3D };
}

/** One step's gate activations as TensorFlow's LSTM kernels name them (ci is PyTorch's g, co is tanh(c')). */
export interface LstmBlockGates {
  readonly i: tf.Tensor2D;
  readonly f: tf.Tensor2D;
  readonly o: tf.Tensor2D;
  readonly ci: tf.Tensor2D;
  readonly co: tf.Tensor2D;
}

/**
 * TensorFlow's LSTMBlockCellGrad from one step's gate activations, the cell state before the step and the
 * gradients reaching h' and c': returns dc (before the step) and the gate pre-activation gradients dicfo [B, 4H]
 * in TF's (i, ci, f, o) order. The matmul's part (d[x, h], dw) is the caller's.
 */
export function lstmBlockCellGrad(gates: LstmBlockGates, cPrev: tf.Tensor2D, dcNew: tf.Tensor2D, dh: tf.Tensor2D): { dcPrev: tf.Tensor2D; dicfo: tf.Tensor2D } {
  const backend = nativeKernelBackend('LSTMBlockCellGrad');
  const [B, H] = cPrev.shape;
  const [wci, wcf, wco] = peepholeZeros(H);
  // LSTMBlockCellGrad checks x [B, I], w [I + H, 4H] and b [4H] but never reads them: its math uses only the gate
  // activations, so shape-only zeros (I = 0) stand in.
  const x = keptZeros([B, 0]);
  const w = keptZeros([H, 4 * H]);
  const b = keptZeros([4 * H]);
  const { i, f, o, ci, co } = gates;
  // Inputs: x, cs_prev, h_prev, w, wci, wcf, wco, b, i, cs, f, o, ci, co, cs_grad, h_grad. cs is unused by the
  // gradient (co = tanh(cs) is), so co stands in; h_prev only has to be [B, H].
  const outs = backend.executeMultipleOutputs(
    'LSTMBlockCellGrad',
    [attr.bool(backend, 'use_peephole', false), attr.float32Type(backend)],
    [x, cPrev, cPrev, w, wci!, wcf!, wco!, b, i, co, f, o, ci, co, dcNew, dh],
    5,
  );
  for (const unused of outs.slice(2)) unused.dispose();
  return { dcPrev: outs[0] as tf.Tensor2D, dicfo: outs[1] as tf.Tensor2D };
}

/**
 * The fused gate kernel's gradient (LSTM_GATES_GRAD, fused/lstm-gates.ts) on the native backend as TensorFlow's
 * LSTMBlockCellGrad: one kernel instead of the ~25 composed ops, plus a split of the saved activations and the
 * reorder of its gate gradients from TF's (i, ci, f, o) to our (i, f, g, o). step-kernels.ts registers it for
 * `tensorflow` where the step-kernels addon's one-kernel gradient is not available.
 */
export function lstmGatesGradNative(inputs: Record<'saved' | 'c' | 'dh' | 'dcNew', tf.Tensor2D>): tf.Tensor[] {
  const { saved, c, dh, dcNew } = inputs;
  return tf.tidy(() => {
    const [i, f, g, o, tc] = tf.split(saved, 5, 1) as tf.Tensor2D[];
    const { dcPrev, dicfo } = lstmBlockCellGrad({ i: i!, f: f!, o: o!, ci: g!, co: tc! }, c, dcNew, dh);
    const [di, dci, df, dout] = tf.split(dicfo, 4, 1);
    return [tf.concat([di!, df!, dci!, dout!], 1), dcPrev];
  });
}
