/**
 * Kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks or runs slowly, registered for the `wasm` backend:
 *
 * - UnsortedSegmentSum: missing, and the gradient of tf.gather (every embedding lookup) needs it. Runs on the
 *   backend's own heap (no copy out of WebAssembly memory): in SIMD (fused/simd) for float32 rows of a multiple of
 *   4 values, in JavaScript otherwise; rows are added in order either way.
 * - BatchMatMul with transposeA/transposeB: the wasm kernel handles the flags with a slow strided loop (about 10x
 *   slower than the plain path), and matMul's gradient always uses them (dA = dY Bᵀ, dB = Aᵀ dY). The fix
 *   transposes the flagged operand with the wasm Transpose kernel, then runs the fast plain kernel; a weight
 *   gradient Aᵀ B whose B is the larger operand runs as (Bᵀ A)ᵀ, because XNNPACK repacks B on every call.
 * - Transpose of the last two axes (every transposed matmul operand above): the wasm kernel moves one element
 *   at a time, ~4 ns each; the replacement moves 4 x 4 blocks with SIMD shuffles (fused/simd), ~8x faster, for
 *   float32 with both axes multiples of 4 (other cases keep the wasm kernel).
 * - Identity: the wasm kernel copies; the engine clones every tensor it saves for the backward pass, so each
 *   recorded op paid a copy. Like the cpu backend, the replacement shares the data and bumps its reference count.
 * - Slice, SplitV, Unpack: the wasm Slice reads its input with `readSync`, which COPIES the whole input out of the
 *   heap for every slice; tf.unstack of [T, B, 4H] then costs T full copies (O(T²)) and every tf.split of the
 *   gates copies them four times. The replacements copy only the sliced elements, through heap views.
 * - GatherV2 (every embedding lookup): the wasm kernel copies the indices out of the heap, checks them one closure
 *   call at a time and then gathers element by element: 2.8 ms for 1,280 rows of 64 floats, 11.7 ms for 2,560 rows
 *   of 128. The replacement copies whole rows through heap views (row memcpy).
 * - Sum over leading axes (every bias gradient: a [B·T, 4H] gradient summed over rows): the wasm kernel first
 *   transposes the input so the reduced axis is innermost, 6-8x slower than summing rows in place. The
 *   replacement adds rows into the output in row order, in float32 (measured bit-identical to the wasm kernel),
 *   four columns at a time in WebAssembly SIMD where the width allows (the JavaScript loop took ~7 ms for a
 *   [1280, 512] gradient, the SIMD one well under 1 ms).
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdKernels } from '../fused/simd/simd-kernels.ts';

/** What the two kernels see of the wasm backend (its public surface in backend_wasm.d.ts). */
interface WasmBackendLike {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}

export const WASM_KERNEL_FIXES = [
  'UnsortedSegmentSum (SIMD or JS, for gather gradients)',
  'Transpose of the last two axes in WebAssembly SIMD',
  'BatchMatMul transpose fast path (Aᵀ B as (Bᵀ A)ᵀ when that packs less)',
  'Slice/SplitV/Unpack without whole-input copies',
  'Identity by reference count (no copy)',
  'GatherV2 by row copies',
  'Sum over leading axes without a transpose (SIMD)',
] as const;

const BACKEND = 'wasm';
let registered = false;

