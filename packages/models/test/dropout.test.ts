import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSeq2SeqBatch, RecurrentLanguageModel, Seq2SeqModel, type ModelHooks, type Seq2SeqBatch } from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

const rng = createRng('dropout-data');
const split = { source: randomIds(rng, 8, 4, 19, 4, 7), target: randomIds(rng, 8, 4, 19, 3, 6) };
let batch: Seq2SeqBatch;

beforeAll(async () => {
  await useTestBackend();
  batch = makeSeq2SeqBatch(split, [0, 1, 2, 3, 4, 5, 6, 7]);
});
afterAll(() => tf.dispose(Object.values(batch)));

type Recorded = Map<string, Map<number | 'all', number[]>>;
function recorder(): { hooks: ModelHooks; masks: Recorded } {
  const masks: Recorded = new Map();
  return {
    masks,
    hooks: {
      onDropoutMask: (site, step, mask) => {
        const bySite = masks.get(site) ?? new Map<number | 'all', number[]>();
        bySite.set(step, Array.from(mask.dataSync()));
        masks.set(site, bySite);
      },
    },
  };
}

const dropout = { variational: 0.4, weightDrop: 0.3, embedding: 0.2 };
function makeModel(attention: 'none' | 'general' = 'general') {
  return new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 10, layers: 2, attention, dropout }, sourceVocabSize: 20, targetVocabSize: 20, seed: 8 });
}

