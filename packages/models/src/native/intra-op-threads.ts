/**
 * How many threads native TensorFlow splits one kernel across (its intra-op pool), through TensorFlow's own
 * variable `TF_NUM_INTRAOP_THREADS`, read by libtensorflow when tfjs-node creates its context.
 *
 * Default 1, set before tfjs-node loads, for two measured reasons (packages/train/bench, this 2-vCPU machine):
 * - speed: this project's kernels are small (B = 64, H <= 512); splitting them costs more than it gains. One
 *   process trains as fast or faster with one thread and uses ~20% less CPU per step; two processes side by side
 *   (Nx runs a grid's tasks in parallel) trained at 12-16k tokens/s each with TensorFlow's default pool and at
 *   20-26k with one thread each.
 * - reproducibility: with a pool, Eigen splits reductions by the pool size, so the last bits of a result depend on
 *   the machine's core count (the bench's larger configuration differs after 3 Adam steps between 1 and 2 threads).
 *   A fixed count gives the same numbers on any number of cores (on one CPU type: TensorFlow's own kernels take
 *   other code paths on other instruction sets, README.md).
 * Set `TF_NUM_INTRAOP_THREADS` to override (0 = TensorFlow's choice: one per core); it is an input of the Nx
 * training and evaluation tasks, since it can change results.
 */
export const INTRA_OP_THREADS_VARIABLE = 'TF_NUM_INTRAOP_THREADS';
export const DEFAULT_INTRA_OP_THREADS = 1;

/** The intra-op thread count to use: the variable if set (validated), else the default. */
export function intraOpThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[INTRA_OP_THREADS_VARIABLE];
  if (value === undefined || value === '') return DEFAULT_INTRA_OP_THREADS;
  if (!/^\d+$/.test(value.trim())) {
    throw new RangeError(`${INTRA_OP_THREADS_VARIABLE} must be a whole number (0 = one thread per core), got '${value}'`);
  }
  return Number(value.trim());
}

/** Puts the count where libtensorflow reads it; must run before tfjs-node loads (it creates the context then). */
export function applyIntraOpThreads(env: NodeJS.ProcessEnv = process.env): number {
  const threads = intraOpThreadsFromEnv(env);
  env[INTRA_OP_THREADS_VARIABLE] = String(threads);
  return threads;
}
