/**
 * One LSTM layer in one direction as a single sequence kernel (TensorFlow's BlockLSTMV2 on the native backend,
 * @bptt/models' JavaScript `lstmSequence` elsewhere), giving exactly what `runSequence` gives step by step:
 *
 * - padding (right-padded rows, host-side `lengths`): the step-by-step run carries the state through padding, so
 *   its final state is the state after each row's last real token and its outputs at padded positions repeat that
 *   state (forward) or the initial state (backward). Here every row runs to T, the final state is picked at
 *   position length - 1, and padded outputs are replaced by those same values, so values and gradients agree.
 * - backward direction: each row is reversed within its own length (a permutation that is its own inverse), run
 *   forward, and the outputs are permuted back to position order.
 * - truncated BPTT (`gradientStart`): the forward direction runs the positions before the window and the window as
 *   two kernels with the state detached in between (TBPTT with k1 = k2, chunk by chunk); the backward direction
 *   detaches the outputs before the window and its final state, as the step-by-step run does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lstmSequence } from '../fused/lstm-sequence.ts';
import { nativeLstmSequence } from '../native/lstm-block.ts';
import { NATIVE_BACKEND_NAME } from '../native/load.ts';
import { isTracingGraph } from '../native/graph/trace.ts';
import { detach } from './detach.ts';
import { projectSequence } from './input-projection.ts';
import { AUTO_FUSED_BACKENDS, fusedRecurrence } from './fusion-policy.ts';
import type { CellState, RecurrenceWeights, RecurrentCell } from './recurrent-cell.ts';
import type { SequenceRunResult } from './run-sequence.ts';

export interface FusedRunOptions {
  readonly reverse?: boolean;
  /** Real length of each row (right padding); undefined when every row is T long. */
  readonly lengths?: readonly number[];
  readonly gradientStart?: number;
  readonly keepStates?: boolean;
}

/** Whether this layer's run can be one kernel under the current policy and backend. */
export function canRunFused(
  cell: RecurrentCell,
  rec: RecurrenceWeights,
  options: FusedRunOptions & { readonly probes?: unknown },
): boolean {
  const policy = fusedRecurrence();
  if (policy === 'off') return false;
  if (policy === 'auto' && !AUTO_FUSED_BACKENDS.includes(tf.getBackend())) return false;
  // In a TensorFlow graph the per-step ops cost no dispatch, and TensorFlow's BlockLSTMV2 kernels are slower than
  // the step-by-step graph (reference config, forward + backward: 30 ms fused vs 17 ms step by step): there the
  // layer runs as graph-layer-run.ts says.
  if (policy === 'auto' && isTracingGraph()) return false;
  if (cell.type !== 'lstm' || rec.hiddenMask !== undefined || options.probes !== undefined) return false;
  // keepStates lists states in processing order; padded or reversed runs would need their own bookkeeping.
  if (options.keepStates === true && (options.reverse === true || options.lengths !== undefined)) return false;
  return true;
}

