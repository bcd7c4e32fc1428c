/**
 * A recurrent language model / sequence tagger over a stream (pytorch/examples word_language_model's RNNModel):
 * embedding -> stacked LSTM/GRU -> projection to the output vocabulary at every step. Also used for the
 * delayed-recall tagging task, whose output vocabulary differs from its input vocabulary.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import type { RecurrentState, StreamChunk, StreamForwardOptions, StreamForwardResult, TrainableStreamModel } from '../contract.ts';
import { parseLanguageModelConfig, type LanguageModelConfig, type LanguageModelConfigInput } from '../config.ts';
import { DropoutMasks, type ModelHooks } from '../nn/dropout.ts';
import { Embedding } from '../nn/embedding.ts';
import { Linear } from '../nn/linear.ts';
import { maskedNll } from '../nn/loss.ts';
import { isTracingGraph } from '../native/graph/trace.ts';
import { Parameters } from '../nn/parameters.ts';
import { flattenStates, unflattenStates, type CellState } from '../nn/recurrent-cell.ts';
import { RecurrentStack } from '../nn/recurrent-stack.ts';

export interface LanguageModelOptions {
  readonly config: LanguageModelConfigInput;
  readonly inputVocabSize: number;
  /** Defaults to inputVocabSize (language modelling); differs for tagging tasks. */
  readonly outputVocabSize?: number;
  readonly seed: number | string;
}

/** Everything one chunk computes; `forward` returns the contract's subset. */
export interface StreamRun extends StreamForwardResult {
  /** [B, L, V] logits of the positions in the loss (the last `lossSteps`). */
  readonly logits: tf.Tensor3D;
  /** [B, L] NLL of those positions (0 where masked). */
  readonly nllPerToken: tf.Tensor2D;
}

export class RecurrentLanguageModel implements TrainableStreamModel {
  readonly kind = 'language-model' as const;
  readonly config: LanguageModelConfig;
  readonly inputVocabSize: number;
  readonly outputVocabSize: number;
  readonly embedding: Embedding;
  readonly stack: RecurrentStack;
  hooks: ModelHooks | undefined;
  private readonly projection: Linear | undefined; // untied [H, V]
  private readonly outputBias: tf.Variable;
  private readonly params: Parameters;

