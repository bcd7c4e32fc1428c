/**
 * Minimal models that implement the @bptt/models contract, so the trainer is tested without the real models:
 * a one-layer Elman RNN encoder-decoder and a one-layer Elman RNN language model, written out step by step.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradients by itself; vitest can load its ESM registration module (plain node cannot).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { createRng, type Rng } from '@bptt/data';
import { backendChoiceFromEnv, initBackend } from '@bptt/models';
import type {
  RecurrentState,
  Seq2SeqBatch,
  Seq2SeqForwardOptions,
  Seq2SeqForwardResult,
  StreamChunk,
  StreamForwardOptions,
  StreamForwardResult,
  TrainableSeq2Seq,
  TrainableStreamModel,
} from '@bptt/models';

/** cpu unless BPTT_BACKEND says otherwise (CI reruns this suite on native TensorFlow). */
export async function useTestBackend(): Promise<void> {
  await initBackend(backendChoiceFromEnv(process.env, 'cpu'));
}

/** Stop-gradient: the value of x, with a zero gradient back to it (tfjs-core has no stop_gradient op). */
export function cutGradient<T extends tf.Tensor>(x: T): T {
  const anchor = tf.scalar(0);
  const cut = tf.customGrad((...inputs) => ({ value: tf.clone(x), gradFunc: () => tf.zerosLike(inputs[0] as tf.Tensor) }));
  const out = cut(anchor) as T;
  anchor.dispose();
  return out;
}

function randomVariable(rng: Rng, shape: number[], scale: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.variable(tf.tensor(Array.from({ length: size }, () => rng.normal() * scale), shape), true);
}

/** Mean NLL pieces of [B, V] logits against [B] targets with a [B] mask. */
function maskedNll(logits: tf.Tensor2D, targets: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), 1);
  return tf.neg(tf.sum(tf.mul(picked, mask)));
}

export interface TinyOptions {
  readonly vocab: number;
  readonly hidden: number;
  readonly seed: number;
  /** Inverted dropout on the decoder/LM output features while training (mask from options.dropoutRng). */
  readonly dropout?: number;
}

/** Teacher-forcing calls, recorded for tests. */
export interface ForwardCall {
  readonly training: boolean;
  readonly ratio: number;
  readonly coins: readonly boolean[];
  readonly encoderGradientWindow: number | undefined;
}

export class TinySeq2Seq implements TrainableSeq2Seq {
  readonly trainableVariables: tf.Variable[];
  readonly calls: ForwardCall[] = [];
  private readonly embedding: tf.Variable;
  private readonly encIn: tf.Variable;
  private readonly encRec: tf.Variable;
  private readonly decIn: tf.Variable;
  private readonly decRec: tf.Variable;
  private readonly out: tf.Variable;
  private readonly outBias: tf.Variable;

