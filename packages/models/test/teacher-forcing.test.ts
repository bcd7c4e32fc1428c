import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOS_ID, makeSeq2SeqBatch, planTeacherForcing, Seq2SeqModel, teacherForcingCoins, type AttentionType, type Seq2SeqBatch } from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

const rng = createRng('tf-data');
const split = { source: randomIds(rng, 6, 4, 11, 3, 6), target: randomIds(rng, 6, 4, 11, 3, 6) };
let batch: Seq2SeqBatch;
let gold: number[][]; // [T][B] decoder inputs under teacher forcing

beforeAll(async () => {
  await useTestBackend();
  batch = makeSeq2SeqBatch(split, [0, 1, 2, 3, 4, 5]);
  gold = (tf.transpose(batch.targetIn).arraySync() as number[][]);
});
afterAll(() => tf.dispose(Object.values(batch)));

function record(attention: AttentionType, ratio: number, coinSeed = 'coins') {
  const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention }, sourceVocabSize: 12, targetVocabSize: 12, seed: 4 });
  const inputs: number[][] = [];
  model.hooks = { onDecoderInput: (t, tokens) => (inputs[t] = Array.from(tokens.dataSync())) };
  const predictions = tf.tidy(() => {
    const run = model.run(batch, { training: false, teacherForcing: { ratio, rng: createRng(coinSeed) } });
    return tf.transpose(tf.argMax(run.logits, 2)).arraySync() as number[][]; // [T][B]
  });
  model.dispose();
  return { inputs, predictions };
}

describe.each(['none', 'additive'] as const)('teacher forcing (attention %s)', (attention) => {
  it('p = 1: the decoder reads the gold token at every step', () => {
    const { inputs } = record(attention, 1);
    expect(inputs).toEqual(gold);
  });

  it("p = 0: after BOS the decoder reads its own previous argmax at every step", () => {
    const { inputs, predictions } = record(attention, 0);
    expect(inputs[0]).toEqual(new Array(6).fill(BOS_ID));
    for (let t = 1; t < inputs.length; t++) expect(inputs[t]).toEqual(predictions[t - 1]);
    // The untrained model's choices differ from the gold tokens somewhere, so the test can tell the two apart.
    expect(inputs.slice(1)).not.toEqual(gold.slice(1));
  });

  it('0 < p < 1: each token follows its coin from teacherForcing.rng', () => {
    const p = 0.5;
    const { inputs, predictions } = record(attention, p, 'mixed');
    const coins = planTeacherForcing({ ratio: p, rng: createRng('mixed') }, 6, gold.length);
    if (!Array.isArray(coins)) throw new Error('expected coins');
    let heads = 0;
    for (let t = 1; t < inputs.length; t++) {
      for (let b = 0; b < 6; b++) {
        const expected = coins[t]?.[b] === true ? gold[t]?.[b] : predictions[t - 1]?.[b];
        expect(inputs[t]?.[b]).toBe(expected);
        if (coins[t]?.[b] === true) heads++;
      }
    }
    expect(heads).toBeGreaterThan(0);
    expect(heads).toBeLessThan((inputs.length - 1) * 6);
  });
});

describe('teacher forcing options', () => {
  it('coins drawn beforehand as a tensor (what a traced step takes as an input) give the rng\'s flips, loss and gradients bit for bit', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention: 'dot' }, sourceVocabSize: 12, targetVocabSize: 12, seed: 9 });
    const T = batch.targetIn.shape[1];
    const B = batch.targetIn.shape[0];
    const coins = teacherForcingCoins({ ratio: 0.5, rng: createRng('coins') }, B, T);
    const drawn = planTeacherForcing({ ratio: 0.5, rng: createRng('coins') }, B, T);
    expect(coins.arraySync()).toEqual((drawn as boolean[][]).map((row) => row.map(Number)));
    // The coins mix gold and model inputs (the comparison below can tell them apart).
    expect(new Set((drawn as boolean[][]).slice(1).flat()).size).toBe(2);
    const run = (teacherForcing: { ratio: number; rng?: ReturnType<typeof createRng>; coins?: tf.Tensor2D }) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing }).loss);
        return [value, ...Object.keys(grads).sort().map((k) => grads[k] as tf.Tensor)].map((t) => Array.from(t.dataSync()));
      });
    expect(run({ ratio: 0.5, coins })).toEqual(run({ ratio: 0.5, rng: createRng('coins') }));
    expect(() => model.forward(batch, { training: true, teacherForcing: { ratio: 0.5, coins: tf.zeros([T, B]) as tf.Tensor2D } })).toThrow(
      `teacherForcing.coins must be bool [${T}, ${B}] (steps, batch), got float32 [${T}, ${B}]`,
    );
    coins.dispose();
    model.dispose();
  });

  it('needs coins for 0 < p < 1 and a ratio in [0, 1]', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 4, hiddenDim: 4 }, sourceVocabSize: 12, targetVocabSize: 12, seed: 1 });
    expect(() => model.forward(batch, { training: true, teacherForcing: { ratio: 0.3 } })).toThrow(/teacherForcing.rng is required when 0 < ratio < 1/);
    expect(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1.5 } })).toThrow(/ratio must be in \[0, 1\], got 1.5/);
    model.dispose();
  });

  it('the same coins give the same loss; p = 1 and the layer-by-layer path agree with the step-by-step path', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention: 'dot' }, sourceVocabSize: 12, targetVocabSize: 12, seed: 9 });
    const loss = (ratio: number, seed: string) => tf.tidy(() => model.forward(batch, { training: false, teacherForcing: { ratio, rng: createRng(seed) } }).loss.dataSync()[0] as number);
    expect(loss(0.5, 'a')).toBe(loss(0.5, 'a'));
    // A ratio just below 1 with coins that all come up heads takes the step-by-step loop with gold inputs.
    const allHeads = { next: () => 0, int: () => 0, bernoulli: () => true, pick: <T>(x: readonly T[]) => x[0] as T, shuffle: <T>(x: readonly T[]) => [...x], normal: () => 0, fork: () => allHeads };
    const stepwise = tf.tidy(() => model.forward(batch, { training: false, teacherForcing: { ratio: 0.999, rng: allHeads } }).loss.dataSync()[0] as number);
    expect(stepwise).toBeCloseTo(loss(1, 'a'), 5);
    model.dispose();
  });
});
