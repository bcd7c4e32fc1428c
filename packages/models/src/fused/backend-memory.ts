/**
 * Runs an element-wise kernel written in JavaScript directly on a backend's own memory: the cpu backend's typed
 * arrays, or the wasm backend's heap. No copies, no intermediate tensors, one engine op instead of a dozen.
 *
 * Only these two backends keep float32 data where JavaScript can read it without a transfer; other backends get
 * the composite (tfjs-ops) implementation of each fused kernel instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/** The backends whose memory `runOnBackendMemory` can address. */
export const MEMORY_BACKENDS = ['cpu', 'wasm'] as const;
export type MemoryBackendName = (typeof MEMORY_BACKENDS)[number];

/** The parts of tfjs-backend-cpu's MathBackendCPU this module relies on. */
interface CpuBackendMemory {
  readonly data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** The parts of tfjs-backend-wasm's BackendWasm this module relies on. */
interface WasmBackendMemory {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Calls `body(inputViews, outputViews)` with Float32Array views of `inputs` and of freshly allocated outputs of
 * `outputShapes`, and returns the outputs. `kernel` names the caller in error messages.
 */
export function runOnBackendMemory(
  kernel: string,
  backendName: MemoryBackendName,
  backend: KernelBackend,
  inputs: readonly TensorInfo[],
  outputShapes: readonly (readonly number[])[],
  body: (inputs: readonly Float32Array[], outputs: readonly Float32Array[]) => void,
): TensorInfo[] {
  expectFloat32(kernel, inputs);
  if (backendName === 'cpu') {
    const cpu = backend as unknown as CpuBackendMemory;
    const inputViews = inputs.map((input) => {
      const values = cpu.data.get(input.dataId)?.values;
      if (!(values instanceof Float32Array)) throw new Error(`${kernel}: cpu tensor data is not a Float32Array`);
      return values;
    });
    const outputViews = outputShapes.map((shape) => new Float32Array(sizeOf(shape)));
    body(inputViews, outputViews);
    return outputShapes.map((shape, i) => cpu.makeTensorInfo([...shape], 'float32', outputViews[i] as Float32Array));
  }
  const wasm = backend as unknown as WasmBackendMemory;
  // Allocate every output before taking any view: an allocation may grow the wasm memory, which detaches the
  // ArrayBuffer behind views taken earlier.
  const outputInfos = outputShapes.map((shape) => wasm.makeOutput([...shape], 'float32'));
  const view = (info: TensorInfo): Float32Array => {
    const array = wasm.typedArrayFromHeap(info);
    if (!(array instanceof Float32Array)) throw new Error(`${kernel}: wasm heap view is not a Float32Array`);
    return array;
  };
  body(inputs.map(view), outputInfos.map(view));
  return outputInfos;
}

/** A new float32 tensor on the wasm backend's heap, for a kernel to fill (the SIMD kernels' outputs). */
export function wasmOutput(backend: KernelBackend, shape: readonly number[]): TensorInfo {
  return (backend as unknown as WasmBackendMemory).makeOutput([...shape], 'float32');
}

/**
 * Throws, naming `kernel` (and the input, when they come named), unless every input is float32: all the fused
 * kernels compute in float32.
 */
export function expectFloat32(kernel: string, inputs: readonly TensorInfo[] | Readonly<Record<string, TensorInfo>>): void {
  for (const [name, input] of Object.entries(inputs) as [string, TensorInfo][]) {
    if (input.dtype === 'float32') continue;
    const which = Array.isArray(inputs) ? 'inputs' : name;
    throw new TypeError(`${kernel}: ${which} must be float32, got ${input.dtype}`);
  }
}

/** The parts of BackendWasm the multi-phase wasm kernels use beyond views. */
interface WasmScratch extends WasmBackendMemory {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * A scratch pad on the wasm heap for kernels that run in phases: JavaScript loops over views, then the backend's
 * own vectorised Sigmoid kernel (XNNPACK: ~8x faster than Math.exp in a loop; the wasm Tanh kernel is scalar, so
 * tanh is computed as 2σ(2x) - 1 instead). Views go stale whenever the heap grows (any allocation, including the
 * Sigmoid kernel's output), so every phase asks for fresh ones through `view`.
 */
export class WasmScratchPad {
  private readonly temporaries: TensorInfo[] = [];
  private readonly sigmoidKernel: (info: TensorInfo) => TensorInfo;

  constructor(
    private readonly kernel: string,
    private readonly backend: KernelBackend,
  ) {
    const sigmoid = tf.getKernel(tf.Sigmoid, 'wasm');
    if (sigmoid == null) throw new Error(`${kernel}: the wasm backend has no Sigmoid kernel`);
    this.sigmoidKernel = (x) => sigmoid.kernelFunc({ inputs: { x }, backend: this.backend, attrs: {} }) as TensorInfo;
  }

  private get wasm(): WasmScratch {
    return this.backend as unknown as WasmScratch;
  }

  /** A float32 tensor the kernel returns (kept). */
  output(shape: readonly number[]): TensorInfo {
    return this.wasm.makeOutput([...shape], 'float32');
  }

  /** A float32 tensor freed by `release`. */
  temporary(shape: readonly number[]): TensorInfo {
    const info = this.wasm.makeOutput([...shape], 'float32');
    this.temporaries.push(info);
    return info;
  }

  /** σ(x) elementwise into a new temporary. */
  sigmoid(x: TensorInfo): TensorInfo {
    const out = this.sigmoidKernel(x);
    this.temporaries.push(out);
    return out;
  }

  view(info: TensorInfo): Float32Array {
    if (info.dtype !== 'float32') throw new TypeError(`${this.kernel}: inputs must be float32, got ${info.dtype}`);
    const array = this.wasm.typedArrayFromHeap(info);
    if (!(array instanceof Float32Array)) throw new Error(`${this.kernel}: wasm heap view is not a Float32Array`);
    return array;
  }

  release(): void {
    for (const info of this.temporaries) this.wasm.disposeData(info.dataId, true);
    this.temporaries.length = 0;
  }
}
