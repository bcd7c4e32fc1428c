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
 *
 * The forward pass also returns `saved` = (i, f, g, o, tanh c') [B, 5H] for the backward pass, which then needs
 * no transcendental function at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { expectFloat32, runOnBackendMemory, wasmOutput, WasmScratchPad } from './backend-memory.ts';
import { COMPOSITE_BACKENDS, registerGradientOnce, registerKernelOnce } from './register.ts';
import { stepSimdKernels } from './simd/simd-kernels.ts';

export const LSTM_GATES = 'BpttLstmGates';
export const LSTM_GATES_GRAD = 'BpttLstmGatesGrad';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Forward on flat arrays with Math.exp / Math.tanh (the cpu backend). */
export function lstmGatesForward(
  B: number,
  H: number,
  xProj: Float32Array,
  hProj: Float32Array,
  c: Float32Array,
  hOut: Float32Array,
  cOut: Float32Array,
  saved: Float32Array,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const out = b * 5 * H;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid((xProj[row + j] as number) + (hProj[row + j] as number));
      const f = sigmoid((xProj[row + H + j] as number) + (hProj[row + H + j] as number));
      const g = Math.tanh((xProj[row + 2 * H + j] as number) + (hProj[row + 2 * H + j] as number));
      const o = sigmoid((xProj[row + 3 * H + j] as number) + (hProj[row + 3 * H + j] as number));
      const cNew = f * (c[state + j] as number) + i * g;
      const tc = Math.tanh(cNew);
      saved[out + j] = i;
      saved[out + H + j] = f;
      saved[out + 2 * H + j] = g;
      saved[out + 3 * H + j] = o;
      saved[out + 4 * H + j] = tc;
      cOut[state + j] = cNew;
      hOut[state + j] = o * tc;
    }
  }
}

/**
 * Forward on the wasm heap in three JavaScript passes around two calls of the backend's vectorised Sigmoid
 * (tanh x = 2σ(2x) - 1), for where the SIMD kernel (simd/simd-kernels.ts) cannot run: H not a multiple of 4, or
 * an engine without WebAssembly SIMD. Returns [h, c', saved].
 */
function lstmGatesForwardWasm(backend: KernelBackend, xProj: TensorInfo, hProj: TensorInfo, c: TensorInfo, B: number, H: number): TensorInfo[] {
  const pad = new WasmScratchPad(LSTM_GATES, backend);
  try {
    const G = 4 * H;
    const outs = [pad.output([B, H]), pad.output([B, H]), pad.output([B, 5 * H])] as const;
    const pre = pad.temporary([B, G]);
    const doubledC = pad.temporary([B, H]);
    {
      const [x, hp, z] = [pad.view(xProj), pad.view(hProj), pad.view(pre)];
      for (let k = 0; k < B * G; k++) z[k] = (x[k] as number) + (hp[k] as number);
      // The g block is doubled so that one sigmoid pass also yields tanh(z_g) = 2σ(2 z_g) - 1.
      for (let b = 0; b < B; b++) for (let k = b * G + 2 * H; k < b * G + 3 * H; k++) z[k] = 2 * (z[k] as number);
    }
    const gates = pad.sigmoid(pre);
    {
      const [s, cPrev, cOut, saved, twice] = [pad.view(gates), pad.view(c), pad.view(outs[1]), pad.view(outs[2]), pad.view(doubledC)];
      for (let b = 0; b < B; b++) {
        const row = b * G;
        const out = b * 5 * H;
        const state = b * H;
        for (let j = 0; j < H; j++) {
          const i = s[row + j] as number;
          const f = s[row + H + j] as number;
          const g = 2 * (s[row + 2 * H + j] as number) - 1;
          const cNew = f * (cPrev[state + j] as number) + i * g;
          saved[out + j] = i;
          saved[out + H + j] = f;
          saved[out + 2 * H + j] = g;
          saved[out + 3 * H + j] = s[row + 3 * H + j] as number;
          cOut[state + j] = cNew;
          twice[state + j] = 2 * cNew;
        }
      }
    }
    const cellSigmoid = pad.sigmoid(doubledC);
    {
      const [s, saved, hOut] = [pad.view(cellSigmoid), pad.view(outs[2]), pad.view(outs[0])];
      for (let b = 0; b < B; b++) {
        const out = b * 5 * H;
        const state = b * H;
        for (let j = 0; j < H; j++) {
          const tc = 2 * (s[state + j] as number) - 1;
          saved[out + 4 * H + j] = tc;
          hOut[state + j] = (saved[out + 3 * H + j] as number) * tc;
        }
      }
    }
    return [...outs];
  } finally {
    pad.release();
  }
}

