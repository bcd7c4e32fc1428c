/**
 * The benchmark's own one-layer LSTM seq2seq, built to swap the recurrent implementation and nothing else. The
 * product's Seq2SeqModel is timed as it is; this model is there to show what each fused kernel is worth on the
 * same math (same structure as Seq2SeqModel with cell 'lstm', one layer, no attention, no dropout, teacher forcing
 * p = 1, and as torch_seq2seq.py):
 *
 *   encoder: x_t = E_src[src_t]; (h, c) = LSTM(x_t, (h, c))            from zeros
 *   decoder: y_t = E_tgt[tgtIn_t]; (h, c) = LSTM(y_t, (h, c))          from the encoder's final state
 *   logits_t = h_t W_out + b_out; loss = masked mean NLL
 *
 * Recurrent implementations (`RecurrentPath`):
 *   unrolled        tfjs ops per step: matmul, add, split, 3 sigmoid, 2 tanh, 3 mul, add (the reference)
 *   fused-cell      wasm/cpu: one matmul + the fused `lstmGates` kernel per step;
 *                   tensorflow: TF's LSTMBlockCell per step (matmul and gates in one kernel)
 *   fused-sequence  tensorflow: TF's BlockLSTMV2, one kernel for the whole sequence each way;
 *                   wasm/cpu: the `lstmSequence` kernel (per step a matmul + lstmGates, off the tape; one matmul
 *                   for the whole recurrent weight gradient)
 * All three hoist the input projection out of the time loop (one matmul for every step) where they can, and the
 * per-step recurrent matmul uses the product's recurrentMatMul (no transposed operand in the backward pass).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Rng } from '@bptt/data';
import {
  lstmGates,
  lstmSequence,
  nativeLstmCell,
  nativeLstmSequence,
  prepareNativeLstmCell,
  recurrentMatMul,
  type LstmWeights,
  type Seq2SeqBatch,
  type Seq2SeqForwardOptions,
  type Seq2SeqForwardResult,
  type TrainableSeq2Seq,
} from '@bptt/models';

import type { RecurrentPath } from './cases.ts';

export interface BenchSizes {
  readonly hidden: number;
  readonly embedding: number;
  readonly vocab: number;
}

interface LstmLayer {
  readonly kernel: tf.Variable; // [E, 4H], gate blocks (i, f, g, o)
  readonly recurrentKernel: tf.Variable; // [H, 4H]
  readonly bias: tf.Variable; // [4H]
}

function uniform(rng: Rng, shape: number[], bound: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => (2 * rng.next() - 1) * bound), shape));
}

function normal(rng: Rng, shape: number[]): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape));
}


export class BenchSeq2Seq implements TrainableSeq2Seq {
  private readonly sourceEmbedding: tf.Variable;
  private readonly targetEmbedding: tf.Variable;
  private readonly encoder: LstmLayer;
  private readonly decoder: LstmLayer;
  private readonly outputWeight: tf.Variable;
  private readonly outputBias: tf.Variable;
  private readonly H: number;

  constructor(
    sizes: BenchSizes,
    readonly path: RecurrentPath,
    seed: number,
  ) {
    const { hidden: H, embedding: E, vocab: V } = sizes;
    const rng = createRng(seed);
    const bound = 1 / Math.sqrt(H); // PyTorch's nn.LSTM / nn.Linear default
    const layer = (name: string): LstmLayer => ({
      kernel: uniform(rng.fork(`${name}.W_ih`), [E, 4 * H], bound),
      recurrentKernel: uniform(rng.fork(`${name}.W_hh`), [H, 4 * H], bound),
      bias: uniform(rng.fork(`${name}.b`), [4 * H], bound),
    });
    this.H = H;
    this.sourceEmbedding = normal(rng.fork('source.embedding'), [V, E]);
    this.targetEmbedding = normal(rng.fork('target.embedding'), [V, E]);
    this.encoder = layer('encoder');
    this.decoder = layer('decoder');
    this.outputWeight = uniform(rng.fork('output.W'), [H, V], bound);
    this.outputBias = uniform(rng.fork('output.b'), [V], bound);
  }

  get trainableVariables(): readonly tf.Variable[] {
    return [
      this.sourceEmbedding,
      this.targetEmbedding,
      ...[this.encoder, this.decoder].flatMap((l) => [l.kernel, l.recurrentKernel, l.bias]),
      this.outputWeight,
      this.outputBias,
    ];
  }

  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqForwardResult {
    if (options.teacherForcing.ratio !== 1) {
      throw new Error(`BenchSeq2Seq: only teacher forcing ratio 1 is benchmarked, got ${options.teacherForcing.ratio}`);
    }
    const [B] = batch.source.shape;
    const zeros = tf.zeros([B, this.H]) as tf.Tensor2D;
    const encoded = this.runLayer(this.encoder, this.embed(this.sourceEmbedding, batch.source), { h: zeros, c: zeros });
    const decoded = this.runLayer(this.decoder, this.embed(this.targetEmbedding, batch.targetIn), encoded.final);
    // decoded.outputs: [T, B, H] time-major; the targets follow the same order.
    const rows = tf.reshape(decoded.outputs, [-1, this.H]) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(rows, this.outputWeight as tf.Tensor2D), this.outputBias) as tf.Tensor2D;
    const targets = tf.reshape(tf.transpose(batch.targetOut), [-1]) as tf.Tensor1D;
    const mask = tf.reshape(tf.transpose(batch.targetMask), [-1]) as tf.Tensor1D;
    const V = logits.shape[1];
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, V)), 1);
    const nllSum = tf.sum(tf.mul(tf.neg(picked), mask)) as tf.Scalar;
    // The token count is known from the batch shape here (no padding in benchmark data), so no read-back.
    const tokenCount = batch.targetMask.shape[0] * batch.targetMask.shape[1];
    return { loss: tf.div(nllSum, tokenCount) as tf.Scalar, nllSum, tokenCount };
  }

  /** tokens [B, T] -> embeddings, time-major [T, B, E]. */
  private embed(table: tf.Variable, tokens: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = tokens.shape;
    const flat = tf.reshape(tf.transpose(tokens), [-1]) as tf.Tensor1D;
    return tf.reshape(tf.gather(table, flat), [T, B, -1]) as tf.Tensor3D;
  }

  private runLayer(layer: LstmLayer, x: tf.Tensor3D, initial: { h: tf.Tensor2D; c: tf.Tensor2D }): { outputs: tf.Tensor3D; final: { h: tf.Tensor2D; c: tf.Tensor2D } } {
    const [T, B, E] = x.shape;
    const weights: LstmWeights = {
      kernel: layer.kernel as tf.Tensor2D,
      recurrentKernel: layer.recurrentKernel as tf.Tensor2D,
      bias: layer.bias as tf.Tensor1D,
    };
    const native = tf.getBackend() === 'tensorflow';
    if (this.path === 'fused-sequence') {
      const { h, c } = native
        ? nativeLstmSequence(x, initial.h, initial.c, weights)
        : lstmSequence(this.projectInputs(x, weights), initial.h, initial.c, weights.recurrentKernel);
      const last = (s: tf.Tensor3D) => tf.reshape(tf.slice(s, [T - 1, 0, 0], [1, B, this.H]), [B, this.H]) as tf.Tensor2D;
      return { outputs: h, final: { h: last(h), c: last(c) } };
    }
    let { h, c } = initial;
    const outputs: tf.Tensor2D[] = [];
    if (this.path === 'fused-cell' && native) {
      // LSTMBlockCell multiplies [x, h] by [W; U] itself, so the input projection is not hoisted here.
      const prepared = prepareNativeLstmCell(weights);
      const steps = tf.unstack(x) as tf.Tensor2D[];
      for (const xt of steps) {
        const [hIn, cIn] = [h, c];
        ({ h, c } = tf.tidy(() => nativeLstmCell(xt, hIn, cIn, prepared)));
        outputs.push(h);
      }
      return { outputs: tf.stack(outputs) as tf.Tensor3D, final: { h, c } };
    }
    const xProj = tf.unstack(this.projectInputs(x, weights)) as tf.Tensor2D[];
    // As the product does: h W_hh with a gradient that reuses W_hhᵀ, transposed once per sequence.
    const recurrentT = tf.transpose(weights.recurrentKernel) as tf.Tensor2D;
    for (const xt of xProj) {
      const [hIn, cIn] = [h, c];
      // Per step in tf.tidy, as the product's loop: what the backward pass does not save is freed at once.
      ({ h, c } = tf.tidy(() => {
        const hProj = recurrentMatMul(hIn, weights.recurrentKernel, recurrentT);
        return this.path === 'fused-cell' ? lstmGates(xt, hProj, cIn) : unrolledGates(xt, hProj, cIn);
      }));
      outputs.push(h);
    }
    return { outputs: tf.stack(outputs) as tf.Tensor3D, final: { h, c } };
  }

  /** One matmul for every step's input projection: [T·B, E] x [E, 4H] -> [T, B, 4H]. */
  private projectInputs(x: tf.Tensor3D, weights: LstmWeights): tf.Tensor3D {
    const [T, B, E] = x.shape;
    const projected = tf.add(tf.matMul(tf.reshape(x, [T * B, E]) as tf.Tensor2D, weights.kernel), weights.bias);
    return tf.reshape(projected, [T, B, 4 * this.H]) as tf.Tensor3D;
  }

  dispose(): void {
    tf.dispose(this.trainableVariables as tf.Variable[]);
  }
}

/** PyTorch's LSTM step after its matmuls, one tfjs op per term (what the fused kernels replace). */
function unrolledGates(xProj: tf.Tensor2D, hProj: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [i, f, g, o] = tf.split(tf.add(xProj, hProj), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  return { h: tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D, c: cNext };
}
