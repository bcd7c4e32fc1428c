/**
 * The loop's whole-step path (a task that takes the StepUpdate it is offered, as graph steps on native TensorFlow
 * do) against the ordinary path (the task returns gradients, the loop clips and applies them): the same weights and
 * step records bit for bit, nothing committed on a diverged step, and nothing offered where the optimizer has no
 * tensor form of its update (SGD).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../src/config.ts';
import { DivergenceError } from '../src/errors.ts';
import { lossAndGradients } from '../src/gradients.ts';
import { runTrainingLoop, type StepOutcome, type StepUpdate, type TrainingTask } from '../src/loop.ts';
import { useTestBackend } from './tiny-models.ts';

beforeAll(useTestBackend);

/** Fits w to a target that moves with the step; `whole` takes the offered update, `nanAt` poisons that step's loss. */
function quadraticTask(w: tf.Variable, whole: boolean, nanAt = -1, offers: boolean[] = []): TrainingTask<null> {
  return {
    kind: 'seq2seq',
    variables: [w],
    stepsPerEpoch: 6,
    dataHash: 'quadratic',
    hasValidation: false,
    computeStep({ step }, takeUpdate?: () => StepUpdate): StepOutcome {
      offers.push(takeUpdate !== undefined);
      const target = tf.tensor1d([1, -2, 3 + step]);
      const { loss, grads } = lossAndGradients([w], () => tf.mul(tf.sum(tf.square(tf.sub(w, target))), step === nanAt ? NaN : 1) as tf.Scalar);
      target.dispose();
      const nllSum = loss.dataSync()[0] as number;
      loss.dispose();
      if (!whole || takeUpdate === undefined) return { nllSum, tokens: 1, grads };
      const { update, norm, clipped } = takeUpdate().compute(grads);
      tf.dispose(grads);
      const [n, c] = [norm.dataSync()[0] as number, clipped.dataSync()[0] as number];
      tf.dispose([norm, clipped]);
      return { nllSum, tokens: 1, grads: [], updated: { update, norm: n, clipped: c > 0 } };
    },
    evaluate: () => undefined,
    gradientFlow: () => null,
    carriedState: () => undefined,
    restoreCarriedState: () => {},
    dispose: () => {},
  };
}

const config = (overrides: Partial<TrainConfigInput> = {}) =>
  parseTrainConfig({ batchSize: 1, epochs: 1, optimizer: { type: 'adam', lr: 0.1 }, clip: { mode: 'norm', max: 2 }, diagnostics: { every: 0 }, ...overrides });

async function run(whole: boolean, overrides: Partial<TrainConfigInput> = {}, nanAt = -1) {
  const w = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
  const offers: boolean[] = [];
  try {
    const result = await runTrainingLoop({ task: quadraticTask(w, whole, nanAt, offers), config: config(overrides) });
    return { result, w: Array.from(w.dataSync()), offers };
  } catch (error) {
    return { error, w: Array.from(w.dataSync()), offers };
  } finally {
    w.dispose();
  }
}

describe('a task that computes the whole update', () => {
  it('ends with the weights and step records of the ordinary path, bit for bit (Adam, clipping by norm and by value)', async () => {
    for (const clip of [{ mode: 'norm', max: 2 }, { mode: 'value', max: 0.5 }] as const) {
      const ordinary = await run(false, { clip });
      const whole = await run(true, { clip });
      expect(whole.w).toEqual(ordinary.w);
      expect(whole.result?.history).toEqual(ordinary.result?.history);
      expect(ordinary.result?.history.steps.some((s) => s.clipped)).toBe(true);
    }
  });

  it('commits nothing of a diverged step', async () => {
    const afterTwo = await run(true, { maxSteps: 2 });
    const diverged = await run(true, {}, 2);
    expect(diverged.error).toBeInstanceOf(DivergenceError);
    expect(diverged.w).toEqual(afterTwo.w);
  });

  it('is offered only by optimizers with a tensor form of their update (not SGD)', async () => {
    expect((await run(true)).offers.every(Boolean)).toBe(true);
    const sgd = await run(true, { optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } });
    expect(sgd.offers.some(Boolean)).toBe(false);
    expect(sgd.w).toEqual((await run(false, { optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } })).w);
  });
});
