/**
 * The time loop of one recurrent layer in one direction: explicit, so BPTT is just the engine replaying it
 * backwards. Inputs arrive as per-step input projections (computed for all steps in one matmul by the caller).
 */
import * as tf from '@tensorflow/tfjs-core';
import { detach } from './detach.ts';
import type { DropoutMasks } from './dropout.ts';
import type { CellState, PreparedRecurrence, RecurrentCell } from './recurrent-cell.ts';

export interface SequenceRunOptions {
  /** Run from the last position to the first (the backward half of a bidirectional layer). */
  readonly reverse?: boolean;
  /**
   * [B, 1] float masks per position, 0 where the position is padding: there the state is carried through
   * unchanged, so the final state is the state after each sequence's last real token. Undefined = all real.
   */
  readonly stepMasks?: readonly (tf.Tensor2D | undefined)[];
  /**
   * Truncated BPTT: positions before this index are outside the gradient window. Everything that leaves them
   * (their outputs, the state crossing into the window, a backward run's final state) is detached.
   */
  readonly gradientStart?: number;
  /** Zero [B, H] tensors added to h at each position, so dL/dprobe_t = dL/dh_t (gradient-flow diagnostic). */
  readonly probes?: readonly tf.Tensor2D[];
  /** Keep the state after every step (language model TBPTT restarts). */
  readonly keepStates?: boolean;
}

export interface SequenceRunResult {
  /** [B, H] per position, in position order (whatever the direction). */
  readonly outputs: tf.Tensor2D[];
  readonly final: CellState;
  /** State after each processed step, in processing order (only with keepStates). */
  readonly states: CellState[];
}

export function runSequence(
  cell: RecurrentCell,
  xProj: readonly tf.Tensor2D[], // [B, G·H] per position
  initial: CellState,
  rec: PreparedRecurrence,
  masks: DropoutMasks,
  options: SequenceRunOptions = {},
): SequenceRunResult {
  const T = xProj.length;
  const start = options.gradientStart ?? 0;
  const outputs = new Array<tf.Tensor2D>(T);
  const states: CellState[] = [];
  let state = initial;
  for (let k = 0; k < T; k++) {
    const t = options.reverse === true ? T - 1 - k : k;
    // repackage_hidden: the state entering the gradient window keeps its value but not its history.
    if (options.reverse !== true && t === start && start > 0) state = detachState(state);
    const previous = state;
    // Per step, so what the backward pass does not need (h W_hh before the gates, padding blends) is freed now
    // rather than when the whole forward pass ends.
    state = tf.tidy(() => {
      let next = cell.step(xProj[t] as tf.Tensor2D, previous, rec, masks, t);
      const real = options.stepMasks?.[t];
      if (real !== undefined) next = carryThroughPadding(next, previous, real);
      const probe = options.probes?.[t];
      if (probe !== undefined) next = next.c === undefined ? { h: tf.add(next.h, probe) } : { h: tf.add(next.h, probe), c: next.c };
      return next as unknown as tf.TensorContainerObject;
    }) as unknown as CellState;
    outputs[t] = t < start ? detach(state.h) : state.h;
    if (options.keepStates === true) states.push(state);
  }
  // A backward run ends at position 0, outside the window: its final state must not carry gradient back there.
  if (options.reverse === true && start > 0) state = detachState(state);
  return { outputs, final: state, states };
}

/** h_t = h_{t-1} + m_t (h'_t - h_{t-1}), and c alike: the state carried through a padded position (m_t = 0). */
export function carryThroughPadding(next: CellState, prev: CellState, real: tf.Tensor2D): CellState {
  const h: tf.Tensor2D = tf.add(prev.h, tf.mul(real, tf.sub(next.h, prev.h)));
  if (next.c === undefined || prev.c === undefined) return { h };
  const c: tf.Tensor2D = tf.add(prev.c, tf.mul(real, tf.sub(next.c, prev.c)));
  return { h, c };
}

export function detachState(state: CellState): CellState {
  return state.c === undefined ? { h: detach(state.h) } : { h: detach(state.h), c: detach(state.c) };
}
