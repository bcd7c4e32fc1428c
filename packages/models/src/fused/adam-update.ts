/**
 * One Adam update of one parameter as a single kernel (torch.optim.Adam's rule, as @bptt/train's optimizer):
 *
 *   m' = β1 m + (1 - β1) g        v' = β2 v + (1 - β2) g²
 *   w' = w - stepSize · m' / (sqrt(v') / sqrt(bc2) + eps)        stepSize = lr / bc1, bc_i = 1 - β_i^t
 *
 * Written as tfjs ops it is ~12 kernels and 6 scalar uploads per parameter per step; on wasm it runs as one pass of
 * the SIMD kernel (simd/kernels-source.ts) that performs the same float32 operations in the same order, so the
 * numbers are the composite's bit for bit. On the native backend the step-kernels addon's BpttAdamUpdate does the
 * same in C where it is built (native/step-kernels.ts registers it). Every other backend, and wasm for sizes not a
 * multiple of 4, runs the composite.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { wasmOutput } from './backend-memory.ts';
import { COMPOSITE_BACKENDS, registerKernelOnce } from './register.ts';
import { simdKernels } from './simd/simd-kernels.ts';

export const ADAM_UPDATE = 'BpttAdamUpdate';
/** The same update with its two per-step scalars as tensor inputs (adamUpdateWithScalarTensors). */
export const ADAM_UPDATE_SCALAR_TENSORS = 'BpttAdamUpdateScalarTensors';

export interface AdamUpdateScalars {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** sqrt(1 - β2^t) */
  readonly sqrtBiasCorrection2: number;
  /** lr / (1 - β1^t) */
  readonly stepSize: number;
}

/** The per-step scalars as tensors (a traced graph's inputs; see adamUpdateWithScalarTensors). */
export interface AdamUpdateScalarTensors {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly sqrtBiasCorrection2: tf.Scalar;
  readonly stepSize: tf.Scalar;
}

/** The update written out in tfjs ops: the reference every kernel equals bit for bit. */
export function adamUpdateComposite(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamUpdateScalars | AdamUpdateScalarTensors): tf.Tensor[] {
  return tf.tidy(() => {
    const mNext = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const vNext = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    const denom = tf.add(tf.div(tf.sqrt(vNext), s.sqrtBiasCorrection2), s.eps);
    return [tf.sub(w, tf.mul(tf.div(mNext, denom), s.stepSize)), mNext, vNext];
  });
}

function onWasm(backend: KernelBackend, inputs: Record<'w' | 'g' | 'm' | 'v', TensorInfo>, s: AdamUpdateScalars): TensorInfo[] | undefined {
  const { w, g, m, v } = inputs;
  const n = tf.util.sizeFromShape(w.shape);
  if (n % 4 !== 0 || [w, g, m, v].some((t) => t.dtype !== 'float32')) return undefined;
  const simd = simdKernels(backend);
  if (simd === undefined) return undefined;
  const outs = [wasmOutput(backend, w.shape), wasmOutput(backend, w.shape), wasmOutput(backend, w.shape)];
  const at = simd.offset;
  simd.adamUpdate(
    at(w),
    at(g),
    at(m),
    at(v),
    at(outs[0] as TensorInfo),
    at(outs[1] as TensorInfo),
    at(outs[2] as TensorInfo),
    n,
    s.beta1,
    1 - s.beta1,
    s.beta2,
    1 - s.beta2,
    s.sqrtBiasCorrection2,
    s.eps,
    s.stepSize,
  );
  return outs;
}

registerKernelOnce({
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const scalars = attrs as unknown as AdamUpdateScalars;
    const named = inputs as Record<'w' | 'g' | 'm' | 'v', TensorInfo>;
    const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.Tensor>;
    return onWasm(backend as KernelBackend, named, scalars) ?? adamUpdateComposite(w, g, m, v, scalars);
  },
});

for (const backendName of ['cpu', ...COMPOSITE_BACKENDS]) {
  registerKernelOnce({
    kernelName: ADAM_UPDATE,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.Tensor>;
      return adamUpdateComposite(w, g, m, v, attrs as unknown as AdamUpdateScalars);
    },
  });
}

for (const backendName of ['cpu', 'wasm', ...COMPOSITE_BACKENDS]) {
  registerKernelOnce({
    kernelName: ADAM_UPDATE_SCALAR_TENSORS,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { w, g, m, v, stepSize, sqrtBiasCorrection2 } = inputs as Record<string, tf.Tensor>;
      const { beta1, beta2, eps } = attrs as unknown as AdamUpdateScalars;
      return adamUpdateComposite(w!, g!, m!, v!, { beta1, beta2, eps, stepSize: stepSize as tf.Scalar, sqrtBiasCorrection2: sqrtBiasCorrection2 as tf.Scalar });
    },
  });
}

function checkMoments(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): void {
  for (const [name, t] of [['g', g], ['m', m], ['v', v]] as const) {
    if (!tf.util.arraysEqual(t.shape, w.shape)) throw new Error(`${ADAM_UPDATE}: ${name} has shape [${t.shape.join(', ')}], the parameter [${w.shape.join(', ')}]`);
  }
}

/** [w', m', v'] for parameter `w` with gradient `g` and moments `m`, `v` (all the same shape, float32). */
export function adamUpdate(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, scalars: AdamUpdateScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  checkMoments(w, g, m, v);
  const attrs = { ...scalars } as unknown as NamedAttrMap;
  return tf.engine().runKernel(ADAM_UPDATE, { w, g, m, v } as tf.NamedTensorMap, attrs) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * adamUpdate with the two scalars that change every step given as tensors: the same ops as the composite, so the
 * same floats, but a traced step (native/graph) takes them as graph inputs instead of folding one step's values
 * into constants. Runs the composite, or the native backend's BpttAdamUpdate (the same floats).
 */
export function adamUpdateWithScalarTensors(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, scalars: AdamUpdateScalarTensors): [tf.Tensor, tf.Tensor, tf.Tensor] {
  checkMoments(w, g, m, v);
  const { stepSize, sqrtBiasCorrection2, beta1, beta2, eps } = scalars;
  const inputs = { w, g, m, v, stepSize, sqrtBiasCorrection2 } as tf.NamedTensorMap;
  return tf.engine().runKernel(ADAM_UPDATE_SCALAR_TENSORS, inputs, { beta1, beta2, eps } as unknown as NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
