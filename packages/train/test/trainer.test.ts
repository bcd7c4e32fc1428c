import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryCheckpointStore } from '../src/checkpoint.ts';
import { CheckpointMismatchError, DivergenceError, TrainConfigError, TrainDataError } from '../src/errors.ts';
import type { ProgressEvent } from '../src/progress.ts';
import { teacherForcingRatioAt } from '../src/schedules.ts';
import { stepRngs } from '../src/step-rngs.ts';
import { trainSeq2Seq } from '../src/train-seq2seq.ts';
import { trainStream } from '../src/train-stream.ts';
import { parseTrainConfig, type TrainConfigInput } from '../src/config.ts';
import { QuadraticModel } from './quadratic-model.ts';
import { lmStream, reverseData, TinyRnnLm, TinySeq2Seq, useTestBackend, weightsOf } from './tiny-models.ts';

beforeAll(useTestBackend);

/** Four examples of two tokens: one batch of 4 per epoch, 12 target tokens (EOS included). */
const fourExamples = { train: reverseData(4, 2, 2, 3, 'quadratic'), valid: reverseData(4, 2, 2, 3, 'quadratic-valid') };
const sgd = (lr: number) => ({ type: 'sgd', lr }) as const;

describe('gradient clipping inside the trainer', () => {
  // loss = sum((w - a)^2) with w = 0, a = (1.5, 2): gradient (-3, -4), norm 5.
  const run = async (clip: TrainConfigInput['clip'], steps = 1) => {
    const model = new QuadraticModel([0, 0], [1.5, 2], [0, 0]);
    const result = await trainSeq2Seq({
      model,
      config: { batchSize: 4, epochs: steps, optimizer: sgd(0.1), clip, diagnostics: { every: 0 } },
      data: { train: fourExamples.train },
    });
    return { w: model.value(), history: result.history.steps };
  };

  it('norm: logs the pre-clip norm, scales the update by max / (norm + 1e-6)', async () => {
    const { w, history } = await run({ mode: 'norm', max: 1 }, 2);
    expect(history[0]).toMatchObject({ step: 0, gradNorm: 5, clipped: true, learningRate: 0.1, tokens: 12 });
    expect(history[0]?.loss).toBeCloseTo(1.5 ** 2 + 2 ** 2, 6);
    // w1 = 0.1 * (3, 4) / 5 = (0.06, 0.08); gradient 2 (w1 - a) = (-2.88, -3.84), norm 4.8.
    expect(history[1]?.gradNorm).toBeCloseTo(4.8, 5);
    expect(history[1]?.clipped).toBe(true);
    const w1 = [0.06, 0.08];
    const g1 = [2 * (w1[0]! - 1.5), 2 * (w1[1]! - 2)];
    const coefficient = 1 / (4.8 + 1e-6);
    expect(w[0]).toBeCloseTo(w1[0]! - 0.1 * g1[0]! * coefficient, 6);
    expect(w[1]).toBeCloseTo(w1[1]! - 0.1 * g1[1]! * coefficient, 6);
  });

  it('norm: no clipping below max', async () => {
    const { w, history } = await run({ mode: 'norm', max: 6 });
    expect(history[0]).toMatchObject({ gradNorm: 5, clipped: false });
    expect(w[0]).toBeCloseTo(0.3, 6);
    expect(w[1]).toBeCloseTo(0.4, 6);
  });

  it('value: clamps each element, still logs the pre-clip norm', async () => {
    const { w, history } = await run({ mode: 'value', max: 3.5 });
    expect(history[0]).toMatchObject({ gradNorm: 5, clipped: true });
    expect(w[0]).toBeCloseTo(0.3, 6);
    expect(w[1]).toBeCloseTo(0.35, 6);
  });
});

