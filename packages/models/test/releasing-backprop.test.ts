/**
 * gradientsReleasingTape computes exactly what tfjs-core's engine.gradients computes (same gradient functions,
 * same order, same accumulation: bit-identical), leaves no tensor behind, and holds less at its peak: it frees each
 * node's saved tensors and gradients once the backward pass is past the node. Runs on the backend under test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientsReleasingTape, gradientsWithProbes, makeSeq2SeqBatch, Seq2SeqModel, type Seq2SeqModelConfigInput } from '@bptt/models';
import { randomIds, randomTensor, useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

type Forward = () => tf.Tensor;

function engineGradients(f: Forward, xs: tf.Tensor[]): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] } {
  const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
  return { value, grads: [...grads] };
}

function values(result: { value: tf.Tensor; grads: (tf.Tensor | undefined)[] }): (Float32Array | undefined)[] {
  const out = [result.value, ...result.grads].map((t) => (t === undefined ? undefined : (t.dataSync() as Float32Array).slice()));
  tf.dispose([result.value, ...result.grads.filter((g): g is tf.Tensor => g !== undefined)]);
  return out;
}

/** Both implementations on the same forward: bit-identical values, and neither leaves a tensor behind. */
function expectSameAsEngine(f: Forward, xs: () => tf.Tensor[]): void {
  const expected = values(engineGradients(f, xs()));
  const before = tf.memory().numTensors;
  const actual = values(gradientsReleasingTape(f, xs()));
  expect(tf.memory().numTensors).toBe(before);
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (e === undefined) expect(a).toBeUndefined();
    else expect(Array.from(a as Float32Array)).toEqual(Array.from(e));
  });
}

const split = { source: randomIds(createRng('rb-s'), 4, 4, 11, 3, 7), target: randomIds(createRng('rb-t'), 4, 4, 11, 2, 6) };

describe('gradientsReleasingTape: the engine gradients, bit for bit', () => {
  const configs: [string, Seq2SeqModelConfigInput][] = [
    ['LSTM, 2 layers, bidirectional, additive attention', { cell: 'lstm', embeddingDim: 6, hiddenDim: 8, layers: 2, bidirectional: true, attention: 'additive' }],
    ['LSTM, general attention with input feeding', { cell: 'lstm', embeddingDim: 6, hiddenDim: 8, attention: 'general', inputFeeding: true }],
    ['GRU, dot attention, dropout of every kind', { cell: 'gru', embeddingDim: 6, hiddenDim: 8, attention: 'dot', dropout: { variational: 0.2, weightDrop: 0.2, embedding: 0.1 } }],
    ['LSTM, no attention (fused sequence kernels where the backend has them)', { cell: 'lstm', embeddingDim: 6, hiddenDim: 8, attention: 'none' }],
  ];
  for (const [name, config] of configs) {
    it(`${name}, sampled teacher forcing and a truncated encoder window`, () => {
      const model = new Seq2SeqModel({ config, sourceVocabSize: 12, targetVocabSize: 12, seed: 3 });
      const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
      const f = () =>
        model.forward(batch, {
          training: true,
          teacherForcing: { ratio: 0.5, rng: createRng('coins') },
          dropoutRng: createRng('dropout'),
          encoderGradientWindow: 3,
        }).loss;
      expectSameAsEngine(f, () => [...model.trainableVariables]);
      tf.dispose(Object.values(batch));
      model.dispose();
    });
  }

  it('dL/dh_t probes appended during the forward pass (gradientsWithProbes)', () => {
    const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention: 'general' }, sourceVocabSize: 12, targetVocabSize: 12, seed: 4 });
    const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
    const run = () => model.forward(batch, { training: true, teacherForcing: { ratio: 1 }, probeHiddenStates: true, encoderGradientWindow: 2 });
    const viaProbes = gradientsWithProbes(() => {
      const result = run();
      return { loss: result.loss, probes: [...(result.probes?.encoder ?? []), ...(result.probes?.decoder ?? [])] };
    }, model.trainableVariables);
    const xs: tf.Tensor[] = [...model.trainableVariables];
    const viaEngine = engineGradients(() => {
      const result = run();
      xs.push(...(result.probes?.encoder ?? []), ...(result.probes?.decoder ?? []));
      return result.loss;
    }, xs);
    expect(viaProbes.probeGrads.length).toBe(xs.length - model.trainableVariables.length);
    const engineGrads = viaEngine.grads.map((g, i) => g ?? tf.zeros((xs[i] as tf.Tensor).shape));
    [...viaProbes.variableGrads, ...viaProbes.probeGrads].forEach((g, i) => {
      expect(Array.from(g.dataSync())).toEqual(Array.from((engineGrads[i] as tf.Tensor).dataSync()));
    });
    // Probes before the truncation window do not reach the loss: exact zeros, as through the engine.
    expect(viaProbes.probeGrads.some((g) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0)).toBe(true);
    tf.dispose([viaProbes.loss, ...viaProbes.variableGrads, ...viaProbes.probeGrads, viaEngine.value, ...engineGrads, ...Object.values(batch)]);
    model.dispose();
  });

  it('a gradient function that passes dy through (to one input or two), or hands back a tensor it saved', () => {
    const passThrough = tf.customGrad((...args) => ({ value: tf.mul(args[0] as tf.Tensor, 2), gradFunc: (dy) => dy as tf.Tensor }));
    const returnsSaved = tf.customGrad((...args) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return { value: tf.square(x), gradFunc: (_dy, saved) => saved[0] as tf.Tensor };
    });
    // Hands the same dy to both inputs: one gradient tensor held under two ids.
    const sumOfTwo = tf.customGrad((...args) => ({ value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor), gradFunc: (dy) => [dy as tf.Tensor, dy as tf.Tensor] }));
    const rng = createRng('pass');
    const a = tf.variable(randomTensor(rng, [3, 4]));
    const b = tf.variable(randomTensor(rng, [3, 4]));
    const unused = tf.variable(randomTensor(rng, [2]));
    // a reaches y along two paths, so its gradients are accumulated; `unused` is not reached at all.
    const f = () => tf.sum(tf.add(passThrough(passThrough(a) as tf.Tensor) as tf.Tensor, tf.mul(returnsSaved(tf.add(a, b)) as tf.Tensor, passThrough(b) as tf.Tensor)));
    expectSameAsEngine(f, () => [a, b, unused]);
    // b's gradient from the outer add exists when sumOfTwo's dy arrives, so that dy is added into it while a holds it.
    expectSameAsEngine(() => tf.sum(tf.add(sumOfTwo(a, b) as tf.Tensor, b)), () => [a, b]);
    tf.dispose([a, b, unused]);
  });
});

