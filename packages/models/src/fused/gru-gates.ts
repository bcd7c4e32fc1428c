/**
 * One GRU step's element-wise work as a single kernel, in PyTorch's nn.GRU convention (the reset gate applies to
 * the hidden projection *after* its matmul, "reset_after" in Keras terms):
 *
 *   xProj = x W_ih + b_ih   hProj = h W_hh + b_hh     [B, 3H], gate blocks (r, z, n)
 *   r = σ(xProj_r + hProj_r)   z = σ(xProj_z + hProj_z)
 *   n = tanh(xProj_n + r ⊙ hProj_n)
 *   h' = (1 - z) ⊙ n + z ⊙ h
 *
 * As with the LSTM kernel the matmuls stay outside, so autodiff handles the weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { expectFloat32, MEMORY_BACKENDS, runOnBackendMemory, wasmOutput, WasmScratchPad } from './backend-memory.ts';
import { COMPOSITE_BACKENDS, registerGradientOnce, registerKernelOnce } from './register.ts';
import { stepSimdKernels } from './simd/simd-kernels.ts';

export const GRU_GATES = 'BpttGruGates';
export const GRU_GATES_GRAD = 'BpttGruGatesGrad';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Forward on flat arrays; `gates` receives the activated (r, z, n) for the backward pass. */
export function gruGatesForward(
  B: number,
  H: number,
  xProj: Float32Array,
  hProj: Float32Array,
  h: Float32Array,
  hOut: Float32Array,
  gates: Float32Array,
): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const kr = row + j;
      const kz = kr + H;
      const kn = kz + H;
      const r = sigmoid((xProj[kr] as number) + (hProj[kr] as number));
      const z = sigmoid((xProj[kz] as number) + (hProj[kz] as number));
      const n = Math.tanh((xProj[kn] as number) + r * (hProj[kn] as number));
      gates[kr] = r;
      gates[kz] = z;
      gates[kn] = n;
      hOut[state + j] = (1 - z) * n + z * (h[state + j] as number);
    }
  }
}

/**
 * Forward on the wasm heap around two calls of the backend's vectorised Sigmoid: one for r and z, one for
 * n = tanh(a) = 2σ(2a) - 1 (a needs r first), for where the SIMD kernel (simd/) cannot run: H not a multiple of 4,
 * or an engine without WebAssembly SIMD. Returns [h', saved (r, z, n)].
 */
function gruGatesForwardWasm(backend: KernelBackend, xProj: TensorInfo, hProj: TensorInfo, h: TensorInfo, B: number, H: number): TensorInfo[] {
  const pad = new WasmScratchPad(GRU_GATES, backend);
  try {
    const G = 3 * H;
    const outs = [pad.output([B, H]), pad.output([B, G])] as const;
    const rzPre = pad.temporary([B, 2 * H]);
    const nPre = pad.temporary([B, H]);
    {
      const [x, hp, z] = [pad.view(xProj), pad.view(hProj), pad.view(rzPre)];
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < 2 * H; k++) z[b * 2 * H + k] = (x[b * G + k] as number) + (hp[b * G + k] as number);
      }
    }
    const rz = pad.sigmoid(rzPre);
    {
      const [s, x, hp, saved, twice] = [pad.view(rz), pad.view(xProj), pad.view(hProj), pad.view(outs[1]), pad.view(nPre)];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const r = s[b * 2 * H + j] as number;
          saved[b * G + j] = r;
          saved[b * G + H + j] = s[b * 2 * H + H + j] as number;
          twice[b * H + j] = 2 * ((x[b * G + 2 * H + j] as number) + r * (hp[b * G + 2 * H + j] as number));
        }
      }
    }
    const nSigmoid = pad.sigmoid(nPre);
    {
      const [s, saved, hPrev, hOut] = [pad.view(nSigmoid), pad.view(outs[1]), pad.view(h), pad.view(outs[0])];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const n = 2 * (s[b * H + j] as number) - 1;
          const z = saved[b * G + H + j] as number;
          saved[b * G + 2 * H + j] = n;
          hOut[b * H + j] = (1 - z) * n + z * (hPrev[b * H + j] as number);
        }
      }
    }
    return [...outs];
  } finally {
    pad.release();
  }
}

