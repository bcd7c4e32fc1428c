import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientsWithProbes, makeSeq2SeqBatch, Seq2SeqModel, type Seq2SeqBatch, type Seq2SeqModelConfigInput } from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

const rng = createRng('tbptt');
// All sources 7 tokens + EOS = 8 encoder steps, so "the last W steps" are the same positions in every row.
const split = { source: randomIds(rng, 4, 4, 9, 7, 7), target: randomIds(rng, 4, 4, 9, 2, 4) };
let batch: Seq2SeqBatch;
const S = 8;

beforeAll(async () => {
  await useTestBackend();
  batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
});
afterAll(() => tf.dispose(Object.values(batch)));

function run(config: Seq2SeqModelConfigInput, window: number | undefined) {
  const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, ...config }, sourceVocabSize: 10, targetVocabSize: 10, seed: 2 });
  const out = gradientsWithProbes(() => {
    const r = model.forward(batch, { training: false, teacherForcing: { ratio: 1 }, encoderGradientWindow: window, probeHiddenStates: true });
    return { loss: r.loss, probes: [...(r.probes?.encoder ?? []), ...(r.probes?.decoder ?? [])] };
  }, model.trainableVariables);
  const norms = out.probeGrads.map((g) => tf.tidy(() => tf.norm(g).dataSync()[0] as number));
  const grads = out.variableGrads.map((g) => Array.from(g.dataSync()));
  const loss = out.loss.dataSync()[0] as number;
  tf.dispose([out.loss, ...out.variableGrads, ...out.probeGrads]);
  model.dispose();
  return { loss, encoderNorms: norms.slice(0, S), decoderNorms: norms.slice(S), grads };
}

const configs: [string, Seq2SeqModelConfigInput][] = [
  ['LSTM, no attention', { attention: 'none' }],
  ['GRU, two layers, Luong dot attention', { cell: 'gru', layers: 2, attention: 'dot' }],
  ['bidirectional LSTM, additive attention', { bidirectional: true, attention: 'additive' }],
];

describe.each(configs)('truncated BPTT through the encoder: %s', (_, config) => {
  it('a window as long as the source gives exactly the full-BPTT gradients', () => {
    const full = run(config, undefined);
    const windowed = run(config, S);
    const longer = run(config, 3 * S);
    expect(windowed.loss).toBe(full.loss);
    expect(windowed.grads).toEqual(full.grads);
    expect(longer.grads).toEqual(full.grads);
    expect(windowed.encoderNorms).toEqual(full.encoderNorms);
  });

  it('a short window zeroes dL/dh_t before it, keeps the forward values, and changes the encoder gradients', () => {
    const full = run(config, undefined);
    const short = run(config, 3);
    // The state is carried in full: same loss.
    expect(short.loss).toBeCloseTo(full.loss, 6);
    for (let t = 0; t < S - 3; t++) expect(short.encoderNorms[t]).toBe(0);
    for (let t = S - 3; t < S; t++) expect(short.encoderNorms[t]).toBeGreaterThan(0);
    for (let t = 0; t < S; t++) expect(full.encoderNorms[t]).toBeGreaterThan(0);
    // Decoder probes are untouched by an encoder window.
    short.decoderNorms.forEach((n, t) => expect(n).toBeCloseTo(full.decoderNorms[t] as number, 5));
    expect(short.grads).not.toEqual(full.grads);
  });
});

describe('encoderGradientWindow validation', () => {
  it('rejects a window that is not a positive integer', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 4, hiddenDim: 4 }, sourceVocabSize: 10, targetVocabSize: 10, seed: 1 });
    expect(() => model.forward(batch, { training: false, teacherForcing: { ratio: 1 }, encoderGradientWindow: 0 })).toThrow(/encoderGradientWindow must be a positive integer, got 0/);
    model.dispose();
  });
});
