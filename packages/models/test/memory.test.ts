/** Tensor discipline: a training step, a decode, an evaluation leave no tensor behind. */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchifyAlignedStream,
  beamSearch,
  evaluateStream,
  greedyDecode,
  makeSeq2SeqBatch,
  predictTeacherForced,
  RecurrentLanguageModel,
  Seq2SeqModel,
  streamChunk,
  type RecurrentState,
} from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

const split = { source: randomIds(createRng('mem'), 4, 4, 11, 3, 7), target: randomIds(createRng('mem-t'), 4, 4, 11, 2, 6) };

describe('no tensor leaks', () => {
  it('training steps of a seq2seq model with attention, dropout, mixed teacher forcing and probes', () => {
    const model = new Seq2SeqModel({
      config: { embeddingDim: 6, hiddenDim: 8, layers: 2, bidirectional: true, attention: 'additive', dropout: { variational: 0.2, weightDrop: 0.2, embedding: 0.1 } },
      sourceVocabSize: 12,
      targetVocabSize: 12,
      seed: 1,
    });
    const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
    const optimizer = tf.train.sgd(0.1);
    const step = (i: number) => {
      const cost = optimizer.minimize(
        () =>
          model.forward(batch, {
            training: true,
            teacherForcing: { ratio: 0.5, rng: createRng(`coins:${i}`) },
            dropoutRng: createRng(`dropout:${i}`),
            encoderGradientWindow: 3,
            probeHiddenStates: true,
          }).loss,
        true,
        [...model.trainableVariables],
      );
      cost?.dispose();
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 3; i++) step(i);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(batch));
    model.dispose();
  });

  it('decoding, teacher-forced prediction and stream evaluation', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention: 'dot', inputFeeding: true }, sourceVocabSize: 12, targetVocabSize: 12, seed: 1 });
    const lm = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 6, layers: 2, cell: 'gru' }, inputVocabSize: 12, seed: 1 });
    const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
    const stream = { source: randomIds(createRng('s'), 1, 0, 11, 60, 60)[0] as number[], target: randomIds(createRng('t'), 1, 0, 11, 60, 60)[0] as number[] };
    // One warm-up pass fills the native kernels' per-size constants (kept zeros, see native/lstm-block.ts), kept by design.
    predictTeacherForced(model, batch);
    const before = tf.memory().numTensors;
    greedyDecode(model, batch.source, batch.sourceMask, { maxLength: 6 });
    beamSearch(model, batch.source, batch.sourceMask, { width: 3, maxLength: 6, lengthPenalty: 0.6 });
    predictTeacherForced(model, batch);
    evaluateStream(lm, stream, { batchSize: 3, chunkLength: 7 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(batch));
    model.dispose();
    lm.dispose();
  });

  it('a language model carrying its state across chunks (the trainer detaches it between chunks)', () => {
    const lm = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 6, layers: 2 }, inputVocabSize: 12, seed: 1 });
    const stream = batchifyAlignedStream({ source: [...Array(40).keys()].map((i) => i % 12), target: [...Array(40).keys()].map((i) => (i + 1) % 12) }, 2);
    let state: RecurrentState = lm.initialState(2);
    const optimizer = tf.train.sgd(0.1);
    const counts: number[] = [];
    for (const start of [0, 5, 10, 15]) {
      const chunk = streamChunk(stream, start, 5);
      let next: RecurrentState = state;
      optimizer.minimize(() => {
        const r = lm.forward(chunk, state, { training: true, dropoutRng: createRng(start) });
        next = r.finalState.map((s) => tf.keep(s));
        return r.loss;
      }, false);
      // repackage_hidden: a copy outside the tape, then let go of the old state and the tape's copy.
      const detached = next.map((s) => tf.clone(s));
      tf.dispose([...state, ...next, ...Object.values(chunk)]);
      state = detached;
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([...state]);
    lm.dispose();
  });
});
