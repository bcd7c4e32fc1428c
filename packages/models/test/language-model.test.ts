import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchifyAlignedStream, gradientsWithProbes, RecurrentLanguageModel, streamChunk, type RecurrentState } from '@bptt/models';
import { useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

const rng = createRng('lm-data');
const tokens = Array.from({ length: 61 }, () => rng.int(0, 9));
const split = { source: tokens.slice(0, 60), target: tokens.slice(1, 61) };

const scalar = (t: tf.Tensor) => t.dataSync()[0] as number;
const flat = (state: RecurrentState) => state.map((s) => Array.from(s.dataSync()));

describe.each(['lstm', 'gru'] as const)('recurrent language model (%s)', (cell) => {
  const make = () => new RecurrentLanguageModel({ config: { cell, embeddingDim: 5, hiddenDim: 7, layers: 2 }, inputVocabSize: 10, seed: 3 });

  it('chunks that carry the state give the same NLL and final state as one long chunk', () => {
    const model = make();
    const stream = batchifyAlignedStream(split, 3); // 3 rows of 20
    const whole = tf.tidy(() => {
      const r = model.forward(streamChunk(stream, 0, 20), model.initialState(3), { training: false });
      return { nll: scalar(r.nllSum), tokens: r.tokenCount, state: flat(r.finalState) };
    });
    let state: RecurrentState = model.initialState(3);
    let nll = 0;
    let count = 0;
    for (const start of [0, 6, 12, 18]) {
      const r = model.forward(streamChunk(stream, start, 6), state, { training: false });
      nll += scalar(r.nllSum);
      count += r.tokenCount;
      state = r.finalState;
    }
    expect(count).toBe(whole.tokens);
    expect(whole.tokens).toBe(60);
    expect(nll).toBeCloseTo(whole.nll, 3);
    flat(state).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(whole.state[i]?.[j] as number, 5)));
    model.dispose();
  });

  it('stateAt(k) is the state after k steps; lossSteps counts only the last steps', () => {
    const model = make();
    const stream = batchifyAlignedStream(split, 2);
    const chunk = streamChunk(stream, 0, 8);
    const initial = model.initialState(2);
    const full = model.run(chunk, initial, { training: false });
    expect(full.tokenCount).toBe(16);
    expect(full.finalState.length).toBe(cell === 'lstm' ? 4 : 2);
    expect(full.stateAt?.(0)).toBe(initial);
    expect(flat(full.stateAt?.(8) ?? [])).toEqual(flat(full.finalState));
    const firstFive = model.forward(streamChunk(stream, 0, 5), initial, { training: false });
    expect(flat(full.stateAt?.(5) ?? [])).toEqual(flat(firstFive.finalState));
    expect(() => full.stateAt?.(9)).toThrow(/step must be an integer in \[0, 8\], got 9/);

    const last3 = model.run(chunk, initial, { training: false, lossSteps: 3 });
    expect(last3.tokenCount).toBe(6);
    const perToken = full.nllPerToken.arraySync() as number[][];
    const expected = perToken.reduce((a, row) => a + row.slice(5).reduce((x, y) => x + y, 0), 0);
    expect(scalar(last3.nllSum)).toBeCloseTo(expected, 4);
    expect(scalar(last3.loss)).toBeCloseTo(expected / 6, 4);
    model.dispose();
  });

  it('probes: dL/dh_t is non-zero for every step and the loss of the last step reaches back through time', () => {
    const model = make();
    const chunk = streamChunk(batchifyAlignedStream(split, 2), 0, 6);
    const out = gradientsWithProbes(() => {
      const r = model.forward(chunk, model.initialState(2), { training: false, lossSteps: 1, probeHiddenStates: true });
      return { loss: r.loss, probes: r.probes ?? [] };
    }, model.trainableVariables);
    expect(out.probeGrads.length).toBe(6);
    const norms = out.probeGrads.map((g) => scalar(tf.norm(g)));
    norms.forEach((n) => expect(n).toBeGreaterThan(0));
    model.dispose();
  });
});

describe('language model configuration', () => {
  it('tied embeddings need equal vocabularies and equal widths', () => {
    expect(() => new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 6, tieEmbeddings: true }, inputVocabSize: 10, outputVocabSize: 8, seed: 1 })).toThrow(
      /tieEmbeddings needs equal vocabularies, got inputVocabSize 10 and outputVocabSize 8/,
    );
    expect(() => new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 7, tieEmbeddings: true }, inputVocabSize: 10, seed: 1 })).toThrow(
      /tieEmbeddings: tieEmbeddings needs hiddenDim == embeddingDim, got hiddenDim 7 and embeddingDim 6/,
    );
    const tied = new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 6, tieEmbeddings: true }, inputVocabSize: 10, seed: 1 });
    expect([...tied.namedWeights.keys()]).not.toContain('output.W');
    tied.dispose();
  });
});
