/**
 * Truncated BPTT over streams (language modelling, delayed recall), after pytorch/examples word_language_model:
 * the stream is cut into batchSize parallel rows, the recurrent state is carried from window to window, and only
 * the gradient is cut. TBPTT(k1, k2): every k1 steps, the loss of those k1 steps is backpropagated through the last
 * k2 steps, re-running the forward pass from the state carried at t - k2. Full BPTT is one window per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GraphFunctionCache, graphStepsApply, nativeKernelBackend, type RecurrentState, type StreamChunk, type TrainableStreamModel } from '@bptt/models';
import type { CheckpointStore } from './checkpoint.ts';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config.ts';
import { hashTokenSequences } from './data-hash.ts';
import { gradientNorms, lossAndGradients } from './gradients.ts';
import { runGraphStep, type DifferentiatedStep } from './graph-step.ts';
import type { StreamGradientFlow, TrainResult } from './history.ts';
import { runTrainingLoop, type StepContext, type StepOutcome, type StepUpdate, type TrainingTask } from './loop.ts';
import type { Clock, OnProgress } from './progress.ts';
import {
  batchifyStream,
  disposeChunk,
  streamChunk,
  tbpttWindow,
  tbpttWindowCount,
  validateStreamSplit,
  type BatchifiedStream,
  type StreamSplit,
} from './stream-batches.ts';
import { deserializeTensor, detach, serializeTensor } from './tensors.ts';
import { stepRngs } from './step-rngs.ts';

export interface TrainStreamOptions {
  readonly model: TrainableStreamModel;
  readonly config: TrainConfigInput | TrainConfig;
  /** Encoded streams; without `valid` there is no validation loss, early stopping or plateau schedule. */
  readonly data: { readonly train: StreamSplit; readonly valid?: StreamSplit };
  readonly store?: CheckpointStore;
  readonly onProgress?: OnProgress;
  readonly clock?: Clock;
}

/** Forward passes without a tape are chunked only to bound memory; the values do not depend on the chunk size. */
const EVAL_CHUNK_STEPS = 128;

/**
 * Trains `model` in place; see trainSeq2Seq for what is returned and thrown. An optimizer step is one TBPTT window;
 * the state is reset to model.initialState at the start of every epoch.
 */