/** Backward on flat arrays: from dh' to dxProj, dhProj and dh (the direct path through z ⊙ h). */
export function gruGatesBackward(
  B: number,
  H: number,
  gates: Float32Array,
  hProj: Float32Array,
  h: Float32Array,
  dhNew: Float32Array,
  dxProj: Float32Array,
  dhProj: Float32Array,
  dh: Float32Array,
): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const row = b * G;
    const state = b * H;
    for (let j = 0; j < H; j++) {
      const kr = row + j;
      const kz = kr + H;
      const kn = kz + H;
      const r = gates[kr] as number;
      const z = gates[kz] as number;
      const n = gates[kn] as number;
      const d = dhNew[state + j] as number;
      const dnPre = d * (1 - z) * (1 - n * n);
      const dzPre = d * ((h[state + j] as number) - n) * z * (1 - z);
      const drPre = dnPre * (hProj[kn] as number) * r * (1 - r);
      dxProj[kr] = drPre;
      dxProj[kz] = dzPre;
      dxProj[kn] = dnPre;
      dhProj[kr] = drPre;
      dhProj[kz] = dzPre;
      dhProj[kn] = dnPre * r;
      dh[state + j] = d * z;
    }
  }
}

export function checkGruForwardInputs(inputs: NamedTensorInfoMap): { B: number; H: number; xProj: TensorInfo; hProj: TensorInfo; h: TensorInfo } {
  const { xProj, hProj, h } = inputs as { xProj: TensorInfo; hProj: TensorInfo; h: TensorInfo };
  if (h.shape.length !== 2) throw new Error(`${GRU_GATES}: h must have rank 2, got shape [${h.shape.join(', ')}]`);
  const [B, H] = h.shape as [number, number];
  for (const [name, info] of [['xProj', xProj], ['hProj', hProj]] as const) {
    if (info.shape.length !== 2 || info.shape[0] !== B || info.shape[1] !== 3 * H) {
      throw new Error(`${GRU_GATES}: ${name} must be [${B}, ${3 * H}] (h is [${B}, ${H}]), got [${info.shape.join(', ')}]`);
    }
  }
  return { B, H, xProj, hProj, h };
}

/**
 * The same math in tfjs ops: the kernels for backends without addressable memory (webgl; tensorflow where the
 * step-kernels addon is not built, native/step-kernels.ts).
 */
export function gruGatesComposite(xProj: tf.Tensor2D, hProj: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const [xr, xz, xn] = tf.split(xProj, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [hr, hz, hn] = tf.split(hProj, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    const hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    return [hNew, tf.concat([r, z, n], 1)];
  });
}

export function gruGatesGradComposite(gates: tf.Tensor2D, hProj: tf.Tensor2D, h: tf.Tensor2D, dhNew: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const [r, z, n] = tf.split(gates, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const hn = tf.slice(hProj, [0, 2 * (h.shape[1] as number)], [-1, -1]);
    const dnPre = tf.mul(tf.mul(dhNew, tf.sub(1, z)), tf.sub(1, tf.square(n)));
    const dzPre = tf.mul(tf.mul(dhNew, tf.sub(h, n)), tf.mul(z, tf.sub(1, z)));
    const drPre = tf.mul(tf.mul(dnPre, hn), tf.mul(r, tf.sub(1, r)));
    return [tf.concat([drPre, dzPre, dnPre], 1), tf.concat([drPre, dzPre, tf.mul(dnPre, r)], 1), tf.mul(dhNew, z)];
  });
}

registerKernelOnce({
  kernelName: GRU_GATES,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { B, H, xProj, hProj, h } = checkGruForwardInputs(inputs);
    const simd = stepSimdKernels(backend as KernelBackend, H);
    if (simd === undefined) return gruGatesForwardWasm(backend as KernelBackend, xProj, hProj, h, B, H);
    expectFloat32(GRU_GATES, [xProj, hProj, h]);
    const [hNew, gates] = [wasmOutput(backend as KernelBackend, [B, H]), wasmOutput(backend as KernelBackend, [B, 3 * H])];
    const at = simd.offset;
    simd.gruForward(at(xProj), at(hProj), at(h), at(hNew), at(gates), B, H);
    return [hNew, gates];
  },
});

