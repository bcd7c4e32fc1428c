/**
 * The decoder: target embeddings -> stacked recurrent layers (started from the bridged encoder state) ->
 * optional attention -> output projection to target-vocabulary logits.
 *
 * Per step, by attention type:
 *   none:      h_t = RNN(e(y_{t-1}), h_{t-1});                       o_t = h_t
 *   additive:  c_t = attend(h^top_{t-1}); h_t = RNN([e(y_{t-1}); c_t], h_{t-1});  o_t = h_t   (Bahdanau)
 *   dot/general: h_t = RNN([e(y_{t-1}); o_{t-1} if input feeding], h_{t-1});
 *              c_t = attend(h^top_t); o_t = tanh(W_c [c_t; h^top_t])              (Luong)
 *   logits_t = o_t W_out + b_out  (W_out = E_target^T when tied)
 * When every decoder input is known in advance (teacher forcing p = 1) and nothing feeds back (no additive
 * attention, no input feeding), the decoder runs layer by layer like the encoder and attends for all steps at
 * once: same math, far fewer ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Seq2SeqModelConfig } from '../config.ts';
import { Attention, type PreparedMemory } from '../nn/attention.ts';
import type { DropoutMasks } from '../nn/dropout.ts';
import { Embedding } from '../nn/embedding.ts';
import { Linear } from '../nn/linear.ts';
import type { Parameters } from '../nn/parameters.ts';
import type { CellState, PreparedRecurrence } from '../nn/recurrent-cell.ts';
import { RecurrentStack } from '../nn/recurrent-stack.ts';
import type { EncoderOutput } from './encoder.ts';

export interface DecoderState {
  readonly layers: readonly CellState[];
  /** Luong input feeding: the previous attentional vector o_{t-1} ([B, H]). */
  readonly feed?: tf.Tensor2D;
}

/** Everything the decoder computes once per forward pass (or once per decoded batch). */
export interface PreparedDecoder {
  readonly batchSize: number;
  readonly table: tf.Tensor2D; // [V, E] target embeddings (embedding dropout applied)
  readonly W_emb: tf.Tensor2D; // [E, G·H] rows of layer 0's W_ih that read the embedding
  readonly W_extra: tf.Tensor2D | undefined; // [Dm or H, G·H] rows that read the context / fed vector
  readonly recurrences: PreparedRecurrence[];
  readonly inputMasks: (tf.Tensor2D | undefined)[]; // per layer [B, in]
  readonly outputMask: tf.Tensor2D | undefined; // [B, H]
  readonly memory: PreparedMemory | undefined;
  readonly outputWeight: tf.Tensor2D; // [H, V]
}

export interface DecoderStepResult {
  /** o_t, [B, H]: what the output projection reads. */
  readonly output: tf.Tensor2D;
  readonly state: DecoderState;
  readonly attention: tf.Tensor2D | undefined; // [B, S]
}

export class Decoder {
  readonly embedding: Embedding;
  readonly stack: RecurrentStack;
  readonly attention: Attention | undefined;
  private readonly combine: Linear | undefined; // Luong W_c: [Dm + H, H], no bias (as the PyTorch peer)
  private readonly outputProjection: Linear | undefined; // untied [H, V]
  private readonly outputBias: tf.Variable;
  readonly extraInputDim: number;

  constructor(
    params: Parameters,
    readonly config: Seq2SeqModelConfig,
    readonly targetVocabSize: number,
    readonly memoryDim: number,
  ) {
    const { embeddingDim: E, hiddenDim: H, attention, inputFeeding } = config;
    this.embedding = new Embedding(params, 'decoder.embedding', targetVocabSize, E);
    this.extraInputDim = attention === 'additive' ? memoryDim : inputFeeding ? H : 0;
    this.stack = new RecurrentStack(params, 'decoder', config.cell, E + this.extraInputDim, H, config.layers, false);
    this.attention =
      attention === 'none' ? undefined : new Attention(params, 'attention', attention, H, memoryDim, config.attentionDim ?? H);
    this.combine = attention === 'dot' || attention === 'general' ? new Linear(params, 'attention.combine', memoryDim + H, H, { bias: false }) : undefined;
    this.outputProjection = config.tieEmbeddings ? undefined : new Linear(params, 'output', H, targetVocabSize, { bias: false });
    this.outputBias = params.create('output.b', [targetVocabSize], { kind: 'linear-bias', fanIn: H });
  }