/** Backward on flat arrays: from dh', dc' to dz (the gradient of both projections) and dc. */
export function lstmGatesBackward(
  B: number,
  H: number,
  saved: Float32Array,
  c: Float32Array,
  dh: Float32Array,
  dcNew: Float32Array,
  dz: Float32Array,
  dc: Float32Array,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const at = b * 5 * H;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const i = saved[at + j] as number;
      const f = saved[at + H + j] as number;
      const g = saved[at + 2 * H + j] as number;
      const o = saved[at + 3 * H + j] as number;
      const tc = saved[at + 4 * H + j] as number;
      const dhj = dh[state + j] as number;
      const dcTotal = (dcNew[state + j] as number) + dhj * o * (1 - tc * tc);
      dz[row + j] = dcTotal * g * i * (1 - i);
      dz[row + H + j] = dcTotal * (c[state + j] as number) * f * (1 - f);
      dz[row + 2 * H + j] = dcTotal * i * (1 - g * g);
      dz[row + 3 * H + j] = dhj * tc * o * (1 - o);
      dc[state + j] = dcTotal * f;
    }
  }
}

export function checkLstmForwardInputs(inputs: NamedTensorInfoMap): { B: number; H: number; xProj: TensorInfo; hProj: TensorInfo; c: TensorInfo } {
  const { xProj, hProj, c } = inputs as { xProj: TensorInfo; hProj: TensorInfo; c: TensorInfo };
  if (c.shape.length !== 2) throw new Error(`${LSTM_GATES}: c must have rank 2, got shape [${c.shape.join(', ')}]`);
  const [B, H] = c.shape as [number, number];
  for (const [name, info] of [['xProj', xProj], ['hProj', hProj]] as const) {
    if (info.shape.length !== 2 || info.shape[0] !== B || info.shape[1] !== 4 * H) {
      throw new Error(`${LSTM_GATES}: ${name} must be [${B}, ${4 * H}] (c is [${B}, ${H}]), got [${info.shape.join(', ')}]`);
    }
  }
  return { B, H, xProj, hProj, c };
}

/**
 * The same math in tfjs ops: the kernel for every backend without addressable memory (webgl; tensorflow where the
 * step-kernels addon is not built, native/step-kernels.ts).
 */
export function lstmGatesComposite(xProj: tf.Tensor2D, hProj: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const [zi, zf, zg, zo] = tf.split(tf.add(xProj, hProj), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const i = tf.sigmoid(zi);
    const f = tf.sigmoid(zf);
    const g = tf.tanh(zg);
    const o = tf.sigmoid(zo);
    const cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
    const tc = tf.tanh(cNew);
    return [tf.mul(o, tc), cNew, tf.concat([i, f, g, o, tc], 1)];
  });
}

function compositeBackward(saved: tf.Tensor2D, c: tf.Tensor2D, dh: tf.Tensor2D, dcNew: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const [i, f, g, o, tc] = tf.split(saved, 5, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const one = tf.scalar(1);
    const dcTotal = tf.add(dcNew, tf.mul(tf.mul(dh, o), tf.sub(one, tf.square(tc))));
    const dzi = tf.mul(tf.mul(dcTotal, g), tf.mul(i, tf.sub(one, i)));
    const dzf = tf.mul(tf.mul(dcTotal, c), tf.mul(f, tf.sub(one, f)));
    const dzg = tf.mul(tf.mul(dcTotal, i), tf.sub(one, tf.square(g)));
    const dzo = tf.mul(tf.mul(dh, tc), tf.mul(o, tf.sub(one, o)));
    return [tf.concat([dzi, dzf, dzg, dzo], 1), tf.mul(dcTotal, f)];
  });
}

