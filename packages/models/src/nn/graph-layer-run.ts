/**
 * Inside a training step being traced into a TensorFlow graph (native/graph), an LSTM layer runs as
 * `graphLstmSequence`: the input projection as one matmul, a per-step forward, and a hand-written backward whose
 * weight gradients are matmuls over chunks of positions, instead of the step-by-step tfjs loop whose autodiff sums a
 * weight gradient per step.
 *
 * GRU layers run as the addon's whole-sequence GRU kernels where they are registered (native/gru-sequence-op.ts);
 * without them a GRU layer keeps the step loop (there is no step-by-step GRU counterpart of graphLstmSequence).
 *
 * The step-by-step loop stays where the per-step graph is the point or the math differs: a variational mask on h,
 * dL/dh_t probes, truncated BPTT's window, kept states (language-model restarts), and BPTT_FUSED_RECURRENCE=off
 * (the reference path).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { isTracingGraph } from '../native/graph/trace.ts';
import { sequenceKernelGru } from '../native/gru-sequence-op.ts';
import { graphLstmSequence } from '../native/lstm-graph-sequence.ts';
import { nativeStepKernels } from '../native/step-kernels.ts';
import { fusedRecurrence } from './fusion-policy.ts';
import type { CellState, RecurrenceWeights, RecurrentCell } from './recurrent-cell.ts';
import type { SequenceRunResult } from './run-sequence.ts';

export interface GraphLayerRunOptions {
  readonly probes?: unknown;
  readonly gradientStart?: number;
  readonly keepStates?: boolean;
}

export function canRunGraphLayer(cell: RecurrentCell, rec: RecurrenceWeights, options: GraphLayerRunOptions): boolean {
  if (!isTracingGraph() || fusedRecurrence() === 'off') return false;
  return (
    (cell.type === 'lstm' || nativeStepKernels().sequence) &&
    rec.hiddenMask === undefined &&
    options.probes === undefined &&
    (options.gradientStart ?? 0) === 0 &&
    options.keepStates !== true
  );
}

/** x: the layer's input [T, B, in] (dropout already applied); returns what `runSequence` returns. */
export function runGraphLayer(
  cell: RecurrentCell,
  x: tf.Tensor3D,
  initial: CellState,
  rec: RecurrenceWeights,
  options: { readonly reverse?: boolean; readonly stepMasks?: readonly (tf.Tensor2D | undefined)[] },
): SequenceRunResult {
  if (cell.type === 'gru') {
    const gruWeights = { W_ih: cell.W_ih as tf.Tensor2D, W_hh: rec.W_hh, b_ih: cell.b_ih as tf.Tensor1D, b_hh: cell.b_hh as tf.Tensor1D };
    const { outputs, final } = sequenceKernelGru(x, initial.h, gruWeights, options);
    return { outputs, final, states: [] };
  }
  if (initial.c === undefined) throw new Error(`${cell.name}: LSTM state without a cell state c`);
  const weights = { kernel: cell.W_ih as tf.Tensor2D, recurrentKernel: rec.W_hh, bias: cell.b_ih as tf.Tensor1D };
  const { outputs, final } = graphLstmSequence(x, initial.h, initial.c, weights, options);
  return { outputs, final, states: [] };
}