registerKernelOnce({
  kernelName: GRU_GATES,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend }) => {
    const { B, H, xProj, hProj, h } = checkGruForwardInputs(inputs);
    return runOnBackendMemory(GRU_GATES, 'cpu', backend as KernelBackend, [xProj, hProj, h], [[B, H], [B, 3 * H]], (ins, outs) =>
      gruGatesForward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array])),
    );
  },
});

for (const backendName of MEMORY_BACKENDS) {
  registerKernelOnce({
    kernelName: GRU_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { gates, hProj, h, dhNew } = inputs as Record<'gates' | 'hProj' | 'h' | 'dhNew', TensorInfo>;
      const [B, H] = h.shape as [number, number];
      const simd = backendName === 'wasm' ? stepSimdKernels(backend as KernelBackend, H) : undefined;
      if (simd !== undefined) {
        expectFloat32(GRU_GATES_GRAD, [gates, hProj, h, dhNew]);
        const outs = [wasmOutput(backend as KernelBackend, [B, 3 * H]), wasmOutput(backend as KernelBackend, [B, 3 * H]), wasmOutput(backend as KernelBackend, [B, H])] as const;
        const at = simd.offset;
        simd.gruBackward(at(gates), at(hProj), at(h), at(dhNew), at(outs[0]), at(outs[1]), at(outs[2]), B, H);
        return [...outs];
      }
      return runOnBackendMemory(GRU_GATES_GRAD, backendName, backend as KernelBackend, [gates, hProj, h, dhNew], [[B, 3 * H], [B, 3 * H], [B, H]], (ins, outs) =>
        gruGatesBackward(B, H, ...(ins as [Float32Array, Float32Array, Float32Array, Float32Array]), ...(outs as [Float32Array, Float32Array, Float32Array])),
      );
    },
  });
}

for (const backendName of COMPOSITE_BACKENDS) {
  registerKernelOnce({
    kernelName: GRU_GATES,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { xProj, hProj, h } = checkGruForwardInputs(inputs);
      return gruGatesComposite(xProj as tf.Tensor2D, hProj as tf.Tensor2D, h as tf.Tensor2D);
    },
  });
  registerKernelOnce({
    kernelName: GRU_GATES_GRAD,
    backendName,
    kernelFunc: ({ inputs }) => {
      const { gates, hProj, h, dhNew } = inputs as Record<'gates' | 'hProj' | 'h' | 'dhNew', tf.Tensor2D>;
      return gruGatesGradComposite(gates, hProj, h, dhNew);
    },
  });
}

registerGradientOnce({
  kernelName: GRU_GATES,
  inputsToSave: ['hProj', 'h'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [dhNew] = dys as tf.Tensor[];
    const [hProj, h, gates] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [dxProj, dhProj, dh] = tf.engine().runKernel(GRU_GATES_GRAD, { gates, hProj, h, dhNew } as tf.NamedTensorMap) as tf.Tensor[];
    return { xProj: () => dxProj as tf.Tensor, hProj: () => dhProj as tf.Tensor, h: () => dh as tf.Tensor };
  },
});

/**
 * One PyTorch-convention GRU step after its matmuls: `xProj` = x W_ih + b_ih, `hProj` = h W_hh + b_hh (both
 * [B, 3H], blocks r, z, n), `h` the previous hidden state. Returns the new hidden state. Differentiable in all
 * three inputs; one kernel on cpu and wasm, tfjs ops elsewhere.
 */
export function gruGates(xProj: tf.Tensor2D, hProj: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  const [hNew, gates] = tf.engine().runKernel(GRU_GATES, { xProj, hProj, h } as tf.NamedTensorMap) as tf.Tensor2D[];
  (gates as tf.Tensor2D).dispose();
  return hNew as tf.Tensor2D;
}
