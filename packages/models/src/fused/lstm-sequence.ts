/**
 * A whole LSTM layer over a time-major sequence as one forward and one backward kernel, for backends without
 * TensorFlow's BlockLSTM (wasm, cpu; it runs anywhere). Inside, each step is one recurrent matmul plus the fused
 * `lstmGates` kernel, run without the gradient tape; the backward pass walks the steps in reverse with the fused
 * gate gradient and then computes the recurrent weight gradient as ONE matmul over all steps:
 *
 *   dW_hh = Σ_t h_{t-1}ᵀ dz_t = [h_0 .. h_{T-1}]ᵀ [dz_1 .. dz_T]      ([H, T·B] x [T·B, 4H])
 *
 * instead of T small ones, and dh_{t-1} = dz_t W_hhᵀ with W_hhᵀ transposed once. The input projection
 * (xProj = x W_ih + b for all steps) stays outside, so its gradient (dxProj, returned here) is one matmul there too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import { LSTM_GATES, LSTM_GATES_GRAD } from './lstm-gates.ts';
import { lstmSequenceBackwardOnWasm, lstmSequenceForwardOnWasm } from './lstm-sequence-wasm.ts';
import { COMPOSITE_BACKENDS, registerGradientOnce, registerKernelOnce } from './register.ts';
import { stepSimdKernels } from './simd/simd-kernels.ts';

export const LSTM_SEQUENCE = 'BpttLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'BpttLstmSequenceGrad';

type Inputs = Record<'xProj' | 'h0' | 'c0' | 'recurrentKernel', tf.Tensor>;

function checkInputs(inputs: NamedTensorInfoMap): { T: number; B: number; H: number } {
  const { xProj, h0, c0, recurrentKernel } = inputs as unknown as Inputs;
  const [T, B, G] = xProj.shape;
  const [Hr, G2] = recurrentKernel.shape;
  const H = h0.shape[1];
  const ok =
    xProj.rank === 3 &&
    h0.rank === 2 &&
    c0.rank === 2 &&
    h0.shape[0] === B &&
    c0.shape[0] === B &&
    c0.shape[1] === H &&
    Hr === H &&
    G === 4 * (H as number) &&
    G2 === G;
  if (!ok || T === undefined || T < 1) {
    throw new Error(
      `${LSTM_SEQUENCE}: expected xProj [T >= 1, B, 4H], h0 and c0 [B, H], recurrentKernel [H, 4H]; got xProj ` +
        `[${xProj.shape.join(', ')}], h0 [${h0.shape.join(', ')}], c0 [${c0.shape.join(', ')}], recurrentKernel [${recurrentKernel.shape.join(', ')}]`,
    );
  }
  return { T, B: B as number, H: H as number };
}

/** Forward: [h (T, B, H), c (T, B, H), saved gate activations (T, B, 5H)]. */
function forward(inputs: NamedTensorInfoMap): tf.Tensor[] {
  checkInputs(inputs);
  const { xProj, h0, c0, recurrentKernel } = inputs as unknown as Inputs;
  return tf.tidy(() => {
    const steps = tf.unstack(xProj) as tf.Tensor2D[];
    const hs: tf.Tensor[] = [];
    const cs: tf.Tensor[] = [];
    const saved: tf.Tensor[] = [];
    let h = h0 as tf.Tensor2D;
    let c = c0 as tf.Tensor2D;
    for (const xt of steps) {
      const [hNew, cNew, s] = tf.engine().runKernel(LSTM_GATES, { xProj: xt, hProj: tf.matMul(h, recurrentKernel as tf.Tensor2D), c } as tf.NamedTensorMap) as tf.Tensor2D[];
      h = hNew as tf.Tensor2D;
      c = cNew as tf.Tensor2D;
      hs.push(h);
      cs.push(c);
      saved.push(s as tf.Tensor2D);
    }
    return [tf.stack(hs), tf.stack(cs), tf.stack(saved)];
  });
}

type GradInputs = Inputs & Record<'h' | 'c' | 'saved' | 'dh' | 'dc', tf.Tensor>;

