import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Seq2SeqModel } from '@bptt/models';
import { useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

const H = 8;
function weights(initialisation: { scheme: 'uniform' | 'glorot' | 'orthogonal'; forgetBias?: number }, seed: number | string = 1) {
  const model = new Seq2SeqModel({ config: { embeddingDim: 5, hiddenDim: H, initialisation }, sourceVocabSize: 10, targetVocabSize: 10, seed });
  const out = new Map([...model.namedWeights].map(([name, v]) => [name, { shape: v.shape, values: Array.from(v.dataSync()) }]));
  model.dispose();
  return out;
}

describe('initialisation', () => {
  it('uniform (PyTorch): recurrent weights and biases in ±1/sqrt(H), embeddings N(0, 1), reproducible by seed', () => {
    const w = weights({ scheme: 'uniform' });
    const bound = 1 / Math.sqrt(H);
    for (const name of ['encoder.l0.W_ih', 'encoder.l0.W_hh', 'encoder.l0.b', 'decoder.l0.W_hh']) {
      const values = w.get(name)?.values ?? [];
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    }
    const emb = w.get('encoder.embedding')?.values ?? [];
    const mean = emb.reduce((a, b) => a + b, 0) / emb.length;
    const std = Math.sqrt(emb.reduce((a, b) => a + (b - mean) ** 2, 0) / emb.length);
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(std).toBeGreaterThan(0.75);
    expect(std).toBeLessThan(1.25);
    expect(weights({ scheme: 'uniform' }, 1)).toEqual(w);
    expect(weights({ scheme: 'uniform' }, 2).get('encoder.l0.W_hh')).not.toEqual(w.get('encoder.l0.W_hh'));
  });

  it('orthogonal: each gate block of W_hh is orthogonal; biases are zero plus the forget bias', () => {
    const w = weights({ scheme: 'orthogonal', forgetBias: 1 });
    const W = tf.tensor2d(w.get('encoder.l0.W_hh')?.values ?? [], [H, 4 * H]);
    for (const block of tf.split(W, 4, 1)) {
      const gram = tf.matMul(block, block, true, false).arraySync() as number[][];
      gram.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 4)));
    }
    const b = w.get('encoder.l0.b')?.values ?? [];
    expect(b.slice(H, 2 * H)).toEqual(new Array(H).fill(1)); // forget gate (i f g o)
    expect([...b.slice(0, H), ...b.slice(2 * H)]).toEqual(new Array(3 * H).fill(0));
  });
});