/** Idempotent; call before `tf.setBackend('wasm')` so the forwarded setup function runs at initialisation. */
export function registerWasmKernelFixes(): void {
  if (registered) return;
  registerUnsortedSegmentSum();
  registerSimdTranspose(); // first: the BatchMatMul fix below calls the Transpose kernel it finds registered
  registerTransposeFreeBatchMatMul();
  registerCopyFreeSlicing();
  registerSharedIdentity();
  registerRowGather();
  registerLeadingAxisSum();
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
      const simd = x.dtype === 'float32' && segmentIds.dtype === 'int32' && rowSize % 4 === 0 ? simdKernels(backend as tf.KernelBackend) : undefined;
      if (simd !== undefined) {
        simd.segmentSum(simd.offset(x), simd.offset(segmentIds), simd.offset(out), rows, rowSize, numSegments);
        return out;
      }
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

function registerSimdTranspose(): void {
  replaceKernel(tf.Transpose, (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const rank = x.shape.length;
    const swapsLastTwo = rank >= 2 && perm.every((p, i) => (i < rank - 2 ? p === i : p === (i === rank - 2 ? rank - 1 : rank - 2)));
    const [R, C] = [x.shape[rank - 2] as number, x.shape[rank - 1] as number];
    const simd = swapsLastTwo && x.dtype === 'float32' && R % 4 === 0 && C % 4 === 0 ? simdKernels(args.backend as tf.KernelBackend) : undefined;
    if (simd === undefined) return original.kernelFunc(args);
    const wasm = args.backend as unknown as WasmBackendLike;
    const out = wasm.makeOutput([...x.shape.slice(0, -2), C, R], 'float32');
    const batches = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const [from, to] = [simd.offset(x), simd.offset(out)];
    for (let n = 0; n < batches; n++) simd.transpose(from + n * R * C * 4, to + n * R * C * 4, R, C);
    return out;
  });
}

function registerTransposeFreeBatchMatMul(): void {
  const transposeKernel = tf.getKernel(tf.Transpose, BACKEND);
  if (transposeKernel === undefined) throw new Error('wasm kernels: Transpose is not registered; import @tensorflow/tfjs-backend-wasm first');
  replaceKernel(tf.BatchMatMul, (original) => (args) => {
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
    if (transposeA && !transposeB && a.shape.length === 2 && b.shape.length === 2) {
      const [K, M] = a.shape as [number, number];
      const N = b.shape[1] as number;
      if (packsLessTransposed(K, M, N)) {
        // Aᵀ B = (Bᵀ A)ᵀ: XNNPACK then packs A [K, M] instead of B [K, N].
        const bT = swapLastTwo(b);
        const productT = original.kernelFunc({
          inputs: { a: bT, b: a },
          backend: args.backend,
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
        wasm.disposeData(bT.dataId);
        const product = swapLastTwo(productT);
        wasm.disposeData(productT.dataId);
        return product;
      }
    }
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
  });
}

/**
 * For Aᵀ B with A [K, M] and B [K, N] (every weight gradient, dW = Xᵀ dY): whether to compute it as (Bᵀ A)ᵀ.
 * XNNPACK repacks the right operand of every matmul (~11 ns per element here, single-threaded) and the SIMD
 * Transpose above costs ~1 ns per element, so besides the product itself the plain order costs KM + 11KN and the
 * transposed one KN + 11KM + MN. For the input projection's gradient at T·B = 1280, E = 64, 4H = 512 (less the
 * ~0.4 ms of making a fresh dY): 6.8-7.6 ms plain, 3.4-4.1 ms transposed.
 */
export function packsLessTransposed(K: number, M: number, N: number): boolean {
  return K * N + 11 * K * M + M * N < K * M + 11 * K * N;
}

/** Copies x[begin : begin + size] (any rank, numeric dtypes) into a new output, reading x through heap views. */
function sliceOnHeap(wasm: WasmBackendLike, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
  const out = wasm.makeOutput([...size], x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const outValues = wasm.typedArrayFromHeap(out);
  const values = wasm.typedArrayFromHeap(x);
  const rank = x.shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (x.shape[d + 1] as number);
  // Merge trailing dimensions that are taken whole into one contiguous run.
  let runDims = 1;
  let run = size[rank - 1] as number;
  while (runDims < rank && size[rank - runDims] === x.shape[rank - runDims] && begin[rank - runDims] === 0) {
    run *= size[rank - runDims - 1] as number;
    runDims++;
  }
  const outer = rank - runDims; // dimensions iterated one by one
  const index = new Array<number>(outer).fill(0);
  const runStart = (begin as number[]).slice(outer).reduce((acc, b, k) => acc + b * (strides[outer + k] as number), 0);
  for (let o = 0; o < total; o += run) {
    let offset = runStart;
    for (let d = 0; d < outer; d++) offset += ((begin[d] as number) + (index[d] as number)) * (strides[d] as number);
    outValues.set(values.subarray(offset, offset + run), o);
    for (let d = outer - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (size[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

function registerCopyFreeSlicing(): void {
  const replace = (kernelName: string, kernelFunc: tf.KernelFunc) =>
    replaceKernel(kernelName, (original) => (args) =>
      // Strings live outside the heap: leave them to the original kernel.
      (args.inputs as Record<string, tf.TensorInfo>)[kernelName === tf.Unpack ? 'value' : 'x']?.dtype === 'string' ? original.kernelFunc(args) : kernelFunc(args),
    );
  replace(tf.Slice, ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return sliceOnHeap(backend as unknown as WasmBackendLike, x, b, s);
  });
  replace(tf.SplitV, ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((part) => {
      const size = [...x.shape];
      size[ax] = part;
      const out = sliceOnHeap(backend as unknown as WasmBackendLike, x, begin, size);
      begin[ax] = (begin[ax] as number) + part;
      return out;
    });
  });
  replace(tf.Unpack, ({ inputs, backend, attrs }) => {
    const { value } = inputs as { value: tf.TensorInfo };
    const rank = value.shape.length;
    const ax = (((attrs as unknown as { axis: number }).axis % rank) + rank) % rank;
    const outShape = value.shape.filter((_, d) => d !== ax);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[ax] = 1;
    return Array.from({ length: value.shape[ax] as number }, (_, i) => {
      begin[ax] = i;
      const out = sliceOnHeap(backend as unknown as WasmBackendLike, value, begin, size);
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    });
  });
}

function registerSharedIdentity(): void {
  replaceKernel(tf.Identity, (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}

/** Replaces a wasm kernel, keeping the original for the cases the replacement leaves to it. */
function replaceKernel(kernelName: string, make: (original: tf.KernelConfig) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, BACKEND);
  if (original === undefined) throw new Error(`wasm kernels: ${kernelName} is not registered; import @tensorflow/tfjs-backend-wasm first`);
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({ ...original, kernelFunc: make(original) });
}

function registerRowGather(): void {
  replaceKernel(tf.GatherV2, (original) => (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    if (batchDims !== 0 || x.dtype === 'string' || indices.dtype !== 'int32') return original.kernelFunc(args);
    const wasm = args.backend as unknown as WasmBackendLike;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0] as number;
    const axisDim = x.shape[ax] as number;
    const ids = wasm.typedArrayFromHeap(indices);
    // The same check and message as tfjs's kernels, before anything is allocated.
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n] as number;
      if (id < 0 || id >= axisDim) throw new Error(`GatherV2: the index value ${id} is not in [0, ${axisDim - 1}]`);
    }
    const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const out = wasm.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
    // Views are taken after makeOutput: allocating can grow (and detach) the WebAssembly memory.
    const outValues = wasm.typedArrayFromHeap(out);
    const values = wasm.typedArrayFromHeap(x);
    const idsNow = wasm.typedArrayFromHeap(indices);
    const count = idsNow.length;
    for (let o = 0; o < outer; o++) {
      for (let n = 0; n < count; n++) {
        const from = (o * axisDim + (idsNow[n] as number)) * inner;
        outValues.set(values.subarray(from, from + inner), (o * count + n) * inner);
      }
    }
    return out;
  });
}

function registerLeadingAxisSum(): void {
  replaceKernel(tf.Sum, (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return original.kernelFunc(args);
    const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(axes.length);
    const width = rest.reduce((a, b) => a * b, 1);
    const wasm = args.backend as unknown as WasmBackendLike;
    const out = wasm.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    const simd = width % 4 === 0 ? simdKernels(args.backend as tf.KernelBackend) : undefined;
    if (simd !== undefined) {
      simd.sumRows(simd.offset(x), simd.offset(out), rows, width);
      return out;
    }
    const sums = wasm.typedArrayFromHeap(out);
    const values = wasm.typedArrayFromHeap(x);
    sums.fill(0);
    for (let r = 0; r < rows; r++) {
      const from = r * width;
      for (let k = 0; k < width; k++) sums[k] = (sums[k] as number) + (values[from + k] as number);
    }
    return out;
  });
}
