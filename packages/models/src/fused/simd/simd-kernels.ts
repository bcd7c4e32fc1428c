/**
 * The WebAssembly SIMD kernels of kernels-source.ts, instantiated on tfjs-backend-wasm's own memory.
 *
 * The JavaScript versions of the LSTM step kernels (../lstm-gates.ts) made the element-wise work of one step cost
 * more than its recurrent matmul on wasm (B = 64, H = 128: ~330 us forward, ~120 us backward, against ~250 us for
 * h W_hh on two threads); here it is one vectorised pass each way (~65 us and ~15 us). Arguments are byte
 * offsets of tensors on the backend's heap (`getMemoryOffset`), which stay valid when the heap grows, unlike
 * JavaScript views of it.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED } from './kernels.generated.ts';

export interface SimdKernels {
  /** Byte offset of a tensor's data on the heap. */
  offset(info: TensorInfo): number;
  /** Copies `bytes` bytes on the heap from byte offset `from` to `to`. */
  copy(to: number, from: number, bytes: number): void;
  /** One LSTM step's gates and cell update; H % 4 == 0. See kernels-source.ts for the arguments. */
  lstmForward(xProj: number, hProj: number, c: number, hOut: number, cOut: number, saved: number, hCopy: number, B: number, H: number): void;
  /** Its gradient; H % 4 == 0. */
  lstmBackward(
    saved: number,
    c: number,
    dh: number,
    dhExtra: number,
    dcNew: number,
    dcExtra: number,
    dz: number,
    dzCopy: number,
    dcOut: number,
    dzT: number,
    dzTRow: number,
    B: number,
    H: number,
  ): void;
  /** One GRU step (PyTorch's convention) into hOut [B, H] and gates [B, 3H]; H % 4 == 0. */
  gruForward(xProj: number, hProj: number, h: number, hOut: number, gates: number, B: number, H: number): void;
  /** Its gradient: dxProj, dhProj [B, 3H] and dh [B, H]; H % 4 == 0. */
  gruBackward(gates: number, hProj: number, h: number, dhNew: number, dxProj: number, dhProj: number, dh: number, B: number, H: number): void;
  /** dst [C, R] = src [R, C] transposed; R % 4 == 0 and C % 4 == 0. */
  transpose(src: number, dst: number, R: number, C: number): void;
  /** dst [width] = the sum of the rows of src [rows, width], in row order, in float32; width % 4 == 0. */
  sumRows(src: number, dst: number, rows: number, width: number): void;
  /** dst [segments, width] = rows of src [rows, width] added into row ids[r] (int32 at `ids`); width % 4 == 0. */
  segmentSum(src: number, ids: number, dst: number, rows: number, width: number, segments: number): void;
  /** One Adam update of n values into wOut, mOut, vOut; n % 4 == 0. See ../adam-update.ts. */
  adamUpdate(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    sqrtBc2: number,
    eps: number,
    stepSize: number,
  ): void;
}

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** What this module reads of tfjs-backend-wasm's BackendWasm and its Emscripten module. */
interface WasmBackendInternals {
  getMemoryOffset(dataId: object): number;
  wasm: { wasmMemory?: unknown; asm?: { memory?: unknown } };
}

/** Per heap: the instance, or null where the module cannot run (a WebAssembly engine without SIMD). */
const instances = new WeakMap<WasmMemory, SimdKernels | null>();

function backendMemory(backend: KernelBackend): WasmMemory | undefined {
  const { wasm } = backend as unknown as WasmBackendInternals;
  // The threaded build keeps its (shared, imported) memory on the module; the single-threaded one exports it.
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return memory instanceof wasmApi.Memory ? memory : undefined;
}

function instantiate(backend: KernelBackend, memory: WasmMemory): SimdKernels | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  let exports: Record<string, unknown>;
  try {
    const module = new wasmApi.Module(Buffer.from(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_PLAIN, 'base64'));
    exports = new wasmApi.Instance(module, { env: { memory } }).exports;
  } catch {
    return null; // no SIMD in this engine: the callers keep their JavaScript kernels
  }
  const internals = backend as unknown as WasmBackendInternals;
  return {
    offset: (info) => internals.getMemoryOffset(info.dataId),
    // A fresh view each time: growing the heap replaces the buffer behind older views.
    copy: (to, from, bytes) => void new Uint8Array(memory.buffer).copyWithin(to, from, from + bytes),
    lstmForward: exports['lstm_gates_forward'] as SimdKernels['lstmForward'],
    lstmBackward: exports['lstm_gates_backward'] as SimdKernels['lstmBackward'],
    gruForward: exports['gru_gates_forward'] as SimdKernels['gruForward'],
    gruBackward: exports['gru_gates_backward'] as SimdKernels['gruBackward'],
    transpose: exports['transpose'] as SimdKernels['transpose'],
    sumRows: exports['sum_rows'] as SimdKernels['sumRows'],
    segmentSum: exports['segment_sum'] as SimdKernels['segmentSum'],
    adamUpdate: exports['adam_update'] as SimdKernels['adamUpdate'],
  };
}

/**
 * The SIMD kernels for this wasm backend, or undefined where they cannot run; callers then keep their
 * JavaScript (or the backend's own) kernels, as they do for shapes a kernel does not take (see each one).
 */
export function simdKernels(backend: KernelBackend): SimdKernels | undefined {
  const memory = backendMemory(backend);
  if (memory === undefined) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = instantiate(backend, memory);
    instances.set(memory, kernels);
  }
  return kernels ?? undefined;
}

/** The SIMD kernels where the LSTM and GRU step kernels can run: H a multiple of 4 (they work four units at a time). */
export function stepSimdKernels(backend: KernelBackend, H: number): SimdKernels | undefined {
  return H % 4 === 0 ? simdKernels(backend) : undefined;
}
