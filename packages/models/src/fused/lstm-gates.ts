/**
 * One LSTM step's element-wise work as a single kernel: gate nonlinearities and the cell update.
 *
 *   z = xProj + hProj                       [B, 4H], gate blocks (i, f, g, o) as in PyTorch's nn.LSTM
 *   i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
 *   c' = f ⊙ c + i ⊙ g                      [B, H]
 *   h' = o ⊙ tanh(c')                       [B, H]
 *
 * The two matmuls stay outside (xProj = x W_ih + b for all steps in one matmul before the loop; hProj = h W_hh
 * each step), so autodiff handles the weights and this kernel only needs dz and dc. Unrolled in tfjs ops the
 * same step is ~15 kernels forward and ~30 backward; fused it is one each way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { MEMORY_BACKENDS, runOnBackendMemory } from './backend-memory.ts';
import { registerKernelOnce, registerGradientOnce, COMPOSITE_BACKENDS } from './register.ts';

export const LSTM_GATES = 'BpttLstmGates';
export const LSTM_GATES_GRAD = 'BpttLstmGatesGrad';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Forward on flat arrays; `gates` receives the activated (i, f, g, o) for the backward pass. */
export function lstmGatesForward(
  B: number,
  H: number,
  xProj: Float32Array,
  hProj: Float32Array,
  c: Float32Array,
  hOut: Float32Array,
  cOut: Float32Array,
  gates: Float32Array,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const zi = row + j;
      const zf = zi + H;
      const zg = zf + H;
      const zo = zg + H;
      const i = sigmoid((xProj[zi] as number) + (hProj[zi] as number));
      const f = sigmoid((xProj[zf] as number) + (hProj[zf] as number));
      const g = Math.tanh((xProj[zg] as number) + (hProj[zg] as number));
      const o = sigmoid((xProj[zo] as number) + (hProj[zo] as number));
      const cNew = f * (c[state + j] as number) + i * g;
      gates[zi] = i;
      gates[zf] = f;
      gates[zg] = g;
      gates[zo] = o;
      cOut[state + j] = cNew;
      hOut[state + j] = o * Math.tanh(cNew);
    }
  }
}

/** Backward on flat arrays: from dh', dc' to dz (the gradient of both projections) and dc. */
export function lstmGatesBackward(
  B: number,
  H: number,
  gates: Float32Array,
  c: Float32Array,
  cNew: Float32Array,
  dh: Float32Array,
  dcNew: Float32Array,
  dz: Float32Array,
  dc: Float32Array,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const zi = row + j;
      const zf = zi + H;
      const zg = zf + H;
      const zo = zg + H;
      const i = gates[zi] as number;
      const f = gates[zf] as number;
      const g = gates[zg] as number;
      const o = gates[zo] as number;
      const tc = Math.tanh(cNew[state + j] as number);
      const dhj = dh[state + j] as number;
      const dcTotal = (dcNew[state + j] as number) + dhj * o * (1 - tc * tc);
      dz[zi] = dcTotal * g * i * (1 - i);
      dz[zf] = dcTotal * (c[state + j] as number) * f * (1 - f);
      dz[zg] = dcTotal * i * (1 - g * g);
      dz[zo] = dhj * tc * o * (1 - o);
      dc[state + j] = dcTotal * f;
    }
  }
}

function shapeOf(info: TensorInfo, kernel: string, name: string, rank: number): number[] {
  if (info.shape.length !== rank) {
    throw new Error(`${kernel}: ${name} must have rank ${rank}, got shape [${info.shape.join(', ')}]`);
  }
  return info.shape;
}

function checkForwardInputs(inputs: NamedTensorInfoMap): { B: number; H: number; xProj: TensorInfo; hProj: TensorInfo; c: TensorInfo } {
  const { xProj, hProj, c } = inputs as { xProj: TensorInfo; hProj: TensorInfo; c: TensorInfo };
  const [B, H] = shapeOf(c, LSTM_GATES, 'c', 2) as [number, number];
  for (const [name, info] of [['xProj', xProj], ['hProj', hProj]] as const) {
    const [rows, cols] = shapeOf(info, LSTM_GATES, name, 2);
    if (rows !== B || cols !== 4 * H) {
      throw new Error(`${LSTM_GATES}: ${name} must be [${B}, ${4 * H}] (c is [${B}, ${H}]), got [${info.shape.join(', ')}]`);
    }
  }
  return { B, H, xProj, hProj, c };
}

