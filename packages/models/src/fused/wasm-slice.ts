/**
 * Slice, Unpack (tf.unstack) and SplitV (tf.split) for the wasm backend without a full copy of the input per call.
 *
 * tfjs-backend-wasm 4.22's slice starts with `backend.readSync(x.dataId)`, which copies the *whole* input out of
 * WebAssembly memory, and Unpack and SplitV call it once per output. Unstacking a [20, 64, 512] projection into
 * 20 steps copies 20 x 2.6 MB: ~28 ms of CPU where 2.6 MB of copying is needed (measured; the seq2seq training
 * step does three such unstacks forward and two stacks back). These versions read the input through a view of the
 * heap (`typedArrayFromHeap`, taken after the outputs are allocated, since allocation can grow and detach the
 * heap) and copy only what each output holds. String tensors keep the original kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface WasmBackendHeap {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const BACKEND = 'wasm';

/** Copies the [begin, begin + size) box of x (row-major, rank >= 1) into out, one contiguous run at a time. */
function copyBox(x: Float32Array | Int32Array | Uint8Array, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Float32Array | Int32Array | Uint8Array): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides([...shape]);
  const stride = (axis: number): number => (axis < rank - 1 ? (strides[axis] as number) : 1);
  // Trailing axes taken whole are contiguous with the last partial one: copy them as one run.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k] && begin[k] === 0) k -= 1;
  const run = (size[k] as number) * stride(k);
  const outer = size.slice(0, k);
  const index = new Array<number>(k).fill(0);
  const count = outer.reduce((p, d) => p * d, 1);
  let outOffset = 0;
  for (let n = 0; n < count; n++) {
    let offset = (begin[k] as number) * stride(k);
    for (let a = 0; a < k; a++) offset += ((begin[a] as number) + (index[a] as number)) * stride(a);
    out.set(x.subarray(offset, offset + run), outOffset);
    outOffset += run;
    for (let a = k - 1; a >= 0; a--) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (outer[a] as number)) break;
      index[a] = 0;
    }
  }
}

/** Slices of one input, allocated first and filled from one heap view. */
function sliceMany(backend: WasmBackendHeap, x: TensorInfo, boxes: readonly { begin: number[]; size: number[] }[]): TensorInfo[] {
  const outs = boxes.map(({ size }) => backend.makeOutput(size, x.dtype));
  const xValues = backend.typedArrayFromHeap(x);
  boxes.forEach(({ begin, size }, k) => {
    if (size.some((d) => d === 0)) return;
    copyBox(xValues, x.shape, begin, size, backend.typedArrayFromHeap(outs[k] as TensorInfo));
  });
  return outs;
}

function replace(kernelName: string, kernelFunc: (original: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(kernelName, BACKEND) as KernelConfig | undefined;
  if (original == null) throw new Error(`registerWasmSliceFix: the wasm backend has no ${kernelName} kernel to replace (import @tensorflow/tfjs-backend-wasm first)`);
  if ((original as { bpttFast?: boolean }).bpttFast === true) return;
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({ ...original, kernelFunc: kernelFunc(original.kernelFunc), bpttFast: true } as KernelConfig);
}

/** Replaces the wasm Slice, Unpack and SplitV kernels (idempotent). Call after importing the wasm backend. */
export function registerWasmSliceFix(): void {
  replace(tf.Slice, (original) => (args) => {
    const x = args.inputs['x'] as TensorInfo;
    if (x.dtype === 'string' || x.shape.length === 0) return original(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return sliceMany(args.backend as unknown as WasmBackendHeap, x, [{ begin: begin_, size: size_ }])[0] as TensorInfo;
  });
  replace(tf.Unpack, (original) => (args) => {
    const value = args.inputs['value'] as TensorInfo;
    if (value.dtype === 'string') return original(args);
    const rank = value.shape.length;
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const boxes = Array.from({ length: value.shape[axis] as number }, (_, i) => {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const size = value.shape.slice();
      size[axis] = 1;
      return { begin, size };
    });
    return sliceMany(args.backend as unknown as WasmBackendHeap, value, boxes).map(({ dataId, dtype }) => ({ dataId, dtype, shape: outShape }));
  });
  replace(tf.SplitV, (original) => (args) => {
    const x = args.inputs['x'] as TensorInfo;
    if (x.dtype === 'string' || x.shape.length === 0) return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    let start = 0;
    const boxes = sizes.map((length) => {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[$axis] = start;
      const size = x.shape.slice();
      size[$axis] = length;
      start += length;
      return { begin, size };
    });
    return sliceMany(args.backend as unknown as WasmBackendHeap, x, boxes);
  });
}