describe('teacher forcing', () => {
  it('passes the scheduled ratio and coins drawn from (seed, step) to the model', async () => {
    const model = new TinySeq2Seq({ vocab: 8, hidden: 4, seed: 2 });
    const config = parseTrainConfig({
      seed: 11,
      batchSize: 8,
      epochs: 3,
      teacherForcing: { type: 'linear', k: 1, c: 0.25, min: 0 },
      diagnostics: { every: 0 },
    });
    const result = await trainSeq2Seq({ model, config, data: { train: reverseData(16, 3, 5, 4, 'tf') } });
    const training = model.calls.filter((c) => c.training);
    const expectedRatios = [1, 0.75, 0.5, 0.25, 0, 0];
    expect(training.map((c) => c.ratio)).toEqual(expectedRatios);
    expect(result.history.steps.map((s) => s.teacherForcingRatio)).toEqual(expectedRatios);
    expect(expectedRatios.map((_, i) => teacherForcingRatioAt(config.teacherForcing, i))).toEqual(expectedRatios);
    training.forEach((call, step) => {
      if (call.ratio === 0 || call.ratio === 1) {
        expect(call.coins).toEqual([]);
        return;
      }
      expect(call.coins.length).toBeGreaterThan(8);
      const replay = stepRngs(11, step).teacherForcing;
      expect(call.coins).toEqual(call.coins.map(() => replay.bernoulli(call.ratio)));
      // The coins are those of this step, not of a neighbouring one.
      const neighbour = stepRngs(11, step + 1).teacherForcing;
      expect(call.coins).not.toEqual(call.coins.map(() => neighbour.bernoulli(call.ratio)));
    });
    // Validation always feeds gold tokens.
    expect(model.calls.filter((c) => !c.training).every((c) => c.ratio === 1)).toBe(true);
  });
});