export async function trainStream(options: TrainStreamOptions): Promise<TrainResult<StreamGradientFlow>> {
  const config = parseTrainConfig(options.config);
  const { train, valid } = options.data;
  validateStreamSplit(train, 'train');
  if (valid !== undefined) validateStreamSplit(valid, 'valid');
  return runTrainingLoop({
    task: streamTask(options.model, config, train, valid),
    config,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

/** [k1, k2] of the run on rows of `length` steps: full BPTT is a single window spanning the whole row. */
export function streamWindowSizes(config: TrainConfig, length: number): [number, number] {
  return config.bptt.mode === 'truncated' ? [config.bptt.k1, config.bptt.k2] : [length, length];
}

function streamTask(
  model: TrainableStreamModel,
  config: TrainConfig,
  train: StreamSplit,
  valid: StreamSplit | undefined,
): TrainingTask<StreamGradientFlow> {
  const variables = model.trainableVariables;
  const rows = batchifyStream(train, config.batchSize, 'train');
  const [k1, k2] = streamWindowSizes(config, rows.length);
  // The recurrent state at the start of the next window: a constant, with no gradient history.
  let carried: tf.Tensor2D[] | undefined;
  const replaceCarried = (next: tf.Tensor2D[] | undefined): void => {
    if (carried !== undefined && carried !== next) tf.dispose(carried);
    carried = next;
  };

  const diagnosticSplit = valid ?? train;

  // On native TensorFlow every window runs as one compiled graph per chunk shapes (graph-step.ts), the carried state
  // and the dropout masks among its inputs, the state the next window starts from among its outputs.
  const graphs = graphStepsApply() ? new GraphFunctionCache(nativeKernelBackend('graph training steps')) : undefined;

  /**
   * Loss and gradients of one window, run as its chunks from `startState`; `extra` is the state after the first
   * chunk (where a window split at the next window's start hands on; the final state of a one-chunk window). The
   * loss divides by the token count on the device: the same float32 division as by the read-back count.
   */
  const differentiateWindow = (chunks: readonly StreamChunk[], startState: RecurrentState, step: number): DifferentiatedStep => {
    let nllSum: tf.Scalar | undefined;
    let handOn: tf.Tensor[] = [];
    const tokens = tf.tidy(() => chunks.map((chunk) => tf.sum(chunk.mask)).reduce((a, b) => tf.add(a, b)) as tf.Scalar);
    const { loss, grads } = lossAndGradients(variables, () => {
      let state: RecurrentState = startState;
      let nll: tf.Scalar = tf.scalar(0);
      chunks.forEach((chunk, i) => {
        // Every piece of the window draws the same dropout masks (variational dropout: one mask per sequence).
        const dropoutRng = stepRngs(config.seed, step).dropout;
        const result = model.forward(chunk, state, { training: true, dropoutRng });
        nll = tf.add(nll, result.nllSum);
        state = result.finalState;
        if (i === 0) handOn = result.finalState.map((s) => tf.keep(s));
      });
      nllSum = tf.keep(nll);
      return tf.div(nll, tf.maximum(tokens, 1));
    });
    loss.dispose();
    if (nllSum === undefined) throw new Error('the model returned no nllSum');
    return { nllSum, tokens, grads, extra: handOn };
  };

  return {
    kind: 'stream',
    variables,
    execution: () => (graphs === undefined ? undefined : { nativeGraph: graphs.status() }),
    stepsPerEpoch: tbpttWindowCount(rows.length, k1),
    dataHash: hashTokenSequences([train.source, train.target, valid?.source ?? [], valid?.target ?? []]),
    hasValidation: valid !== undefined,

    computeStep({ step, indexInEpoch }: StepContext, takeUpdate?: () => StepUpdate): StepOutcome {
      const window = tbpttWindow(indexInEpoch, rows.length, k1, k2);
      if (indexInEpoch === 0) replaceCarried(initialState(model, config.batchSize));
      const startState = carried as tf.Tensor2D[];
      // With k2 > k1 the next window starts inside this one: split the forward pass there to read that state.
      const split = window.nextStart !== undefined && window.nextStart > window.start && window.nextStart < window.end;
      const bounds = split ? [window.start, window.nextStart as number, window.end] : [window.start, window.end];
      const chunks = bounds.slice(1).map((end, i) => streamChunk(rows, bounds[i] as number, end, window.lossStart));

      // Whether this window computes the state the next one starts from (after its first chunk); else the carried
      // state stays (the next window starts where this one did) or, after the last window, is reset next epoch.
      const handsOn = window.nextStart !== undefined && window.nextStart === bounds[1];
      const update = graphs?.usable === true ? takeUpdate?.() : undefined;
      try {
        if (graphs?.usable === true) {
          const data = [...chunks.flatMap((c) => [c.source, c.target, c.mask]), ...startState];
          const { outcome, extra } = runGraphStep(graphs, variables, data, update, () => differentiateWindow(chunks, startState, step), {
            extraCount: startState.length,
            dropoutRng: stepRngs(config.seed, step).dropout,
          });
          // repackage_hidden, as below: a graph's outputs carry no gradient history.
          if (handsOn) replaceCarried(extra as tf.Tensor2D[]);
          else tf.dispose(extra);
          return outcome;
        }
        const { nllSum, tokens, grads, extra } = differentiateWindow(chunks, startState, step);
        try {
          // repackage_hidden: the next window starts from this state's value, not its history. The gradient is cut here.
          if (handsOn) replaceCarried(extra.map((s) => detach(s as tf.Tensor2D)));
          return { nllSum: nllSum.dataSync()[0] as number, tokens: Math.round(tokens.dataSync()[0] as number), grads: [...grads] };
        } finally {
          tf.dispose([nllSum, tokens, ...extra]);
        }
      } finally {
        chunks.forEach(disposeChunk);
      }
    },

    evaluate() {
      if (valid === undefined) return undefined;
      return evaluateStream(model, valid, config.evalBatchSize ?? config.batchSize);
    },

    gradientFlow(stepsDone: number): StreamGradientFlow {
      const rowCount = Math.min(config.diagnostics.batchSize, diagnosticSplit.source.length);
      const stream = batchifyStream(diagnosticSplit, rowCount, 'diagnostic');
      const T = Math.min(config.diagnostics.streamSteps, stream.length);
      // As in training, no gradient reaches further back than k2 steps: run the steps before that without a tape.
      const cut = Math.max(0, T - k2);
      let state = initialState(model, stream.source.length);
      if (cut > 0) {
        const warmup = streamChunk(stream, 0, cut);
        const next = tf.tidy(() => [...model.forward(warmup, state, { training: false }).finalState]);
        tf.dispose(state);
        disposeChunk(warmup);
        state = next;
      }
      const chunk = streamChunk(stream, cut, T, T - 1);
      try {
        const startState = state;
        const { loss, grads, watchedGrads } = lossAndGradients(variables, (watch) => {
          const result = model.forward(chunk, startState, { training: false, probeHiddenStates: true });
          watch(result.probes ?? []);
          return tf.div(result.nllSum, Math.max(result.tokenCount, 1));
        });
        const flow = {
          step: stepsDone,
          loss: loss.dataSync()[0] as number,
          hidden: [...Array<number>(cut).fill(0), ...gradientNorms(watchedGrads)],
        };
        tf.dispose([loss, ...grads, ...watchedGrads.filter((g) => g !== undefined)]);
        return flow;
      } finally {
        tf.dispose(state);
        disposeChunk(chunk);
      }
    },

    carriedState: () => carried?.map(serializeTensor),
    restoreCarriedState(saved) {
      replaceCarried(saved?.map((s) => tf.keep(deserializeTensor(s) as tf.Tensor2D)));
    },
    dispose: () => {
      replaceCarried(undefined);
      graphs?.dispose();
    },
  };
}

/** A fresh state owned by the caller (a model may hand out cached tensors; those are copied, never disposed). */
function initialState(model: TrainableStreamModel, batchSize: number): tf.Tensor2D[] {
  return tf.tidy(() => model.initialState(batchSize).map((s) => s.clone()));
}

/** Corpus-level validation NLL over the whole stream, state carried throughout; no dropout, no gradient. */
export function evaluateStream(
  model: TrainableStreamModel,
  split: StreamSplit,
  batchSize: number,
): { nllSum: number; tokens: number } {
  const stream: BatchifiedStream = batchifyStream(split, Math.min(batchSize, split.source.length), 'valid');
  let state = initialState(model, stream.source.length);
  let nllSum = 0;
  let tokens = 0;
  for (let start = 0; start < stream.length; start += EVAL_CHUNK_STEPS) {
    const chunk = streamChunk(stream, start, Math.min(start + EVAL_CHUNK_STEPS, stream.length));
    const [nll, ...next] = tf.tidy(() => {
      const result = model.forward(chunk, state, { training: false });
      tokens += result.tokenCount;
      return [result.nllSum, ...result.finalState];
    });
    tf.dispose(state);
    disposeChunk(chunk);
    state = next as tf.Tensor2D[];
    nllSum += (nll as tf.Tensor).dataSync()[0] as number;
    (nll as tf.Tensor).dispose();
  }
  tf.dispose(state);
  return { nllSum, tokens };
}
