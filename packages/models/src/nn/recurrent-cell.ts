/**
 * The weights of one recurrent layer in one direction, and its step. Weights are stored [in, out] so the hot loop
 * multiplies without transposes: W_ih [inputDim, G·H], W_hh [H, G·H] with G = 4 (LSTM: i f g o) or 3 (GRU: r z n);
 * PyTorch's weight_ih_l0 is our W_ih transposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CellType } from '../config.ts';
import type { DropoutMasks } from './dropout.ts';
import { gruStep } from './gru-cell.ts';
import { lstmStep } from './lstm-cell.ts';
import type { Parameters } from './parameters.ts';

/** h, and c for an LSTM. */
export interface CellState {
  readonly h: tf.Tensor2D;
  readonly c?: tf.Tensor2D;
}

/** Per-forward-pass recurrent weights (DropConnect already applied) and hidden-state dropout mask. */
export interface RecurrenceWeights {
  readonly W_hh: tf.Tensor2D;
  readonly hiddenMask: tf.Tensor2D | undefined;
  readonly site: string;
}

/** What the step-by-step loop needs on top: W_hhᵀ (a fused sequence kernel transposes inside, so it skips this). */
export interface PreparedRecurrence extends RecurrenceWeights {
  /** W_hh transposed once per pass, for the backward pass's dh = dy W_hhᵀ (see recurrent-matmul.ts). */
  readonly W_hhT: tf.Tensor2D;
}

export class RecurrentCell {
  readonly gates: number;
  readonly W_ih: tf.Variable; // [inputDim, G·H]
  readonly W_hh: tf.Variable; // [H, G·H]
  readonly b_ih: tf.Variable; // [G·H]; for LSTM this is b_ih + b_hh folded
  readonly b_hh: tf.Variable | undefined; // [G·H], GRU only (b_hn sits inside r ⊙ (·))

  constructor(
    params: Parameters,
    readonly name: string,
    readonly type: CellType,
    readonly inputDim: number,
    readonly hiddenDim: number,
  ) {
    const H = hiddenDim;
    this.gates = type === 'lstm' ? 4 : 3;
    const G = this.gates;
    this.W_ih = params.create(`${name}.W_ih`, [inputDim, G * H], { kind: 'input-weight', hiddenDim: H });
    this.W_hh = params.create(`${name}.W_hh`, [H, G * H], { kind: 'recurrent-weight', hiddenDim: H, gates: G });
    if (type === 'lstm') {
      // Forget gate is the second block (i f g o).
      this.b_ih = params.create(`${name}.b`, [G * H], { kind: 'bias', hiddenDim: H, forgetGate: { offset: H } });
      this.b_hh = undefined;
    } else {
      this.b_ih = params.create(`${name}.b_ih`, [G * H], { kind: 'bias', hiddenDim: H });
      this.b_hh = params.create(`${name}.b_hh`, [G * H], { kind: 'bias', hiddenDim: H });
    }
  }

  /** The input half of every gate for many rows at once: [N, inputDim] -> [N, G·H]. */
  projectInput(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.W_ih), this.b_ih);
  }

  /** Draws this pass's DropConnect mask on W_hh (AWD-LSTM weight drop) and the variational mask on h. */
  prepareWeights(masks: DropoutMasks, batchSize: number): RecurrenceWeights {
    const G = this.gates;
    const H = this.hiddenDim;
    const dropConnect = masks.weightDrop(`${this.name}.W_hh`, H, G * H);
    return {
      W_hh: masks.apply(`${this.name}.W_hh`, 'all', this.W_hh as tf.Tensor2D, dropConnect),
      hiddenMask: masks.variational(`${this.name}.hidden`, batchSize, H),
      site: `${this.name}.hidden`,
    };
  }

  /** `prepareWeights` plus W_hhᵀ, for running step by step. */
  prepare(masks: DropoutMasks, batchSize: number): PreparedRecurrence {
    return forSteps(this.prepareWeights(masks, batchSize));
  }

  zeroState(batchSize: number): CellState {
    const h = tf.zeros([batchSize, this.hiddenDim]) as tf.Tensor2D;
    return this.type === 'lstm' ? { h, c: tf.zeros([batchSize, this.hiddenDim]) as tf.Tensor2D } : { h };
  }

  /** One time step from the precomputed input projection. */
  step(xProj: tf.Tensor2D, state: CellState, rec: PreparedRecurrence, masks: DropoutMasks, t: number): CellState {
    const hIn = masks.apply(rec.site, t, state.h, rec.hiddenMask);
    if (this.type === 'lstm') {
      if (state.c === undefined) throw new Error(`${this.name}: LSTM state without a cell state c`);
      return lstmStep(xProj, hIn, state.c, rec.W_hh, rec.W_hhT);
    }
    return { h: gruStep(xProj, hIn, state.h, rec.W_hh, this.b_hh as tf.Tensor1D, rec.W_hhT) };
  }
}

export function forSteps(weights: RecurrenceWeights): PreparedRecurrence {
  return { ...weights, W_hhT: tf.transpose(weights.W_hh) };
}

/** [h0, c0, h1, c1, ...] (LSTM) or [h0, h1, ...] (GRU): the contract's RecurrentState layout. */
export function flattenStates(states: readonly CellState[]): tf.Tensor2D[] {
  return states.flatMap((s) => (s.c === undefined ? [s.h] : [s.h, s.c]));
}

export function unflattenStates(flat: readonly tf.Tensor2D[], type: CellType, layers: number, origin: string): CellState[] {
  const per = type === 'lstm' ? 2 : 1;
  if (flat.length !== per * layers) {
    throw new Error(
      `${origin}: state has ${flat.length} tensors, expected ${per * layers} (${layers} layers × ${type === 'lstm' ? 'h, c' : 'h'})`,
    );
  }
  const out: CellState[] = [];
  for (let l = 0; l < layers; l++) {
    const h = flat[l * per] as tf.Tensor2D;
    out.push(per === 2 ? { h, c: flat[l * per + 1] as tf.Tensor2D } : { h });
  }
  return out;
}