describe('divergence', () => {
  it('a NaN loss at step k stops the run with DivergenceError naming step k; no update or checkpoint of it', async () => {
    const model = new QuadraticModel([0], [1], [0.5], { call: 3, loss: (w) => tf.mul(tf.sum(w), Number.NaN) });
    const store = new InMemoryCheckpointStore();
    const error = await trainSeq2Seq({
      model,
      config: { batchSize: 4, epochs: 10, optimizer: sgd(0.1), clip: { mode: 'none' }, checkpointEvery: 2, diagnostics: { every: 0 } },
      data: fourExamples,
      store,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error).toMatchObject({ _tag: 'DivergenceError', step: 3, quantity: 'loss' });
    expect(Number.isNaN((error as DivergenceError).value)).toBe(true);
    // The steps before the divergence are kept for the report (a run without clipping exists to show them).
    expect((error as DivergenceError).history?.steps.map((s) => s.step)).toEqual([0, 1, 2]);
    expect((error as Error).message).toMatch(/step 3: loss is NaN/);
    expect(model.value()[0]).toBeCloseTo(1 - 0.8 ** 3, 6); // steps 0, 1, 2 applied, step 3 not
    expect(store.savedSteps).toEqual([2]);
    expect((await store.load())?.done).toBe(false);
  });

  it('an infinite gradient norm with a finite loss is divergence too', async () => {
    // d sqrt(w) / dw at w = 0 is +inf.
    const model = new QuadraticModel([0], [1], [0], { call: 0, loss: (w) => tf.sum(tf.sqrt(w)) });
    const error = await trainSeq2Seq({
      model,
      config: { batchSize: 4, epochs: 2, diagnostics: { every: 0 } },
      data: { train: fourExamples.train },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ step: 0, quantity: 'gradNorm', value: Number.POSITIVE_INFINITY });
    expect(model.value()).toEqual([0]);
  });
});

describe('early stopping', () => {
  // SGD on sum((w - 1)^2) from 0 with lr 0.1: w_k = 1 - 0.8^k. Validation loss (w - 0.5)^2 is lowest at
  // k = 3 (w = 0.488), then rises.
  const run = async (earlyStopping: TrainConfigInput['earlyStopping']) => {
    const model = new QuadraticModel([0], [1], [0.5]);
    const weightAt = new Map<number, number>();
    const result = await trainSeq2Seq({
      model,
      config: { batchSize: 4, epochs: 20, evalEvery: 1, optimizer: sgd(0.1), clip: { mode: 'none' }, earlyStopping, diagnostics: { every: 0 } },
      data: fourExamples,
      onProgress: (event) => weightAt.set(event.step, model.value()[0] as number),
    });
    return { result, w: model.value()[0], weightAt };
  };

  it('stops after `patience` evaluations without improvement and restores the best weights', async () => {
    const { result, w, weightAt } = await run({ enabled: true, patience: 2 });
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBe(5);
    expect(result.bestStep).toBe(3);
    expect(result.bestValidLoss).toBeCloseTo((0.5 - (1 - 0.8 ** 3)) ** 2, 8);
    expect(w).toBe(weightAt.get(3));
    expect(weightAt.get(5)).toBeCloseTo(1 - 0.8 ** 5, 6);
    expect(result.history.evaluations.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    const validLosses = result.history.evaluations.map((e) => e.validLoss as number);
    expect(validLosses[2]).toBe(Math.min(...validLosses));
  });

  it('minDelta: an improvement smaller than minDelta does not count', async () => {
    // Valid losses 0.09, 0.0196, 0.000144, ...: the third improves by 0.019 < 0.02.
    const { result, w, weightAt } = await run({ enabled: true, patience: 2, minDelta: 0.02 });
    expect(result.steps).toBe(4);
    expect(result.bestStep).toBe(2);
    expect(w).toBe(weightAt.get(2));
  });

  it('restoreBestWeights: false keeps the last weights', async () => {
    const { result, w, weightAt } = await run({ enabled: true, patience: 2, restoreBestWeights: false });
    expect(result.bestStep).toBe(3);
    expect(w).toBe(weightAt.get(5));
  });

  it('without early stopping the run goes to the end and still returns the best weights', async () => {
    const { result, w, weightAt } = await run({ enabled: false });
    expect(result.stoppedEarly).toBe(false);
    expect(result.steps).toBe(20);
    expect(result.bestStep).toBe(3);
    expect(w).toBe(weightAt.get(3));
  });

  it('needs a validation split', async () => {
    const model = new QuadraticModel([0], [1], [0.5]);
    await expect(
      trainSeq2Seq({ model, config: { earlyStopping: { enabled: true } }, data: { train: fourExamples.train } }),
    ).rejects.toThrow(TrainConfigError);
    await expect(
      trainSeq2Seq({ model, config: { lrSchedule: { type: 'plateau' } }, data: { train: fourExamples.train } }),
    ).rejects.toThrow(/plateau.*validation split/);
  });
});

describe('evaluation and history', () => {
  it('evaluations report token-weighted train loss since the last evaluation and corpus valid loss', async () => {
    const model = new QuadraticModel([0], [1], [0.5]);
    const result = await trainSeq2Seq({
      model,
      config: { batchSize: 4, epochs: 5, evalEvery: 2, optimizer: sgd(0.1), clip: { mode: 'none' }, diagnostics: { every: 0 } },
      data: fourExamples,
    });
    const steps = result.history.steps;
    expect(result.history.evaluations.map((e) => e.step)).toEqual([2, 4, 5]);
    const [first, , last] = result.history.evaluations;
    expect(first?.trainLoss).toBeCloseTo((steps[0]!.loss + steps[1]!.loss) / 2, 10);
    expect(first?.trainPerplexity).toBeCloseTo(Math.exp(first!.trainLoss), 10);
    expect(last?.trainLoss).toBeCloseTo(steps[4]!.loss, 10);
    expect(first?.validLoss).toBeCloseTo((1 - 0.8 ** 2 - 0.5) ** 2, 6);
    expect(last?.validPerplexity).toBeCloseTo(Math.exp(last!.validLoss!), 10);
    expect(steps.map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4]);
  });

  it('the lr of each step follows the schedule; the plateau schedule cuts at evaluations', async () => {
    const model = new QuadraticModel([0], [1], [-1]); // valid loss only rises: every evaluation is bad
    const result = await trainSeq2Seq({
      model,
      config: {
        batchSize: 4,
        epochs: 6,
        evalEvery: 1,
        optimizer: sgd(0.1),
        lrSchedule: { type: 'plateau', factor: 0.5, patience: 1 },
        diagnostics: { every: 0 },
      },
      data: fourExamples,
    });
    // Evaluation 1 sets the best; 2 is bad (1 <= patience); 3 is bad twice -> cut; 4 bad once; 5 cut; ...
    expect(result.history.steps.map((s) => s.learningRate)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(result.history.evaluations.map((e) => e.learningRate)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  it('progress events: one per step, with totals, tokens/s and an ETA that reaches 0', async () => {
    let now = 0;
    const events: ProgressEvent[] = [];
    await trainSeq2Seq({
      model: new QuadraticModel([0], [1], [0.5]),
      config: { batchSize: 2, epochs: 3, evalEvery: 2, diagnostics: { every: 0 } },
      data: fourExamples,
      onProgress: (event) => events.push(event),
      clock: () => (now += 50),
    });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.totalSteps === 6)).toBe(true);
    expect(events.map((e) => e.epoch)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(events.map((e) => e.evaluation?.step)).toEqual([undefined, 2, undefined, 4, undefined, 6]);
    // Each step trains 6 target tokens in 50 ms of the fake clock.
    events.forEach((e) => expect(e.tokensPerSecond).toBeCloseTo(120, 6));
    expect(events[0]!.etaSeconds).toBeGreaterThan(events[4]!.etaSeconds);
    expect(events[5]!.etaSeconds).toBe(0);
  });
});

describe('data validation', () => {
  const model = () => new TinySeq2Seq({ vocab: 8, hidden: 4, seed: 1 });
  it('names the split, the field and the value', async () => {
    await expect(trainSeq2Seq({ model: model(), config: {}, data: { train: { source: [[4]], target: [] } } })).rejects.toThrow(
      /data\.train: source has 1 sequences but target has 0/,
    );
    await expect(
      trainSeq2Seq({ model: model(), config: {}, data: { train: fourExamples.train, valid: { source: [[4], [5]], target: [[4], [1.5]] } } }),
    ).rejects.toThrow(/data\.valid\.target\[1\]\[0\]: token id 1\.5/);
    await expect(
      trainStream({ model: new TinyRnnLm({ vocab: 8, hidden: 4, seed: 1 }), config: { batchSize: 8 }, data: { train: { source: [4, 5], target: [5, 4] } } }),
    ).rejects.toThrow(TrainDataError);
  });
});

describe('checkpoints and resources', () => {
  it('a finished run saves a final checkpoint; running again returns its result without training', async () => {
    const store = new InMemoryCheckpointStore();
    const config: TrainConfigInput = { batchSize: 4, epochs: 3, evalEvery: 1, optimizer: sgd(0.1), earlyStopping: { enabled: true, patience: 1 }, checkpointEvery: 100 };
    const first = new QuadraticModel([0], [1], [0.5]);
    const result = await trainSeq2Seq({ model: first, config, data: fourExamples, store });
    expect(store.savedSteps).toEqual([3]);
    const again = new QuadraticModel([7], [1], [0.5]);
    const resumed = await trainSeq2Seq({ model: again, config, data: fourExamples, store });
    expect(again.trainingCalls).toBe(0);
    expect(again.value()).toEqual(first.value());
    // Throughput and how the steps ran (native graphs) describe the process, not the run.
    const runOnly = ({ tokensPerSecond: _speed, execution: _execution, ...rest }: typeof result) => rest;
    expect(runOnly(resumed)).toEqual(runOnly(result));
  });

  it('refuses a checkpoint of another config or other data, naming what differs', async () => {
    const store = new InMemoryCheckpointStore();
    const config: TrainConfigInput = { batchSize: 4, epochs: 2, optimizer: sgd(0.1), diagnostics: { every: 0 } };
    await trainSeq2Seq({ model: new QuadraticModel([0], [1], [0.5]), config, data: fourExamples, store });
    await expect(
      trainSeq2Seq({ model: new QuadraticModel([0], [1], [0.5]), config: { ...config, optimizer: sgd(0.2) }, data: fourExamples, store }),
    ).rejects.toThrow(new CheckpointMismatchError('checkpoint was saved with another config (differs in: optimizer)'));
    await expect(
      trainSeq2Seq({ model: new QuadraticModel([0], [1], [0.5]), config, data: { ...fourExamples, valid: fourExamples.train }, store }),
    ).rejects.toThrow(/other training data/);
    await expect(
      trainSeq2Seq({ model: new QuadraticModel([0, 0], [1, 1], [0.5, 0.5]), config, data: fourExamples, store }),
    ).rejects.toThrow(/other variable shapes/);
    // The save cadence is not part of the run's identity.
    await expect(
      trainSeq2Seq({ model: new QuadraticModel([0], [1], [0.5]), config: { ...config, checkpointEvery: 7 }, data: fourExamples, store }),
    ).resolves.toMatchObject({ steps: 2 });
  });

  it('leaves no tensors behind (seq2seq and stream)', async () => {
    const seq2seq = new TinySeq2Seq({ vocab: 8, hidden: 4, seed: 1, dropout: 0.2 });
    const lm = new TinyRnnLm({ vocab: 9, hidden: 4, seed: 1, dropout: 0.2 });
    const before = tf.memory().numTensors;
    await trainSeq2Seq({
      model: seq2seq,
      config: { batchSize: 4, epochs: 2, evalEvery: 2, teacherForcing: { type: 'constant', ratio: 0.5 }, bptt: { mode: 'truncated', k2: 2 }, diagnostics: { every: 2 } },
      data: { train: reverseData(8, 2, 4, 4, 'leak'), valid: reverseData(4, 2, 4, 4, 'leak-valid') },
      store: new InMemoryCheckpointStore(),
    });
    await trainStream({
      model: lm,
      config: { batchSize: 3, epochs: 2, evalEvery: 2, optimizer: { type: 'sgd', momentum: 0.9 }, bptt: { mode: 'truncated', k1: 2, k2: 5 }, checkpointEvery: 3, diagnostics: { every: 2, streamSteps: 6 } },
      data: { train: lmStream(60, 5, 'leak'), valid: lmStream(30, 5, 'leak-valid') },
      store: new InMemoryCheckpointStore(),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(seq2seq).flat().every(Number.isFinite)).toBe(true);
  });
});
