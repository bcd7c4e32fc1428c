import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryCheckpointStore } from '../src/checkpoint.ts';
import type { TrainConfigInput } from '../src/config.ts';
import type { TrainResult } from '../src/history.ts';
import { trainSeq2Seq } from '../src/train-seq2seq.ts';
import { trainStream } from '../src/train-stream.ts';
import { lmStream, reverseData, TinyRnnLm, TinySeq2Seq, useTestBackend, weightsOf } from './tiny-models.ts';

beforeAll(async () => {
  await useTestBackend();
  expect(tf.getBackend()).toBe(process.env['BPTT_BACKEND'] ?? 'cpu');
});

class Killed extends Error {}

/** Stops a run right after `step` steps, as a SIGKILL would: no final checkpoint, whatever was saved stays. */
const killAfter = (step: number) => (event: { step: number }) => {
  if (event.step === step) throw new Killed(`killed after step ${step}`);
};

/** Everything a run returns except what describes the process: throughput, and how its steps ran. */
const deterministicPart = <F>({ tokensPerSecond: _speed, execution: _execution, ...result }: TrainResult<F>) => result;

describe('resume from a checkpoint equals the uninterrupted run (bit-identical)', () => {
  it('seq2seq: Adam, warmup/decay, clipping, scheduled sampling, dropout, early-stopping bookkeeping', async () => {
    const config: TrainConfigInput = {
      seed: 5,
      batchSize: 6,
      epochs: 4, // 3 batches per epoch: 12 steps
      optimizer: { type: 'adam', lr: 0.02 },
      lrSchedule: { type: 'linear', warmupSteps: 3 },
      clip: { mode: 'norm', max: 0.5 },
      teacherForcing: { type: 'inverseSigmoid', k: 4 },
      bptt: { mode: 'truncated', k2: 3 },
      evalEvery: 3,
      earlyStopping: { enabled: true, patience: 10 },
      checkpointEvery: 4,
      diagnostics: { every: 5, batchSize: 3 },
    };
    const data = { train: reverseData(16, 2, 5, 5, 'resume-train'), valid: reverseData(6, 2, 5, 5, 'resume-valid') };
    const model = () => new TinySeq2Seq({ vocab: 9, hidden: 5, seed: 1, dropout: 0.25 });

    const uninterrupted = model();
    const expected = await trainSeq2Seq({ model: uninterrupted, config, data });
    expect(expected.steps).toBe(12);

    const store = new InMemoryCheckpointStore();
    await expect(trainSeq2Seq({ model: model(), config, data, store, onProgress: killAfter(6) })).rejects.toThrow(Killed);
    expect(store.savedSteps).toEqual([4]);

    // A fresh process: new model with other initial weights; everything comes from the checkpoint.
    const resumedModel = new TinySeq2Seq({ vocab: 9, hidden: 5, seed: 99, dropout: 0.25 });
    const resumed = await trainSeq2Seq({ model: resumedModel, config, data, store });
    expect(weightsOf(resumedModel)).toEqual(weightsOf(uninterrupted));
    expect(deterministicPart(resumed)).toEqual(deterministicPart(expected));
    expect(store.savedSteps).toEqual([4, 8, 12]);
    // The checkpointed run really drew coins and dropout masks after the resume point.
    expect(resumedModel.calls.filter((c) => c.training).some((c) => c.coins.length > 0)).toBe(true);
  });

  it('stream: TBPTT(k1 < k2) with the carried state saved mid-epoch, SGD momentum, plateau schedule, dropout', async () => {
    const config: TrainConfigInput = {
      seed: 8,
      batchSize: 3,
      epochs: 3, // rows of 20 steps, k1 = 3: 7 windows per epoch, 21 steps
      optimizer: { type: 'sgd', lr: 0.3, momentum: 0.9 },
      lrSchedule: { type: 'plateau', patience: 0, factor: 0.5 },
      bptt: { mode: 'truncated', k1: 3, k2: 7 },
      evalEvery: 4,
      checkpointEvery: 5,
      diagnostics: { every: 6, batchSize: 2, streamSteps: 9 },
    };
    const data = { train: lmStream(60, 5, 'resume-stream'), valid: lmStream(30, 5, 'resume-stream-valid') };
    const model = (seed: number) => new TinyRnnLm({ vocab: 10, hidden: 5, seed, dropout: 0.2 });

    const uninterrupted = model(1);
    const expected = await trainStream({ model: uninterrupted, config, data });
    expect(expected.steps).toBe(21);

    const store = new InMemoryCheckpointStore();
    // Killed at step 12: the checkpoint at step 10 is in the middle of epoch 1 (steps 7..13).
    await expect(trainStream({ model: model(1), config, data, store, onProgress: killAfter(12) })).rejects.toThrow(Killed);
    const saved = await store.load();
    expect(saved?.step).toBe(10);
    expect(saved?.carriedState).toHaveLength(1);

    const resumedModel = model(42);
    const resumed = await trainStream({ model: resumedModel, config, data, store });
    expect(weightsOf(resumedModel)).toEqual(weightsOf(uninterrupted));
    expect(deterministicPart(resumed)).toEqual(deterministicPart(expected));
  });

  it('the carried state matters: resuming with a fresh state instead would not match', async () => {
    const config: TrainConfigInput = { seed: 8, batchSize: 3, epochs: 1, bptt: { mode: 'truncated', k1: 3, k2: 7 }, checkpointEvery: 3, diagnostics: { every: 0 } };
    const data = { train: lmStream(60, 5, 'resume-stream') };
    const uninterrupted = new TinyRnnLm({ vocab: 10, hidden: 5, seed: 1 });
    await trainStream({ model: uninterrupted, config, data });

    const store = new InMemoryCheckpointStore();
    await expect(
      trainStream({ model: new TinyRnnLm({ vocab: 10, hidden: 5, seed: 1 }), config, data, store, onProgress: killAfter(4) }),
    ).rejects.toThrow(Killed);
    const saved = await store.load();
    if (saved === undefined) throw new Error('no checkpoint');
    const { carriedState: _dropped, ...withoutState } = saved;
    const tampered = new InMemoryCheckpointStore();
    await tampered.save({ ...withoutState, carriedState: saved.carriedState?.map((s) => ({ ...s, values: s.values.map(() => 0) })) });
    const resumedModel = new TinyRnnLm({ vocab: 10, hidden: 5, seed: 1 });
    await trainStream({ model: resumedModel, config, data, store: tampered });
    expect(weightsOf(resumedModel)).not.toEqual(weightsOf(uninterrupted));
  });
});