/** The same math in tfjs ops: the kernel for every backend without addressable memory (tensorflow, webgl). */
function compositeForward(xProj: tf.Tensor2D, hProj: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const z = tf.add(xProj, hProj);
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const i = tf.sigmoid(zi);
    const f = tf.sigmoid(zf);
    const g = tf.tanh(zg);
    const o = tf.sigmoid(zo);
    const cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
    const hNew = tf.mul(o, tf.tanh(cNew));
    return [hNew, cNew, tf.concat([i, f, g, o], 1)];
  });
}

function compositeBackward(gates: tf.Tensor2D, c: tf.Tensor2D, cNew: tf.Tensor2D, dh: tf.Tensor2D, dcNew: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const tc = tf.tanh(cNew);
    const one = tf.scalar(1);
    const dcTotal = tf.add(dcNew, tf.mul(tf.mul(dh, o), tf.sub(one, tf.square(tc))));
    const dzi = tf.mul(tf.mul(dcTotal, g), tf.mul(i, tf.sub(one, i)));
    const dzf = tf.mul(tf.mul(dcTotal, c), tf.mul(f, tf.sub(one, f)));
    const dzg = tf.mul(tf.mul(dcTotal, i), tf.sub(one, tf.square(g)));
    const dzo = tf.mul(tf.mul(dh, tc), tf.mul(o, tf.sub(one, o)));
    return [tf.concat([dzi, dzf, dzg, dzo], 1), tf.mul(dcTotal, f)];
  });
}

for (const backendName of MEMORY_BACKENDS) {
  registerKernelOnce({
    kernelName: LSTM_GATES,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { B, H, xProj, hProj, c } = checkForwardInputs(inputs);
      return runOnBackendMemory(LSTM_GATES, backendName, backend as KernelBackend, [xProj, hProj, c], [[B, H], [B, H], [B, 4 * H]], (ins, outs) =>
        lstmGatesForward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array, Float32Array])),
      );
    },
  });
  registerKernelOnce({
    kernelName: LSTM_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { gates, c, cNew, dh, dcNew } = inputs as Record<'gates' | 'c' | 'cNew' | 'dh' | 'dcNew', TensorInfo>;
      const [B, H] = c.shape as [number, number];
      return runOnBackendMemory(LSTM_GATES_GRAD, backendName, backend as KernelBackend, [gates, c, cNew, dh, dcNew], [[B, 4 * H], [B, H]], (ins, outs) =>
        lstmGatesBackward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array])),
      );
    },
  });
}

for (const backendName of COMPOSITE_BACKENDS) {
  registerKernelOnce({
    kernelName: LSTM_GATES,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { xProj, hProj, c } = checkForwardInputs(inputs);
      return compositeForward(xProj as tf.Tensor2D, hProj as tf.Tensor2D, c as tf.Tensor2D);
    },
  });
  registerKernelOnce({
    kernelName: LSTM_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { gates, c, cNew, dh, dcNew } = inputs as Record<'gates' | 'c' | 'cNew' | 'dh' | 'dcNew', tf.Tensor2D>;
      return compositeBackward(gates, c, cNew, dh, dcNew);
    },
  });
}

registerGradientOnce({
  kernelName: LSTM_GATES,
  inputsToSave: ['c'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved) => {
    const [dh, dcNew] = dys as tf.Tensor[];
    const [c, cNew, gates] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [dz, dc] = tf.engine().runKernel(LSTM_GATES_GRAD, { gates, c, cNew, dh, dcNew } as tf.NamedTensorMap) as tf.Tensor[];
    return { xProj: () => dz as tf.Tensor, hProj: () => (dz as tf.Tensor).clone(), c: () => dc as tf.Tensor };
  },
});

/**
 * One LSTM step after its matmuls. `xProj` = x W_ih + b (often a [B, 4H] row block of a matmul hoisted out of
 * the time loop), `hProj` = h W_hh, `c` the previous cell state. Returns the new hidden and cell states.
 * Differentiable in all three inputs; runs as one kernel on cpu and wasm and as tfjs ops elsewhere.
 */
export function lstmGates(xProj: tf.Tensor2D, hProj: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [h, cNew, gates] = tf.engine().runKernel(LSTM_GATES, { xProj, hProj, c } as tf.NamedTensorMap) as tf.Tensor2D[];
  // The activated gates are an output only so the gradient can reuse them; callers never see them, and the
  // tape holds its own reference, so the handle can go now.
  (gates as tf.Tensor2D).dispose();
  return { h: h as tf.Tensor2D, c: cNew as tf.Tensor2D };
}
