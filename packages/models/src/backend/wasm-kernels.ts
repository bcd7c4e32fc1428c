/**
 * Kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks or runs slowly, registered for the `wasm` backend:
 *
 * - UnsortedSegmentSum: missing, and the gradient of tf.gather (every embedding lookup) needs it. Written in
 *   JavaScript on the backend's own heap (no copy out of WebAssembly memory).
 * - BatchMatMul with transposeA/transposeB: the wasm kernel handles the flags with a slow strided loop (about 10x
 *   slower than the plain path), and matMul's gradient always uses them (dA = dY Bᵀ, dB = Aᵀ dY). The fix
 *   transposes the flagged operand with the wasm Transpose kernel, then runs the fast plain kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What the two kernels see of the wasm backend (its public surface in backend_wasm.d.ts). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}

export const WASM_KERNEL_FIXES = ['UnsortedSegmentSum (JS, for gather gradients)', 'BatchMatMul transpose fast path'] as const;

const BACKEND = 'wasm';
let registered = false;

/** Idempotent; call before `tf.setBackend('wasm')` so the forwarded setup function runs at initialisation. */
export function registerWasmKernelFixes(): void {
  if (registered) return;
  registerUnsortedSegmentSum();
  registerTransposeFreeBatchMatMul();
  registered = true;
}

function registerUnsortedSegmentSum(): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, BACKEND) !== undefined) return;
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const wasm = backend as unknown as WasmBackendLike;
      const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const rows = x.shape[0] ?? 1;
      const out = wasm.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
      // Views are taken after makeOutput: allocating can grow (and detach) the WebAssembly memory.
      const outValues = wasm.typedArrayFromHeap(out);
      const values = wasm.typedArrayFromHeap(x);
      const ids = wasm.typedArrayFromHeap(segmentIds);
      outValues.fill(0);
      for (let r = 0; r < rows; r++) {
        const segment = ids[r] as number;
        if (segment < 0 || segment >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
        const from = r * rowSize;
        const to = segment * rowSize;
        for (let k = 0; k < rowSize; k++) outValues[to + k] = (outValues[to + k] as number) + (values[from + k] as number);
      }
      return out;
    },
  });
}

function registerTransposeFreeBatchMatMul(): void {
  const original = tf.getKernel(tf.BatchMatMul, BACKEND);
  const transposeKernel = tf.getKernel(tf.Transpose, BACKEND);
  if (original === undefined || transposeKernel === undefined) {
    throw new Error('wasm kernels: BatchMatMul/Transpose not registered; import @tensorflow/tfjs-backend-wasm first');
  }
  tf.unregisterKernel(tf.BatchMatMul, BACKEND);
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: BACKEND,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const wasm = args.backend as unknown as WasmBackendLike;
      const swapLastTwo = (t: tf.TensorInfo): tf.TensorInfo => {
        const perm = t.shape.map((_, i) => i);
        const n = perm.length;
        [perm[n - 2], perm[n - 1]] = [perm[n - 1] as number, perm[n - 2] as number];
        return transposeKernel.kernelFunc({ inputs: { x: t }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const aPlain = transposeA ? swapLastTwo(a) : a;
      const bPlain = transposeB ? swapLastTwo(b) : b;
      const out = original.kernelFunc({
        inputs: { a: aPlain, b: bPlain },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      if (transposeA) wasm.disposeData(aPlain.dataId);
      if (transposeB) wasm.disposeData(bPlain.dataId);
      return out;
    },
  });
}