/** x: the layer's input [T, B, in] (dropout already applied); returns what `runSequence` returns. */
export function runFusedLstm(cell: RecurrentCell, x: tf.Tensor3D, initial: CellState, rec: RecurrenceWeights, options: FusedRunOptions = {}): SequenceRunResult {
  const [T, B] = x.shape;
  const lengths = padded(options.lengths, T, B, cell.name);
  const reverse = options.reverse === true;
  const start = Math.min(Math.max(options.gradientStart ?? 0, 0), T);
  if (initial.c === undefined) throw new Error(`${cell.name}: LSTM state without a cell state c`);
  const permutation = reverse && lengths !== undefined ? reverseWithinLengths(lengths, T, B) : undefined;
  // BlockLSTMV2 projects its input inside the kernel; elsewhere the projection runs once for the whole sequence,
  // before any reordering (the same rows either way).
  const native = tf.getBackend() === NATIVE_BACKEND_NAME;
  const source = native ? x : projectSequence(cell, x);
  const input = reverse ? (permutation === undefined ? tf.reverse(source, 0) : permuteSteps(source, permutation)) : source;

  let h: tf.Tensor3D;
  let c: tf.Tensor3D;
  if (!reverse && start > 0 && start < T) {
    const head = sequenceKernel(native, cell, tf.slice(input, [0, 0, 0], [start, -1, -1]), initial.h, initial.c, rec);
    const headH = detach(head.h);
    const headC = detach(head.c);
    const entering = { h: lastStep(headH), c: lastStep(headC) };
    const tail = sequenceKernel(native, cell, tf.slice(input, [start, 0, 0], [-1, -1, -1]), entering.h, entering.c, rec);
    h = tf.concat([headH, tail.h], 0);
    c = tf.concat([headC, tail.c], 0);
  } else {
    ({ h, c } = sequenceKernel(native, cell, input, initial.h, initial.c, rec));
  }

  let final: CellState = lengths === undefined ? { h: lastStep(h), c: lastStep(c) } : { h: atLengths(h, lengths), c: atLengths(c, lengths) };
  // Outputs in position order; padded positions hold what the step-by-step run carries there.
  let outputs3: tf.Tensor3D = reverse ? (permutation === undefined ? tf.reverse(h, 0) : permuteSteps(h, permutation)) : h;
  if (lengths !== undefined) {
    const real = realMask(lengths, T, B);
    const carried = reverse ? initial.h : final.h;
    outputs3 = tf.add(tf.mul(real, outputs3), tf.mul(tf.sub(1, real), tf.expandDims(carried, 0)));
  }
  let outputs = tf.unstack(outputs3) as tf.Tensor2D[];
  if (start > 0 && (reverse || start >= T)) outputs = outputs.map((o, t) => (t < start ? detach(o) : o));
  // A backward run ends at position 0, outside the window: its final state carries no gradient (as runSequence).
  if (reverse && start > 0) final = { h: detach(final.h), c: detach(final.c as tf.Tensor2D) };
  const states: CellState[] = [];
  if (options.keepStates === true) {
    const hs = tf.unstack(h) as tf.Tensor2D[];
    const cs = tf.unstack(c) as tf.Tensor2D[];
    hs.forEach((hk, k) => states.push({ h: hk, c: cs[k] as tf.Tensor2D }));
  }
  return { outputs, final, states };
}

/**
 * The backend's sequence kernel over steps in processing order: every step's h and c, [T, B, H] each. `input`:
 * the layer's input [T, B, in] on native TensorFlow, its projection [T, B, 4H] elsewhere.
 */
function sequenceKernel(
  native: boolean,
  cell: RecurrentCell,
  input: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  rec: RecurrenceWeights,
): { h: tf.Tensor3D; c: tf.Tensor3D } {
  if (native) {
    // BlockLSTMV2 does the input projection itself, from [x, h] and [W_ih; W_hh].
    return nativeLstmSequence(input, h0, c0, { kernel: cell.W_ih as tf.Tensor2D, recurrentKernel: rec.W_hh, bias: cell.b_ih as tf.Tensor1D });
  }
  return lstmSequence(input, h0, c0, rec.W_hh);
}

function padded(lengths: readonly number[] | undefined, T: number, B: number, origin: string): readonly number[] | undefined {
  if (lengths === undefined) return undefined;
  if (lengths.length !== B || lengths.some((n) => !Number.isInteger(n) || n < 1 || n > T)) {
    throw new Error(`${origin}: lengths must be ${B} integers in [1, ${T}], got [${lengths.join(', ')}]`);
  }
  return lengths.every((n) => n === T) ? undefined : lengths;
}

function lastStep(x: tf.Tensor3D): tf.Tensor2D {
  const [T, B, H] = x.shape;
  return tf.reshape(tf.slice(x, [T - 1, 0, 0], [1, -1, -1]), [B, H]);
}

/** Row b at step lengths[b] - 1: [T, B, H] -> [B, H]. */
function atLengths(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor2D {
  const [T, B, H] = x.shape;
  const index = tf.tensor1d(lengths.map((n, b) => (n - 1) * B + b), 'int32');
  return tf.gather(tf.reshape(x, [T * B, H]), index) as tf.Tensor2D;
}

/** Row b's steps 0..len-1 reversed, padding left in place: flat [T·B] row indices, its own inverse. */
function reverseWithinLengths(lengths: readonly number[], T: number, B: number): tf.Tensor1D {
  const index = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const n = lengths[b] as number;
      index[t * B + b] = (t < n ? n - 1 - t : t) * B + b;
    }
  }
  return tf.tensor1d(index, 'int32');
}

function permuteSteps(x: tf.Tensor3D, permutation: tf.Tensor1D): tf.Tensor3D {
  const [T, B, D] = x.shape;
  return tf.reshape(tf.gather(tf.reshape(x, [T * B, D]), permutation), [T, B, D]);
}

function realMask(lengths: readonly number[], T: number, B: number): tf.Tensor3D {
  const values = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) values[t * B + b] = t < (lengths[b] as number) ? 1 : 0;
  return tf.tensor3d(values, [T, B, 1]);
}
