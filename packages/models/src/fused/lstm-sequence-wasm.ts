/**
 * The whole-sequence LSTM kernels (lstm-sequence.ts) on the wasm backend, run below the engine: each step is the
 * backend's own BatchMatMul kernel (XNNPACK) called directly, plus one call of the SIMD step kernel
 * (simd/simd-kernels.ts) that reads and writes the sequence tensors in place on the heap.
 *
 * The engine-level version spends more per step on what surrounds the math than on the math: tf.unstack and
 * tf.stack copies of every step's slices, an engine op (with its bookkeeping) per add, and per-step tensors the
 * engine tracks. Here a step allocates only its matmul's output and the small tensor the next matmul reads.
 * Same math as the engine-level kernel (tests compare both with an unrolled reference to 1e-5); the gates' exp is
 * the SIMD kernel's (within 2 ulp), and the recurrent weight gradient is computed as its transpose (below), so its
 * sums may round differently in the last bits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { expectFloat32, wasmOutput } from './backend-memory.ts';
import type { SimdKernels } from './simd/simd-kernels.ts';

const FLOAT_BYTES = 4;

/** What these kernels use of tfjs-backend-wasm's BackendWasm besides `wasmOutput`. */
interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A wasm kernel called directly: no engine op, no tape, no tensor tracking. */
function backendKernel(name: string, backend: KernelBackend): (inputs: Record<string, TensorInfo>, attrs?: Record<string, unknown>) => TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm LSTM sequence: the wasm backend has no ${name} kernel`);
  return (inputs, attrs = {}) => kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/**
 * Tensors a kernel has allocated: all freed if the kernel fails half-way, none of those it returns otherwise.
 * (A tensor the engine never sees would otherwise stay on the heap for good.)
 */
class Allocations {
  private readonly live = new Set<TensorInfo>();
  constructor(private readonly backend: KernelBackend) {}

  private get wasm(): WasmBackend {
    return this.backend as unknown as WasmBackend;
  }

  output(shape: number[]): TensorInfo {
    const info = wasmOutput(this.backend, shape);
    this.live.add(info);
    return info;
  }

  adopt(info: TensorInfo): TensorInfo {
    this.live.add(info);
    return info;
  }

  free(info: TensorInfo | undefined): void {
    if (info === undefined || !this.live.delete(info)) return;
    this.wasm.disposeData(info.dataId);
  }

  freeAll(): void {
    for (const info of this.live) this.wasm.disposeData(info.dataId);
    this.live.clear();
  }

  /** Run `body`; on failure free everything allocated so far and rethrow. */
  static run<T>(backend: KernelBackend, body: (allocations: Allocations) => T): T {
    const allocations = new Allocations(backend);
    try {
      return body(allocations);
    } catch (error) {
      allocations.freeAll();
      throw error;
    }
  }
}

export interface SequenceSizes {
  T: number;
  B: number;
  H: number;
}

/** Forward: [h (T, B, H), c (T, B, H), saved (T, B, 5H)], as the engine-level kernel. */
export function lstmSequenceForwardOnWasm(
  kernel: string,
  backend: KernelBackend,
  simd: SimdKernels,
  inputs: Record<'xProj' | 'h0' | 'c0' | 'recurrentKernel', TensorInfo>,
  { T, B, H }: SequenceSizes,
): TensorInfo[] {
  expectFloat32(kernel, inputs);
  const { xProj, h0, c0, recurrentKernel } = inputs;
  const matMul = backendKernel(tf.BatchMatMul, backend);
  const at = simd.offset;
  const state = B * H * FLOAT_BYTES;
  return Allocations.run(backend, (allocations) => {
    const [h, c, saved] = [allocations.output([T, B, H]), allocations.output([T, B, H]), allocations.output([T, B, 5 * H])];
    let hPrevious = h0;
    let ownedPrevious: TensorInfo | undefined;
    for (let t = 0; t < T; t++) {
      const hProj = allocations.adopt(matMul({ a: hPrevious, b: recurrentKernel }, { transposeA: false, transposeB: false }));
      // The next step's matmul reads h_t as a tensor of its own; the kernel writes it there as well as into h.
      const hNext = t < T - 1 ? allocations.output([B, H]) : undefined;
      simd.lstmForward(
        at(xProj) + t * 4 * state,
        at(hProj),
        t === 0 ? at(c0) : at(c) + (t - 1) * state,
        at(h) + t * state,
        at(c) + t * state,
        at(saved) + t * 5 * state,
        hNext === undefined ? 0 : at(hNext),
        B,
        H,
      );
      allocations.free(hProj);
      allocations.free(ownedPrevious);
      if (hNext !== undefined) hPrevious = ownedPrevious = hNext;
    }
    return [h, c, saved];
  });
}

/** Backward: [dxProj (T, B, 4H), dh0, dc0, dRecurrentKernel], as the engine-level kernel. */
export function lstmSequenceBackwardOnWasm(
  kernel: string,
  backend: KernelBackend,
  simd: SimdKernels,
  inputs: Record<'h0' | 'c0' | 'recurrentKernel' | 'h' | 'c' | 'saved' | 'dh' | 'dc', TensorInfo>,
  { T, B, H }: SequenceSizes,
): TensorInfo[] {
  expectFloat32(kernel, inputs);
  const { h0, c0, recurrentKernel, h, c, saved, dh, dc } = inputs;
  const matMul = backendKernel(tf.BatchMatMul, backend);
  const transpose = backendKernel(tf.Transpose, backend);
  const at = simd.offset;
  const state = B * H * FLOAT_BYTES;
  return Allocations.run(backend, (allocations) => {
    const recurrentT = allocations.adopt(transpose({ x: recurrentKernel }, { perm: [1, 0] })); // once per sequence
    const dxProj = allocations.output([T, B, 4 * H]);
    // dz of every step again, transposed ([4H, T·B]), for the weight gradient below.
    const dzT = allocations.output([4 * H, T * B]);
    let dhNext: TensorInfo | undefined;
    let dcNext: TensorInfo | undefined;
    for (let t = T - 1; t >= 0; t--) {
      // dz_t goes into dxProj and, as a tensor of its own, into the matmul that makes dh_{t-1}.
      const dz = allocations.output([B, 4 * H]);
      const dcPrevious = allocations.output([B, H]);
      simd.lstmBackward(
        at(saved) + t * 5 * state,
        t > 0 ? at(c) + (t - 1) * state : at(c0),
        at(dh) + t * state,
        dhNext === undefined ? 0 : at(dhNext),
        at(dc) + t * state,
        dcNext === undefined ? 0 : at(dcNext),
        at(dxProj) + t * 4 * state,
        at(dz),
        at(dcPrevious),
        at(dzT) + t * B * FLOAT_BYTES,
        T * B * FLOAT_BYTES,
        B,
        H,
      );
      allocations.free(dhNext);
      allocations.free(dcNext);
      dhNext = allocations.adopt(matMul({ a: dz, b: recurrentT }, { transposeA: false, transposeB: false }));
      dcNext = dcPrevious;
      allocations.free(dz);
    }
    allocations.free(recurrentT);
    // dW_hh = Σ_t h_{t-1}ᵀ dz_t as one matmul over all steps, computed as its transpose dzᵀ [4H, T·B] times
    // [h0, h_0 .. h_{T-2}] ([T·B, H]): XNNPACK repacks its right operand on every call, and this way that operand
    // is the [T·B, H] one, not dz [T·B, 4H] (measured at T·B = 1280, H = 128: 5.6 ms instead of 11.7 ms).
    const previous = allocations.output([T * B, H]);
    simd.copy(at(previous), at(h0), state);
    if (T > 1) simd.copy(at(previous) + state, at(h), (T - 1) * state);
    const dRecurrentT = allocations.adopt(matMul({ a: dzT, b: previous }, { transposeA: false, transposeB: false }));
    allocations.free(previous);
    allocations.free(dzT);
    const dRecurrent = allocations.adopt(transpose({ x: dRecurrentT }, { perm: [1, 0] }));
    allocations.free(dRecurrentT);
    return [dxProj, dhNext as TensorInfo, dcNext as TensorInfo, dRecurrent];
  });
}