registerKernelOnce({
  kernelName: LSTM_GATES,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { B, H, xProj, hProj, c } = checkLstmForwardInputs(inputs);
    const simd = stepSimdKernels(backend as KernelBackend, H);
    if (simd === undefined) return lstmGatesForwardWasm(backend as KernelBackend, xProj, hProj, c, B, H);
    expectFloat32(LSTM_GATES, [xProj, hProj, c]);
    const [h, cNew, saved] = [wasmOutput(backend as KernelBackend, [B, H]), wasmOutput(backend as KernelBackend, [B, H]), wasmOutput(backend as KernelBackend, [B, 5 * H])];
    const at = simd.offset;
    simd.lstmForward(at(xProj), at(hProj), at(c), at(h), at(cNew), at(saved), 0, B, H);
    return [h, cNew, saved];
  },
});

registerKernelOnce({
  kernelName: LSTM_GATES,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend }) => {
    const { B, H, xProj, hProj, c } = checkLstmForwardInputs(inputs);
    return runOnBackendMemory(LSTM_GATES, 'cpu', backend as KernelBackend, [xProj, hProj, c], [[B, H], [B, H], [B, 5 * H]], (ins, outs) =>
      lstmGatesForward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array, Float32Array])),
    );
  },
});

for (const backendName of ['cpu', 'wasm'] as const) {
  registerKernelOnce({
    kernelName: LSTM_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { saved, c, dh, dcNew } = inputs as Record<'saved' | 'c' | 'dh' | 'dcNew', TensorInfo>;
      const [B, H] = c.shape as [number, number];
      const simd = backendName === 'wasm' ? stepSimdKernels(backend as KernelBackend, H) : undefined;
      if (simd !== undefined) {
        expectFloat32(LSTM_GATES_GRAD, [saved, c, dh, dcNew]);
        const [dz, dc] = [wasmOutput(backend as KernelBackend, [B, 4 * H]), wasmOutput(backend as KernelBackend, [B, H])];
        const at = simd.offset;
        simd.lstmBackward(at(saved), at(c), at(dh), 0, at(dcNew), 0, at(dz), 0, at(dc), 0, 0, B, H);
        return [dz, dc];
      }
      return runOnBackendMemory(LSTM_GATES_GRAD, backendName, backend as KernelBackend, [saved, c, dh, dcNew], [[B, 4 * H], [B, H]], (ins, outs) =>
        lstmGatesBackward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array])),
      );
    },
  });
}

for (const backendName of COMPOSITE_BACKENDS) {
  registerKernelOnce({
    kernelName: LSTM_GATES,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { xProj, hProj, c } = checkLstmForwardInputs(inputs);
      return lstmGatesComposite(xProj as tf.Tensor2D, hProj as tf.Tensor2D, c as tf.Tensor2D);
    },
  });
  registerKernelOnce({
    kernelName: LSTM_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { saved, c, dh, dcNew } = inputs as Record<'saved' | 'c' | 'dh' | 'dcNew', tf.Tensor2D>;
      return compositeBackward(saved, c, dh, dcNew);
    },
  });
}

registerGradientOnce({
  kernelName: LSTM_GATES,
  inputsToSave: ['c'],
  outputsToSave: [false, false, true],
  gradFunc: (dys, saved) => {
    const [dh, dcNew] = dys as tf.Tensor[];
    const [c, activations] = saved as [tf.Tensor, tf.Tensor];
    const [dz, dc] = tf.engine().runKernel(LSTM_GATES_GRAD, { saved: activations, c, dh, dcNew } as tf.NamedTensorMap) as tf.Tensor[];
    return { xProj: () => dz as tf.Tensor, hProj: () => (dz as tf.Tensor).clone(), c: () => dc as tf.Tensor };
  },
});

/**
 * One LSTM step after its matmuls. `xProj` = x W_ih + b (often a [B, 4H] row block of a matmul hoisted out of
 * the time loop), `hProj` = h W_hh, `c` the previous cell state. Returns the new hidden and cell states.
 * Differentiable in all three inputs; runs as one kernel on cpu and wasm and as tfjs ops elsewhere.
 */
export function lstmGates(xProj: tf.Tensor2D, hProj: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [h, cNew, saved] = tf.engine().runKernel(LSTM_GATES, { xProj, hProj, c } as tf.NamedTensorMap) as tf.Tensor2D[];
  // `saved` is an output only so the gradient can reuse it; the tape keeps its own reference.
  (saved as tf.Tensor2D).dispose();
  return { h: h as tf.Tensor2D, c: cNew as tf.Tensor2D };
}
