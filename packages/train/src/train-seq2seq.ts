/**
 * Training an encoder-decoder: one shuffled batch per optimizer step; truncated BPTT limits how far the decoder's
 * gradient reaches back into the encoder (encoderGradientWindow = k2).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  disposeBatch,
  GraphFunctionCache,
  graphStepsApply,
  makeSeq2SeqBatch,
  nativeKernelBackend,
  teacherForcingCoins,
  type Seq2SeqBatch,
  type Seq2SeqForwardOptions,
  type TrainableSeq2Seq,
} from '@bptt/models';
import type { CheckpointStore } from './checkpoint.ts';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config.ts';
import { hashTokenSequences } from './data-hash.ts';
import { gradientNorms, lossAndGradients } from './gradients.ts';
import { runGraphStep, type DifferentiatedStep } from './graph-step.ts';
import type { Seq2SeqGradientFlow, TrainResult } from './history.ts';
import { runTrainingLoop, type StepContext, type StepOutcome, type StepUpdate, type TrainingTask } from './loop.ts';
import type { Clock, OnProgress } from './progress.ts';
import { teacherForcingRatioAt } from './schedules.ts';
import { stepRngs } from './step-rngs.ts';
import {
  epochOrder,
  seq2seqStepsPerEpoch,
  validateSeq2SeqSplit,
  type Seq2SeqSplit,
} from './seq2seq-batches.ts';

export interface TrainSeq2SeqOptions {
  readonly model: TrainableSeq2Seq;
  /** Parsed or raw (defaults are filled in; a bad field throws TrainConfigError). */
  readonly config: TrainConfigInput | TrainConfig;
  /** Encoded splits; without `valid` there is no validation loss, early stopping or plateau schedule. */
  readonly data: { readonly train: Seq2SeqSplit; readonly valid?: Seq2SeqSplit };
  /** Resume from, and save checkpoints to, this store. */
  readonly store?: CheckpointStore;
  readonly onProgress?: OnProgress;
  /** Wall clock in ms for tokens/s and ETA (default performance.now). */
  readonly clock?: Clock;
}

/**
 * Trains `model` in place and returns what happened. When earlyStopping.restoreBestWeights is on (the default) and
 * there is a validation split, the model ends holding the weights of its best validation loss (see bestStep).
 * Throws DivergenceError on a NaN/infinite loss or gradient norm (no update of that step is applied or saved).
 */