  constructor(private readonly options: TinyOptions) {
    const rng = createRng(options.seed);
    const { vocab: V, hidden: H } = options;
    this.embedding = randomVariable(rng, [V, H], 0.5);
    this.encIn = randomVariable(rng, [H, H], 0.5);
    this.encRec = randomVariable(rng, [H, H], 0.5);
    this.decIn = randomVariable(rng, [H, H], 0.5);
    this.decRec = randomVariable(rng, [H, H], 0.5);
    this.out = randomVariable(rng, [H, V], 0.5);
    this.outBias = randomVariable(rng, [V], 0);
    this.trainableVariables = [this.embedding, this.encIn, this.encRec, this.decIn, this.decRec, this.out, this.outBias];
  }

  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqForwardResult {
    const [B, S] = batch.source.shape;
    const T = batch.targetIn.shape[1];
    const H = this.options.hidden;
    const sourceCols = tf.unstack(batch.source, 1) as tf.Tensor1D[];
    const sourceMaskCols = tf.unstack(batch.sourceMask, 1) as tf.Tensor1D[];
    const window = options.encoderGradientWindow;
    const encoderProbes: tf.Tensor[] = [];
    const decoderProbes: tf.Tensor[] = [];

    let h: tf.Tensor2D = tf.zeros([B, H]);
    for (let s = 0; s < S; s++) {
      // Truncated BPTT: the state entering the last `window` steps carries no gradient back.
      if (window !== undefined && s === S - window && s > 0) h = cutGradient(h);
      const x = tf.gather(this.embedding, sourceCols[s] as tf.Tensor1D);
      const next = tf.tanh(tf.add(tf.matMul(x, this.encIn), tf.matMul(h, this.encRec))) as tf.Tensor2D;
      const real = tf.reshape(sourceMaskCols[s] as tf.Tensor1D, [B, 1]);
      h = tf.add(h, tf.mul(real, tf.sub(next, h))) as tf.Tensor2D;
      if (options.probeHiddenStates === true) {
        const probe = tf.zeros([B, H]);
        encoderProbes.push(probe);
        h = tf.add(h, probe) as tf.Tensor2D;
      }
    }

    const dropout = this.options.dropout ?? 0;
    let dropMask: tf.Tensor2D | undefined;
    if (options.training && dropout > 0) {
      if (options.dropoutRng === undefined) throw new Error('TinySeq2Seq: dropout needs dropoutRng');
      const rng = options.dropoutRng;
      const values = Array.from({ length: B * H }, () => (rng.bernoulli(1 - dropout) ? 1 / (1 - dropout) : 0));
      dropMask = tf.tensor2d(values, [B, H]);
    }

    const { ratio, rng } = options.teacherForcing;
    const goldIn = batch.targetIn.arraySync() as number[][];
    const targetCols = tf.unstack(batch.targetOut, 1) as tf.Tensor1D[];
    const maskCols = tf.unstack(batch.targetMask, 1) as tf.Tensor1D[];
    const coins: boolean[] = [];
    let previousPrediction: number[] | undefined;
    let nllSum: tf.Scalar = tf.scalar(0);
    for (let t = 0; t < T; t++) {
      const ids = goldIn.map((row, b) => {
        if (t === 0 || ratio >= 1) return row[t] as number;
        if (ratio <= 0) return (previousPrediction as number[])[b] as number;
        if (rng === undefined) throw new Error('TinySeq2Seq: 0 < ratio < 1 needs teacherForcing.rng');
        const gold = rng.bernoulli(ratio);
        coins.push(gold);
        return gold ? (row[t] as number) : ((previousPrediction as number[])[b] as number);
      });
      const x = tf.gather(this.embedding, tf.tensor1d(ids, 'int32'));
      h = tf.tanh(tf.add(tf.matMul(x, this.decIn), tf.matMul(h, this.decRec))) as tf.Tensor2D;
      if (options.probeHiddenStates === true) {
        const probe = tf.zeros([B, H]);
        decoderProbes.push(probe);
        h = tf.add(h, probe) as tf.Tensor2D;
      }
      const features = dropMask === undefined ? h : tf.mul(h, dropMask);
      const logits = tf.add(tf.matMul(features, this.out), this.outBias) as tf.Tensor2D;
      previousPrediction = Array.from(tf.argMax(logits, 1).dataSync());
      nllSum = tf.add(nllSum, maskedNll(logits, targetCols[t] as tf.Tensor1D, maskCols[t] as tf.Tensor1D));
    }
    const tokenCount = tf.sum(batch.targetMask).dataSync()[0] as number;
    this.calls.push({ training: options.training, ratio, coins, encoderGradientWindow: window });
    return {
      loss: tf.div(nllSum, Math.max(tokenCount, 1)),
      nllSum,
      tokenCount,
      ...(options.probeHiddenStates === true ? { probes: { encoder: encoderProbes, decoder: decoderProbes } } : {}),
    };
  }

  dispose(): void {
    tf.dispose(this.trainableVariables);
  }
}

export class TinyRnnLm implements TrainableStreamModel {
  readonly trainableVariables: tf.Variable[];
  private readonly embedding: tf.Variable;
  private readonly input: tf.Variable;
  private readonly recurrent: tf.Variable;
  private readonly out: tf.Variable;
  private readonly outBias: tf.Variable;

  constructor(private readonly options: TinyOptions) {
    const rng = createRng(options.seed);
    const { vocab: V, hidden: H } = options;
    this.embedding = randomVariable(rng, [V, H], 0.5);
    this.input = randomVariable(rng, [H, H], 0.5);
    this.recurrent = randomVariable(rng, [H, H], 0.5);
    this.out = randomVariable(rng, [H, V], 0.5);
    this.outBias = randomVariable(rng, [V], 0);
    this.trainableVariables = [this.embedding, this.input, this.recurrent, this.out, this.outBias];
  }