  get isLuong(): boolean {
    return this.combine !== undefined;
  }

  /** True when, given all decoder inputs, the steps do not depend on earlier outputs. */
  get canRunLayerByLayer(): boolean {
    return this.extraInputDim === 0;
  }

  prepare(masks: DropoutMasks, batchSize: number, encoded: EncoderOutput): PreparedDecoder {
    const { embeddingDim: E, hiddenDim: H } = this.config;
    const first = this.stack.layers[0]?.fwd;
    if (first === undefined) throw new Error('decoder has no layers');
    const GH = first.gates * H;
    const W_emb = this.extraInputDim === 0 ? (first.W_ih as tf.Tensor2D) : (tf.slice(first.W_ih, [0, 0], [E, GH]) as tf.Tensor2D);
    const W_extra = this.extraInputDim === 0 ? undefined : (tf.slice(first.W_ih, [E, 0], [this.extraInputDim, GH]) as tf.Tensor2D);
    return {
      batchSize,
      table: this.embedding.table(masks),
      W_emb,
      W_extra,
      recurrences: this.stack.layers.map((layer) => layer.fwd.prepare(masks, batchSize)),
      inputMasks: this.stack.layers.map((layer, l) => masks.variational(`decoder.l${l}.input`, batchSize, layer.fwd.inputDim - (l === 0 ? this.extraInputDim : 0))),
      outputMask: masks.variational('decoder.output', batchSize, H),
      memory: this.attention?.prepare(encoded.memory, encoded.sourceMask),
      // Tied: E^T once per pass, so the projection is a plain matmul.
      outputWeight: this.outputProjection === undefined ? (tf.transpose(this.embedding.weight) as tf.Tensor2D) : (this.outputProjection.weight as tf.Tensor2D),
    };
  }

  initialState(encoded: EncoderOutput): DecoderState {
    const B = encoded.memory.shape[0];
    return this.config.inputFeeding ? { layers: encoded.decoderInit, feed: tf.zeros([B, this.config.hiddenDim]) as tf.Tensor2D } : { layers: encoded.decoderInit };
  }

  /** Layer 0's input projection (embedding part, with the bias) for tokens [B] at step t. */
  embedStep(tokens: tf.Tensor1D, prep: PreparedDecoder, masks: DropoutMasks, t: number): tf.Tensor2D {
    const first = this.stack.layers[0]?.fwd;
    const e = masks.apply('decoder.l0.input', t, Embedding.lookup(prep.table, tokens) as tf.Tensor2D, prep.inputMasks[0]);
    return tf.add(tf.matMul(e, prep.W_emb), first?.b_ih as tf.Variable);
  }

  /** The same for every step at once when all inputs are known (p = 1): targetIn [B, T] -> T x [B, G·H], one matmul. */
  embedAll(targetIn: tf.Tensor2D, prep: PreparedDecoder, masks: DropoutMasks): tf.Tensor2D[] {
    const [B, T] = targetIn.shape;
    const E = this.config.embeddingDim;
    const first = this.stack.layers[0]?.fwd;
    const e = Embedding.lookup(prep.table, tf.transpose(targetIn)) as tf.Tensor3D; // [T, B, E]
    const mask = prep.inputMasks[0];
    const x = masks.apply('decoder.l0.input', 'all', e, mask === undefined ? undefined : tf.reshape(mask, [1, B, E]));
    const proj = tf.add(tf.matMul(tf.reshape(x, [T * B, E]) as tf.Tensor2D, prep.W_emb), first?.b_ih as tf.Variable);
    return tf.unstack(tf.reshape(proj, [T, B, -1])) as tf.Tensor2D[];
  }