  constructor(options: LanguageModelOptions) {
    this.config = parseLanguageModelConfig(options.config);
    this.inputVocabSize = options.inputVocabSize;
    this.outputVocabSize = options.outputVocabSize ?? options.inputVocabSize;
    for (const [field, v] of [['inputVocabSize', this.inputVocabSize], ['outputVocabSize', this.outputVocabSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`RecurrentLanguageModel: ${field} must be a positive integer, got ${v}`);
    }
    if (this.config.tieEmbeddings && this.inputVocabSize !== this.outputVocabSize) {
      throw new Error(
        `RecurrentLanguageModel: tieEmbeddings needs equal vocabularies, got inputVocabSize ${this.inputVocabSize} and outputVocabSize ${this.outputVocabSize}`,
      );
    }
    const { embeddingDim: E, hiddenDim: H, layers, cell } = this.config;
    this.params = new Parameters(createRng(options.seed), this.config.initialisation);
    this.embedding = new Embedding(this.params, 'embedding', this.inputVocabSize, E);
    this.stack = new RecurrentStack(this.params, 'rnn', cell, E, H, layers, false);
    this.projection = this.config.tieEmbeddings ? undefined : new Linear(this.params, 'output', H, this.outputVocabSize, { bias: false });
    this.outputBias = this.params.create('output.b', [this.outputVocabSize], { kind: 'linear-bias', fanIn: H });
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  get namedWeights(): ReadonlyMap<string, tf.Variable> {
    return this.params.named;
  }

  setWeights(values: Readonly<Record<string, tf.Tensor>>, origin = 'RecurrentLanguageModel.setWeights'): void {
    this.params.assign(values, origin);
  }

  /** Zeros: [h0, c0, h1, c1, …] for LSTM, [h0, h1, …] for GRU, each [B, H]. */
  initialState(batchSize: number): RecurrentState {
    return flattenStates(this.stack.layers.map((layer) => layer.fwd.zeroState(batchSize)));
  }

  forward(chunk: StreamChunk, state: RecurrentState, options: StreamForwardOptions): StreamForwardResult {
    const run = this.run(chunk, state, options);
    const { loss, nllSum, finalState, stateAt, probes } = run;
    // tokenCount stays a getter: reading it is a sync, which a traced training step does not make.
    return {
      loss,
      nllSum,
      get tokenCount() {
        return run.tokenCount;
      },
      finalState,
      ...(stateAt === undefined ? {} : { stateAt }),
      ...(probes === undefined ? {} : { probes }),
    };
  }

  run(chunk: StreamChunk, state: RecurrentState, options: StreamForwardOptions): StreamRun {
    const [B, K] = chunk.source.shape;
    for (const name of ['target', 'mask'] as const) {
      const shape = chunk[name].shape;
      if (shape[0] !== B || shape[1] !== K) throw new Error(`StreamChunk.${name} has shape [${shape}], expected [${B},${K}] like source`);
    }
    const L = options.lossSteps ?? K;
    if (!Number.isInteger(L) || L < 1 || L > K) throw new RangeError(`lossSteps must be an integer in [1, ${K}], got ${L}`);
    const H = this.config.hiddenDim;
    const initial = unflattenStates(state, this.config.cell, this.config.layers, 'RecurrentLanguageModel.forward');
    if (initial[0]?.h.shape[0] !== B) throw new Error(`RecurrentLanguageModel.forward: state batch ${initial[0]?.h.shape[0]} != chunk batch ${B}`);

    const masks = DropoutMasks.forPass(this.config.dropout, options.training, options.dropoutRng, this.hooks);
    const probes = options.probeHiddenStates === true ? Array.from({ length: K }, () => tf.zeros([B, H]) as tf.Tensor2D) : undefined;
    const embedded = Embedding.lookup(this.embedding.table(masks), tf.transpose(chunk.source)) as tf.Tensor3D; // [K, B, E]
    // Every state is kept for stateAt, except in a traced training step, which reads only the final one: there the
    // layers run as whole-sequence kernels (nn/graph-layer-run.ts), which keep none.
    const keepStates = !isTracingGraph();
    const run = this.stack.run(embedded, masks, { initial, probes, keepStates });

    // Only the last L positions are projected: the others are context for TBPTT(k1 < k2).
    const kept = tf.stack(run.forward.slice(K - L), 1) as tf.Tensor3D; // [B, L, H]
    const outputMask = masks.variational('output', B, H);
    const features = tf.reshape(masks.apply('output', 'all', kept, (outputMask === undefined ? undefined : tf.reshape(outputMask, [B, 1, H]))), [B * L, H]) as tf.Tensor2D;
    const W = this.projection === undefined ? (tf.transpose(this.embedding.weight) as tf.Tensor2D) : (this.projection.weight as tf.Tensor2D);
    const logits = tf.add(tf.matMul(features, W), this.outputBias) as tf.Tensor2D; // [B·L, V]
    const targets = tf.slice(chunk.target, [0, K - L], [B, L]);
    const lossMask = tf.slice(chunk.mask, [0, K - L], [B, L]);
    const { perRow, sum: nllSum } = maskedNll(logits, tf.reshape(targets, [-1]), tf.reshape(lossMask, [-1]));
    // The count stays on the device (the same float32 division as by the read-back number), as in Seq2SeqModel.run.
    const tokens = tf.sum(lossMask);
    let tokenCount: number | undefined;

    const layerStates = run.states; // [layer][step]
    const stateAt = (step: number): RecurrentState => {
      if (!Number.isInteger(step) || step < 0 || step > K) throw new RangeError(`stateAt(step): step must be an integer in [0, ${K}], got ${step}`);
      if (step === 0) return state;
      return flattenStates(layerStates.map((steps) => steps[step - 1] as CellState));
    };
    return {
      loss: tf.div(nllSum, tf.maximum(tokens, 1)) as tf.Scalar,
      nllSum,
      get tokenCount() {
        tokenCount ??= Math.round(tokens.dataSync()[0] as number);
        return tokenCount;
      },
      finalState: flattenStates(run.finalForward),
      ...(keepStates ? { stateAt } : {}),
      ...(probes === undefined ? {} : { probes }),
      logits: tf.reshape(logits, [B, L, -1]) as tf.Tensor3D,
      nllPerToken: tf.reshape(perRow, [B, L]) as tf.Tensor2D,
    };
  }

  dispose(): void {
    this.params.dispose();
  }
}