export async function trainSeq2Seq(options: TrainSeq2SeqOptions): Promise<TrainResult<Seq2SeqGradientFlow>> {
  const config = parseTrainConfig(options.config);
  const { train, valid } = options.data;
  validateSeq2SeqSplit(train, 'train');
  if (valid !== undefined) validateSeq2SeqSplit(valid, 'valid');
  return runTrainingLoop({
    task: seq2seqTask(options.model, config, train, valid),
    config,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

/**
 * Graph steps pad both lengths up to a multiple of this. CMUdict batches (g2p) have dozens of (source, target)
 * length pairs and each new one costs two traced steps and a compilation; rounded to 4 they have a handful, for a
 * few percent more (masked) positions.
 */
const GRAPH_LENGTH_MULTIPLE = 4;

function seq2seqTask(
  model: TrainableSeq2Seq,
  config: TrainConfig,
  train: Seq2SeqSplit,
  valid: Seq2SeqSplit | undefined,
): TrainingTask<Seq2SeqGradientFlow> {
  const variables = model.trainableVariables;
  const stepsPerEpoch = seq2seqStepsPerEpoch(train.source.length, config.batchSize);
  const encoderGradientWindow = config.bptt.mode === 'truncated' ? config.bptt.k2 : undefined;
  const truncation = encoderGradientWindow === undefined ? {} : { encoderGradientWindow };

  // The example order of an epoch is needed by each of its steps; compute it once per epoch.
  let order: { epoch: number; indices: number[] } | undefined;
  const orderOf = (epoch: number): number[] => {
    if (order?.epoch !== epoch) order = { epoch, indices: epochOrder(train.source.length, config.seed, epoch) };
    return order.indices;
  };

  const diagnosticSplit = valid ?? train;
  const diagnosticIndices = Array.from(
    { length: Math.min(config.diagnostics.batchSize, diagnosticSplit.source.length) },
    (_, i) => i,
  );

  // Training steps on native TensorFlow run as one compiled graph per batch shape and teacher-forcing kind (graphStep).
  const graphs = graphStepsApply() ? new GraphFunctionCache(nativeKernelBackend('graph training steps')) : undefined;

  /** One forward pass on the tape: loss, nllSum (kept) and gradients; `countTokens` reads the count (a sync). */
  const differentiate = (batch: Seq2SeqBatch, forwardOptions: Seq2SeqForwardOptions, countTokens: boolean) => {
    let nllSum: tf.Scalar | undefined;
    let tokens = 0;
    const { loss, grads } = lossAndGradients(variables, () => {
      const result = model.forward(batch, forwardOptions);
      nllSum = tf.keep(result.nllSum);
      if (countTokens) tokens = result.tokenCount;
      return result.loss;
    });
    loss.dispose();
    if (nllSum === undefined) throw new Error('the model returned no nllSum');
    return { nllSum, tokens, grads };
  };

  /**
   * The whole step as one TensorFlow graph per batch shape and teacher-forcing kind (graph-step.ts): gold inputs
   * (p = 1), the model's own (p = 0), or a mix whose coins, drawn beforehand from the step's generator, are an input.
   */
  const graphStep = (cache: GraphFunctionCache, batch: Seq2SeqBatch, forwardOptions: Seq2SeqForwardOptions, step: number, update: StepUpdate | undefined): Omit<StepOutcome, 'teacherForcingRatio'> => {
    const { ratio } = forwardOptions.teacherForcing;
    // A second copy of the step's generators (forwardOptions holds the first): coins drawn from it are the ones a model
    // that ignores `coins` and flips with `rng` gets (it then stays eager: its coins, made in JavaScript, make each
    // trace differ), and the dropout masks of a graph run are drawn again from it (graph-step.ts).
    const fresh = stepRngs(config.seed, step);
    const coins = ratio > 0 && ratio < 1 ? teacherForcingCoins({ ratio, rng: fresh.teacherForcing }, batch.targetIn.shape[0], batch.targetIn.shape[1]) : undefined;
    const options = coins === undefined ? forwardOptions : { ...forwardOptions, teacherForcing: { ...forwardOptions.teacherForcing, coins } };
    const data = [batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask, ...(coins === undefined ? [] : [coins])];
    const variant = ratio === 1 ? '' : coins === undefined ? ':model-inputs' : ':coins';
    try {
      const differentiateStep = (): DifferentiatedStep => {
        const { nllSum, grads } = differentiate(batch, options, false);
        return { nllSum, tokens: tf.sum(batch.targetMask) as tf.Scalar, grads, extra: [] };
      };
      return runGraphStep(cache, variables, data, update, differentiateStep, { variant, dropoutRng: fresh.dropout }).outcome;
    } finally {
      coins?.dispose();
    }
  };

  return {
    kind: 'seq2seq',
    variables,
    execution: () => (graphs === undefined ? undefined : { nativeGraph: graphs.status() }),
    stepsPerEpoch,
    dataHash: hashTokenSequences([
      ...train.source,
      ...train.target,
      [], // split boundary
      ...(valid?.source ?? []),
      ...(valid?.target ?? []),
    ]),
    hasValidation: valid !== undefined,

    computeStep({ step, epoch, indexInEpoch }: StepContext, takeUpdate?: () => StepUpdate): StepOutcome {
      const indices = orderOf(epoch).slice(indexInEpoch * config.batchSize, (indexInEpoch + 1) * config.batchSize);
      const ratio = teacherForcingRatioAt(config.teacherForcing, step);
      const asGraph = graphs?.usable === true;
      // A graph is compiled per batch shape: lengths rounded up to a multiple of 4 leave a few shapes to compile.
      // Not under truncated BPTT, whose gradient window is the batch's last k2 source positions, padding included.
      const rounded = asGraph && encoderGradientWindow === undefined;
      const batch = makeSeq2SeqBatch(train, indices, rounded ? { lengthMultiple: GRAPH_LENGTH_MULTIPLE } : {});
      const rngs = stepRngs(config.seed, step);
      const forwardOptions: Seq2SeqForwardOptions = {
        training: true,
        teacherForcing: { ratio, rng: rngs.teacherForcing },
        dropoutRng: rngs.dropout,
        ...truncation,
      };
      if (asGraph && graphs !== undefined) {
        try {
          return { ...graphStep(graphs, batch, forwardOptions, step, takeUpdate?.()), teacherForcingRatio: ratio };
        } finally {
          disposeBatch(batch);
        }
      }
      try {
        const { nllSum, tokens, grads } = differentiate(batch, forwardOptions, true);
        try {
          return { nllSum: scalarValue(nllSum), tokens, grads, teacherForcingRatio: ratio };
        } finally {
          nllSum.dispose();
        }
      } finally {
        disposeBatch(batch);
      }
    },

    evaluate() {
      if (valid === undefined) return undefined;
      return evaluateSeq2Seq(model, valid, config.evalBatchSize ?? config.batchSize);
    },

    gradientFlow(stepsDone: number): Seq2SeqGradientFlow {
      const batch = makeSeq2SeqBatch(diagnosticSplit, diagnosticIndices);
      let encoderProbes = 0;
      try {
        // Measured on the deterministic network (no dropout, gold decoder inputs), with the run's truncation.
        const { loss, grads, watchedGrads } = lossAndGradients(variables, (watch) => {
          const result = model.forward(batch, {
            training: false,
            teacherForcing: { ratio: 1 },
            probeHiddenStates: true,
            ...truncation,
          });
          encoderProbes = result.probes?.encoder.length ?? 0;
          watch(result.probes?.encoder ?? []);
          watch(result.probes?.decoder ?? []);
          return result.loss;
        });
        const norms = gradientNorms(watchedGrads);
        const flow = {
          step: stepsDone,
          loss: scalarValue(loss),
          encoder: norms.slice(0, encoderProbes),
          decoder: norms.slice(encoderProbes),
        };
        tf.dispose([loss, ...grads, ...watchedGrads.filter((g) => g !== undefined)]);
        return flow;
      } finally {
        disposeBatch(batch);
      }
    },

    carriedState: () => undefined,
    restoreCarriedState: () => {},
    dispose: () => graphs?.dispose(),
  };
}

/** Corpus-level validation NLL: teacher forcing p=1, no dropout, no gradient. */
export function evaluateSeq2Seq(
  model: TrainableSeq2Seq,
  split: Seq2SeqSplit,
  batchSize: number,
): { nllSum: number; tokens: number } {
  let nllSum = 0;
  let tokens = 0;
  for (let start = 0; start < split.source.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, split.source.length - start) }, (_, i) => start + i);
    const batch = makeSeq2SeqBatch(split, indices);
    try {
      const batchNll = tf.tidy(() => {
        const result = model.forward(batch, { training: false, teacherForcing: { ratio: 1 } });
        tokens += result.tokenCount;
        return result.nllSum;
      });
      nllSum += batchNll.dataSync()[0] as number;
      batchNll.dispose();
    } finally {
      disposeBatch(batch);
    }
  }
  return { nllSum, tokens };
}

function scalarValue(scalar: tf.Scalar | undefined): number {
  if (scalar === undefined) throw new Error('the model returned no nllSum');
  return scalar.dataSync()[0] as number;
}
