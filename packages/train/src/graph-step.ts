/**
 * A whole training step as one TensorFlow graph (GraphFunctionCache: traced eagerly twice per input shapes, then
 * compiled): forward, backward and, when the loop offers its StepUpdate, clipping and the optimizer's update. Inputs
 * are the weights, the step's data and the update's state and scalars; the loss is divided by the token count on the
 * device, so one graph holds for every batch of the same shapes. Shared by the seq2seq and stream tasks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@bptt/data';
import { redrawDropoutMasks, type GraphFunctionCache } from '@bptt/models';
import type { StepOutcome, StepUpdate } from './loop.ts';

/** What the traced function computes: kept tensors that runGraphStep disposes. */
export interface DifferentiatedStep {
  readonly nllSum: tf.Scalar;
  /** Counted target tokens, as a float32 scalar on the device. */
  readonly tokens: tf.Scalar;
  readonly grads: readonly tf.Tensor[];
  /** Further outputs the task needs after the step (a stream's final recurrent state). */
  readonly extra: readonly tf.Tensor[];
}

export interface GraphStepResult {
  readonly outcome: Omit<StepOutcome, 'teacherForcingRatio'>;
  /** DifferentiatedStep.extra's values, owned by the caller. */
  readonly extra: tf.Tensor[];
}

export interface GraphStepOptions {
  /** How many tensors DifferentiatedStep.extra holds (the same at every call; default 0). */
  readonly extraCount?: number;
  /** What else decides the graph besides the inputs' shapes (seq2seq: how the decoder's inputs are chosen). */
  readonly variant?: string;
  /**
   * The step's dropout generator: the masks the step feeds itself (nn/dropout.ts) are drawn again from it for each
   * run of the compiled graph, the same masks an op-by-op step draws.
   */
  readonly dropoutRng: Rng;
}

export function runGraphStep(
  cache: GraphFunctionCache,
  variables: readonly tf.Tensor[],
  data: readonly tf.Tensor[],
  update: StepUpdate | undefined,
  differentiate: () => DifferentiatedStep,
  { extraCount = 0, variant = '', dropoutRng }: GraphStepOptions,
): GraphStepResult {
  const inputs = [...variables, ...data, ...(update?.reads ?? [])];
  const key = `${update === undefined ? 'gradients' : 'update'}${variant}:${inputs.map((t) => t.shape.join('x')).join('|')}`;
  const outputs = cache.run(key, inputs, () => {
    const { nllSum, tokens, grads, extra } = differentiate();
    try {
      if (extra.length !== extraCount) throw new Error(`runGraphStep: the step returned ${extra.length} extra outputs, expected ${extraCount}`);
      return tf.tidy(() => {
        const kept = extra.map((t) => tf.clone(t));
        if (update === undefined) return [tf.stack([nllSum, tokens]), ...grads.map((g) => tf.clone(g)), ...kept];
        const step = update.compute(grads);
        return [tf.stack([nllSum, tokens, step.norm, step.clipped]), ...step.update.weights, ...step.update.state, ...kept];
      });
    } finally {
      tf.dispose([nllSum, tokens, ...grads, ...extra]);
    }
  }, { feed: (fed) => redrawDropoutMasks(dropoutRng, fed) });
  const [stats, ...rest] = outputs as tf.Tensor[];
  const [nllSum, tokens, norm, clipped] = (stats as tf.Tensor).dataSync();
  (stats as tf.Tensor).dispose();
  const extra = rest.splice(rest.length - extraCount, extraCount);
  const counted = { nllSum: nllSum as number, tokens: Math.round(tokens as number) };
  if (update === undefined) return { outcome: { ...counted, grads: rest }, extra };
  const n = variables.length;
  return {
    outcome: {
      ...counted,
      grads: [],
      updated: { update: { weights: rest.slice(0, n), state: rest.slice(n) }, norm: norm as number, clipped: (clipped as number) > 0 },
    },
    extra,
  };
}
