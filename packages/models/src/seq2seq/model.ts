/**
 * The seq2seq model: Encoder -> (bridge) -> Decoder, trained with teacher forcing. `forward` is what @bptt/train
 * differentiates (contract.ts); `encode` / `decodeStep` are what the decoders in src/decode use.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import type { HiddenStateProbes, Seq2SeqBatch, Seq2SeqForwardOptions, Seq2SeqForwardResult, TrainableSeq2Seq } from '../contract.ts';
import { parseSeq2SeqModelConfig, type Seq2SeqModelConfig, type Seq2SeqModelConfigInput } from '../config.ts';
import { detach } from '../nn/detach.ts';
import { DropoutMasks, type ModelHooks } from '../nn/dropout.ts';
import { maskedNll } from '../nn/loss.ts';
import { Parameters } from '../nn/parameters.ts';
import type { CellState } from '../nn/recurrent-cell.ts';
import { Decoder, type DecoderState, type PreparedDecoder } from './decoder.ts';
import { Encoder, type EncoderOutput } from './encoder.ts';
import { planTeacherForcing, type TeacherForcingPlan } from './teacher-forcing.ts';

export interface Seq2SeqModelOptions {
  readonly config: Seq2SeqModelConfigInput;
  readonly sourceVocabSize: number;
  readonly targetVocabSize: number;
  /** Seeds the initial weights (each weight draws from `createRng(seed).fork(weightName)`). */
  readonly seed: number | string;
}

/** A batch after the encoder, ready for step-by-step decoding (evaluation mode: no dropout). */
export interface EncodedBatch {
  readonly encoder: EncoderOutput;
  readonly decoder: PreparedDecoder;
}

export interface DecodeStepResult {
  readonly logits: tf.Tensor2D; // [B, V]
  readonly attention: tf.Tensor2D | undefined; // [B, S]
  readonly state: DecoderState;
}

/** Everything one teacher-forced pass computes; `forward` returns the contract's subset. */
export interface Seq2SeqRun extends Seq2SeqForwardResult {
  readonly logits: tf.Tensor3D; // [B, T, V]
  readonly nllPerToken: tf.Tensor2D; // [B, T], 0 on padding
  readonly attention: tf.Tensor3D | undefined; // [B, T, S]
}

export class Seq2SeqModel implements TrainableSeq2Seq {
  readonly kind = 'seq2seq' as const;
  readonly config: Seq2SeqModelConfig;
  readonly sourceVocabSize: number;
  readonly targetVocabSize: number;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  /** Test/diagnostic hooks (dropout masks, decoder inputs); undefined in normal use. */
  hooks: ModelHooks | undefined;
  private readonly params: Parameters;

