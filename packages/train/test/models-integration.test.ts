/**
 * The trainer with the concrete @bptt/models classes (small sizes, cpu backend): the truncation, probe and resume
 * guarantees hold for the real LSTM encoder-decoder and language model, not only for the tiny test models.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, RecurrentLanguageModel, Seq2SeqModel, type Seq2SeqModelOptions } from '@bptt/models';
import { InMemoryCheckpointStore } from '../src/checkpoint.ts';
import type { TrainConfigInput } from '../src/config.ts';
import { trainSeq2Seq } from '../src/train-seq2seq.ts';
import { trainStream } from '../src/train-stream.ts';
import { lmStream, reverseData, weightsOf } from './tiny-models.ts';

beforeAll(async () => {
  await initBackend('cpu');
  expect(tf.getBackend()).toBe('cpu');
});

const seq2seqModel = (seed: number, config: Seq2SeqModelOptions['config'] = {}) =>
  new Seq2SeqModel({
    config: { cell: 'lstm', embeddingDim: 6, hiddenDim: 8, attention: 'additive', ...config },
    sourceVocabSize: 10,
    targetVocabSize: 10,
    seed,
  });

// Sources of exactly 6 symbols: 7 encoder steps with EOS.
const data = { train: reverseData(12, 6, 6, 5, 'models-train'), valid: reverseData(4, 6, 6, 5, 'models-valid') };

const base = (bptt: TrainConfigInput['bptt']): TrainConfigInput => ({
  seed: 4,
  batchSize: 4,
  epochs: 1,
  bptt,
  optimizer: { type: 'adam', lr: 0.01 },
  evalEvery: 3,
  diagnostics: { every: 3, batchSize: 2 },
});

describe('Seq2SeqModel (LSTM + additive attention)', () => {
  it('k2 >= source length trains bit-identically to full BPTT', async () => {
    const full = seq2seqModel(1);
    const truncated = seq2seqModel(1);
    const a = await trainSeq2Seq({ model: full, config: base({ mode: 'full' }), data });
    const b = await trainSeq2Seq({ model: truncated, config: base({ mode: 'truncated', k2: 7 }), data });
    expect(weightsOf(truncated)).toEqual(weightsOf(full));
    expect(b.history).toEqual(a.history);
  });

  it('small k2: zero gradient on the encoder states before the window', async () => {
    const result = await trainSeq2Seq({ model: seq2seqModel(1), config: base({ mode: 'truncated', k2: 3 }), data });
    const flow = result.diagnostics[0];
    expect(flow?.encoder).toHaveLength(7);
    expect(flow?.encoder.slice(0, 4)).toEqual([0, 0, 0, 0]);
    flow?.encoder.slice(4).forEach((norm) => expect(norm).toBeGreaterThan(0));
    expect(flow?.decoder).toHaveLength(7);
  });

  it('killed and resumed: bit-identical weights (scheduled sampling and variational dropout on)', async () => {
    const config: TrainConfigInput = {
      ...base({ mode: 'full' }),
      epochs: 3,
      teacherForcing: { type: 'linear', k: 1, c: 0.1, min: 0.3 },
      checkpointEvery: 4,
    };
    const dropout = { dropout: { variational: 0.2 } };
    const uninterrupted = seq2seqModel(1, dropout);
    const expected = await trainSeq2Seq({ model: uninterrupted, config, data });
    const store = new InMemoryCheckpointStore();
    await expect(
      trainSeq2Seq({
        model: seq2seqModel(1, dropout),
        config,
        data,
        store,
        onProgress: (e) => {
          if (e.step === 6) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const resumedModel = seq2seqModel(2, dropout);
    const resumed = await trainSeq2Seq({ model: resumedModel, config, data, store });
    expect(weightsOf(resumedModel)).toEqual(weightsOf(uninterrupted));
    expect(resumed.history).toEqual(expected.history);
  });
});

describe('RecurrentLanguageModel (2-layer LSTM)', () => {
  const lm = (seed: number) =>
    new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 8, layers: 2, dropout: { variational: 0.2 } }, inputVocabSize: 10, seed });
  const streams = { train: lmStream(90, 5, 'models-lm'), valid: lmStream(40, 5, 'models-lm-valid') };

  it('TBPTT(k1 < k2) killed mid-epoch and resumed: bit-identical weights', async () => {
    const config: TrainConfigInput = {
      seed: 2,
      batchSize: 3,
      epochs: 2,
      bptt: { mode: 'truncated', k1: 4, k2: 9 },
      optimizer: { type: 'sgd', lr: 0.5, momentum: 0.5 },
      evalEvery: 5,
      checkpointEvery: 3,
      diagnostics: { every: 4, batchSize: 2, streamSteps: 12 },
    };
    const uninterrupted = lm(1);
    const expected = await trainStream({ model: uninterrupted, config, data: streams });
    expect(expected.steps).toBe(16); // rows of 30 steps, k1 = 4: 8 windows per epoch
    const store = new InMemoryCheckpointStore();
    await expect(
      trainStream({
        model: lm(1),
        config,
        data: streams,
        store,
        onProgress: (e) => {
          if (e.step === 5) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const resumedModel = lm(3);
    const resumed = await trainStream({ model: resumedModel, config, data: streams, store });
    expect(weightsOf(resumedModel)).toEqual(weightsOf(uninterrupted));
    expect(resumed.history).toEqual(expected.history);
    expect(resumed.diagnostics).toEqual(expected.diagnostics);
    // Gradient flow of the last step's loss: zero beyond k2 = 9 steps back in a 12-step window.
    const flow = expected.diagnostics[0];
    expect(flow?.hidden.slice(0, 3)).toEqual([0, 0, 0]);
    flow?.hidden.slice(3).forEach((norm) => expect(norm).toBeGreaterThan(0));
  });
});
