/**
 * End to end: the model actually learns. Reversing short symbol sequences with an LSTM and Luong attention,
 * trained with a plain Adam loop (the real trainer lives in @bptt/train), then decoded greedily and with beams
 * on held-out sequences. Uses the fastest available backend (BPTT_BACKEND overrides).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendChoiceFromEnv, beamSearch, greedyDecode, initBackend, makeSeq2SeqBatch, predictTeacherForced, Seq2SeqModel } from '@bptt/models';

const rng = createRng('reverse');
const symbols = 8; // ids 4..11
const example = () => Array.from({ length: rng.int(3, 6) }, () => rng.int(4, 3 + symbols));
const train = Array.from({ length: 2000 }, example);
const held = Array.from({ length: 64 }, example).filter((s) => !train.some((t) => t.join() === s.join()));
const reverse = (rows: number[][]) => rows.map((r) => [...r].reverse());

beforeAll(async () => {
  await initBackend(backendChoiceFromEnv(process.env, 'auto'));
});

describe('learning to reverse', () => {
  it('reaches high exact match on held-out sequences (greedy and beam)', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 32, hiddenDim: 64, attention: 'dot' }, sourceVocabSize: 12, targetVocabSize: 12, seed: 1 });
    const optimizer = tf.train.adam(0.01);
    const split = { source: train, target: reverse(train) };
    const order = createRng('order');
    let loss = Infinity;
    for (let step = 0; step < 400; step++) {
      const indices = Array.from({ length: 32 }, () => order.int(0, train.length - 1));
      const batch = makeSeq2SeqBatch(split, indices);
      const cost = optimizer.minimize(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss, true, [...model.trainableVariables]);
      loss = cost?.dataSync()[0] ?? Infinity;
      tf.dispose([cost as tf.Scalar, ...Object.values(batch)]);
    }
    expect(loss).toBeLessThan(0.05);

    const heldSplit = { source: held, target: reverse(held) };
    const batch = makeSeq2SeqBatch(heldSplit, held.map((_, i) => i));
    const exact = (outputs: number[][]) => outputs.filter((o, i) => o.join() === heldSplit.target[i]?.join()).length / held.length;
    const greedy = greedyDecode(model, batch.source, batch.sourceMask, { maxLength: 12 });
    const beams = beamSearch(model, batch.source, batch.sourceMask, { width: 3, maxLength: 12, lengthPenalty: 0.6 });
    expect(exact(greedy.map((g) => g.tokens))).toBeGreaterThanOrEqual(0.95);
    expect(exact(beams.map((b) => b.best.tokens))).toBeGreaterThanOrEqual(0.95);
    const teacherForced = predictTeacherForced(model, batch);
    const tokenAccuracy = teacherForced.flatMap((p) => p.predicted.map((id, t) => (id === p.gold[t] ? 1 : 0)));
    expect(tokenAccuracy.reduce((a: number, b: number) => a + b, 0) / tokenAccuracy.length).toBeGreaterThanOrEqual(0.97);
    // Reversal attends to the mirrored source position: the attention peak of output t sits at source n-1-t.
    const diagonal = teacherForced.flatMap((p, i) => {
      const n = (held[i] as number[]).length;
      return (p.attention ?? []).slice(0, n).map((row, t) => (row.indexOf(Math.max(...row)) === n - 1 - t ? 1 : 0));
    });
    expect(diagonal.reduce((a: number, b: number) => a + b, 0) / diagonal.length).toBeGreaterThan(0.8);
    tf.dispose(Object.values(batch));
    model.dispose();
  }, 300_000);
});
