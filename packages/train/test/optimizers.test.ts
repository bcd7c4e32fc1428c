import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../src/config.ts';
import { createOptimizer, type OptimizerState } from '../src/optimizers.ts';
import { useTestBackend } from './tiny-models.ts';

beforeAll(useTestBackend);

const w0 = [1, -2, 3];
const gradSequence = [
  [0.5, -1, 2],
  [-0.3, 0.2, 1],
  [0.1, 0.1, -0.7],
];

/** torch.optim.Adam written with JS doubles, element by element. */
function referenceAdam(lr: number, beta1: number, beta2: number, eps: number): number[] {
  const w = [...w0];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  gradSequence.forEach((g, index) => {
    const t = index + 1;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number;
      m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
      v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
      const mHat = (m[i] as number) / (1 - beta1 ** t);
      const vHat = (v[i] as number) / (1 - beta2 ** t);
      w[i] = (w[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return w;
}

/** torch.optim.SGD with momentum (buffer starts at the first gradient), optionally Nesterov. */
function referenceSgd(lr: number, momentum: number, nesterov: boolean): number[] {
  const w = [...w0];
  let buf: number[] | undefined;
  for (const g of gradSequence) {
    buf = buf === undefined ? [...g] : buf.map((b, i) => momentum * b + (g[i] as number));
    for (let i = 0; i < w.length; i++) {
      const step = nesterov ? (g[i] as number) + momentum * (buf[i] as number) : (buf[i] as number);
      w[i] = (w[i] as number) - lr * step;
    }
  }
  return w;
}

function run(optimizerInput: unknown, steps = gradSequence): number[] {
  const config = parseTrainConfig({ optimizer: optimizerInput }).optimizer;
  const variable = tf.variable(tf.tensor1d(w0));
  const optimizer = createOptimizer(config, [variable]);
  for (const g of steps) {
    const grad = tf.tensor1d(g);
    optimizer.apply([grad], config.lr);
    grad.dispose();
  }
  const out = Array.from(variable.dataSync());
  optimizer.dispose();
  variable.dispose();
  return out;
}

describe('optimizers follow torch.optim', () => {
  it('Adam', () => {
    const got = run({ type: 'adam', lr: 0.1, betas: [0.8, 0.99], eps: 1e-6 });
    referenceAdam(0.1, 0.8, 0.99, 1e-6).forEach((expected, i) => expect(got[i]).toBeCloseTo(expected, 5));
  });

  it('SGD without momentum', () => {
    const got = run({ type: 'sgd', lr: 0.5 });
    referenceSgd(0.5, 0, false).forEach((expected, i) => expect(got[i]).toBeCloseTo(expected, 5));
  });

  it('SGD with momentum, plain and Nesterov', () => {
    const plain = run({ type: 'sgd', lr: 0.5, momentum: 0.9 });
    referenceSgd(0.5, 0.9, false).forEach((expected, i) => expect(plain[i]).toBeCloseTo(expected, 5));
    const nesterov = run({ type: 'sgd', lr: 0.5, momentum: 0.9, nesterov: true });
    referenceSgd(0.5, 0.9, true).forEach((expected, i) => expect(nesterov[i]).toBeCloseTo(expected, 5));
    expect(nesterov).not.toEqual(plain);
  });

  for (const optimizerInput of [
    { type: 'adam', lr: 0.1 },
    { type: 'sgd', lr: 0.5, momentum: 0.9 },
  ]) {
    it(`${optimizerInput.type}: state saved after step 1 and restored elsewhere continues bit-identically`, () => {
      const config = parseTrainConfig({ optimizer: optimizerInput }).optimizer;
      const uninterrupted = run(optimizerInput);

      const first = tf.variable(tf.tensor1d(w0));
      const firstOptimizer = createOptimizer(config, [first]);
      tf.tidy(() => firstOptimizer.apply([tf.tensor1d(gradSequence[0] as number[])], config.lr));
      const saved = JSON.parse(JSON.stringify(firstOptimizer.state())) as OptimizerState;
      const savedWeights = Array.from(first.dataSync());
      firstOptimizer.dispose();
      first.dispose();

      const second = tf.variable(tf.tensor1d(savedWeights));
      const secondOptimizer = createOptimizer(config, [second]);
      secondOptimizer.restore(saved);
      for (const g of gradSequence.slice(1)) tf.tidy(() => secondOptimizer.apply([tf.tensor1d(g)], config.lr));
      expect(Array.from(second.dataSync())).toEqual(uninterrupted);
      expect(secondOptimizer.state().updates).toBe(gradSequence.length);
      secondOptimizer.dispose();
      second.dispose();
    });
  }

  it('refuses the state of another optimizer or of other shapes', () => {
    const variable = tf.variable(tf.tensor1d(w0));
    const adam = createOptimizer(parseTrainConfig({}).optimizer, [variable]);
    const sgd = createOptimizer(parseTrainConfig({ optimizer: { type: 'sgd', momentum: 0.5 } }).optimizer, [variable]);
    expect(() => sgd.restore(adam.state())).toThrow(/'adam'.*'sgd'/);
    const other = tf.variable(tf.tensor1d([1, 2]));
    const otherAdam = createOptimizer(parseTrainConfig({}).optimizer, [other]);
    expect(() => adam.restore(otherAdam.state())).toThrow(/shape \[2\]/);
    tf.dispose([variable, other]);
    [adam, sgd, otherAdam].forEach((o) => o.dispose());
  });
});