describe('gradientsReleasingTape: memory', () => {
  /**
   * An unrolled tanh RNN over T steps, each step in tf.tidy so that only what the backward pass needs outlives it
   * (the saved tensors): the engine's peak adds every gradient of the backward pass on top of those.
   */
  function unrolled(T: number): { f: Forward; xs: tf.Tensor[]; dispose: () => void } {
    const rng = createRng('unrolled');
    const w = tf.variable(randomTensor(rng, [32, 32], 0.2));
    const x = randomTensor(rng, [16, 32]);
    const f = () => {
      let h = x;
      for (let t = 0; t < T; t++) {
        const previous = h;
        h = tf.tidy(() => tf.tanh(tf.add(tf.matMul(previous, w), x)));
      }
      return tf.mean(tf.square(h));
    };
    return { f, xs: [w], dispose: () => tf.dispose([w, x]) };
  }

  it('peaks lower than the engine and frees everything but the results', async () => {
    const { f, xs, dispose } = unrolled(40);
    const before = tf.memory().numTensors;
    const enginePeak = (await tf.profile(() => tf.dispose(values(engineGradients(f, xs)) as never))).peakBytes;
    const releasingPeak = (await tf.profile(() => void values(gradientsReleasingTape(f, xs)))).peakBytes;
    expect(tf.memory().numTensors).toBe(before);
    // Saved per step: matMul's two inputs and tanh's output; the engine keeps ~5 gradients per step on top.
    expect(releasingPeak).toBeLessThan(0.75 * enginePeak);
    dispose();
  });

  it('a forward pass that throws leaves no tape and no saved tensors behind', () => {
    const { f, xs, dispose } = unrolled(5);
    const before = tf.memory().numTensors;
    expect(() =>
      gradientsReleasingTape(() => {
        f();
        throw new Error('boom');
      }, xs),
    ).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    expectSameAsEngine(f, () => xs);
    dispose();
  });

  it('inside another gradient computation it defers to the engine (the outer tape must keep its tensors)', () => {
    const x = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
    const inner = () => tf.sum(tf.mul(x, x));
    const outer = tf.engine().gradients(
      () => {
        const { value, grads } = gradientsReleasingTape(inner, [x]);
        return tf.add(value, tf.sum(grads[0] as tf.Tensor));
      },
      [x],
      undefined,
      true,
    );
    // d/dx [sum(x^2) + sum(2x)] = 2x + 2
    expect(Array.from(outer.grads[0]?.dataSync() ?? [])).toEqual([3, -1, 6]);
    tf.dispose([outer.value, ...outer.grads, x]);
  });
});
