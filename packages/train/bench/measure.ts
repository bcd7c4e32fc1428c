/**
 * What one training step does, measured rather than claimed: a per-kernel time profile (tf.profile), the number
 * of kernels per time step, how many matmuls run with a transposed operand, and how many times the step reads a
 * tensor back to JavaScript (each read is a synchronisation point).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelShare {
  readonly name: string;
  readonly count: number;
  readonly ms: number;
  /** Fraction of the profiled kernel time. */
  readonly share: number;
}

export interface StepProfile {
  /** Sum of kernel times in the profiled step (profiling adds overhead; compare shares, not totals). */
  readonly kernelMs: number;
  readonly kernels: number;
  readonly byKernel: readonly KernelShare[];
  /**
   * tf.customGrad calls, which the profiler records under the enclosing scope's name ('forward', ...). Their
   * time already contains the kernels they ran, which are also listed, so they are kept out of the total.
   */
  readonly customGradScopes: readonly KernelShare[];
  readonly matMuls: number;
  /** Matmuls whose operand shapes only fit with a transpose (the backward pass of x W, typically). */
  readonly transposedMatMuls: number;
  /** Matmuls with an operand of `wideRows` rows: work batched over every time step (B·T rows). */
  readonly wideMatMuls: number;
  /** Read-backs (dataSync / arraySync / data) during the step. */
  readonly syncs: number;
  /**
   * Most bytes of live tfjs tensors at any point of the step (tf.profile's peakBytes), MiB. tfjs counts every tensor
   * object, so views sharing one buffer (reshape, the clones a kernel saves for its gradient) count once each: an
   * upper bound on tensor memory, useful to compare paths and to tell tensors from allocator or library overhead.
   */
  readonly peakTensorMiB: number;
}

const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'MatMul']);

/**
 * A [.., r1, c1] x [.., r2, c2] -> [.., m, n] product is untransposed when c1 = r2, r1 = m and c2 = n. Square
 * shapes can hide a transpose; recurrent weights are [H, 4H], so the shapes here tell.
 */
function isTransposed(inputShapes: readonly (readonly number[])[], outputShape: readonly number[] | undefined): boolean {
  const [a, b] = inputShapes;
  if (a === undefined || b === undefined || outputShape === undefined) return false;
  const [r1, c1] = a.slice(-2);
  const [r2, c2] = b.slice(-2);
  const [m, n] = outputShape.slice(-2);
  return !(c1 === r2 && r1 === m && c2 === n);
}

/** Counts read-backs while `f` runs by wrapping the engine's read paths (every dataSync/data goes through them). */
export async function countSyncs<T>(f: () => Promise<T> | T): Promise<{ result: T; syncs: number }> {
  const engine = tf.engine() as unknown as { readSync: (id: object) => unknown; read: (id: object) => Promise<unknown> };
  const { readSync, read } = engine;
  let syncs = 0;
  engine.readSync = (id) => {
    syncs += 1;
    return readSync.call(engine, id);
  };
  engine.read = (id) => {
    syncs += 1;
    return read.call(engine, id);
  };
  try {
    return { result: await f(), syncs };
  } finally {
    engine.readSync = readSync;
    engine.read = read;
  }
}

/** Profiles one call of `step` (which must run exactly one training step). */
export async function profileStep(step: () => void, wideRows: number): Promise<StepProfile> {
  // The profiler otherwise reads every kernel output back to check it for NaN, which is not part of a step.
  const checking = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    const { result: info, syncs } = await countSyncs(() => tf.profile(() => step()));
    const byName = new Map<string, { count: number; ms: number }>();
    const scopes = new Map<string, { count: number; ms: number }>();
    const backend = tf.getBackend();
    let matMuls = 0;
    let transposedMatMuls = 0;
    let wideMatMuls = 0;
    let total = 0;
    let kernels = 0;
    for (const kernel of info.kernels) {
      const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
      const isKernel = tf.getKernel(kernel.name, backend) != null;
      const into = isKernel ? byName : scopes;
      if (isKernel) {
        total += ms;
        kernels += 1;
      }
      const entry = into.get(kernel.name) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += ms;
      into.set(kernel.name, entry);
      if (MATMUL_KERNELS.has(kernel.name)) {
        matMuls += 1;
        if (isTransposed(kernel.inputShapes, kernel.outputShapes[0])) transposedMatMuls += 1;
        if (kernel.inputShapes.some((shape) => shape.slice(-2).includes(wideRows))) wideMatMuls += 1;
      }
    }
    const shares = (map: Map<string, { count: number; ms: number }>) =>
      [...map.entries()]
        .map(([name, { count, ms }]) => ({ name, count, ms: round(ms, 3), share: total > 0 ? round(ms / total, 4) : 0 }))
        .sort((x, y) => y.ms - x.ms || x.name.localeCompare(y.name));
    return { kernelMs: round(total, 2), kernels, byKernel: shares(byName), customGradScopes: shares(scopes), matMuls, transposedMatMuls, wideMatMuls, syncs, peakTensorMiB: round(info.peakBytes / 2 ** 20, 1) };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checking);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