  constructor(options: Seq2SeqModelOptions) {
    this.config = parseSeq2SeqModelConfig(options.config);
    for (const field of ['sourceVocabSize', 'targetVocabSize'] as const) {
      const v = options[field];
      if (!Number.isInteger(v) || v < 4) throw new RangeError(`Seq2SeqModel: ${field} must be an integer >= 4 (PAD, BOS, EOS, UNK), got ${v}`);
    }
    this.sourceVocabSize = options.sourceVocabSize;
    this.targetVocabSize = options.targetVocabSize;
    this.params = new Parameters(createRng(options.seed), this.config.initialisation);
    this.encoder = new Encoder(this.params, this.config, this.sourceVocabSize);
    this.decoder = new Decoder(this.params, this.config, this.targetVocabSize, this.encoder.memoryDim);
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  /** Weights by stable name (`encoder.l0.W_hh`, …), in creation order. */
  get namedWeights(): ReadonlyMap<string, tf.Variable> {
    return this.params.named;
  }

  /** Overwrites every weight (names and shapes must match). */
  setWeights(values: Readonly<Record<string, tf.Tensor>>, origin = 'Seq2SeqModel.setWeights'): void {
    this.params.assign(values, origin);
  }

  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqForwardResult {
    const run = this.run(batch, options);
    const { loss, nllSum, probes } = run;
    // tokenCount stays a getter: reading it is a sync, which a traced training step does not make.
    return {
      loss,
      nllSum,
      get tokenCount() {
        return run.tokenCount;
      },
      ...(probes === undefined ? {} : { probes }),
    };
  }

  /** The teacher-forced pass with its logits, per-token NLL and attention (for evaluation and analysis). */
  run(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqRun {
    const [B, S] = checkBatch(batch);
    const T = batch.targetIn.shape[1];
    const window = options.encoderGradientWindow;
    if (window !== undefined && (!Number.isInteger(window) || window < 1)) {
      throw new RangeError(`encoderGradientWindow must be a positive integer, got ${window}`);
    }
    const masks = DropoutMasks.forPass(this.config.dropout, options.training, options.dropoutRng, this.hooks);
    const probes: HiddenStateProbes | undefined =
      options.probeHiddenStates === true
        ? {
            encoder: Array.from({ length: S }, () => tf.zeros([B, this.encoder.probeDim])),
            decoder: Array.from({ length: T }, () => tf.zeros([B, this.config.hiddenDim])),
          }
        : undefined;

    const encoded = this.encoder.encode(batch.source, batch.sourceMask, masks, {
      gradientWindow: window,
      probes: probes?.encoder as tf.Tensor2D[] | undefined,
    });
    const prep = this.decoder.prepare(masks, B, encoded);
    const plan = planTeacherForcing(options.teacherForcing, B, T);
    const decoderProbes = probes?.decoder as tf.Tensor2D[] | undefined;
    const { logits, attention } =
      plan === 'gold' && this.decoder.canRunLayerByLayer
        ? this.decodeInParallel(batch.targetIn, encoded, prep, masks, decoderProbes)
        : this.decodeStepByStep(batch.targetIn, encoded, prep, masks, plan, decoderProbes);

    const { perRow, sum: nllSum } = maskedNll(logits, tf.reshape(batch.targetOut, [-1]), tf.reshape(batch.targetMask, [-1]));
    // The count stays on the device (the same float32 division as by the read-back number), so the step has no
    // data-dependent constant and can run as one graph (native/graph); tokenCount reads it when asked.
    const tokens = tf.sum(batch.targetMask);
    const loss = tf.div(nllSum, tf.maximum(tokens, 1)) as tf.Scalar;
    let tokenCount: number | undefined;
    return {
      loss,
      nllSum,
      get tokenCount() {
        tokenCount ??= Math.round(tokens.dataSync()[0] as number);
        return tokenCount;
      },
      ...(probes === undefined ? {} : { probes }),
      logits: tf.reshape(logits, [B, T, -1]) as tf.Tensor3D,
      nllPerToken: tf.reshape(perRow, [B, T]) as tf.Tensor2D,
      attention,
    };
  }

  /** p = 1 with nothing fed back: all steps' inputs are known, so layers run over the whole sequence. */
  private decodeInParallel(targetIn: tf.Tensor2D, encoded: EncoderOutput, prep: PreparedDecoder, masks: DropoutMasks, probes: tf.Tensor2D[] | undefined) {
    if (this.hooks?.onDecoderInput !== undefined) {
      tf.unstack(tf.transpose(targetIn)).forEach((tokens, t) => this.hooks?.onDecoderInput?.(t, tokens as tf.Tensor1D));
    }
    const { outputs, attention } = this.decoder.runTeacherForced(targetIn, encoded, prep, masks, probes);
    return { logits: this.decoder.project(outputs, prep, masks, 'all'), attention };
  }

  /** The general decoder loop: teacher forcing per token, attention that feeds back, input feeding. */
  private decodeStepByStep(targetIn: tf.Tensor2D, encoded: EncoderOutput, prep: PreparedDecoder, masks: DropoutMasks, plan: TeacherForcingPlan, probes: tf.Tensor2D[] | undefined) {
    const [B, T] = targetIn.shape;
    const gold = tf.unstack(tf.transpose(targetIn)) as tf.Tensor1D[]; // T x [B]
    const perStepLogits = plan !== 'gold'; // needed at each step for the next argmax
    // With every input known, embed and project them for all steps in one matmul before the loop.
    const goldProjections = plan === 'gold' ? this.decoder.embedAll(targetIn, prep, masks) : undefined;
    const outputs: tf.Tensor2D[] = [];
    const stepLogits: tf.Tensor2D[] = [];
    const weights: tf.Tensor2D[] = [];
    let state = this.decoder.initialState(encoded);
    let previous: tf.Tensor2D | undefined;
    // Coins given as a tensor (a traced step's input) are read on the device, row by row.
    const coinRows = typeof plan === 'object' && !Array.isArray(plan) ? (tf.unstack(plan) as tf.Tensor1D[]) : undefined;
    for (let t = 0; t < T; t++) {
      const [stateIn, logitsIn] = [state, previous];
      // Per step, so what the backward pass does not need (token choices, pre-activation sums) is freed now
      // rather than when the whole forward pass ends. Hooks see `tokens` during the call only.
      const step = tf.tidy(() => {
        let tokens = gold[t] as tf.Tensor1D;
        if (t > 0 && plan !== 'gold') {
          // The model's own choice; argmax has no gradient, and detach keeps backprop from even visiting it.
          const predicted = detach(tf.argMax(logitsIn as tf.Tensor2D, 1)) as tf.Tensor1D;
          if (plan === 'model') tokens = predicted;
          else tokens = tf.where(coinRows?.[t] ?? tf.tensor1d((plan as boolean[][])[t] as boolean[], 'bool'), tokens, predicted) as tf.Tensor1D;
        }
        this.hooks?.onDecoderInput?.(t, tokens);
        const embProj = goldProjections?.[t] ?? this.decoder.embedStep(tokens, prep, masks, t);
        const { state: next, attention, output } = this.decoder.step(embProj, stateIn, prep, masks, t, probes?.[t]);
        const kept = perStepLogits ? { logits: this.decoder.project(output, prep, masks, t) } : { output };
        return { state: next, attention, ...kept } as unknown as tf.TensorContainerObject;
      }) as unknown as { state: DecoderState; attention?: tf.Tensor2D; output?: tf.Tensor2D; logits?: tf.Tensor2D };
      state = step.state;
      if (step.attention !== undefined) weights.push(step.attention);
      if (step.logits !== undefined) {
        previous = step.logits;
        stepLogits.push(step.logits);
      } else {
        outputs.push(step.output as tf.Tensor2D);
      }
    }
    tf.dispose(coinRows ?? []);
    const logits = perStepLogits
      ? (tf.reshape(tf.stack(stepLogits, 1), [B * T, -1]) as tf.Tensor2D)
      : this.decoder.project(tf.stack(outputs, 1) as tf.Tensor3D, prep, masks, 'all');
    return { logits, attention: weights.length > 0 ? (tf.stack(weights, 1) as tf.Tensor3D) : undefined };
  }

  /** Runs the encoder in evaluation mode and prepares the decoder (attention keys, output weights). */
  encode(source: tf.Tensor2D, sourceMask: tf.Tensor2D): EncodedBatch {
    const masks = DropoutMasks.forPass(this.config.dropout, false, undefined, undefined);
    const encoder = this.encoder.encode(source, sourceMask, masks);
    return { encoder, decoder: this.decoder.prepare(masks, source.shape[0], encoder) };
  }

  initialDecoderState(encoded: EncodedBatch): DecoderState {
    return this.decoder.initialState(encoded.encoder);
  }

  /** One evaluation-mode decoder step: tokens [B] (the previous outputs; BOS at step 0) -> logits [B, V]. */
  decodeStep(tokens: tf.Tensor1D, state: DecoderState, encoded: EncodedBatch, step: number): DecodeStepResult {
    const masks = DropoutMasks.forPass(this.config.dropout, false, undefined, undefined);
    const prep = encoded.decoder;
    const result = this.decoder.step(this.decoder.embedStep(tokens, prep, masks, step), state, prep, masks, step);
    return { logits: this.decoder.project(result.output, prep, masks, step), attention: result.attention, state: result.state };
  }

  /** Rows of an encoded batch (e.g. one example repeated per beam): rows [N] int32. */
  selectEncodedRows(encoded: EncodedBatch, rows: tf.Tensor1D): EncodedBatch {
    const pick = <X extends tf.Tensor>(x: X): X => tf.gather(x, rows) as X;
    const e = encoded.encoder;
    const d = encoded.decoder;
    const lengths = Array.from(rows.dataSync(), (r) => e.lengths[r] as number);
    return {
      encoder: { memory: pick(e.memory), sourceMask: pick(e.sourceMask), decoderInit: e.decoderInit.map((s) => selectCellRows(s, rows)), lengths },
      decoder: {
        ...d,
        batchSize: rows.shape[0],
        memory: d.memory === undefined ? undefined : { memory: pick(d.memory.memory), keys: pick(d.memory.keys), maskBias: pick(d.memory.maskBias) },
      },
    };
  }

  selectStateRows(state: DecoderState, rows: tf.Tensor1D): DecoderState {
    const layers = state.layers.map((s) => selectCellRows(s, rows));
    return state.feed === undefined ? { layers } : { layers, feed: tf.gather(state.feed, rows) };
  }

  dispose(): void {
    this.params.dispose();
  }
}

function selectCellRows(state: CellState, rows: tf.Tensor1D): CellState {
  const h = tf.gather(state.h, rows);
  return state.c === undefined ? { h } : { h, c: tf.gather(state.c, rows) };
}

function checkBatch(batch: Seq2SeqBatch): [number, number] {
  const [B, S] = batch.source.shape;
  const expect = (name: keyof Seq2SeqBatch, shape: readonly number[]) => {
    const actual = batch[name].shape;
    if (actual.length !== 2 || actual[0] !== shape[0] || (shape[1] !== -1 && actual[1] !== shape[1])) {
      throw new Error(`Seq2SeqBatch.${name} has shape [${actual}], expected [${shape.map((d) => (d === -1 ? 'T' : d))}]`);
    }
  };
  expect('sourceMask', [B, S]);
  const T = batch.targetIn.shape[1];
  expect('targetIn', [B, -1]);
  expect('targetOut', [B, T]);
  expect('targetMask', [B, T]);
  if (batch.source.dtype !== 'int32' || batch.targetIn.dtype !== 'int32' || batch.targetOut.dtype !== 'int32') {
    throw new Error('Seq2SeqBatch: source, targetIn and targetOut must be int32 tensors');
  }
  return [B, S];
}