describe('recurrent dropout', () => {
  it('variational masks are the same at every time step; each kind is drawn at its site', () => {
    const model = makeModel();
    const { hooks, masks } = recorder();
    model.hooks = hooks;
    tf.tidy(() => {
      model.forward(batch, { training: true, teacherForcing: { ratio: 1 }, dropoutRng: createRng('masks') });
    });
    const S = batch.source.shape[1];
    const T = batch.targetIn.shape[1];
    for (const [site, steps] of [['encoder.l0.hidden', S], ['encoder.l1.hidden', S], ['decoder.l0.hidden', T], ['decoder.l1.hidden', T]] as const) {
      const bySite = masks.get(site);
      expect(bySite?.size).toBe(steps);
      const first = bySite?.get(0) as number[];
      expect(first.length).toBe(8 * 10);
      for (let t = 1; t < steps; t++) expect(bySite?.get(t)).toEqual(first);
      // Inverted dropout: kept units are scaled by 1/(1-p), and both values occur.
      expect(new Set(first.map((v) => v.toFixed(4)))).toEqual(new Set(['0.0000', (1 / 0.6).toFixed(4)]));
    }
    expect(masks.get('encoder.l0.hidden')?.get(0)).not.toEqual(masks.get('encoder.l1.hidden')?.get(0));
    // Inputs of each layer, the weight-dropped recurrent matrices and the embedding rows: once per pass.
    for (const site of ['encoder.l0.input', 'encoder.l1.input', 'decoder.l0.input', 'decoder.l1.input', 'decoder.output', 'encoder.l0.W_hh', 'decoder.l1.W_hh', 'encoder.embedding', 'decoder.embedding']) {
      expect([site, [...(masks.get(site)?.keys() ?? [])]]).toEqual([site, ['all']]);
    }
    const weightMask = masks.get('encoder.l0.W_hh')?.get('all') as number[];
    expect(weightMask.length).toBe(10 * 40);
    const dropped = weightMask.filter((v) => v === 0).length / weightMask.length;
    expect(dropped).toBeGreaterThan(0.2);
    expect(dropped).toBeLessThan(0.4);
    expect((masks.get('encoder.embedding')?.get('all') as number[]).length).toBe(20);
    model.dispose();
  });

  it('the step-by-step decoder runs each step once (every per-step mask is applied once per step)', () => {
    for (const attention of ['none', 'general'] as const) {
      const model = makeModel(attention);
      const calls = new Map<string, number>();
      model.hooks = { onDropoutMask: (site, step) => void calls.set(`${site}@${step}`, (calls.get(`${site}@${step}`) ?? 0) + 1) };
      tf.tidy(() => {
        model.forward(batch, { training: true, teacherForcing: { ratio: 0 }, dropoutRng: createRng('masks') });
      });
      const T = batch.targetIn.shape[1];
      const decoderSteps = [...calls.entries()].filter(([key]) => key.startsWith('decoder.l1.hidden@'));
      expect(decoderSteps.length).toBe(T);
      expect([attention, [...calls.entries()].filter(([, n]) => n !== 1)]).toEqual([attention, []]);
      model.dispose();
    }
  });

  it('the step-by-step decoder reuses one mask per sequence too (p = 0)', () => {
    const model = makeModel('none');
    const { hooks, masks } = recorder();
    model.hooks = hooks;
    tf.tidy(() => {
      model.forward(batch, { training: true, teacherForcing: { ratio: 0 }, dropoutRng: createRng('masks') });
    });
    const T = batch.targetIn.shape[1];
    for (const site of ['decoder.l0.input', 'decoder.l1.input', 'decoder.output', 'decoder.l1.hidden']) {
      const bySite = masks.get(site);
      expect(bySite?.size).toBe(T);
      for (let t = 1; t < T; t++) expect(bySite?.get(t)).toEqual(bySite?.get(0));
    }
    model.dispose();
  });

  it('no mask at all at evaluation; masks are reproducible from dropoutRng', () => {
    const model = makeModel();
    const { hooks, masks } = recorder();
    model.hooks = hooks;
    const loss = (training: boolean, seed: string) =>
      tf.tidy(() => model.forward(batch, { training, teacherForcing: { ratio: 1 }, dropoutRng: createRng(seed) }).loss.dataSync()[0] as number);
    const evalA = loss(false, 'a');
    expect(masks.size).toBe(0);
    expect(loss(false, 'b')).toBe(evalA);
    const trainA = loss(true, 'a');
    expect(masks.size).toBeGreaterThan(0);
    expect(loss(true, 'a')).toBe(trainA);
    expect(loss(true, 'b')).not.toBe(trainA);
    expect(trainA).not.toBe(evalA);
    model.dispose();
  });

  it('embedding dropout removes whole word types: their rows get no gradient', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, dropout: { embedding: 0.5 } }, sourceVocabSize: 20, targetVocabSize: 20, seed: 8 });
    const { hooks, masks } = recorder();
    model.hooks = hooks;
    const table = model.namedWeights.get('encoder.embedding') as tf.Variable;
    const { grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 }, dropoutRng: createRng('e') }).loss, [table]);
    const mask = masks.get('encoder.embedding')?.get('all') as number[];
    const rows = (grads[table.name] as tf.Tensor).arraySync() as number[][];
    const used = new Set(split.source.flat());
    let checkedDropped = 0;
    let checkedKept = 0;
    for (const id of used) {
      const norm = Math.hypot(...(rows[id] as number[]));
      if (mask[id] === 0) {
        expect(norm).toBe(0);
        checkedDropped++;
      } else {
        expect(norm).toBeGreaterThan(0);
        checkedKept++;
      }
    }
    expect(checkedDropped).toBeGreaterThan(0);
    expect(checkedKept).toBeGreaterThan(0);
    tf.dispose(Object.values(grads));
    model.dispose();
  });

  it('dropout in training without dropoutRng is an error (masks must be reproducible)', () => {
    const model = makeModel();
    expect(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } })).toThrow(/dropout is on .* no dropoutRng/);
    expect(() => tf.tidy(() => model.forward(batch, { training: false, teacherForcing: { ratio: 1 } }).loss)).not.toThrow();
    model.dispose();
  });

  it('the language model reuses its hidden-state mask at every step of a chunk', () => {
    const model = new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 8, layers: 1, dropout }, inputVocabSize: 12, seed: 1 });
    const { hooks, masks } = recorder();
    model.hooks = hooks;
    const ids = randomIds(createRng('s'), 3, 0, 11, 5, 5);
    const chunk = { source: tf.tensor2d(ids, [3, 5], 'int32'), target: tf.tensor2d(ids, [3, 5], 'int32'), mask: tf.ones([3, 5]) as tf.Tensor2D };
    tf.tidy(() => {
      model.forward(chunk, model.initialState(3), { training: true, dropoutRng: createRng('lm') });
    });
    const hidden = masks.get('rnn.l0.hidden');
    expect(hidden?.size).toBe(5);
    for (let t = 1; t < 5; t++) expect(hidden?.get(t)).toEqual(hidden?.get(0));
    expect([...masks.keys()].sort()).toEqual(['embedding', 'output', 'rnn.l0.W_hh', 'rnn.l0.hidden', 'rnn.l0.input']);
    tf.dispose(Object.values(chunk));
    model.dispose();
  });
});
