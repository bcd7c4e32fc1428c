import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSeq2SeqBatch, RecurrentLanguageModel, Seq2SeqModel, type Seq2SeqBatch, type Seq2SeqModelConfigInput } from '@bptt/models';
import { checkGradients, gradientError, randomIds, useTestBackend } from './helpers.ts';

// Small sizes keep float32 finite differences meaningful; sources and targets of different lengths exercise padding.
const rng = createRng('gradcheck-data');
const split = { source: randomIds(rng, 3, 4, 9, 2, 5), target: randomIds(rng, 3, 4, 10, 1, 4) };
let batch: Seq2SeqBatch;

beforeAll(async () => {
  await useTestBackend();
  batch = makeSeq2SeqBatch(split, [0, 1, 2]);
});
afterAll(() => tf.dispose(Object.values(batch)));

function seq2seqChecks(config: Seq2SeqModelConfigInput, ratio = 1) {
  const model = new Seq2SeqModel({ config: { embeddingDim: 5, hiddenDim: 6, ...config }, sourceVocabSize: 10, targetVocabSize: 11, seed: 3 });
  // The summed NLL (not the mean) keeps the signal large relative to float32 rounding.
  const checks = checkGradients(
    () => model.forward(batch, { training: false, teacherForcing: { ratio, rng: createRng('coins') } }).nllSum,
    [...model.namedWeights],
    7,
  );
  model.dispose();
  return checks;
}

function expectAgreement(checks: ReturnType<typeof checkGradients>) {
  expect(checks.length).toBeGreaterThan(5);
  for (const check of checks) {
    expect({ name: check.name, error: gradientError(check) < 2e-2 }).toEqual({ name: check.name, error: true });
  }
  // A gradient check that only ever compares zeros proves nothing.
  expect(checks.filter((c) => Math.abs(c.analytic) > 1e-2).length).toBeGreaterThan(checks.length / 2);
}

describe('gradients agree with finite differences', () => {
  it('LSTM encoder-decoder without attention', () => expectAgreement(seq2seqChecks({ cell: 'lstm', attention: 'none' })));
  it('GRU encoder-decoder without attention', () => expectAgreement(seq2seqChecks({ cell: 'gru', attention: 'none' })));
  it('additive (Bahdanau) attention', () => expectAgreement(seq2seqChecks({ attention: 'additive', attentionDim: 4 })));
  it('Luong dot attention', () => expectAgreement(seq2seqChecks({ attention: 'dot' })));
  it('Luong general attention with input feeding, GRU', () => expectAgreement(seq2seqChecks({ cell: 'gru', attention: 'general', inputFeeding: true })));
  it('two layers, bidirectional encoder, concat-linear bridge, tied embeddings', () =>
    expectAgreement(seq2seqChecks({ layers: 2, bidirectional: true, attention: 'general', embeddingDim: 6, tieEmbeddings: true })));
  it('bidirectional GRU with the sum bridge and dot attention', () => expectAgreement(seq2seqChecks({ cell: 'gru', bidirectional: true, bridge: 'sum', attention: 'dot' })));
  it('free running (p = 0): gradients flow through the states, not through the argmax', () => expectAgreement(seq2seqChecks({ attention: 'dot' }, 0)));

  it('recurrent language model (two LSTM layers), loss on the last steps only', () => {
    const model = new RecurrentLanguageModel({ config: { embeddingDim: 5, hiddenDim: 6, layers: 2 }, inputVocabSize: 9, seed: 5 });
    const ids = randomIds(createRng('lm'), 2, 0, 8, 6, 6);
    const chunk = {
      source: tf.tensor2d(ids, [2, 6], 'int32'),
      target: tf.tensor2d(ids.map((row) => [...row.slice(1), 0]), [2, 6], 'int32'),
      mask: tf.ones([2, 6]) as tf.Tensor2D,
    };
    const state = model.initialState(2).map((s) => tf.add(s, 0.3) as tf.Tensor2D);
    const checks = checkGradients(() => model.forward(chunk, state, { training: false, lossSteps: 4 }).nllSum, [...model.namedWeights], 11);
    expectAgreement(checks);
    model.dispose();
  });
});