  initialState(batchSize: number): RecurrentState {
    return [tf.zeros([batchSize, this.options.hidden])];
  }

  forward(chunk: StreamChunk, state: RecurrentState, options: StreamForwardOptions): StreamForwardResult {
    const [B, K] = chunk.source.shape;
    const H = this.options.hidden;
    const dropout = this.options.dropout ?? 0;
    let dropMask: tf.Tensor2D | undefined;
    if (options.training && dropout > 0) {
      if (options.dropoutRng === undefined) throw new Error('TinyRnnLm: dropout needs dropoutRng');
      const rng = options.dropoutRng;
      dropMask = tf.tensor2d(Array.from({ length: B * H }, () => (rng.bernoulli(1 - dropout) ? 1 / (1 - dropout) : 0)), [B, H]);
    }
    const sourceCols = tf.unstack(chunk.source, 1) as tf.Tensor1D[];
    const targetCols = tf.unstack(chunk.target, 1) as tf.Tensor1D[];
    const maskCols = tf.unstack(chunk.mask, 1) as tf.Tensor1D[];
    const lossFrom = K - (options.lossSteps ?? K);
    const probes: tf.Tensor[] = [];
    const states: tf.Tensor2D[] = [];
    let h = state[0] as tf.Tensor2D;
    let nllSum: tf.Scalar = tf.scalar(0);
    let tokenCount = 0;
    for (let k = 0; k < K; k++) {
      const x = tf.gather(this.embedding, sourceCols[k] as tf.Tensor1D);
      h = tf.tanh(tf.add(tf.matMul(x, this.input), tf.matMul(h, this.recurrent))) as tf.Tensor2D;
      if (options.probeHiddenStates === true) {
        const probe = tf.zeros([B, H]);
        probes.push(probe);
        h = tf.add(h, probe) as tf.Tensor2D;
      }
      states.push(h);
      if (k < lossFrom) continue;
      const features = dropMask === undefined ? h : tf.mul(h, dropMask);
      const logits = tf.add(tf.matMul(features, this.out), this.outBias) as tf.Tensor2D;
      nllSum = tf.add(nllSum, maskedNll(logits, targetCols[k] as tf.Tensor1D, maskCols[k] as tf.Tensor1D));
      tokenCount += tf.sum(maskCols[k] as tf.Tensor1D).dataSync()[0] as number;
    }
    return {
      loss: tf.div(nllSum, Math.max(tokenCount, 1)),
      nllSum,
      tokenCount,
      finalState: [h],
      stateAt: (step) => (step === 0 ? state : [states[step - 1] as tf.Tensor2D]),
      ...(options.probeHiddenStates === true ? { probes } : {}),
    };
  }

  dispose(): void {
    tf.dispose(this.trainableVariables);
  }
}

/** The reverse task over ids 4..4+symbols-1 (ids 0-3 are PAD/BOS/EOS/UNK). */
export function reverseData(count: number, minLength: number, maxLength: number, symbols: number, seed: string) {
  const rng = createRng(seed);
  const source: number[][] = [];
  const target: number[][] = [];
  for (let i = 0; i < count; i++) {
    const ids = Array.from({ length: rng.int(minLength, maxLength) }, () => 4 + rng.int(0, symbols - 1));
    source.push(ids);
    target.push([...ids].reverse());
  }
  return { source, target };
}

/** A language-model stream: source[i] predicts target[i] = source[i + 1], over ids 4..4+symbols-1. */
export function lmStream(length: number, symbols: number, seed: string) {
  const rng = createRng(seed);
  // A noisy cycle, so there is something to learn.
  const ids: number[] = [4];
  for (let i = 1; i <= length; i++) ids.push(rng.bernoulli(0.8) ? 4 + ((ids[i - 1] as number) - 3) % symbols : 4 + rng.int(0, symbols - 1));
  return { source: ids.slice(0, length), target: ids.slice(1, length + 1) };
}

export function weightsOf(model: { trainableVariables: readonly tf.Variable[] }): number[][] {
  return model.trainableVariables.map((v) => Array.from(v.dataSync()));
}