  /** One decoder step from layer 0's embedding projection. `probe` ([B, H]) is added to the top layer's h. */
  step(embProj: tf.Tensor2D, state: DecoderState, prep: PreparedDecoder, masks: DropoutMasks, t: number, probe?: tf.Tensor2D): DecoderStepResult {
    const top = this.stack.layers.length - 1;
    let attention: tf.Tensor2D | undefined;
    let x0 = embProj;
    if (this.attention !== undefined && !this.isLuong) {
      // Bahdanau: attend with the previous top state, feed the context into the cell.
      const attended = this.attention.attend(state.layers[top]?.h as tf.Tensor2D, prep.memory as PreparedMemory);
      attention = attended.weights;
      x0 = tf.add(x0, tf.matMul(attended.context, prep.W_extra as tf.Tensor2D));
    } else if (state.feed !== undefined) {
      x0 = tf.add(x0, tf.matMul(state.feed, prep.W_extra as tf.Tensor2D));
    }
    const layers: CellState[] = [];
    let below: tf.Tensor2D | undefined;
    this.stack.layers.forEach(({ fwd: cell }, l) => {
      const xProj = l === 0 ? x0 : cell.projectInput(masks.apply(`decoder.l${l}.input`, t, below as tf.Tensor2D, prep.inputMasks[l]));
      let s = cell.step(xProj, state.layers[l] as CellState, prep.recurrences[l] as PreparedRecurrence, masks, t);
      if (l === top && probe !== undefined) s = s.c === undefined ? { h: tf.add(s.h, probe) } : { h: tf.add(s.h, probe), c: s.c };
      layers.push(s);
      below = s.h;
    });
    const h = below as tf.Tensor2D;
    if (!this.isLuong || this.attention === undefined) return { output: h, state: { layers }, attention };
    const attended = this.attention.attend(h, prep.memory as PreparedMemory);
    const output = tf.tanh((this.combine as Linear).apply(tf.concat([attended.context, h], 1)));
    return { output, state: state.feed !== undefined ? { layers, feed: output } : { layers }, attention: attended.weights };
  }

  /**
   * Teacher forcing with every input known (p = 1), layer by layer: targetIn [B, T] -> outputs [B, T, H] and
   * attention [B, T, S]. Only valid when `canRunLayerByLayer`.
   */
  runTeacherForced(targetIn: tf.Tensor2D, encoded: EncoderOutput, prep: PreparedDecoder, masks: DropoutMasks, probes: readonly tf.Tensor2D[] | undefined): { outputs: tf.Tensor3D; attention: tf.Tensor3D | undefined } {
    const embedded = Embedding.lookup(prep.table, tf.transpose(targetIn)) as tf.Tensor3D; // [T, B, E]
    const run = this.stack.run(embedded, masks, { initial: encoded.decoderInit, probes });
    const tops = tf.stack(run.forward, 1) as tf.Tensor3D; // [B, T, H]
    if (this.attention === undefined || !this.isLuong) return { outputs: tops, attention: undefined };
    const [B, T, H] = tops.shape;
    const { context, weights } = this.attention.attendAll(tops, prep.memory as PreparedMemory);
    const combined = tf.reshape(tf.concat([context, tops], 2), [B * T, -1]) as tf.Tensor2D;
    const outputs = tf.reshape(tf.tanh((this.combine as Linear).apply(combined)), [B, T, H]) as tf.Tensor3D;
    return { outputs, attention: weights };
  }

  /** Output dropout then projection: [B, T, H] or [B, H] -> [B·T, V] or [B, V] (rows batch-major). */
  project(features: tf.Tensor2D | tf.Tensor3D, prep: PreparedDecoder, masks: DropoutMasks, step: number | 'all'): tf.Tensor2D {
    const H = this.config.hiddenDim;
    const mask = prep.outputMask === undefined ? undefined : features.rank === 3 ? tf.reshape(prep.outputMask, [prep.batchSize, 1, H]) : prep.outputMask;
    const rows = tf.reshape(masks.apply('decoder.output', step, features, mask), [-1, H]) as tf.Tensor2D;
    return tf.add(tf.matMul(rows, prep.outputWeight), this.outputBias);
  }
}