/** Backward: [dxProj (T, B, 4H), dh0, dc0, dRecurrentKernel]. */
function backward(inputs: NamedTensorInfoMap): tf.Tensor[] {
  const { h0, c0, recurrentKernel, h, c, saved, dh, dc } = inputs as unknown as GradInputs;
  const T = h.shape[0] as number;
  const [B, H] = h0.shape as [number, number];
  return tf.tidy(() => {
    const recurrentT = tf.transpose(recurrentKernel) as tf.Tensor2D; // once per sequence
    const hs = tf.unstack(h) as tf.Tensor2D[];
    const cs = tf.unstack(c) as tf.Tensor2D[];
    const gates = tf.unstack(saved) as tf.Tensor2D[];
    const dhs = tf.unstack(dh) as tf.Tensor2D[];
    const dcs = tf.unstack(dc) as tf.Tensor2D[];
    const dzs = new Array<tf.Tensor2D>(T);
    let dhNext: tf.Tensor2D | undefined;
    let dcNext: tf.Tensor2D | undefined;
    for (let t = T - 1; t >= 0; t--) {
      const dhT = dhNext === undefined ? (dhs[t] as tf.Tensor2D) : tf.add(dhs[t] as tf.Tensor2D, dhNext);
      const dcT = dcNext === undefined ? (dcs[t] as tf.Tensor2D) : tf.add(dcs[t] as tf.Tensor2D, dcNext);
      const cPrev = t > 0 ? (cs[t - 1] as tf.Tensor2D) : (c0 as tf.Tensor2D);
      const [dz, dcPrev] = tf.engine().runKernel(LSTM_GATES_GRAD, { saved: gates[t], c: cPrev, dh: dhT, dcNew: dcT } as tf.NamedTensorMap) as tf.Tensor2D[];
      dzs[t] = dz as tf.Tensor2D;
      dhNext = tf.matMul(dz as tf.Tensor2D, recurrentT);
      dcNext = dcPrev as tf.Tensor2D;
    }
    const dxProj = tf.stack(dzs) as tf.Tensor3D;
    // h_{t-1} for every step: [h0, h_0 .. h_{T-2}], as [T·B, H].
    const previous = tf.reshape(tf.concat([h0 as tf.Tensor2D, ...hs.slice(0, T - 1)], 0), [T * B, H]) as tf.Tensor2D;
    const dRecurrent = tf.matMul(tf.transpose(previous) as tf.Tensor2D, tf.reshape(dxProj, [T * B, 4 * H]) as tf.Tensor2D);
    return [dxProj, dhNext as tf.Tensor2D, dcNext as tf.Tensor2D, dRecurrent];
  });
}

for (const backendName of ['cpu', ...COMPOSITE_BACKENDS]) {
  registerKernelOnce({ kernelName: LSTM_SEQUENCE, backendName, kernelFunc: ({ inputs }) => forward(inputs) });
  registerKernelOnce({ kernelName: LSTM_SEQUENCE_GRAD, backendName, kernelFunc: ({ inputs }) => backward(inputs) });
}

// On wasm, below the engine with the SIMD step kernel (lstm-sequence-wasm.ts) wherever that kernel can run.
registerKernelOnce({
  kernelName: LSTM_SEQUENCE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const sizes = checkInputs(inputs);
    const simd = stepSimdKernels(backend as tf.KernelBackend, sizes.H);
    if (simd === undefined) return forward(inputs);
    return lstmSequenceForwardOnWasm(LSTM_SEQUENCE, backend as tf.KernelBackend, simd, inputs as Record<keyof Inputs, tf.TensorInfo>, sizes);
  },
});
registerKernelOnce({
  kernelName: LSTM_SEQUENCE_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { h, h0 } = inputs as unknown as GradInputs;
    const sizes = { T: h.shape[0] as number, B: h0.shape[0] as number, H: h0.shape[1] as number };
    const simd = stepSimdKernels(backend as tf.KernelBackend, sizes.H);
    if (simd === undefined) return backward(inputs);
    return lstmSequenceBackwardOnWasm(LSTM_SEQUENCE_GRAD, backend as tf.KernelBackend, simd, inputs as Record<keyof GradInputs, tf.TensorInfo>, sizes);
  },
});

registerGradientOnce({
  kernelName: LSTM_SEQUENCE,
  inputsToSave: ['h0', 'c0', 'recurrentKernel'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved) => {
    const [dh, dc] = dys as tf.Tensor[];
    const [h0, c0, recurrentKernel, h, c, gates] = saved as tf.Tensor[];
    const [dxProj, dh0, dc0, dRecurrent] = tf
      .engine()
      .runKernel(LSTM_SEQUENCE_GRAD, { h0, c0, recurrentKernel, h, c, saved: gates, dh, dc } as tf.NamedTensorMap) as tf.Tensor[];
    return {
      xProj: () => dxProj as tf.Tensor,
      h0: () => dh0 as tf.Tensor,
      c0: () => dc0 as tf.Tensor,
      recurrentKernel: () => dRecurrent as tf.Tensor,
    };
  },
});

/**
 * An LSTM layer over T steps: xProj [T, B, 4H] = x W_ih + b for every step (one matmul, by the caller), h0 and
 * c0 [B, H], recurrentKernel W_hh [H, 4H] (gate blocks i, f, g, o). Returns every step's h and c, [T, B, H] each.
 * Differentiable in all four inputs.
 */
export function lstmSequence(xProj: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, recurrentKernel: tf.Tensor2D): { h: tf.Tensor3D; c: tf.Tensor3D } {
  const [h, c, saved] = tf.engine().runKernel(LSTM_SEQUENCE, { xProj, h0, c0, recurrentKernel } as tf.NamedTensorMap) as tf.Tensor3D[];
  (saved as tf.Tensor3D).dispose();
  return { h: h as tf.Tensor3D, c: c as tf.Tensor3D };
}
