/**
 * Stacked recurrent layers run layer by layer over a whole sequence (the encoder, the language model, and the
 * decoder when nothing feeds back into it). Going layer by layer lets each layer's input projection for all
 * time steps be ONE matmul: [T·B, in] x [in, G·H], the biggest speed lever of an unrolled RNN.
 * A bidirectional layer runs a forward and a backward cell; the next layer reads [h_fwd; h_bwd] (as nn.LSTM).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CellType } from '../config.ts';
import type { DropoutMasks } from './dropout.ts';
import type { Padding } from './padding.ts';
import type { Parameters } from './parameters.ts';
import { canRunFused, runFusedLstm } from './fused-run.ts';
import { canRunGraphLayer, runGraphLayer } from './graph-layer-run.ts';
import { projectSequence } from './input-projection.ts';
import { forSteps, RecurrentCell, type CellState } from './recurrent-cell.ts';
import { runSequence, type SequenceRunOptions, type SequenceRunResult } from './run-sequence.ts';

export interface StackLayer {
  readonly fwd: RecurrentCell;
  readonly bwd: RecurrentCell | undefined;
}

export interface StackRunOptions {
  /** Initial state per layer of the forward direction (the backward direction starts at zero). Default zeros. */
  readonly initial?: readonly CellState[];
  /** Padded rows (the encoder's source): carried through step by step, or handled by lengths in a fused kernel. */
  readonly padding?: Padding;
  readonly gradientStart?: number;
  /** Zero probes per position for the top layer: [B, H], or [B, 2H] (forward half, backward half) if bidirectional. */
  readonly probes?: readonly tf.Tensor2D[];
  readonly keepStates?: boolean;
}

export interface StackRunResult {
  /** Top layer, forward direction: [B, H] per position. */
  readonly forward: tf.Tensor2D[];
  /** Top layer, backward direction (bidirectional only). */
  readonly backward: tf.Tensor2D[] | undefined;
  /** Final state per layer: forward direction, and backward direction when bidirectional. */
  readonly finalForward: CellState[];
  readonly finalBackward: CellState[] | undefined;
  /** [layer][step]: forward state after each step (only with keepStates). */
  readonly states: CellState[][];
}

export class RecurrentStack {
  readonly layers: StackLayer[] = [];

  constructor(
    params: Parameters,
    readonly name: string,
    readonly cellType: CellType,
    readonly inputDim: number,
    readonly hiddenDim: number,
    readonly numLayers: number,
    readonly bidirectional: boolean,
  ) {
    for (let l = 0; l < numLayers; l++) {
      const inDim = l === 0 ? inputDim : this.directions * hiddenDim;
      const prefix = `${name}.l${l}`;
      this.layers.push({
        fwd: new RecurrentCell(params, bidirectional ? `${prefix}.fwd` : prefix, cellType, inDim, hiddenDim),
        bwd: bidirectional ? new RecurrentCell(params, `${prefix}.bwd`, cellType, inDim, hiddenDim) : undefined,
      });
    }
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  run(inputs: tf.Tensor3D /* [T, B, in], time-major */, masks: DropoutMasks, options: StackRunOptions = {}): StackRunResult {
    const [T, B] = inputs.shape;
    let x: tf.Tensor3D = inputs;
    let forward: tf.Tensor2D[] = [];
    let backward: tf.Tensor2D[] | undefined;
    const finalForward: CellState[] = [];
    const finalBackward: CellState[] = [];
    const states: CellState[][] = [];
    const top = this.numLayers - 1;
    const [probesFwd, probesBwd] = this.splitProbes(options.probes);
    this.layers.forEach((layer, l) => {
      const inDim = x.shape[2];
      // Variational dropout on the layer input: one [B, in] mask for every time step.
      const inputMask = masks.variational(`${this.name}.l${l}.input`, B, inDim);
      const xIn = masks.apply(`${this.name}.l${l}.input`, 'all', x, (inputMask === undefined ? undefined : tf.reshape(inputMask, [1, B, inDim])));
      const common = {
        padding: options.padding,
        gradientStart: options.gradientStart,
        keepStates: options.keepStates,
      };
      const fwd = this.runDirection(layer.fwd, xIn, options.initial?.[l] ?? layer.fwd.zeroState(B), masks, {
        ...common,
        probes: l === top ? probesFwd : undefined,
      });
      finalForward.push(fwd.final);
      states.push(fwd.states);
      forward = fwd.outputs;
      if (layer.bwd === undefined) {
        x = l < top ? (tf.stack(forward) as tf.Tensor3D) : x;
        return;
      }
      const bwd = this.runDirection(layer.bwd, xIn, layer.bwd.zeroState(B), masks, {
        ...common,
        reverse: true,
        probes: l === top ? probesBwd : undefined,
        keepStates: false,
      });
      finalBackward.push(bwd.final);
      backward = bwd.outputs;
      if (l < top) x = tf.concat([tf.stack(forward), tf.stack(backward)], 2) as tf.Tensor3D;
    });
    return {
      forward,
      backward,
      finalForward,
      finalBackward: this.bidirectional ? finalBackward : undefined,
      states,
    };
  }

  /**
   * One direction of one layer: one fused sequence kernel when the math and the policy allow it (fusion-policy.ts),
   * the graph-step LSTM while a TensorFlow graph is traced (graph-lstm-run.ts), else the step-by-step loop on input
   * projections computed for all steps in one matmul.
   */
  private runDirection(
    cell: RecurrentCell,
    x: tf.Tensor3D, // [T, B, in], dropout applied
    initial: CellState,
    masks: DropoutMasks,
    options: Omit<SequenceRunOptions, 'stepMasks'> & { readonly padding?: Padding | undefined },
  ): SequenceRunResult {
    const B = x.shape[1];
    const weights = cell.prepareWeights(masks, B);
    const { padding, ...rest } = options;
    const lengths = padding?.fusedLengths;
    if (lengths !== null && canRunFused(cell, weights, { ...rest, lengths })) return runFusedLstm(cell, x, initial, weights, { ...rest, lengths });
    if (canRunGraphLayer(cell, weights, rest)) return runGraphLayer(cell, x, initial, weights, { reverse: rest.reverse, stepMasks: padding?.stepMasks() });
    // In tf.tidy: only the per-step slices outlive it (the [T·B, G·H] matmul and bias outputs are not saved).
    const projected = tf.tidy(() => tf.unstack(projectSequence(cell, x)) as tf.Tensor2D[]);
    return runSequence(cell, projected, initial, forSteps(weights), masks, { ...rest, stepMasks: padding?.stepMasks() });
  }

  private splitProbes(
    probes: readonly tf.Tensor2D[] | undefined,
  ): [readonly tf.Tensor2D[] | undefined, readonly tf.Tensor2D[] | undefined] {
    if (probes === undefined) return [undefined, undefined];
    if (!this.bidirectional) return [probes, undefined];
    const halves = probes.map((p) => tf.split(p, 2, 1) as [tf.Tensor2D, tf.Tensor2D]);
    return [halves.map((h) => h[0]), halves.map((h) => h[1])];
  }
}
